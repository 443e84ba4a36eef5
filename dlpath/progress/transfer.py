"""The progress export format (``dlpath progress export`` / ``import``): the document written, and its checks.

An export is one JSON object::

    {"format": "dlpath-progress", "version": 1, "exported_at": TIME,
     "resources": [{"id", "state", "updated_at"}, ...],        # the current state of each resource
     "events": [{"resource", "state", "previous", "at"}, ...],  # the history, oldest first
     "exercises": [{"name", "event", "at", "detail"}, ...]}     # exercise runs, passes, hints

``parse_export`` checks a document once and returns it as a ``ProgressExport``, which the store merges.
"""

import json
from collections.abc import Iterable
from typing import Any, NamedTuple

from dlpath.errors import StoreError
from dlpath.progress.records import EXERCISE_EVENTS, STATES, Entry, normal_time

EXPORT_FORMAT = "dlpath-progress"
EXPORT_VERSION = 1


class ExportFormatError(StoreError):
    """A progress export file is not in the format ``dlpath progress export`` writes."""


class ProgressExport(NamedTuple):
    """A checked export: its resources, history events and exercise events, times normalised."""

    resources: list[dict[str, Any]]
    events: list[dict[str, Any]]
    exercises: list[dict[str, Any]]


def export_document(
    entries: dict[str, Entry],
    events: Iterable[tuple[str, str, str, str]],
    exercises: Iterable[tuple[str, str, str, str | None]],
    exported_at: str,
) -> dict[str, Any]:
    """The export document: current ``entries`` by resource id, history ``events`` (resource, state,
    previous, at) and ``exercises`` events (name, event, at, detail as stored JSON text), oldest first."""
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": exported_at,
        "resources": [
            {"id": rid, "state": entry.state, "updated_at": entry.updated_at}
            for rid, entry in sorted(entries.items())
        ],
        "events": [{"resource": r, "state": s, "previous": p, "at": at} for r, s, p, at in events],
        "exercises": [
            {"name": n, "event": e, "at": at, "detail": json.loads(d) if d else None} for n, e, at, d in exercises
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
            raise fail(f"{where}.{key}", f"expected a non-empty string, got {json.dumps(value)}")
        return value

    def state(item: dict, key: str, where: str) -> str:
        value = item.get(key)
        if value not in STATES:
            raise fail(f"{where}.{key}", f"expected one of {', '.join(STATES)}, got {json.dumps(value)}")
        return value

    def time(item: dict, key: str, where: str) -> str:
        value = text(item, key, where)
        try:
            return normal_time(value)
        except ValueError:
            raise fail(
                f"{where}.{key}", f"expected an ISO 8601 time with a time zone, got {json.dumps(value)}"
            ) from None

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
        events.append(
            {
                "resource": text(item, "resource", where),
                "state": state(item, "state", where),
                "previous": state(item, "previous", where),
                "at": time(item, "at", where),
            }
        )
    exercises = []
    for i, item in enumerate(items("exercises")):
        where = f"exercises[{i}]"
        event = item.get("event")
        if event not in EXERCISE_EVENTS:
            raise fail(f"{where}.event", f"expected one of {', '.join(EXERCISE_EVENTS)}, got {json.dumps(event)}")
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
    return ProgressExport(resources, events, exercises)
