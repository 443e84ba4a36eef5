"""Grade a learner's file: its exercise's checks, run here against the learner's code in the sandbox.

``grade`` is what ``dlpath exercise NAME --check`` does; ``grade_in_process`` runs the same checks on
the file loaded into this process (no sandbox: for unit tests, fast and seen by coverage). Both
refuse a file that uses dlpath's own solution (``reference_use``), and only ``record_pass`` writes a
pass to the progress store, only for a report where every check ran and passed.
"""

from __future__ import annotations

import ast
import importlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import numpy as np

from dlpath.errors import DlpathError
from dlpath.practice.checking import LOADS, Context, plan
from dlpath.practice.checking import run_check as run_one_check
from dlpath.practice.learner import Learner, LocalLearner, Stopped
from dlpath.practice.process import Spawned
from dlpath.practice.results import CheckResult, GradingReport
from dlpath.practice.sandbox import (
    DEFAULT_MEMORY_LIMIT,
    DEFAULT_TIME_LIMIT,
    Sandbox,
    uses_reference_message,
)
from dlpath.practice.specs import PracticeSpec, find_spec

DEFAULT_SEED = 20_151_231  # the random inputs of the checks: the same every run, so results are repeatable


def grade(
    name: str,
    path: Path,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
    seed: int = DEFAULT_SEED,
    spawned: Spawned | None = None,
) -> GradingReport:
    """Every check of exercise ``name`` on the learner's file at ``path``, its code run in the sandbox.

    A missing file, a folder, or a file that uses dlpath's own solution is reported as the failed
    first check (nothing is started, and ``spawned``, a sandbox process started ahead by ``prestart``,
    is ended).
    """
    try:
        spec = find_spec(name)
        if os.name != "posix":
            raise DlpathError("checking practice files needs Linux or macOS for now (the sandbox relies on POSIX)")
        path = Path(path)
        early = _before_running(spec, path)
        reference = importlib.import_module(spec.module)
    except BaseException:
        if spawned is not None:
            spawned.end()
        raise
    if early is not None:
        if spawned is not None:
            spawned.end()
        return early
    started = time.monotonic()
    box = Sandbox(spec.package, reference, time_limit=time_limit, memory_limit=memory_limit)
    try:
        try:
            box.start(path.resolve().parent, spawned)
        except Stopped as stop:
            return _stopped_before_loading(spec, path, stop, box.output.text, box.output.total, started)
        results, stopped, uses = run_plan(spec, box, path.resolve(), reference, seed)
    finally:
        box.close()
    return GradingReport(
        exercise=spec.name,
        path=path,
        results=tuple(results),
        planned=len(plan(spec.checks)),
        output=box.output.text,
        output_bytes=box.output.total,
        stopped=stopped,
        seconds=time.monotonic() - started,
        uses_reference=uses,
    )


def grade_in_process(name: str, path: Path, *, seed: int = DEFAULT_SEED) -> GradingReport:
    """The checks of ``grade`` on the learner's file loaded into this process: no sandbox, no limits.

    For tests of the checks themselves (the file's faults are not contained here).
    """
    spec = find_spec(name)
    path = Path(path)
    early = _before_running(spec, path)
    if early is not None:
        return early
    reference = importlib.import_module(spec.module)
    results, stopped, uses = run_plan(spec, LocalLearner(reference), path.resolve(), reference, seed)
    return GradingReport(spec.name, path, tuple(results), len(results), stopped=stopped, uses_reference=uses)


@contextmanager
def learner_session(
    name: str, path: Path, *, time_limit: float = DEFAULT_TIME_LIMIT, memory_limit: int | None = DEFAULT_MEMORY_LIMIT
) -> Iterator[Sandbox]:
    """The learner's file for exercise ``name`` loaded in the sandbox, to ``call`` its functions directly
    (e.g. on a worked example); DlpathError saying why if it cannot be loaded. Ended on leaving."""
    spec = find_spec(name)
    path = Path(path)
    early = _before_running(spec, path)
    if early is not None:
        raise DlpathError(early.results[0].message)
    box = Sandbox(spec.package, importlib.import_module(spec.module), time_limit=time_limit, memory_limit=memory_limit)
    try:
        try:
            box.start(path.resolve().parent)
            problem = box.load(path.resolve(), spec.functions)
        except Stopped as stop:
            raise DlpathError(f"{path.name}: {stop.reason}") from None
        if problem:
            raise DlpathError(problem)
        yield box
    finally:
        box.close()


def run_plan(
    spec: PracticeSpec, learner: Learner, path: Path, reference: ModuleType, seed: int
) -> tuple[list[CheckResult], str, str]:
    """Load the file into ``learner`` and run every check of ``spec``: (results in plan order, why grading
    stopped early or "", what of dlpath's solution it used or "")."""
    names = plan(spec.checks)
    results: list[CheckResult] = []
    try:
        problem = learner.load(path, spec.functions)
    except Stopped as stop:
        results.append(CheckResult(LOADS, passed=False, message=stop.reason))
        results += [_not_run(n, f"grading stopped at '{LOADS}'") for n in names[1:]]
        return results, stop.reason, stop.uses_reference
    results.append(CheckResult(LOADS, passed=not problem, message=problem))
    if problem:
        results += [_not_run(n, "the file did not load") for n in names[1:]]
        return results, "the file did not load", ""
    rng = np.random.default_rng(seed)
    ctx = Context(learner=learner, reference=reference, path=str(path), rng=rng, shape_note=spec.shape_note)
    for index, check in enumerate(spec.checks):
        try:
            result = run_one_check(check, ctx)
        except Stopped as stop:
            results.append(CheckResult(check.name, passed=False, message=stop.reason))
            results += [_not_run(c.name, f"grading stopped at '{check.name}'") for c in spec.checks[index + 1 :]]
            return results, stop.reason, stop.uses_reference
        if not result.passed:
            ctx.failed.add(check.name)
        results.append(result)
    return results, "", ""


def _not_run(name: str, why: str) -> CheckResult:
    return CheckResult(name, passed=False, ran=False, message=f"not run: {why}")


def _before_running(spec: PracticeSpec, path: Path) -> GradingReport | None:
    """The report for a file that is not graded at all (missing, a folder, dlpath's own solution), else None."""
    names = plan(spec.checks)
    problem, uses = "", ""
    if not path.exists():
        problem = f"there is no file {path}: write one with 'dlpath exercise {spec.name} --practice'"
    elif not path.is_file():
        problem = f"{path} is not a file: give the path of your {spec.filename}"
    else:
        uses = reference_use(path, spec.package)
        if uses:
            problem = uses_reference_message(str(path), uses)
    if not problem:
        return None
    expected = "your own code" if uses else "a Python file"
    got = "dlpath's solution" if uses else "nothing"
    results = [CheckResult(names[0], passed=False, expected=expected, got=got, message=problem)]
    why = "the file uses dlpath's own solution" if uses else "there is no file"
    results += [_not_run(n, why) for n in names[1:]]
    return GradingReport(spec.name, path, tuple(results), len(names), stopped=problem, uses_reference=uses)


def _stopped_before_loading(
    spec: PracticeSpec, path: Path, stop: Stopped, output: str, output_bytes: int, started: float
) -> GradingReport:
    names = plan(spec.checks)
    results = [CheckResult(names[0], passed=False, message=stop.reason)]
    results += [_not_run(n, f"grading stopped at '{names[0]}'") for n in names[1:]]
    return GradingReport(
        spec.name,
        path,
        tuple(results),
        len(names),
        output=output,
        output_bytes=output_bytes,
        stopped=stop.reason,
        seconds=time.monotonic() - started,
    )


def reference_use(path: Path, package: str) -> str:
    """What of ``package`` (the exercise's reference) the learner's source imports or names, or "".

    Read without running it: ``import``/``from`` statements naming the package or one of its modules
    (also ``from dlpath.exercises import backprop``), and strings naming it (as given to ``importlib``).
    The sandbox also stops a file that loads it at run time, however it does so.
    """
    try:
        tree = ast.parse(path.read_bytes())
    except (SyntaxError, ValueError, OSError):
        return ""  # the sandbox reports what is wrong with it
    parent, _, leaf = package.rpartition(".")
    folder = package.replace(".", "/")

    def ours(module: str) -> bool:
        return module == package or module.startswith(package + ".")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if ours(alias.name):
                    return alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if ours(node.module):
                return node.module
            if node.module == parent and any(alias.name == leaf for alias in node.names):
                return package
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if ours(node.value) or folder in node.value.replace("\\", "/"):
                return node.value if len(node.value) <= 80 else package
    return ""


def record_pass(report: GradingReport) -> None:
    """Record in the progress store that every check of ``report`` passed (StoreError if it cannot)."""
    from dlpath import progress

    if not report.all_passed or report.uses_reference:
        raise ValueError("only a report where every check passed, on the learner's own code, is recorded as a pass")
    detail = {"file": str(report.path), "checks": report.planned}
    progress.record_exercise(report.exercise, "passed", detail)
