"""Progress commands: ``next``, ``start``/``done``/``skip``, ``undo``, ``reset``, ``status``, ``history``,
``progress export``/``import``, and the dashboard that ``dlpath`` alone shows.

Each command parses its options, asks ``dlpath.progress`` and prints what ``dlpath.progress.views``
renders. Read-only commands (``next``, ``status``, ``history``, the dashboard, ``export``) never create
the data directory or the database; the others create them on first use.
"""

from __future__ import annotations

import sys
import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from dlpath.cli.common import Environment, json_text, print_error, print_json
from dlpath.cli.root import app, when_no_command
from dlpath.errors import DlpathError, ExitCode
from dlpath.files import write_atomically
from dlpath.progress import DONE, IN_PROGRESS, NOT_STARTED, SKIPPED, next_resource, summarise
from dlpath.progress import views as show
from dlpath.render.term import Writer
from dlpath.render.text import clean

if TYPE_CHECKING:
    from rich.console import Console

    from dlpath.catalog import Catalog, Resource
    from dlpath.progress import Snapshot, Summary

# Verdicts of the last link check that mean the original URL is dead (show the archived copy).
DEAD_VERDICTS = frozenset({"broken", "timeout", "suspect"})

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of text.")]
ResourcesArgument = Annotated[
    Optional[list[str]],
    typer.Argument(
        help="Resources by id, unique id prefix or STEP.N (e.g. 2.1); default: what 'dlpath next' shows.",
        show_default=False,
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


# --------------------------------------------------------------------------- next


def _link_check(resource: Resource) -> tuple[Resource, str | None]:
    """The last link check's verdict on this resource's URL if it found it dead (else None), and the resource
    with an archived copy to offer: its own ``archive_url``, else a snapshot that check found."""
    from dlpath.links.last_run import last_check_of  # a damaged file reads as no check: it never stops 'next'

    verdict, found = last_check_of(resource.url)
    if verdict not in DEAD_VERDICTS:
        return resource, None
    if found and not resource.archive_url:
        resource = resource._replace(archive_url=found)
    return resource, verdict


def _open_url(resource: Resource, verdict: str | None) -> str:
    """The archived copy when the link is dead and there is one, else the resource's URL."""
    return resource.archive_url if verdict and resource.archive_url else resource.url


@app.command("next")
def next_(
    ctx: typer.Context,
    open_browser: Annotated[
        bool,
        typer.Option("--open", help="Also open it in the web browser (the archived copy if the link is dead)."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Show the first resource you have neither done nor skipped, and how far along you are."""
    env: Environment = ctx.obj
    catalog = env.catalog()
    with env.open_store() as store:
        entries = store.entries()
    resource = next_resource(catalog.resources, {rid: e.state for rid, e in entries.items()})
    verdict = None
    if resource is not None:
        resource, verdict = _link_check(resource)
    if as_json:
        url = _open_url(resource, verdict) if resource is not None else None
        print_json(show.next_json(catalog, resource, entries, verdict, url))
    elif resource is None:
        Writer().paragraph(*show.finished_message(catalog)).flush()
    else:
        out = Writer()
        show.write_next(out, catalog, resource, entries, verdict)
        out.flush()
    if open_browser and resource is not None:
        _open_in_browser(_open_url(resource, verdict))


def _open_in_browser(url: str | None) -> None:
    if not url:
        return
    try:
        opened = webbrowser.open(url)
    except webbrowser.Error:
        opened = False
    if not opened:
        Writer(stderr=True).line(("Could not start a web browser; open the link yourself: ", ""),
                                 (clean(url), "cyan")).flush()


# --------------------------------------------------------------------------- start / done / skip


def _mark(env: Environment, names: list[str] | None, state: str, action: str) -> None:
    catalog = env.catalog()
    targets = [catalog.find_resource(name) for name in names or []]  # unknown names fail before any write
    with env.open_store(create=True) as store:
        if not targets:
            found = next_resource(catalog.resources, store.states())
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
        typer.Argument(help="A resource (id, id prefix or STEP.N) to mark not started.", show_default=False),
    ] = None,
    step: Annotated[
        Optional[str],
        typer.Option("--step", help="Reset every resource of this step (number or id).", show_default=False),
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


def _load_summary(env: Environment) -> tuple[Catalog, Snapshot, Summary]:
    catalog = env.catalog()
    with env.open_store() as store:
        snapshot = store.snapshot()
    return catalog, snapshot, summarise(catalog, snapshot)


@app.command()
def status(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Per-step progress, overall percentage, time done and left, streak, exercises."""
    env: Environment = ctx.obj
    catalog, snapshot, summary = _load_summary(env)
    if as_json:
        print_json(show.status_json(catalog, snapshot.entries, summary))
        return
    out = env.console()
    out.print(show.progress_table(catalog, summary))
    out.print(show.overview(summary))
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
    out.print()
    coming = next_resource(catalog.resources, {rid: e.state for rid, e in snapshot.entries.items()})
    entry = snapshot.entries.get(coming.id) if coming is not None else None
    _print_lines(out, show.dashboard_next(catalog, coming, entry))


# --------------------------------------------------------------------------- history


@app.command()
def history(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many events to show, newest first.")] = 20,
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
    env: Environment = ctx.obj
    with env.open_store() as store:
        document = store.export()
    if file is None or str(file) == "-":
        print_json(document)
        return
    try:
        write_atomically(file, json_text(document))
    except OSError as err:
        raise DlpathError(f"cannot write {file}: {err.strerror or err}") from None
    env.console().print(show.exported(document, file))


@progress_app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A file written by 'dlpath progress export' ('-': standard input).")],
) -> None:
    """Merge an export into your progress; importing the same file twice changes nothing."""
    import json  # this and the export format: about 1.4 ms that the other commands never pay

    from dlpath.progress.transfer import ExportFormatError, parse_export

    env: Environment = ctx.obj
    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise DlpathError(f"cannot read {file}: {reason}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise DlpathError(
            f"{file} is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg});"
            " give a file written by 'dlpath progress export'"
        ) from None
    try:
        checked = parse_export(data)  # all of it, before the store is even created
    except ExportFormatError as err:
        raise DlpathError(f"{file}: {err.message}; nothing was imported") from None
    with env.open_store(create=True) as store:
        result = store.merge(checked)
    env.console().print(show.imported(result, file))
