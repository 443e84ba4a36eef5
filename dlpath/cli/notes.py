"""``dlpath note RESOURCE`` (write your note on a reading, in $EDITOR or with -m) and ``dlpath notes`` (all of them)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from dlpath.bounds import output_path
from dlpath.cli.common import Environment, complete_resource, print_json
from dlpath.cli.root import app
from dlpath.errors import DlpathError
from dlpath.render.term import Writer
from dlpath.render.text import clean

MAX_NOTE_CHARACTERS = 100_000  # a long essay; more is a pasted file, not a note


def _edit(initial: str, label: str) -> str:
    """The text the learner leaves in $VISUAL / $EDITOR, started on a temporary file holding ``initial``."""
    import os
    import shlex
    import subprocess
    import tempfile

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor or not editor.strip():
        raise DlpathError("set EDITOR (e.g. export EDITOR=nano) to write notes in your editor, or give the note"
                          " with -m \"text\"")
    with tempfile.TemporaryDirectory(prefix="dlpath-note-") as folder:
        path = Path(folder) / f"note-{label.replace('.', '-')}.md"
        path.write_text(initial + ("\n" if initial else ""), encoding="utf-8")
        try:
            result = subprocess.run([*shlex.split(editor), str(path)], check=False)
        except (OSError, ValueError) as err:
            raise DlpathError(f"cannot start the editor '{editor}': {getattr(err, 'strerror', None) or err};"
                              " check EDITOR, or give the note with -m \"text\"") from None
        if result.returncode != 0:
            raise DlpathError(f"the editor '{editor}' exited with status {result.returncode}; the note was not changed")
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise DlpathError(f"cannot read the note back from the editor: {err}; the note was not changed") from None


@app.command()
def note(
    ctx: typer.Context,
    resource: Annotated[
        str,
        typer.Argument(help="The reading: id, unique id prefix or STEP.N (e.g. 3.2).",
                       autocompletion=complete_resource),
    ],
    message: Annotated[
        Optional[str],
        typer.Option("--message", "-m", help="The note's text, instead of opening $EDITOR ('' empties it).",
                     show_default=False),
    ] = None,
) -> None:
    """Write your note on a reading: in $EDITOR, or with -m "text". 'dlpath show' and 'dlpath notes' show it."""
    env: Environment = ctx.obj
    found = env.catalog().find_resource(resource)
    with env.open_store() as store:
        before = store.note(found.id)
    text = message if message is not None else _edit(before, found.label)
    text = text.replace("\r\n", "\n").strip()
    if len(text) > MAX_NOTE_CHARACTERS:
        raise DlpathError(f"the note has {len(text):,} characters; a note holds at most {MAX_NOTE_CHARACTERS:,}")
    with env.open_store(create=True) as store:
        changed = store.set_note(found.id, text)
    named = f"{found.label} {clean(found.title)}"
    out = Writer()
    if not changed:
        out.paragraph((f"The note on {named} is unchanged.", ""))
    elif text:
        out.paragraph(("Saved your note on ", ""), (named, "bold"), (". See it with 'dlpath show ", "dim"),
                      (f"{found.label}' or 'dlpath notes'.", "dim"))
    else:
        out.paragraph((f"Emptied your note on {named}.", ""))
    out.flush()


@app.command()
def notes(
    ctx: typer.Context,
    markdown: Annotated[
        Optional[Path],
        typer.Option("--markdown", metavar="FILE",
                     help="Write all notes as one Markdown document in path order ('-': print it).",
                     show_default=False),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of text.")] = False,
) -> None:
    """List your notes in path order (or write them as one Markdown document)."""
    from dlpath.notes import in_path_order, markdown_document

    env: Environment = ctx.obj
    if markdown is not None:
        output_path("--markdown", markdown)
    catalog = env.catalog()
    with env.open_store() as store:
        stored = store.notes()
    ordered, elsewhere = in_path_order(catalog, stored)
    if as_json:
        print_json(
            [{"id": r.id, "label": r.label, "title": r.title, "text": n.text, "updated_at": n.updated_at}
             for r, n in ordered]
            + [{"id": rid, "label": None, "title": None, "text": n.text, "updated_at": n.updated_at}
               for rid, n in elsewhere]
        )
        return
    if markdown is not None:
        document = markdown_document(catalog, ordered, elsewhere)
        from dlpath.files import write_where_pointed

        try:
            regular = write_where_pointed(markdown, document)
        except OSError as err:
            raise DlpathError(f"cannot write {markdown}: {err.strerror or err}") from None
        if not regular:
            return
        count = len(ordered) + len(elsewhere)
        Writer().paragraph((f"Wrote {count} note{'s' if count != 1 else ''} to {markdown}.", "")).flush()
        return
    out = Writer()
    if not ordered and not elsewhere:
        out.paragraph(("No notes yet. Write one with: dlpath note 1.1 (opens $EDITOR) or dlpath note 1.1 -m \"...\"",
                       "")).flush()
        return
    for resource, stored_note in ordered:
        out.paragraph((f"{resource.label} ", "bold"), (clean(resource.title), "bold"))
        for line in stored_note.text.splitlines():
            out.paragraph((f"  {clean(line)}", ""))
        out.blank()
    for rid, stored_note in elsewhere:
        out.paragraph((f"{clean(rid)} (not in this catalogue)", "dim"))
        for line in stored_note.text.splitlines():
            out.paragraph((f"  {clean(line)}", ""))
        out.blank()
    out.flush()
