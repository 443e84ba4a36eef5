"""What went wrong with the progress database, in the user's words: locked, full, read-only, damaged, or foreign.

SQLite reports all of these as one exception type; the error code it carries (and, for I/O errors, a look
at the disk) tells them apart, so each gets its own message and its own way out. A damaged database is
never called "not a dlpath database", and no message suggests moving progress aside before saving it.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from dlpath.errors import StoreError

RECOVER = "dlpath progress recover"


class DatabaseLocked(StoreError):
    """Another program holds the database's write lock."""


class DatabaseDamaged(StoreError):
    """The file is a dlpath database whose content SQLite cannot read."""


def _code(err: sqlite3.Error) -> str:
    return getattr(err, "sqlite_errorname", "") or ""


def is_locked(err: sqlite3.Error) -> bool:
    """Whether ``err`` means another connection holds a lock (busy or locked)."""
    name = _code(err)
    if name:
        return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))
    return "locked" in str(err) or "busy" in str(err)


def locked(path: Path, waited: float) -> DatabaseLocked:
    """The database stayed locked by another program for ``waited`` seconds."""
    return DatabaseLocked(
        f"the progress database {path} is locked by another program (another dlpath, or a tool that has it"
        f" open) and stayed locked for {waited:g} s: let it finish or close it, then try again; nothing was changed"
    )


def damaged(path: Path, detail: str) -> DatabaseDamaged:
    """The database file is damaged (``detail`` says how); recovery is the way out."""
    return DatabaseDamaged(
        f"the progress database {path} is damaged ({detail}): run '{RECOVER}' to copy everything still readable"
        " into a new database (the damaged file is kept beside it), or 'dlpath progress export FILE' to save"
        " what can be read"
    )


def foreign(path: Path, why: str) -> StoreError:
    """A file that is truly not a dlpath database (another program's, or not SQLite at all)."""
    return StoreError(
        f"{path} is not a dlpath progress database ({why}); dlpath left it untouched: point DLPATH_HOME at"
        " another folder, or move that file away if it does not belong there"
    )


def _read_only_part(path: Path) -> str | None:
    """Which part of the database cannot be written: the file, its -wal or -shm companion, or the folder."""
    for part in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if part.exists() and not os.access(part, os.W_OK):
            return str(part)
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return f"the folder {path.parent}"
    return None


def _disk_is_full(folder: Path) -> bool:
    try:
        stats = os.statvfs(folder)
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < 64 * 1024


def _file_size_limited() -> bool:
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return False
    soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    return soft != resource.RLIM_INFINITY


def explain(err: sqlite3.Error, path: Path, doing: str) -> StoreError:
    """The StoreError that says what ``err`` (raised while ``doing`` something to ``path``) means."""
    name = _code(err)
    unchanged = "nothing was read" if doing == "read" else "nothing was changed"
    if is_locked(err):
        return locked(path, 0)
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return damaged(path, str(err))
    if name.startswith("SQLITE_READONLY") or name.startswith("SQLITE_CANTOPEN") or name == "SQLITE_PERM":
        part = _read_only_part(path)
        if part is not None:
            fix = f"chmod u+w '{part}'" if not part.startswith("the folder") else "make that folder writable"
            return StoreError(
                f"the progress database cannot be written: {part} is read-only (or belongs to another user):"
                f" {fix}, or set DLPATH_HOME to a folder of your own; {unchanged}"
            )
        if name.startswith("SQLITE_READONLY"):
            return StoreError(
                f"the progress database {path} is on a read-only file system or was opened read-only ({err}):"
                f" set DLPATH_HOME to a writable folder; {unchanged}"
            )
        return StoreError(f"cannot open the progress database {path}: {err}; check the file and its folder")
    if name == "SQLITE_FULL" or (name.startswith("SQLITE_IOERR") and _disk_is_full(path.parent)):
        return StoreError(
            f"the disk holding the progress database {path} is full: free some space and try again; {unchanged}"
        )
    if name.startswith("SQLITE_IOERR"):
        if _file_size_limited():
            return StoreError(
                f"cannot {doing} the progress database {path}: the file size limit of this session (ulimit -f)"
                f" is too small; raise it and try again; {unchanged}"
            )
        return StoreError(
            f"the disk reported an error while dlpath tried to {doing} the progress database {path} ({err}):"
            f" check the disk and try again; {unchanged}"
        )
    return StoreError(f"cannot {doing} the progress database {path}: {err}")
