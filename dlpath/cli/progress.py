"""Progress commands: ``next``, ``start``/``done``/``skip``, ``undo``, ``reset``, ``status``, ``history``,
``progress export``/``import``, and the dashboard that ``dlpath`` alone shows.

Read-only commands (``next``, ``status``, ``history``, the dashboard, ``export``) never create the
data directory or the database; the others create them on first use.
"""

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from dlpath.cli import common
from dlpath.cli.root import app
from dlpath.errors import DlpathError, ExitCode

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.text import Text

    from dlpath.catalog import Catalog, Resource
    from dlpath.cli.term import Span
    from dlpath.progress import Entry, Snapshot, Summary, Tally

# Verdicts of the last link check that mean the original URL is dead (show the archived copy).
DEAD_VERDICTS = frozenset({"broken", "timeout", "suspect"})
EXERCISES_HINT = "dlpath exercise sigmoid, dlpath exercise gradient-descent, dlpath exercise backprop"

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of text.")]
ResourcesArgument = Annotated[
    Optional[list[str]],
    typer.Argument(
        help="Resources by id, unique id prefix or STEP.N (e.g. 2.1); default: what 'dlpath next' shows.",
        show_default=False,
        autocompletion=common.complete_resource,
    ),
]

progress_app = typer.Typer(
    name="progress",
    help="Move your progress between machines (export / import JSON).",
    no_args_is_help=True,
)
app.add_typer(progress_app, name="progress")


# --------------------------------------------------------------------------- small helpers


def _open_store(*, create: bool = False):  # -> dlpath.progress.Store, imported only when needed
    from dlpath.progress import Store

    return Store.open(create=create)


def _state_of(entries: "dict[str, Entry]", resource_id: str) -> str:
    entry = entries.get(resource_id)
    return entry.state if entry else "not-started"


def _local(at: str | None) -> str:
    """A stored UTC time as local ``YYYY-MM-DD HH:MM``."""
    if not at:
        return "never"
    return datetime.fromisoformat(at).astimezone().strftime("%Y-%m-%d %H:%M")


def _ago(at: str, now: datetime | None = None) -> str:
    """How long ago a stored time was, in words."""
    seconds = ((now or datetime.now(UTC)) - datetime.fromisoformat(at)).total_seconds()
    if seconds < 60:
        return "just now"
    for unit, size in (("day", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            count = int(seconds // size)
            if unit == "day":
                return f"{count} day{'s' if count != 1 else ''} ago"
            return f"{count} {unit} ago"
    return "just now"


def _bar(done: int, total: int, width: int = 20) -> str:
    """A text progress bar that reads without colour: ``█`` done, ``░`` to go."""
    filled = round(width * done / total) if total else width
    return "█" * filled + "░" * (width - filled)


def _resource_line(resource: "Resource", style: str = "") -> "list[Span]":
    """``1.2 Title``: a resource by label and title."""
    return [(f"{resource.label} ", "bold"), (common.clean(resource.title), style)]


def _named(catalog: "Catalog", resource_id: str) -> "list[Span]":
    """A resource by label and title, or by bare id when the catalogue no longer has it."""
    resource = catalog.resource(resource_id)
    if resource is None:
        return [(f"{common.clean(resource_id)} (not in the catalogue)", "dim")]
    return _resource_line(resource)


def _link_check(resource: "Resource") -> tuple["Resource", str | None]:
    """The last link check's verdict on this resource's URL if it found it dead (else None), and the resource
    with an archived copy to offer: its own ``archive_url``, else a snapshot that check found."""
    from dlpath.links.last_run import last_check_of  # a damaged file reads as no check: it never stops 'next'

    verdict, found = last_check_of(resource.url)
    if verdict not in DEAD_VERDICTS:
        return resource, None
    if found and not resource.archive_url:
        resource = resource._replace(archive_url=found)
    return resource, verdict


def _open_url(resource: "Resource", verdict: str | None) -> str:
    """The archived copy when the link is dead and there is one, else the resource's URL."""
    return resource.archive_url if verdict and resource.archive_url else resource.url


def _tally_json(t: "Tally") -> dict[str, Any]:
    return {
        "resources": t.total,
        "done": t.done,
        "skipped": t.skipped,
        "in_progress": t.in_progress,
        "not_started": t.not_started,
        "percent": round(t.percent, 1),
        "minutes_done": t.minutes_done,
        "minutes_left": t.minutes_left,
    }


def _progress_line(t: "Tally") -> "list[Span]":
    from dlpath.views import duration

    line = f"{t.settled} of {t.total} resources done or skipped ({t.percent:.0f}%)"
    if t.minutes_left:
        line += f", about {duration(t.minutes_left)} to go"
    return [(line, "")]


# --------------------------------------------------------------------------- next


def _finished_message(catalog: "Catalog") -> "list[Span]":
    return [
        (f"You have worked through every resource of {common.clean(catalog.title)}. Well done!\n", "bold green"),
        (f"Now put it to work with the exercises: {EXERCISES_HINT}.", ""),
    ]


def _print_next(
    catalog: "Catalog", resource: "Resource", entries: "dict[str, Entry]", verdict: str | None
) -> None:
    """What ``dlpath next`` prints, through dlpath.cli.term (no Rich: this must start at once)."""
    from dlpath.cli.term import Writer
    from dlpath.progress import tally
    from dlpath.views import resource_rows

    step = catalog.step_of(resource)
    states = {rid: e.state for rid, e in entries.items()}
    out = Writer()
    out.paragraph((f"Next: step {step.number} of {len(catalog.steps)}, {common.clean(step.title)}", "bold"))
    out.paragraph((common.clean(step.summary), "dim")).blank()
    out.grid(resource_rows(catalog, resource, archived_because=verdict))
    if verdict and not resource.archive_url:
        out.paragraph((f"The last link check found this link {verdict}, and no archived copy is known.", "yellow"))
    out.blank()
    entry = entries.get(resource.id)
    if entry and entry.state == "in-progress":
        out.paragraph((f"You started this on {_local(entry.updated_at)} ({_ago(entry.updated_at)}).", ""))
    step_tally = tally(step.resources, states)
    out.paragraph(*_progress_line(tally(catalog.resources, states)),
                  (f"; step {step.number}: {step_tally.settled} of {step_tally.total}", ""))
    out.paragraph(("Mark it: dlpath done (or skip, start)   Open it: dlpath next --open", "dim"))
    out.flush()


@app.command("next")
def next_(
    open_browser: Annotated[
        bool,
        typer.Option("--open", help="Also open it in the web browser (the archived copy if the link is dead)."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Show the first resource you have neither done nor skipped, and how far along you are."""
    from dlpath.progress import next_resource

    catalog = common.load_catalog()
    with _open_store() as store:
        entries = store.entries()
    resource = next_resource(catalog.resources, {rid: e.state for rid, e in entries.items()})
    verdict = None
    if resource is not None:
        resource, verdict = _link_check(resource)
    if as_json:
        _print_next_json(catalog, resource, entries, verdict)
    elif resource is None:
        from dlpath.cli.term import Writer

        Writer().paragraph(*_finished_message(catalog)).flush()
    else:
        _print_next(catalog, resource, entries, verdict)
    if open_browser and resource is not None:
        _open_in_browser(_open_url(resource, verdict))


def _print_next_json(
    catalog: "Catalog", resource: "Resource | None", entries: "dict[str, Entry]", verdict: str | None
) -> None:
    from dlpath import views
    from dlpath.progress import tally

    overall = tally(catalog.resources, {rid: e.state for rid, e in entries.items()})
    data: dict[str, Any] = {"finished": resource is None, "next": None, "progress": _tally_json(overall)}
    if resource is not None:
        item = views.resource_json(resource)
        item["state"] = _state_of(entries, resource.id)
        item["link_verdict"] = verdict
        item["open_url"] = _open_url(resource, verdict)
        data["next"] = item
        data["step"] = views.step_json(catalog.step_of(resource), with_resources=False)
    common.print_json(data)


def _open_in_browser(url: str | None) -> None:
    import webbrowser

    from dlpath.cli.term import Writer

    if not url:
        return
    try:
        opened = webbrowser.open(url)
    except webbrowser.Error:
        opened = False
    if not opened:
        Writer(stderr=True).line(("Could not start a web browser; open the link yourself: ", ""),
                                 (common.clean(url), "cyan")).flush()


# --------------------------------------------------------------------------- start / done / skip


_VERBS = {"in-progress": "Started", "done": "Done", "skipped": "Skipped"}


def _mark(names: list[str] | None, state: str, action: str) -> None:
    from rich.text import Text

    from dlpath.progress import next_resource, tally

    catalog = common.load_catalog()
    targets = [catalog.find_resource(name) for name in names or []]  # unknown names fail before any write
    out = common.console()
    with _open_store(create=True) as store:
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
    for resource in targets:
        if resource.id in changed:
            line = Text(f"{_VERBS[state]}: ", style="bold green")
            line.append_text(common.rich_text(_resource_line(resource)))
        else:
            line = common.rich_text(_resource_line(resource))
            line.append(f" was already {state.replace('-', ' ')}.")
        out.print(line, soft_wrap=True)
    if state == "in-progress":
        return
    for step in {catalog.step_of(r).number: catalog.step_of(r) for r in targets if r.id in changed}.values():
        if tally(step.resources, states).settled == len(step.resources):
            out.print(Text(f"Step {step.number} ({common.clean(step.title)}) is complete.", style="bold"))
    coming = next_resource(catalog.resources, states)
    if coming is None:
        out.print(common.rich_text(_finished_message(catalog)))
        return
    line = Text("Next: ")
    line.append_text(common.rich_text(_resource_line(coming)))
    line.append("  (dlpath next)", style="dim")
    out.print(line, soft_wrap=True)
    out.print(common.rich_text(_progress_line(tally(catalog.resources, states))))


@app.command()
def start(resources: ResourcesArgument = None) -> None:
    """Mark resources as in progress (default: what 'dlpath next' shows)."""
    _mark(resources, "in-progress", "start")


@app.command()
def done(resources: ResourcesArgument = None) -> None:
    """Mark resources as done (default: what 'dlpath next' shows)."""
    _mark(resources, "done", "done")


@app.command()
def skip(resources: ResourcesArgument = None) -> None:
    """Skip resources: 'next' moves past them, status counts them apart (default: what 'next' shows)."""
    _mark(resources, "skipped", "skip")


# --------------------------------------------------------------------------- undo / reset


@app.command()
def undo() -> None:
    """Revert the last change (run it again to go further back)."""
    from rich.text import Text

    catalog = common.load_catalog()
    out = common.console()
    with _open_store() as store:  # never creates a database just to find it empty
        undone = store.undo() if store.exists else None
    if undone is None:
        out.print("Nothing to undo.")
        return
    count = len(undone.restored)
    what = f"{undone.action} of {count} resource{'s' if count != 1 else ''}" if count != 1 else undone.action
    out.print(Text(f"Undid {what} (from {_local(undone.at)}):", style="bold"))
    for item in undone.restored[:10]:
        line = Text("  ")
        line.append_text(common.rich_text(_named(catalog, item.resource_id)))
        line.append(f": back to {item.state}")
        out.print(line, soft_wrap=True)
    if count > 10:
        out.print(f"  ... and {count - 10} more")
    if not count:
        out.print("  (its resources had already changed since; nothing to restore)")


@app.command()
def reset(
    resource: Annotated[
        Optional[str],
        typer.Argument(
            help="A resource (id, id prefix or STEP.N) to mark not started.",
            show_default=False,
            autocompletion=common.complete_resource,
        ),
    ] = None,
    step: Annotated[
        Optional[str],
        typer.Option(
            "--step",
            help="Reset every resource of this step (number or id).",
            show_default=False,
            autocompletion=common.complete_step,
        ),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Reset all progress (asks first unless --yes).")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Mark a resource, a step, or everything as not started again ('dlpath undo' brings it back)."""
    from rich.text import Text

    chosen = [given for given in (resource is not None, step is not None, all_) if given]
    if len(chosen) != 1:
        raise DlpathError("say what to reset: a RESOURCE, --step N, or --all (exactly one of them)")
    catalog = common.load_catalog()
    if resource is not None:
        ids, scope = [catalog.find_resource(resource).id], None
    elif step is not None:
        found = catalog.find_step(step)
        ids, scope = [r.id for r in found.resources], f"step {found.number}"
    else:
        ids, scope = None, "all"
    out = common.console()
    with _open_store() as store:  # no database: nothing to reset, and none is created
        recorded = {rid for rid, state in store.states().items() if state != "not-started"}
        pending = sorted(recorded) if ids is None else [rid for rid in ids if rid in recorded]
        if not pending:
            out.print("Nothing to reset: " + ("no progress recorded." if scope == "all" else "not started yet."))
            return
        if scope == "all" and not yes and not _confirm(f"Reset all progress ({len(pending)} resources)?"):
            common.print_error("nothing was reset (answer y, or pass --yes)")
            raise typer.Exit(int(ExitCode.FAILURE))
        changed = store.set_state(pending, "not-started", "reset")
    if scope is None:
        line = Text("Reset: ", style="bold")
        line.append_text(common.rich_text(_named(catalog, pending[0])))
        line.append(" is not started again.")
        out.print(line, soft_wrap=True)
    else:
        count = len(changed)
        out.print(Text(f"Reset {scope}: {count} resource{'s' if count != 1 else ''} not started again.", style="bold"))
    out.print(Text("Changed your mind? dlpath undo", style="dim"))


def _confirm(question: str) -> bool:
    """Ask on the terminal; no answer (end of input) counts as no."""
    try:
        return typer.confirm(f"{question} 'dlpath undo' can bring it back", default=False)
    except typer.Abort:
        return False


# --------------------------------------------------------------------------- status and the dashboard


def _load_summary() -> "tuple[Catalog, Snapshot, Summary]":
    from dlpath.progress import summarise

    catalog = common.load_catalog()
    with _open_store() as store:
        snapshot = store.snapshot()
    return catalog, snapshot, summarise(catalog, snapshot)


def _steps_table(catalog: "Catalog", summary: "Summary") -> "RenderableType":
    from rich.table import Table

    from dlpath.views import duration, plain

    table = Table(title=plain(catalog.title), title_justify="left", expand=False)
    table.add_column("#", justify="right", style="bold")
    table.add_column("Step")
    table.add_column("Progress", no_wrap=True)
    table.add_column("Done", justify="right")
    table.add_column("Left", justify="right")
    for step, t in zip(catalog.steps, summary.steps, strict=True):
        counts = f"{t.settled}/{t.total}"
        if t.skipped:
            counts += f" ({t.skipped} skipped)"
        left = duration(t.minutes_left) if t.minutes_left else "complete"
        table.add_row(str(step.number), plain(step.title), _bar(t.settled, t.total), counts, left)
    return table


def _overview(summary: "Summary") -> "RenderableType":
    from rich.table import Table
    from rich.text import Text

    from dlpath.views import duration

    t = summary.overall
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    overall = Text(f"{_bar(t.settled, t.total)} {t.percent:.0f}%  ")
    details = [f"{t.done} done"]
    if t.skipped:
        details.append(f"{t.skipped} skipped")
    if t.in_progress:
        details.append(f"{t.in_progress} in progress")
    overall.append(f"{t.settled} of {t.total} resources ({', '.join(details)})")
    grid.add_row("Overall", overall)
    grid.add_row("Time", f"{duration(t.minutes_done)} done, {duration(t.minutes_left)} left")
    days = summary.streak
    streak = f"{days} day{'s' if days != 1 else ''}" if days else "none yet (study today to start one)"
    grid.add_row("Streak", streak)
    last = summary.last_activity
    grid.add_row("Last activity", f"{_local(last)} ({_ago(last)})" if last else "none yet")
    return grid


def _exercises_table(summary: "Summary") -> "RenderableType | None":
    from rich.table import Table

    from dlpath.views import plain

    if not summary.exercises:
        return None
    table = Table(title="Exercises", title_justify="left", expand=False)
    table.add_column("Exercise")
    table.add_column("Demo runs", justify="right")  # dlpath exercise NAME; --check passes are apart
    table.add_column("Passed")
    table.add_column("Hints", justify="right")
    for name, stats in summary.exercises.items():
        passed = f"yes, {_local(stats.last_passed)}" if stats.passed else "not yet"
        table.add_row(plain(name), str(stats.runs), passed, str(stats.hints))
    return table


def _orphans_note(summary: "Summary") -> "Text | None":
    from rich.text import Text

    count = len(summary.orphaned)
    if not count:
        return None
    return Text(
        f"{count} progress entr{'ies are' if count != 1 else 'y is'} for resources no longer in the"
        " catalogue: kept in case they come back (ids in 'dlpath status --json').",
        style="dim",
    )


@app.command()
def status(as_json: JsonOption = False) -> None:
    """Per-step progress, overall percentage, time done and left, streak, exercises."""
    from rich.text import Text

    catalog, snapshot, summary = _load_summary()
    if as_json:
        _print_status_json(catalog, snapshot.entries, summary)
        return
    out = common.console()
    out.print(_steps_table(catalog, summary))
    out.print(_overview(summary))
    for extra in (_exercises_table(summary), _orphans_note(summary)):
        if extra is not None:
            out.print(Text())
            out.print(extra)


def _print_status_json(catalog: "Catalog", entries: "dict[str, Entry]", summary: "Summary") -> None:
    common.print_json(
        {
            "resources": [
                {
                    "id": r.id,
                    "label": r.label,
                    "step": r.step_number,
                    "state": _state_of(entries, r.id),
                    "updated_at": entries[r.id].updated_at if r.id in entries else None,
                }
                for r in catalog.resources
            ],
            "steps": [
                {"number": s.number, "id": s.id, "title": s.title, **_tally_json(t)}
                for s, t in zip(catalog.steps, summary.steps, strict=True)
            ],
            "totals": _tally_json(summary.overall),
            "streak_days": summary.streak,
            "last_activity": summary.last_activity,
            "orphaned": {"count": len(summary.orphaned), "ids": list(summary.orphaned)},
            "exercises": {
                name: {"runs": s.runs, "passed": s.passed, "hints": s.hints, "last_passed": s.last_passed}
                for name, s in summary.exercises.items()
            },
        }
    )


def dashboard() -> None:
    """What ``dlpath`` with no arguments shows: the status summary and what is next."""
    from rich.text import Text

    from dlpath.progress import next_resource
    from dlpath.views import duration

    catalog, snapshot, summary = _load_summary()
    out = common.console()
    out.print(_steps_table(catalog, summary))
    out.print(_overview(summary))
    note = _orphans_note(summary)
    if note is not None:
        out.print(note)
    out.print()
    coming = next_resource(catalog.resources, {rid: e.state for rid, e in snapshot.entries.items()})
    if coming is None:
        out.print(common.rich_text(_finished_message(catalog)))
    else:
        line = Text("Next: ", style="bold")
        line.append_text(common.rich_text(_resource_line(coming)))
        started = snapshot.entries.get(coming.id)
        line.append(f"  ({coming.kind}, {duration(coming.minutes)}")
        line.append(", in progress)" if started and started.state == "in-progress" else ")")
        out.print(line, soft_wrap=True)
        out.print(Text("Details: dlpath next   Mark it: dlpath done   All commands: dlpath --help", style="dim"))


# --------------------------------------------------------------------------- history


@app.command()
def history(
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many events to show, newest first.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """The most recent progress events (what changed, when), newest first."""
    from rich.table import Table

    with _open_store() as store:
        events = store.history(limit)
    if as_json:
        common.print_json(
            [
                {
                    "at": e.at,
                    "action": e.action,
                    "resource": e.resource_id,
                    "state": e.state,
                    "previous": e.previous,
                    "applied": e.applied,
                }
                for e in events
            ]
        )
        return
    out = common.console()
    if not events:
        out.print("No progress recorded yet: 'dlpath next' shows where to begin.")
        return
    catalog = common.load_catalog()
    table = Table(expand=False)
    table.add_column("When", no_wrap=True)
    table.add_column("Action")
    table.add_column("Resource")
    table.add_column("State")
    for e in events:
        action = e.action if e.applied else f"{e.action} (history)"
        named = common.rich_text(_named(catalog, e.resource_id))
        table.add_row(_local(e.at), action, named, f"{e.previous} -> {e.state}")
    out.print(table)


# --------------------------------------------------------------------------- export / import


@progress_app.command("export")
def export(
    file: Annotated[
        Optional[Path], typer.Argument(help="File to write (default: standard output).", show_default=False)
    ] = None,
) -> None:
    """Write all your progress (states, history, exercises) as JSON, to move it to another machine."""
    import json

    with _open_store() as store:
        data = store.export()
    if file is None or str(file) == "-":
        common.print_json(data)
        return
    from dlpath.files import write_atomically

    try:
        write_atomically(file, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    except OSError as err:
        raise DlpathError(f"cannot write {file}: {err.strerror or err}") from None
    common.console().print(
        f"Exported {len(data['resources'])} resources, {len(data['events'])} events and"
        f" {len(data['exercises'])} exercise events to {file}"
    )


@progress_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A file written by 'dlpath progress export' ('-': standard input).")],
) -> None:
    """Merge an export into your progress; importing the same file twice changes nothing."""
    import json
    import sys

    from dlpath.progress import ExportFormatError, parse_export

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
        parse_export(data)  # check it all before the store is even created
    except ExportFormatError as err:
        raise DlpathError(f"{file}: {err.message}; nothing was imported") from None
    with _open_store(create=True) as store:
        result = store.import_(data)
    out = common.console()
    if result.nothing_new:
        out.print(f"Nothing new in {file}: your progress already has all of it.")
        return
    out.print(
        f"Imported {file}: {result.resources} resource state{'s' if result.resources != 1 else ''} changed,"
        f" {result.events} history event{'s' if result.events != 1 else ''} and"
        f" {result.exercises} exercise event{'s' if result.exercises != 1 else ''} added."
        + (" ('dlpath undo' reverts the state changes.)" if result.resources else "")
    )
