"""Helpers for the hostile-input tests: run the real console entry in a subprocess, as a normal user.

File permissions mean nothing to root, and CI or a container may run the suite as root; so tests
about read-only files run dlpath as the unprivileged user ``nobody`` when the suite runs as root,
inside a folder that user owns. As a normal user they run as that user, unchanged.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

NOBODY = 65534
SETPRIV = shutil.which("setpriv") or "setpriv"
ENTRY = "import sys; from dlpath.cli import main; sys.argv[0] = 'dlpath'; main()"


def dlpath(*args: str, env: dict[str, str] | None = None, as_user: bool = False, timeout: float = 60, **kw):
    """Run ``dlpath ARGS`` as a user would (the console entry, a real process); the CompletedProcess.

    ``as_user``: when the suite runs as root, run it as ``nobody`` so that permissions apply.
    """
    full_env = {**os.environ, **(env or {})}
    # util-linux's setpriv drops root for the child (a preexec_fn setuid cannot exec a pyenv python)
    drop = []
    if as_user and os.geteuid() == 0:
        drop = [SETPRIV, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    kw.setdefault("capture_output", "stdout" not in kw)
    return subprocess.run(
        [*drop, sys.executable, "-c", ENTRY, *args], text=True, env=full_env, timeout=timeout,
        stdin=kw.pop("stdin", subprocess.DEVNULL), **kw,
    )


@contextmanager
def user_folder() -> Iterator[Path]:
    """A fresh folder the user running ``dlpath(as_user=True)`` owns (``nobody``'s when we are root)."""
    folder = Path(tempfile.mkdtemp(prefix="dlpath-hostile-", dir="/tmp" if os.geteuid() == 0 else None))
    try:
        if os.geteuid() == 0:
            os.chown(folder, NOBODY, NOBODY)
        yield folder
    finally:
        for path in folder.rglob("*"):  # the test may have left read-only folders behind
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)


def give_to_user(*paths: Path) -> None:
    """Make files the test created belong to the user ``dlpath(as_user=True)`` runs as."""
    if os.geteuid() == 0:
        for path in paths:
            os.chown(path, NOBODY, NOBODY, follow_symlinks=False)


def digest(path: Path) -> str:
    """The SHA-256 of a file's bytes (to show it is unchanged)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_error_line(result, *fragments: str) -> str:
    """stderr is exactly one ``error:`` line containing every fragment, with no traceback; returns it."""
    lines = (result.stderr or "").strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], result.stderr
    assert "Traceback" not in (result.stderr or "") + (result.stdout or "")
    return lines[0]
