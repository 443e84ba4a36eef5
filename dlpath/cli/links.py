"""``check-links``: check every link of the catalogue and report what is broken, moved or blocked."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from dlpath import __version__
from dlpath.cli import common
from dlpath.cli.root import app
from dlpath.errors import DlpathError, ExitCode

if TYPE_CHECKING:
    from dlpath.links.collect import Link
    from dlpath.links.run import Run, RunOptions


def parse_accept(text: str) -> frozenset[int]:
    """Status codes from ``--accept``: ``403,429`` or ranges ``200..299`` / ``200-299``; DlpathError if bad."""
    codes: set[int] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        low, sep, high = part.replace("..", "-").partition("-")
        try:
            first, last = int(low), int(high if sep else low)
        except ValueError:
            first = last = -1
        if not (100 <= first <= last <= 599 or first == last == 999):
            raise DlpathError(
                f"--accept '{text}': '{part}' is not a status code (100-599, 999) or a range like 200..299"
            )
        codes.update(range(first, last + 1))
    if not codes:
        raise DlpathError(f"--accept '{text}' names no status codes: give e.g. --accept 403,429")
    return frozenset(codes)


def _at_least(name: str, value: float, minimum: float) -> None:
    if not value >= minimum:  # also rejects NaN
        raise DlpathError(f"{name} must be at least {minimum:g}, got {value:g}")


@app.command("check-links")
def check_links(
    timeout: Annotated[float, typer.Option(help="Total seconds one attempt at a URL may take (body included).")] = 15.0,
    concurrency: Annotated[int, typer.Option(help="URLs checked at once, in all.")] = 32,
    per_host: Annotated[int, typer.Option(help="Requests in flight to one host at most (never exceeded).")] = 4,
    retries: Annotated[int, typer.Option(help="Extra attempts after timeouts, resets, 5xx and 429.")] = 2,
    max_redirects: Annotated[int, typer.Option(help="Redirects followed before giving up.")] = 10,
    accept: Annotated[
        Optional[str], typer.Option(help="Status codes that also count as working, e.g. 403,429 or 200..299.",
                                    show_default=False)
    ] = None,
    exclude: Annotated[
        Optional[list[str]], typer.Option(help="Skip URLs matching this regular expression (repeatable).",
                                          show_default=False)
    ] = None,
    user_agent: Annotated[str, typer.Option(help="User-Agent header sent.")] = f"dlpath/{__version__}",
    step: Annotated[
        Optional[str], typer.Option(help="Only this step (number or id).", show_default=False)
    ] = None,
    only: Annotated[
        Optional[list[str]], typer.Option(help="Only these resource ids (repeatable, or comma-separated).",
                                          show_default=False)
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="Output: table, json or markdown.")] = "table",
    output: Annotated[
        Optional[Path], typer.Option(help="Write the report to this file instead of stdout.", show_default=False)
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Also fail (exit 1) on redirected, blocked and suspect links.")
    ] = False,
    cache: Annotated[
        bool, typer.Option("--cache/--no-cache", help="Reuse recent ok results kept in the data directory.")
    ] = True,
    max_age: Annotated[str, typer.Option(help="How old a cached ok result may be: 30m, 12h, 1d, 2w.")] = "1d",
    suggest_archive: Annotated[
        bool, typer.Option("--suggest-archive", help="Ask the Wayback Machine for a snapshot of each broken link.")
    ] = False,
    wayback_api: Annotated[
        Optional[str], typer.Option(help="Wayback availability API to ask (also: DLPATH_WAYBACK_API).",
                                    show_default=False)
    ] = None,
    read_titles: Annotated[
        bool, typer.Option("--read-titles", help="Also GET every HTML page that HEAD found in place, to catch"
                                                 " 'not found' pages served with 200 (one more request each).")
    ] = False,
    fix: Annotated[
        bool, typer.Option("--fix", help="Rewrite permanently redirected URLs in the catalogue file (and, with"
                                " --suggest-archive, fill empty archive_url); nothing else changes.")
    ] = False,
) -> None:
    """Check every url and archive_url of the catalogue: exit 1 if any is broken or timed out."""
    from dlpath.links.cache import parse_age
    from dlpath.links.check import CheckOptions
    from dlpath.links.collect import collect_links, compile_excludes
    from dlpath.links.report import FORMATS
    from dlpath.links.run import RunOptions

    if fmt not in FORMATS:
        raise DlpathError(f"--format '{fmt}' is not one of {', '.join(FORMATS)}")
    _at_least("--timeout", timeout, 0.1)
    _at_least("--concurrency", concurrency, 1)
    _at_least("--per-host", per_host, 1)
    _at_least("--retries", retries, 0)
    _at_least("--max-redirects", max_redirects, 0)
    try:
        age = parse_age(max_age)
    except ValueError:
        raise DlpathError(f"--max-age '{max_age}' is not a duration: give e.g. 30m, 12h, 1d or 2w") from None
    if wayback_api is not None and not wayback_api.startswith(("http://", "https://")):
        raise DlpathError(f"--wayback-api '{wayback_api}' is not an http:// or https:// URL")
    options = RunOptions(
        check=CheckOptions(
            timeout=timeout, concurrency=concurrency, per_host=per_host, retries=retries,
            max_redirects=max_redirects, accept=parse_accept(accept) if accept is not None else frozenset(),
            user_agent=user_agent, read_titles=read_titles,
        ),
        use_cache=cache, max_age=age, suggest_archive=suggest_archive, wayback_api=wayback_api,
    )
    excludes = compile_excludes(exclude or [])
    catalog = common.load_catalog()
    names = [name.strip() for given in only or [] for name in given.split(",") if name.strip()]
    links = collect_links(catalog, step=step, only=names, exclude=excludes)
    run = _run_with_progress(links, options)
    _report(run, fmt, output)
    if fix:
        _fix(catalog.path, run)
    from dlpath.links.result import is_failure

    if any(is_failure(r.verdict, strict) for r in run.results):
        raise typer.Exit(int(ExitCode.FAILURE))


def _run_with_progress(links: Sequence[Link], options: RunOptions) -> Run:
    import sys

    from dlpath.links.run import run_checks
    from dlpath.render.term import styled_terminal

    if not styled_terminal(sys.stderr):  # no bar in CI logs or pipes (and no Rich to import for one)
        return run_checks(links, options)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("checking links"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=common.console(stderr=True), transient=True) as bar:
        task = bar.add_task("links", total=None)
        return run_checks(links, options, lambda done, total: bar.update(task, completed=done, total=total))


def _report(run: Run, fmt: str, output: Path | None) -> None:
    from dlpath.links import report

    if output is not None:
        try:
            output.write_text(report.render_text(run.results, run.seconds, fmt), encoding="utf-8")
        except OSError as err:
            raise DlpathError(f"cannot write the report to {output}: {err.strerror or err}") from None
        return
    if fmt == "table":
        common.console().print(report.to_table(run.results, run.seconds))
    else:
        text = report.to_json(run.results, run.seconds) if fmt == "json" else report.to_markdown(
            run.results, run.seconds)
        typer.echo(text, nl=False)


def _fix(path: Path | None, run: Run) -> None:
    from rich.text import Text

    from dlpath.links.fix import apply_fixes, plan_fixes

    if path is None:
        raise DlpathError("--fix needs a catalogue file: give --catalog PATH")
    fixes = plan_fixes(run.results)
    done = apply_fixes(path, fixes) if fixes else []
    err = common.console(stderr=True)
    for f in done:
        line = Text(f"fixed {f.resource_id} {f.field}: ")
        line.append(common.clean(f"{f.old or '(empty)'} -> {f.new}"))
        err.print(line, soft_wrap=True)
    err.print(Text(f"--fix: {len(done)} change{'s' if len(done) != 1 else ''} written to {path}"
                   if done else "--fix: nothing to change"), soft_wrap=True)
