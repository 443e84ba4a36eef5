"""Hints for a practice exercise: revealed in order, one more each time, remembered in the progress store."""

from __future__ import annotations

from dataclasses import dataclass

from dlpath.errors import StoreError
from dlpath.practice.specs import find_spec


@dataclass(frozen=True, slots=True)
class Hints:
    """The hints revealed so far (the newest last) and how many there are in all."""

    exercise: str
    shown: tuple[str, ...]
    total: int
    new: bool  # this request revealed a hint not seen before
    problem: str = ""  # why the count could not be remembered ("" when it was)

    @property
    def exhausted(self) -> bool:
        """Every hint has been revealed."""
        return len(self.shown) >= self.total


def next_hint(name: str) -> Hints:
    """Reveal the next hint of exercise ``name`` and record it; every hint when all were already shown.

    If the progress store cannot be used, the first hint is shown and ``problem`` says why nothing is
    remembered (a hint is never withheld because of the store).
    """
    from dlpath import progress

    spec = find_spec(name)
    total = len(spec.hints)
    try:
        seen = min(progress.hints_shown(spec.name), total)
        if seen < total:
            progress.record_exercise(spec.name, "hint", {"index": seen})
            return Hints(spec.name, spec.hints[: seen + 1], total, new=True)
        return Hints(spec.name, spec.hints, total, new=False)
    except StoreError as err:
        return Hints(spec.name, spec.hints[:1], total, new=True, problem=err.message)
