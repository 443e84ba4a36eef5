"""The sandbox: the learner's code in a separate, limited process that only makes the calls it is asked.

What it is: fault containment for your own code, not a security boundary. An endless loop, a crash,
``sys.exit``, a flood of output, a memory hog or processes left running cost a failed check, never a
hang or a mess; and since every comparison and verdict is made here, in the grader, the learner's
code cannot fake a result. But the code runs as you, with your files and your network: do not grade
code you would not run.

The process (``worker``) is started as ``python -I`` in a session of its own, with a fresh temporary
HOME and no DLPATH_* or XDG_* variables, so dlpath's own data is not where it looks. Before it starts,
its memory (address space), CPU time and process count are limited with soft = hard limits, which it
cannot raise (run as root, the capabilities that would let it are dropped first, where the system
allows; the process count is never enforced for root). On Linux it is killed when the grader dies
(PR_SET_PDEATHSIG), and it exits when the request pipe closes. The time limit is counted from the
moment the learner's file starts loading; when it runs out, or the output passes its cap, grading
stops. After every run, everything the learner's code started is stopped and killed, session,
process group and descendants, again until nothing is left.
"""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from dlpath.practice import codec
from dlpath.practice.learner import Reply, Stopped, reply_from
from dlpath.practice.process import (
    DEFAULT_MEMORY_LIMIT,
    DEFAULT_TIME_LIMIT,
    STARTUP_ALLOWANCE,
    Spawned,
    end_process_tree,
    exit_status,
    memory_limit_supported,
    spawn,
)
from dlpath.practice.worker import GRADER_FAILED, USES_REFERENCE

__all__ = ["DEFAULT_MEMORY_LIMIT", "DEFAULT_TIME_LIMIT", "memory_limit_supported"]  # for grading and the tests

OUTPUT_LIMIT = 256 * 1024  # bytes the learner's code may print before it is stopped
OUTPUT_KEPT = 4000  # bytes of it kept to show the learner

_DRAIN_SECONDS = 0.5  # after a kill, how long to read what is still in the output pipe

_SIGNALS = {
    "SIGSEGV": "a segmentation fault, e.g. from ctypes or a C extension",
    "SIGBUS": "a bus error, e.g. from ctypes or a C extension",
    "SIGABRT": "os.abort() or a fatal error in a C extension",
    "SIGFPE": "a floating-point exception in C code",
    "SIGILL": "an illegal instruction in C code",
    "SIGXCPU": "the CPU time limit",
    "SIGKILL": "the operating system, perhaps for using too much memory",
    "SIGTERM": "a termination request",
}



class SandboxStopped(Stopped):
    """The sandbox can no longer answer (time limit, crash, exit, output cap...); the reason in the learner's words."""


class _Output:
    """What the learner's code printed: the first OUTPUT_KEPT bytes kept, everything counted."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept = bytearray()
        self.total = 0

    def add(self, data: bytes) -> bool:
        """Take a chunk; True once the total is past the limit."""
        self.total += len(data)
        if len(self.kept) < OUTPUT_KEPT:
            self.kept += data[: OUTPUT_KEPT - len(self.kept)]
        return self.total > self.limit

    @property
    def text(self) -> str:
        return bytes(self.kept).decode("utf-8", errors="replace")


class Sandbox:
    """One sandbox process for one grading run: ``start``, ``load`` the file, ``call`` its functions, ``close``.

    ``reference`` answers the calls the worker makes back (a learner's function replaced by dlpath's for
    one check). Any call raises SandboxStopped once the process cannot answer any more.
    """

    def __init__(
        self,
        package: str,
        reference: ModuleType,
        *,
        time_limit: float = DEFAULT_TIME_LIMIT,
        memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
        output_limit: int = OUTPUT_LIMIT,
    ) -> None:
        self.package = package
        self.reference = reference
        self.time_limit = time_limit
        self.memory_limit = memory_limit
        self.output = _Output(output_limit)
        self.proc: subprocess.Popen | None = None
        self.home: str | None = None
        self.deadline = 0.0
        self.stopped: SandboxStopped | None = None
        self.path = ""
        self._requests = self._replies = -1
        self._buffer = b""
        self._calls = 0
        self._selector: selectors.BaseSelector | None = None
        self._reaped_status: int | None = None

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self, cwd: Path, spawned: Spawned | None = None) -> None:
        """Start the worker in ``cwd`` (or adopt one ``spawn`` started earlier, so that it boots while the
        grader imports NumPy); SandboxStopped if it does not come up."""
        if spawned is None:
            try:
                spawned = spawn(self.package, cwd, time_limit=self.time_limit, memory_limit=self.memory_limit)
            except OSError as err:
                raise self._stop(f"the grading process could not start: {err.strerror or err}") from None
        self.proc, self.home = spawned.proc, spawned.home
        self._requests, self._replies = spawned.requests, spawned.replies
        self._selector = selectors.DefaultSelector()
        assert self.proc.stdout is not None
        os.set_blocking(self.proc.stdout.fileno(), False)
        os.set_blocking(self._replies, False)
        self._selector.register(self.proc.stdout.fileno(), selectors.EVENT_READ, "output")
        self._selector.register(self._replies, selectors.EVENT_READ, "replies")
        self.deadline = spawned.started + STARTUP_ALLOWANCE
        ready = self._receive(starting=True)
        if "ready" not in ready:
            raise self._stop("the grader could not start: it did not say it was ready")

    def load(self, path: Path, functions: tuple[str, ...]) -> str:
        """Load the learner's file (the time limit starts now); "" or why it could not be loaded."""
        self.path = str(path)
        self.deadline = time.monotonic() + self.time_limit
        self._send({"op": "load", "path": str(path), "functions": list(functions), "folder": str(path.parent)})
        reply = self._receive()
        problem = reply.get("loaded")
        if not isinstance(problem, str):
            raise self._stop(
                "the grader received a reply it did not ask for: did your code write to one of its pipes?"
            )
        return problem

    def call(
        self,
        name: str,
        args: tuple,
        *,
        return_args: bool = False,
        watch_warnings: bool = False,
        substitutes: tuple[str, ...] = (),
    ) -> Reply:
        """One call of the learner's function in the sandbox (see ``learner.Learner``)."""
        if self.stopped is not None:
            raise self.stopped
        self._calls += 1
        request = {
            "op": "call",
            "id": self._calls,
            "name": name,
            "args": codec.encode(tuple(args)),
            "return_args": return_args,
            "watch_warnings": watch_warnings,
            "substitutes": list(substitutes),
        }
        self._send(request)
        while True:
            reply = self._receive()
            if "callback" in reply:
                self._answer_callback(reply, substitutes)
                continue
            if reply.get("id") != self._calls:
                raise self._stop(
                    "the grader received a reply it did not ask for: did your code write to one of its pipes?"
                )
            try:
                return reply_from(reply)
            except codec.ProtocolError as err:
                raise self._stop(
                    f"the grader received a malformed reply ({err}): did your code write to its pipes?"
                ) from None

    def close(self) -> None:
        """End the worker and everything it started, and remove its temporary HOME."""
        if self.proc is not None:
            end_process_tree(self.proc)  # before the request pipe closes: on EOF the worker would exit first,
            self.proc.wait()  # and what its code started would be re-parented out of reach
            if self.proc.stdout is not None:
                _drain(self.proc.stdout.fileno(), self.output.add)
                self.proc.stdout.close()
        if self._selector is not None:
            self._selector.close()
            self._selector = None
        for fd in (self._requests, self._replies):
            if fd >= 0:
                os.close(fd)
        self._requests = self._replies = -1
        if self.home is not None:
            shutil.rmtree(self.home, ignore_errors=True)
            self.home = None

    # ------------------------------------------------------------------ talking to the worker

    def _answer_callback(self, request: dict, allowed: tuple[str, ...]) -> None:
        name = request.get("callback")
        if name not in allowed:
            raise self._stop("the grader received a request it did not expect: did your code write to its pipes?")
        try:
            args = codec.decode(request.get("args"))
            kwargs = codec.decode(request.get("kwargs") or {"__dict__": {}})
            if not isinstance(args, tuple) or not isinstance(kwargs, dict):
                raise TypeError("malformed arguments")
            value = getattr(self.reference, name)(*args, **kwargs)
            answer: dict[str, Any] = {"value": codec.encode(value)}
        except Exception as exc:  # noqa: BLE001 - the reference on the learner's values: reported to its caller
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        self._send(answer)

    def _send(self, message: dict) -> None:
        data = memoryview(codec.frame(message))
        try:
            while data:
                data = data[os.write(self._requests, data) :]
        except BrokenPipeError:
            raise self._stop_from_exit() from None
        except OSError as err:
            raise self._stop(f"the grader could not reach its process: {err.strerror or err}") from None

    def _receive(self, starting: bool = False) -> dict:
        """The next frame from the worker, reading the learner's output meanwhile; SandboxStopped if none comes."""
        assert self._selector is not None
        while True:
            message = self._next_frame()
            if message is not None:
                if "uses_reference" in message:
                    raise self._uses_reference(str(message["uses_reference"]))
                return message
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                if starting:
                    raise self._stop(
                        f"the grader did not start within {STARTUP_ALLOWANCE:g} s: is the machine very busy?"
                    )
                raise self._stop(
                    f"did not finish within the time limit of {self.time_limit:g} s: look for a loop that never ends"
                    " (or allow more time with --time-limit)"
                )
            for key, _ in self._selector.select(remaining):
                try:
                    data = os.read(key.fd, 1 << 20)
                except BlockingIOError:
                    continue
                if key.data == "output":
                    if not data:
                        self._selector.unregister(key.fd)
                    elif self.output.add(data):
                        raise self._stop(
                            f"printed more than {_human_bytes(self.output.limit)} of output, so it was stopped:"
                            " remove print calls from loops"
                        )
                elif not data:  # the reply pipe closed: the worker ended (or its code closed the pipe)
                    message = self._next_frame()
                    if message is not None and "uses_reference" in message:
                        raise self._uses_reference(str(message["uses_reference"]))
                    raise self._stop_from_exit(starting)
                else:
                    self._buffer += data

    def _next_frame(self) -> dict | None:
        if len(self._buffer) < codec.HEADER:
            return None
        try:
            length = codec.body_length(self._buffer[: codec.HEADER])
        except codec.ProtocolError:
            raise self._stop(
                "the grader received something that is not a reply: did your code write to one of its pipes?"
            ) from None
        end = codec.HEADER + length
        if len(self._buffer) < end:
            return None
        body, self._buffer = self._buffer[codec.HEADER : end], self._buffer[end:]
        try:
            return codec.parse(body)
        except codec.ProtocolError:
            raise self._stop(
                "the grader received something that is not a reply: did your code write to one of its pipes?"
            ) from None

    # ------------------------------------------------------------------ why it stopped

    def _stop(self, reason: str) -> SandboxStopped:
        self.stopped = SandboxStopped(reason)
        return self.stopped

    def _uses_reference(self, what: str) -> SandboxStopped:
        self.stopped = SandboxStopped(uses_reference_message(self.path, what), uses_reference=what)
        return self.stopped

    def _stop_from_exit(self, starting: bool = False) -> SandboxStopped:
        status = exit_status(self.proc, wait=1.0) if self.proc is not None else None
        if status == USES_REFERENCE:
            return self._uses_reference(self.package)
        if status is None:
            return self._stop(
                "the grading process closed its pipe to the grader: does your code close file descriptors?"
            )
        if status < 0:
            try:
                name = signal.Signals(-status).name
            except ValueError:
                name = f"signal {-status}"
            return self._stop(f"crashed: the process was killed by {name} ({_SIGNALS.get(name, 'a signal')})")
        if starting:
            return self._stop(f"the grader could not start (exit status {status}); see the output below")
        if status == GRADER_FAILED:
            return self._stop("the grader itself failed; see the output below")
        return self._stop(
            f"the process ended during this check (exit status {status}): something called os._exit()"
            " or ended the process"
        )


def uses_reference_message(path: str, what: str) -> str:
    """Why a file is not graded: it runs dlpath's own solution (``what`` was imported or opened)."""
    name = Path(path).name or "the file"
    return (
        f"uses dlpath's own solution: {name} imports or reads {what}, the reference implementation;"
        " write the functions yourself (a pass is never recorded for dlpath's own code)"
    )


def _human_bytes(n: int) -> str:
    return f"{n // 1024} KiB" if n >= 1024 else f"{n} bytes"


def _drain(fd: int, feed: Callable[[bytes], bool]) -> None:
    os.set_blocking(fd, False)
    until = time.monotonic() + _DRAIN_SECONDS
    while time.monotonic() < until:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        if not data:
            return
        feed(data)
