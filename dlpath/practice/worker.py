"""The sandbox process: loads the learner's file and makes the calls the grader asks for, nothing else.

``sandbox`` starts it as ``python -I`` with the requests on one pipe and the replies on another (their
file descriptors are given on the command line); what the learner's code prints goes to a third. It
never sees a check, an expected value or a verdict: it answers ``load`` and ``call`` requests, one
reply each (a ``callback`` frame asks the grader to run a reference function for it first), and exits
when the grader closes the request pipe or dies. It never imports the exercise's reference either: an
audit hook (which no code can remove) ends the process with ``USES_REFERENCE`` as soon as the
learner's code imports or opens the reference, so such a file is reported instead of graded.

Protocol (``codec`` frames): ``{"ready": pid}`` first; then for ``{"op": "load", "path": P,
"functions": [...]}`` the reply ``{"loaded": problem or ""}``; for ``{"op": "call", "id": N, "name": F,
"args": [...], ...}`` the reply ``{"id": N, "value": ...}`` or ``{"id": N, "raised": {...}}``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

USES_REFERENCE = 86  # exit status: the learner's code imported or opened dlpath's own solution
GRADER_FAILED = 70  # exit status when the worker itself failed (EX_SOFTWARE)


def main(argv: list[str]) -> None:
    """``PACKAGE FOLDER REQUEST_FD REPLY_FD``: serve the grader until it hangs up; never returns."""
    package, folder, request_fd, reply_fd = argv[0], argv[1], int(argv[2]), int(argv[3])
    sys.dont_write_bytecode = True  # never leave __pycache__ in the learner's folder
    status = 0
    try:
        from dlpath.practice import codec, learner  # noqa: F401 - loaded before the guard, NumPy with them

        _adopt_orphans()
        _guard(package, folder, reply_fd)
        codec.write_frame(reply_fd, {"ready": os.getpid()})
        _serve(request_fd, reply_fd)
    except BaseException:  # noqa: BLE001 - a fault of the worker itself: show it, and say so by the exit status
        import traceback

        traceback.print_exc()
        status = GRADER_FAILED
    finally:
        _flush()
        os._exit(status)  # skips atexit handlers and threads the learner's code may have left behind


def _serve(request_fd: int, reply_fd: int) -> None:
    from dlpath.practice import codec, learner

    module = None
    path = ""
    while True:
        request = codec.read_frame(request_fd)
        if request is None:  # the grader is done (or gone)
            return
        op = request.get("op")
        if op == "load":
            path = str(request["path"])
            folder = str(request.get("folder") or Path(path).parent)
            try:
                os.chdir(folder)  # the learner's code runs in its own folder, as when they run it themselves
            except OSError:
                pass
            if folder not in sys.path:
                sys.path.append(folder)  # after the standard library: a learner's numpy.py cannot shadow NumPy
            local = learner.LocalLearner(None)  # type: ignore[arg-type] - only loads here, never calls a reference
            problem = local.load(Path(path), tuple(request.get("functions", ())))
            module = local.module
            _flush()
            codec.write_frame(reply_fd, {"loaded": problem})
        elif op == "call" and module is not None:
            substitutes = {n: _callback(n, request_fd, reply_fd) for n in request.get("substitutes", ())}
            data = learner.perform(
                module,
                path,
                str(request["name"]),
                tuple(codec.decode(request["args"])),
                return_args=bool(request.get("return_args")),
                watch_warnings=bool(request.get("watch_warnings")),
                substitutes=substitutes,
            )
            _flush()
            try:
                codec.write_frame(reply_fd, {"id": request.get("id"), **data})
            except codec.ProtocolError:  # a value far larger than any check needs
                too_large = f"over {codec.MAX_FRAME // 2**20} MiB as data"
                raised = {"kind": "too_large", "summary": too_large, "where": "", "line": ""}
                codec.write_frame(reply_fd, {"id": request.get("id"), "raised": raised})
        else:
            return


def _callback(name: str, request_fd: int, reply_fd: int):  # noqa: ANN202 - a function standing in for ``name``
    """A stand-in for the learner's ``name`` that asks the grader to run the reference's instead."""
    from dlpath.practice import codec

    def reference(*args, **kwargs):  # noqa: ANN202 - whatever the reference returns
        codec.write_frame(reply_fd, {"callback": name, "args": codec.encode(args), "kwargs": codec.encode(kwargs)})
        answer = codec.read_frame(request_fd)
        if answer is None:
            os._exit(0)  # the grader is gone
        if "value" not in answer:
            raise RuntimeError(f"dlpath's reference {name}() failed on these arguments: {answer.get('error', '?')}")
        return codec.decode(answer["value"])

    reference.__name__ = reference.__qualname__ = name
    return reference


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001, S110 - the learner may have replaced or closed them
            pass


def _guard(package: str, folder: str, reply_fd: int) -> None:
    """End this process with USES_REFERENCE as soon as anything imports ``package`` or opens a file in
    ``folder`` (the exercise's reference). An audit hook cannot be removed once added."""
    prefix = package + "."
    folder = os.path.realpath(folder) + os.sep

    def caught(what: str) -> None:
        try:
            from dlpath.practice import codec

            codec.write_frame(reply_fd, {"uses_reference": what})
        finally:
            os._exit(USES_REFERENCE)

    def hook(event: str, args: tuple) -> None:
        if event == "import":
            name = args[0]
            if isinstance(name, str) and (name == package or name.startswith(prefix)):
                caught(name)
        elif event == "open" and isinstance(args[0], (str, bytes)):
            try:
                path = os.path.realpath(os.fsdecode(args[0]))
            except (ValueError, OSError):
                return
            if path.startswith(folder):
                caught(package)

    sys.addaudithook(hook)


def _adopt_orphans() -> None:
    """On Linux, become a child subreaper: processes the learner's code starts stay our descendants even
    when their own parent exits (a double fork), so the grader can find, and end, them all."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass
