"""The progress vocabulary: resource states, exercise events, stored times, and the records the store returns."""

from datetime import UTC, date, datetime
from typing import NamedTuple

NOT_STARTED = "not-started"
IN_PROGRESS = "in-progress"
DONE = "done"
SKIPPED = "skipped"
STATES = (NOT_STARTED, IN_PROGRESS, DONE, SKIPPED)
SETTLED = (DONE, SKIPPED)  # states that move the learner past a resource

EXERCISE_EVENTS = ("run", "passed", "hint")


def now() -> str:
    """The current time as stored: ISO 8601, UTC, microseconds."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def normal_time(value: str) -> str:
    """An ISO 8601 time in the stored form; ValueError if it is not one or has no time zone."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("time has no time zone")
    return parsed.astimezone(UTC).isoformat(timespec="microseconds")


def check_exercise_event(name: str, event: str) -> None:
    """ValueError unless ``event`` is an exercise event and ``name`` a non-empty exercise name."""
    if event not in EXERCISE_EVENTS:
        raise ValueError(f"unknown exercise event {event!r}: expected one of {', '.join(EXERCISE_EVENTS)}")
    if not isinstance(name, str) or not name.strip():
        raise ValueError("an exercise name must be a non-empty string")


class Entry(NamedTuple):
    """The current state of one resource and when it was set."""

    state: str
    updated_at: str


class Event(NamedTuple):
    """One recorded state change of one resource (history and undo read these)."""

    seq: int
    change_id: int
    action: str
    resource_id: str
    state: str
    previous: str
    at: str
    applied: bool


class Changed(NamedTuple):
    """One resource a command changed: its id, its state before and after."""

    resource_id: str
    previous: str
    state: str


class Undone(NamedTuple):
    """What ``undo`` reverted: the original change's action and time, and the states restored."""

    action: str
    at: str
    restored: tuple[Changed, ...]


class ExerciseStats(NamedTuple):
    """How often an exercise was run, passed, and how many hints were shown."""

    runs: int = 0
    passed: int = 0
    hints: int = 0
    last_passed: str | None = None


class ImportResult(NamedTuple):
    """What ``import`` added: history events, resources whose state changed, exercise events."""

    events: int
    resources: int
    exercises: int

    @property
    def nothing_new(self) -> bool:
        """Whether the import added nothing at all."""
        return not (self.events or self.resources or self.exercises)


class Snapshot(NamedTuple):
    """Everything ``status`` needs, read in one transaction."""

    entries: dict[str, Entry]
    activity_days: frozenset[date]
    last_activity: str | None
    exercises: dict[str, ExerciseStats]
