"""Render link-check results as a Rich table grouped by verdict, JSON or Markdown (the only format code)."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from dlpath.links.result import FAILING_STRICT, LinkResult, LinkVerdict, summary_counts
from dlpath.render.text import clean

if TYPE_CHECKING:
    from rich.console import RenderableType

FORMATS = ("table", "json", "markdown")
#: The order sections appear in: what needs attention first.
ORDER = (LinkVerdict.BROKEN, LinkVerdict.TIMEOUT, LinkVerdict.BLOCKED, LinkVerdict.SUSPECT, LinkVerdict.REDIRECTED,
         LinkVerdict.OK)
HEADINGS = {
    LinkVerdict.BROKEN: "Broken",
    LinkVerdict.TIMEOUT: "Timed out",
    LinkVerdict.BLOCKED: "Blocked by the site (not counted as broken)",
    LinkVerdict.SUSPECT: "Suspect: readers may not get the page (soft 404, sign-in page, missing anchor)",
    LinkVerdict.REDIRECTED: "Redirected",
    LinkVerdict.OK: "OK",
}
STYLES = {
    LinkVerdict.BROKEN: "bold red", LinkVerdict.TIMEOUT: "red", LinkVerdict.BLOCKED: "yellow",
    LinkVerdict.SUSPECT: "yellow", LinkVerdict.REDIRECTED: "cyan", LinkVerdict.OK: "green",
}


def summary(results: Sequence[LinkResult], seconds: float) -> dict[str, Any]:
    """Counts per verdict, how many came from the cache, and the run time."""
    return summary_counts(list(results)) | {
        "cached": sum(r.cached for r in results),
        "seconds": round(seconds, 3),
    }


def summary_line(results: Sequence[LinkResult], seconds: float) -> str:
    """One line such as ``12 links: 9 ok, 2 redirected, 1 broken (3 from cache) in 1.2 s``."""
    counts = summary_counts(list(results))
    parts = [f"{counts[str(v)]} {v}" for v in reversed(ORDER) if counts[str(v)]]
    cached = sum(r.cached for r in results)
    from_cache = f" ({cached} from cache)" if cached else ""
    noun = "link" if counts["total"] == 1 else "links"
    return f"{counts['total']} {noun}: {', '.join(parts) or 'none checked'}{from_cache} in {seconds:.1f} s"


def _groups(results: Sequence[LinkResult], with_ok: bool) -> list[tuple[LinkVerdict, list[LinkResult]]]:
    return [
        (v, [r for r in results if r.verdict is v])
        for v in ORDER
        if (with_ok or v is not LinkVerdict.OK) and any(r.verdict is v for r in results)
    ]


def failing_since(result: LinkResult) -> str:
    """``2026-11-02 (3 runs)``: the day a failing link's streak began and its length; "" if not failing."""
    if not result.failing_since:
        return ""
    runs = "this run only" if result.failing_runs == 1 else f"{result.failing_runs} runs"
    return f"{result.failing_since[:10]} ({runs})"


def _resource(result: LinkResult) -> str:
    return result.resource_id + (" (archive_url)" if result.field == "archive_url" else "")


def to_json(results: Sequence[LinkResult], seconds: float) -> str:
    """``{"summary": {...counts...}, "results": [...]}``, one result per line (easy to read, grep and diff;
    and json's C encoder writes single lines, five times faster than its indenting one)."""
    encode = json.JSONEncoder(ensure_ascii=False).encode
    rows = [f"    {encode(r.to_json())}" for r in results]
    listed = "[\n" + ",\n".join(rows) + "\n  ]" if rows else "[]"
    return f'{{\n  "summary": {encode(summary(results, seconds))},\n  "results": {listed}\n}}\n'


def _md(value: object) -> str:
    text = clean(value).replace("\n", " ").replace("|", "\\|")
    return text.replace("<", "&lt;").replace(">", "&gt;")


def to_markdown(results: Sequence[LinkResult], seconds: float) -> str:
    """A Markdown report for a CI job summary or an issue: a summary line, then a table per verdict."""
    lines = ["## dlpath check-links", "", summary_line(results, seconds), ""]
    for verdict, group in _groups(results, with_ok=False):
        since = verdict in FAILING_STRICT and any(r.failing_since for r in group)
        lines += [f"### {HEADINGS[verdict]} ({len(group)})", "",
                  "| Step | Resource | URL | Status | Reason | Suggestion |" + (" Failing since |" if since else ""),
                  "| --- | --- | --- | --- | --- | --- |" + (" --- |" if since else "")]
        for r in group:
            status = "" if r.status is None else str(r.status)
            lines.append(f"| {r.label} | {_md(_resource(r))} | {_md(r.url)} | {status} | {_md(r.reason)}"
                         f" | {_md(r.suggestion or '')} |" + (f" {failing_since(r)} |" if since else ""))
        lines.append("")
    if not any(r.verdict is not LinkVerdict.OK for r in results):
        lines += ["Every link works.", ""]
    return "\n".join(lines)


def to_table(results: Sequence[LinkResult], seconds: float) -> RenderableType:
    """Rich tables grouped by verdict (links that are simply ok are only counted), then a summary line."""
    # local: Rich costs 12-18 ms to import and the JSON and Markdown reports do not need it
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    parts: list[Any] = []
    for verdict, group in _groups(results, with_ok=False):
        table = Table(title=Text(f"{HEADINGS[verdict]} ({len(group)})", style=STYLES[verdict]),
                      title_justify="left", expand=False, show_lines=False)
        table.add_column("Step", no_wrap=True)
        table.add_column("Resource", overflow="fold")
        table.add_column("URL", overflow="fold")
        table.add_column("Status", justify="right", no_wrap=True)
        table.add_column("Reason", overflow="fold")
        table.add_column("Suggestion", overflow="fold")
        since = any(r.failing_since for r in group)
        if since:
            table.add_column("Failing since", no_wrap=True)
        for r in group:
            table.add_row(
                Text(r.label), Text(clean(_resource(r))), Text(clean(r.url)),
                Text("" if r.status is None else str(r.status)), Text(clean(r.reason)),
                Text(clean(r.suggestion or "")), *([Text(failing_since(r))] if since else []),
            )
        parts += [table, Text("")]
    style = "bold red" if any(r.verdict in (LinkVerdict.BROKEN, LinkVerdict.TIMEOUT) for r in results) else "green"
    parts.append(Text(summary_line(results, seconds), style=style))
    return Group(*parts)


def render_text(results: Sequence[LinkResult], seconds: float, fmt: str, width: int = 160) -> str:
    """The report as text in ``fmt`` (table rendered without colour), e.g. for --output FILE."""
    if fmt == "json":
        return to_json(results, seconds)
    if fmt == "markdown":
        return to_markdown(results, seconds)

    from dlpath.render.fit import FittingConsole  # URLs whole, never folded inside a cell

    console = FittingConsole(width=width, color_system=None, highlight=False, file=io.StringIO())
    console.print(to_table(results, seconds))
    return console.file.getvalue()  # type: ignore[attr-defined]
