"""``--check --watch``: wait for the learner's file to be saved (or for Enter), and say what changed.

Changes are seen through the operating system's file events with ``watchfiles`` (made for exactly
this, and well kept); where that library or file events are not available (some network and
container file systems), the file is polled instead: its size, time and content every half second.
Enter on standard input asks for a check at once, and q (or the end of input) stops watching.
"""

from __future__ import annotations

import hashlib
import os
import queue
import sys
import threading
from pathlib import Path

from dlpath.practice.results import CheckResult, GradingReport

POLL_SECONDS = 0.5
SETTLE_SECONDS = 0.05  # an editor's save can be several writes: wait this long after the first event


def changed_results(before: GradingReport, after: GradingReport) -> list[CheckResult]:
    """The results of ``after`` that differ from the same check's in ``before`` (new checks included)."""
    old = {r.name: r for r in before.results}
    return [r for r in after.results if old.get(r.name) != r]


def fingerprint(path: Path) -> tuple | None:
    """What the file is now (size, modification time, content hash); None if it cannot be read."""
    try:
        stat = path.stat()
        digest = hashlib.blake2b(path.read_bytes(), digest_size=16).digest()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns, digest


class Watcher:
    """Events for one file: ``next_event`` blocks until the file changed ("file saved"), Enter ("Enter pressed"), or
    q or end of input (None). Use it in a ``with`` block, which stops the threads it starts."""

    def __init__(self, path: Path, *, poll: bool = False, keys: bool = True) -> None:
        self.path = Path(path).resolve()
        self.events: queue.Queue[str | None] = queue.Queue()
        self.stop = threading.Event()
        self.poll = poll or os.environ.get("WATCHFILES_FORCE_POLLING") is not None
        self.keys = keys
        self.how = ""
        self._last = fingerprint(self.path)
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> Watcher:
        watch = self._poll
        self.how = f"polling every {POLL_SECONDS:g} s"
        if not self.poll:
            try:
                import watchfiles  # noqa: F401 - only to know it is there

                watch = self._file_events
                self.how = "file events"
            except ImportError:
                pass
        self._start(watch)
        if self.keys:
            self._start(self._read_keys)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self._threads:
            if thread.name != "keys":  # blocked on stdin: it is a daemon thread and ends with the process
                thread.join(timeout=2)

    def _start(self, target) -> None:  # noqa: ANN001 - a method of this class
        thread = threading.Thread(target=target, name=target.__name__.strip("_"), daemon=True)
        thread.start()
        self._threads.append(thread)

    def next_event(self) -> str | None:
        """Block until the next reason to check again: "file saved", "Enter pressed", or None to stop."""
        while True:
            try:
                return self.events.get(timeout=0.2)
            except queue.Empty:
                continue

    def _changed(self) -> bool:
        """Whether the file differs from when it was last reported (so a touch or a rewrite of the same
        bytes does not re-grade)."""
        now = fingerprint(self.path)
        if now is None or now[2:] == (self._last or (None, None, None))[2:]:
            return False
        self._last = now
        return True

    def _file_events(self) -> None:
        import watchfiles

        try:
            for _ in watchfiles.watch(
                self.path.parent,
                watch_filter=lambda _change, name: Path(name).resolve() == self.path,
                stop_event=self.stop,
                debounce=int(SETTLE_SECONDS * 1000) * 4,
                step=int(SETTLE_SECONDS * 1000),
                rust_timeout=int(POLL_SECONDS * 1000),
                yield_on_timeout=False,
            ):
                if self._changed():
                    self.events.put("file saved")
        except Exception:  # noqa: BLE001 - file events unavailable here (inotify limits, ...): poll instead
            if not self.stop.is_set():
                self.how = f"polling every {POLL_SECONDS:g} s"
                self._poll()

    def _poll(self) -> None:
        while not self.stop.wait(POLL_SECONDS):
            if self._changed():
                self.events.put("file saved")

    def _read_keys(self) -> None:
        stream = sys.stdin
        while not self.stop.is_set():
            try:
                line = stream.readline()
            except (OSError, ValueError):
                line = ""
            if not line or line.strip().lower() in ("q", "quit", "exit"):
                self.events.put(None)
                return
            self.events.put("Enter pressed")
