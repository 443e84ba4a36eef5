"""The path and the learner's progress as one self-contained HTML page: no scripts, no external assets.

Every catalogue string goes through ``html.escape``; a Content-Security-Policy forbids scripts and
any fetch, so even a page edited by hand runs nothing. Light and dark follow the reader's system
(``prefers-color-scheme``), the layout is one column that reads on a phone, and print drops colours
and spells out each link's address. Each state is a word, never only a colour or a symbol.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from html import escape
from typing import TYPE_CHECKING

from dlpath.progress.summary import Tally
from dlpath.share import BEFORE_HEADING, STATE_WORDS, SharedPlan, dated_note, markers, safe_url

if TYPE_CHECKING:
    from dlpath.catalog import Catalog, Resource
    from dlpath.progress.summary import Summary

_STYLE = """
:root { color-scheme: light dark;
  --bg: #ffffff; --fg: #1b1b1b; --muted: #4f4f4f; --line: #d0d0d0; --link: #0b57d0; --bar: #1e6e3a;
  --track: #e3e3e3; --done-bg: #e6f4ea; --done-fg: #14532d; --doing-bg: #fff4d6; --doing-fg: #6b4500;
  --skip-bg: #ececec; --skip-fg: #3d3d3d; --todo-bg: #e8eefc; --todo-fg: #1f3a7a; --note-bg: #fdf0e6; }
@media (prefers-color-scheme: dark) { :root {
  --bg: #121212; --fg: #ececec; --muted: #b8b8b8; --line: #3a3a3a; --link: #8ab4f8; --bar: #5cc48a;
  --track: #333333; --done-bg: #163d26; --done-fg: #b9f0cc; --doing-bg: #4a3600; --doing-fg: #ffe08a;
  --skip-bg: #2e2e2e; --skip-fg: #d6d6d6; --todo-bg: #1d2a4a; --todo-fg: #c9d7ff; --note-bg: #3a2a1c; } }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 52rem; padding: 1rem; background: var(--bg); color: var(--fg);
  font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; overflow-wrap: anywhere; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0.5rem 0; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.25rem; border-top: 1px solid var(--line); padding-top: 1rem; }
a { color: var(--link); }
p { margin: 0.4rem 0; }
.muted { color: var(--muted); }
.meter { display: flex; align-items: center; gap: 0.6rem; flex-wrap: wrap; margin: 0.5rem 0; }
.bar { flex: 1 1 12rem; height: 0.8rem; background: var(--track); border-radius: 0.4rem; overflow: hidden;
  border: 1px solid var(--line); min-width: 8rem; }
.bar > span { display: block; height: 100%; background: var(--bar); }
ul.resources { list-style: none; padding: 0; margin: 0.5rem 0; }
ul.resources > li { padding: 0.6rem 0; border-bottom: 1px solid var(--line); break-inside: avoid; }
.state { display: inline-block; min-width: 6.5rem; padding: 0 0.4rem; border-radius: 0.3rem; font-weight: 600;
  font-size: 0.9rem; text-align: center; }
.done .state { background: var(--done-bg); color: var(--done-fg); }
.in-progress .state { background: var(--doing-bg); color: var(--doing-fg); }
.skipped .state { background: var(--skip-bg); color: var(--skip-fg); }
.not-started .state { background: var(--todo-bg); color: var(--todo-fg); }
.skipped .title { text-decoration: line-through; }
.title { font-weight: 600; }
.label { font-variant-numeric: tabular-nums; color: var(--muted); }
.details { color: var(--muted); font-size: 0.95rem; }
.marker { display: inline-block; border: 1px solid var(--muted); border-radius: 0.3rem; padding: 0 0.3rem;
  font-size: 0.85rem; margin-left: 0.3rem; }
.dated { background: var(--note-bg); padding: 0.3rem 0.5rem; border-radius: 0.3rem; margin-top: 0.3rem; }
table { border-collapse: collapse; width: 100%; }
td:first-child { white-space: nowrap; }
caption { text-align: left; }
th, td { text-align: left; vertical-align: top; padding: 0.3rem 0.5rem 0.3rem 0; border-bottom: 1px solid var(--line); }
footer { margin-top: 2rem; font-size: 0.9rem; }
@media print {
  :root { --bg: #fff; --fg: #000; --muted: #333; --link: #000; --line: #999; }
  body { max-width: none; font-size: 11pt; }
  .state { border: 1px solid #000; background: none !important; color: #000 !important; }
  .bar { border-color: #000; }
  .bar > span { background: #000; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  a[href^="http"]::after { content: " (" attr(href) ")"; font-weight: normal; font-size: 0.85em; }
  h2 { break-after: avoid; }
}
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _meter(settled: int, total: int, caption: str, label: str) -> str:
    """A progress bar drawn in CSS, with its numbers in words beside it (and for screen readers)."""
    percent = round(100 * settled / total) if total else 100
    return (
        f'<div class="meter"><div class="bar" role="progressbar" aria-label="{_e(label)}" aria-valuemin="0"'
        f' aria-valuemax="{total}" aria-valuenow="{settled}" aria-valuetext="{percent}%, {_e(caption)}">'
        f'<span style="width: {percent}%"></span></div><span>{percent}% · {_e(caption)}</span></div>'
    )


def render(
    catalog: Catalog,
    states: Mapping[str, str],
    summary: Summary,
    *,
    today: date,
    plan: SharedPlan | None = None,
) -> str:
    """The whole page; ``summary`` as for ``dlpath.share.markdown.render`` (required resources in the bars,
    optional ones and the prerequisite counted apart)."""
    from dlpath.plan.schedule import day_text, short_day_text
    from dlpath.views import duration

    overall = summary.overall
    title = f"Progress: {catalog.title}"
    source = safe_url(catalog.source.url)
    origin = _e(catalog.source.title)
    if source:
        origin = f'<a href="{_e(source)}">{origin}</a>'
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="color-scheme" content="light dark">',
        f"<title>{_e(title)}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="muted">Reading path {origin} by {_e(catalog.source.author)}.'
        f' Progress as of <time datetime="{today.isoformat()}">{_e(day_text(today))}</time>.</p>',
        _meter(
            overall.settled,
            overall.total,
            f"{overall.settled} of {overall.total} required resources done or skipped",
            "Overall progress (required resources)",
        ),
        f"<p>Required: {overall.done} done, {overall.skipped} skipped, {overall.total - overall.settled} to go;"
        f" {_e(duration(overall.minutes_done))} done, {_e(duration(overall.minutes_left))} left.</p>",
    ]
    extra = summary.optional_overall
    if extra.total:
        parts.append(f'<p class="optional-count">Optional, not counted above: {extra.settled} of {extra.total}'
                     f" done or skipped; {_e(duration(extra.minutes_done))} done,"
                     f" {_e(duration(extra.minutes_left))} left.</p>")
    parts += ["</header>", "<main>"]
    if plan is not None:
        parts += ['<section aria-labelledby="plan">', '<h2 id="plan">Study plan</h2>',
                  f"<p>{_e(plan.settings)}.</p>", f"<p><strong>{_e(plan.pace)}</strong></p>"]
        if plan.weeks:
            count = len(plan.weeks)
            parts.append(f'<table><caption class="muted">The next {count} week{"s" if count != 1 else ""}'
                         " of the plan</caption>"
                         '<thead><tr><th scope="col">Day</th><th scope="col">Read</th></tr></thead><tbody>')
            for _, days in plan.weeks:
                for day, readings in days:
                    cell = "<br>".join(_e(r) for r in readings)
                    parts.append(
                        f'<tr><td><time datetime="{day.isoformat()}">{_e(short_day_text(day, today))}'
                        f"</time></td><td>{cell}</td></tr>"
                    )
            parts.append("</tbody></table>")
        parts.append("</section>")
    if catalog.before is not None and summary.before is not None:
        before = summary.before
        parts += [
            '<section aria-labelledby="before-you-start">',
            f'<h2 id="before-you-start">{BEFORE_HEADING}</h2>',
            f'<p class="muted">{_e(catalog.before.summary)}</p>',
            f"<p>{before.settled} of {before.total} done or skipped; {_e(_left(before, duration))}."
            " Never required.</p>",
            '<ul class="resources">',
        ]
        for resource in catalog.before.resources:
            parts.append(_resource(resource, states.get(resource.id, "not-started"), duration))
        parts += ["</ul>", "</section>"]
    optional_steps = summary.optional_steps or (Tally(),) * len(catalog.steps)
    for step, t, extra in zip(catalog.steps, summary.steps, optional_steps, strict=True):
        heading = f"step-{step.number}"
        parts += [
            f'<section aria-labelledby="{heading}">',
            f'<h2 id="{heading}">Step {step.number}: {_e(step.title)}</h2>',
            f'<p class="muted">{_e(step.summary)}</p>',
            _meter(t.settled, t.total, f"{t.settled} of {t.total} required done or skipped, {_left(t, duration)}",
                   f"Step {step.number} progress (required resources)"),
        ]
        if extra.total:
            parts.append(f'<p class="optional-count">Optional: {extra.settled} of {extra.total} done or skipped,'
                         f" {_e(_left(extra, duration))}</p>")
        parts.append('<ul class="resources">')
        for resource in step.resources:
            parts.append(_resource(resource, states.get(resource.id, "not-started"), duration))
        parts += ["</ul>", "</section>"]
    parts += [
        "</main>",
        '<footer class="muted"><p>Made with dlpath. This page runs no scripts and loads nothing from'
        " elsewhere.</p></footer>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _left(t: Tally, duration: Callable[[int], str]) -> str:
    return f"{duration(t.minutes_left)} left" if t.minutes_left else "complete"


def _resource(resource: Resource, state: str, duration: Callable[[int], str]) -> str:
    """One resource: its state in words, label, linked title, markers (the dated one with its sentence as a
    tooltip, and in full below), kind, time and authors."""
    url = safe_url(resource.url)
    title = f'<span class="title">{_e(resource.title)}</span>'
    if url:
        title = f'<a class="title" href="{_e(url)}">{_e(resource.title)}</a>'
    dated = dated_note(resource)
    shown = ""
    for word in markers(resource):
        hint = f' title="{_e(dated)}"' if word == "dated" else ""
        shown += f'<span class="marker"{hint}>{_e(word[0].upper() + word[1:])}</span>'
    authors = ", ".join(resource.authors)
    line = [
        f'<li class="{state}" data-resource="{_e(resource.id)}" data-state="{state}">',
        f'<span class="state">{STATE_WORDS[state]}</span> <span class="label">{_e(resource.label)}</span> {title}'
        f"{shown}",
        f'<div class="details">{_e(resource.kind)} · {_e(duration(resource.minutes))}'
        f"{' · by ' + _e(authors) if authors else ''}</div>",
    ]
    if dated:
        line.append(f'<div class="dated"><strong>Dated:</strong> {_e(dated)}</div>')
    line.append("</li>")
    return "".join(line)
