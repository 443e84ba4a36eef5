"""Database problems told apart, each with its own way out, and nothing lost: a lock held by another
process, a file-size limit (a full disk as the process sees it), a read-only file or leftover -shm, a
damaged file (and ``progress recover``), and a file that truly is not a dlpath database.

Every case runs the real console entry in a subprocess against a real database, and checks the
database is unchanged afterwards.
"""

from __future__ import annotations

import json
import resource
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hostile import ENTRY, digest, dlpath, give_to_user, one_error_line, user_folder

from dlpath.progress import FILE_NAME

TINY_PATH = Path(__file__).parent / "fixtures" / "catalogs" / "minimal-valid.yaml"


def content(db: Path) -> list:
    """Everything the database holds that matters (read through SQLite, so WAL content counts)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [
            conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for table in ("changes", "events", "progress", "exercise_events")
        ]
    finally:
        conn.close()


def populated(home: Path, as_user: bool = False) -> Path:
    env = {"DLPATH_HOME": str(home), "DLPATH_CATALOG": str(TINY_PATH)}
    for name in ("intro-video", "intro-notes"):
        assert dlpath("done", name, env=env, as_user=as_user).returncode == 0
    return home / FILE_NAME


def test_a_lock_is_waited_for_with_a_message_then_named(dlpath_home):
    db = populated(dlpath_home)
    before = content(db)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN EXCLUSIVE');"
         " print('locked', flush=True); sys.stdin.read()", str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        result = dlpath("done", "deep-dive", env={"DLPATH_CATALOG": str(TINY_PATH), "DLPATH_LOCK_WAIT": "0.2"})
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, result.stderr
    assert "is locked by another program; waiting up to 0.2 s for it to finish" in lines[0]
    assert lines[1].startswith("error: the progress database") and "is locked by another program" in lines[1]
    assert "stayed locked for 1.2 s: let it finish or close it, then try again; nothing was changed" in lines[1]
    assert content(db) == before


def _limited(limit: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_write_that_hits_the_file_size_limit_changes_nothing(dlpath_home, tmp_path):
    db = populated(dlpath_home)
    before = content(db)
    # an export with enough history that importing it needs more than 32 KB of write-ahead log
    events = [
        {"resource": "deep-dive", "state": state, "previous": previous, "at": f"2026-01-01T{h:02d}:{m:02d}:00+00:00",
         "action": "done"}
        for h in range(24) for m in range(60)
        for state, previous in [("done" if m % 2 else "skipped", "skipped" if m % 2 else "done")]
    ]
    export = tmp_path / "big.json"
    export.write_text(json.dumps({"format": "dlpath-progress", "version": 2, "events": events}))
    result = subprocess.run(
        [sys.executable, "-c", ENTRY, "--catalog", str(TINY_PATH), "progress", "import", str(export)],
        capture_output=True, text=True, timeout=120, preexec_fn=_limited(32768),
    )
    assert result.returncode == 2
    one_error_line(result, f"the progress database {db}", "file size limit of this session (ulimit -f)",
                   "nothing was changed")
    assert content(db) == before


@pytest.mark.parametrize("part", ["file", "shm"])
def test_read_only_database_or_leftover_shm_is_named_and_reading_still_works(part):
    with user_folder() as folder:
        home = folder / "home"
        db = populated(home, as_user=True)
        env = {"DLPATH_HOME": str(home), "DLPATH_CATALOG": str(TINY_PATH)}
        if part == "file":
            db.chmod(0o444)
            culprit = db
        else:  # what another user's process leaves behind: -shm and -wal it could write and we cannot
            opener = sqlite3.connect(db)
            opener.execute("SELECT count(*) FROM changes").fetchall()  # makes the -shm and -wal
            culprit = Path(f"{db}-shm")
            for leftover in (culprit, Path(f"{db}-wal")):
                give_to_user(leftover)
                leftover.chmod(0o444)
        before = content(db)
        result = dlpath("done", "deep-dive", env=env, as_user=True)
        assert result.returncode == 2
        one_error_line(result, f"the progress database cannot be written: {culprit} is read-only",
                       f"chmod u+w '{culprit}'", "nothing was changed")
        assert content(db) == before
        shown = dlpath("status", "--json", env=env, as_user=True)
        assert shown.returncode == 0, shown.stderr
        states = {r["id"]: r["state"] for r in json.loads(shown.stdout)["resources"]}
        assert states["intro-video"] == "done"
        if part == "shm":
            opener.close()


def _damage(db: Path) -> None:
    """Overwrite one page in the middle of the file with garbage, as a bad sector would."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    size = db.stat().st_size
    assert size >= 4096 * 4
    with open(db, "r+b") as handle:
        handle.seek(4096 * 2)
        handle.write(b"\xff" * 4096)


def _find_damaged_command(env: dict[str, str]) -> subprocess.CompletedProcess:
    for args in (["progress", "export"], ["history"], ["status"], ["done", "deep-dive"]):
        result = dlpath(*args, env=env)
        if result.returncode != 0:
            return result
    raise AssertionError("no command noticed the damage")


def test_a_damaged_database_is_called_damaged_and_recover_saves_what_is_readable(dlpath_home):
    env = {"DLPATH_CATALOG": str(TINY_PATH)}
    for name in ("intro-video", "intro-notes", "deep-dive"):
        assert dlpath("start", name, env=env).returncode == 0
        assert dlpath("done", name, env=env).returncode == 0
    db = dlpath_home / FILE_NAME
    _damage(db)
    damaged_bytes = digest(db)
    result = _find_damaged_command(env)
    line = one_error_line(result, "is damaged", "run 'dlpath progress recover'", "'dlpath progress export FILE'")
    assert "not a dlpath progress database" not in line and " mv " not in line and "move it aside" not in line
    assert digest(db) == damaged_bytes
    recovered = dlpath("progress", "recover", env=env)
    assert recovered.returncode == 0, recovered.stderr
    kept = [p for p in dlpath_home.iterdir() if p.name.startswith(f"{FILE_NAME}.damaged-") and p.suffix != ""]
    kept = [p for p in kept if not p.name.endswith(("-wal", "-shm"))]
    assert len(kept) == 1 and digest(kept[0]) == damaged_bytes  # the damaged file is kept, byte for byte
    assert f"The damaged file is kept as {kept[0]}" in recovered.stdout
    status = dlpath("status", "--json", env=env)
    assert status.returncode == 0, status.stderr
    assert dlpath("progress", "recover", env=env).stdout.startswith("The progress database")  # healthy now


def test_only_a_truly_foreign_file_is_called_not_a_dlpath_database(dlpath_home):
    db = dlpath_home / FILE_NAME
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE notes (text)")
    conn.execute("INSERT INTO notes VALUES ('my own data')")
    conn.commit()
    conn.close()
    before = digest(db)
    result = dlpath("done", "intro-video", env={"DLPATH_CATALOG": str(TINY_PATH)})
    assert result.returncode == 2
    one_error_line(result, "is not a dlpath progress database (an SQLite database made by another program)",
                   "dlpath left it untouched")
    assert digest(db) == before
