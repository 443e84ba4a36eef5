"""Files the user points at: written so readers see the old or the new content, read only when regular and small."""

from __future__ import annotations

import os
from pathlib import Path


def write_atomically(path: Path, data: str | bytes, newline: str | None = None) -> None:
    """Write ``data`` (text as UTF-8, or bytes) to a temporary file beside ``path`` and move it into place.

    An existing file keeps its permissions; on any error the temporary file is removed and ``path``
    is unchanged. ``newline`` applies to text, as for ``open``.
    """
    import tempfile  # only writers pay for it; some readers of these files run on every `dlpath next`

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if isinstance(data, bytes):
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as handle:
                handle.write(data)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_regular_file(
    path: Path, what: str, limit: int, error: type[Exception], missing: str = "",
    not_regular: str = "save it to a file and give that path",
) -> bytes:
    """The bytes of the regular file at ``path``, refused (``error``) if it is anything else or over ``limit``.

    A FIFO, a device (``/dev/zero``) or a huge file is refused before anything is read, so a wrong
    path can never hang dlpath or exhaust memory.
    """
    import stat

    if not path.exists():
        raise error(f"{what} {path} not found: check the path{missing}")
    try:
        st = path.stat()
    except OSError as err:
        raise error(f"{what} {path} cannot be read: {err.strerror or err}") from None
    if stat.S_ISDIR(st.st_mode):
        raise error(f"{what} {path} is a directory: give the path of a file")
    if not stat.S_ISREG(st.st_mode):
        kind = "a pipe (FIFO)" if stat.S_ISFIFO(st.st_mode) else "a device or socket"
        raise error(f"{what} {path} is {kind}, not a regular file: {not_regular}")
    if st.st_size > limit:
        raise error(
            f"{what} {path} is {st.st_size:,} bytes, more than the {limit:,} dlpath reads:"
            " check that it is the right file"
        )
    try:
        with open(path, "rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as err:
        raise error(f"{what} {path} cannot be read: {err.strerror or err}") from None
    if len(raw) > limit:  # it grew while we looked
        raise error(f"{what} {path} is more than the {limit:,} bytes dlpath reads: check that it is the right file")
    return raw


def write_where_pointed(path: Path, data: str | bytes) -> bool:
    """Write ``data`` (text as UTF-8, or bytes) to what ``path`` names, the way the user meant it; True if
    a regular file was written.

    ``-`` is standard output. A FIFO, a terminal, ``/dev/stdout`` or a process substitution (``>(gzip)``)
    is written through, as a shell redirection would. A regular file is replaced atomically, and when
    ``path`` is a symbolic link it is the link's target that is replaced (the link stays a link).
    """
    import stat
    import sys

    raw = data if isinstance(data, bytes) else data.encode("utf-8")
    if str(path) == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(raw)
        sys.stdout.buffer.flush()
        return False
    try:
        st = os.stat(path)  # follows symbolic links
    except FileNotFoundError:
        st = None
    special = str(path).startswith(("/dev/", "/proc/"))  # /dev/stdout, /dev/fd/63: the open file, as it is
    if st is not None and (special or not stat.S_ISREG(st.st_mode)):
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(21, "Is a directory", str(path))
        with open(path, "ab" if special else "wb") as handle:  # append: never truncate a shell's file
            handle.write(raw)
        return False
    write_atomically(Path(os.path.realpath(path)), data)
    return True
