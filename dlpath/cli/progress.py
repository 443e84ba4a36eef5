"""Progress commands: ``next``, ``start``/``done``/``skip``, ``undo``, ``reset``, ``status``, ``history``,
``progress export``/``import``, and the dashboard that ``dlpath`` alone shows.

Each command parses its options, asks ``dlpath.progress`` and prints what ``dlpath.progress.views``
renders. Read-only commands (``next``, ``status``, ``history``, the dashboard, ``export``) never create
the data directory or the database; the others create them on first use.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from dlpath.bounds import output_path as check_output_path
from dlpath.cli.common import Environment, complete_resource, complete_step, json_text, print_error, print_json
from dlpath.cli.reading import JsonOption, pace
from dlpath.cli.root import app, when_no_command
from dlpath.errors import DlpathError, ExitCode
from dlpath.progress import DONE, IN_PROGRESS, NOT_STARTED, SKIPPED, offer_next, summarise
from dlpath.progress import views as show
from dlpath.render.text import clean

if TYPE_CHECKING:
    from rich.console import Console

    from dlpath.catalog import Catalog
    from dlpath.progress import Snapshot, Summary

ResourcesArgument = Annotated[
    Optional[list[str]],
    typer.Argument(
        help="Resources by id, unique id prefix or STEP.N (e.g. 2.1); default: what 'dlpath next' shows.",
        show_default=False,
        autocompletion=complete_resource,
    ),
]

progress_app = typer.Typer(
    name="progress",
    help="Move your progress between machines (export / import JSON).",
    no_args_is_help=True,
)
app.add_typer(progress_app, name="progress")


def _print_lines(out: Console, lines: list[show.Line]) -> None:
    for renderable, whole in lines:
        out.print(renderable, soft_wrap=whole)


# --------------------------------------------------------------------------- start / done / skip


def _mark(env: Environment, names: list[str] | None, state: str, action: str) -> None:
    catalog = env.catalog()
    targets = [catalog.find_resource(name) for name in names or []]  # unknown names fail before any write
    with env.open_store(create=True) as store:
        if not targets:
            found = offer_next(catalog, store.states())  # what 'dlpath next' shows
            if found is None:
                raise DlpathError(
                    "every resource is done or skipped, so nothing is next to"
                    f" {'mark done' if action == 'done' else action}:"
                    f" name one (e.g. 'dlpath {action} 1.1'), or see 'dlpath status'"
                )
            targets = [found]
        changed = {c.resource_id for c in store.set_state([r.id for r in targets], state, action)}
        states = store.states()
    _print_lines(env.console(), show.marked_lines(catalog, targets, changed, state, states))


@app.command()
def start(ctx: typer.Context, resources: ResourcesArgument = None) -> None:
    """Mark resources as in progress (default: what 'dlpath next' shows)."""
    _mark(ctx.obj, resources, IN_PROGRESS, "start")


@app.command()
def done(ctx: typer.Context, resources: ResourcesArgument = None) -> None:
    """Mark resources as done (default: what 'dlpath next' shows)."""
    _mark(ctx.obj, resources, DONE, "done")


@app.command()
def skip(ctx: typer.Context, resources: ResourcesArgument = None) -> None:
    """Skip resources: 'next' moves past them, status counts them apart (default: what 'next' shows)."""
    _mark(ctx.obj, resources, SKIPPED, "skip")


# --------------------------------------------------------------------------- undo / reset


@app.command()
def undo(ctx: typer.Context) -> None:
    """Revert the last change (run it again to go further back)."""
    env: Environment = ctx.obj
    catalog = env.catalog()
    out = env.console()
    with env.open_store() as store:  # never creates a database just to find it empty
        undone = store.undo() if store.exists else None
    if undone is None:
        out.print("Nothing to undo.")
        return
    _print_lines(out, show.undone_lines(catalog, undone))


@app.command()
def reset(
    ctx: typer.Context,
    resource: Annotated[
        Optional[str],
        typer.Argument(
            help="A resource (id, id prefix or STEP.N) to mark not started.",
            show_default=False,
            autocompletion=complete_resource,
        ),
    ] = None,
    step: Annotated[
        Optional[str],
        typer.Option(
            "--step",
            help="Reset every resource of this step (number or id).",
            show_default=False,
            autocompletion=complete_step,
        ),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Reset all progress (asks first unless --yes).")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Mark a resource, a step, or everything as not started again ('dlpath undo' brings it back)."""
    env: Environment = ctx.obj
    chosen = [given for given in (resource is not None, step is not None, all_) if given]
    if len(chosen) != 1:
        raise DlpathError("say what to reset: a RESOURCE, --step N, or --all (exactly one of them)")
    catalog = env.catalog()
    if resource is not None:
        ids, scope = [catalog.find_resource(resource).id], None
    elif step is not None:
        found = catalog.find_step(step)
        ids, scope = [r.id for r in found.resources], f"step {found.number}"
    else:
        ids, scope = None, "all"
    out = env.console()
    with env.open_store() as store:  # no database: nothing to reset, and none is created
        recorded = {rid for rid, state in store.states().items() if state != NOT_STARTED}
        pending = sorted(recorded) if ids is None else [rid for rid in ids if rid in recorded]
        if not pending:
            out.print("Nothing to reset: " + ("no progress recorded." if scope == "all" else "not started yet."))
            return
        if scope == "all" and not yes and not _confirm(f"Reset all progress ({len(pending)} resources)?"):
            print_error("nothing was reset (answer y, or pass --yes)")
            raise typer.Exit(int(ExitCode.FAILURE))
        changed = store.set_state(pending, NOT_STARTED, "reset")
    _print_lines(out, show.reset_lines(catalog, scope, pending, len(changed)))


def _confirm(question: str) -> bool:
    """Ask on the terminal; no answer (end of input) counts as no."""
    try:
        return typer.confirm(f"{question} 'dlpath undo' can bring it back", default=False)
    except typer.Abort:
        return False


# --------------------------------------------------------------------------- status and the dashboard


def _load_summary(env: Environment, hide_dated_installs: bool = False) -> tuple[Catalog, Snapshot, Summary]:
    catalog = env.catalog()
    if hide_dated_installs:
        catalog = catalog.filtered(lambda r: not r.dated_install, show.HIDDEN_DATED_INSTALL)
    with env.open_store() as store:
        snapshot = store.snapshot()
    return catalog, snapshot, summarise(catalog, snapshot)


@app.command()
def status(
    ctx: typer.Context,
    as_json: JsonOption = False,
    hide_dated_installs: Annotated[
        bool,
        typer.Option(
            "--hide-dated-installs",
            help="Leave dated installation guides (Theano, Caffe, TensorFlow 0.6) out of the counts and time left.",
        ),
    ] = False,
) -> None:
    """Per-step progress, overall percentage, time done and left (optional resources apart), streak, exercises."""
    env: Environment = ctx.obj
    catalog, snapshot, summary = _load_summary(env, hide_dated_installs)
    if as_json:
        print_json(show.status_json(catalog, snapshot.entries, summary))
        return
    out = env.console()
    out.print(show.progress_table(catalog, summary))
    out.print(show.overview(summary))
    out.print(show.sources_line(catalog))
    note = show.dated_installs_note(catalog, hide_dated_installs)
    if note is not None:
        out.print(note)
    for extra in (show.exercises_table(summary), show.orphans_note(summary)):
        if extra is not None:
            out.print()
            out.print(extra)


@when_no_command
def dashboard(env: Environment) -> None:
    """What ``dlpath`` with no arguments shows: the status summary and what is next."""
    catalog, snapshot, summary = _load_summary(env)
    out = env.console()
    out.print(show.progress_table(catalog, summary))
    out.print(show.overview(summary))
    note = show.orphans_note(summary)
    if note is not None:
        out.print(note)
    states = {rid: e.state for rid, e in snapshot.entries.items()}
    with env.open_store() as store:
        paced = pace(store.plan(), states)
    if paced is not None:
        from rich.text import Text

        out.print(Text.assemble(("Plan", "bold"), "   ", paced[1]), soft_wrap=True)
    out.print()
    coming = offer_next(catalog, states)
    entry = snapshot.entries.get(coming.id) if coming is not None else None
    _print_lines(out, show.dashboard_next(catalog, coming, entry))


# --------------------------------------------------------------------------- history


@app.command()
def history(
    ctx: typer.Context,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=1_000_000, help="How many events to show, newest first.")
    ] = 20,
    as_json: JsonOption = False,
) -> None:
    """The most recent progress events (what changed, when), newest first."""
    env: Environment = ctx.obj
    with env.open_store() as store:
        events = store.history(limit)
    if as_json:
        print_json(show.history_json(events))
        return
    out = env.console()
    if not events:
        out.print("No progress recorded yet: 'dlpath next' shows where to begin.")
        return
    out.print(show.history_table(env.catalog(), events))


# --------------------------------------------------------------------------- export / import


@progress_app.command("export")
def export(
    ctx: typer.Context,
    file: Annotated[
        Optional[Path], typer.Argument(help="File to write (default: standard output).", show_default=False)
    ] = None,
) -> None:
    """Write all your progress (states, history, exercises) as JSON, to move it to another machine."""
    from dlpath.files import write_where_pointed

    env: Environment = ctx.obj
    if file is not None:
        check_output_path("export file", file)
    with env.open_store() as store:
        document = store.export()
    if file is None or str(file) == "-":
        print_json(document)
        return
    try:
        regular = write_where_pointed(file, json_text(document))
    except OSError as err:
        raise DlpathError(f"cannot write {file}: {err.strerror or err}; nothing was written there") from None
    # said on stderr when the export went through a pipe or /dev/stdout, so that it stays pure JSON
    env.console(stderr=not regular).print(show.exported(document, file))


UNKNOWN_CHOICES = ("refuse", "keep", "skip")
MAX_IMPORT_BYTES = 64 * 1024 * 1024  # years of daily study are a few megabytes


@progress_app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A file written by 'dlpath progress export' ('-': standard input).")],
    unknown: Annotated[
        str,
        typer.Option(
            "--unknown",
            help="Resources this catalogue does not list: refuse the import (default), keep them aside"
            " (recorded, shown by status as not in the catalogue), or skip them.",
        ),
    ] = "refuse",
) -> None:
    """Merge an export into this catalogue's progress; importing the same file twice changes nothing."""
    import json  # this and the export format: about 1.4 ms that the other commands never pay

    from dlpath.files import read_regular_file
    from dlpath.progress.transfer import ExportFormatError, parse_export

    env: Environment = ctx.obj
    if unknown not in UNKNOWN_CHOICES:
        raise DlpathError(f"--unknown '{unknown}' is not one of {', '.join(UNKNOWN_CHOICES)}")
    catalog = env.catalog()
    try:
        if str(file) == "-":
            raw = sys.stdin.buffer.read(MAX_IMPORT_BYTES + 1)
            if len(raw) > MAX_IMPORT_BYTES:
                raise DlpathError(f"standard input holds more than the {MAX_IMPORT_BYTES:,} bytes an export can be")
        else:
            raw = read_regular_file(
                file, "the export", MAX_IMPORT_BYTES, DlpathError,
                not_regular="save it to a file and give that path, or pipe it in with 'dlpath progress import -'",
            )
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DlpathError(f"cannot read {file}: not UTF-8 text (byte {err.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise DlpathError(
            f"{file} is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg});"
            " give a file written by 'dlpath progress export'"
        ) from None
    except RecursionError:
        raise DlpathError(f"{file} is nested too deeply to be a dlpath progress export; nothing was imported") from None
    try:
        checked = parse_export(data)  # all of it, before the store is even created
    except ExportFormatError as err:
        raise DlpathError(f"{file}: {err.message}; nothing was imported") from None
    from dlpath.progress.scope import scope_of

    scope = scope_of(catalog)
    if checked.catalog is not None and checked.catalog["key"] != scope.key:
        raise DlpathError(
            f"{file} holds the progress of '{clean(checked.catalog['title'])}', not of '{clean(catalog.title)}';"
            " import it with --catalog pointing at that catalogue; nothing was imported"
        )
    strangers = sorted(checked.resource_ids() - scope.ids)
    if strangers and unknown == "refuse":
        shown = ", ".join(clean(rid) for rid in strangers[:5]) + (", ..." if len(strangers) > 5 else "")
        raise DlpathError(
            f"{file} has progress for {len(strangers)} resource{'s' if len(strangers) != 1 else ''} this catalogue"
            f" does not list ({shown}); nothing was imported: add --unknown keep to keep them aside, or"
            " --unknown skip to leave them out"
        )
    if strangers and unknown == "skip":
        checked = checked.without(set(strangers))
    with env.open_store(create=True) as store:
        result = store.merge(checked)
    env.console().print(show.imported(result, file))
    if strangers:
        what = "kept aside (see 'dlpath status')" if unknown == "keep" else "left out"
        env.console(stderr=True).print(
            f"{len(strangers)} resource{'s' if len(strangers) != 1 else ''} not in this catalogue {what}:"
            f" {', '.join(clean(rid) for rid in strangers[:5])}{', ...' if len(strangers) > 5 else ''}",
            soft_wrap=True,
        )


@progress_app.command("recover")
def recover(ctx: typer.Context) -> None:
    """Copy everything still readable from a damaged progress database into a new one (the old is kept)."""
    from dlpath import paths
    from dlpath.progress import database_path
    from dlpath.progress.recover import healthy
    from dlpath.progress.recover import recover as copy_readable

    env: Environment = ctx.obj
    path = database_path(paths.data_dir())
    out = env.console()
    if not path.exists():
        out.print(f"There is no progress database at {path}: nothing to recover.", soft_wrap=True)
        return
    if healthy(path):
        out.print(f"The progress database {path} is not damaged: nothing to recover.", soft_wrap=True)
        return
    result = copy_readable(path)
    out.print(show.recovered(result, path), soft_wrap=True)
