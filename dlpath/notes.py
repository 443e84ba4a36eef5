"""The learner's notes on readings, put in path order and written as one Markdown document (pure functions)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dlpath.catalog import Catalog, Resource
    from dlpath.progress.records import Note


def in_path_order(
    catalog: Catalog, notes: Mapping[str, Note]
) -> tuple[list[tuple[Resource, Note]], list[tuple[str, Note]]]:
    """Non-empty notes of the catalogue's resources in path order, and those of ids it no longer has (by id)."""
    ordered = [(r, notes[r.id]) for r in catalog.resources if r.id in notes and notes[r.id].text.strip()]
    known = set(catalog.by_id)
    elsewhere = sorted((rid, n) for rid, n in notes.items() if rid not in known and n.text.strip())
    return ordered, elsewhere


def markdown_document(
    catalog: Catalog, ordered: list[tuple[Resource, Note]], elsewhere: list[tuple[str, Note]]
) -> str:
    """All notes as one Markdown document: a heading per step, one per reading (with its link), the note as
    the learner wrote it. Catalogue text is escaped; the notes are the learner's own Markdown."""
    from dlpath.share.markdown import link_target, text

    out = [f"# My notes: {text(catalog.title)}"]
    if not ordered and not elsewhere:
        out += ["", "No notes yet."]
    step_shown = 0
    for resource, note in ordered:
        if resource.step_number != step_shown:
            step_shown = resource.step_number
            out += ["", f"## Step {step_shown}: {text(catalog.steps[step_shown - 1].title)}"]
        out += ["", f"### {resource.label} [{text(resource.title)}]({link_target(resource.url)})", "",
                note.text.strip()]
    if elsewhere:
        out += ["", "## Readings no longer in this catalogue"]
        for rid, note in elsewhere:
            out += ["", f"### {text(rid)}", "", note.text.strip()]
    return "\n".join(out) + "\n"
