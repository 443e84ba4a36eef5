"""The progress store (dlpath.progress) with real files and real processes: safety, concurrency, undo,
export/import, the exercise API, and the pure "what is next" and status functions."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import pytest

from dlpath import progress
from dlpath.catalog import load_catalog
from dlpath.errors import StoreError
from dlpath.progress import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Snapshot,
    Store,
    next_resource,
    streak_days,
    summarise,
    tally,
)
from dlpath.progress.transfer import ExportFormatError, parse_export

FIXTURES = Path(__file__).parent / "fixtures" / "progress"


def db_path(home: Path) -> Path:
    return home / "progress.sqlite3"


def writable(home: Path) -> Store:
    return Store.open(create=True)


# --------------------------------------------------------------------------- opening and creating


def test_reading_a_missing_store_creates_nothing(tmp_path, monkeypatch):
    home = tmp_path / "not-yet"
    monkeypatch.setenv("DLPATH_HOME", str(home))
    with Store.open() as store:
        assert not store.exists
        assert store.entries() == {} and store.history() == [] and store.exercise_stats() == {}
        assert store.snapshot().entries == {}
    assert progress.hints_shown("sigmoid") == 0
    progress.record_exercise("sigmoid", "run", only_if_exists=True)
    assert not home.exists()


def test_a_new_store_is_wal_with_schema_version_and_our_application_id(dlpath_home):
    with writable(dlpath_home):
        pass
    conn = sqlite3.connect(db_path(dlpath_home))
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA application_id").fetchone()[0] == progress.APPLICATION_ID
    conn.close()
    assert sorted(p.name for p in dlpath_home.iterdir() if p.name.startswith(".")) == []  # no temp files left


def test_migrations_run_from_the_first_version_without_gaps():
    assert sorted(MIGRATIONS) == list(range(1, SCHEMA_VERSION + 1))


def test_an_older_schema_is_migrated_in_place(dlpath_home):
    with writable(dlpath_home) as store:
        store.set_state(["a"], "done")
    conn = sqlite3.connect(db_path(dlpath_home))
    conn.execute("PRAGMA user_version = 0")  # as if written before schema 1 was finished
    conn.execute("DROP TABLE exercise_events")
    conn.commit()
    conn.close()
    calls = []
    original = MIGRATIONS[1]

    def only_exercises(c):  # what a later migration looks like: create what is missing
        calls.append(1)
        c.execute(
            "CREATE TABLE exercise_events (seq INTEGER PRIMARY KEY, name TEXT NOT NULL, event TEXT NOT NULL,"
            " at TEXT NOT NULL, detail TEXT)"
        )

    MIGRATIONS[1] = only_exercises
    try:
        with Store.open() as store:
            assert store.states() == {"a": "done"}
            store.record_exercise("sigmoid", "run")
    finally:
        MIGRATIONS[1] = original
    assert calls == [1]
    assert sqlite3.connect(db_path(dlpath_home)).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"", "the file is empty"),
        (b"these are my notes, not a database\n" * 50, "not an SQLite database"),
        (os.urandom(4096), "not an SQLite database"),
    ],
    ids=["empty", "text", "random-bytes"],
)
def test_a_file_that_is_not_a_database_is_never_touched(dlpath_home, content, why):
    path = db_path(dlpath_home)
    path.write_bytes(content)
    before = path.stat().st_mtime_ns
    for create in (False, True):
        with pytest.raises(StoreError) as err:
            Store.open(create=create)
        assert str(path) in err.value.message and why in err.value.message
        assert "move it aside" in err.value.message
    with pytest.raises(StoreError):
        progress.record_exercise("sigmoid", "run")
    assert path.read_bytes() == content and path.stat().st_mtime_ns == before
    assert sorted(p.name for p in dlpath_home.iterdir()) == ["progress.sqlite3"]


def test_another_programs_sqlite_database_is_never_touched(dlpath_home):
    path = db_path(dlpath_home)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.commit()
    conn.close()
    content = path.read_bytes()
    with pytest.raises(StoreError) as err:
        Store.open(create=True)
    assert "another program" in err.value.message and str(path) in err.value.message
    assert path.read_bytes() == content


def test_a_newer_schema_version_is_refused_untouched(dlpath_home):
    with writable(dlpath_home) as store:
        store.set_state(["a"], "done")
    path = db_path(dlpath_home)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    content = path.read_bytes()
    with pytest.raises(StoreError) as err:
        Store.open(create=True)
    assert "newer dlpath" in err.value.message and str(path) in err.value.message
    assert path.read_bytes() == content


@pytest.mark.parametrize("layout", ["home-is-a-file", "parent-is-a-file"])
def test_an_unwritable_data_directory_is_a_clear_error(tmp_path, monkeypatch, layout):
    blocker = tmp_path / "blocker"
    blocker.write_text("a regular file")
    home = blocker if layout == "home-is-a-file" else blocker / "dlpath"
    monkeypatch.setenv("DLPATH_HOME", str(home))
    with pytest.raises(StoreError) as err:
        Store.open(create=True)
    assert "set DLPATH_HOME to a writable folder" in err.value.message
    assert str(blocker) in err.value.message
    assert blocker.read_text() == "a regular file"


# --------------------------------------------------------------------------- changes and undo


def test_set_state_records_events_and_skips_no_ops(dlpath_home):
    with writable(dlpath_home) as store:
        changed = store.set_state(["a", "b", "a"], "done")
        assert [(c.resource_id, c.previous, c.state) for c in changed] == [
            ("a", "not-started", "done"),
            ("b", "not-started", "done"),
        ]
        assert store.set_state(["a"], "done") == []
        assert [c.previous for c in store.set_state(["a"], "skipped")] == ["done"]
        assert store.states() == {"a": "skipped", "b": "done"}
        history = store.history(limit=None)
        assert [(e.action, e.resource_id, e.previous, e.state) for e in history] == [
            ("skipped", "a", "done", "skipped"),
            ("done", "b", "not-started", "done"),
            ("done", "a", "not-started", "done"),
        ]
        assert len(store.history(limit=1)) == 1


def test_undo_is_repeatable_and_reverts_whole_changes(dlpath_home):
    with writable(dlpath_home) as store:
        store.set_state(["a"], "in-progress", "start")
        store.set_state(["a"], "done")
        store.set_state(["b", "c"], "done")
        store.set_state(["a", "b", "c"], "not-started", "reset")
        assert set(store.states().values()) == {"not-started"}
        first = store.undo()
        assert first.action == "reset" and len(first.restored) == 3
        assert store.states() == {"a": "done", "b": "done", "c": "done"}
        assert store.undo().action == "done" and store.states()["b"] == "not-started"
        assert store.undo().action == "done" and store.states()["a"] == "in-progress"
        assert store.undo().action == "start" and store.states()["a"] == "not-started"
        assert store.undo() is None
        assert set(store.states().values()) == {"not-started"}


def test_undo_is_not_itself_undone_and_new_changes_after_undo_are_undone_first(dlpath_home):
    with writable(dlpath_home) as store:
        store.set_state(["a"], "done")
        store.undo()
        store.set_state(["b"], "done")
        assert store.undo().restored[0].resource_id == "b"
        assert store.undo() is None  # 'a' was undone already; the undo itself is not a change to revert


def test_committed_changes_survive_reopening(dlpath_home):
    with writable(dlpath_home) as store:
        store.set_state(["a"], "done")
    with Store.open() as store:
        assert store.states() == {"a": "done"}


# --------------------------------------------------------------------------- exercises


def test_exercise_events_are_counted_per_exercise(dlpath_home):
    progress.record_exercise("backprop", "run", {"epochs": 100}, only_if_exists=True)
    assert not db_path(dlpath_home).exists()
    progress.record_exercise("backprop", "run", {"epochs": 100})
    progress.record_exercise("backprop", "run", only_if_exists=True)
    progress.record_exercise("backprop", "hint")
    progress.record_exercise("sigmoid", "hint")
    progress.record_exercise("sigmoid", "hint")
    progress.record_exercise("sigmoid", "passed", {"checks": 5})
    assert progress.hints_shown("sigmoid") == 2
    assert progress.hints_shown("backprop") == 1
    assert progress.hints_shown("gradient-descent") == 0
    stats = progress.exercise_stats()
    assert (stats["backprop"].runs, stats["backprop"].passed, stats["backprop"].hints) == (2, 0, 1)
    assert (stats["sigmoid"].runs, stats["sigmoid"].passed, stats["sigmoid"].hints) == (0, 1, 2)
    assert stats["sigmoid"].last_passed is not None


def test_unknown_exercise_event_or_empty_name_is_refused(dlpath_home):
    with pytest.raises(ValueError, match="unknown exercise event"):
        progress.record_exercise("sigmoid", "finished")
    with pytest.raises(ValueError, match="non-empty"):
        progress.record_exercise(" ", "run", only_if_exists=True)
    assert not db_path(dlpath_home).exists()


# --------------------------------------------------------------------------- export and import


def _populated(home: Path) -> dict:
    with writable(home) as store:
        store.set_state(["a"], "in-progress", "start")
        store.set_state(["a", "b"], "done")
        store.set_state(["c"], "skipped", "skip")
        store.record_exercise("sigmoid", "passed", {"checks": 3})
        return store.export()


def test_export_import_round_trip_and_idempotency(tmp_path, monkeypatch, dlpath_home):
    exported = _populated(dlpath_home)
    assert exported["format"] == "dlpath-progress" and exported["version"] == 1
    json.dumps(exported)  # JSON-ready
    monkeypatch.setenv("DLPATH_HOME", str(tmp_path / "other-machine"))
    with writable(tmp_path) as store:
        store.set_state(["z"], "done")
        first = store.import_(exported)
        assert (first.resources, first.events, first.exercises) == (3, 4, 1)
        assert store.states() == {"a": "done", "b": "done", "c": "skipped", "z": "done"}
        snapshot = store.export()
        again = store.import_(json.loads(json.dumps(exported)))
        assert again.nothing_new
        assert store.export()["events"] == snapshot["events"]
        assert store.exercise_stats()["sigmoid"].passed == 1
        # undo reverts the import's state changes, and a re-import does not bring them back
        undone = store.undo()
        assert undone.action == "import"
        assert store.states() == {"a": "not-started", "b": "not-started", "c": "not-started", "z": "done"}
        assert store.import_(exported).nothing_new


def test_import_of_states_without_history_is_applied_and_undoable(dlpath_home):
    document = {
        "format": "dlpath-progress",
        "version": 1,
        "resources": [{"id": "a", "state": "done", "updated_at": "2026-03-10T12:00:00+01:00"}],
    }
    with writable(dlpath_home) as store:
        assert store.import_(document).resources == 1
        assert store.entries()["a"] == progress.Entry("done", "2026-03-10T11:00:00.000000+00:00")
        assert store.import_(document).nothing_new
        assert store.undo().action == "import" and store.states() == {"a": "not-started"}


def test_import_keeps_the_newer_local_state(dlpath_home):
    with writable(dlpath_home) as store:
        store.set_state(["a"], "done")
        exported = store.export()
        store.set_state(["a"], "skipped")  # later than the exported change
        result = store.import_(exported)
        assert result.resources == 0 and store.states() == {"a": "skipped"}


def test_import_merges_two_machines_both_ways(tmp_path, monkeypatch):
    monkeypatch.setenv("DLPATH_HOME", str(tmp_path / "laptop"))
    with Store.open(create=True) as laptop:
        laptop.set_state(["a"], "done")
        from_laptop = laptop.export()
    monkeypatch.setenv("DLPATH_HOME", str(tmp_path / "desktop"))
    with Store.open(create=True) as desktop:
        desktop.set_state(["b"], "done")
        desktop.import_(from_laptop)
        from_desktop = desktop.export()
    monkeypatch.setenv("DLPATH_HOME", str(tmp_path / "laptop"))
    with Store.open() as laptop:
        laptop.import_(from_desktop)
        assert laptop.states() == {"a": "done", "b": "done"}
        assert len(laptop.history(limit=None)) == 2


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "top level: expected a JSON object"),
        ({"format": "something-else", "version": 1}, "format: expected"),
        ({"format": "dlpath-progress", "version": "1"}, "version: expected a positive whole number"),
        ({"format": "dlpath-progress", "version": 1, "resources": {}}, "resources: expected a list"),
        (
            {"format": "dlpath-progress", "version": 1, "resources": [{"id": "a", "state": "finished"}]},
            "resources[0].state: expected one of",
        ),
        (
            {
                "format": "dlpath-progress",
                "version": 1,
                "resources": [{"id": "a", "state": "done", "updated_at": "yesterday"}],
            },
            "resources[0].updated_at: expected an ISO 8601 time",
        ),
        (
            {
                "format": "dlpath-progress",
                "version": 1,
                "events": [{"resource": "a", "state": "done", "previous": "not-started", "at": "2026-01-01T10:00:00"}],
            },
            "events[0].at: expected an ISO 8601 time with a time zone",
        ),
        (
            {"format": "dlpath-progress", "version": 1, "exercises": [{"name": "x", "event": "won", "at": "x"}]},
            "exercises[0].event",
        ),
    ],
)
def test_a_malformed_export_is_refused_and_changes_nothing(dlpath_home, document, message):
    with writable(dlpath_home) as store:
        store.set_state(["a"], "in-progress")
        before = store.export()
        with pytest.raises(ExportFormatError) as err:
            store.import_(document)
        assert message in err.value.message
        after = store.export()
    assert before["resources"] == after["resources"] and before["events"] == after["events"]


def test_a_newer_export_version_asks_for_an_upgrade(dlpath_home):
    with pytest.raises(ExportFormatError, match="newer dlpath"):
        parse_export({"format": "dlpath-progress", "version": 99})


# --------------------------------------------------------------------------- real processes

_WRITER = textwrap.dedent(
    """
    import sys
    from dlpath.progress import Store
    worker, count = int(sys.argv[1]), int(sys.argv[2])
    with Store.open(create=True) as store:
        for i in range(count):
            store.set_state([f"w{worker}-r{i}"], "done")
            print(i, flush=True)
    """
)


def test_eight_processes_writing_at_once_lose_nothing(dlpath_home):
    per_worker = 25
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(w), str(per_worker)], stdout=subprocess.PIPE, text=True)
        for w in range(8)
    ]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, outputs
    with Store.open() as store:
        states = store.states()
        assert len(states) == 8 * per_worker
        assert set(states.values()) == {"done"}
        assert len(store.history(limit=None)) == 8 * per_worker


def test_a_process_killed_mid_write_leaves_every_committed_change(dlpath_home):
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, "0", "100000"], stdout=subprocess.PIPE, text=True)
    committed = -1
    deadline = time.monotonic() + 20
    while committed < 150 and time.monotonic() < deadline:
        committed = int(proc.stdout.readline())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    rest = proc.stdout.read().split()
    proc.stdout.close()
    if rest:
        committed = int(rest[-1])
    assert committed >= 150
    with Store.open(create=True) as store:
        states = store.states()
        assert all(states.get(f"w0-r{i}") == "done" for i in range(committed + 1))
        assert len(states) in (committed + 1, committed + 2)  # at most one commit not yet reported
        store.set_state(["after-the-crash"], "done")  # and it is writable again
    conn = sqlite3.connect(db_path(dlpath_home))
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


# --------------------------------------------------------------------------- pure functions


@pytest.fixture
def catalog():
    return load_catalog(FIXTURES / "two-steps.yaml")


def test_next_resource_is_the_first_neither_done_nor_skipped(catalog):
    ids = [r.id for r in catalog.resources]
    assert next_resource(catalog.resources, {}).id == ids[0]
    assert next_resource(catalog.resources, {ids[0]: "in-progress"}).id == ids[0]
    assert next_resource(catalog.resources, {ids[0]: "done", ids[1]: "skipped"}).id == ids[2]
    assert next_resource(catalog.resources, {ids[1]: "done"}).id == ids[0]  # order, not the last change
    assert next_resource(catalog.resources, dict.fromkeys(ids, "done")) is None


def test_streak_counts_consecutive_days_ending_today_or_yesterday():
    today = date(2026, 3, 10)
    assert streak_days([], today) == 0
    assert streak_days([date(2026, 3, 10)], today) == 1
    assert streak_days([date(2026, 3, 8), date(2026, 3, 9), date(2026, 3, 10)], today) == 3
    assert streak_days([date(2026, 3, 8), date(2026, 3, 9)], today) == 2  # not broken until today ends
    assert streak_days([date(2026, 3, 6), date(2026, 3, 7)], today) == 0
    assert streak_days([date(2026, 3, 5), date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 10)], today) == 1
    assert streak_days([date(2026, 2, 28), date(2026, 3, 1)], date(2026, 3, 1)) == 2  # across months


def test_tally_counts_states_and_minutes(catalog):
    t = tally(catalog.resources, {"intro-video": "done", "intro-paper": "skipped", "gradient-chapter": "in-progress"})
    assert (t.total, t.done, t.skipped, t.in_progress, t.not_started) == (4, 1, 1, 1, 1)
    assert (t.minutes_done, t.minutes_left) == (30, 90 + 20)
    assert t.settled == 2 and t.percent == 50.0


def test_summary_counts_per_step_and_orphans(catalog):
    entries = {
        rid: progress.Entry(state, "2026-03-10T10:00:00.000000+00:00")
        for rid, state in {
            "intro-video": "done",
            "gradient-notes": "done",
            "removed-resource": "done",
            "reset-and-removed": "not-started",
        }.items()
    }
    summary = summarise(catalog, Snapshot(entries, frozenset({date(2026, 3, 10)}), None, {}), today=date(2026, 3, 10))
    assert [(t.done, t.total) for t in summary.steps] == [(1, 2), (1, 2)]
    assert summary.overall.done == 2 and summary.overall.minutes_done == 50
    assert summary.orphaned == ("removed-resource",)
    assert summary.streak == 1
