"""Practice mode on the command line: write a scaffold, grade the learner's file, reveal the next hint.

``dlpath exercise NAME --practice / --check / --hint`` (in ``cli/exercise.py``) call these three
functions; the work is done by ``dlpath.practice``, and everything the learner's code said is printed
as plain text, never as markup.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from dlpath import bounds as checks
from dlpath.cli import common
from dlpath.errors import DlpathError, ExitCode, StoreError

if TYPE_CHECKING:
    from rich.text import Text

    from dlpath.practice.results import CheckResult, GradingReport


OUTPUT_LINES = 20  # lines of the learner's own output shown after the checks


def _chosen_catalog():  # noqa: ANN202 - a Catalog, imported lazily
    """The catalogue chosen by --catalog / DLPATH_CATALOG / the default; None, with a warning, if it cannot load."""
    try:
        return common.load_catalog()
    except DlpathError as err:
        from rich.text import Text

        common.console(stderr=True).print(
            Text(f"warning: the readings are named by id only: {common.clean(err.message)}", style="yellow")
        )
        return None


def scaffold(name: str, path: Path | None, force: bool) -> None:
    """Write the scaffold of exercise ``name`` and say where it went and what to do next."""
    from rich.text import Text

    from dlpath.practice.scaffold import write_scaffold
    from dlpath.practice.specs import find_spec

    spec = find_spec(name)
    written = write_scaffold(spec.name, path, force, _chosen_catalog())
    out = common.console()
    where = str(written.path)
    if written.unchanged:
        out.print(Text(f"{where} already holds the {spec.name} scaffold, unchanged."))
    else:
        out.print(Text.assemble(("Wrote ", ""), (f"the {spec.name} scaffold", "bold"), (f" to {where}", "")))
    if written.backup is not None:
        out.print(Text(f"Your previous file is kept as {written.backup}.", style="yellow"))
    functions = ", ".join(f"{f}()" for f in spec.functions)
    out.print(Text(f"Next: write {functions} in it (replace each `raise NotImplementedError`), then check it:"))
    out.print(Text(f"  dlpath exercise {spec.name} --check {where}", style="bold"))
    out.print(Text(f"Stuck? dlpath exercise {spec.name} --hint shows one hint at a time."))


def check(name: str, path: Path | None, time_limit: float, watch: bool = False) -> int:
    """Grade the learner's file for ``name``: one line per check, then a summary; 0 if all passed, else 1.

    With ``watch``, grade again each time the file is saved (or Enter is pressed), showing what changed,
    until q or Ctrl-C; the status is then that of the last grading.
    """
    checks.number_in("--time-limit", time_limit, *checks.TIME_LIMIT, example="10", unit="seconds")
    spawned = _prestart(name, time_limit)
    from dlpath.practice.grading import grade  # NumPy: the sandbox boots meanwhile
    from dlpath.practice.scaffold import file_to_check
    from dlpath.practice.specs import find_spec

    try:
        spec = find_spec(name)
        target = file_to_check(spec.name, path, time_limit)
    except BaseException:
        if spawned is not None:
            spawned.end()
        raise
    report = grade(spec.name, target, time_limit=time_limit, spawned=spawned)
    _print_report(report)
    status = _conclude(report)
    if watch:
        status = _watch(spec.name, target, time_limit, report)
    return status


def _prestart(name: str, time_limit: float):  # noqa: ANN202 - a process.Spawned, or None
    """Start the sandbox process before the grader imports NumPy, so that both load at the same time."""
    from dlpath.exercises.registry import find_exercise
    from dlpath.practice.process import DEFAULT_MEMORY_LIMIT, spawn

    exercise = find_exercise(name, practice=True)
    if os.name != "posix" or not (time_limit > 0 and math.isfinite(time_limit)):
        return None  # the grader says what is wrong
    try:
        return spawn(exercise.package, Path.cwd(), time_limit=time_limit, memory_limit=DEFAULT_MEMORY_LIMIT)
    except OSError:
        return None  # the grader tries again and reports why it cannot


def _print_report(report: GradingReport) -> None:
    out = common.console()
    out.print(_heading(report), soft_wrap=True)
    for result in report.results:
        for line in _check_lines(result):
            out.print(line, soft_wrap=True)
    out.print(_summary(report), soft_wrap=True)
    _print_output(report)


def _conclude(report: GradingReport) -> int:
    """After a report: the next step (a hint, or the solution to compare with), the pass recorded; the status."""
    from rich.text import Text

    from dlpath.practice.grading import record_pass

    out = common.console()
    if not report.all_passed:
        out.print(Text(f"Stuck? dlpath exercise {report.exercise} --hint"))
        return int(ExitCode.FAILURE)
    try:
        record_pass(report)
    except StoreError as err:
        common.print_error(f"every check passed, but the pass could not be recorded: {err.message}")
        return int(ExitCode.OK)
    out.print(Text(f"Compare with dlpath's own solution: dlpath exercise {report.exercise} --solution", style="dim"))
    return int(ExitCode.OK)


def _watch(name: str, target: Path, time_limit: float, report: GradingReport) -> int:
    """Grade ``target`` again on every save (or Enter) and show what changed, until q, Ctrl-C or end of input."""
    from rich.text import Text

    from dlpath.practice.grading import grade
    from dlpath.practice.watch import Watcher, changed_results

    out = common.console()
    status = int(ExitCode.OK if report.all_passed else ExitCode.FAILURE)
    with Watcher(target) as watcher:
        out.print(
            Text(f"Watching {target} ({watcher.how}): save it to check again, Enter to check now, q to quit.", "dim")
        )
        try:
            while (why := watcher.next_event()) is not None:
                newer = grade(name, target, time_limit=time_limit)  # the sandbox is ended even on Ctrl-C
                changed = changed_results(report, newer)
                stamp = time.strftime("%H:%M:%S")
                what = f"{len(changed)} check{'s' if len(changed) != 1 else ''} changed" if changed else "no change"
                out.print(Text(f"\n{stamp} {why}: checked again, {what}", style="bold"))
                for result in changed:
                    for line in _check_lines(result):
                        out.print(line, soft_wrap=True)
                out.print(_summary(newer), soft_wrap=True)
                _print_output(newer)
                status = _conclude(newer) if changed or not newer.all_passed else status
                report = newer
        except KeyboardInterrupt:
            out.print(Text("Stopped watching.", style="dim"))
    return status


def solution(name: str) -> None:
    """Print dlpath's own solution of ``name``, once the learner's own file has passed every check."""
    from dlpath import progress
    from dlpath.practice.scaffold import solution_text
    from dlpath.practice.specs import find_spec

    spec = find_spec(name)
    stats = progress.exercise_stats().get(spec.name)
    if stats is None or not stats.passed:
        raise DlpathError(
            f"dlpath's solution of {spec.name} is shown once your own file passes every check:"
            f" dlpath exercise {spec.name} --check"
        )
    from rich.text import Text

    out = common.console()
    out.print(Text(f"dlpath's own {', '.join(spec.functions)}, to compare with yours:", style="bold"))
    out.print(Text(solution_text(spec.name)), soft_wrap=True)


def _heading(report: GradingReport) -> Text:
    from rich.text import Text

    return Text(f"Checking {report.path} against the {report.exercise} exercise", style="bold")


def _check_lines(result: CheckResult) -> list[Text]:
    """The line of one check (pass / FAIL / not run), and for a failure what was expected and came back."""
    from rich.text import Text

    name = common.clean(result.name)
    if result.passed:
        note = f": {common.clean(result.message)}" if result.message else ""
        return [Text.assemble(("  pass     ", "green"), (name, ""), (note, "dim"))]
    if not result.ran:
        why = common.clean(result.message).removeprefix("not run: ")
        return [Text.assemble(("  not run  ", "yellow"), (name, ""), (f": {why}", "dim"))]
    lines = [Text.assemble(("  FAIL     ", "bold red"), (name, "bold"), (f": {common.clean(result.message)}", ""))]
    if result.expected or result.got:
        lines.append(
            Text(
                f"           expected {common.clean(result.expected) or '?'}, got {common.clean(result.got) or '?'}",
                style="dim" if not result.expected else "",
            )
        )
    if result.index is not None:
        index = f"({', '.join(map(str, result.index))}{',' if len(result.index) == 1 else ''})"
        lines.append(
            Text(
                f"           first difference at index {index}:"
                f" expected {_number(result.expected_value)}, got {_number(result.got_value)}"
            )
        )
    return lines


def _number(value: float | None) -> str:
    return "?" if value is None else f"{value:.10g}"


def _summary(report: GradingReport) -> Text:
    from rich.text import Text

    total = len(report.results)
    if report.all_passed:
        return Text(f"All {total} checks passed: well done!", style="bold green")
    failed = sum(1 for r in report.results if r.ran and not r.passed)
    parts = [f"{report.passed_count} of {total} checks passed", f"{failed} failed"]
    if report.not_run_count:
        parts.append(f"{report.not_run_count} not run")
    text = Text(", ".join(parts), style="bold red")
    if report.stopped:
        text.append(f" (grading stopped: {common.clean(report.stopped)})", style="")
    return text


def _print_output(report: GradingReport) -> None:
    """The start of what the learner's code printed, so print-debugging still works."""
    from rich.text import Text

    if not report.output_bytes:
        return
    lines = report.output.splitlines()
    shown = "\n".join(lines[:OUTPUT_LINES])
    more = report.output_bytes - len(shown.encode("utf-8", errors="replace"))
    out = common.console()
    out.print(Text("Your code printed:", style="bold"))
    out.print(Text(common.clean(shown), style="dim"), soft_wrap=True)
    if more > 1:
        out.print(Text(f"... and {more} more bytes", style="dim"))


def hint(name: str) -> None:
    """Show the hints of ``name`` revealed so far, the newest last, and record that one more was shown."""
    from rich.text import Text

    from dlpath.practice.hints import next_hint

    hints = next_hint(name)
    out = common.console()
    newest = len(hints.shown)
    for number, text in enumerate(hints.shown, start=1):
        style = "bold" if number == newest and hints.new else "dim"
        out.print(Text.assemble((f"Hint {number} of {hints.total}: ", style), (common.clean(text), style)))
    if hints.exhausted and not hints.new:
        out.print(
            Text(
                "That was every hint. Work through the reading again, then check your file with"
                f" 'dlpath exercise {hints.exercise} --check'."
            )
        )
    elif not hints.exhausted:
        out.print(Text(f"Ask again for the next one: dlpath exercise {hints.exercise} --hint", style="dim"))
    if hints.problem:
        common.print_error(f"hints are not being remembered: {hints.problem}")
