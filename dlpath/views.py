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
    """The steps of the path: number, title, required resources and time, and the optional ones apart."""
    from rich.table import Table  # Rich takes 12-18 ms to import: not for `dlpath next`
    from rich.text import Text  # Rich takes 12-18 ms to import: not for `dlpath next`

    table = Table(title=plain(catalog.title), title_justify="left", expand=False)
    table.add_column("#", justify="right", style="bold")
    table.add_column("Step")
    table.add_column("Required", justify="right")
    table.add_column("Time", justify="right")
    table.add_column("Optional", justify="right", style="dim")
    if catalog.before is not None:
        before = catalog.before
        table.add_row("0", plain(f"{before.title} (optional)"), "0", "-",
                      _optional_cell(len(before.resources), before.optional_minutes))
    for step in catalog.steps:
        table.add_row(str(step.number), plain(step.title), str(len(step.required)), duration(step.minutes),
                      _optional_cell(len(step.optional), step.optional_minutes))
    table.add_section()
    steps = catalog.steps
    table.add_row("", Text("Total", style="bold"), str(sum(len(s.required) for s in steps)),
                  duration(sum(s.minutes for s in steps)),
                  _optional_cell(sum(len(s.optional) for s in steps), sum(s.optional_minutes for s in steps)))
    return table


def _optional_cell(count: int, minutes: int) -> str:
    return f"{count} ({duration(minutes)})" if count else "-"


def step_details(step: Step) -> Group:
    """A step's heading, summary and a table of its resources."""
    from rich.console import Group  # Rich takes 12-18 ms to import: not for `dlpath next`
    from rich.table import Table  # Rich takes 12-18 ms to import: not for `dlpath next`
    from rich.text import Text  # Rich takes 12-18 ms to import: not for `dlpath next`

    heading = Text(f"Step {step.number}: " if step.number else "", style="bold")
    heading.append(clean(step.title) + ("" if step.number else " (optional, before step 1)"), style="bold")
    table = Table(expand=False)
    table.add_column("#", style="bold")
    table.add_column("Resource")  # the title gets the room; its id goes under it
    table.add_column("Kind")
    table.add_column("Time", justify="right")
    for res in step.resources:
        title = plain(res.title)
        marks = [mark for mark, on in (("optional", res.optional and step.number), ("added by dlpath", res.added),
                                       ("dated", res.dated)) if on]
        if marks:
            title.append(f" ({', '.join(marks)})", style="dim")
        title.append("\n")
        title.append(clean(res.id), style="dim")
        table.add_row(res.label, title, res.kind, duration(res.minutes))
    parts = [heading, plain(step.summary), Text(), table]
    if any(r.dated for r in step.resources):
        parts.append(Text("(dated): has aged since the article; 'dlpath show STEP.N' says what to do instead.",
                          style="dim"))
    return Group(*parts)


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
    where = f"{step.number}. {clean(step.title)}" if step.number else f"{clean(step.title)} (before step 1)"
    rows: list[tuple[str, list[Span]]] = [
        ("Resource", [*title, ("  ", ""), (resource.label, "dim"), (" ", ""), (clean(resource.id), "dim")]),
        ("Step", [(where, "")]),
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
    if resource.dated:
        rows.append(("Dated", [(clean(resource.dated), "yellow")]))
    rows.append(("Source", [(resource.provenance_words, "dim")]))
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
        "dated": resource.dated,
        "install_only": resource.install_only,
        "source": resource.provenance_words,
    }


def step_json(step: Step, *, with_resources: bool = True) -> dict:
    """A step as plain data for ``--json`` output."""
    data = {
        "number": step.number,
        "id": step.id,
        "title": step.title,
        "summary": step.summary,
        "resource_count": len(step.resources),
        "required_count": len(step.required),
        "minutes": step.minutes,  # the required resources' (optional ones are counted apart)
        "optional_count": len(step.optional),
        "optional_minutes": step.optional_minutes,
    }
    if with_resources:
        data["resources"] = [resource_json(r) for r in step.resources]
    return data
