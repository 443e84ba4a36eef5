"""The progress database file: where it lives, opening it safely, creating it atomically, waiting on locks.

A file at the database path that is not a dlpath database is never written to: opening it raises
StoreError naming the path (``problems`` words every database problem). A file made by an older
dlpath is brought up to date with ``migrations``; one made by a newer dlpath is left untouched.
The ``Store`` (``store.py``) reads and changes what is in it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from dlpath.errors import StoreError
from dlpath.paths import data_dir, lock_wait_seconds
from dlpath.progress import problems
from dlpath.progress.migrations import MIGRATIONS, SCHEMA_VERSION

FILE_NAME = "progress.sqlite3"
APPLICATION_ID = 0x646C7074  # "dlpt": PRAGMA application_id marks the file as ours
FIRST_WAIT_SECONDS = 1.0  # a lock held longer than this is announced before dlpath waits on

_SQLITE_MAGIC = b"SQLite format 3\x00"


def database_path(folder: Path | None = None) -> Path:
    """Where the progress database lives: ``progress.sqlite3`` in ``folder``, by default the data folder."""
    return (folder if folder is not None else data_dir()) / FILE_NAME


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
        raise StoreError(
            f"the progress database {path} is empty (0 bytes), so there is no progress in it to save:"
            " remove it and dlpath starts a new one"
        )
    if header != _SQLITE_MAGIC:
        raise problems.foreign(path, "the file is not an SQLite database")


def _connect(path: Path) -> sqlite3.Connection:
    uri = f"file:{quote(str(path))}?mode=rw"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=FIRST_WAIT_SECONDS, isolation_level=None)
    except sqlite3.Error as err:
        raise problems.explain(err, path, "open") from None
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
    except sqlite3.Error as err:
        if problems.is_locked(err) or getattr(err, "sqlite_errorname", "").startswith(("SQLITE_FULL", "SQLITE_IOERR")):
            raise problems.explain(err, path, "create") from None  # a full disk or a size limit, named as such
        raise StoreError(
            f"cannot create the progress database in {folder}: {err}; set DLPATH_HOME to a writable folder"
        ) from None
    except OSError as err:
        import errno

        if err.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StoreError(
                f"cannot create the progress database in {folder}: the disk is full; free some space"
            ) from None
        raise StoreError(
            f"cannot create the progress database in {folder}: {err.strerror or err};"
            " set DLPATH_HOME to a writable folder"
        ) from None
    finally:
        for leftover in (temp, Path(f"{temp}-wal"), Path(f"{temp}-shm"), Path(f"{temp}-journal")):
            leftover.unlink(missing_ok=True)


def _patiently(
    conn: sqlite3.Connection, path: Path, on_wait: Callable[[str], None] | None, doing: str, work: Callable[[], Any]
) -> Any:
    """Run ``work``; if another program holds a lock past the first second, say so, wait, try once more.

    Raises DatabaseLocked if the lock outlasts the wait; other sqlite3 errors propagate to the caller.
    """
    try:
        return work()
    except sqlite3.Error as err:
        if not problems.is_locked(err):
            raise
    wait = lock_wait_seconds()
    if on_wait is not None:
        on_wait(
            f"the progress database {path} is locked by another program; waiting up to {wait:g} s"
            " for it to finish..."
        )
    conn.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
    try:
        return work()
    except sqlite3.Error as err:
        if problems.is_locked(err):
            raise problems.locked(path, FIRST_WAIT_SECONDS + wait) from None
        raise
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(FIRST_WAIT_SECONDS * 1000)}")


def _check_schema(conn: sqlite3.Connection, path: Path, on_wait: Callable[[str], None] | None = None) -> None:
    """Check the file is ours and bring its schema up to date (never touches a foreign file)."""
    try:
        app_id, version = _patiently(
            conn, path, on_wait, "read",
            lambda: conn.execute(
                "SELECT (SELECT application_id FROM pragma_application_id),"
                " (SELECT user_version FROM pragma_user_version)"
            ).fetchone(),
        )
    except sqlite3.Error as err:
        raise problems.explain(err, path, "open") from None
    if app_id != APPLICATION_ID:
        raise problems.foreign(path, "an SQLite database made by another program")
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
        raise problems.explain(err, path, "upgrade") from None
