"""How progress looks: the text of ``next`` (without Rich), the tables of ``status`` and ``history``, the
lines the changing commands print, and the JSON shapes of ``--json``.

Catalogue strings always go in as plain text, never markup. Rich (about 45 ms to import) is imported
by the functions that build Rich renderables, so that ``write_next`` costs no Rich import.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from dlpath.progress.records import IN_PROGRESS, NOT_STARTED
from dlpath.progress.summary import next_resource, tally
from dlpath.render.text import clean, rich_text
from dlpath.views import duration, plain, resource_json, resource_rows, step_json

if TYPE_CHECKING:
    from collections.abc import Sequence

    from rich.console import RenderableType
    from rich.table import Table
    from rich.text import Text

    from dlpath.catalog import Catalog, Resource
    from dlpath.progress.records import Entry, Event, ImportResult, Undone
    from dlpath.progress.summary import Summary, Tally
    from dlpath.render.term import Span, Writer

Line = tuple["RenderableType", bool]  # a line to print, and whether it stays whole (never wrapped, to copy it)

EXERCISES_HINT = "dlpath exercise sigmoid, dlpath exercise gradient-descent, dlpath exercise backprop"
VERBS = {"in-progress": "Started", "done": "Done", "skipped": "Skipped"}  # what a changing command did


# --------------------------------------------------------------------------- small pieces


def state_of(entries: dict[str, Entry], resource_id: str) -> str:
    """A resource's current state, ``not-started`` when nothing was recorded."""
    entry = entries.get(resource_id)
    return entry.state if entry else NOT_STARTED


def local_time(at: str | None) -> str:
    """A stored UTC time as local ``YYYY-MM-DD HH:MM``."""
    if not at:
        return "never"
    return datetime.fromisoformat(at).astimezone().strftime("%Y-%m-%d %H:%M")


def time_since(at: str, now: datetime | None = None) -> str:
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


def bar(done: int, total: int, width: int = 20) -> str:
    """A text progress bar that reads without colour: ``█`` done, ``░`` to go."""
    filled = round(width * done / total) if total else width
    return "█" * filled + "░" * (width - filled)


def resource_line(resource: Resource, style: str = "") -> list[Span]:
    """``1.2 Title``: a resource by label and title."""
    return [(f"{resource.label} ", "bold"), (clean(resource.title), style)]


def named(catalog: Catalog, resource_id: str) -> list[Span]:
    """A resource by label and title, or by bare id when the catalogue no longer has it."""
    resource = catalog.resource(resource_id)
    if resource is None:
        return [(f"{clean(resource_id)} (not in the catalogue)", "dim")]
    return resource_line(resource)


def progress_line(t: Tally) -> list[Span]:
    """``3 of 12 resources done or skipped (25%), about 4 h to go``."""
    line = f"{t.settled} of {t.total} resources done or skipped ({t.percent:.0f}%)"
    if t.minutes_left:
        line += f", about {duration(t.minutes_left)} to go"
    return [(line, "")]


def finished_message(catalog: Catalog) -> list[Span]:
    """What is shown once every resource is done or skipped."""
    return [
        (f"You have worked through every resource of {clean(catalog.title)}. Well done!\n", "bold green"),
        (f"Now put it to work with the exercises: {EXERCISES_HINT}.", ""),
    ]


def tally_json(t: Tally) -> dict[str, Any]:
    """Counts and minutes as plain data for ``--json``."""
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


# --------------------------------------------------------------------------- next


def write_next(
    out: Writer, catalog: Catalog, resource: Resource, entries: dict[str, Entry], verdict: str | None
) -> None:
    """What ``dlpath next`` shows, written to ``out`` (no Rich: this must start at once).

    ``verdict`` is the last link check's verdict when it found the resource's URL dead.
    """
    step = catalog.step_of(resource)
    states = {rid: e.state for rid, e in entries.items()}
    out.paragraph((f"Next: step {step.number} of {len(catalog.steps)}, {clean(step.title)}", "bold"))
    out.paragraph((clean(step.summary), "dim")).blank()
    out.grid(resource_rows(catalog, resource, archived_because=verdict))
    if verdict and not resource.archive_url:
        out.paragraph((f"The last link check found this link {verdict}, and no archived copy is known.", "yellow"))
    out.blank()
    entry = entries.get(resource.id)
    if entry and entry.state == IN_PROGRESS:
        out.paragraph((f"You started this on {local_time(entry.updated_at)} ({time_since(entry.updated_at)}).", ""))
    step_tally = tally(step.resources, states)
    out.paragraph(*progress_line(tally(catalog.resources, states)),
                  (f"; step {step.number}: {step_tally.settled} of {step_tally.total}", ""))
    out.paragraph(("Mark it: dlpath done (or skip, start)   Open it: dlpath next --open", "dim"))


def next_json(
    catalog: Catalog, resource: Resource | None, entries: dict[str, Entry], verdict: str | None, open_url: str | None
) -> dict[str, Any]:
    """``dlpath next --json``: whether the path is finished, the next resource and the overall counts."""
    overall = tally(catalog.resources, {rid: e.state for rid, e in entries.items()})
    data: dict[str, Any] = {"finished": resource is None, "next": None, "progress": tally_json(overall)}
    if resource is not None:
        item = resource_json(resource)
        item["state"] = state_of(entries, resource.id)
        item["link_verdict"] = verdict
        item["open_url"] = open_url
        data["next"] = item
        data["step"] = step_json(catalog.step_of(resource), with_resources=False)
    return data


# --------------------------------------------------------------------------- start / done / skip, undo, reset


def marked_lines(
    catalog: Catalog, targets: Sequence[Resource], changed: set[str], state: str, states: dict[str, str]
) -> list[Line]:
    """What ``start``/``done``/``skip`` did to each of ``targets`` (those in ``changed`` changed), then, unless
    it was ``start``: the steps it completed, what is next and how far along the learner is."""
    from rich.text import Text  # Rich takes 12-18 ms to import: not for `dlpath next`

    lines: list[Line] = []
    for resource in targets:
        if resource.id in changed:
            line = Text(f"{VERBS[state]}: ", style="bold green")
            line.append_text(rich_text(resource_line(resource)))
        else:
            line = rich_text(resource_line(resource))
            line.append(f" was already {state.replace('-', ' ')}.")
        lines.append((line, True))
    if state == IN_PROGRESS:
        return lines
    for step in {catalog.step_of(r).number: catalog.step_of(r) for r in targets if r.id in changed}.values():
        if tally(step.resources, states).settled == len(step.resources):
            lines.append((Text(f"Step {step.number} ({clean(step.title)}) is complete.", style="bold"), False))
    coming = next_resource(catalog.resources, states)
    if coming is None:
        lines.append((rich_text(finished_message(catalog)), False))
        return lines
    line = Text("Next: ")
    line.append_text(rich_text(resource_line(coming)))
    line.append("  (dlpath next)", style="dim")
    lines.append((line, True))
    lines.append((rich_text(progress_line(tally(catalog.resources, states))), False))
    return lines


def undone_lines(catalog: Catalog, undone: Undone) -> list[Line]:
    """What ``undo`` reverted, at most ten resources by name."""
    from rich.text import Text  # Rich takes 12-18 ms to import: not for `dlpath next`

    count = len(undone.restored)
    what = f"{undone.action} of {count} resource{'s' if count != 1 else ''}" if count != 1 else undone.action
    lines: list[Line] = [(Text(f"Undid {what} (from {local_time(undone.at)}):", style="bold"), False)]
    for item in undone.restored[:10]:
        line = Text("  ")
        line.append_text(rich_text(named(catalog, item.resource_id)))
        line.append(f": back to {item.state}")
        lines.append((line, True))
    if count > 10:
        lines.append((f"  ... and {count - 10} more", False))
    if not count:
        lines.append(("  (its resources had already changed since; nothing to restore)", False))
    return lines


def reset_lines(catalog: Catalog, scope: str | None, reset_ids: Sequence[str], changed: int) -> list[Line]:
    """What ``reset`` did: one resource by name (``scope`` None), or how many of a step or of all."""
    from rich.text import Text  # Rich takes 12-18 ms to import: not for `dlpath next`

    if scope is None:
        line = Text("Reset: ", style="bold")
        line.append_text(rich_text(named(catalog, reset_ids[0])))
        line.append(" is not started again.")
        first: Line = (line, True)
    else:
        first = (Text(f"Reset {scope}: {changed} resource{'s' if changed != 1 else ''} not started again.",
                      style="bold"), False)
    return [first, (Text("Changed your mind? dlpath undo", style="dim"), False)]


# --------------------------------------------------------------------------- status and the dashboard


def progress_table(catalog: Catalog, summary: Summary) -> Table:
    """Each step with a bar, done/total (skipped apart) and the time left."""
    from rich.table import Table  # Rich takes 12-18 ms to import: not for `dlpath next`

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
        table.add_row(str(step.number), plain(step.title), bar(t.settled, t.total), counts, left)
    return table


def overview(summary: Summary) -> Table:
    """Overall bar and counts, time done and left, streak, last activity."""
    from rich.table import Table  # Rich takes 12-18 ms to import: not for `dlpath next`
    from rich.text import Text  # Rich takes 12-18 ms to import: not for `dlpath next`

    t = summary.overall
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    overall = Text(f"{bar(t.settled, t.total)} {t.percent:.0f}%  ")
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
    grid.add_row("Last activity", f"{local_time(last)} ({time_since(last)})" if last else "none yet")
    return grid


def exercises_table(summary: Summary) -> Table | None:
    """Runs, passes and hints of every exercise with any (None when there are none)."""
    from rich.table import Table  # Rich takes 12-18 ms to import: not for `dlpath next`

    if not summary.exercises:
        return None
    table = Table(title="Exercises", title_justify="left", expand=False)
    table.add_column("Exercise")
    table.add_column("Demo runs", justify="right")  # dlpath exercise NAME; --check passes are apart
    table.add_column("Passed")
    table.add_column("Hints", justify="right")
    for name, stats in summary.exercises.items():
        passed = f"yes, {local_time(stats.last_passed)}" if stats.passed else "not yet"
        table.add_row(plain(name), str(stats.runs), passed, str(stats.hints))
    return table


def orphans_note(summary: Summary) -> Text | None:
    """A note on progress kept for resources the catalogue no longer has (None when there is none)."""
    from rich.text import Text  # Rich takes 12-18 ms to import: not for `dlpath next`

    count = len(summary.orphaned)
    if not count:
        return None
    return Text(
        f"{count} progress entr{'ies are' if count != 1 else 'y is'} for resources no longer in the"
        " catalogue: kept in case they come back (ids in 'dlpath status --json').",
        style="dim",
    )


def status_json(catalog: Catalog, entries: dict[str, Entry], summary: Summary) -> dict[str, Any]:
    """``dlpath status --json``: each resource's state, each step's counts, totals, streak, exercises."""
    return {
        "resources": [
            {
                "id": r.id,
                "label": r.label,
                "step": r.step_number,
                "state": state_of(entries, r.id),
                "updated_at": entries[r.id].updated_at if r.id in entries else None,
            }
            for r in catalog.resources
        ],
        "steps": [
            {"number": s.number, "id": s.id, "title": s.title, **tally_json(t)}
            for s, t in zip(catalog.steps, summary.steps, strict=True)
        ],
        "totals": tally_json(summary.overall),
        "streak_days": summary.streak,
        "last_activity": summary.last_activity,
        "orphaned": {"count": len(summary.orphaned), "ids": list(summary.orphaned)},
        "exercises": {
            name: {"runs": s.runs, "passed": s.passed, "hints": s.hints, "last_passed": s.last_passed}
            for name, s in summary.exercises.items()
        },
    }


def dashboard_next(catalog: Catalog, resource: Resource | None, entry: Entry | None) -> list[Line]:
    """The dashboard's last lines: what is next, its kind and time, and the commands to go on."""
    from rich.text import Text  # Rich takes 12-18 ms to import: not for `dlpath next`

    if resource is None:
        return [(rich_text(finished_message(catalog)), False)]
    line = Text("Next: ", style="bold")
    line.append_text(rich_text(resource_line(resource)))
    line.append(f"  ({resource.kind}, {duration(resource.minutes)}")
    line.append(", in progress)" if entry and entry.state == IN_PROGRESS else ")")
    hint = Text("Details: dlpath next   Mark it: dlpath done   All commands: dlpath --help", style="dim")
    return [(line, True), (hint, False)]


# --------------------------------------------------------------------------- history, export / import


def history_table(catalog: Catalog, events: Sequence[Event]) -> Table:
    """Recent events: when, what action (``(history)`` when imported without changing the state), which
    resource, and the change of state."""
    from rich.table import Table  # Rich takes 12-18 ms to import: not for `dlpath next`

    table = Table(expand=False)
    table.add_column("When", no_wrap=True)
    table.add_column("Action")
    table.add_column("Resource")
    table.add_column("State")
    for e in events:
        action = e.action if e.applied else f"{e.action} (history)"
        table.add_row(local_time(e.at), action, rich_text(named(catalog, e.resource_id)), f"{e.previous} -> {e.state}")
    return table


def history_json(events: Sequence[Event]) -> list[dict[str, Any]]:
    """``dlpath history --json``: the events, newest first."""
    return [
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


def exported(document: dict[str, Any], file: object) -> str:
    """What ``progress export FILE`` says it wrote."""
    return (
        f"Exported {len(document['resources'])} resources, {len(document['events'])} events and"
        f" {len(document['exercises'])} exercise events to {file}"
    )


def imported(result: ImportResult, file: object) -> str:
    """What ``progress import FILE`` says it added."""
    if result.nothing_new:
        return f"Nothing new in {file}: your progress already has all of it."
    return (
        f"Imported {file}: {result.resources} resource state{'s' if result.resources != 1 else ''} changed,"
        f" {result.events} history event{'s' if result.events != 1 else ''} and"
        f" {result.exercises} exercise event{'s' if result.exercises != 1 else ''} added."
        + (" ('dlpath undo' reverts the state changes.)" if result.resources else "")
    )
