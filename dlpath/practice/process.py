"""Starting the sandbox process with its limits, and ending it with everything it started.

Kept apart from the sandbox's protocol (``sandbox``) and free of NumPy, so that ``dlpath exercise NAME
--check`` can start the process first and let it boot while the grader itself loads NumPy.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

DEFAULT_TIME_LIMIT = 10.0  # seconds for the whole grading run
DEFAULT_MEMORY_LIMIT = 1024  # MiB of address space for the sandbox process
STARTUP_ALLOWANCE = 30.0  # seconds for the sandbox to start before the learner's code runs
PROCESS_ALLOWANCE = 64  # processes the learner's code may start (beyond the user's current count)
CLEANUP_SECONDS = 2.0  # how long to keep sweeping for processes left behind

_BOOTSTRAP = "import sys; sys.path.insert(0, sys.argv[1]); from dlpath.practice.worker import main; main(sys.argv[2:])"
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent.parent)  # the folder holding the dlpath package
_CAP_SYS_ADMIN, _CAP_SYS_RESOURCE = 21, 24  # what lets root raise hard limits and escape the process count
_PR_SET_PDEATHSIG, _PR_CAPBSET_DROP = 1, 24


@dataclass
class Spawned:
    """A sandbox process just started: the process, its request (write) and reply (read) pipes, its HOME."""

    proc: subprocess.Popen
    requests: int
    replies: int
    home: str
    started: float  # time.monotonic() when it was started

    def end(self) -> None:
        """End the process and everything it started, close its pipes, remove its HOME."""
        import shutil

        end_process_tree(self.proc)
        self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        for fd in (self.requests, self.replies):
            os.close(fd)
        shutil.rmtree(self.home, ignore_errors=True)


def spawn(package: str, cwd: Path, *, time_limit: float, memory_limit: int | None) -> Spawned:
    """Start the worker for the exercise ``package`` in ``cwd``, limited; OSError if it cannot start.

    Call it from a thread that lives until the run ends: Linux sends the death signal when the thread
    that started the process ends, not only the whole grader.
    """
    from importlib.util import find_spec

    found = find_spec(package)
    folder = str(Path(found.origin).parent) if found and found.origin else ""
    home = tempfile.mkdtemp(prefix="dlpath-sandbox-home-")
    fds: list[int] = []
    try:
        request_read, requests = os.pipe()
        fds += [request_read, requests]
        replies, reply_write = os.pipe()
        fds += [replies, reply_write]
        posix = os.name == "posix"
        proc = subprocess.Popen(
            [sys.executable, "-I", "-c", _BOOTSTRAP, _PACKAGE_ROOT, package, folder]
            + [str(request_read), str(reply_write)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(request_read, reply_write),
            cwd=str(cwd),
            env=child_environment(home),
            start_new_session=posix,
            preexec_fn=_preexec(memory_limit, int(time_limit) + 5) if posix else None,
        )
    except OSError:
        for fd in fds:
            os.close(fd)
        import shutil

        shutil.rmtree(home, ignore_errors=True)
        raise
    os.close(request_read)
    os.close(reply_write)
    return Spawned(proc, requests, replies, home, time.monotonic())


def memory_limit_supported() -> bool:
    """Whether this platform can limit the sandbox's memory (RLIMIT_AS)."""
    try:
        import resource
    except ImportError:
        return False
    return hasattr(resource, "RLIMIT_AS") and sys.platform.startswith("linux")


def child_environment(home: str) -> dict[str, str]:
    """The sandbox's environment: this one without dlpath's or the XDG folders, HOME a fresh folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DLPATH_", "XDG_"))}
    env["HOME"] = home
    # one thread each: OpenBLAS reserves memory per thread, which would eat into RLIMIT_AS
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = "1"
    return env


def _user_processes() -> int:
    """How many processes this user has now (Linux /proc), for the process-count limit."""
    uid = os.getuid()
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += 1
            except OSError:
                continue
    return count


def _preexec(memory_mib: int | None, cpu_seconds: int) -> Callable[[], None]:
    """The function run in the child between fork and exec: limits, capabilities, death signal."""
    import resource  # here, not in the child: importing after fork can deadlock on the import lock

    linux = sys.platform.startswith("linux")
    libc = None
    if linux:
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
        except OSError:
            libc = None
    wanted = [(resource.RLIMIT_CORE, 0), (resource.RLIMIT_CPU, cpu_seconds)]
    if memory_mib:
        wanted.append((resource.RLIMIT_AS, memory_mib * 1024 * 1024))
    root = os.geteuid() == 0
    if linux and not root and hasattr(resource, "RLIMIT_NPROC"):
        wanted.append((resource.RLIMIT_NPROC, _user_processes() + PROCESS_ALLOWANCE))
    parent = os.getpid()

    def apply() -> None:
        if libc is not None:
            if root:  # without these, root could raise its hard limits again
                for cap in (_CAP_SYS_RESOURCE, _CAP_SYS_ADMIN):
                    libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            if os.getppid() != parent:  # the grader died before the death signal was set
                os._exit(1)
        for limit, value in wanted:
            try:
                _, hard = resource.getrlimit(limit)
                value = value if hard == resource.RLIM_INFINITY else min(value, hard)
                resource.setrlimit(limit, (value, value))  # soft = hard: it cannot be raised again
            except (ValueError, OSError):  # not supported here (e.g. RLIMIT_AS on macOS): go without
                pass

    return apply


def exit_status(proc: subprocess.Popen, wait: float) -> int | None:
    """The process's exit status (negative: the signal), waiting up to ``wait`` seconds; None if it runs on.

    Where possible the process is left unreaped (a zombie), so its pid, which is also its process
    group's and session's id, cannot be reused before ``end_process_tree`` has swept them.
    """
    until = time.monotonic() + wait
    while True:
        if hasattr(os, "waitid"):
            try:
                result = os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                return proc.returncode
            if result is not None:
                if result.si_code == os.CLD_EXITED:
                    return result.si_status
                return -result.si_status
        elif proc.poll() is not None:
            return proc.returncode
        if time.monotonic() >= until:
            return None
        time.sleep(0.005)


def _process_table() -> dict[int, tuple[int, int, int]]:
    """pid -> (parent pid, process group, session) of every process (Linux /proc); empty elsewhere."""
    table = {}
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return {}
    for entry in entries:
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()  # after the command name, which may hold ") "
        if len(fields) > 3 and fields[0] != b"Z":
            table[int(entry)] = (int(fields[1]), int(fields[2]), int(fields[3]))
    return table


def _started_by(root: int, table: dict[int, tuple[int, int, int]]) -> set[int]:
    """Every live process below ``root``, or in its process group or session (``root`` excluded)."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found = {pid for pid, (_, pgid, sid) in table.items() if root in (pgid, sid)}
    stack = [root, *found]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    found.discard(root)
    return found


def end_process_tree(proc: subprocess.Popen) -> None:
    """Stop, then kill, the worker and everything it started; sweep again until nothing is left.

    Stopping first (SIGSTOP) freezes a process before it can start another; the worker is a child
    subreaper, so processes whose parent exited are still found below it. On other systems, the
    process group is killed.
    """
    if os.name != "posix":
        if proc.poll() is None:
            proc.kill()
        return
    root = proc.pid
    if not sys.platform.startswith("linux"):
        _signal(root, signal.SIGKILL)
        _killpg(root)
        return
    alive = exit_status(proc, wait=0.0) is None  # still unreaped either way: its pid stays ours
    if alive:
        _signal(root, signal.SIGSTOP)
    stopped: set[int] = set()
    until = time.monotonic() + CLEANUP_SECONDS
    while True:
        found = _started_by(root, _process_table()) - stopped
        if not found:
            break
        for pid in found:
            _signal(pid, signal.SIGSTOP)
        stopped |= found
        if time.monotonic() > until:
            break
    for pid in stopped:
        _signal(pid, signal.SIGKILL)
    _signal(root, signal.SIGKILL)
    _killpg(root)
    while time.monotonic() < until:  # repeat until the session and group are empty
        left = _started_by(root, _process_table())
        if not left:
            break
        for pid in left:
            _signal(pid, signal.SIGKILL)
        time.sleep(0.005)


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _killpg(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
