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


def _migrate_to_2(conn: sqlite3.Connection) -> None:
    """Progress per catalogue: changes, events and current states carry the catalogue they belong to.

    ``catalog`` is the catalogue's identity (``scope.catalog_key``: its title and author, not its file
    path, so moving the file keeps its progress). Rows recorded before this version get ``''``: they
    belong to whichever catalogue lists their resource id, so nothing is lost or hidden by the upgrade.
    ``events.action`` keeps the action of an event brought in by ``import`` (its change says "import").
    ``catalogs`` names each identity seen, for status and export.
    """
    statements = [
        "ALTER TABLE changes ADD COLUMN catalog TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE events ADD COLUMN catalog TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE events ADD COLUMN action TEXT",
        """CREATE TABLE progress_by_catalog (
            catalog TEXT NOT NULL,
            resource_id TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('not-started', 'in-progress', 'done', 'skipped')),
            updated_at TEXT NOT NULL,
            PRIMARY KEY (catalog, resource_id)
        ) WITHOUT ROWID""",
        "INSERT INTO progress_by_catalog SELECT '', resource_id, state, updated_at FROM progress",
        "DROP TABLE progress",
        "ALTER TABLE progress_by_catalog RENAME TO progress",
        "DROP INDEX changes_undoes",
        "CREATE UNIQUE INDEX changes_undoes ON changes(undoes, catalog) WHERE undoes IS NOT NULL",
        "CREATE INDEX events_catalog ON events(catalog, resource_id, at)",
        """CREATE TABLE catalogs (
            catalog TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            first_seen TEXT NOT NULL
        ) WITHOUT ROWID""",
    ]
    for statement in statements:
        conn.execute(statement)


def _migrate_to_3(conn: sqlite3.Connection) -> None:
    """Notes per resource and study plans, each kept per catalogue (``catalog`` as in version 2).

    A note emptied by the learner stays as ``''`` with its time, so an import of an older note does not
    bring it back. A plan's ``settings`` and ``items`` are JSON written and read by ``dlpath.plan.saved``;
    ``exported`` is the JSON object ``{uid: day}`` of the calendar events last written, so the next
    export can cancel the ones gone. A catalogue's newest plan is the learner's plan.
    """
    statements = [
        """CREATE TABLE notes (
            catalog TEXT NOT NULL,
            resource_id TEXT NOT NULL,
            text TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (catalog, resource_id)
        ) WITHOUT ROWID""",
        """CREATE TABLE plans (
            id INTEGER PRIMARY KEY,
            catalog TEXT NOT NULL,
            created_at TEXT NOT NULL,
            settings TEXT NOT NULL,
            items TEXT NOT NULL,
            exported TEXT
        )""",
        "CREATE INDEX plans_catalog ON plans(catalog, id)",
    ]
    for statement in statements:
        conn.execute(statement)


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _migrate_to_1, 2: _migrate_to_2, 3: _migrate_to_3}
SCHEMA_VERSION = max(MIGRATIONS)  # the version a database has once every migration ran
