"""Renderings shared by commands; catalogue strings always go in as plain text, never markup.

Rich is imported by the functions that build Rich tables, so that ``resource_rows`` (what ``dlpath
next`` shows, printed with dlpath.render.term) costs no Rich import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dlpath.render.text import clean

if TYPE_CHECKING:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from dlpath.catalog import Catalog, Resource, Step
    from dlpath.render.term import Span


def duration(minutes: int) -> str:
    """``95`` -> ``1 h 35 min``; ``40`` -> ``40 min``."""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest:02d} min" if rest else f"{hours} h"


def plain(value: object, style: str = "") -> Text:
    """A catalogue string as literal text: no markup, no control characters."""
    from rich.text import Text  # Rich takes 12-18 ms to import: not for `dlpath next`

    return Text(clean(value), style=style)


def steps_table(catalog: Catalog) -> Table:
    """The steps of the path with number, title, resource count and total time."""
    from rich.table import Table  # Rich takes 12-18 ms to import: not for `dlpath next`
    from rich.text import Text  # Rich takes 12-18 ms to import: not for `dlpath next`

    table = Table(title=plain(catalog.title), title_justify="left", expand=False)
    table.add_column("#", justify="right", style="bold")
    table.add_column("Step")
    table.add_column("Resources", justify="right")
    table.add_column("Time", justify="right")
    for step in catalog.steps:
        table.add_row(str(step.number), plain(step.title), str(len(step.resources)), duration(step.minutes))
    total = sum(s.minutes for s in catalog.steps)
    table.add_section()
    table.add_row("", Text("Total", style="bold"), str(len(catalog.resources)), duration(total))
    return table


def step_details(step: Step) -> Group:
    """A step's heading, summary and a table of its resources."""
    from rich.console import Group  # Rich takes 12-18 ms to import: not for `dlpath next`
    from rich.table import Table  # Rich takes 12-18 ms to import: not for `dlpath next`
    from rich.text import Text  # Rich takes 12-18 ms to import: not for `dlpath next`

    heading = Text(f"Step {step.number}: ", style="bold")
    heading.append(clean(step.title), style="bold")
    table = Table(expand=False)
    table.add_column("#", style="bold")
    table.add_column("Resource")
    table.add_column("Kind")
    table.add_column("Time", justify="right")
    table.add_column("Id", style="dim", no_wrap=True)
    for res in step.resources:
        title = plain(res.title)
        if res.optional:
            title.append(" (optional)", style="dim")
        table.add_row(res.label, title, res.kind, duration(res.minutes), plain(res.id))
    return Group(heading, plain(step.summary), Text(), table)


def resource_rows(
    catalog: Catalog, resource: Resource, *, archived_because: str | None = None
) -> list[tuple[str, list[Span]]]:
    """Everything about one resource as label / styled-text rows (for ``term.Writer.grid``).

    ``archived_because`` (e.g. "broken") marks the URL as dead and shows the archived copy first.
    """
    step = catalog.step_of(resource)
    title: list[Span] = [(clean(resource.title), "bold")]
    if resource.optional:
        title.append((" (optional)", "dim"))
    rows: list[tuple[str, list[Span]]] = [
        ("Resource", [*title, ("  ", ""), (resource.label, "dim"), (" ", ""), (clean(resource.id), "dim")]),
        ("Step", [(f"{step.number}. {clean(step.title)}", "")]),
        ("By", [(clean(", ".join(resource.authors)), "")]),
        ("Kind", [(f"{resource.kind}, about {duration(resource.minutes)}", "")]),
    ]
    if archived_because and resource.archive_url:
        rows.append(("Archived", [(clean(resource.archive_url), "cyan")]))
        rows.append(("Original", [(clean(resource.url), "strike"), (f"  (last check: {archived_because})", "")]))
    else:
        rows.append(("URL", [(clean(resource.url), "cyan")]))
        if resource.archive_url:
            rows.append(("Archived", [(clean(resource.archive_url), "dim")]))
    if resource.note:
        rows.append(("Note", [(clean(resource.note), "")]))
    provenance = (
        "from the article"
        if resource.provenance == "article"
        else "reconstructed (page 2 of the article is lost)"
    )
    rows.append(("Source", [(provenance, "dim")]))
    return rows


def resource_json(resource: Resource) -> dict:
    """A resource as plain data for ``--json`` output."""
    return {
        "id": resource.id,
        "label": resource.label,
        "step": resource.step_number,
        "title": resource.title,
        "authors": list(resource.authors),
        "url": resource.url,
        "kind": resource.kind,
        "minutes": resource.minutes,
        "provenance": resource.provenance,
        "note": resource.note,
        "optional": resource.optional,
        "archive_url": resource.archive_url,
    }


def step_json(step: Step, *, with_resources: bool = True) -> dict:
    """A step as plain data for ``--json`` output."""
    data = {
        "number": step.number,
        "id": step.id,
        "title": step.title,
        "summary": step.summary,
        "resource_count": len(step.resources),
        "minutes": step.minutes,
    }
    if with_resources:
        data["resources"] = [resource_json(r) for r in step.resources]
    return data
