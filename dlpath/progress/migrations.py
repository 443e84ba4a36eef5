"""The progress database's schema, as the migrations that build it: ``MIGRATIONS[v]`` brings version v - 1 to v.

Append a migration for every change of the schema, never edit a released one: a learner's database
is brought up to date by running, in order, the migrations it has not had (``store.py`` does that).
"""

import sqlite3
from collections.abc import Callable


def _migrate_to_1(conn: sqlite3.Connection) -> None:
    """The first schema: changes, events, current progress, exercise events."""
    statements = [
        """CREATE TABLE changes (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            action TEXT NOT NULL,
            undoes INTEGER REFERENCES changes(id)
        )""",
        "CREATE UNIQUE INDEX changes_undoes ON changes(undoes) WHERE undoes IS NOT NULL",
        """CREATE TABLE events (
            seq INTEGER PRIMARY KEY,
            change_id INTEGER NOT NULL REFERENCES changes(id),
            resource_id TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('not-started', 'in-progress', 'done', 'skipped')),
            previous TEXT NOT NULL CHECK (previous IN ('not-started', 'in-progress', 'done', 'skipped')),
            at TEXT NOT NULL,
            applied INTEGER NOT NULL DEFAULT 1
        )""",
        "CREATE INDEX events_change ON events(change_id)",
        "CREATE INDEX events_resource ON events(resource_id, at)",
        """CREATE TABLE progress (
            resource_id TEXT PRIMARY KEY,
            state TEXT NOT NULL CHECK (state IN ('not-started', 'in-progress', 'done', 'skipped')),
            updated_at TEXT NOT NULL
        ) WITHOUT ROWID""",
        """CREATE TABLE exercise_events (
            seq INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            event TEXT NOT NULL CHECK (event IN ('run', 'passed', 'hint')),
            at TEXT NOT NULL,
            detail TEXT
        )""",
        "CREATE INDEX exercise_events_name ON exercise_events(name, event)",
    ]
    for statement in statements:
        conn.execute(statement)


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _migrate_to_1}
SCHEMA_VERSION = max(MIGRATIONS)  # the version a database has once every migration ran
