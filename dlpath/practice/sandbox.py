"""Run the grading harness on a learner's file in a separate, limited process and collect its report.

One process per grading run runs every check (see ``harness``). It is started as ``python -I`` (no
user site, no PYTHON* variables, no current folder on ``sys.path``) in a new session, so the whole
process group can be killed; with no input, its output and errors on one pipe whose size is capped,
and the check results on a second pipe. The time limit is enforced from here, counted from the moment
the harness is ready to load the learner's file: when it runs out, or the output grows past its cap,
the group is killed with SIGKILL, which no code can catch. Where the platform
has ``resource``, the address space (RLIMIT_AS), core dumps and CPU time are limited before the
learner's code starts. Whatever happens, every planned check ends up in the report: passed, failed,
or not run.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from dlpath.practice.results import CheckResult, GradingReport

DEFAULT_TIME_LIMIT = 10.0  # seconds for the whole grading run
DEFAULT_MEMORY_LIMIT = 1024  # MiB of address space for the grading process
OUTPUT_LIMIT = 256 * 1024  # bytes the learner's code may print before it is stopped
OUTPUT_KEPT = 4000  # bytes of it kept to show the learner
STARTUP_ALLOWANCE = 30.0  # seconds for the grading process to start before the learner's code runs
DEFAULT_SEED = 20_151_231  # the random inputs of the checks: the same every run, so results are repeatable

_BOOTSTRAP = "import sys; sys.path.insert(0, sys.argv[1]); from dlpath.practice.harness import main; main(sys.argv[2:])"
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent.parent)  # the folder holding the dlpath package
_DRAIN_SECONDS = 1.0  # after a kill, how long to read what is still in the pipes

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


def _limits(memory_mib: int | None, cpu_seconds: int) -> Callable[[], None]:
    """The preexec function of the grading process: memory, core dump and CPU limits, each if possible."""

    import resource  # here, not in the child: importing after fork can deadlock on the import lock

    def apply() -> None:
        wanted = [(resource.RLIMIT_CORE, 0), (resource.RLIMIT_CPU, cpu_seconds)]
        if memory_mib:
            wanted.append((resource.RLIMIT_AS, memory_mib * 1024 * 1024))
        for limit, value in wanted:
            try:
                _, hard = resource.getrlimit(limit)
                soft = value if hard == resource.RLIM_INFINITY else min(value, hard)
                resource.setrlimit(limit, (soft, hard))
            except (ValueError, OSError):  # not supported here (e.g. RLIMIT_AS on macOS): go without
                pass

    return apply


def memory_limit_supported() -> bool:
    """Whether this platform can limit the grading process's memory (RLIMIT_AS)."""
    try:
        import resource
    except ImportError:
        return False
    return hasattr(resource, "RLIMIT_AS") and sys.platform.startswith("linux")


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    # one thread each: OpenBLAS reserves memory per thread, which would eat into RLIMIT_AS
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = "1"
    return env


class _Collector:
    """Parses the harness's protocol lines as they arrive."""

    def __init__(self) -> None:
        self.buffer = b""
        self.results: dict[str, CheckResult] = {}
        self.started: list[str] = []
        self.done = False
        self.stopped = ""

    def feed(self, data: bytes) -> None:
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\n")
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if not isinstance(event, dict):
                continue
            kind = event.get("event")
            if kind == "start" and isinstance(event.get("check"), str):
                self.started.append(event["check"])
            elif kind == "result" and isinstance(event.get("name"), str):
                self.results.setdefault(event["name"], CheckResult.from_json(event))
            elif kind == "done":
                self.done = True
                self.stopped = str(event.get("stopped") or "")


def _human_bytes(n: int) -> str:
    return f"{n // 1024} KiB" if n >= 1024 else f"{n} bytes"


def grade_in_sandbox(
    exercise: str,
    path: Path,
    plan: tuple[str, ...],
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
    output_limit: int = OUTPUT_LIMIT,
    seed: int = DEFAULT_SEED,
) -> GradingReport:
    """Grade the learner's file at ``path`` in a separate process; every check of ``plan`` is in the report."""
    path = Path(path)
    started_at = time.monotonic()
    posix = os.name == "posix"
    try:
        read_end, write_end = os.pipe()
    except OSError as err:
        reason = f"the grading process could not start: {err.strerror or err}"
        return _report(exercise, path, plan, _Collector(), reason, b"", 0, 0.0)
    try:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-I",
                "-c",
                _BOOTSTRAP,
                _PACKAGE_ROOT,
                exercise,
                str(path.resolve()),
                str(write_end),
                str(seed),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(write_end,),
            cwd=str(path.resolve().parent),
            env=_environment(),
            start_new_session=posix,
            preexec_fn=_limits(memory_limit, int(time_limit) + 5) if posix else None,  # CPU: a backstop
        )
    except OSError as err:
        os.close(read_end)
        os.close(write_end)
        return _report(
            exercise,
            path,
            plan,
            _Collector(),
            f"the grading process could not start: {err}",
            b"",
            0,
            time.monotonic() - started_at,
        )
    os.close(write_end)

    collector = _Collector()
    printed = _Output(output_limit)
    stop = ""
    # the learner's time starts when the harness is ready (Python and NumPy loaded); until then only a
    # generous allowance applies, so a slow or busy machine cannot eat into the learner's time limit
    deadline = started_at + STARTUP_ALLOWANCE + time_limit
    clock_started = False
    selector = selectors.DefaultSelector()
    assert proc.stdout is not None
    selector.register(proc.stdout.fileno(), selectors.EVENT_READ, "output")
    selector.register(read_end, selectors.EVENT_READ, "results")
    open_streams = 2
    try:
        while open_streams and not stop and not collector.done:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                stop = "timeout"
                break
            for key, _ in selector.select(remaining):
                data = os.read(key.fd, 65536)
                if not data:
                    selector.unregister(key.fd)
                    open_streams -= 1
                elif key.data == "results":
                    collector.feed(data)
                    if collector.started and not clock_started:
                        clock_started = True
                        deadline = time.monotonic() + time_limit
                elif printed.add(data):
                    stop = "output"
        if not stop and not collector.done and not _exited(proc, deadline):  # both pipes closed: ending?
            stop = "timeout"
    finally:
        _kill_tree(proc, posix)
        proc.wait()
        # what was written before the end is still in the pipes: read it without waiting on escaped children
        _drain(read_end, collector.feed)
        _drain(proc.stdout.fileno(), printed.add)
        selector.close()
        os.close(read_end)
        proc.stdout.close()
    if not stop and printed.total > output_limit:
        stop = "output"

    seconds = time.monotonic() - started_at
    reason = _why_stopped(stop, proc.returncode, collector, time_limit, output_limit)
    return _report(exercise, path, plan, collector, reason, bytes(printed.kept), printed.total, seconds)


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


def _exited(proc: subprocess.Popen, deadline: float) -> bool:
    """Wait until the process ends or the deadline passes; where possible leave it unreaped (a zombie), so
    its pid, which is also its process group's id, cannot be reused before the group is killed."""
    if not hasattr(os, "waitid"):
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            return True
        except subprocess.TimeoutExpired:
            return False
    while True:
        try:
            if os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return True
        except ChildProcessError:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.005)


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid``, children first (Linux /proc; elsewhere none are found)."""
    if not sys.platform.startswith("linux"):
        return []
    children: dict[int, list[int]] = {}
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return []
    for entry in entries:
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()  # after the command name, which may hold ") "
        if len(fields) > 1:
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def _kill_tree(proc: subprocess.Popen, posix: bool) -> None:
    """SIGKILL the grading process, its process group, and (on Linux) any descendant that left the group."""
    if not posix:
        if proc.returncode is None:
            proc.kill()
        return
    if proc.returncode is None:  # not reaped yet, so its pid is still its own
        escaped = _descendants(proc.pid)  # found first: once the harness dies they are re-parented and lost
        for pid in [proc.pid, *escaped]:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    try:  # the group id stays reserved while any member is alive
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _drain(fd: int, feed: Callable[[bytes], None]) -> None:
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


def _why_stopped(stop: str, returncode: int, collector: _Collector, time_limit: float, output_limit: int) -> str:
    """Why grading ended before every check reported, in the learner's words; "" when it finished."""
    if collector.done and not stop:
        return collector.stopped
    if stop == "timeout" and not collector.started:
        return f"the grader did not start within {STARTUP_ALLOWANCE:g} s: is the machine very busy?"
    if stop == "timeout":
        return (
            f"did not finish within the time limit of {time_limit:g} s: look for a loop that never ends"
            " (or allow more time with --time-limit)"
        )
    if stop == "output":
        return (
            f"printed more than {_human_bytes(output_limit)} of output, so it was stopped:"
            " remove print calls from loops"
        )
    if returncode is not None and returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"crashed: the process was killed by {name} ({_SIGNALS.get(name, 'a signal')})"
    if not collector.started:
        return f"the grader could not start (exit status {returncode}); see the output below"
    from dlpath.practice.harness import GRADER_FAILED

    if returncode == GRADER_FAILED:
        return "the grader itself failed; see the output below"
    return (
        f"the process ended during this check (exit status {returncode}): something called os._exit()"
        " or ended the process"
    )


def _report(
    exercise: str,
    path: Path,
    plan: tuple[str, ...],
    collector: _Collector,
    reason: str,
    output: bytes,
    output_total: int,
    seconds: float,
) -> GradingReport:
    """Every check of the plan, in order: what the harness reported, else failed or not run."""
    results = []
    halted_at = None  # the check that was running when the process stopped
    for name in plan:
        if name in collector.results:
            results.append(collector.results[name])
        elif reason and collector.done:  # the harness itself stopped early (the file did not load)
            results.append(CheckResult(name, passed=False, ran=False, message=f"not run: {reason}"))
        elif reason and halted_at is None:
            results.append(CheckResult(name, passed=False, message=reason))
            halted_at = name
        elif reason:
            results.append(
                CheckResult(name, passed=False, ran=False, message=f"not run: grading stopped at '{halted_at}'")
            )
        else:
            results.append(CheckResult(name, passed=False, ran=False, message="not run: no result came back"))
    stopped = reason or ("" if all(name in collector.results for name in plan) else "some checks reported nothing")
    text = output.decode("utf-8", errors="replace")
    return GradingReport(
        exercise=exercise,
        path=path,
        results=tuple(results),
        planned=len(plan),
        output=text,
        output_bytes=output_total,
        stopped=stopped,
        seconds=seconds,
    )
