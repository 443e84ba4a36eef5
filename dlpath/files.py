"""Writing a file so that readers see the old or the new content, never half of it."""

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
