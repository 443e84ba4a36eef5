"""The history of link checks, in ``data_dir()/links.db`` (SQLite): since when each link has been failing.

Layout (``PRAGMA user_version`` 1)::

    runs(id INTEGER PRIMARY KEY, at REAL)            -- one row per check-links run (Unix time)
    checks(run INTEGER, url TEXT, verdict TEXT)      -- what each URL got in that run

A link's failing streak is read from its own checks, newest first, so runs that checked only some
links (``--only``, ``--step``) never break another link's streak. Runs past ``KEEP_RUNS`` are pruned.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from dlpath.errors import StoreError
from dlpath.paths import data_dir

FILE_NAME = "links.db"
KEEP_RUNS = 500
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS checks (
    run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    verdict TEXT NOT NULL,
    PRIMARY KEY (url, run)
) WITHOUT ROWID;
PRAGMA user_version = 1;
"""


def history_path() -> Path:
    """Where the link-check history lives: ``data_dir()/links.db``."""
    return data_dir() / FILE_NAME


@dataclass(frozen=True, slots=True)
class Streak:
    """How long a link has been failing: the time of the first failing check in a row, and how many."""

    since: float
    runs: int


def _connect(path: Path) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=10, isolation_level=None)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, 1):
            conn.close()
            raise StoreError(f"link history {path} is from a newer dlpath (schema {version}): upgrade dlpath")
        # a lost last run is no harm: commits need not wait for the disk (WAL, synchronous=NORMAL)
        conn.execute("PRAGMA synchronous = NORMAL")
        if version == 0:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(SCHEMA)
    except (OSError, sqlite3.Error) as err:
        raise StoreError(f"link history {path} cannot be used ({err}): move it aside to start a new history"
                         " (check-links --fail-after needs it)") from None
    return conn


def record_run(verdicts: Mapping[str, str], is_failing: Callable[[str], bool], at: float | None = None,
               path: Path | None = None) -> dict[str, Streak]:
    """Record one run's ``url -> verdict`` and return each of those URLs' failing streak (this run included;
    URLs not failing now have none)."""
    path = path or history_path()
    at = time.time() if at is None else at
    conn = _connect(path)
    try:
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            run = conn.execute("INSERT INTO runs (at) VALUES (?)", (at,)).lastrowid
            conn.executemany("INSERT INTO checks (run, url, verdict) VALUES (?, ?, ?)",
                             [(run, url, verdict) for url, verdict in verdicts.items()])
            oldest = run - KEEP_RUNS
            if oldest > 0:
                conn.execute("DELETE FROM checks WHERE run <= ?", (oldest,))
                conn.execute("DELETE FROM runs WHERE id <= ?", (oldest,))
        return _streaks(conn, [u for u, v in verdicts.items() if is_failing(v)], is_failing)
    except sqlite3.Error as err:
        raise StoreError(f"link history {path} cannot be written ({err}): move it aside to start a new"
                         " history") from None
    finally:
        conn.close()


def _streaks(conn: sqlite3.Connection, urls: Iterable[str], is_failing: Callable[[str], bool]) -> dict[str, Streak]:
    found = {}
    for url in urls:
        since, count = None, 0
        rows = conn.execute("SELECT checks.verdict, runs.at FROM checks JOIN runs ON runs.id = checks.run"
                            " WHERE checks.url = ? ORDER BY checks.run DESC", (url,))
        for verdict, at in rows:
            if not is_failing(verdict):
                break
            since, count = at, count + 1
        if since is not None:
            found[url] = Streak(since, count)
    return found
