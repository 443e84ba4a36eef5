"""The grading process: loads the learner's file, runs every check, reports each result as a JSON line.

``sandbox`` starts it as ``python -I`` in a process group of its own, with the learner's output going
to one pipe and these reports to another (the file descriptor given on the command line), so nothing
the learner prints can be mistaken for a result. Before each check it reports ``start``; a check that
starts and never reports (a crash, an endless loop) is therefore known to the parent by name.
Protocol, one JSON object per line: ``{"event": "start", "check": NAME}``, ``{"event": "result", ...}``
(a ``CheckResult``), and ``{"event": "done"}`` last. After "done" it waits to be killed, so that the
grading process can still find, and end, anything the learner's code left running.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import types
from pathlib import Path

MODULE_NAME = "dlpath_practice_learner"
GRADER_FAILED = 70  # exit status when the harness itself failed (EX_SOFTWARE)
LINGER_SECONDS = 10.0  # how long to wait after "done" for the grading process to end us


class Reporter:
    """Writes protocol lines to the results pipe."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def send(self, event: dict) -> None:
        data = (json.dumps(event, allow_nan=True) + "\n").encode("utf-8")
        while data:
            written = os.write(self.fd, data)
            data = data[written:]


def load_learner(path: Path) -> tuple[types.ModuleType | None, str]:
    """The learner's file run as a module, or None and a message saying why it could not be loaded."""
    from dlpath.practice.checking import describe_exception, shorten, where_in

    try:
        source = path.read_bytes()
    except OSError as err:
        return None, f"cannot read {path}: {err.strerror or err}"
    if b"\x00" in source:
        return None, f"{path.name} is not a Python file: it contains binary data"
    try:
        code = compile(source, str(path), "exec", dont_inherit=True)
    except SyntaxError as err:
        where = f" at line {err.lineno}" if err.lineno else ""
        text = f": {shorten(err.text, 80)}" if err.text and err.text.strip() else ""
        return None, f"{path.name} is not valid Python{where}: {err.msg}{text}"
    except (ValueError, UnicodeDecodeError) as err:
        return None, f"{path.name} is not a Python source file: {shorten(str(err), 100)}"
    module = types.ModuleType(MODULE_NAME)
    module.__file__ = str(path)
    sys.modules[MODULE_NAME] = module
    try:
        exec(code, module.__dict__)  # noqa: S102 - running the learner's code is the point, in this sandbox
    except SystemExit as exc:
        where = where_in(exc, str(path))
        return None, (
            f"{path.name} calls sys.exit({exc.code!r}) when it is loaded{where}: put code that runs the file as a"
            ' script under `if __name__ == "__main__":`'
        )
    except BaseException as exc:  # noqa: BLE001 - anything at import is the learner's to fix
        return None, f"{path.name} raised {describe_exception(exc, str(path))} when it was loaded"
    return module, ""


def run(exercise: str, path: Path, reporter: Reporter, seed: int) -> None:
    """Load the learner's file and run every check of ``exercise``, reporting as it goes."""
    import numpy as np

    from dlpath.practice import checking as checks
    from dlpath.practice.results import CheckResult
    from dlpath.practice.specs import find_spec

    spec = find_spec(exercise)
    reference = importlib.import_module(spec.module)  # before the learner's code can touch sys.modules

    reporter.send({"event": "start", "check": checks.LOADS})
    module, problem = load_learner(path)
    if module is not None:
        missing = [name for name in spec.functions if not callable(getattr(module, name, None))]
        if missing:
            problem = (
                f"{path.name} does not define {', '.join(f'{m}()' for m in missing)}: keep the scaffold's functions"
            )
    loaded = CheckResult(checks.LOADS, passed=not problem, message=problem)
    _flush_learner_output()
    reporter.send({"event": "result", **loaded.to_json()})
    if module is None:
        reporter.send({"event": "done", "stopped": "the file did not load"})
        return

    rng = np.random.default_rng(seed)
    ctx = checks.Context(learner=module, reference=reference, path=str(path), rng=rng, shape_note=spec.shape_note)
    for check in spec.checks:
        reporter.send({"event": "start", "check": check.name})
        try:
            result = checks.run_check(check, ctx)
        except BaseException as exc:  # noqa: BLE001 - e.g. SystemExit from a __del__ or a signal handler
            result = CheckResult(
                check.name, passed=False, message=f"stopped by {checks.describe_exception(exc, str(path))}"
            )
        _flush_learner_output()
        reporter.send({"event": "result", **result.to_json()})
    reporter.send({"event": "done"})


def _flush_learner_output() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001, S110 - the learner may have replaced or closed them
            pass


def main(argv: list[str]) -> None:
    """``EXERCISE FILE RESULTS_FD SEED``: grade FILE and report on RESULTS_FD; never returns."""
    exercise, path, fd, seed = argv
    sys.dont_write_bytecode = True  # never leave __pycache__ in the learner's folder
    folder = str(Path(path).resolve().parent)
    if folder not in sys.path:
        sys.path.append(folder)  # after the standard library: a learner's numpy.py cannot shadow NumPy
    reporter = Reporter(int(fd))
    _adopt_orphans()
    status = 0
    try:
        run(exercise, Path(path).resolve(), reporter, int(seed))
    except BaseException:  # noqa: BLE001 - a fault of the grader itself: show it, and say so by the exit status
        import traceback

        traceback.print_exc()
        status = GRADER_FAILED
    finally:
        _flush_learner_output()
        if status == 0:
            _linger()
        # os._exit skips atexit handlers and threads the learner's code may have left behind
        os._exit(status)


def _adopt_orphans() -> None:
    """On Linux, become a child subreaper: processes the learner's code starts stay our descendants even
    when their own parent exits (a double fork), so the grading process can find and end them all."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def _linger() -> None:
    """Stay alive after "done" until the grading process ends us together with anything the learner's code
    left running (once we exit, those would be re-parented out of reach); give up if it has gone away."""
    import time

    until = time.monotonic() + LINGER_SECONDS
    while time.monotonic() < until:
        time.sleep(0.05)
