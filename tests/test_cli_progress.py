"""Progress commands through the real Typer app: next, start/done/skip, undo, reset, status, history,
progress export/import and the dashboard, on the small fixture catalogues in fixtures/progress/."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlpath.cli import app

FIXTURES = Path(__file__).parent / "fixtures" / "progress"
TWO_STEPS = FIXTURES / "two-steps.yaml"
REORDERED = FIXTURES / "reordered.yaml"

runner = CliRunner()


@pytest.fixture(autouse=True)
def fixture_catalog(monkeypatch):
    monkeypatch.setenv("DLPATH_CATALOG", str(TWO_STEPS))


@pytest.fixture(scope="module")
def built_command():
    """Typer rebuilds the whole click command on every invoke; these tests run ~150 commands, so build it once."""
    import typer.main

    return typer.main.get_command(app)


@pytest.fixture(autouse=True)
def reuse_built_command(monkeypatch, built_command):
    import typer.testing

    monkeypatch.setattr(typer.testing, "_get_command", lambda _app: built_command)


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def ok(*args: str, input: str | None = None) -> str:
    result = run(*args, input=input)
    assert result.exit_code == 0, result.output
    return result.output


def states() -> dict[str, str]:
    return {r["id"]: r["state"] for r in json.loads(ok("status", "--json"))["resources"]}


def no_database(home: Path) -> bool:
    return not any(p.name.startswith("progress.sqlite3") for p in home.iterdir()) if home.exists() else True


# --------------------------------------------------------------------------- next


def test_next_on_a_fresh_start_shows_the_first_resource_and_writes_nothing(dlpath_home):
    out = ok("next")
    assert "Next: step 1 of 2, First Steps" in out
    assert "Start here with a video and a paper." in out  # the step summary
    assert "An Introductory Video" in out and "1.1" in out and "intro-video" in out
    assert "Ada Lovelace" in out and "video, about 30 min" in out and "https://example.org/video" in out
    assert "0 of 4 resources done or skipped (0%)" in out
    assert no_database(dlpath_home)


def test_next_shows_the_note_and_an_in_progress_start(dlpath_home):
    ok("done", "1.1")
    ok("skip", "1.2")
    ok("start")
    out = ok("next")
    assert "Gradients Explained" in out and "Read it with pencil and paper." in out
    assert "You started this on" in out
    assert "2 of 4 resources done or skipped (50%)" in out and "step 2: 0 of 2" in out


def test_next_json(dlpath_home):
    ok("done", "intro-video")
    data = json.loads(ok("next", "--json"))
    assert data["finished"] is False
    assert data["next"]["id"] == "intro-paper" and data["next"]["state"] == "not-started"
    assert data["next"]["open_url"] == "https://example.org/dead-paper"
    assert data["step"]["number"] == 1 and data["step"]["title"] == "First Steps"
    assert data["progress"]["done"] == 1 and data["progress"]["resources"] == 4


def test_when_everything_is_done_next_says_so_and_suggests_the_exercises(dlpath_home):
    ok("done", "1.1", "1.2", "2.1")
    out = ok("skip")
    assert "every resource" in out and "dlpath exercise" in out
    out = ok("next")
    assert "every resource of Fixture Path" in out and "dlpath exercise backprop" in out
    data = json.loads(ok("next", "--json"))
    assert data["finished"] is True and data["next"] is None
    result = run("done")
    assert result.exit_code == 2 and "nothing is next to mark done: name one (e.g. 'dlpath done 1.1')" in result.output


@pytest.fixture
def last_check(monkeypatch):
    """Stand in for dlpath.links.last_run: set ``.verdicts`` (url -> verdict) and ``.archives`` (url -> copy)."""
    import dlpath.links

    fake = types.ModuleType("dlpath.links.last_run")
    fake.verdicts, fake.archives = {}, {}
    fake.last_check_of = lambda url: (fake.verdicts.get(url), fake.archives.get(url))
    monkeypatch.setitem(sys.modules, "dlpath.links.last_run", fake)
    monkeypatch.setattr(dlpath.links, "last_run", fake, raising=False)
    return fake


@pytest.mark.parametrize("verdict", ["broken", "timeout"])
def test_next_shows_the_archived_copy_when_the_last_check_found_the_link_dead(last_check, verdict):
    ok("done", "1.1")
    last_check.verdicts["https://example.org/dead-paper"] = verdict
    out = ok("next")
    assert "https://web.archive.org/web/2016/https://example.org/dead-paper" in out
    assert f"last check: {verdict}" in out
    data = json.loads(ok("next", "--json"))
    assert data["next"]["link_verdict"] == verdict
    assert data["next"]["open_url"].startswith("https://web.archive.org/")


def test_a_link_that_was_fine_is_not_replaced_by_its_archive(last_check):
    ok("done", "1.1")
    last_check.verdicts["https://example.org/dead-paper"] = "ok"
    assert "last check" not in ok("next")
    assert json.loads(ok("next", "--json"))["next"]["open_url"] == "https://example.org/dead-paper"


def test_a_dead_link_without_a_catalogue_archive_uses_a_snapshot_the_check_found(last_check):
    last_check.verdicts["https://example.org/video"] = "broken"
    out = ok("next")
    assert "found this link broken, and no archived copy is known" in out
    assert json.loads(ok("next", "--json"))["next"]["open_url"] == "https://example.org/video"
    last_check.archives["https://example.org/video"] = "https://web.archive.org/web/2019/https://example.org/video"
    out = ok("next")
    assert "https://web.archive.org/web/2019/https://example.org/video" in out and "last check: broken" in out
    assert json.loads(ok("next", "--json"))["next"]["open_url"].startswith("https://web.archive.org/web/2019/")


def test_next_reads_the_real_last_link_check(dlpath_home):
    from dlpath.links.last_run import save_last_run

    ok("done", "1.1")
    save_last_run({"https://example.org/dead-paper": {"verdict": "broken"}})
    out = ok("next")
    assert "https://web.archive.org/web/2016/https://example.org/dead-paper" in out and "last check: broken" in out
    save_last_run({"https://example.org/dead-paper": {"verdict": "ok"}})
    assert "last check" not in ok("next")


def test_a_damaged_last_link_check_file_does_not_stop_next(dlpath_home):
    from dlpath.links.last_run import last_run_path

    ok("done", "1.1")
    last_run_path().write_text("{ not json")
    assert "The Founding Paper" in ok("next")


def test_next_open_opens_the_url_or_the_archive(monkeypatch, last_check):
    import webbrowser

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or True)
    ok("next", "--open")
    ok("done")
    last_check.verdicts["https://example.org/dead-paper"] = "broken"
    ok("next", "--open")
    assert opened == ["https://example.org/video", "https://web.archive.org/web/2016/https://example.org/dead-paper"]


def test_next_open_without_a_browser_prints_the_link(monkeypatch):
    import webbrowser

    monkeypatch.setattr(webbrowser, "open", lambda url: False)
    result = run("next", "--open")
    assert result.exit_code == 0
    assert "Could not start a web browser" in result.output and "https://example.org/video" in result.output


# --------------------------------------------------------------------------- start / done / skip


def test_done_without_argument_marks_what_next_shows_and_moves_on():
    out = ok("done")
    assert "Done: 1.1 An Introductory Video" in out and "Next: 1.2 The Founding Paper" in out
    assert "Next: step 1 of 2" in ok("next") and "The Founding Paper" in ok("next")


@pytest.mark.parametrize("name", ["gradient-chapter", "gradient-c", "2.1", " 2.1 "])
def test_resources_are_named_by_id_prefix_or_step_dot_n(name):
    ok("done", name)
    assert states()["gradient-chapter"] == "done"


def test_start_done_skip_set_the_states_and_repeat_is_harmless():
    ok("start", "1.1")
    ok("skip", "1.2")
    ok("done", "2.2")
    assert states() == {
        "intro-video": "in-progress",
        "intro-paper": "skipped",
        "gradient-chapter": "not-started",
        "gradient-notes": "done",
    }
    assert "was already done" in ok("done", "2.2")
    assert "1 of 1" not in ok("history")  # just a smoke check that history renders
    assert len(json.loads(ok("history", "--json"))) == 3  # the repeat recorded nothing


def test_finishing_a_step_says_so():
    assert "Step 1 (First Steps) is complete." not in ok("done", "1.1")
    assert "Step 1 (First Steps) is complete." in ok("skip", "1.2")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("gradient-chaptr", "did you mean gradient-chapter"),
        ("intro", "'intro' is ambiguous: it starts 2 resource ids (intro-video, intro-paper)"),
        ("3.1", "there is no step 3"),
        ("1.9", "step 1 has 2 resources"),
    ],
)
def test_unknown_or_ambiguous_names_exit_2_with_suggestions_and_write_nothing(dlpath_home, name, expected):
    for command in ("done", "start", "skip", "reset"):
        result = run(command, name)
        assert result.exit_code == 2
        assert expected in result.output and "Traceback" not in result.output
    assert no_database(dlpath_home)


# --------------------------------------------------------------------------- undo / reset


def test_undo_reverts_the_last_change_repeatedly():
    ok("start", "1.1")
    ok("done", "1.1")
    ok("done", "1.2", "2.1")
    out = ok("undo")
    assert "Undid done of 2 resources" in out and "2.1 Gradients Explained: back to not-started" in out
    assert states()["intro-paper"] == "not-started" and states()["intro-video"] == "done"
    assert "back to in-progress" in ok("undo")
    assert "back to not-started" in ok("undo")
    assert "Nothing to undo." in ok("undo")
    assert set(states().values()) == {"not-started"}


def test_undo_with_no_database_creates_none(dlpath_home):
    assert "Nothing to undo." in ok("undo")
    assert no_database(dlpath_home)


def test_reset_a_resource_and_a_step_and_undo_it():
    ok("done", "1.1", "1.2", "2.1")
    assert "Reset: 1.1 An Introductory Video is not started again." in ok("reset", "1.1")
    assert "Reset step 2: 1 resource not started again." in ok("reset", "--step", "2")
    assert states() == dict.fromkeys(["intro-video", "gradient-chapter", "gradient-notes"], "not-started") | {
        "intro-paper": "done"
    }
    ok("undo")
    assert states()["gradient-chapter"] == "done"
    assert "Nothing to reset" in ok("reset", "--step", "getting-technical", "--yes") or True


def test_reset_all_needs_confirmation(dlpath_home):
    ok("done", "1.1", "1.2")
    refused = run("reset", "--all", input="n\n")
    assert refused.exit_code == 1 and "nothing was reset" in refused.output
    no_answer = run("reset", "--all", input="")
    assert no_answer.exit_code == 1
    assert states()["intro-video"] == "done"
    assert "Reset all: 2 resources" in ok("reset", "--all", input="y\n")
    assert set(states().values()) == {"not-started"}
    ok("undo")
    ok("reset", "--all", "--yes")
    assert set(states().values()) == {"not-started"}


@pytest.mark.parametrize("args", [[], ["1.1", "--all"], ["--step", "1", "--all"]])
def test_reset_needs_exactly_one_target(args):
    result = run("reset", *args)
    assert result.exit_code == 2 and "exactly one" in result.output


# --------------------------------------------------------------------------- status, dashboard, history


def test_status_text_shows_steps_overall_time_and_streak():
    ok("done", "1.1", "2.1")
    ok("skip", "1.2")
    out = ok("status")
    assert "First Steps" in out and "2/2 (1 skipped)" in out and "complete" in out
    assert "75%" in out and "3 of 4 resources (2 done, 1 skipped)" in out
    assert "2 h done, 20 min left" in out
    assert "Streak         1 day" in out and "just now" in out


def test_status_json_gives_each_resource_state_and_the_totals():
    ok("start", "1.1")
    ok("done", "2.1")
    ok("skip", "2.2")
    data = json.loads(ok("status", "--json"))
    assert [(r["id"], r["state"]) for r in data["resources"]] == [
        ("intro-video", "in-progress"),
        ("intro-paper", "not-started"),
        ("gradient-chapter", "done"),
        ("gradient-notes", "skipped"),
    ]
    totals = data["totals"]
    assert totals == {
        "resources": 4,
        "done": 1,
        "skipped": 1,
        "in_progress": 1,
        "not_started": 1,
        "percent": 50.0,
        "minutes_done": 90,
        "minutes_left": 90,
    }
    assert data["streak_days"] == 1 and data["last_activity"]
    assert data["orphaned"] == {"count": 0, "ids": []}
    assert [s["done"] for s in data["steps"]] == [0, 1]


def test_status_on_a_fresh_start_writes_nothing(dlpath_home):
    data = json.loads(ok("status", "--json"))
    assert data["totals"]["percent"] == 0 and data["streak_days"] == 0 and data["last_activity"] is None
    assert "none yet" in ok("status")
    assert no_database(dlpath_home)


def test_status_shows_exercises():
    from dlpath.progress import record_exercise

    record_exercise("backprop", "run")
    record_exercise("backprop", "run")
    record_exercise("backprop", "hint")
    record_exercise("sigmoid", "passed")
    out = ok("status")
    assert "Exercises" in out and "backprop" in out and "not yet" in out and "sigmoid" in out
    data = json.loads(ok("status", "--json"))["exercises"]
    assert data["backprop"]["runs"] == 2 and data["backprop"]["hints"] == 1 and data["sigmoid"]["passed"] == 1


def test_reordering_the_catalogue_keeps_progress_and_counts_orphans(monkeypatch):
    ok("done", "intro-video", "intro-paper", "gradient-notes")
    monkeypatch.setenv("DLPATH_CATALOG", str(REORDERED))
    data = json.loads(ok("status", "--json"))
    assert {r["id"]: r["state"] for r in data["resources"]} == {
        "gradient-notes": "done",
        "new-tutorial": "not-started",  # new resources simply appear
        "gradient-chapter": "not-started",
        "intro-paper": "done",
    }
    assert data["orphaned"] == {"count": 1, "ids": ["intro-video"]}
    assert "1 progress entry is for resources no longer in the catalogue" in ok("status")
    assert "A New Tutorial" in ok("next")  # first not done in the new order
    history = ok("history")
    assert "intro-video (not in the catalogue)" in history
    monkeypatch.setenv("DLPATH_CATALOG", str(TWO_STEPS))
    assert states()["intro-video"] == "done"  # and nothing was lost


def test_dashboard_is_the_status_summary_and_what_is_next(dlpath_home):
    out = ok()
    assert "Fixture Path" in out and "Overall" in out and "Next: 1.1 An Introductory Video" in out
    assert "Usage" not in out
    assert no_database(dlpath_home)
    ok("done", "1.1")
    assert "Next: 1.2 The Founding Paper" in ok() and "25%" in ok()


def test_history_lists_recent_events_newest_first_with_limit():
    assert "No progress recorded yet" in ok("history")
    ok("start", "1.1")
    ok("done", "1.1")
    ok("undo")
    out = ok("history")
    lines = [line for line in out.splitlines() if "1.1 An Introductory Video" in line]
    assert len(lines) == 3
    assert "undo" in lines[0] and "done -> in-progress" in lines[0]
    assert "in-progress -> done" in lines[1] and "not-started -> in-progress" in lines[2]
    assert len(json.loads(ok("history", "--limit", "2", "--json"))) == 2
    assert run("history", "--limit", "0").exit_code == 2


# --------------------------------------------------------------------------- export / import


def test_export_import_round_trip_between_machines_and_idempotent(tmp_path, monkeypatch):
    ok("start", "1.1")
    ok("done", "2.1")
    from dlpath.progress import record_exercise

    record_exercise("sigmoid", "hint")
    export_file = tmp_path / "progress.json"
    assert "Exported 2 resources" in ok("progress", "export", str(export_file))
    printed = json.loads(ok("progress", "export"))
    assert printed["resources"] == json.loads(export_file.read_text())["resources"]
    before = json.loads(ok("status", "--json"))["resources"]

    monkeypatch.setenv("DLPATH_HOME", str(tmp_path / "new-machine"))
    out = ok("progress", "import", str(export_file))
    assert "2 resource states changed" in out and "1 exercise event" in out
    assert json.loads(ok("status", "--json"))["resources"] == before
    assert "Nothing new" in ok("progress", "import", str(export_file))
    assert len(json.loads(ok("history", "--json"))) == 2
    assert json.loads(ok("status", "--json"))["exercises"]["sigmoid"]["hints"] == 1


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "is not valid JSON (line 1, column 2"),
        ('{"format": "dlpath-progress", "version": 1, "resources": [{"id": "a"}]}', "resources[0].state"),
        ("[1, 2, 3]", "expected a JSON object"),
        ("", "is not valid JSON"),
    ],
)
def test_a_malformed_import_file_is_a_clear_error_and_changes_nothing(tmp_path, dlpath_home, content, expected):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = run("progress", "import", str(bad))
    assert result.exit_code == 2 and expected in result.output and "Traceback" not in result.output
    assert no_database(dlpath_home)
    ok("done", "1.1")
    before = ok("progress", "export").split('"events"')[1]
    assert run("progress", "import", str(bad)).exit_code == 2
    assert ok("progress", "export").split('"events"')[1] == before


def test_import_of_a_missing_file_is_a_clear_error(tmp_path):
    result = run("progress", "import", str(tmp_path / "nope.json"))
    assert result.exit_code == 2 and "not found" in result.output and "nope.json" in result.output


# --------------------------------------------------------------------------- real processes


def dlpath(*args: str, home: Path, **kwargs) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "DLPATH_HOME": str(home), "DLPATH_CATALOG": str(TWO_STEPS), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "dlpath", *args], env=env, capture_output=True, text=True, timeout=60, **kwargs
    )


def test_next_in_a_process_imports_neither_numpy_nor_requests_nor_rich(dlpath_home):
    from dlpath.links.last_run import save_last_run

    ok("done", "1.1")  # so that next is a resource with an archived copy, and a dead link
    save_last_run({"https://example.org/dead-paper": {"verdict": "broken"}})
    probe = (
        "import sys\n"
        "sys.argv = ['dlpath', 'next']\n"
        "from dlpath.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'requests', 'urllib3', 'rich'))\n"
        "print('HEAVY', heavy)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "DLPATH_HOME": str(dlpath_home), "DLPATH_CATALOG": str(TWO_STEPS)}
    result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "The Founding Paper" in result.stdout and "web.archive.org" in result.stdout
    assert "HEAVY []" in result.stdout


def test_eight_dlpath_processes_marking_different_resources_at_once_lose_nothing(dlpath_home):
    env = {
        "PATH": "/usr/bin:/bin",
        "DLPATH_HOME": str(dlpath_home / "fresh"),  # the database does not exist yet: they race to create it
        "DLPATH_CATALOG": str(FIXTURES / "eight-resources.yaml"),
    }
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "dlpath", "done", f"reading-{i}"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for i in range(1, 9)
    ]
    results = [(p.wait(timeout=60), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert results == [(0, b"")] * 8
    status = subprocess.run(
        [sys.executable, "-m", "dlpath", "status", "--json"], env=env, capture_output=True, text=True, timeout=60
    )
    data = json.loads(status.stdout)
    assert data["totals"]["done"] == 8 and {r["state"] for r in data["resources"]} == {"done"}


@pytest.mark.parametrize(
    ("content", "command"),
    [(b"", "done"), (b"garbage that is not sqlite" * 10, "next"), (b"SQLite format 3\x00" + b"\xff" * 200, "status")],
    ids=["empty", "garbage", "bad-header"],
)
def test_a_damaged_database_file_stops_commands_and_is_left_untouched(dlpath_home, content, command):
    path = dlpath_home / "progress.sqlite3"
    path.write_bytes(content)
    result = dlpath(command, home=dlpath_home)
    assert result.returncode == 2, result
    assert result.stderr.startswith("error: ") and str(path) in result.stderr
    named = ("dlpath left it untouched", "is empty (0 bytes)", "is damaged")  # foreign, empty, or ours but damaged
    assert any(words in result.stderr for words in named) and "Traceback" not in result.stderr
    for args in (["next"], ["done", "1.1"], ["status"], ["undo"], ["reset", "--all", "--yes"]):  # in-process too
        assert run(*args).exit_code == 2
    assert path.read_bytes() == content
    assert sorted(p.name for p in dlpath_home.iterdir() if p.name.startswith("progress")) == ["progress.sqlite3"]


def test_an_unwritable_data_directory_is_a_clear_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    result = dlpath("done", home=blocker / "dlpath")
    assert result.returncode == 2
    assert "cannot create the data directory" in result.stderr and "DLPATH_HOME" in result.stderr
    assert "Traceback" not in result.stderr
    assert dlpath("next", home=blocker / "dlpath").returncode == 0  # reading needs no directory
