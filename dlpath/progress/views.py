"""How progress looks: the text of ``next`` (without Rich), the tables of ``status`` and ``history``, the
lines the changing commands print, and the JSON shapes of ``--json``.

Catalogue strings always go in as plain text, never markup. Rich (about 45 ms to import) is imported
by the functions that build Rich renderables, so that ``write_next`` costs no Rich import.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from dlpath.catalog import PROVENANCE_WORDS
from dlpath.progress.records import IN_PROGRESS, NOT_STARTED
from dlpath.progress.summary import offer_next, split_tally, tally
from dlpath.render.text import clean, rich_text
from dlpath.views import duration, plain, resource_json, resource_rows, step_json

if TYPE_CHECKING:
    from collections.abc import Sequence

    from rich.console import RenderableType
    from rich.table import Table
    from rich.text import Text

    from dlpath.catalog import Catalog, Resource
    from dlpath.progress.records import Entry, Event, ImportResult, Undone
    from dlpath.progress.recover import Recovered
    from dlpath.progress.summary import Summary, Tally
    from dlpath.render.term import Span, Writer

Line = tuple["RenderableType", bool]  # a line to print, and whether it stays whole (never wrapped, to copy it)

EXERCISES_HINT = "dlpath exercise sigmoid, dlpath exercise gradient-descent, dlpath exercise backprop"
HIDDEN_DATED_INSTALL = "status --hide-dated-installs leaves it out"  # why a dated install guide is not counted
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
    """A resource by label and title, or by bare id when the catalogue no longer has it (or hides it)."""
    resource = catalog.resource(resource_id)
    if resource is None and resource_id in catalog.hidden:
        return [(f"{clean(resource_id)} (not shown: {catalog.hidden[resource_id]})", "dim")]
    if resource is None:
        return [(f"{clean(resource_id)} (not in the catalogue)", "dim")]
    return resource_line(resource)


def progress_line(required: Tally, optional: Tally | None = None) -> list[Span]:
    """``3 of 12 required resources done or skipped (25%), about 4 h to go; optional: 1 of 5 done or skipped``."""
    line = f"{required.settled} of {required.total} required resources done or skipped ({required.percent:.0f}%)"
    if required.minutes_left:
        line += f", about {duration(required.minutes_left)} to go"
    spans: list[Span] = [(line, "")]
    if optional is not None and optional.total:
        spans.append((f"; optional: {optional.settled} of {optional.total} done or skipped", "dim"))
    return spans


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
    out: Writer, catalog: Catalog, resource: Resource, entries: dict[str, Entry], verdict: str | None,
    plan_line: str | None = None,
) -> None:
    """What ``dlpath next`` shows, written to ``out`` (no Rich: this must start at once).

    ``verdict`` is the last link check's verdict when it found the resource's URL dead; ``plan_line``
    says how the learner keeps pace with their study plan, when they have one.
    """
    step = catalog.step_of(resource)
    states = {rid: e.state for rid, e in entries.items()}
    if step.number:
        out.paragraph((f"Next: step {step.number} of {len(catalog.steps)}, {clean(step.title)}", "bold"))
    else:
        out.paragraph((f"Before you start (optional): then step 1 of {len(catalog.steps)}", "bold"))
    out.paragraph((clean(step.summary), "dim")).blank()
    out.grid(resource_rows(catalog, resource, archived_because=verdict))
    if verdict and not resource.archive_url:
        out.paragraph((f"The last link check found this link {verdict}, and no archived copy is known.", "yellow"))
    out.blank()
    entry = entries.get(resource.id)
    if entry and entry.state == IN_PROGRESS:
        out.paragraph((f"You started this on {local_time(entry.updated_at)} ({time_since(entry.updated_at)}).", ""))
    if not step.number:
        out.paragraph(("Never required: if you have this background, 'dlpath skip' it. It is offered only until"
                       " you begin step 1.", ""))
    elif resource.added:
        out.paragraph(("Optional, and not in the article: dlpath added it for a learner today. 'dlpath skip' it,"
                       " or hide everything dlpath added with --no-extras.", ""))
    spans = progress_line(*split_tally(catalog.resources, states))
    if step.number:
        step_required = tally(step.required, states)
        spans.append((f"; step {step.number}: {step_required.settled} of {step_required.total} required", ""))
    out.paragraph(*spans)
    if plan_line:
        out.paragraph((f"Plan: {plan_line}", ""))
    out.paragraph(("Mark it: dlpath done (or skip, start)   Open it: dlpath next --open", "dim"))


def next_json(
    catalog: Catalog, resource: Resource | None, entries: dict[str, Entry], verdict: str | None, open_url: str | None
) -> dict[str, Any]:
    """``dlpath next --json``: whether the path is finished, the next resource and the overall counts
    (``progress`` the required resources, ``optional_progress`` the optional ones)."""
    required, optional = split_tally(catalog.resources, {rid: e.state for rid, e in entries.items()})
    data: dict[str, Any] = {
        "finished": resource is None,
        "next": None,
        "before_you_start": resource is not None and resource.step_number == 0,
        "progress": tally_json(required),
        "optional_progress": tally_json(optional),
    }
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
    completing = {catalog.step_of(r).number: catalog.step_of(r) for r in targets
                  if r.id in changed and r.step_number and not r.optional}
    for step in completing.values():
        if tally(step.required, states).settled == len(step.required):
            lines.append((Text(f"Step {step.number} ({clean(step.title)}) is complete.", style="bold"), False))
    coming = offer_next(catalog, states)
    if coming is None:
        lines.append((rich_text(finished_message(catalog)), False))
        return lines
    line = Text("Next: ")
    line.append_text(rich_text(resource_line(coming)))
    line.append("  (dlpath next)", style="dim")
    lines.append((line, True))
    lines.append((rich_text(progress_line(*split_tally(catalog.resources, states))), False))
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
    """Each step with a bar, done/total (skipped apart) and the time left of its required resources, and
    its optional resources apart."""
    from rich.table import Table  # Rich takes 12-18 ms to import: not for `dlpath next`

    table = Table(title=plain(catalog.title), title_justify="left", expand=False)
    table.add_column("#", justify="right", style="bold")
    table.add_column("Step")
    table.add_column("Progress", no_wrap=True)
    table.add_column("Done", justify="right")
    table.add_column("Left", justify="right")
    table.add_column("Optional (left)", justify="right", style="dim")
    optional_steps = summary.optional_steps or (None,) * len(catalog.steps)
    for step, t, extra in zip(catalog.steps, summary.steps, optional_steps, strict=True):
        counts = f"{t.settled}/{t.total}"
        if t.skipped:
            counts += f" ({t.skipped} skipped)"
        left = duration(t.minutes_left) if t.minutes_left else "complete"
        table.add_row(str(step.number), plain(step.title), bar(t.settled, t.total), counts, left, _optional_cell(extra))
    return table


def _optional_cell(t: Tally | None) -> str:
    """A step's optional resources: ``1/3, 2 h`` (done or skipped, and time left), or ``-`` when it has none."""
    if t is None or not t.total:
        return "-"
    left = f", {duration(t.minutes_left)}" if t.minutes_left else ""
    return f"{t.settled}/{t.total}{left}"


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
    overall.append(f"{t.settled} of {t.total} required resources ({', '.join(details)})")
    grid.add_row("Overall", overall)
    grid.add_row("Time", f"{duration(t.minutes_done)} done, {duration(t.minutes_left)} left (required resources)")
    extra = summary.optional_overall
    if extra.total:
        grid.add_row("Optional", f"{extra.settled} of {extra.total} done or skipped,"
                                 f" {duration(extra.minutes_left)} of optional reading left (not counted above)")
    if summary.before is not None:
        before = summary.before
        state = f"{before.settled} of {before.total} done or skipped"
        if before.in_progress:
            state += f", {before.in_progress} in progress"
        if before.settled < before.total:
            state += " (optional, never required)"
        grid.add_row("Before you start", state)
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


def sources_line(catalog: Catalog) -> Text:
    """Where the path's resources come from, in words: ``Sources: 13 from the article, ...``."""
    from rich.text import Text  # Rich takes 12-18 ms to import: not for `dlpath next`

    counts = {words: 0 for words in PROVENANCE_WORDS.values()}  # in the order of PROVENANCES
    for resource in catalog.all_resources:
        counts[resource.provenance_words] = counts.get(resource.provenance_words, 0) + 1
    return Text("Sources: " + "; ".join(f"{count} {words}" for words, count in counts.items() if count), style="dim")


def dated_installs_note(catalog: Catalog, hidden: bool) -> Text | None:
    """What --hide-dated-installs leaves out, or would (when dated installation guides are counted)."""
    from rich.text import Text  # Rich takes 12-18 ms to import: not for `dlpath next`

    if hidden:
        count = sum(1 for why in catalog.hidden.values() if why == HIDDEN_DATED_INSTALL)
        if not count:
            return None
        return Text(f"Not counted: {count} dated installation guide{'s' if count != 1 else ''}"
                    " (--hide-dated-installs).", style="dim")
    guides = [r for r in catalog.resources if r.dated_install and not r.optional]
    if not guides:
        return None
    return Text(f"{len(guides)} dated installation guide{'s' if len(guides) != 1 else ''}"
                f" ({duration(sum(r.minutes for r in guides))}) are counted:"
                " 'dlpath status --hide-dated-installs' leaves them out.", style="dim")


def status_json(catalog: Catalog, entries: dict[str, Entry], summary: Summary) -> dict[str, Any]:
    """``dlpath status --json``: each resource's state, each step's counts, totals, streak, exercises.

    ``totals`` and each step's counts are the required resources'; the optional ones are apart
    (``optional_totals``, each step's ``optional``), the prerequisites in ``before_you_start``.
    """
    return {
        "resources": [
            {
                "id": r.id,
                "label": r.label,
                "step": r.step_number,  # 0: before you start
                "optional": r.optional,
                "provenance": r.provenance,
                "source": r.provenance_words,
                "state": state_of(entries, r.id),
                "updated_at": entries[r.id].updated_at if r.id in entries else None,
            }
            for r in catalog.all_resources
        ],
        "steps": [
            {"number": s.number, "id": s.id, "title": s.title, **tally_json(t), "optional": tally_json(o)}
            for s, t, o in zip(catalog.steps, summary.steps, summary.optional_steps, strict=True)
        ],
        "totals": tally_json(summary.overall),
        "optional_totals": tally_json(summary.optional_overall),
        "before_you_start": tally_json(summary.before) if summary.before is not None else None,
        "left_out": sorted(catalog.hidden),
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
    line = Text("Next: " if resource.step_number else "Before you start: ", style="bold")
    line.append_text(rich_text(resource_line(resource)))
    line.append(f"  ({resource.kind}, {duration(resource.minutes)}")
    if resource.optional:
        line.append(", optional")
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
        f" {result.events} history event{'s' if result.events != 1 else ''},"
        f" {result.exercises} exercise event{'s' if result.exercises != 1 else ''}"
        f" and {result.notes} note{'s' if result.notes != 1 else ''} added."
        + (" ('dlpath undo' reverts the state changes.)" if result.resources else "")
    )


def recovered(result: Recovered, path: object) -> str:
    """What ``progress recover`` did: rows copied, rows lost, where the damaged file is."""
    words = {"changes": "changes", "events": "history events", "exercise_events": "exercise events",
             "catalogs": "catalogue names", "progress": "current states", "notes": "notes", "plans": "study plans"}
    copied = ", ".join(f"{count} {words.get(table, table)}" for table, count in result.copied.items())
    lines = [f"Recovered {path}: copied {copied}."]
    if result.unreadable:
        lost = ", ".join(f"{count} in {words.get(table, table)}" for table, count in result.unreadable.items())
        lines.append(f"Could not read: {lost}.")
    if result.rebuilt_progress:
        lines.append("The current states were rebuilt from the history (their own table was unreadable).")
    lines.append(f"The damaged file is kept as {result.kept_at}; 'dlpath status' shows what was saved.")
    return "\n".join(lines)
