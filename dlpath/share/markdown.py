"""The path as a Markdown checklist with progress, as GitHub renders it; catalogue text is escaped, never markup."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING

from dlpath.plan.schedule import WEEKDAY_NAMES, day_text
from dlpath.progress.summary import Tally
from dlpath.share import BEFORE_HEADING, STATE_WORDS, SharedPlan, dated_note, markers, safe_url

if TYPE_CHECKING:
    from dlpath.catalog import Catalog, Resource
    from dlpath.progress.summary import Summary

# Every ASCII punctuation mark CommonMark lets a backslash escape that could start markup here.
_MARKUP = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~&:])")
_BAR_WIDTH = 20


def text(value: object) -> str:
    """A catalogue string as literal Markdown text on one line: markup characters backslash-escaped."""
    one_line = " ".join(str(value).split())
    return _MARKUP.sub(r"\\\1", one_line)


def link_target(url: str) -> str:
    """A URL as a Markdown link destination in angle brackets, with what would end it percent-encoded."""
    return "<" + url.replace("<", "%3C").replace(">", "%3E").replace(" ", "%20").replace("\\", "%5C") + ">"


def bar(settled: int, total: int, width: int = _BAR_WIDTH) -> str:
    """A text progress bar: ``█`` done or skipped, ``░`` to go."""
    filled = round(width * settled / total) if total else width
    return "█" * filled + "░" * (width - filled)


def _day(day: date) -> str:
    return day_text(day)


def render(
    catalog: Catalog,
    states: Mapping[str, str],
    summary: Summary,
    *,
    today: date,
    plan: SharedPlan | None = None,
) -> str:
    """The whole page, from ``summary`` as ``dlpath.progress.summarise`` makes it: the bars and times count
    the required resources (``steps``, ``overall``); the optional ones (``optional_steps``,
    ``optional_overall``) and the prerequisite (``before``) are counted apart."""
    from dlpath.views import duration

    overall = summary.overall
    out = [f"# Progress: {text(catalog.title)}", ""]
    source = safe_url(catalog.source.url)
    origin = text(catalog.source.title)
    out.append(
        f"Reading path {f'[{origin}]({link_target(source)})' if source else origin} by {text(catalog.source.author)}."
        f" Progress as of {_day(today)}."
    )
    out += [
        "",
        f"`{bar(overall.settled, overall.total)}` **{overall.percent:.0f}%**: {overall.settled} of {overall.total}"
        f" required resources done or skipped ({overall.done} done, {overall.skipped} skipped);"
        f" {duration(overall.minutes_done)} done, {duration(overall.minutes_left)} left.",
    ]
    extra = summary.optional_overall
    if extra.total:
        out += ["", f"Optional, not counted above: {extra.settled} of {extra.total} done or skipped;"
                    f" {duration(extra.minutes_done)} done, {duration(extra.minutes_left)} left."]
    if plan is not None:
        out += ["", "## Study plan", "", f"{text(plan.settings)}. {text(plan.pace)}"]
        if plan.weeks:
            count = len(plan.weeks)
            out += ["", f"The next {count} week{'s' if count != 1 else ''} of the plan:"]
        for monday, days in plan.weeks:
            out += ["", f"Week of {_day(monday)}:", ""]
            for day, readings in days:
                out.append(f"- {WEEKDAY_NAMES[day.weekday()][:3]} {_day(day)}: {'; '.join(text(r) for r in readings)}")
    if catalog.before is not None and summary.before is not None:
        before = summary.before
        out += [
            "",
            f"## {BEFORE_HEADING}",
            "",
            text(catalog.before.summary),
            "",
            f"{before.settled} of {before.total} done or skipped; {_left(before, duration)}. Never required.",
            "",
        ]
        out += [_resource(r, states.get(r.id, "not-started"), duration) for r in catalog.before.resources]
    optional_steps = summary.optional_steps or (Tally(),) * len(catalog.steps)
    for step, t, extra in zip(catalog.steps, summary.steps, optional_steps, strict=True):
        out += [
            "",
            f"## Step {step.number}: {text(step.title)}",
            "",
            text(step.summary),
            "",
            f"`{bar(t.settled, t.total)}` {t.settled} of {t.total} required done or skipped; {_left(t, duration)}",
        ]
        if extra.total:
            out += ["", f"Optional: {extra.settled} of {extra.total} done or skipped; {_left(extra, duration)}"]
        out.append("")
        out += [_resource(r, states.get(r.id, "not-started"), duration) for r in step.resources]
    out += ["", "---", "", "Made with dlpath."]
    return "\n".join(out) + "\n"


def _left(t: Tally, duration: Callable[[int], str]) -> str:
    return f"{duration(t.minutes_left)} left" if t.minutes_left else "complete"


def _resource(resource: Resource, state: str, duration: Callable[[int], str]) -> str:
    """One checklist line: ticked when done, struck through when skipped, its markers, its dated sentence."""
    title = text(resource.title)
    url = safe_url(resource.url)
    named = f"[{title}]({link_target(url)})" if url else title
    if state == "skipped":
        named = f"~~{named}~~"
    details = [resource.kind, duration(resource.minutes), *markers(resource)]
    line = f"- [{'x' if state == 'done' else ' '}] {resource.label} {named} ({', '.join(details)})"
    if state in ("in-progress", "skipped"):
        line += f" **{STATE_WORDS[state].lower()}**"
    dated = dated_note(resource)
    if dated:
        line += f"  \n  *Dated:* {text(dated)}"
    return line
