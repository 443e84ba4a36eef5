"""The learner's plan as the progress store keeps it: settings and items as JSON, and what they mean again.

The store keeps the plan's settings and the resources it laid out (with their minutes at the time), not
its sessions: sessions follow from them (``schedule.lay_out``), so what ``dlpath plan`` printed, the
pace that ``next`` reports and the calendar file always agree.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from dlpath.errors import StoreError
from dlpath.plan.schedule import Pace, PlanItem, Settings, pace, pace_message

if TYPE_CHECKING:
    from dlpath.catalog import Catalog
    from dlpath.progress import Store
    from dlpath.progress.records import StoredPlan


class SavedPlan(NamedTuple):
    """The learner's plan: its revision, when it was made, settings, items, and the calendar events last
    exported (UID -> day)."""

    revision: int
    created_at: str
    settings: Settings
    items: tuple[PlanItem, ...]
    exported: dict[str, date]


def encode(settings: Settings, items: tuple[PlanItem, ...]) -> tuple[str, str]:
    """The JSON texts the store keeps for a plan: settings, and items."""
    settings_text = json.dumps(
        {
            "hours_per_week": settings.hours_per_week,
            "start": settings.start.isoformat(),
            "days": list(settings.days),
            "with_optional": settings.with_optional,
        }
    )
    items_text = json.dumps([list(item) for item in items], ensure_ascii=False)
    return settings_text, items_text


def encode_exported(exported: dict[str, date]) -> str:
    """Calendar events written (UID -> day) as the store keeps them."""
    return json.dumps({uid: day.isoformat() for uid, day in sorted(exported.items())})


def decode(stored: StoredPlan) -> SavedPlan:
    """The plan the store holds; StoreError if its JSON is not what dlpath writes."""
    try:
        raw: dict[str, Any] = json.loads(stored.settings)
        settings = Settings(
            float(raw["hours_per_week"]),
            date.fromisoformat(raw["start"]),
            tuple(int(d) for d in raw["days"]),
            bool(raw["with_optional"]),
        )
        items = tuple(
            PlanItem(str(i), str(label), str(title), int(m)) for i, label, title, m in json.loads(stored.items)
        )
        exported = {str(uid): date.fromisoformat(day) for uid, day in json.loads(stored.exported or "{}").items()}
        if not settings.days or any(not 0 <= d <= 6 for d in settings.days) or settings.minutes_per_week <= 0:
            raise ValueError("settings out of range")
    except (ValueError, KeyError, TypeError, AttributeError):
        raise StoreError(
            "the saved study plan is damaged; make a new one with 'dlpath plan --hours-per-week H'"
        ) from None
    return SavedPlan(stored.revision, stored.created_at, settings, items, exported)


def load(store: Store) -> SavedPlan | None:
    """The learner's plan from the store, or None when they have not made one."""
    stored = store.plan()
    return decode(stored) if stored is not None else None


def status(saved: SavedPlan, states: Mapping[str, str], today: date) -> tuple[Pace, str]:
    """The saved plan's pace on ``today`` and the sentence that says it (``plan``, ``next``, the dashboard)."""
    found = pace(saved.items, saved.settings, states, today)
    return found, pace_message(found)


def pace_of(stored: StoredPlan | None, states: Mapping[str, str], today: date) -> tuple[Pace, str] | None:
    """``status`` of a stored plan, or None without one (for the commands that only mention the plan)."""
    return status(decode(stored), states, today) if stored is not None else None


def namespace(catalog: Catalog) -> str:
    """A short, stable name for the catalogue's identity (the key its progress is kept under), so that the
    calendar UIDs of two reading paths never collide and a moved catalogue keeps its events."""
    import zlib

    from dlpath.progress.scope import scope_of

    return f"{zlib.crc32(scope_of(catalog).key.encode()):08x}"
