"""The progress export format (``dlpath progress export`` / ``import``): the document written, and its checks.

An export is one JSON object::

    {"format": "dlpath-progress", "version": 3, "exported_at": TIME,
     "catalog": {"title", "key"},                                         # whose progress (version 2)
     "resources": [{"id", "state", "updated_at"}, ...],                   # the current state of each resource
     "events": [{"resource", "state", "previous", "at", "action"}, ...],  # the history, as recorded
     "exercises": [{"name", "event", "at", "detail"}, ...],               # exercise runs, passes, hints
     "notes": [{"resource", "text", "updated_at"}, ...]}                  # your notes (version 3)

Version 1 exports (no catalogue, no actions) and version 2 ones (no notes) are still read.

``parse_export`` checks a document once and returns it as a ``ProgressExport``, which the store merges.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from dlpath.errors import StoreError
from dlpath.progress.records import EXERCISE_EVENTS, STATES, Entry, Note, normal_time

EXPORT_FORMAT = "dlpath-progress"
EXPORT_VERSION = 3  # 2: the catalogue the progress belongs to, and each event's action; 3: notes
MAX_NOTE_CHARACTERS = 100_000


class ExportFormatError(StoreError):
    """A progress export file is not in the format ``dlpath progress export`` writes."""


class ProgressExport(NamedTuple):
    """A checked export: its resources, history events and exercise events, times normalised, and the
    catalogue it came from (``{"title", "key"}``; None in exports older than version 2), and the notes."""

    resources: list[dict[str, Any]]
    events: list[dict[str, Any]]
    exercises: list[dict[str, Any]]
    catalog: dict[str, str] | None = None
    notes: list[dict[str, Any]] = []

    def resource_ids(self) -> set[str]:
        """Every resource id the export mentions, in its states, its history or its notes."""
        return {r["id"] for r in self.resources} | {e["resource"] for e in self.events} | {
            n["resource"] for n in self.notes
        }

    def without(self, ids: set[str]) -> ProgressExport:
        """The export with nothing about the resources ``ids``."""
        return self._replace(
            resources=[r for r in self.resources if r["id"] not in ids],
            events=[e for e in self.events if e["resource"] not in ids],
            notes=[n for n in self.notes if n["resource"] not in ids],
        )


# Times an export may hold: not before dlpath could have recorded them, not after now (a few minutes of
# clock difference between two machines allowed).
EARLIEST = "2000-01-01T00:00:00+00:00"
CLOCK_SKEW_SECONDS = 300
ACTIONS = ("start", "done", "skip", "reset", "import", "undo")


def export_document(
    entries: dict[str, Entry],
    events: Iterable[tuple[str, str, str, str, str]],
    exercises: Iterable[tuple[str, str, str, str | None]],
    exported_at: str,
    catalog: dict[str, str] | None = None,
    notes: dict[str, Note] | None = None,
) -> dict[str, Any]:
    """The export document: current ``entries`` by resource id, history ``events`` (resource, state,
    previous, at, action) in the order recorded, ``exercises`` events (name, event, at, detail as stored
    JSON text), the ``catalog`` (title, key) the progress belongs to, and ``notes`` by resource id."""
    document: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": exported_at,
    }
    if catalog is not None:
        document["catalog"] = catalog
    return document | {
        "resources": [
            {"id": rid, "state": entry.state, "updated_at": entry.updated_at}
            for rid, entry in sorted(entries.items())
        ],
        "events": [
            {"resource": r, "state": s, "previous": p, "at": at, "action": action} for r, s, p, at, action in events
        ],
        "exercises": [
            {"name": n, "event": e, "at": at, "detail": json.loads(d) if d else None} for n, e, at, d in exercises
        ],
        "notes": [
            {"resource": rid, "text": note.text, "updated_at": note.updated_at}
            for rid, note in sorted((notes or {}).items())
        ],
    }


def parse_export(data: Any) -> ProgressExport:
    """Check an export document; return its parts, times normalised. ExportFormatError names any problem."""

    def fail(where: str, message: str) -> ExportFormatError:
        return ExportFormatError(f"not a dlpath progress export: {where}: {message}")

    if not isinstance(data, dict):
        raise fail("top level", "expected a JSON object")
    if data.get("format") != EXPORT_FORMAT:
        raise fail("format", f'expected "{EXPORT_FORMAT}", got {json.dumps(data.get("format"))}')
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise fail("version", f"expected a positive whole number, got {json.dumps(version)}")
    if version > EXPORT_VERSION:
        raise ExportFormatError(
            f"the export was written by a newer dlpath (format version {version}, this one reads up to"
            f" {EXPORT_VERSION}): upgrade dlpath"
        )

    def items(key: str) -> list[dict[str, Any]]:
        value = data.get(key, [])
        if not isinstance(value, list):
            raise fail(key, "expected a list")
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                raise fail(f"{key}[{i}]", "expected an object")
        return value

    def text(item: dict, key: str, where: str) -> str:
        value = item.get(key)
        if not isinstance(value, str) or not value.strip():
            raise fail(f"{where}.{key}", f"expected a non-empty string, got {_shown(value)}")
        if _has_control(value):
            raise fail(f"{where}.{key}", f"control characters are not allowed, got {_shown(value)}")
        if len(value) > 200:
            raise fail(f"{where}.{key}", f"expected at most 200 characters, got {len(value):,}")
        return value

    def state(item: dict, key: str, where: str) -> str:
        value = item.get(key)
        if value not in STATES:
            raise fail(f"{where}.{key}", f"expected one of {', '.join(STATES)}, got {json.dumps(value)}")
        return value

    latest = (datetime.now(UTC) + timedelta(seconds=CLOCK_SKEW_SECONDS)).isoformat(timespec="microseconds")

    def time(item: dict, key: str, where: str) -> str:
        value = text(item, key, where)
        try:
            stored = normal_time(value)
        except (ValueError, OverflowError):
            raise fail(
                f"{where}.{key}", f"expected an ISO 8601 time with a time zone, got {json.dumps(value)}"
            ) from None
        if stored > latest:
            raise fail(f"{where}.{key}", f"{value} is in the future; check the clock of the machine that exported it")
        if stored < normal_time(EARLIEST):
            raise fail(f"{where}.{key}", f"{value} is before dlpath could have recorded anything")
        return stored

    resources, seen = [], set()
    for i, item in enumerate(items("resources")):
        where = f"resources[{i}]"
        rid = text(item, "id", where)
        if rid in seen:
            raise fail(f"{where}.id", f"'{rid}' appears twice")
        seen.add(rid)
        resources.append(
            {"id": rid, "state": state(item, "state", where), "updated_at": time(item, "updated_at", where)}
        )
    events = []
    for i, item in enumerate(items("events")):
        where = f"events[{i}]"
        action = item.get("action")
        if action is not None and action not in ACTIONS:
            raise fail(f"{where}.action", f"expected one of {', '.join(ACTIONS)}, got {_shown(action)}")
        events.append(
            {
                "resource": text(item, "resource", where),
                "state": state(item, "state", where),
                "previous": state(item, "previous", where),
                "at": time(item, "at", where),
                "action": action,
            }
        )
    exercises = []
    for i, item in enumerate(items("exercises")):
        where = f"exercises[{i}]"
        event = item.get("event")
        if event not in EXERCISE_EVENTS:
            raise fail(f"{where}.event", f"expected one of {', '.join(EXERCISE_EVENTS)}, got {_shown(event)}")
        detail = item.get("detail")
        if detail is not None and not isinstance(detail, dict):
            raise fail(f"{where}.detail", "expected an object or null")
        exercises.append(
            {
                "name": text(item, "name", where),
                "event": event,
                "at": time(item, "at", where),
                "detail": detail,
            }
        )
    catalog = data.get("catalog")
    if catalog is not None:
        if not isinstance(catalog, dict):
            raise fail("catalog", "expected an object with the catalogue's title and key")
        catalog = {"title": text(catalog, "title", "catalog"), "key": _key(catalog.get("key"), fail)}
    notes, noted = [], set()
    for i, item in enumerate(items("notes")):
        where = f"notes[{i}]"
        rid = text(item, "resource", where)
        if rid in noted:
            raise fail(f"{where}.resource", f"'{rid}' appears twice")
        noted.add(rid)
        body = item.get("text")
        if not isinstance(body, str):
            raise fail(f"{where}.text", f"expected a string, got {_shown(body)}")
        if len(body) > MAX_NOTE_CHARACTERS:
            raise fail(f"{where}.text", f"expected at most {MAX_NOTE_CHARACTERS:,} characters, got {len(body):,}")
        if _has_control(body.replace("\n", "").replace("\t", "")):
            raise fail(f"{where}.text", f"control characters are not allowed, got {_shown(body)}")
        notes.append({"resource": rid, "text": body, "updated_at": time(item, "updated_at", where)})
    return ProgressExport(resources, events, exercises, catalog, notes)


def _key(value: Any, fail: Any) -> str:
    """A catalogue key: its title and author on two lines (the one place a newline is expected)."""
    if not isinstance(value, str) or not value.strip() or len(value) > 500 or _has_control(value.replace("\n", "")):
        raise fail("catalog.key", f"expected the catalogue's title and author, got {_shown(value)}")
    return value


def _has_control(value: str) -> bool:
    """Whether ``value`` holds control or format characters (escape codes, bidi overrides, NUL, ...)."""
    import unicodedata

    return any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value)


def _shown(value: Any) -> str:
    """A value as quoted in an error: JSON, control characters escaped, at most 60 characters."""
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 60 else text[:57] + "..."
