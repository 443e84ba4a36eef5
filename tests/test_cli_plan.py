"""``dlpath plan``, ``note``/``notes`` and ``share`` through the real Typer app, on a small fixture catalogue.

Dates are hand-computed from a start on the next Monday (the commands plan from today's date).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar
from typer.testing import CliRunner

from dlpath.cli import app

TWO_STEPS = Path(__file__).parent / "fixtures" / "progress" / "two-steps.yaml"
# intro-video 30 min, intro-paper 60, gradient-chapter 90, gradient-notes 20 (optional)

runner = CliRunner()


@pytest.fixture(autouse=True)
def fixture_catalog(monkeypatch):
    monkeypatch.setenv("DLPATH_CATALOG", str(TWO_STEPS))


@pytest.fixture(scope="module")
def built_command():
    """Typer rebuilds the whole click command on every invoke: build it once for these tests."""
    import typer.main

    return typer.main.get_command(app)


@pytest.fixture(autouse=True)
def reuse_built_command(monkeypatch, built_command):
    import typer.testing

    monkeypatch.setattr(typer.testing, "_get_command", lambda _app: built_command)


def run(*args: str, ok: bool = True):
    result = runner.invoke(app, list(args), prog_name="dlpath")
    if ok:
        assert result.exit_code == 0, result.output
    return result


def next_monday() -> date:
    today = date.today()
    return today + timedelta(days=7 - today.weekday())


def sessions(data: dict) -> list[tuple[str, list[tuple[str, int]]]]:
    return [(s["date"], [(r["id"], r["minutes"]) for r in s["readings"]]) for s in data["sessions"]]


def test_plan_lays_out_the_remaining_readings_at_two_paces_and_day_sets():
    monday = next_monday()
    day = lambda n: (monday + timedelta(days=n)).isoformat()  # noqa: E731
    # 2 h a week on mon and thu: 60 min a session
    data = json.loads(run("plan", "-H", "2", "--days", "mon,thu", "--start", monday.isoformat(), "--json").output)
    assert sessions(data) == [
        (day(0), [("intro-video", 30), ("intro-paper", 30)]),
        (day(3), [("intro-paper", 30), ("gradient-chapter", 30)]),
        (day(7), [("gradient-chapter", 60)]),
    ]
    assert data["finish"] == day(7)
    assert data["settings"]["minutes_per_session"] == {"mon": 60, "thu": 60}
    # 1.5 h a week on the weekend, optional readings too: 45 min a session, Saturday and Sunday
    run("done", "intro-video")
    data = json.loads(run("plan", "-H", "1.5", "--days", "sat,sun", "--start", monday.isoformat(), "--with-optional",
                          "--json").output)
    assert sessions(data) == [
        (day(5), [("intro-paper", 45)]),
        (day(6), [("intro-paper", 15), ("gradient-chapter", 30)]),
        (day(12), [("gradient-chapter", 45)]),
        (day(13), [("gradient-chapter", 15), ("gradient-notes", 20)]),
    ]
    # the text says the same, week by week
    text = run("plan").output
    assert "1 h 30 min a week on sat, sun (45 min a session, optional readings included)" in text
    assert "Your plan starts on Monday" in text
    assert f"Week of {monday.day} " in text and "finish on Sunday" in text


def test_next_and_the_dashboard_say_how_far_behind_plan_the_learner_is():
    from dlpath.paths import data_dir
    from dlpath.plan.saved import encode
    from dlpath.plan.schedule import PlanItem, Settings
    from dlpath.progress import Store, database_path

    # a plan that began two weeks ago, 3 h a week every day: everything was due days ago
    items = (PlanItem("intro-video", "1.1", "Intro", 30), PlanItem("intro-paper", "1.2", "Paper", 60),
             PlanItem("gradient-chapter", "2.1", "Chapter", 90))
    from dlpath.catalog import load_catalog
    from dlpath.progress.scope import scope_of

    scope = scope_of(load_catalog(TWO_STEPS))
    with Store.open(database_path(data_dir()), create=True, scope=scope) as store:
        store.save_plan(*encode(Settings(3, date.today() - timedelta(days=14), tuple(range(7))), items))
    run("done", "intro-video")
    shown = run("next").output
    assert "Plan: 2 readings behind plan; on track to finish " in shown
    data = json.loads(run("next", "--json").output)
    assert (data["plan"]["behind"], data["plan"]["ahead"], data["plan"]["settled"]) == (2, 0, 1)
    assert "2 readings behind plan" in run().output  # the dashboard
    run("done", "intro-paper", "gradient-chapter")
    assert "plan complete" in run("next").output


def test_plan_ics_round_trips_and_a_new_plan_updates_the_same_events(tmp_path):
    monday = next_monday()
    ics = tmp_path / "plan.ics"
    run("plan", "-H", "2", "--days", "mon,thu", "--start", monday.isoformat(), "--ics", str(ics))
    first = Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert [(e.decoded("dtstart"), str(e["summary"])) for e in first] == [
        (monday, "1.1 An Introductory Video (30 min)"),
        (monday, "1.2 The Founding Paper (30 min, part 1 of 2)"),
        (monday + timedelta(days=3), "1.2 The Founding Paper (30 min, part 2 of 2)"),
        (monday + timedelta(days=3), "2.1 Gradients Explained (30 min, part 1 of 2)"),
        (monday + timedelta(days=7), "2.1 Gradients Explained (60 min, part 2 of 2)"),
    ]
    before = {str(e["uid"]) for e in first}
    assert len(before) == 5
    # a faster plan: everything on the first Monday; the same UIDs for what stays, the rest cancelled
    run("plan", "-H", "6", "--days", "mon,thu", "--start", monday.isoformat(), "--ics", str(ics))
    second = Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    live = {str(e["uid"]): e.decoded("dtstart") for e in second if e.get("STATUS") is None}
    cancelled = {str(e["uid"]) for e in second if str(e.get("STATUS")) == "CANCELLED"}
    assert set(live.values()) == {monday}
    assert set(live) | cancelled == before and not set(live) & cancelled
    assert len(cancelled) == 2
    assert min(int(e["sequence"]) for e in second) >= max(int(e["sequence"]) for e in first)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan"], "You have no study plan yet"),
        (["plan", "-H", "0"], "error: --hours-per-week must be between 0.5 and 80 hours a week, got 0"),
        (["plan", "-H", "lots"], "error: --hours-per-week expects a number of hours"),
        (["plan", "-H", "5", "--days", "mon,someday"], "error: --days: 'someday' is not a day of the week"),
        (["plan", "-H", "5", "--start", "31/12/2026"], "error: --start expects a date as YYYY-MM-DD"),
        (["plan", "-H", "5", "--start", "2001-01-01"], "error: --start 2001-01-01 is in the past"),
        (["plan", "--days", "mon"], "error: give --hours-per-week H"),
        (["plan", "-H", "5", "--ics", "/no/such/folder/plan.ics"], "error: --ics /no/such/folder/plan.ics: the folder"),
    ],
)
def test_plan_refuses_bad_input_in_one_line(args, message, tmp_path):
    result = run(*args, ok=False)
    assert message in result.output
    if message.startswith("error:"):
        assert result.exit_code == 2
        assert result.output.count("\n") == 1
    from dlpath.paths import data_dir

    assert not (data_dir() / "progress.sqlite3").exists()  # nothing saved, nothing created


def test_plan_says_so_when_nothing_is_left():
    run("done", "intro-video", "intro-paper", "gradient-chapter")
    out = run("plan", "-H", "5").output
    assert "Nothing to plan: every reading is done or skipped (optional ones aside" in out
    assert "You have no study plan yet" in run("plan").output


# --------------------------------------------------------------------------- notes


def test_notes_are_shown_listed_and_survive_export_and_import(tmp_path, monkeypatch):
    run("note", "1.2", "-m", "Read section 2 twice.\nThe **key** figure is on page 3.")
    run("note", "gradient-chapter", "-m", "Derive it by hand.")
    shown = run("show", "1.2").output
    assert "Your note" in shown and "The **key** figure is on page 3." in shown
    assert json.loads(run("show", "1.2", "--json").output)["your_note"].startswith("Read section 2 twice.")
    listed = run("notes").output
    order = [listed.index(text) for text in ("1.2 The Founding Paper", "Read section 2", "2.1 Gradients Explained")]
    assert order == sorted(order)
    document = tmp_path / "notes.md"
    run("notes", "--markdown", str(document))
    text = document.read_text()
    assert text.index("## Step 1:") < text.index("### 1.2 [The Founding Paper]") < text.index("Read section 2 twice.")
    assert text.index("## Step 2:") < text.index("Derive it by hand.")

    exported = tmp_path / "progress.json"
    run("progress", "export", str(exported))
    assert {n["resource"] for n in json.loads(exported.read_text())["notes"]} == {"intro-paper", "gradient-chapter"}
    monkeypatch.setenv("DLPATH_HOME", str(tmp_path / "other-machine"))
    assert "No notes yet" in run("notes").output
    run("note", "1.2", "-m", "A newer note on the other machine.")  # newer than the export: it stays
    run("progress", "import", str(exported))
    notes = {n["id"]: n["text"] for n in json.loads(run("notes", "--json").output)}
    assert notes == {"intro-paper": "A newer note on the other machine.", "gradient-chapter": "Derive it by hand."}
    assert "Nothing new" in run("progress", "import", str(exported)).output  # idempotent


def test_note_refuses_what_it_cannot_use(monkeypatch):
    assert "error: no resource named 'nope'" in run("note", "nope", "-m", "x", ok=False).output
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    result = run("note", "1.1", ok=False)
    assert result.exit_code == 2 and "error: set EDITOR" in result.output
    monkeypatch.setenv("EDITOR", "false")
    assert "the note was not changed" in run("note", "1.1", ok=False).output


def test_note_opens_the_editor_on_the_current_note(monkeypatch, tmp_path):
    run("note", "1.1", "-m", "first")
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nprintf "%s\\nsecond\\n" "$(cat "$1")" > "$1"\n')
    editor.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(editor))
    run("note", "1.1")
    assert json.loads(run("show", "1.1", "--json").output)["your_note"] == "first\nsecond"


# --------------------------------------------------------------------------- share


def test_share_writes_markdown_and_html_with_the_plan(tmp_path):
    run("done", "intro-video")
    run("skip", "intro-paper")
    run("plan", "-H", "2", "--start", next_monday().isoformat())
    md, page = tmp_path / "progress.md", tmp_path / "progress.html"
    out = run("share", "--markdown", str(md), "--html", str(page)).output
    assert "Wrote" in out
    text = md.read_text()
    assert "- [x] 1.1 [An Introductory Video]" in text and "~~[The Founding Paper]" in text and "**skipped**" in text
    assert "## Study plan" in text and "Your plan starts on" in text
    html = page.read_text()
    assert '<li class="done" data-resource="intro-video"' in html
    assert '<li class="skipped" data-resource="intro-paper"' in html
    assert '<h2 id="plan">Study plan</h2>' in html


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["share"], "error: say what to write: --markdown FILE, --html FILE, or both"),
        (["share", "--html", "/no/such/folder/p.html"], "error: --html /no/such/folder/p.html: the folder"),
        (["share", "--markdown", "x.md", "--html", "x.md"], "error: --markdown and --html name the same file"),
    ],
)
def test_share_refuses_bad_output_in_one_line(args, message):
    result = run(*args, ok=False)
    assert result.exit_code == 2 and message in result.output and result.output.count("\n") == 1


def test_share_refuses_a_folder_before_writing_anything(tmp_path):
    md = tmp_path / "progress.md"
    result = run("share", "--markdown", str(md), "--html", str(tmp_path), ok=False)
    assert result.exit_code == 2 and "is a directory" in result.output
    assert not md.exists()


def test_a_damaged_saved_plan_is_named_and_never_stops_next():
    import sqlite3

    from dlpath.paths import data_dir

    run("plan", "-H", "2", "--start", next_monday().isoformat())
    conn = sqlite3.connect(data_dir() / "progress.sqlite3")
    conn.execute("UPDATE plans SET settings = '{\"hours_per_week\": \"many\"}'")
    conn.commit()
    conn.close()
    damaged = "the saved study plan is damaged; make a new one with 'dlpath plan --hours-per-week H'"
    shown = run("next").output
    assert "Next:" in shown and f"Plan: {damaged}" in shown
    assert json.loads(run("next", "--json").output)["plan"] == {"error": damaged}
    result = run("plan", ok=False)
    assert result.exit_code == 2 and result.output == f"error: {damaged}\n"
    run("plan", "-H", "3")  # a new plan replaces it
    assert "Plan: On plan" in run("next").output


def test_notes_and_plans_belong_to_their_catalogue(monkeypatch, fixtures):
    run("note", "1.1", "-m", "on the fixture path")
    run("plan", "-H", "2", "--start", next_monday().isoformat())
    monkeypatch.setenv("DLPATH_CATALOG", str(fixtures / "catalogs" / "minimal-valid.yaml"))
    assert "No notes yet" in run("notes").output
    assert "You have no study plan yet" in run("plan").output
    assert "Plan:" not in run("next").output
    monkeypatch.setenv("DLPATH_CATALOG", str(TWO_STEPS))
    assert "on the fixture path" in run("notes").output
    assert "Your plan starts on" in run("plan").output


def test_recovering_a_damaged_database_keeps_notes_and_plans(tmp_path):
    from dlpath.paths import data_dir
    from dlpath.progress.recover import recover

    run("note", "1.1", "-m", "kept through recovery")
    run("plan", "-H", "2", "--start", next_monday().isoformat())
    result = recover(data_dir() / "progress.sqlite3")
    assert result.copied["notes"] == 1 and result.copied["plans"] == 1 and not result.unreadable
    assert "kept through recovery" in run("notes").output
    assert "Your plan starts on" in run("plan").output


def test_a_new_plan_keeps_what_the_options_leave_out():
    monday = next_monday().isoformat()
    run("plan", "-H", "2", "--days", "mon,thu", "--start", monday, "--with-optional")
    data = json.loads(run("plan", "-H", "3", "--start", monday, "--json").output)
    assert data["settings"]["days"] == ["mon", "thu"] and data["settings"]["with_optional"] is True
    assert "gradient-notes" in {r["id"] for s in data["sessions"] for r in s["readings"]}
    data = json.loads(run("plan", "--without-optional", "--start", monday, "--json").output)
    assert data["settings"]["hours_per_week"] == 3 and data["settings"]["with_optional"] is False
    assert "gradient-notes" not in {r["id"] for s in data["sessions"] for r in s["readings"]}


def test_the_plan_takes_required_readings_and_the_prerequisite_and_extras_only_with_optional(
    monkeypatch, fixtures, tmp_path
):
    monkeypatch.setenv("DLPATH_CATALOG", str(fixtures / "catalogs" / "with-extras.yaml"))
    start = next_monday().isoformat()
    planned = lambda data: [rid for _, readings in sessions(data) for rid, _ in readings]  # noqa: E731
    data = json.loads(run("plan", "-H", "80", "--days", "mon", "--start", start, "--json").output)
    # required only: no prerequisite, no optional or added reading, the dated install guide is still required
    assert list(dict.fromkeys(planned(data))) == ["old-install", "classic-paper", "guessed-post"]
    data = json.loads(run("plan", "-H", "80", "--days", "mon", "--start", start, "--with-optional", "--json").output)
    assert list(dict.fromkeys(planned(data))) == [
        "before-reading", "old-install", "classic-paper", "modern-video", "guessed-post", "big-book", "modern-blog",
    ]
    # in the calendar, the prerequisite's event links to it like every other reading's
    ics = tmp_path / "plan.ics"
    run("plan", "--ics", str(ics))
    first = Calendar.from_ical(ics.read_bytes()).walk("VEVENT")[0]
    assert str(first["summary"]).startswith("0.1 Before Reading (")
    assert str(first.get("url")) == "https://example.org/before"


@pytest.mark.parametrize(
    "args",
    [
        ["share", "--markdown", "{link}"],
        ["share", "--html", "{link}"],
        ["notes", "--markdown", "{link}"],
        ["plan", "--hours-per-week", "5", "--ics", "{link}"],
    ],
)
def test_outputs_through_a_symlink_replace_its_target_and_keep_the_link(tmp_path: Path, args: list[str]):
    target = tmp_path / "real.out"
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.out"
    link.symlink_to(target)
    run(*[a.replace("{link}", str(link)) for a in args])
    assert link.is_symlink() and link.resolve() == target
    assert target.read_text(encoding="utf-8") != "old\n"
