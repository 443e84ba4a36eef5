"""The path as a Markdown checklist with progress, as GitHub renders it; catalogue text is escaped, never markup."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING

from dlpath.plan.schedule import WEEKDAY_NAMES, day_text
from dlpath.share import STATE_WORDS, SharedPlan, dated_note, safe_url

if TYPE_CHECKING:
    from dlpath.catalog import Catalog

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
    summary: object,
    *,
    today: date,
    plan: SharedPlan | None = None,
) -> str:
    """The whole page. ``summary`` has ``steps`` and ``overall`` tallies (``settled``, ``total``, ``percent``,
    ``done``, ``skipped``, ``minutes_done``, ``minutes_left``) as ``dlpath.progress.summarise`` makes them."""
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
        f" resources done or skipped ({overall.done} done, {overall.skipped} skipped);"
        f" {duration(overall.minutes_done)} done, {duration(overall.minutes_left)} left.",
    ]
    if plan is not None:
        out += ["", "## Study plan", "", f"{text(plan.settings)}. {text(plan.pace)}"]
        if plan.weeks:
            count = len(plan.weeks)
            out += ["", f"The next {count} week{'s' if count != 1 else ''} of the plan:"]
        for monday, days in plan.weeks:
            out += ["", f"Week of {_day(monday)}:", ""]
            for day, readings in days:
                out.append(f"- {WEEKDAY_NAMES[day.weekday()][:3]} {_day(day)}: {'; '.join(text(r) for r in readings)}")
    for step, t in zip(catalog.steps, summary.steps, strict=True):
        left = f"{duration(t.minutes_left)} left" if t.minutes_left else "complete"
        out += [
            "",
            f"## Step {step.number}: {text(step.title)}",
            "",
            text(step.summary),
            "",
            f"`{bar(t.settled, t.total)}` {t.settled} of {t.total} done or skipped; {left}",
            "",
        ]
        for resource in step.resources:
            state = states.get(resource.id, "not-started")
            title = text(resource.title)
            url = safe_url(resource.url)
            named = f"[{title}]({link_target(url)})" if url else title
            if state == "skipped":
                named = f"~~{named}~~"
            details = [resource.kind, duration(resource.minutes)]
            if resource.optional:
                details.append("optional")
            line = f"- [{'x' if state == 'done' else ' '}] {resource.label} {named} ({', '.join(details)})"
            if state in ("in-progress", "skipped"):
                line += f" **{STATE_WORDS[state].lower()}**"
            dated = dated_note(resource)
            if dated:
                line += f"  \n  *Dated:* {text(dated)}"
            out.append(line)
    out += ["", "---", "", "Made with dlpath."]
    return "\n".join(out) + "\n"
