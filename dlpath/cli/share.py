"""``dlpath share``: your progress as a Markdown checklist or a self-contained HTML page to show others."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from dlpath.bounds import output_path
from dlpath.cli.common import Environment
from dlpath.cli.root import app
from dlpath.errors import DlpathError
from dlpath.render.term import Writer


@app.command()
def share(
    ctx: typer.Context,
    markdown: Annotated[
        Optional[Path],
        typer.Option("--markdown", metavar="FILE",
                     help="Write the path as a Markdown checklist with progress ('-': print it).",
                     show_default=False),
    ] = None,
    html: Annotated[
        Optional[Path],
        typer.Option("--html", metavar="FILE",
                     help="Write one self-contained HTML page (no scripts, nothing loaded from elsewhere).",
                     show_default=False),
    ] = None,
) -> None:
    """Write your progress as a page to share: a Markdown checklist (GitHub renders it) and/or an HTML page."""
    from dlpath.plan.saved import load
    from dlpath.progress import summarise

    if markdown is None and html is None:
        raise DlpathError("say what to write: --markdown FILE, --html FILE, or both")
    if markdown is not None and html is not None and str(markdown) == str(html):
        raise DlpathError("--markdown and --html name the same file: give each its own")
    for option, path in (("--markdown", markdown), ("--html", html)):
        if path is not None:
            output_path(option, path)
    env: Environment = ctx.obj
    today = date.today()
    catalog = env.catalog()
    with env.open_store() as store:
        snapshot = store.snapshot()
        saved = load(store)
    summary = summarise(catalog, snapshot, today)
    states = {rid: e.state for rid, e in snapshot.entries.items()}
    shared = None
    if saved is not None:
        from dlpath.plan.saved import status
        from dlpath.plan.schedule import projected
        from dlpath.plan.views import shared_plan

        _, line = status(saved, states, today)
        sessions = projected(saved.items, saved.settings, states, today)
        shared = shared_plan(saved.settings, sessions, {i.resource_id: i for i in saved.items}, line, today)
    written = []
    for path, module_name in ((markdown, "markdown"), (html, "html")):
        if path is None:
            continue
        from importlib import import_module

        page = import_module(f"dlpath.share.{module_name}").render(catalog, states, summary, today=today, plan=shared)
        from dlpath.files import write_where_pointed

        try:
            regular = write_where_pointed(path, page)
        except OSError as err:
            raise DlpathError(f"cannot write {path}: {err.strerror or err}") from None
        if regular:
            written.append(str(path))
    if written:
        Writer(stderr=str(markdown) == "-" or str(html) == "-").paragraph(
            (f"Wrote {' and '.join(written)}: your progress as of today, to share.", "")
        ).flush()
