"""The verdicts of the last ``check-links`` run, kept so other commands can point to archived copies.

Only the standard library is imported here: ``dlpath next`` reads this file on every start.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from dlpath.files import write_atomically
from dlpath.paths import data_dir

FILE_NAME = "last-link-check.json"


def last_run_path() -> Path:
    """Where the last run's verdicts are kept."""
    return data_dir() / FILE_NAME


def _read() -> dict[str, Any]:
    try:
        text = last_run_path().read_text(encoding="utf-8")
    except (OSError, ValueError):
        return {}  # no check has run yet: json is not even imported
    import json  # local: `dlpath next` reads this module on every start and json costs 1.4 ms

    try:
        data = json.loads(text)
    except ValueError:
        return {}
    links = data.get("links") if isinstance(data, dict) else None
    return links if isinstance(links, dict) else {}


def _each(field: str) -> dict[str, str]:
    return {url: entry[field] for url, entry in _read().items()
            if isinstance(entry, dict) and isinstance(entry.get(field), str)}


def load_last_verdicts() -> dict[str, str]:
    """url -> verdict (``ok``, ``broken``, ...) from the last runs; {} if there is none or it is unreadable."""
    return _each("verdict")


def load_last_archives() -> dict[str, str]:
    """url -> archived copy (a Wayback snapshot) found by ``--suggest-archive`` for dead links; {} if none."""
    return _each("archived_copy")


def last_check_of(url: str) -> tuple[str | None, str | None]:
    """The last runs' verdict on ``url`` and the archived copy they found, each None if unknown (one read)."""
    entry = _read().get(url)
    if not isinstance(entry, dict):
        return None, None
    verdict, copy = entry.get("verdict"), entry.get("archived_copy")
    return (verdict if isinstance(verdict, str) else None), (copy if isinstance(copy, str) else None)


def save_last_run(entries: dict[str, dict[str, Any]]) -> None:
    """Record ``url -> {"verdict", "archived_copy", ...}``, keeping links this run did not check.

    Failing to write is not worth failing a link check for: errors are ignored.
    """
    import json  # local: see _read

    links = _read()
    links.update(entries)
    payload = {"version": 1, "saved_at": time.time(), "links": links}
    try:
        write_atomically(last_run_path(), json.dumps(payload, separators=(",", ":")))
    except OSError:
        pass

