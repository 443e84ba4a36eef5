"""A study plan as an iCalendar file (RFC 5545) that calendar apps import: one all-day event per reading per session.

Each event's UID is made from the plan's namespace (the catalogue), the resource id and the part, so a
plan exported again after changes carries the same UIDs: calendar apps update those events rather than
adding copies. Events exported before that the new plan no longer has are written as cancelled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dlpath.plan.schedule import PlanItem, Session

PRODID = "-//dlpath//study plan//EN"


def event_uid(namespace: str, resource_id: str, part: int) -> str:
    """The stable UID of the session reading ``part`` of a resource in the plan ``namespace``."""
    return f"{namespace}.{resource_id}.part-{part}@dlpath"


def event_uids(sessions: Sequence[Session], namespace: str) -> dict[str, date]:
    """The UID of every event ``sessions`` make, with its day."""
    return {event_uid(namespace, p.resource_id, p.part): s.day for s in sessions for p in s.pieces}


def to_ical(
    sessions: Sequence[Session],
    items: Mapping[str, PlanItem],
    *,
    namespace: str,
    title: str,
    urls: Mapping[str, str],
    stamp: datetime,
    sequence: int = 0,
    cancelled: Mapping[str, date] | None = None,
) -> bytes:
    """The plan as iCalendar bytes.

    ``items`` and ``urls`` give each resource's label, title and link by id; ``stamp`` is the export time
    (UTC, the events' DTSTAMP); ``sequence`` rises with each new plan so calendar apps take the update;
    ``cancelled`` maps UIDs exported earlier and no longer planned to their day.
    """
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Study plan: {title}")
    for session in sessions:
        for piece in session.pieces:
            item = items[piece.resource_id]
            part = f", part {piece.part} of {piece.parts}" if piece.parts > 1 else ""
            event = Event()
            event.add("uid", event_uid(namespace, piece.resource_id, piece.part))
            event.add("dtstamp", stamp)
            event.add("sequence", sequence)
            event.add("dtstart", session.day)
            event.add("dtend", session.day + timedelta(days=1))
            event.add("summary", f"{item.label} {item.title} ({piece.minutes} min{part})")
            lines = [f"Read {item.label} {item.title}{part}: about {piece.minutes} min this session."]
            url = urls.get(piece.resource_id)
            if url:
                event.add("url", url)
                lines.append(url)
            lines.append("'dlpath next' shows what to read now; 'dlpath done' marks it read.")
            event.add("description", "\n".join(lines))
            event.add("transp", "TRANSPARENT")  # a reading does not make you busy all day
            event.add("categories", ["dlpath"])
            calendar.add_component(event)
    for uid, day in sorted((cancelled or {}).items()):
        event = Event()
        event.add("uid", uid)
        event.add("dtstamp", stamp)
        event.add("sequence", sequence)
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        event.add("summary", "Cancelled: no longer in your study plan")
        event.add("status", "CANCELLED")
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
