"""The outcome of grading: one plain result per check, and the report that every output renders."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


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

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the harness sends these to the grading process)."""
        data = asdict(self)
        data["index"] = list(self.index) if self.index is not None else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CheckResult:
        """The result a harness sent; unknown keys are ignored, and a result only passes if it ran."""
        index = data.get("index")
        passed = data.get("passed") is True and data.get("ran", True) is True
        return cls(
            name=str(data.get("name", "")),
            passed=passed,
            expected=str(data.get("expected") or ""),
            got=str(data.get("got") or ""),
            message=str(data.get("message") or ""),
            index=tuple(int(i) for i in index) if isinstance(index, list) else None,
            expected_value=_number(data.get("expected_value")),
            got_value=_number(data.get("got_value")),
            ran=data.get("ran", True) is True,
        )


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


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
            and len(self.results) == self.planned
            and self.planned > 0
            and all(r.passed and r.ran for r in self.results)
        )
