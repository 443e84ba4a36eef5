"""Study plans laid out by hand-computed dates, settings parsed with clear errors, and the pace message."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import pytest

from dlpath.plan.schedule import (
    PlanError,
    PlanItem,
    Settings,
    by_week,
    day_text,
    finish_date,
    finishes,
    lay_out,
    pace,
    pace_message,
    parse_days,
    parse_hours,
    parse_start,
    plan_items,
    session_minutes,
    short_day_text,
)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def items(*minutes: int) -> list[PlanItem]:
    return [PlanItem(f"r{i}", f"1.{i}", f"Reading {i}", m) for i, m in enumerate(minutes, start=1)]


def layout(sessions) -> list[tuple[str, list[tuple[str, int, int, int]]]]:
    return [(s.day.isoformat(), [(p.resource_id, p.minutes, p.part, p.parts) for p in s.pieces]) for s in sessions]


def test_five_hours_on_mon_wed_sat_gives_100_minute_sessions_and_long_readings_span_them():
    # 300 min / 3 days = 100 min a session. 2 March 2026 is a Monday.
    plan = lay_out(items(45, 45, 90, 30, 120), Settings(5, date(2026, 3, 2), (MON, WED, SAT)))
    assert layout(plan) == [
        ("2026-03-02", [("r1", 45, 1, 1), ("r2", 45, 1, 1), ("r3", 10, 1, 2)]),
        ("2026-03-04", [("r3", 80, 2, 2), ("r4", 20, 1, 2)]),
        ("2026-03-07", [("r4", 10, 2, 2), ("r5", 90, 1, 2)]),
        ("2026-03-09", [("r5", 30, 2, 2)]),
    ]
    assert finish_date(plan) == date(2026, 3, 9)
    assert finishes(plan) == {
        "r1": date(2026, 3, 2), "r2": date(2026, 3, 2), "r3": date(2026, 3, 4),
        "r4": date(2026, 3, 7), "r5": date(2026, 3, 9),
    }
    assert [(monday.isoformat(), len(group)) for monday, group in by_week(plan)] == [
        ("2026-03-02", 3), ("2026-03-09", 1)
    ]


def test_two_hours_every_day_from_a_wednesday():
    # 120 min / 7 days = 17 min, the remainder minute going to Monday (18). 4 March 2026 is a Wednesday.
    assert session_minutes(120, range(7)) == {MON: 18, TUE: 17, WED: 17, THU: 17, FRI: 17, SAT: 17, SUN: 17}
    plan = lay_out(items(60), Settings(2, date(2026, 3, 4), tuple(range(7))))
    assert layout(plan) == [
        ("2026-03-04", [("r1", 17, 1, 4)]),
        ("2026-03-05", [("r1", 17, 2, 4)]),
        ("2026-03-06", [("r1", 17, 3, 4)]),
        ("2026-03-07", [("r1", 9, 4, 4)]),
    ]


def test_weekends_only_from_a_thursday_waits_for_saturday_and_runs_into_the_next_week():
    # 1.5 h = 90 min over Saturday and Sunday: 45 each. 5 March 2026 is a Thursday.
    plan = lay_out(items(100), Settings(1.5, date(2026, 3, 5), (SAT, SUN)))
    assert [s.day for s in plan] == [date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 14)]
    assert [s.minutes for s in plan] == [45, 45, 10]
    assert finish_date(plan) == date(2026, 3, 14)


def test_remainder_minutes_go_to_the_earliest_days_and_the_week_adds_up():
    minutes = session_minutes(300, (MON, TUE, WED, THU, FRI, SAT, SUN))
    assert minutes == {MON: 43, TUE: 43, WED: 43, THU: 43, FRI: 43, SAT: 43, SUN: 42}
    assert sum(minutes.values()) == 300
    # a whole week of study reads exactly the week's minutes
    plan = lay_out(items(*[50] * 20), Settings(5, date(2026, 3, 2), tuple(range(7))))
    first_week = by_week(plan)[0][1]
    assert sum(s.minutes for s in first_week) == 300


def test_a_faster_pace_finishes_sooner_and_an_empty_plan_has_no_sessions():
    readings = items(60, 60, 60, 60)
    slow = lay_out(readings, Settings(1, date(2026, 3, 2), (MON, THU)))  # 30 min a session: 8 sessions
    fast = lay_out(readings, Settings(4, date(2026, 3, 2), (MON, THU)))  # 120 min: 2 sessions
    assert finish_date(slow) == date(2026, 3, 26)
    assert finish_date(fast) == date(2026, 3, 5)
    assert lay_out([], Settings(4, date(2026, 3, 2), (MON,))) == ()
    assert finish_date(()) is None


class FakeResource(NamedTuple):
    id: str
    label: str
    title: str
    minutes: int
    optional: bool = False


def test_plan_items_leave_out_settled_and_optional_resources_unless_asked():
    resources = [
        FakeResource("a", "1.1", "A", 10),
        FakeResource("b", "1.2", "B", 20),
        FakeResource("c", "1.3", "C", 30, optional=True),
        FakeResource("d", "1.4", "D", 40),
        FakeResource("e", "1.5", "E", 50),
    ]
    states = {"a": "done", "b": "skipped", "d": "in-progress"}
    assert [i.resource_id for i in plan_items(resources, states)] == ["d", "e"]
    assert [i.resource_id for i in plan_items(resources, states, with_optional=True)] == ["c", "d", "e"]
    assert plan_items(resources, states)[0] == PlanItem("d", "1.4", "D", 40)  # in progress: all its minutes


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon,wed,sat", (MON, WED, SAT)),
        ("Sat, Sunday", (SAT, SUN)),
        ("mon-fri", (MON, TUE, WED, THU, FRI)),
        ("sun,mon", (MON, SUN)),
        ("mon,mon", (MON,)),
    ],
)
def test_parse_days(text, days):
    assert parse_days(text) == days


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("mon,funday", "'funday' is not a day of the week"),
        ("", "'' is not a day of the week"),
        ("fri-mon", "runs backwards"),
    ],
)
def test_parse_days_refuses_what_is_not_a_weekday(text, message):
    with pytest.raises(PlanError, match=message):
        parse_days(text)


def test_parse_hours_and_start():
    assert parse_hours("5") == 5.0
    assert parse_hours("2,5") == 2.5
    for bad in ("0.2", "81", "nan", "inf", "-3"):
        with pytest.raises(PlanError, match="between 0.5 and 80"):
            parse_hours(bad)
    with pytest.raises(PlanError, match="expects a number of hours"):
        parse_hours("five")
    today = date(2026, 3, 4)
    assert parse_start("2026-03-10", today) == date(2026, 3, 10)
    assert parse_start("today", today) == today
    assert parse_start("Tomorrow", today) == date(2026, 3, 5)
    with pytest.raises(PlanError, match="YYYY-MM-DD"):
        parse_start("2026-02-30", today)


# --------------------------------------------------------------------------- pace

# 3 h a week on mon, wed, sat: 60 min a session from Monday 2 March 2026.
# r1 (45) ends Mon 2 March; r2 (120) ends Sat 7 March; r3 (30) ends Mon 9 March.
PACE_ITEMS = items(45, 120, 30)
PACE_SETTINGS = Settings(3, date(2026, 3, 2), (MON, WED, SAT))


def message(states: dict[str, str], today: date) -> str:
    return pace_message(pace(PACE_ITEMS, PACE_SETTINGS, states, today))


def test_behind_plan_counts_readings_due_before_today_and_projects_the_finish_from_today():
    # on Tuesday 10 March all three were due; only r1 is done. The other 150 min from Tuesday 10 March
    # at 60 a session: Wed 11 (60), Sat 14 (60), Mon 16 (30).
    p = pace(PACE_ITEMS, PACE_SETTINGS, {"r1": "done"}, date(2026, 3, 10))
    assert (p.due, p.settled, p.behind, p.ahead) == (3, 1, 2, 0)
    assert message({"r1": "done"}, date(2026, 3, 10)) == (
        "2 readings behind plan; on track to finish 16 March (planned: 9 March)."
    )


def test_ahead_of_plan_and_on_plan():
    # Tuesday 3 March: only r1 was due; r1 and r2 are done. r3 (30 min) fits on Wednesday 4 March.
    assert message({"r1": "done", "r2": "skipped"}, date(2026, 3, 3)) == (
        "1 reading ahead of plan; on track to finish 4 March (planned: 9 March)."
    )
    # Monday 2 March, nothing done yet: r1 is due tonight, not yet late.
    assert message({}, date(2026, 3, 2)) == "On plan; on track to finish 9 March."
    # Monday 2 March, r1 done: still on plan (it was due tonight)
    assert message({"r1": "done"}, date(2026, 3, 2)) == "On plan; on track to finish 9 March."


def test_before_the_plan_starts_and_once_it_is_complete():
    assert message({}, date(2026, 2, 25)) == "Your plan starts on Monday 2 March and finishes on 9 March."
    done = {"r1": "done", "r2": "done", "r3": "skipped"}
    assert message(done, date(2026, 3, 20)).startswith("Every reading in your plan is done or skipped")
    # a year away, the year is said
    assert message({}, date(2025, 12, 30)) == (
        "Your plan starts on Monday 2 March 2026 and finishes on 9 March 2026."
    )


def test_day_text():
    assert short_day_text(date(2026, 3, 14), date(2026, 1, 1)) == "Sat 14 Mar"
    assert short_day_text(date(2027, 1, 4), date(2026, 12, 30)) == "Mon 4 Jan 2027"
    assert day_text(date(2026, 3, 14), date(2026, 1, 1)) == "14 March"
    assert day_text(date(2027, 1, 2), date(2026, 12, 30)) == "2 January 2027"
    assert day_text(date(2027, 1, 2)) == "2 January 2027"
