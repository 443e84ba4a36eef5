"""``dlpath next``: what to read now, how far along you are, and how you keep pace with your plan.

A module of its own so that ``dlpath next``, the command run most, builds only its own options:
Typer takes about a millisecond per command to read a command's signature, and the other progress
commands live in ``dlpath.cli.progress``.
"""

from __future__ import annotations

import webbrowser
from typing import TYPE_CHECKING, Annotated

import typer

from dlpath.cli.common import Environment, print_json
from dlpath.cli.root import app
from dlpath.errors import DlpathError
from dlpath.progress import offer_next
from dlpath.progress import views as show
from dlpath.render.term import Writer
from dlpath.render.text import clean

if TYPE_CHECKING:
    from dlpath.catalog import Resource
    from dlpath.plan.schedule import Pace
    from dlpath.progress.records import StoredPlan

# Verdicts of the last link check that mean the original URL is dead (show the archived copy).
DEAD_VERDICTS = frozenset({"broken", "timeout", "suspect"})

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of text.")]


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
        stored_plan = store.plan()
    states = {rid: e.state for rid, e in entries.items()}
    resource = offer_next(catalog, states)  # the prerequisite first, once
    verdict = None
    if resource is not None:
        resource, verdict = _link_check(resource)
    paced = pace(stored_plan, states)
    if as_json:
        url = _open_url(resource, verdict) if resource is not None else None
        data = show.next_json(catalog, resource, entries, verdict, url)
        if paced is not None:
            from dlpath.plan.views import pace_json

            data["plan"] = pace_json(*paced) if paced[0] is not None else {"error": paced[1]}
        else:
            data["plan"] = None
        print_json(data)
    elif resource is None:
        out = Writer().paragraph(*show.finished_message(catalog))
        if paced is not None:
            out.paragraph((f"Plan: {paced[1]}", ""))
        out.flush()
    else:
        out = Writer()
        show.write_next(out, catalog, resource, entries, verdict, paced[1] if paced else None)
        out.flush()
    if open_browser and resource is not None:
        _open_in_browser(_open_url(resource, verdict))


def pace(stored_plan: StoredPlan | None, states: dict[str, str]) -> tuple[Pace | None, str] | None:
    """How the learner keeps pace with their study plan today, and the sentence; None without a plan.

    A damaged saved plan gives no pace and a sentence saying so: it never stops ``next`` or the dashboard.
    """
    if stored_plan is None:
        return None
    from datetime import date

    from dlpath.plan.saved import pace_of

    try:
        return pace_of(stored_plan, states, date.today())
    except DlpathError as err:
        return None, err.message


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
