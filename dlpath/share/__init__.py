"""Shareable progress pages: ``markdown`` (a GitHub checklist) and ``html`` (one self-contained page).

Both are pure functions of the catalogue, each resource's state, the progress summary (per-step and
overall tallies) and, when the learner has one, their plan; every catalogue string is escaped.
As in the terminal views, progress and time count the required resources; the optional ones (extra
reading, what dlpath added) are counted apart, and the prerequisite is its own optional section,
"Before you start (optional)".
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

BEFORE_HEADING = "Before you start (optional)"
STATE_WORDS = {"not-started": "To do", "in-progress": "In progress", "done": "Done", "skipped": "Skipped"}


class SharedPlan(NamedTuple):
    """The plan as a page shows it: its settings in words, the pace line, and the weeks still ahead."""

    settings: str  # e.g. "5 h a week on mon, wed, sat, from 2 March 2026"
    pace: str  # e.g. "2 readings behind plan; on track to finish 14 March."
    weeks: tuple[tuple[date, tuple[tuple[date, tuple[str, ...]], ...]], ...]  # Monday, (day, readings)


def safe_url(url: str | None) -> str | None:
    """The URL if it is http(s), else None: a page never links anything else (no ``javascript:``)."""
    if not url:
        return None
    scheme = url.split(":", 1)[0].lower()
    return url if scheme in ("http", "https") else None


def dated_note(resource: object) -> str | None:
    """The resource's ``dated`` sentence (what has aged), if the catalogue gives one."""
    value = getattr(resource, "dated", None)
    return value if isinstance(value, str) and value.strip() else None


def markers(resource: object) -> tuple[str, ...]:
    """The words that set a resource apart, in this order: ``optional``, ``added by dlpath``, ``dated``."""
    words = []
    if getattr(resource, "optional", False):
        words.append("optional")
    if getattr(resource, "added", False):
        words.append("added by dlpath")
    if dated_note(resource):
        words.append("dated")
    return tuple(words)
