"""The results cache in the data directory: only ``ok`` results are kept, so errors are always re-checked."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from dlpath.files import write_atomically
from dlpath.links.result import LinkVerdict, UrlCheck
from dlpath.paths import data_dir

FILE_NAME = "link-cache.json"
KEEP_AT_MOST = 30 * 86400  # entries older than this are dropped from the file whatever --max-age says


def cache_path() -> Path:
    """Where cached link results live."""
    return data_dir() / FILE_NAME


class ResultCache:
    """url -> when it was last found ok (and its status and final URL)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or cache_path()
        self.entries: dict[str, dict[str, Any]] = self._load()

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # a missing or damaged cache is an empty one
        entries = data.get("entries") if isinstance(data, dict) else None
        if not isinstance(entries, dict):
            return {}
        return {
            url: entry for url, entry in entries.items()
            if isinstance(entry, dict) and isinstance(entry.get("checked_at"), (int, float))
            and isinstance(entry.get("status"), int)
        }

    def fresh(self, urls: Iterable[str], max_age: float, accept: frozenset[int] = frozenset(),
              now: float | None = None) -> dict[str, UrlCheck]:
        """Cached ok results younger than ``max_age`` seconds for these URLs (as checks made 0 times)."""
        now = time.time() if now is None else now
        found = {}
        for url in urls:
            entry = self.entries.get(url)
            if entry is None:
                continue
            age = now - entry["checked_at"]
            status = entry["status"]
            if not 0 <= age < max_age or not (200 <= status < 300 or status in accept):
                continue
            final = entry.get("final_url") if isinstance(entry.get("final_url"), str) else url
            found[url] = UrlCheck(url, LinkVerdict.OK, status, final, f"{status} (cached, checked {_ago(age)} ago)",
                                  0.0, 0, cached=True)
        return found

    def record(self, checks: Iterable[UrlCheck], now: float | None = None) -> None:
        """Keep fresh ok results, forget any URL that is not ok now, and save; errors writing are ignored."""
        now = time.time() if now is None else now
        for check in checks:
            if check.cached:
                continue
            if check.verdict is LinkVerdict.OK and check.status is not None:
                self.entries[check.url] = {"checked_at": now, "status": check.status, "final_url": check.final_url}
            else:
                self.entries.pop(check.url, None)
        self.entries = {u: e for u, e in self.entries.items() if now - e["checked_at"] < KEEP_AT_MOST}
        try:
            write_atomically(self.path, json.dumps({"version": 1, "entries": self.entries}, separators=(",", ":")))
        except OSError:
            pass


def _ago(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 129600:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"


def parse_age(text: str) -> float:
    """Seconds from ``--max-age`` text: ``90`` or ``90s``, ``30m``, ``12h``, ``1d``, ``2w``; ValueError if bad."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    text = text.strip().lower()
    unit = units.get(text[-1:], None)
    number = text[:-1] if unit else text
    value = float(number)  # ValueError for anything else
    if value < 0 or value != value or value == float("inf"):
        raise ValueError(text)
    return value * (unit or 1)
