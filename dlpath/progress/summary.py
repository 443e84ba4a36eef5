"""What the progress means, as pure functions of the catalogue and the states: what is next, counts, the summary."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING, NamedTuple

from dlpath.progress.records import DONE, IN_PROGRESS, NOT_STARTED, SETTLED, SKIPPED, ExerciseStats, Snapshot

if TYPE_CHECKING:
    from dlpath.catalog import Catalog, Resource


def next_resource(resources: Iterable[Resource], states: Mapping[str, str]) -> Resource | None:
    """The first resource, in the order given (path order), that is neither done nor skipped."""
    for resource in resources:
        if states.get(resource.id, NOT_STARTED) not in SETTLED:
            return resource
    return None


def streak_days(days: Iterable[date], today: date) -> int:
    """Consecutive days with activity ending today, or yesterday when there is none today yet."""
    active = set(days)
    day = today if today in active else today - timedelta(days=1)
    count = 0
    while day in active:
        count += 1
        day -= timedelta(days=1)
    return count


class Tally(NamedTuple):
    """Resource counts by state and minutes done (done resources) and left (neither done nor skipped)."""

    total: int = 0
    done: int = 0
    skipped: int = 0
    in_progress: int = 0
    minutes_done: int = 0
    minutes_left: int = 0

    @property
    def not_started(self) -> int:
        """Resources with no progress yet."""
        return self.total - self.done - self.skipped - self.in_progress

    @property
    def settled(self) -> int:
        """Resources the learner is past: done or skipped."""
        return self.done + self.skipped

    @property
    def percent(self) -> float:
        """Share of resources done or skipped, 0 to 100."""
        return 100.0 * self.settled / self.total if self.total else 100.0


def tally(resources: Iterable[Resource], states: Mapping[str, str]) -> Tally:
    """Count resources by state and add up their minutes."""
    total = done = skipped = in_progress = minutes_done = minutes_left = 0
    for resource in resources:
        state = states.get(resource.id, NOT_STARTED)
        total += 1
        if state == DONE:
            done += 1
            minutes_done += resource.minutes
        elif state == SKIPPED:
            skipped += 1
        else:
            minutes_left += resource.minutes
            if state == IN_PROGRESS:
                in_progress += 1
    return Tally(total, done, skipped, in_progress, minutes_done, minutes_left)


class Summary(NamedTuple):
    """The status of the whole path: per step, overall, streak, last activity, orphaned entries."""

    steps: tuple[Tally, ...]
    overall: Tally
    streak: int
    last_activity: str | None
    orphaned: tuple[str, ...]  # ids with progress that the catalogue no longer has
    exercises: dict[str, ExerciseStats]


def summarise(catalog: Catalog, snapshot: Snapshot, today: date | None = None) -> Summary:
    """The status summary of ``catalog`` given what the store holds."""
    states = {rid: entry.state for rid, entry in snapshot.entries.items()}
    steps = tuple(tally(step.resources, states) for step in catalog.steps)
    overall = Tally(*(sum(column) for column in zip(*steps, strict=True))) if steps else Tally()
    known = {r.id for s in catalog.steps for r in s.resources}
    orphaned = tuple(sorted(rid for rid, state in states.items() if rid not in known and state != NOT_STARTED))
    today = today or date.today()
    return Summary(
        steps,
        overall,
        streak_days(snapshot.activity_days, today),
        snapshot.last_activity,
        orphaned,
        snapshot.exercises,
    )
