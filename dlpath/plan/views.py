"""What ``dlpath plan`` prints (week by week, through the Rich-free writer), its JSON, and the plan as pages show it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from dlpath.plan.schedule import (
    WEEKDAY_NAMES,
    WEEKDAYS,
    Pace,
    PlanItem,
    Session,
    Settings,
    by_week,
    day_text,
    finish_date,
    session_minutes,
)
from dlpath.render.text import clean

if TYPE_CHECKING:
    from dlpath.render.term import Span, Writer
    from dlpath.share import SharedPlan

WEEKS_SHARED = 4  # the weeks ahead a shared page lists


def _duration(minutes: int) -> str:
    from dlpath.views import duration

    return duration(minutes)


def hours_text(hours: float) -> str:
    """``5`` -> ``5 h``; ``2.5`` -> ``2 h 30 min``."""
    return _duration(round(hours * 60))


def settings_text(settings: Settings, today: date | None = None) -> str:
    """The settings in words: ``5 h a week on mon, wed, sat (100 min a session), from Monday 2 March 2026``."""
    minutes = sorted(set(session_minutes(settings.minutes_per_week, settings.days).values()))
    each = f"{minutes[0]} min" if len(minutes) == 1 else f"{minutes[0]} to {minutes[-1]} min"
    days = "every day" if len(settings.days) == 7 else "on " + ", ".join(WEEKDAYS[d] for d in settings.days)
    optional = ", optional readings included" if settings.with_optional else ""
    return (
        f"{hours_text(settings.hours_per_week)} a week {days} ({each} a session{optional}),"
        f" from {WEEKDAY_NAMES[settings.start.weekday()]} {day_text(settings.start, today)}"
    )


def piece_text(item: PlanItem, minutes: int, part: int, parts: int) -> str:
    """``3.2 A Step by Step Backpropagation Example (45 min, part 1 of 2)``, cleaned for a terminal."""
    split = f", part {part} of {parts}" if parts > 1 else ""
    return f"{item.label} {clean(item.title)} ({_duration(minutes)}{split})"


def session_label(day: date, today: date | None = None) -> str:
    """``Mon 2 March``: a session's day, short."""
    return f"{WEEKDAYS[day.weekday()].capitalize()} {day_text(day, today)}"


def write_plan(
    out: Writer,
    sessions: Sequence[Session],
    items: Mapping[str, PlanItem],
    settings: Settings,
    today: date,
    *,
    heading: str,
    pace: Pace | None = None,
    pace_line: str | None = None,
) -> None:
    """A plan, week by week, with its finish date (and the learner's pace, for a saved plan)."""
    total = sum(s.minutes for s in sessions)
    readings = len({p.resource_id for s in sessions for p in s.pieces})
    out.paragraph((heading, "bold"))
    out.paragraph((f"{settings_text(settings, today)}.", ""))
    if pace_line:
        out.paragraph((pace_line, "yellow" if pace is not None and pace.behind else "green"))
    finish = finish_date(sessions)
    if finish is None:
        out.paragraph(("Nothing left to plan: every reading of the plan is done or skipped.", ""))
        return
    weeks = by_week(sessions)
    out.paragraph(
        (f"{readings} reading{'s' if readings != 1 else ''}, {_duration(total)}, in {len(sessions)} session"
         f"{'s' if len(sessions) != 1 else ''} over {len(weeks)} week{'s' if len(weeks) != 1 else ''};"
         f" finish on {WEEKDAY_NAMES[finish.weekday()]} {day_text(finish, today)}.", "bold")
    )
    for monday, group in weeks:
        out.blank()
        out.line((f"Week of {day_text(monday, today)}", "bold"))
        rows: list[tuple[str, list[Span]]] = []
        for session in group:
            for i, piece in enumerate(session.pieces):
                label = session_label(session.day, today) if i == 0 else ""
                rows.append((label, [(piece_text(items[piece.resource_id], piece.minutes, piece.part, piece.parts),
                                      "")]))
        out.grid(rows)


def plan_json(
    sessions: Sequence[Session],
    items: Mapping[str, PlanItem],
    settings: Settings,
    *,
    revision: int | None,
    pace: Pace | None,
    pace_line: str | None,
) -> dict[str, Any]:
    """``dlpath plan --json``: the settings, each session with what to read, the finish date and the pace."""
    finish = finish_date(sessions)
    return {
        "revision": revision,
        "settings": {
            "hours_per_week": settings.hours_per_week,
            "start": settings.start.isoformat(),
            "days": [WEEKDAYS[d] for d in settings.days],
            "with_optional": settings.with_optional,
            "minutes_per_session": {WEEKDAYS[d]: m for d, m in session_minutes(settings.minutes_per_week,
                                                                                settings.days).items()},
        },
        "finish": finish.isoformat() if finish else None,
        "pace": None if pace is None else pace_json(pace, pace_line),
        "sessions": [
            {
                "date": s.day.isoformat(),
                "minutes": s.minutes,
                "readings": [
                    {"id": p.resource_id, "label": items[p.resource_id].label, "title": items[p.resource_id].title,
                     "minutes": p.minutes, "part": p.part, "parts": p.parts}
                    for p in s.pieces
                ],
            }
            for s in sessions
        ],
    }


def pace_json(pace: Pace, line: str | None) -> dict[str, Any]:
    """The pace as data: readings behind/ahead, projected and planned finish, and the sentence."""
    return {
        "readings": pace.total,
        "settled": pace.settled,
        "due": pace.due,
        "behind": pace.behind,
        "ahead": pace.ahead,
        "finish": pace.finish.isoformat() if pace.finish else None,
        "planned_finish": pace.planned_finish.isoformat() if pace.planned_finish else None,
        "message": line,
    }


def shared_plan(
    settings: Settings, sessions: Sequence[Session], items: Mapping[str, PlanItem], pace_line: str, today: date
) -> SharedPlan:
    """The plan as the share pages show it: settings, pace, and the sessions of the next few weeks."""
    from dlpath.share import SharedPlan

    weeks = []
    for monday, group in by_week(sessions)[:WEEKS_SHARED]:
        days = tuple(
            (s.day, tuple(piece_text(items[p.resource_id], p.minutes, p.part, p.parts) for p in s.pieces))
            for s in group
        )
        weeks.append((monday, days))
    return SharedPlan(settings_text(settings), pace_line, tuple(weeks))
