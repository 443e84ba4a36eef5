"""The learner's progress: an SQLite event log keyed by resource id, and the pure "what is next" logic.

Layout of ``data_dir()/progress.sqlite3`` (schema version 1, see ``_migrate_to_1``):

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

import os
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import quote

from dlpath.errors import StoreError

if TYPE_CHECKING:
    from dlpath.catalog import Catalog, Resource

NOT_STARTED = "not-started"
IN_PROGRESS = "in-progress"
DONE = "done"
SKIPPED = "skipped"
STATES = (NOT_STARTED, IN_PROGRESS, DONE, SKIPPED)
SETTLED = (DONE, SKIPPED)  # states that move the learner past a resource

EXERCISE_EVENTS = ("run", "passed", "hint")

FILE_NAME = "progress.sqlite3"
SCHEMA_VERSION = 1
APPLICATION_ID = 0x646C7074  # "dlpt": PRAGMA application_id marks the file as ours
BUSY_TIMEOUT_SECONDS = 30.0
EXPORT_FORMAT = "dlpath-progress"
EXPORT_VERSION = 1

_SQLITE_MAGIC = b"SQLite format 3\x00"
_UPSERT_PROGRESS = (
    "INSERT INTO progress (resource_id, state, updated_at) VALUES (?, ?, ?)"
    " ON CONFLICT (resource_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at"
)


def database_path() -> Path:
    """Where the progress database lives: ``data_dir()/progress.sqlite3``."""
    from dlpath.paths import data_dir

    return data_dir() / FILE_NAME


def now() -> str:
    """The current time as stored: ISO 8601, UTC, microseconds."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _normal_time(value: str) -> str:
    """An ISO 8601 time in the stored form; ValueError if it is not one or has no time zone."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("time has no time zone")
    return parsed.astimezone(UTC).isoformat(timespec="microseconds")


# --------------------------------------------------------------------------- schema and migrations


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


# MIGRATIONS[v] brings a database from schema version v - 1 to v. Append, never edit a released one.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _migrate_to_1}


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


class Entry(NamedTuple):
    """The current state of one resource and when it was set."""

    state: str
    updated_at: str


class Event(NamedTuple):
    """One recorded state change of one resource (history and undo read these)."""

    seq: int
    change_id: int
    action: str
    resource_id: str
    state: str
    previous: str
    at: str
    applied: bool


class Changed(NamedTuple):
    """One resource a command changed: its id, its state before and after."""

    resource_id: str
    previous: str
    state: str


class Undone(NamedTuple):
    """What ``undo`` reverted: the original change's action and time, and the states restored."""

    action: str
    at: str
    restored: tuple[Changed, ...]


class ExerciseStats(NamedTuple):
    """How often an exercise was run, passed, and how many hints were shown."""

    runs: int = 0
    passed: int = 0
    hints: int = 0
    last_passed: str | None = None


class ImportResult(NamedTuple):
    """What ``import`` added: history events, resources whose state changed, exercise events."""

    events: int
    resources: int
    exercises: int

    @property
    def nothing_new(self) -> bool:
        return not (self.events or self.resources or self.exercises)


class Snapshot(NamedTuple):
    """Everything ``status`` needs, read in one transaction."""

    entries: dict[str, Entry]
    activity_days: frozenset[date]
    last_activity: str | None
    exercises: dict[str, ExerciseStats]


class Store:
    """The progress database; with no database file yet it reads as empty (and writers create it).

    Open with ``Store.open(create=...)`` and use as a context manager so the connection is closed.
    """

    def __init__(self, path: Path, conn: sqlite3.Connection | None) -> None:
        self.path = path
        self._conn = conn

    @classmethod
    def open(cls, path: Path | None = None, *, create: bool = False) -> "Store":
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
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> "Store":
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
        import json  # here, not at the top: 'dlpath next' never needs it

        """Append an exercise event (``run``, ``passed`` or ``hint``)."""
        if event not in EXERCISE_EVENTS:
            raise ValueError(f"unknown exercise event {event!r}: expected one of {', '.join(EXERCISE_EVENTS)}")
        if not isinstance(name, str) or not name.strip():
            raise ValueError("an exercise name must be a non-empty string")
        text = json.dumps(dict(detail), ensure_ascii=False, default=str) if detail else None
        self._write(
            lambda conn: conn.execute(
                "INSERT INTO exercise_events (name, event, at, detail) VALUES (?, ?, ?, ?)",
                (name, event, now(), text),
            )
        )

    # ----------------------------------------------------------------------- moving between machines

    def export(self) -> dict[str, Any]:
        import json

        """Everything recorded, as JSON-ready data (see ``parse_export`` for the format)."""
        entries = self.entries()
        events = self._read("SELECT resource_id, state, previous, at FROM events ORDER BY at, seq")
        exercises = self._read("SELECT name, event, at, detail FROM exercise_events ORDER BY at, seq")
        return {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "exported_at": now(),
            "resources": [
                {"id": rid, "state": entry.state, "updated_at": entry.updated_at}
                for rid, entry in sorted(entries.items())
            ],
            "events": [{"resource": r, "state": s, "previous": p, "at": at} for r, s, p, at in events],
            "exercises": [
                {"name": n, "event": e, "at": at, "detail": json.loads(d) if d else None} for n, e, at, d in exercises
            ],
        }

    def import_(self, data: Any) -> ImportResult:
        import json

        """Merge an export into this store as one change; importing the same data again adds nothing.

        History and exercise events not already present are added; a resource takes the imported
        state when the imported one is newer than the local one (the last change wins).
        """
        doc = parse_export(data)

        def work(conn: sqlite3.Connection) -> ImportResult:
            at = now()
            change_id = conn.execute("INSERT INTO changes (at, action) VALUES (?, 'import')", (at,)).lastrowid
            added: dict[tuple[str, str, str], int] = {}
            for ev in doc["events"]:
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
            for res in doc["resources"]:
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
            for ex in doc["exercises"]:
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


class ExportFormatError(StoreError):
    """A progress export file is not in the format ``dlpath progress export`` writes."""


def parse_export(data: Any) -> dict[str, list[dict[str, Any]]]:
    import json

    """Check an export document; return its parts, times normalised. ExportFormatError names any problem."""

    def fail(where: str, message: str) -> ExportFormatError:
        return ExportFormatError(f"not a dlpath progress export: {where}: {message}")

    if not isinstance(data, dict):
        raise fail("top level", "expected a JSON object")
    if data.get("format") != EXPORT_FORMAT:
        raise fail("format", f'expected "{EXPORT_FORMAT}", got {json.dumps(data.get("format"))}')
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise fail("version", f"expected a positive whole number, got {json.dumps(version)}")
    if version > EXPORT_VERSION:
        raise ExportFormatError(
            f"the export was written by a newer dlpath (format version {version}, this one reads up to"
            f" {EXPORT_VERSION}): upgrade dlpath"
        )

    def items(key: str) -> list[dict[str, Any]]:
        value = data.get(key, [])
        if not isinstance(value, list):
            raise fail(key, "expected a list")
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                raise fail(f"{key}[{i}]", "expected an object")
        return value

    def text(item: dict, key: str, where: str) -> str:
        value = item.get(key)
        if not isinstance(value, str) or not value.strip():
            raise fail(f"{where}.{key}", f"expected a non-empty string, got {json.dumps(value)}")
        return value

    def state(item: dict, key: str, where: str) -> str:
        value = item.get(key)
        if value not in STATES:
            raise fail(f"{where}.{key}", f"expected one of {', '.join(STATES)}, got {json.dumps(value)}")
        return value

    def time(item: dict, key: str, where: str) -> str:
        value = text(item, key, where)
        try:
            return _normal_time(value)
        except ValueError:
            raise fail(
                f"{where}.{key}", f"expected an ISO 8601 time with a time zone, got {json.dumps(value)}"
            ) from None

    resources, seen = [], set()
    for i, item in enumerate(items("resources")):
        where = f"resources[{i}]"
        rid = text(item, "id", where)
        if rid in seen:
            raise fail(f"{where}.id", f"'{rid}' appears twice")
        seen.add(rid)
        resources.append(
            {"id": rid, "state": state(item, "state", where), "updated_at": time(item, "updated_at", where)}
        )
    events = []
    for i, item in enumerate(items("events")):
        where = f"events[{i}]"
        events.append(
            {
                "resource": text(item, "resource", where),
                "state": state(item, "state", where),
                "previous": state(item, "previous", where),
                "at": time(item, "at", where),
            }
        )
    exercises = []
    for i, item in enumerate(items("exercises")):
        where = f"exercises[{i}]"
        event = item.get("event")
        if event not in EXERCISE_EVENTS:
            raise fail(f"{where}.event", f"expected one of {', '.join(EXERCISE_EVENTS)}, got {json.dumps(event)}")
        detail = item.get("detail")
        if detail is not None and not isinstance(detail, dict):
            raise fail(f"{where}.detail", "expected an object or null")
        exercises.append(
            {
                "name": text(item, "name", where),
                "event": event,
                "at": time(item, "at", where),
                "detail": detail,
            }
        )
    return {"resources": resources, "events": events, "exercises": exercises}


# --------------------------------------------------------------------------- for the exercise commands


def record_exercise(
    name: str, event: str, detail: dict[str, Any] | None = None, *, only_if_exists: bool = False
) -> None:
    """Record an exercise ``run``, ``passed`` or ``hint`` event in the progress store.

    ``only_if_exists=True`` does nothing when there is no progress database yet (a learner who never
    tracked progress gets no file). Raises StoreError if the store cannot be opened or written safely,
    ValueError for an unknown event or empty name.
    """
    if event not in EXERCISE_EVENTS:
        raise ValueError(f"unknown exercise event {event!r}: expected one of {', '.join(EXERCISE_EVENTS)}")
    if not isinstance(name, str) or not name.strip():
        raise ValueError("an exercise name must be a non-empty string")
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


# --------------------------------------------------------------------------- pure functions


def next_resource(resources: Iterable["Resource"], states: Mapping[str, str]) -> "Resource | None":
    """The first resource, in the order given (path order), that is neither done nor skipped."""
    for resource in resources:
        if states.get(resource.id, NOT_STARTED) not in SETTLED:
            return resource
    return None


def offer_next(catalog: "Catalog", states: Mapping[str, str]) -> "Resource | None":
    """What ``dlpath next`` offers: a prerequisite first, then the first resource neither done nor skipped.

    A prerequisite is offered only while the learner has recorded nothing on the steps themselves:
    once they start, mark or skip anything of step 1 onwards, it is never offered again (it never
    blocks the path); done or skipped, it gives way to step 1.
    """
    prerequisites = catalog.prerequisites
    if prerequisites:
        ids = {r.id for r in prerequisites}
        if not any(rid not in ids for rid in states):
            waiting = next_resource(prerequisites, states)
            if waiting is not None:
                return waiting
    return next_resource(catalog.resources, states)


def streak_days(days: Iterable[date], today: date) -> int:
    """Consecutive days with activity ending today, or yesterday when there is none today yet."""
    active = set(days)
    day = today if today in active else today - timedelta(days=1)
    count = 0
    while day in active:
        count += 1
        day -= timedelta(days=1)
    return count


class Tally(NamedTuple):
    """Resource counts by state and minutes done (done resources) and left (neither done nor skipped)."""

    total: int = 0
    done: int = 0
    skipped: int = 0
    in_progress: int = 0
    minutes_done: int = 0
    minutes_left: int = 0

    @property
    def not_started(self) -> int:
        return self.total - self.done - self.skipped - self.in_progress

    @property
    def settled(self) -> int:
        """Resources the learner is past: done or skipped."""
        return self.done + self.skipped

    @property
    def percent(self) -> float:
        """Share of resources done or skipped, 0 to 100."""
        return 100.0 * self.settled / self.total if self.total else 100.0


def tally(resources: Iterable["Resource"], states: Mapping[str, str]) -> Tally:
    """Count resources by state and add up their minutes."""
    total = done = skipped = in_progress = minutes_done = minutes_left = 0
    for resource in resources:
        state = states.get(resource.id, NOT_STARTED)
        total += 1
        if state == DONE:
            done += 1
            minutes_done += resource.minutes
        elif state == SKIPPED:
            skipped += 1
        else:
            minutes_left += resource.minutes
            if state == IN_PROGRESS:
                in_progress += 1
    return Tally(total, done, skipped, in_progress, minutes_done, minutes_left)


class Summary(NamedTuple):
    """The status of the whole path: per step, overall, streak, last activity, orphaned entries.

    ``steps`` and ``overall`` count the required resources only; the optional ones (extra reading and
    what dlpath added) are counted apart in ``optional_steps`` and ``optional_overall``, and the
    prerequisites in ``before``, so that an optional book never makes the path look longer.
    """

    steps: tuple[Tally, ...]
    overall: Tally
    streak: int
    last_activity: str | None
    orphaned: tuple[str, ...]  # ids with progress that the catalogue no longer has
    exercises: dict[str, ExerciseStats]
    optional_steps: tuple[Tally, ...] = ()
    optional_overall: Tally = Tally()
    before: Tally | None = None  # the prerequisites, if the catalogue has any


def _sum(tallies: Sequence[Tally]) -> Tally:
    return Tally(*(sum(column) for column in zip(*tallies, strict=True))) if tallies else Tally()


def summarise(catalog: "Catalog", snapshot: Snapshot, today: date | None = None) -> Summary:
    """The status summary of ``catalog`` given what the store holds."""
    states = {rid: entry.state for rid, entry in snapshot.entries.items()}
    steps = tuple(tally(step.required, states) for step in catalog.steps)
    optional_steps = tuple(tally(step.optional, states) for step in catalog.steps)
    before = tally(catalog.prerequisites, states) if catalog.prerequisites else None
    orphaned = tuple(sorted(rid for rid, state in states.items() if not catalog.knows(rid) and state != NOT_STARTED))
    today = today or date.today()
    return Summary(
        steps,
        _sum(steps),
        streak_days(snapshot.activity_days, today),
        snapshot.last_activity,
        orphaned,
        snapshot.exercises,
        optional_steps,
        _sum(optional_steps),
        before,
    )
