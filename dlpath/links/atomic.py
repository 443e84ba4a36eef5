"""Writing a file so that readers see the old or the new content, never half of it."""

from __future__ import annotations

import os
from pathlib import Path


def write_atomically(path: Path, text: str, newline: str | None = None) -> None:
    """Write ``text`` to a temporary file beside ``path`` and move it into place (keeping the file's mode)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    import tempfile  # only writers pay for it; last_run is read by every `dlpath next`

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as handle:
            handle.write(text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
