"""A study plan: the remaining resources laid, in path order, over dated study sessions, and the learner's pace.

Pure functions of their arguments: no clock, no store, no printing (the CLI passes ``today`` in).

A plan's settings are the hours a week, the first day and the weekdays of study. The week's minutes
are shared among the study days (any remainder minute by minute to the earliest weekdays), and each
study day is one session. Resources fill the sessions in order; a resource longer than what is left
of a session continues in the next one, so a 3-hour book at 45 minutes a session takes four sessions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import NamedTuple

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
MIN_HOURS_PER_WEEK = 0.5
MAX_HOURS_PER_WEEK = 80.0
SETTLED = ("done", "skipped")  # as in the progress store: states that move the learner past a resource


class PlanError(ValueError):
    """A plan setting that cannot be used; the message names it and says what is expected."""


class PlanItem(NamedTuple):
    """One resource the plan lays out: its id, ``STEP.N`` label, title and minutes when the plan was made."""

    resource_id: str
    label: str
    title: str
    minutes: int


class Piece(NamedTuple):
    """The part of one resource read in one session (``part`` of ``parts``, 1-based)."""

    resource_id: str
    minutes: int
    part: int
    parts: int


class Session(NamedTuple):
    """One study day and what to read on it."""

    day: date
    pieces: tuple[Piece, ...]

    @property
    def minutes(self) -> int:
        """Minutes of reading in this session."""
        return sum(p.minutes for p in self.pieces)


class Settings(NamedTuple):
    """How the learner studies: hours a week, from which day, on which weekdays (0 = Monday)."""

    hours_per_week: float
    start: date
    days: tuple[int, ...]
    with_optional: bool = False

    @property
    def minutes_per_week(self) -> int:
        """The week's study time in whole minutes."""
        return round(self.hours_per_week * 60)


# --------------------------------------------------------------------------- reading the settings


def parse_hours(text: str) -> float:
    """Hours of study a week from text such as ``5`` or ``2.5``; PlanError outside 0.5 to 80."""
    try:
        hours = float(str(text).strip().replace(",", "."))
    except ValueError:
        raise PlanError(f"--hours-per-week expects a number of hours such as 5 or 2.5, got '{text}'") from None
    if not MIN_HOURS_PER_WEEK <= hours <= MAX_HOURS_PER_WEEK:  # also refuses nan and inf
        raise PlanError(
            f"--hours-per-week must be between {MIN_HOURS_PER_WEEK:g} and {MAX_HOURS_PER_WEEK:g} hours a week,"
            f" got {text}"
        )
    return hours


def parse_start(text: str, today: date) -> date:
    """A start date: ``YYYY-MM-DD``, ``today`` or ``tomorrow``; PlanError for anything else."""
    value = str(text).strip().lower()
    if value == "today":
        return today
    if value == "tomorrow":
        return today + timedelta(days=1)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PlanError(
            f"--start expects a date as YYYY-MM-DD (e.g. {today.isoformat()}), 'today' or 'tomorrow', got '{text}'"
        ) from None


def parse_days(text: str) -> tuple[int, ...]:
    """Study weekdays from text such as ``mon,wed,sat`` or ``mon-fri`` (full names too); sorted, 0 = Monday."""

    def weekday(name: str) -> int:
        key = name.strip().lower()
        for number, full in enumerate(WEEKDAY_NAMES):
            if key and (key == WEEKDAYS[number] or key == full.lower()):
                return number
        raise PlanError(
            f"--days: '{name.strip()}' is not a day of the week; use mon, tue, wed, thu, fri, sat, sun"
            " separated by commas (e.g. mon,wed,sat) or a range such as mon-fri"
        )

    days: set[int] = set()
    for part in str(text).split(","):
        if "-" in part:
            first, _, last = part.partition("-")
            a, b = weekday(first), weekday(last)
            if b < a:
                raise PlanError(
                    f"--days: the range '{part.strip()}' runs backwards; write it from Monday on, e.g. mon-fri"
                )
            days.update(range(a, b + 1))
        else:
            days.add(weekday(part))
    return tuple(sorted(days))


def days_text(days: Sequence[int]) -> str:
    """Weekdays as ``mon,wed,sat``."""
    return ",".join(WEEKDAYS[d] for d in days)


# --------------------------------------------------------------------------- laying out the plan


def plan_items(resources: Iterable, states: Mapping[str, str], *, with_optional: bool = False) -> tuple[PlanItem, ...]:
    """The resources a plan lays out, in path order: neither done nor skipped; optional ones only if asked.

    ``resources`` are catalogue resources (``id``, ``label``, ``title``, ``minutes``, ``optional``).
    A resource in progress counts with all its minutes: dlpath does not know how far into it you are.
    """
    return tuple(
        PlanItem(r.id, r.label, r.title, r.minutes)
        for r in resources
        if states.get(r.id, "not-started") not in SETTLED and (with_optional or not r.optional)
    )


def session_minutes(minutes_per_week: int, days: Sequence[int]) -> dict[int, int]:
    """Minutes of each study weekday: the week shared evenly, a remainder minute each to the first days."""
    if not days:
        raise PlanError("--days: give at least one day of the week, e.g. mon,wed,sat")
    share, extra = divmod(minutes_per_week, len(days))
    return {day: share + (1 if i < extra else 0) for i, day in enumerate(sorted(days))}


def lay_out(items: Sequence[PlanItem], settings: Settings) -> tuple[Session, ...]:
    """The dated sessions that read ``items`` in order, from ``settings.start`` on the study weekdays."""
    capacity = session_minutes(settings.minutes_per_week, settings.days)
    pending = [[item.resource_id, item.minutes] for item in items if item.minutes > 0]
    raw: list[tuple[date, list[tuple[str, int]]]] = []
    day = settings.start
    while pending:
        left = capacity.get(day.weekday(), 0)
        pieces: list[tuple[str, int]] = []
        while left > 0 and pending:
            rid, remaining = pending[0]
            take = min(remaining, left)
            pieces.append((rid, take))
            left -= take
            if take == remaining:
                pending.pop(0)
            else:
                pending[0][1] = remaining - take
        if pieces:
            raw.append((day, pieces))
        day += timedelta(days=1)
    parts: dict[str, int] = {}
    for _, pieces in raw:
        for rid, _ in pieces:
            parts[rid] = parts.get(rid, 0) + 1
    seen: dict[str, int] = {}
    sessions = []
    for day, pieces in raw:
        laid = []
        for rid, minutes in pieces:
            seen[rid] = seen.get(rid, 0) + 1
            laid.append(Piece(rid, minutes, seen[rid], parts[rid]))
        sessions.append(Session(day, tuple(laid)))
    return tuple(sessions)


def finish_date(sessions: Sequence[Session]) -> date | None:
    """The day of the last session (None for an empty plan)."""
    return sessions[-1].day if sessions else None


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def by_week(sessions: Sequence[Session]) -> list[tuple[date, tuple[Session, ...]]]:
    """Sessions grouped by week (Monday to Sunday), each week named by its Monday, in order."""
    weeks: dict[date, list[Session]] = {}
    for session in sessions:
        weeks.setdefault(week_start(session.day), []).append(session)
    return [(monday, tuple(group)) for monday, group in weeks.items()]


def finishes(sessions: Sequence[Session]) -> dict[str, date]:
    """The day each resource's last part is read, by resource id."""
    return {p.resource_id: s.day for s in sessions for p in s.pieces if p.part == p.parts}


# --------------------------------------------------------------------------- keeping pace


class Pace(NamedTuple):
    """How the learner stands against a plan on ``today``.

    ``due`` resources were planned to be finished before today, ``due_tonight`` by the end of today;
    ``settled`` of the plan's ``total`` are done or skipped. ``finish`` is the last day of ``projected``
    sessions (when the rest will be read at the plan's pace); ``planned_finish`` the plan's own.
    """

    today: date
    start: date
    total: int
    settled: int
    due: int
    due_tonight: int
    finish: date | None
    planned_finish: date | None

    @property
    def behind(self) -> int:
        """Readings planned before today that are neither done nor skipped (0 when not behind)."""
        return max(0, self.due - self.settled)

    @property
    def ahead(self) -> int:
        """Readings settled beyond what was planned by tonight (0 when not ahead)."""
        return max(0, self.settled - self.due_tonight)


def _rest(items: Sequence[PlanItem], states: Mapping[str, str]) -> list[PlanItem]:
    return [item for item in items if states.get(item.resource_id, "not-started") not in SETTLED]


def projected(
    items: Sequence[PlanItem], settings: Settings, states: Mapping[str, str], today: date
) -> tuple[Session, ...]:
    """The sessions that read what is left of the plan, from today on.

    While no reading the learner has left was planned before today and they are not ahead, that is the
    plan itself (its sessions from today, less what is settled). Behind, what is left is laid out again
    at the plan's pace from today; ahead (today's readings done and more), from tomorrow.
    """
    planned = lay_out(items, settings)
    settled = {item.resource_id for item in items if states.get(item.resource_id, "not-started") in SETTLED}
    late = any(p.resource_id not in settled for s in planned if s.day < today for p in s.pieces)
    due_tonight = sum(1 for day in finishes(planned).values() if day <= today)
    if late:
        first = today
    elif len(settled) > due_tonight:
        first = today + timedelta(days=1)
    else:
        kept = (Session(s.day, tuple(p for p in s.pieces if p.resource_id not in settled)) for s in planned)
        return tuple(s for s in kept if s.day >= today and s.pieces)
    return lay_out(_rest(items, states), settings._replace(start=max(first, settings.start)))


def pace(items: Sequence[PlanItem], settings: Settings, states: Mapping[str, str], today: date) -> Pace:
    """Where the learner is against the plan of ``items`` made with ``settings``, given today's states."""
    planned = lay_out(items, settings)
    ends = finishes(planned)
    settled = sum(1 for item in items if states.get(item.resource_id, "not-started") in SETTLED)
    due = sum(1 for day in ends.values() if day < today)
    due_tonight = sum(1 for day in ends.values() if day <= today)
    finish = finish_date(projected(items, settings, states, today))
    return Pace(today, settings.start, len(items), settled, due, due_tonight, finish, finish_date(planned))


def day_text(day: date, today: date | None = None) -> str:
    """``14 March``, with the year when it is not ``today``'s year (or always, without ``today``)."""
    text = f"{day.day} {MONTHS[day.month - 1]}"
    return text if today is not None and day.year == today.year else f"{text} {day.year}"


def short_day_text(day: date, today: date | None = None) -> str:
    """``Mon 14 Mar``, with the year when it is not ``today``'s year (or always, without ``today``)."""
    text = f"{WEEKDAY_NAMES[day.weekday()][:3]} {day.day} {MONTHS[day.month - 1][:3]}"
    return text if today is not None and day.year == today.year else f"{text} {day.year}"


def _readings(count: int) -> str:
    return f"{count} reading{'s' if count != 1 else ''}"


def pace_message(p: Pace) -> str:
    """One line on the learner's pace, e.g. ``2 readings behind plan; on track to finish 14 March``."""
    if p.total == 0 or p.settled >= p.total:
        return "Every reading in your plan is done or skipped: plan complete ('dlpath plan -H HOURS' makes a new one)."
    finish = day_text(p.finish, p.today) if p.finish else "soon"
    if p.today < p.start and p.settled == 0:
        start = f"{WEEKDAY_NAMES[p.start.weekday()]} {day_text(p.start, p.today)}"
        return f"Your plan starts on {start} and finishes on {finish}."
    if p.behind:
        head = f"{_readings(p.behind)} behind plan"
    elif p.ahead:
        head = f"{_readings(p.ahead)} ahead of plan"
    else:
        head = "On plan"
    line = f"{head}; on track to finish {finish}"
    if p.planned_finish and p.finish and p.finish != p.planned_finish:
        line += f" (planned: {day_text(p.planned_finish, p.today)})"
    return line + "."
