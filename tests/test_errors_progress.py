"""Progress per catalogue, and import that checks what it imports.

Two fixture catalogues with different identities share one database: ``two-steps.yaml`` ("Fixture
Path") and ``minimal-valid.yaml`` ("A Tiny Path"); both list ``intro-video``. A database written by
the schema before progress was kept per catalogue is built by hand, as an older dlpath wrote it.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlpath.cli import app
from dlpath.progress import APPLICATION_ID, FILE_NAME, SCHEMA_VERSION
from dlpath.progress.migrations import MIGRATIONS

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_PATH = FIXTURES / "progress" / "two-steps.yaml"  # intro-video, intro-paper, gradient-chapter, gradient-notes
TINY_PATH = FIXTURES / "catalogs" / "minimal-valid.yaml"  # intro-video, intro-notes, deep-dive

runner = CliRunner()


def run(catalog: Path, *args: str, input: str | None = None):
    return runner.invoke(app, ["--catalog", str(catalog), *args], input=input)


def ok(catalog: Path, *args: str) -> str:
    result = run(catalog, *args)
    assert result.exit_code == 0, result.output
    return result.output


def states(catalog: Path) -> dict[str, str]:
    return {r["id"]: r["state"] for r in json.loads(ok(catalog, "status", "--json"))["resources"] if r["state"]}


def recorded(catalog: Path) -> dict[str, str]:
    """The states the status of ``catalog`` shows other than not-started."""
    return {rid: state for rid, state in states(catalog).items() if state != "not-started"}


def rows(home: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(home / FILE_NAME)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


# --------------------------------------------------------------------------- progress per catalogue


def test_reset_all_on_one_catalogue_leaves_the_other_alone():
    ok(FIXTURE_PATH, "done", "intro-video", "gradient-chapter")
    ok(TINY_PATH, "done", "intro-video", "deep-dive")
    assert ok(TINY_PATH, "reset", "--all", "--yes")
    assert recorded(TINY_PATH) == {}
    assert recorded(FIXTURE_PATH) == {"intro-video": "done", "gradient-chapter": "done"}


def test_undo_only_reverts_a_change_made_on_the_same_catalogue():
    ok(FIXTURE_PATH, "done", "intro-video")
    ok(TINY_PATH, "skip", "deep-dive")
    ok(FIXTURE_PATH, "undo")  # the latest change overall is the other catalogue's skip
    assert recorded(FIXTURE_PATH) == {}
    assert recorded(TINY_PATH) == {"deep-dive": "skipped"}
    assert "Nothing to undo." in ok(FIXTURE_PATH, "undo")
    assert recorded(TINY_PATH) == {"deep-dive": "skipped"}


def test_status_does_not_call_the_other_catalogues_progress_orphans():
    ok(FIXTURE_PATH, "done", "gradient-chapter")
    ok(TINY_PATH, "done", "deep-dive")
    for catalog in (FIXTURE_PATH, TINY_PATH):
        status = json.loads(ok(catalog, "status", "--json"))
        assert status["orphaned"]["ids"] == [], status
        assert "not in this catalogue" not in ok(catalog, "status")


def test_history_and_export_are_per_catalogue():
    ok(FIXTURE_PATH, "done", "gradient-chapter")
    ok(TINY_PATH, "done", "deep-dive")
    assert {e["resource"] for e in json.loads(ok(TINY_PATH, "history", "--json"))} == {"deep-dive"}
    exported = json.loads(ok(TINY_PATH, "progress", "export"))
    assert exported["catalog"]["title"] == "A Tiny Path"
    assert [r["id"] for r in exported["resources"]] == ["deep-dive"]
    assert [e["resource"] for e in exported["events"]] == ["deep-dive"]


def test_moving_the_catalogue_file_keeps_its_progress(tmp_path):
    moved = tmp_path / "elsewhere" / "renamed.yaml"
    moved.parent.mkdir()
    shutil.copy(TINY_PATH, moved)
    ok(TINY_PATH, "done", "deep-dive")
    assert recorded(moved) == {"deep-dive": "done"}
    ok(moved, "skip", "intro-notes")
    assert recorded(TINY_PATH) == {"deep-dive": "done", "intro-notes": "skipped"}


# --------------------------------------------------------------------------- the migration


def _schema_1_database(home: Path) -> None:
    """A database as dlpath wrote it before progress was kept per catalogue, with progress on both paths."""
    home.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(home / FILE_NAME, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    MIGRATIONS[1](conn)
    conn.execute("PRAGMA user_version = 1")
    changes = [
        (1, "2026-01-01T10:00:00.000000+00:00", "done", None, [("intro-video", "done", "not-started")]),
        (2, "2026-01-02T10:00:00.000000+00:00", "done", None, [("gradient-chapter", "done", "not-started")]),
        (3, "2026-01-03T10:00:00.000000+00:00", "skip", None, [("deep-dive", "skipped", "not-started")]),
        (4, "2026-01-04T10:00:00.000000+00:00", "start", None, [("intro-paper", "in-progress", "not-started")]),
    ]
    for cid, at, action, undoes, events in changes:
        conn.execute("INSERT INTO changes (id, at, action, undoes) VALUES (?, ?, ?, ?)", (cid, at, action, undoes))
        for rid, state, previous in events:
            conn.execute(
                "INSERT INTO events (change_id, resource_id, state, previous, at) VALUES (?, ?, ?, ?, ?)",
                (cid, rid, state, previous, at),
            )
            conn.execute(
                "INSERT INTO progress (resource_id, state, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (resource_id) DO UPDATE SET state = excluded.state", (rid, state, at),
            )
    conn.execute("INSERT INTO exercise_events (name, event, at) VALUES ('sigmoid', 'passed', ?)", (changes[0][1],))
    conn.close()


def test_an_older_database_migrates_with_nothing_lost(dlpath_home):
    _schema_1_database(dlpath_home)
    before = {
        table: rows(dlpath_home, f"SELECT count(*) FROM {table}")[0][0]
        for table in ("changes", "events", "progress", "exercise_events")
    }
    assert recorded(FIXTURE_PATH) == {"intro-video": "done", "gradient-chapter": "done", "intro-paper": "in-progress"}
    assert recorded(TINY_PATH) == {"intro-video": "done", "deep-dive": "skipped"}
    assert rows(dlpath_home, "PRAGMA user_version")[0][0] == SCHEMA_VERSION
    after = {
        table: rows(dlpath_home, f"SELECT count(*) FROM {table}")[0][0]
        for table in ("changes", "events", "progress", "exercise_events")
    }
    assert after == before
    # each catalogue undoes its own latest change: the tiny path's skip, then the fixture path's start
    ok(TINY_PATH, "undo")
    assert recorded(TINY_PATH) == {"intro-video": "done"}
    assert recorded(FIXTURE_PATH)["intro-paper"] == "in-progress"
    ok(FIXTURE_PATH, "undo")
    assert "intro-paper" not in recorded(FIXTURE_PATH)
    # a change on one path no longer touches the other's view of shared older progress
    ok(TINY_PATH, "reset", "intro-video")
    assert "intro-video" not in recorded(TINY_PATH)
    assert recorded(FIXTURE_PATH)["intro-video"] == "done"


# --------------------------------------------------------------------------- import checks


def _export(**changes) -> dict:
    document = {
        "format": "dlpath-progress", "version": 2, "exported_at": "2026-02-01T00:00:00+00:00",
        "catalog": {"title": "A Tiny Path", "key": "A Tiny Path\nTest Author"},
        "resources": [{"id": "deep-dive", "state": "done", "updated_at": "2026-01-05T10:00:00+00:00"}],
        "events": [
            {"resource": "deep-dive", "state": "done", "previous": "not-started",
             "at": "2026-01-05T10:00:00+00:00", "action": "done"},
        ],
        "exercises": [],
    }
    document.update(changes)
    return document


def _import(tmp_path: Path, document: dict, *extra: str, catalog: Path = TINY_PATH):
    file = tmp_path / "progress.json"
    file.write_text(json.dumps(document))
    return run(catalog, "progress", "import", str(file), *extra)


def _unchanged(home: Path) -> list:
    path = home / FILE_NAME
    if not path.exists():
        return []
    return rows(home, "SELECT * FROM events ORDER BY seq") + rows(home, "SELECT * FROM progress ORDER BY 1, 2")


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["resources"][0].update(updated_at="2999-01-01T00:00:00+00:00"), "is in the future"),
        (lambda d: d["events"][0].update(at="1970-01-01T00:00:00+00:00"), "before dlpath could have recorded"),
        (lambda d: d["events"][0].update(at="9999-12-31T23:59:59-23:59"), "expected an ISO 8601 time"),
        (lambda d: d["resources"][0].update(id="deep-dive\x1b[2J"), "control characters are not allowed"),
        (lambda d: d["events"][0].update(resource="deep\u202edive"), "control characters are not allowed"),
        (lambda d: d["events"][0].update(action="explode"), "events[0].action: expected one of"),
    ],
    ids=["future", "absurd-past", "overflowing", "escape-in-id", "bidi-in-id", "bad-action"],
)
def test_import_refuses_bad_times_and_ids(tmp_path, dlpath_home, mutate, expected):
    ok(TINY_PATH, "done", "intro-notes")
    before = _unchanged(dlpath_home)
    document = _export()
    mutate(document)
    result = _import(tmp_path, document)
    assert result.exit_code == 2, result.output
    assert expected in result.stderr and "nothing was imported" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "\x1b" not in result.stderr
    assert _unchanged(dlpath_home) == before


def test_import_of_another_catalogues_progress_is_refused(tmp_path, dlpath_home):
    ok(FIXTURE_PATH, "done", "gradient-chapter")
    before = _unchanged(dlpath_home)
    result = _import(tmp_path, _export(), catalog=FIXTURE_PATH)
    assert result.exit_code == 2
    assert "holds the progress of 'A Tiny Path', not of 'Fixture Path'" in result.stderr
    assert _unchanged(dlpath_home) == before


def test_unknown_ids_are_refused_kept_or_skipped_as_asked(tmp_path, dlpath_home):
    document = _export()
    document["resources"].append({"id": "not-here", "state": "done", "updated_at": "2026-01-06T10:00:00+00:00"})
    refused = _import(tmp_path, document)
    assert refused.exit_code == 2
    assert "has progress for 1 resource this catalogue does not list (not-here); nothing was imported" in (
        refused.stderr
    )
    assert "--unknown keep" in refused.stderr and _unchanged(dlpath_home) == []
    skipped = _import(tmp_path, document, "--unknown", "skip")
    assert skipped.exit_code == 0, skipped.output
    assert "1 resource not in this catalogue left out: not-here" in skipped.stderr
    assert recorded(TINY_PATH) == {"deep-dive": "done"}
    kept = _import(tmp_path, document, "--unknown", "keep")
    assert kept.exit_code == 0 and "kept aside" in kept.stderr
    assert json.loads(ok(TINY_PATH, "status", "--json"))["orphaned"]["ids"] == ["not-here"]


def test_export_keeps_actions_and_history_agrees_with_undo_after_import(tmp_path, dlpath_home, monkeypatch):
    ok(TINY_PATH, "start", "deep-dive")
    ok(TINY_PATH, "skip", "intro-notes")
    exported = json.loads(ok(TINY_PATH, "progress", "export"))
    assert [e["action"] for e in exported["events"]] == ["start", "skip"]
    other_home = tmp_path / "other-machine"
    monkeypatch.setenv("DLPATH_HOME", str(other_home))
    ok(TINY_PATH, "done", "intro-video")  # recorded here after the exported events
    file = tmp_path / "export.json"
    file.write_text(json.dumps(exported))
    assert run(TINY_PATH, "progress", "import", str(file)).exit_code == 0
    history = json.loads(ok(TINY_PATH, "history", "--json"))
    # newest first, in the order undo takes changes back: the import, then the local done
    assert [(e["resource"], e["action"]) for e in history] == [
        ("intro-notes", "skip"), ("deep-dive", "start"), ("intro-video", "done"),
    ]
    ok(TINY_PATH, "undo")  # reverts the import
    assert recorded(TINY_PATH) == {"intro-video": "done"}
    again = json.loads(ok(TINY_PATH, "progress", "export"))
    assert {(e["resource"], e["action"]) for e in again["events"]} >= {("deep-dive", "start"), ("intro-notes", "skip")}


@pytest.mark.parametrize("content", ["[" * 100_000 + "]" * 100_000, '{"a": ' * 50_000 + "1" + "}" * 50_000])
def test_deeply_nested_json_is_refused(tmp_path, dlpath_home, content):
    file = tmp_path / "deep.json"
    file.write_text(content)
    result = run(TINY_PATH, "progress", "import", str(file))
    assert result.exit_code == 2
    assert "nested too deeply" in result.stderr and _unchanged(dlpath_home) == []


def test_import_refuses_a_fifo_and_a_device(tmp_path, dlpath_home):
    import os

    fifo = tmp_path / "export.json"
    os.mkfifo(fifo)
    for path, expected in ((fifo, "is a pipe (FIFO), not a regular file"), (Path("/dev/zero"), "a device")):
        result = run(TINY_PATH, "progress", "import", str(path))
        assert result.exit_code == 2 and expected in result.stderr
    assert _unchanged(dlpath_home) == []
