"""Practice mode on the command line: write a scaffold, grade the learner's file, reveal the next hint.

``dlpath exercise NAME --practice / --check / --hint`` (in ``cli/exercise.py``) call these three
functions; the work is done by ``dlpath.practice``, and everything the learner's code said is printed
as plain text, never as markup.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from dlpath.cli import common
from dlpath.errors import DlpathError, ExitCode, StoreError

if TYPE_CHECKING:
    from rich.text import Text

    from dlpath.practice.results import CheckResult, GradingReport


OUTPUT_LINES = 20  # lines of the learner's own output shown after the checks


class PracticeFileError(DlpathError):
    """The learner's file to check is missing or is not a file."""


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


def check(name: str, path: Path | None, time_limit: float) -> int:
    """Grade the learner's file for ``name``: one line per check, then a summary; 0 if all passed, else 1."""
    from rich.text import Text

    from dlpath.practice.grading import grade, record_pass
    from dlpath.practice.scaffold import practice_file
    from dlpath.practice.specs import find_spec

    spec = find_spec(name)
    if not (time_limit > 0 and math.isfinite(time_limit)):
        raise DlpathError(f"--time-limit must be a number of seconds above 0, e.g. 10; got {time_limit:g}")
    target = practice_file(spec.name, path)
    if not target.exists():
        raise PracticeFileError(
            f"there is no file {target} to check: write the scaffold first with"
            f" 'dlpath exercise {spec.name} --practice', or give the path of your file"
        )
    if not target.is_file():
        raise PracticeFileError(f"{target} is not a file: give the path of your {spec.filename}")

    report = grade(spec.name, target, time_limit=time_limit)
    out = common.console()
    out.print(_heading(report), soft_wrap=True)
    for result in report.results:
        for line in _check_lines(result):
            out.print(line, soft_wrap=True)
    out.print(_summary(report), soft_wrap=True)
    _print_output(report)
    if not report.all_passed:
        out.print(Text(f"Stuck? dlpath exercise {spec.name} --hint"))
        return int(ExitCode.FAILURE)
    try:
        record_pass(report)
    except StoreError as err:
        common.print_error(f"every check passed, but the pass could not be recorded: {err.message}")
    return int(ExitCode.OK)


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
