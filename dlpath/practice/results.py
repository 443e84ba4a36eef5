"""The outcome of grading: one plain result per check, and the report that every output renders."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What one check found: passed or not, what was expected and what came back.

    For arrays, ``index`` is the first position where the learner's value differs from the expected one,
    and ``expected_value`` / ``got_value`` are the two numbers there. ``ran`` is False for a check that
    never got to run (the learner's process had already stopped); such a check never counts as passed.
    """

    name: str
    passed: bool
    expected: str = ""
    got: str = ""
    message: str = ""
    index: tuple[int, ...] | None = None
    expected_value: float | None = None
    got_value: float | None = None
    ran: bool = True


@dataclass(frozen=True, slots=True)
class GradingReport:
    """Every check of one grading run, in plan order, and how the learner's process ended."""

    exercise: str
    path: Path
    results: tuple[CheckResult, ...]
    planned: int  # how many checks the exercise has; fewer results than this can never be "all passed"
    output: str = ""  # the start of what the learner's code printed (stdout and stderr together)
    output_bytes: int = 0  # how much it printed in all
    stopped: str = ""  # why grading stopped early ("" when every check ran to completion)
    seconds: float = 0.0
    uses_reference: str = ""  # what of dlpath's own solution the file imported or read ("" when none)

    @property
    def passed_count(self) -> int:
        """How many checks passed."""
        return sum(1 for r in self.results if r.passed)

    @property
    def not_run_count(self) -> int:
        """How many checks never ran."""
        return sum(1 for r in self.results if not r.ran)

    @property
    def all_passed(self) -> bool:
        """True only when every planned check ran and passed, and grading was not cut short."""
        return (
            not self.stopped
            and not self.uses_reference
            and len(self.results) == self.planned
            and self.planned > 0
            and all(r.passed and r.ran for r in self.results)
        )
