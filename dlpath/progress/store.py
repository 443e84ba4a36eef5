"""The learner's progress on disk: an SQLite event log keyed by resource id (``data_dir()/progress.sqlite3``).

Tables (built by ``migrations.py``):

- ``changes``: one row per command that changed something (``start``, ``done``, ``skip``, ``reset``,
  ``import``, ``undo``); an ``undo`` row names the change it reverted in ``undoes``.
- ``events``: one row per resource whose state a change touched: new ``state``, ``previous`` state,
  time ``at``. ``applied = 0`` marks history copied from another machine by ``import`` that did not
  change the local state (so ``undo`` leaves it alone).
- ``progress``: the current state of every resource ever touched (``not-started`` after a reset),
  kept in step with ``events`` in the same transaction so that ``dlpath next`` needs one query.
- ``exercise_events``: exercise runs, passes and hints shown.

Every change is one ``BEGIN IMMEDIATE`` transaction; the database is in WAL mode with a busy timeout,
so concurrent dlpath processes queue rather than fail. A file at the database path that is not a
dlpath database is never written to: opening it raises StoreError naming the path.

Times are stored as ISO 8601 UTC strings with microseconds, which sort as text.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from dlpath.errors import StoreError
from dlpath.paths import data_dir
from dlpath.progress.migrations import MIGRATIONS, SCHEMA_VERSION
from dlpath.progress.records import (
    NOT_STARTED,
    STATES,
    Changed,
    Entry,
    Event,
    ExerciseStats,
    ImportResult,
    Snapshot,
    Undone,
    check_exercise_event,
    now,
)

if TYPE_CHECKING:
    from dlpath.progress.transfer import ProgressExport

FILE_NAME = "progress.sqlite3"
APPLICATION_ID = 0x646C7074  # "dlpt": PRAGMA application_id marks the file as ours
BUSY_TIMEOUT_SECONDS = 30.0

_SQLITE_MAGIC = b"SQLite format 3\x00"
_UPSERT_PROGRESS = (
    "INSERT INTO progress (resource_id, state, updated_at) VALUES (?, ?, ?)"
    " ON CONFLICT (resource_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at"
)


def database_path(folder: Path | None = None) -> Path:
    """Where the progress database lives: ``progress.sqlite3`` in ``folder``, by default the data folder."""
    return (folder if folder is not None else data_dir()) / FILE_NAME


def _recover_hint(path: Path) -> str:
    return (
        f"it was left untouched: move it aside (e.g. mv '{path}' '{path}.bad') to start a new one,"
        " or point DLPATH_HOME at another folder"
    )


def _not_ours(path: Path, why: str) -> StoreError:
    return StoreError(f"{path} is not a dlpath progress database ({why}); {_recover_hint(path)}")


def _check_file(path: Path) -> None:
    """Refuse, before SQLite touches it, anything at ``path`` that cannot be a dlpath database."""
    if path.is_dir():
        raise StoreError(f"{path} is a directory, not the progress database; move it aside")
    try:
        with open(path, "rb") as handle:
            header = handle.read(len(_SQLITE_MAGIC))
    except OSError as err:
        raise StoreError(f"cannot read the progress database {path}: {err.strerror or err}") from None
    if not header:
        raise _not_ours(path, "the file is empty")
    if header != _SQLITE_MAGIC:
        raise _not_ours(path, "the file is not an SQLite database")


def _connect(path: Path) -> sqlite3.Connection:
    uri = f"file:{quote(str(path))}?mode=rw"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    except sqlite3.Error as err:
        raise StoreError(f"cannot open the progress database {path}: {err}") from None
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
    return conn


def _create(path: Path) -> None:
    """Make a new database at ``path`` atomically: built aside, then hard-linked into place.

    Another process never sees a half-made file, and if two create at once the first one wins.
    """
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise StoreError(
            f"cannot create the data directory {folder}: {err.strerror or err}; set DLPATH_HOME to a writable folder"
        ) from None
    if not folder.is_dir():
        raise StoreError(f"the data directory {folder} is not a folder; set DLPATH_HOME to a writable folder")
    temp = folder / f".{FILE_NAME}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    try:
        conn = sqlite3.connect(temp, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute("BEGIN IMMEDIATE")
            for version in range(1, SCHEMA_VERSION + 1):
                MIGRATIONS[version](conn)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        finally:
            conn.close()
        try:
            os.link(temp, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        except OSError:
            if not path.exists():  # a filesystem without hard links
                os.replace(temp, path)
    except (OSError, sqlite3.Error) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise StoreError(
            f"cannot create the progress database in {folder}: {reason}; set DLPATH_HOME to a writable folder"
        ) from None
    finally:
        for leftover in (temp, Path(f"{temp}-wal"), Path(f"{temp}-shm"), Path(f"{temp}-journal")):
            leftover.unlink(missing_ok=True)


def _check_schema(conn: sqlite3.Connection, path: Path) -> None:
    """Check the file is ours and bring its schema up to date (never touches a foreign file)."""
    try:
        app_id, version = conn.execute(
            "SELECT (SELECT application_id FROM pragma_application_id), (SELECT user_version FROM pragma_user_version)"
        ).fetchone()
    except sqlite3.DatabaseError as err:
        raise _not_ours(path, str(err)) from None
    if app_id != APPLICATION_ID:
        raise _not_ours(path, "an SQLite database made by another program")
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} was written by a newer dlpath (progress schema {version}, this one reads up to"
            f" {SCHEMA_VERSION}): upgrade dlpath; the file was left untouched"
        )
    if version < SCHEMA_VERSION:
        _migrate(conn, path)


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    try:
        conn.execute("BEGIN IMMEDIATE")
        (version,) = conn.execute("PRAGMA user_version").fetchone()  # another process may have done it
        for step in range(version + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[step](conn)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except sqlite3.Error as err:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise StoreError(f"cannot upgrade the progress database {path}: {err}") from None


# --------------------------------------------------------------------------- the store


class Store:
    """The progress database; with no database file yet it reads as empty (and writers create it).

    Open with ``Store.open(create=...)`` and use as a context manager so the connection is closed.
    """

    def __init__(self, path: Path, conn: sqlite3.Connection | None) -> None:
        self.path = path
        self._conn = conn

    @classmethod
    def open(cls, path: Path | None = None, *, create: bool = False) -> Store:
        """Open the store; ``create=False`` never creates the file or the data directory."""
        path = Path(path) if path is not None else database_path()
        if not path.exists():
            if path.is_symlink():
                raise StoreError(f"{path} is a broken symbolic link; remove it or fix its target")
            if not create:
                return cls(path, None)
            _create(path)
        _check_file(path)
        conn = _connect(path)
        try:
            _check_schema(conn, path)
        except BaseException:
            conn.close()
            raise
        return cls(path, conn)

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
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as err:
            raise StoreError(f"cannot read the progress database {self.path}: {err}") from None

    def entries(self) -> dict[str, Entry]:
        """The current state of every resource ever touched, by resource id (one query)."""
        return {rid: Entry(state, at) for rid, state, at in self._read("SELECT * FROM progress")}

    def states(self) -> dict[str, str]:
        """The current state of every resource ever touched, by resource id."""
        return {rid: entry.state for rid, entry in self.entries().items()}

    def history(self, limit: int | None = 20) -> list[Event]:
        """The most recent events, newest first (``limit=None``: all of them)."""
        sql = (
            "SELECT e.seq, e.change_id, c.action, e.resource_id, e.state, e.previous, e.at, e.applied"
            " FROM events e JOIN changes c ON c.id = e.change_id ORDER BY e.at DESC, e.seq DESC"
        )
        params: tuple = ()
        if limit is not None:
            sql += " LIMIT ?"
            params = (max(0, int(limit)),)
        return [Event(*row[:7], bool(row[7])) for row in self._read(sql, params)]

    def activity(self) -> tuple[frozenset[date], str | None]:
        """The local dates with study activity (not undone), and the time of the last recorded change."""
        rows = self._read(
            "SELECT DISTINCT date(e.at, 'localtime') FROM events e JOIN changes c ON c.id = e.change_id"
            " WHERE c.action != 'undo' AND e.state IN ('in-progress', 'done')"
            " AND NOT EXISTS (SELECT 1 FROM changes u WHERE u.undoes = c.id)"
            " UNION SELECT DISTINCT date(at, 'localtime') FROM exercise_events"
        )
        days = frozenset(date.fromisoformat(day) for (day,) in rows if day)
        last = self._read(
            "SELECT max(at) FROM (SELECT max(at) AS at FROM events UNION ALL SELECT max(at) FROM exercise_events)"
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
        self._conn.execute("BEGIN")
        try:
            entries = self.entries()
            days, last = self.activity()
            exercises = self.exercise_stats()
        finally:
            self._conn.execute("COMMIT")
        return Snapshot(entries, days, last, exercises)

    # ----------------------------------------------------------------------- writing

    def _write(self, work: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run ``work`` in one immediate transaction: all of it is committed or none of it."""
        if self._conn is None:
            raise StoreError(f"the progress database {self.path} was opened for reading only")
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = work(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except sqlite3.OperationalError as err:
            if "locked" in str(err) or "busy" in str(err):
                raise StoreError(
                    f"the progress database {self.path} stayed locked by another dlpath for"
                    f" {BUSY_TIMEOUT_SECONDS:.0f} s; try again"
                ) from None
            raise StoreError(f"cannot write the progress database {self.path}: {err}") from None
        except sqlite3.Error as err:
            raise StoreError(f"cannot write the progress database {self.path}: {err}") from None
        return result

    @staticmethod
    def _current(conn: sqlite3.Connection, resource_id: str) -> str:
        row = conn.execute("SELECT state FROM progress WHERE resource_id = ?", (resource_id,)).fetchone()
        return row[0] if row else NOT_STARTED

    @staticmethod
    def _apply(conn: sqlite3.Connection, change_id: int, resource_id: str, state: str, previous: str, at: str) -> None:
        conn.execute(
            "INSERT INTO events (change_id, resource_id, state, previous, at) VALUES (?, ?, ?, ?, ?)",
            (change_id, resource_id, state, previous, at),
        )
        conn.execute(
            _UPSERT_PROGRESS,
            (resource_id, state, at),
        )

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
            change_id = conn.execute("INSERT INTO changes (at, action) VALUES (?, ?)", (at, action)).lastrowid
            for item in changed:
                self._apply(conn, change_id, item.resource_id, state, item.previous, at)
            return changed

        return self._write(work)

    def undo(self) -> Undone | None:
        """Revert the most recent change not yet undone (repeatable); None when there is nothing to undo."""

        def work(conn: sqlite3.Connection) -> Undone | None:
            row = conn.execute(
                "SELECT id, action, at FROM changes c WHERE c.undoes IS NULL"
                " AND NOT EXISTS (SELECT 1 FROM changes u WHERE u.undoes = c.id) ORDER BY id DESC LIMIT 1"
            ).fetchone()
            if row is None:
                return None
            target, action, original_at = row
            at = now()
            change_id = conn.execute(
                "INSERT INTO changes (at, action, undoes) VALUES (?, 'undo', ?)", (at, target)
            ).lastrowid
            restored = []
            events = conn.execute(
                "SELECT resource_id, previous FROM events WHERE change_id = ? AND applied ORDER BY seq DESC",
                (target,),
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

    # ----------------------------------------------------------------------- moving between machines

    def export(self) -> dict[str, Any]:
        """Everything recorded, as the JSON-ready export document (the format is ``transfer``'s)."""
        from dlpath.progress import transfer  # imports json: 1.4 ms `dlpath next` never pays

        events = self._read("SELECT resource_id, state, previous, at FROM events ORDER BY at, seq")
        exercises = self._read("SELECT name, event, at, detail FROM exercise_events ORDER BY at, seq")
        return transfer.export_document(self.entries(), events, exercises, now())

    def import_(self, data: Any) -> ImportResult:
        """Check an export document (ExportFormatError names any problem), then ``merge`` it."""
        from dlpath.progress import transfer  # imports json: 1.4 ms `dlpath next` never pays

        return self.merge(transfer.parse_export(data))

    def merge(self, doc: ProgressExport) -> ImportResult:
        """Merge a checked export into this store as one change; merging the same export again adds nothing.

        History and exercise events not already present are added; a resource takes the imported
        state when the imported one is newer than the local one (the last change wins).
        """
        import json  # 1.4 ms to import, which `dlpath next` never pays

        def work(conn: sqlite3.Connection) -> ImportResult:
            at = now()
            change_id = conn.execute("INSERT INTO changes (at, action) VALUES (?, 'import')", (at,)).lastrowid
            added: dict[tuple[str, str, str], int] = {}
            for ev in doc.events:
                key = (ev["resource"], ev["state"], ev["at"])
                if (
                    key in added
                    or conn.execute(
                        "SELECT 1 FROM events WHERE resource_id = ? AND state = ? AND at = ?", key
                    ).fetchone()
                ):
                    continue
                added[key] = conn.execute(
                    "INSERT INTO events (change_id, resource_id, state, previous, at, applied)"
                    " VALUES (?, ?, ?, ?, ?, 0)",
                    (change_id, ev["resource"], ev["state"], ev["previous"], ev["at"]),
                ).lastrowid
            changed = 0
            for res in doc.resources:
                rid, state, updated = res["id"], res["state"], res["updated_at"]
                row = conn.execute("SELECT state, updated_at FROM progress WHERE resource_id = ?", (rid,)).fetchone()
                local_state, local_at = row if row else (NOT_STARTED, "")
                if updated <= local_at:
                    continue  # the local state is as new or newer: it wins
                conn.execute(_UPSERT_PROGRESS, (rid, state, updated))
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
            result = ImportResult(len(added), changed, exercises)
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
