"""The learner's progress on disk: an SQLite event log keyed by resource id (``data_dir()/progress.sqlite3``).

Tables (built by ``migrations.py``; the file itself is opened and created by ``database.py``):

- ``changes``: one row per command that changed something (``start``, ``done``, ``skip``, ``reset``,
  ``import``, ``undo``); an ``undo`` row names the change it reverted in ``undoes``.
- ``events``: one row per resource whose state a change touched: new ``state``, ``previous`` state,
  time ``at``. ``applied = 0`` marks history copied from another machine by ``import`` that did not
  change the local state (so ``undo`` leaves it alone).
- ``progress``: the current state of every resource ever touched (``not-started`` after a reset),
  kept in step with ``events`` in the same transaction so that ``dlpath next`` needs one query.
- ``exercise_events``: exercise runs, passes and hints shown.
- ``notes``: the learner's note on each resource of a catalogue (``''`` once emptied, so that an older
  import cannot revive it).
- ``plans``: study plans per catalogue, newest last; the newest is the learner's plan.

Every change is one ``BEGIN IMMEDIATE`` transaction; the database is in WAL mode with a busy timeout,
so concurrent dlpath processes queue rather than fail. A file at the database path that is not a
dlpath database is never written to: opening it raises StoreError naming the path.

Times are stored as ISO 8601 UTC strings with microseconds, which sort as text.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dlpath.errors import StoreError
from dlpath.progress import problems
from dlpath.progress.database import (
    _check_file,
    _check_schema,
    _connect,
    _create,
    _patiently,
    database_path,
)
from dlpath.progress.records import (
    NOT_STARTED,
    STATES,
    Changed,
    Entry,
    Event,
    ExerciseStats,
    ImportResult,
    Note,
    Snapshot,
    StoredPlan,
    Undone,
    check_exercise_event,
    now,
)
from dlpath.progress.scope import UNSCOPED, Scope
from dlpath.progress.scope import sql as scope_sql

if TYPE_CHECKING:
    from dlpath.progress.transfer import ProgressExport

_UPSERT_PROGRESS = (
    "INSERT INTO progress (catalog, resource_id, state, updated_at) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (catalog, resource_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at"
)


# --------------------------------------------------------------------------- the store


class Store:
    """The progress database; with no database file yet it reads as empty (and writers create it).

    Open with ``Store.open(create=...)`` and use as a context manager so the connection is closed.
    """

    def __init__(
        self, path: Path, conn: sqlite3.Connection | None, scope: Scope | None = None,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        self.path = path
        self._conn = conn
        self.scope = scope
        self.on_wait = on_wait

    @classmethod
    def open(
        cls, path: Path | None = None, *, create: bool = False, scope: Scope | None = None,
        on_wait: Callable[[str], None] | None = None,
    ) -> Store:
        """Open the store; ``create=False`` never creates the file or the data directory.

        ``scope`` is the catalogue whose progress this store reads and changes (``scope.scope_of``); without
        one it sees every resource's progress and records changes as unscoped (tests, exercise events).
        ``on_wait(message)`` is told when another program's lock makes dlpath wait (the CLI prints it).
        """
        path = Path(path) if path is not None else database_path()
        if not path.exists():
            if path.is_symlink():
                raise StoreError(f"{path} is a broken symbolic link; remove it or fix its target")
            if not create:
                return cls(path, None, scope, on_wait)
            _create(path)
        _check_file(path)
        conn = _connect(path)
        try:
            _check_schema(conn, path, on_wait)
        except BaseException:
            conn.close()
            raise
        return cls(path, conn, scope, on_wait)

    @property
    def _key(self) -> str:
        return self.scope.key if self.scope is not None else UNSCOPED

    def _where(self, table: str) -> str:
        """The SQL condition for rows of ``table`` in this store's scope (every row without one)."""
        return scope_sql(table) if self.scope is not None else "1"

    def _params(self, **more: Any) -> dict[str, Any]:
        ids = self.scope.ids_param if self.scope is not None else ""
        return {"key": self._key, "ids": ids, **more}

    @property
    def exists(self) -> bool:
        """Whether there is a database behind this store (False: nothing recorded yet)."""
        return self._conn is not None

    def close(self) -> None:
        """Close the connection (the store then reads as empty)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------------- reading

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        if self._conn is None:
            return []
        conn = self._conn
        try:
            return _patiently(conn, self.path, self.on_wait, "read", lambda: conn.execute(sql, params).fetchall())
        except sqlite3.Error as err:
            raise problems.explain(err, self.path, "read") from None

    def entries(self) -> dict[str, Entry]:
        """The current state of every resource ever touched in this scope, by resource id (one query)."""
        rows = self._read(
            f"SELECT resource_id, state, updated_at FROM progress p WHERE {self._where('p')}"
            " ORDER BY p.catalog = :key",  # older unscoped rows first: the catalogue's own ones win
            self._params(),
        )
        return {rid: Entry(state, at) for rid, state, at in rows}

    def states(self) -> dict[str, str]:
        """The current state of every resource ever touched, by resource id."""
        return {rid: entry.state for rid, entry in self.entries().items()}

    def history(self, limit: int | None = 20) -> list[Event]:
        """The most recent events, newest first (``limit=None``: all of them)."""
        # In the order the changes were recorded here, which is the order ``undo`` takes them back: an
        # import comes after what was recorded before it, whatever the times of its events.
        sql = (
            "SELECT e.seq, e.change_id, coalesce(e.action, c.action), e.resource_id, e.state, e.previous, e.at,"
            f" e.applied FROM events e JOIN changes c ON c.id = e.change_id WHERE {self._where('e')}"
            " ORDER BY e.change_id DESC, e.seq DESC"
        )
        params = self._params()
        if limit is not None:
            sql += " LIMIT :limit"
            params["limit"] = max(0, min(int(limit), 2**62))
        return [Event(*row[:7], bool(row[7])) for row in self._read(sql, params)]

    def activity(self) -> tuple[frozenset[date], str | None]:
        """The local dates with study activity (not undone), and the time of the last recorded change."""
        rows = self._read(
            "SELECT DISTINCT date(e.at, 'localtime') FROM events e JOIN changes c ON c.id = e.change_id"
            f" WHERE {self._where('e')} AND c.action != 'undo' AND e.state IN ('in-progress', 'done')"
            " AND NOT EXISTS (SELECT 1 FROM changes u WHERE u.undoes = c.id AND u.catalog IN (:key, ''))"
            " UNION SELECT DISTINCT date(at, 'localtime') FROM exercise_events",
            self._params(),
        )
        days = frozenset(date.fromisoformat(day) for (day,) in rows if day)
        last = self._read(
            f"SELECT max(at) FROM (SELECT max(e.at) AS at FROM events e WHERE {self._where('e')}"
            " UNION ALL SELECT max(at) FROM exercise_events)",
            self._params(),
        )
        return days, (last[0][0] if last else None)

    def exercise_stats(self) -> dict[str, ExerciseStats]:
        """Runs, passes and hints shown for every exercise that has any, by exercise name."""
        rows = self._read(
            "SELECT name, sum(event = 'run'), sum(event = 'passed'), sum(event = 'hint'),"
            " max(CASE WHEN event = 'passed' THEN at END) FROM exercise_events GROUP BY name ORDER BY name"
        )
        return {name: ExerciseStats(runs, passed, hints, last) for name, runs, passed, hints, last in rows}

    def hints_shown(self, name: str) -> int:
        """How many hints were shown for the exercise ``name``."""
        rows = self._read("SELECT count(*) FROM exercise_events WHERE name = ? AND event = 'hint'", (name,))
        return rows[0][0] if rows else 0

    def snapshot(self) -> Snapshot:
        """Current states, activity days, last activity and exercise stats from one consistent read."""
        if self._conn is None:
            return Snapshot({}, frozenset(), None, {})
        try:
            self._conn.execute("BEGIN")
        except sqlite3.Error as err:
            raise problems.explain(err, self.path, "read") from None
        try:
            entries = self.entries()
            days, last = self.activity()
            exercises = self.exercise_stats()
        finally:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")  # nothing was written: ending the read is all it does
        return Snapshot(entries, days, last, exercises)

    def notes(self) -> dict[str, Note]:
        """Every note written in this scope, by resource id (emptied ones have text '')."""
        # notes and plans are kept per catalogue from the start: the key alone finds them (no ids to bind)
        rows = self._read("SELECT resource_id, text, updated_at FROM notes WHERE catalog = ?", (self._key,))
        return {rid: Note(text, at) for rid, text, at in rows}

    def note(self, resource_id: str) -> str:
        """The note on one resource ('' when there is none)."""
        rows = self._read(
            "SELECT text FROM notes WHERE catalog = ? AND resource_id = ?", (self._key, resource_id)
        )
        return rows[0][0] if rows else ""

    def plan(self) -> StoredPlan | None:
        """The learner's study plan for this scope's catalogue (the newest), or None."""
        rows = self._read(
            "SELECT id, created_at, settings, items, exported FROM plans WHERE catalog = ? ORDER BY id DESC LIMIT 1",
            (self._key,),
        )
        return StoredPlan(*rows[0]) if rows else None

    # ----------------------------------------------------------------------- writing

    def _write(self, work: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run ``work`` in one immediate transaction: all of it is committed or none of it."""
        if self._conn is None:
            raise StoreError(f"the progress database {self.path} was opened for reading only")
        conn = self._conn

        def attempt() -> Any:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = work(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")  # a failed COMMIT (disk full) leaves it open too
                raise
            return result

        try:
            return _patiently(conn, self.path, self.on_wait, "write", attempt)
        except sqlite3.Error as err:
            raise problems.explain(err, self.path, "write") from None

    def _current_entry(self, conn: sqlite3.Connection, resource_id: str) -> tuple[str, str]:
        """(state, updated_at) of a resource in this scope: its own row, else an older unscoped one."""
        rows = conn.execute(
            "SELECT catalog, state, updated_at FROM progress WHERE resource_id = ? AND catalog IN (?, '')"
            " ORDER BY catalog = ? DESC",
            (resource_id, self._key, self._key),
        ).fetchall()
        for catalog, state, at in rows:
            if catalog == self._key or self.scope is None or self.scope.sees(resource_id):
                return state, at
        return NOT_STARTED, ""

    def _current(self, conn: sqlite3.Connection, resource_id: str) -> str:
        return self._current_entry(conn, resource_id)[0]

    def _new_change(self, conn: sqlite3.Connection, at: str, action: str, undoes: int | None = None) -> int:
        """Record a change of this scope (and name the catalogue the first time it changes anything)."""
        if self.scope is not None:
            conn.execute(
                "INSERT INTO catalogs (catalog, title, first_seen) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (self.scope.key, self.scope.title, at),
            )
        return conn.execute(
            "INSERT INTO changes (at, action, undoes, catalog) VALUES (?, ?, ?, ?)", (at, action, undoes, self._key)
        ).lastrowid

    def _apply(self, conn: sqlite3.Connection, change_id: int, resource_id: str, state: str, previous: str,
               at: str, action: str | None = None) -> None:
        conn.execute(
            "INSERT INTO events (change_id, resource_id, state, previous, at, catalog, action)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (change_id, resource_id, state, previous, at, self._key, action),
        )
        conn.execute(_UPSERT_PROGRESS, (self._key, resource_id, state, at))

    def set_state(self, resource_ids: Iterable[str], state: str, action: str | None = None) -> list[Changed]:
        """Move resources to ``state`` as one change; returns those that changed (not those already in it)."""
        if state not in STATES:
            raise ValueError(f"unknown state {state!r}")
        ids = list(dict.fromkeys(resource_ids))
        action = action or state

        def work(conn: sqlite3.Connection) -> list[Changed]:
            changed = []
            for rid in ids:
                previous = self._current(conn, rid)
                if previous != state:
                    changed.append(Changed(rid, previous, state))
            if not changed:
                return []
            at = now()
            change_id = self._new_change(conn, at, action)
            for item in changed:
                self._apply(conn, change_id, item.resource_id, state, item.previous, at)
            return changed

        return self._write(work)

    def undo(self) -> Undone | None:
        """Revert the most recent change not yet undone (repeatable); None when there is nothing to undo."""

        def work(conn: sqlite3.Connection) -> Undone | None:
            # the latest change with events in this scope that this scope has not undone yet
            row = conn.execute(
                "SELECT id, action, at FROM changes c WHERE c.undoes IS NULL"
                f" AND EXISTS (SELECT 1 FROM events e WHERE e.change_id = c.id AND {self._where('e')})"
                " AND NOT EXISTS (SELECT 1 FROM changes u WHERE u.undoes = c.id AND u.catalog IN (:key, ''))"
                " ORDER BY id DESC LIMIT 1",
                self._params(),
            ).fetchone()
            if row is None:
                return None
            target, action, original_at = row
            at = now()
            change_id = self._new_change(conn, at, "undo", undoes=target)
            restored = []
            events = conn.execute(
                f"SELECT e.resource_id, e.previous FROM events e WHERE e.change_id = :target AND e.applied"
                f" AND {self._where('e')} ORDER BY e.seq DESC",
                self._params(target=target),
            ).fetchall()
            for rid, previous in events:
                current = self._current(conn, rid)
                if current != previous:
                    self._apply(conn, change_id, rid, previous, current, at)
                    restored.append(Changed(rid, current, previous))
            return Undone(action, original_at, tuple(restored))

        return self._write(work)

    def record_exercise(self, name: str, event: str, detail: Mapping[str, Any] | None = None) -> None:
        """Append an exercise event (``run``, ``passed`` or ``hint``)."""
        import json  # 1.4 ms to import, which `dlpath next` never pays

        check_exercise_event(name, event)
        text = json.dumps(dict(detail), ensure_ascii=False, default=str) if detail else None
        self._write(
            lambda conn: conn.execute(
                "INSERT INTO exercise_events (name, event, at, detail) VALUES (?, ?, ?, ?)",
                (name, event, now(), text),
            )
        )

    @staticmethod
    def _put_note(conn: sqlite3.Connection, key: str, resource_id: str, text: str, at: str) -> None:
        conn.execute(
            "INSERT INTO notes (catalog, resource_id, text, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (catalog, resource_id) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at",
            (key, resource_id, text, at),
        )

    def set_note(self, resource_id: str, text: str) -> bool:
        """Write the note on a resource (``''`` empties it); False when it already said exactly that."""
        text = text.strip("\n")

        def work(conn: sqlite3.Connection) -> bool:
            row = conn.execute(
                "SELECT text FROM notes WHERE catalog = ? AND resource_id = ?", (self._key, resource_id)
            ).fetchone()
            if (row[0] if row else "") == text:
                return False
            self._put_note(conn, self._key, resource_id, text, now())
            return True

        return self._write(work)

    def save_plan(self, settings: str, items: str) -> int:
        """Store a new study plan (JSON parts, see ``dlpath.plan.saved``); returns its revision."""

        def work(conn: sqlite3.Connection) -> int:
            previous = conn.execute(
                "SELECT exported FROM plans WHERE catalog = ? ORDER BY id DESC LIMIT 1", (self._key,)
            ).fetchone()
            return conn.execute(
                "INSERT INTO plans (catalog, created_at, settings, items, exported) VALUES (?, ?, ?, ?, ?)",
                (self._key, now(), settings, items, previous[0] if previous else None),  # calendar events carry over
            ).lastrowid

        return self._write(work)

    def set_plan_exported(self, revision: int, exported: str) -> None:
        """Remember the calendar events (JSON ``{uid: day}``) last written for the plan ``revision``."""
        self._write(lambda conn: conn.execute("UPDATE plans SET exported = ? WHERE id = ?", (exported, revision)))

    # ----------------------------------------------------------------------- moving between machines

    def export(self) -> dict[str, Any]:
        """Everything recorded, as the JSON-ready export document (the format is ``transfer``'s)."""
        from dlpath.progress import transfer  # imports json: 1.4 ms `dlpath next` never pays

        events = self._read(
            "SELECT e.resource_id, e.state, e.previous, e.at, coalesce(e.action, c.action)"
            f" FROM events e JOIN changes c ON c.id = e.change_id WHERE {self._where('e')}"
            " ORDER BY e.change_id, e.seq",  # the order they were recorded: an import keeps it, as undo does
            self._params(),
        )
        exercises = self._read("SELECT name, event, at, detail FROM exercise_events ORDER BY at, seq")
        catalog = {"title": self.scope.title, "key": self.scope.key} if self.scope is not None else None
        return transfer.export_document(self.entries(), events, exercises, now(), catalog, self.notes())

    def import_(self, data: Any) -> ImportResult:
        """Check an export document (ExportFormatError names any problem), then ``merge`` it."""
        from dlpath.progress import transfer  # imports json: 1.4 ms `dlpath next` never pays

        return self.merge(transfer.parse_export(data))

    def merge(self, doc: ProgressExport) -> ImportResult:
        """Merge a checked export into this store as one change; merging the same export again adds nothing.

        History and exercise events not already present are added; a resource takes the imported
        state, and a note the imported text, when the imported one is newer than the local one (the last
        change wins).
        """
        import json  # 1.4 ms to import, which `dlpath next` never pays

        def work(conn: sqlite3.Connection) -> ImportResult:
            at = now()
            change_id = self._new_change(conn, at, "import")
            added: dict[tuple[str, str, str], int] = {}
            for ev in doc.events:
                key = (ev["resource"], ev["state"], ev["at"])
                if key in added or conn.execute(
                    "SELECT 1 FROM events e WHERE e.resource_id = :r AND e.state = :s AND e.at = :at"
                    f" AND {self._where('e')}",
                    self._params(r=key[0], s=key[1], at=key[2]),
                ).fetchone():
                    continue
                added[key] = conn.execute(
                    "INSERT INTO events (change_id, resource_id, state, previous, at, applied, catalog, action)"
                    " VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
                    (change_id, ev["resource"], ev["state"], ev["previous"], ev["at"], self._key, ev.get("action")),
                ).lastrowid
            changed = 0
            for res in doc.resources:
                rid, state, updated = res["id"], res["state"], res["updated_at"]
                local_state, local_at = self._current_entry(conn, rid)
                if updated <= local_at:
                    continue  # the local state is as new or newer: it wins
                conn.execute(_UPSERT_PROGRESS, (self._key, rid, state, updated))
                if state == local_state:
                    continue
                changed += 1
                seq = added.get((rid, state, updated))
                if seq is not None:  # the imported event that set this state becomes the applied one
                    conn.execute("UPDATE events SET applied = 1, previous = ? WHERE seq = ?", (local_state, seq))
                else:
                    self._apply(conn, change_id, rid, state, local_state, updated)
            exercises = 0
            for ex in doc.exercises:
                key = (ex["name"], ex["event"], ex["at"])
                if conn.execute(
                    "SELECT 1 FROM exercise_events WHERE name = ? AND event = ? AND at = ?", key
                ).fetchone():
                    continue
                detail = json.dumps(ex["detail"], ensure_ascii=False) if ex["detail"] else None
                conn.execute(
                    "INSERT INTO exercise_events (name, event, at, detail) VALUES (?, ?, ?, ?)",
                    (*key, detail),
                )
                exercises += 1
            notes = 0
            for note in doc.notes:
                rid, text, updated = note["resource"], note["text"], note["updated_at"]
                row = conn.execute(
                    "SELECT text, updated_at FROM notes WHERE catalog = ? AND resource_id = ?", (self._key, rid)
                ).fetchone()
                local_text, local_at = row if row else ("", "")
                if updated <= local_at:
                    continue  # the local note is as new or newer: it wins
                self._put_note(conn, self._key, rid, text, updated)
                notes += text != local_text
            result = ImportResult(len(added), changed, exercises, notes)
            if not (added or changed):
                conn.execute("DELETE FROM changes WHERE id = ?", (change_id,))
            return result

        return self._write(work)


# --------------------------------------------------------------------------- for the exercise commands


def record_exercise(
    name: str, event: str, detail: dict[str, Any] | None = None, *, only_if_exists: bool = False
) -> None:
    """Record an exercise ``run``, ``passed`` or ``hint`` event in the progress store.

    ``only_if_exists=True`` does nothing when there is no progress database yet (a learner who never
    tracked progress gets no file). Raises StoreError if the store cannot be opened or written safely,
    ValueError for an unknown event or empty name.
    """
    check_exercise_event(name, event)
    with Store.open(create=not only_if_exists) as store:
        if store.exists:
            store.record_exercise(name, event, detail)


def hints_shown(name: str) -> int:
    """How many hints were shown for the exercise ``name`` (0 without a database; never creates one).

    Raises StoreError if the file at the database path is not a readable dlpath database.
    """
    with Store.open() as store:
        return store.hints_shown(name)


def exercise_stats() -> dict[str, ExerciseStats]:
    """Runs, passes and hints for every exercise recorded, by name (empty without a database)."""
    with Store.open() as store:
        return store.exercise_stats()
