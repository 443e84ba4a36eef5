"""What `next` offers (the prerequisite once, never blocking) and totals with optional resources apart."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dlpath.catalog import load_catalog
from dlpath.progress import Entry, Snapshot, offer_next, summarise

EXTRAS = load_catalog(Path(__file__).parent / "fixtures" / "catalogs" / "with-extras.yaml")
MINIMAL = load_catalog(Path(__file__).parent / "fixtures" / "catalogs" / "minimal-valid.yaml")


def _offered(states: dict[str, str], catalog=EXTRAS) -> str | None:
    found = offer_next(catalog, states)
    return found.id if found else None


def test_the_prerequisite_is_offered_first_to_a_new_learner():
    assert _offered({}) == "before-reading"


def test_done_or_skipped_it_gives_way_to_step_1():
    assert _offered({"before-reading": "done"}) == "old-install"
    assert _offered({"before-reading": "skipped"}) == "old-install"
    assert _offered({"before-reading": "in-progress"}) == "before-reading"  # started: still the thing to finish


def test_a_learner_who_ignores_it_never_sees_it_again():
    assert _offered({"old-install": "done"}) == "classic-paper"
    assert _offered({"old-install": "not-started"}) == "old-install"  # a reset step: begun once, not offered
    everything = {r.id: "done" for r in EXTRAS.resources}
    assert _offered(everything) is None  # finished, though the prerequisite was never read: it never blocks


def test_a_catalogue_without_prerequisites_starts_at_1_1():
    assert _offered({}, MINIMAL) == "intro-video"


def _snapshot(states: dict[str, str]) -> Snapshot:
    entries = {rid: Entry(state, "2026-01-01T00:00:00.000000+00:00") for rid, state in states.items()}
    return Snapshot(entries, frozenset(), None, {})


def test_totals_count_optional_resources_apart():
    summary = summarise(EXTRAS, _snapshot({"old-install": "done", "modern-video": "done", "big-book": "skipped"}),
                        today=date(2026, 1, 2))
    first, second = summary.steps
    assert (first.total, first.done, first.minutes_done, first.minutes_left) == (2, 1, 30, 60)
    assert (second.total, second.minutes_left) == (1, 20)  # the 3,000-minute optional book is not "to go"
    assert (summary.overall.total, summary.overall.settled, summary.overall.minutes_left) == (3, 1, 80)
    optional = summary.optional_overall
    assert (optional.total, optional.done, optional.skipped, optional.minutes_left) == (3, 1, 1, 25)
    assert summary.before is not None and (summary.before.total, summary.before.minutes_left) == (1, 15)
    assert summary.orphaned == ()


def test_without_optional_resources_the_required_totals_do_not_change():
    states = {"old-install": "done", "modern-video": "done"}
    full = summarise(EXTRAS, _snapshot(states), today=date(2026, 1, 2))
    plain = summarise(EXTRAS.without_extras(), _snapshot(states), today=date(2026, 1, 2))
    assert plain.overall == full.overall
    assert plain.optional_overall.total == 1 and plain.optional_overall.minutes_left == 3000  # the book only
    assert plain.orphaned == ()  # progress on a hidden added resource is not "no longer in the catalogue"


def test_hiding_dated_installs_takes_them_out_of_time_left():
    catalog = EXTRAS.filtered(lambda r: not r.dated_install)
    summary = summarise(catalog, _snapshot({}), today=date(2026, 1, 2))
    assert summary.overall.total == 2 and summary.overall.minutes_left == 80  # 110 minutes with the install
    assert summarise(EXTRAS, _snapshot({}), today=date(2026, 1, 2)).overall.minutes_left == 110


def test_progress_on_a_resource_the_catalogue_dropped_is_orphaned():
    summary = summarise(EXTRAS, _snapshot({"gone-for-good": "done"}), today=date(2026, 1, 2))
    assert summary.orphaned == ("gone-for-good",)
