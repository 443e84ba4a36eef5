"""``dlpath progress recover``: copy everything still readable from a damaged progress database into a new one.

The damaged file is never deleted or changed: the new database is built beside it, then the damaged
file (and its -wal/-shm companions) is renamed to ``progress.sqlite3.damaged-TIME`` and the new one takes
its place. Rows are read table by table, and where a whole table cannot be read, in small ranges of
row ids and then one by one, so one bad page costs only the rows on it.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

from dlpath.errors import StoreError
from dlpath.progress.migrations import MIGRATIONS, SCHEMA_VERSION

# table -> its row-id column (None: WITHOUT ROWID, read whole or not at all), copied in this order
TABLES = {"changes": "id", "events": "seq", "exercise_events": "seq", "catalogs": None, "progress": None,
          "notes": None, "plans": "id"}
LATER_TABLES = frozenset({"notes", "plans"})  # schema 3: a database from before has none, which is no damage
_CHUNK = 128
_GIVE_UP_AFTER = 64  # empty or unreadable chunks in a row past the last row found


class Recovered(NamedTuple):
    """What recovery copied (rows per table), what it could not read, and where the damaged file went."""

    copied: dict[str, int]
    unreadable: dict[str, int]  # row ranges or rows that could not be read, per table
    kept_at: Path
    rebuilt_progress: bool  # current states recomputed from the history (their own table was unreadable)


def healthy(path: Path) -> bool:
    """Whether SQLite finds nothing wrong with the database at ``path`` (``PRAGMA quick_check``)."""
    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=1.0)
        try:
            return conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def _has_table(src: sqlite3.Connection, table: str) -> bool:
    """Whether the damaged database has ``table`` at all (True when even that cannot be read)."""
    try:
        found = src.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
        return found is not None
    except sqlite3.Error:
        return True


def _rows(src: sqlite3.Connection, table: str, rowid: str | None) -> tuple[list[str], list[tuple], int]:
    """Column names, every readable row, and how many reads failed."""
    try:
        cursor = src.execute(f"SELECT * FROM {table}")  # noqa: S608 - table names are ours
        columns = [d[0] for d in cursor.description]
        return columns, cursor.fetchall(), 0
    except sqlite3.Error:
        pass
    if rowid is None:
        try:
            columns = [row[1] for row in src.execute(f"PRAGMA table_info({table})")]
        except sqlite3.Error:
            columns = []
        return columns, [], 1
    try:
        columns = [row[1] for row in src.execute(f"PRAGMA table_info({table})")]
    except sqlite3.Error:
        return [], [], 1
    rows: list[tuple] = []
    failed = 0
    low, misses = 0, 0
    while misses < _GIVE_UP_AFTER:
        high = low + _CHUNK
        sql = f"SELECT * FROM {table} WHERE {rowid} > ? AND {rowid} <= ?"  # noqa: S608
        try:
            chunk = src.execute(sql, (low, high)).fetchall()
        except sqlite3.Error:
            chunk = []
            for single in range(low + 1, high + 1):
                try:
                    chunk += src.execute(f"SELECT * FROM {table} WHERE {rowid} = ?", (single,)).fetchall()  # noqa: S608
                except sqlite3.Error:
                    failed += 1
        misses = 0 if chunk else misses + 1
        rows += chunk
        low = high
    return columns, rows, failed


def _new_database(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    from dlpath.progress.database import APPLICATION_ID

    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("BEGIN IMMEDIATE")
    for version in range(1, SCHEMA_VERSION + 1):
        MIGRATIONS[version](conn)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    return conn


def recover(path: Path) -> Recovered:
    """Copy every readable row of the database at ``path`` into a new database that takes its place.

    Raises StoreError when there is no file, or when the new database cannot be written (then nothing
    has moved: the damaged file is exactly where it was).
    """
    if not path.is_file():
        raise StoreError(f"there is no progress database at {path}: nothing to recover")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    temp = path.with_name(f".{path.name}.recovering-{os.getpid()}")
    kept = path.with_name(f"{path.name}.damaged-{stamp}")
    try:
        src = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=1.0)
        src.execute("SELECT 1").fetchone()
    except sqlite3.Error:
        src = sqlite3.connect(f"file:{quote(str(path))}?mode=ro&immutable=1", uri=True)
    copied: dict[str, int] = {}
    unreadable: dict[str, int] = {}
    rebuilt = False
    try:
        dst = _new_database(temp)
        try:
            for table, rowid in TABLES.items():
                if table in LATER_TABLES and not _has_table(src, table):
                    copied[table] = 0
                    continue
                columns, rows, failed = _rows(src, table, rowid)
                if failed:
                    unreadable[table] = failed
                wanted = [r[1] for r in dst.execute(f"PRAGMA table_info({table})")]
                shared = [c for c in columns if c in wanted]
                if not shared:
                    copied[table] = 0
                    continue
                index = [columns.index(c) for c in shared]
                # a database older than progress per catalogue: its rows are unscoped ('')
                extra = ["catalog"] if "catalog" in wanted and "catalog" not in columns else []
                marks = ", ".join("?" for _ in shared + extra)
                count = 0
                for row in rows:
                    try:
                        cursor = dst.execute(
                            f"INSERT OR IGNORE INTO {table} ({', '.join(shared + extra)}) VALUES ({marks})",  # noqa: S608
                            [row[i] for i in index] + [""] * len(extra),
                        )
                        count += cursor.rowcount
                    except sqlite3.Error:  # a row the damage made invalid (a bad state, a missing column)
                        unreadable[table] = unreadable.get(table, 0) + 1
                copied[table] = count
            if "progress" in unreadable or (not copied.get("progress") and copied.get("events")):
                rebuilt = True
                dst.execute(
                    "INSERT OR REPLACE INTO progress (catalog, resource_id, state, updated_at)"
                    " SELECT catalog, resource_id, state, at FROM events e WHERE applied"
                    " ORDER BY change_id, seq"
                )
                copied["progress"] = dst.execute("SELECT count(*) FROM progress").fetchone()[0]
            dst.execute("COMMIT")
            dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            dst.close()
        src.close()
        moved = []
        try:
            for suffix in ("", "-wal", "-shm"):
                part = Path(f"{path}{suffix}")
                if part.exists():
                    os.replace(part, Path(f"{kept}{suffix}"))
                    moved.append(suffix)
            os.replace(temp, path)
        except OSError:
            for suffix in moved:  # put the damaged file back where it was: the message below must be true
                os.replace(Path(f"{kept}{suffix}"), Path(f"{path}{suffix}"))
            raise
    except (OSError, sqlite3.Error) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise StoreError(
            f"could not write the recovered database beside {path} ({reason}); the damaged file was left as it"
            " was: free some space or fix the folder's permissions, then run recover again"
        ) from None
    finally:
        src.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{temp}{suffix}").unlink(missing_ok=True)
    return Recovered(copied, unreadable, kept, rebuilt)
