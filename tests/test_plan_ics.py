"""The plan as iCalendar, read back with the icalendar library: events, dates, stable UIDs, cancellations."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar

from dlpath.plan.ics import event_uids, to_ical
from dlpath.plan.schedule import PlanItem, Settings, lay_out

ITEMS = [PlanItem("intro", "1.1", "Intro <b>&</b> more", 45), PlanItem("book", "1.2", "Book", 120)]
BY_ID = {i.resource_id: i for i in ITEMS}
URLS = {"intro": "https://example.org/intro", "book": "https://example.org/book"}
STAMP = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def export(settings: Settings, **kwargs) -> tuple[tuple, list]:
    sessions = lay_out(ITEMS, settings)
    data = to_ical(sessions, BY_ID, namespace="path", title="A path", urls=URLS, stamp=STAMP, **kwargs)
    return sessions, Calendar.from_ical(data).walk("VEVENT")


def test_every_piece_is_an_all_day_event_on_its_session_day():
    # 3 h a week on mon, wed, sat = 60 min a session from Monday 2 March 2026:
    # Mon 2: intro 45 + book 15; Wed 4: book 60; Sat 7: book 45.
    _, events = export(Settings(3, date(2026, 3, 2), (0, 2, 5)))
    seen = [(str(e["uid"]), e.decoded("dtstart"), e.decoded("dtend"), str(e["summary"])) for e in events]
    assert seen == [
        ("path.intro.part-1@dlpath", date(2026, 3, 2), date(2026, 3, 3), "1.1 Intro <b>&</b> more (45 min)"),
        ("path.book.part-1@dlpath", date(2026, 3, 2), date(2026, 3, 3), "1.2 Book (15 min, part 1 of 3)"),
        ("path.book.part-2@dlpath", date(2026, 3, 4), date(2026, 3, 5), "1.2 Book (60 min, part 2 of 3)"),
        ("path.book.part-3@dlpath", date(2026, 3, 7), date(2026, 3, 8), "1.2 Book (45 min, part 3 of 3)"),
    ]
    assert str(events[0]["url"]) == "https://example.org/intro"
    assert "about 45 min" in str(events[0]["description"])
    assert all(e.decoded("dtstamp") == STAMP for e in events)


def test_exporting_again_after_a_change_keeps_the_uids_and_cancels_what_went_away():
    first, events = export(Settings(3, date(2026, 3, 2), (0, 2, 5)), sequence=1)
    before = event_uids(first, "path")
    assert set(before) == {str(e["uid"]) for e in events}
    # a faster plan: 6 h a week = 120 min a session, so the book needs only two parts
    second = lay_out(ITEMS, Settings(6, date(2026, 3, 9), (0, 2, 5)))
    after = event_uids(second, "path")
    gone = {uid: day for uid, day in before.items() if uid not in after}
    data = to_ical(second, BY_ID, namespace="path", title="A path", urls=URLS, stamp=STAMP, sequence=2, cancelled=gone)
    events = Calendar.from_ical(data).walk("VEVENT")
    live = {str(e["uid"]): e.decoded("dtstart") for e in events if "STATUS" not in e}
    cancelled = {str(e["uid"]): e.decoded("dtstart") for e in events if str(e.get("STATUS")) == "CANCELLED"}
    assert live == {
        "path.intro.part-1@dlpath": date(2026, 3, 9),  # the same event, moved
        "path.book.part-1@dlpath": date(2026, 3, 9),
        "path.book.part-2@dlpath": date(2026, 3, 11),
    }
    assert cancelled == {"path.book.part-3@dlpath": date(2026, 3, 7)}
    assert {int(e["sequence"]) for e in events} == {2}
    assert len({str(e["uid"]) for e in events}) == len(events)  # no duplicates


def test_the_same_plan_exported_twice_is_the_same_calendar():
    settings = Settings(3, date(2026, 3, 2), (0, 2, 5))
    sessions = lay_out(ITEMS, settings)
    one = to_ical(sessions, BY_ID, namespace="path", title="A path", urls=URLS, stamp=STAMP)
    two = to_ical(sessions, BY_ID, namespace="path", title="A path", urls=URLS, stamp=STAMP)
    assert one == two
    assert one.startswith(b"BEGIN:VCALENDAR\r\n")
    assert max(len(line) for line in one.split(b"\r\n")) <= 75  # folded as RFC 5545 requires
    assert sessions[-1].day - sessions[0].day == timedelta(days=5)
