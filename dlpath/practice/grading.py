"""Grade a learner's file: the checks of its exercise, run in the sandbox; a pass is recorded."""

from __future__ import annotations

import os
from pathlib import Path

from dlpath.errors import DlpathError
from dlpath.practice.checking import plan as check_plan
from dlpath.practice.results import CheckResult, GradingReport
from dlpath.practice.sandbox import DEFAULT_MEMORY_LIMIT, DEFAULT_TIME_LIMIT, grade_in_sandbox
from dlpath.practice.specs import find_spec


def grade(
    name: str,
    path: Path,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
) -> GradingReport:
    """Every check of exercise ``name`` on the learner's file at ``path``, in one sandboxed process.

    A missing file or a folder is reported as the failed first check (nothing is started).
    """
    spec = find_spec(name)
    if os.name != "posix":
        raise DlpathError("checking practice files needs Linux or macOS for now (the sandbox relies on POSIX)")
    plan = check_plan(spec.checks)
    path = Path(path)
    problem = ""
    if not path.exists():
        problem = f"there is no file {path}: write one with 'dlpath exercise {spec.name} --practice'"
    elif not path.is_file():
        problem = f"{path} is not a file: give the path of your {spec.filename}"
    if problem:
        results = [CheckResult(plan[0], passed=False, expected="a Python file", got="nothing", message=problem)]
        results += [CheckResult(n, passed=False, ran=False, message="not run: there is no file") for n in plan[1:]]
        return GradingReport(spec.name, path, tuple(results), len(plan), stopped=problem)
    return grade_in_sandbox(spec.name, path, plan, time_limit=time_limit, memory_limit=memory_limit)


def record_pass(report: GradingReport) -> None:
    """Record in the progress store that every check of ``report`` passed (StoreError if it cannot)."""
    from dlpath import progress

    if not report.all_passed:
        raise ValueError("only a report where every check passed is recorded as a pass")
    detail = {"file": str(report.path), "checks": report.planned}
    progress.record_exercise(report.exercise, "passed", detail)
