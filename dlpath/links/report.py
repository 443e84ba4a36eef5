"""Render link-check results as a Rich table grouped by verdict, JSON or Markdown (the only format code)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from dlpath.links.result import LinkResult, Verdict, summary_counts

if TYPE_CHECKING:
    from rich.console import RenderableType

FORMATS = ("table", "json", "markdown")
#: The order sections appear in: what needs attention first.
ORDER = (Verdict.BROKEN, Verdict.TIMEOUT, Verdict.BLOCKED, Verdict.SUSPECT, Verdict.REDIRECTED, Verdict.OK)
HEADINGS = {
    Verdict.BROKEN: "Broken",
    Verdict.TIMEOUT: "Timed out",
    Verdict.BLOCKED: "Blocked by the site (not counted as broken)",
    Verdict.SUSPECT: "Suspect: may be a 'page not found' (soft 404)",
    Verdict.REDIRECTED: "Redirected",
    Verdict.OK: "OK",
}
STYLES = {
    Verdict.BROKEN: "bold red", Verdict.TIMEOUT: "red", Verdict.BLOCKED: "yellow",
    Verdict.SUSPECT: "yellow", Verdict.REDIRECTED: "cyan", Verdict.OK: "green",
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


def _groups(results: Sequence[LinkResult], with_ok: bool) -> list[tuple[Verdict, list[LinkResult]]]:
    return [
        (v, [r for r in results if r.verdict is v])
        for v in ORDER
        if (with_ok or v is not Verdict.OK) and any(r.verdict is v for r in results)
    ]


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
    from dlpath.render.text import clean

    text = clean(value).replace("\n", " ").replace("|", "\\|")
    return text.replace("<", "&lt;").replace(">", "&gt;")


def to_markdown(results: Sequence[LinkResult], seconds: float) -> str:
    """A Markdown report for a CI job summary or an issue: a summary line, then a table per verdict."""
    lines = ["## dlpath check-links", "", summary_line(results, seconds), ""]
    for verdict, group in _groups(results, with_ok=False):
        lines += [f"### {HEADINGS[verdict]} ({len(group)})", "",
                  "| Step | Resource | URL | Status | Reason | Suggestion |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for r in group:
            status = "" if r.status is None else str(r.status)
            lines.append(f"| {r.label} | {_md(_resource(r))} | {_md(r.url)} | {status} | {_md(r.reason)}"
                         f" | {_md(r.suggestion or '')} |")
        lines.append("")
    if not any(r.verdict is not Verdict.OK for r in results):
        lines += ["Every link works.", ""]
    return "\n".join(lines)


def to_table(results: Sequence[LinkResult], seconds: float) -> RenderableType:
    """Rich tables grouped by verdict (links that are simply ok are only counted), then a summary line."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from dlpath.render.text import clean

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
        for r in group:
            table.add_row(
                Text(r.label), Text(clean(_resource(r))), Text(clean(r.url)),
                Text("" if r.status is None else str(r.status)), Text(clean(r.reason)),
                Text(clean(r.suggestion or "")),
            )
        parts += [table, Text("")]
    style = "bold red" if any(r.verdict in (Verdict.BROKEN, Verdict.TIMEOUT) for r in results) else "green"
    parts.append(Text(summary_line(results, seconds), style=style))
    return Group(*parts)


def render_text(results: Sequence[LinkResult], seconds: float, fmt: str, width: int = 160) -> str:
    """The report as text in ``fmt`` (table rendered without colour), e.g. for --output FILE."""
    if fmt == "json":
        return to_json(results, seconds)
    if fmt == "markdown":
        return to_markdown(results, seconds)
    import io

    from rich.console import Console

    console = Console(width=width, no_color=True, highlight=False, file=io.StringIO())
    console.print(to_table(results, seconds))
    return console.file.getvalue()  # type: ignore[attr-defined]
