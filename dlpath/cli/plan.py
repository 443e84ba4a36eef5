"""``dlpath plan``: make a dated study plan, show it, export it to a calendar (``--ics``)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from dlpath.bounds import output_path
from dlpath.cli.common import Environment, complete_weekdays, print_json
from dlpath.cli.root import app
from dlpath.errors import DlpathError, StoreError

if TYPE_CHECKING:
    from dlpath.catalog import Catalog
    from dlpath.plan.saved import SavedPlan
    from dlpath.plan.schedule import PlanItem, Session, Settings

_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
MAX_DAYS_AHEAD = 366  # a start further away is a typo


def _settings(
    saved: SavedPlan | None, hours: str | None, start: str | None, days: str | None, with_optional: bool | None,
    today: date,
) -> Settings:
    """The new plan's settings from the options, the rest from the saved plan (or the defaults)."""
    from dlpath.plan.schedule import PlanError, Settings, parse_days, parse_hours, parse_start

    try:
        if hours is not None:
            hours_per_week = parse_hours(hours)
        elif saved is not None:
            hours_per_week = saved.settings.hours_per_week
        else:
            raise DlpathError(
                "give --hours-per-week H (the hours you can study a week, e.g. 5) to make a study plan"
            )
        first = parse_start(start, today) if start is not None else today
        weekdays = parse_days(days) if days is not None else (saved.settings.days if saved else tuple(range(7)))
    except PlanError as err:
        raise DlpathError(str(err)) from None
    if first < today:
        raise DlpathError(f"--start {first.isoformat()} is in the past: a plan starts today or later")
    if (first - today).days > MAX_DAYS_AHEAD:
        raise DlpathError(f"--start {first.isoformat()} is more than a year away: give a date within a year")
    if with_optional is not None:
        optional = with_optional
    else:
        optional = saved is not None and saved.settings.with_optional
    return Settings(hours_per_week, first, weekdays, optional)


def _write_ics(
    env: Environment, catalog: Catalog, path: Path, sessions: tuple[Session, ...], items: dict[str, PlanItem],
    saved: SavedPlan,
) -> int:
    """Write the calendar file; returns how many earlier events it cancels."""
    from dlpath.files import write_where_pointed
    from dlpath.plan.ics import event_uids, to_ical
    from dlpath.plan.saved import encode_exported, namespace

    space = namespace(catalog)
    current = event_uids(sessions, space)
    gone = {uid: day for uid, day in saved.exported.items() if uid not in current}
    stamp = datetime.now(UTC).replace(microsecond=0)
    sequence = int((stamp - _EPOCH).total_seconds() // 60)  # rises with every export, so calendars update
    urls = {r.id: r.url for r in catalog.all_resources}  # the prerequisite too, when planned
    data = to_ical(sessions, items, namespace=space, title=catalog.title, urls=urls, stamp=stamp,
                   sequence=sequence, cancelled=gone)
    try:
        write_where_pointed(path, data)
    except OSError as err:
        raise DlpathError(f"cannot write {path}: {err.strerror or err}") from None
    with env.open_store(create=True) as store:
        store.set_plan_exported(saved.revision, encode_exported(current))
    return len(gone)


@app.command()
def plan(
    ctx: typer.Context,
    hours_per_week: Annotated[
        Optional[str],
        typer.Option("--hours-per-week", "-H", metavar="HOURS", show_default=False,
                     help="Hours you can study a week (0.5 to 80). Any of these options makes a new plan; what"
                          " you leave out is kept from your plan."),
    ] = None,
    start: Annotated[
        Optional[str],
        typer.Option(metavar="DATE", show_default=False,
                     help="First day of the plan: YYYY-MM-DD, today or tomorrow, within a year (default: today)."),
    ] = None,
    days: Annotated[
        Optional[str],
        typer.Option(metavar="DAYS", show_default=False, autocompletion=complete_weekdays,
                     help="Days you study, e.g. mon,wed,sat or mon-fri (default: your plan's, else every day)."),
    ] = None,
    with_optional: Annotated[
        Optional[bool],
        typer.Option("--with-optional/--without-optional", show_default=False,
                     help="Plan the optional readings too, or not (default: as your plan did, else not)."),
    ] = None,
    ics: Annotated[
        Optional[Path],
        typer.Option("--ics", metavar="FILE", show_default=False,
                     help="Also write the sessions ahead as an iCalendar file for your calendar app ('-': print it)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of text.")] = False,
) -> None:
    """Lay the readings you have left over dated study sessions, or show your plan and your pace."""
    from dlpath.plan import views
    from dlpath.plan.saved import encode, load, status
    from dlpath.plan.schedule import lay_out, plan_items, projected
    from dlpath.render.term import Writer

    env: Environment = ctx.obj
    today = date.today()
    to_stdout = ics is not None and str(ics) == "-"
    if to_stdout and as_json:
        raise DlpathError("--ics - and --json would both print to standard output: write the calendar to a file")
    if ics is not None:
        output_path("--ics", ics)
    catalog = env.catalog()
    making = any(given is not None for given in (hours_per_week, start, days, with_optional))
    with env.open_store() as store:
        states = store.states()
        try:
            saved = load(store)
        except StoreError:
            if not making:
                raise
            saved = None  # a damaged plan is replaced by the new one

    if making:
        settings = _settings(saved, hours_per_week, start, days, with_optional, today)
        # the prerequisite (step 0) is optional like the extras: planned first, only with --with-optional
        items = plan_items(catalog.prerequisites + catalog.resources, states, with_optional=settings.with_optional)
        if not items:
            more = "" if settings.with_optional else " (optional ones aside: add --with-optional to plan them)"
            Writer().paragraph((f"Nothing to plan: every reading is done or skipped{more}.", "")).flush()
            return
        with env.open_store(create=True) as store:
            store.save_plan(*encode(settings, items))
            saved = load(store)
        assert saved is not None
    elif saved is None:
        Writer().paragraph(
            ("You have no study plan yet. Make one with, for example:", ""),
        ).line(("  dlpath plan --hours-per-week 5 --days mon,wed,sat", "bold")).flush()
        return
    by_id = {item.resource_id: item for item in saved.items}
    if making:
        sessions, found, line = lay_out(saved.items, saved.settings), None, None
        heading = "Your new study plan"
    else:
        sessions = projected(saved.items, saved.settings, states, today)
        found, line = status(saved, states, today)
        heading = "Your study plan: what is left, at its pace"
    cancelled = _write_ics(env, catalog, ics, sessions, by_id, saved) if ics is not None else 0
    if to_stdout:
        return  # the calendar alone on standard output, for a pipe
    if as_json:
        print_json(views.plan_json(sessions, by_id, saved.settings, revision=saved.revision, pace=found,
                                   pace_line=line))
        return
    out = Writer()
    views.write_plan(out, sessions, by_id, saved.settings, today, heading=heading, pace=found, pace_line=line)
    out.blank()
    if ics is not None:
        events = sum(len(s.pieces) for s in sessions)
        extra = f", and cancels {cancelled} event{'s' if cancelled != 1 else ''} no longer planned" if cancelled else ""
        out.paragraph((f"Wrote {events} event{'s' if events != 1 else ''} to {ics}{extra}. Importing it again"
                       " later updates the same events.", ""))
    out.paragraph(("'dlpath next' and 'dlpath' say whether you are ahead of or behind this plan.", "dim"))
    out.flush()
