"""The learner's code as the checks see it: a function name and arguments in, a ``Reply`` out.

``perform`` makes one call into the learner's module and describes what happened (a value, or what it
raised and on which line of the learner's file) as protocol data; it runs wherever the learner's code
runs: in the sandbox process (``worker``) when grading for real, in this process for ``LocalLearner``
(unit tests). Either way, arguments and results go through the protocol (``codec``), so the checks
see exactly the same values, and every comparison and verdict is made by the checks, never here.
"""

from __future__ import annotations

import traceback
import types
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from dlpath.practice import codec

MODULE_NAME = "dlpath_practice_learner"


class Stopped(Exception):  # noqa: N818 - an event, not an error of the grader
    """The learner's code can no longer be called (time limit, crash, exit...); the reason in the learner's words."""

    def __init__(self, reason: str, uses_reference: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.uses_reference = uses_reference  # what of dlpath's solution was imported or opened, if that was it


@dataclass(frozen=True, slots=True)
class Raised:
    """What the learner's function raised instead of returning, described where it happened."""

    kind: str  # missing, not_callable, not_implemented, exit, recursion, memory, too_large, error
    summary: str  # ``ValueError: bad shape (line 12: ...)``, or for not_callable what the name holds
    where: str  # `` (line 12: return ...)`` or ""
    line: str  # `` (line 12)`` or ""
    type: str = ""  # the exception's class name
    exit_code: str = ""  # repr of sys.exit's argument


@dataclass(frozen=True, slots=True)
class Reply:
    """One call's outcome: its value (or what it raised), NumPy's warnings, and the arguments afterwards."""

    value: Any = None
    raised: Raised | None = None
    warnings: tuple[tuple[str, str], ...] = ()  # (category, message) of each warning, when watched
    args: tuple | None = None  # the arguments as the function left them, when asked for


class Learner(Protocol):
    """Where the learner's functions run: ``load`` the file ("" or why it did not load), then ``call`` one
    function at a time, optionally with some of its other functions replaced by the reference's, so
    that a check blames only the function it is about. Both raise Stopped when the code cannot answer."""

    def load(self, path: Path, functions: tuple[str, ...]) -> str:
        """Load the learner's file, which must define ``functions``: "" or why it could not be loaded."""
        ...

    def call(
        self,
        name: str,
        args: tuple,
        *,
        return_args: bool = False,
        watch_warnings: bool = False,
        substitutes: tuple[str, ...] = (),
    ) -> Reply:
        """Call the learner's ``name(*args)``, with its functions ``substitutes`` replaced by the reference's."""
        ...


# --------------------------------------------------------------------------- describing exceptions


def shorten(text: str, width: int = 100) -> str:
    """``text`` on one line, cut to ``width`` characters with an ellipsis."""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _learner_frame(exc: BaseException, path: str) -> traceback.FrameSummary | None:
    """The last frame of the exception's traceback that is in the learner's file."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == path]
    return frames[-1] if frames else None


def where_in(exc: BaseException, path: str) -> str:
    """`` (line 12: return 1 / ...)`` for the learner's line the exception came from, or ""."""
    frame = _learner_frame(exc, path)
    if frame is None:
        return ""
    code = f": {frame.line.strip()}" if frame.line else ""
    return f" (line {frame.lineno}{code})"


def line_of(exc: BaseException, path: str) -> str:
    """`` (line 12)`` for the learner's line the exception came from, or ""."""
    frame = _learner_frame(exc, path)
    return f" (line {frame.lineno})" if frame else ""


def describe_exception(exc: BaseException, path: str) -> str:
    """``ValueError: bad shape (line 12: ...)``: the exception's type, message and the learner's line."""
    text = str(exc).strip().splitlines()
    message = f": {shorten(text[0], 160)}" if text else ""
    return f"{type(exc).__name__}{message}{where_in(exc, path)}"


@contextmanager
def numpy_warnings() -> Iterator[list[warnings.WarningMessage]]:
    """Record every warning raised inside, with NumPy set to warn on overflow and invalid operations."""
    with (
        warnings.catch_warnings(record=True) as caught,
        np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"),
    ):
        warnings.simplefilter("always")
        yield caught


# --------------------------------------------------------------------------- loading and calling


def load_learner(path: Path) -> tuple[types.ModuleType | None, str]:
    """The learner's file run as a module, or None and a message saying why it could not be loaded."""
    import sys

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
        exec(code, module.__dict__)  # noqa: S102 - running the learner's code is the point
    except SystemExit as exc:
        where = where_in(exc, str(path))
        return None, (
            f"{path.name} calls sys.exit({exc.code!r}) when it is loaded{where}: put code that runs the file as a"
            ' script under `if __name__ == "__main__":`'
        )
    except BaseException as exc:  # noqa: BLE001 - anything at import is the learner's to fix
        return None, f"{path.name} raised {describe_exception(exc, str(path))} when it was loaded"
    return module, ""


def missing_functions(module: types.ModuleType, functions: tuple[str, ...]) -> list[str]:
    """The names among ``functions`` that the learner's module does not define as functions."""
    return [name for name in functions if not callable(getattr(module, name, None))]


def perform(
    module: types.ModuleType,
    path: str,
    name: str,
    args: tuple,
    *,
    return_args: bool = False,
    watch_warnings: bool = False,
    substitutes: dict[str, Callable] | None = None,
) -> dict:
    """Call the learner's ``name(*args)`` and describe the outcome as protocol data (see ``reply_from``).

    ``substitutes`` replace some of the module's functions for the duration of the call (so that the
    function under test uses the reference's versions of the others).
    """
    fn = getattr(module, name, None)
    if fn is None:
        return {"raised": {"kind": "missing", "summary": "", "where": "", "line": ""}}
    if not callable(fn):
        return {"raised": {"kind": "not_callable", "summary": _describe_kind(fn), "where": "", "line": ""}}
    saved = {n: module.__dict__.get(n) for n in substitutes or {}}
    module.__dict__.update(substitutes or {})
    caught: list[warnings.WarningMessage] = []
    try:
        if watch_warnings:
            with numpy_warnings() as caught:
                value = fn(*args)
        else:
            value = fn(*args)
        reply: dict[str, Any] = {"value": codec.encode(value)}
    except BaseException as exc:  # noqa: BLE001 - anything the learner's code raises is a finding
        reply = {"raised": _raised(exc, path)}
    finally:
        for n, f in saved.items():
            if f is None:
                module.__dict__.pop(n, None)
            else:
                module.__dict__[n] = f
    if watch_warnings:
        numeric = [w for w in caught if issubclass(w.category, RuntimeWarning)]
        reply["warnings"] = [[w.category.__name__, shorten(str(w.message), 120)] for w in numeric[:5]]
    if return_args:
        reply["args"] = codec.encode(tuple(args))
    return reply


def _describe_kind(value: Any) -> str:
    if value is None:
        return "None"
    return f"a {type(value).__name__}"


def _raised(exc: BaseException, path: str) -> dict:
    kind = "error"
    if isinstance(exc, NotImplementedError):
        kind = "not_implemented"
    elif isinstance(exc, SystemExit):
        kind = "exit"
    elif isinstance(exc, RecursionError):
        kind = "recursion"
    elif isinstance(exc, MemoryError):
        kind = "memory"
    return {
        "kind": kind,
        "summary": describe_exception(exc, path),
        "where": where_in(exc, path),
        "line": line_of(exc, path),
        "type": type(exc).__name__,
        "exit_code": repr(exc.code) if isinstance(exc, SystemExit) else "",
    }


def reply_from(data: dict) -> Reply:
    """The Reply that protocol data describes; codec.ProtocolError if it is malformed."""
    raised = data.get("raised")
    if raised is not None:
        if not isinstance(raised, dict) or not all(isinstance(raised.get(k, ""), str) for k in Raised.__slots__):
            raise codec.ProtocolError("a malformed exception")
        return Reply(raised=Raised(**{k: raised.get(k, "") for k in Raised.__slots__}))
    if "value" not in data:
        raise codec.ProtocolError("a reply with neither a value nor an exception")
    found = data.get("warnings") or []
    if not isinstance(found, list) or not all(
        isinstance(w, list) and len(w) == 2 and all(isinstance(p, str) for p in w) for w in found
    ):
        raise codec.ProtocolError("malformed warnings")
    args = codec.decode(data["args"]) if "args" in data else None
    if args is not None and not isinstance(args, tuple):
        raise codec.ProtocolError("malformed arguments")
    return Reply(value=codec.decode(data["value"]), warnings=tuple((w[0], w[1]) for w in found), args=args)


class LocalLearner:
    """The learner's module called in this process (unit tests): fast, and seen by coverage.

    Values still make the protocol's round trip, so the checks see what they would from the sandbox.
    """

    def __init__(self, reference: types.ModuleType) -> None:
        self.reference = reference
        self.module: types.ModuleType | None = None
        self.path = ""

    def load(self, path: Path, functions: tuple[str, ...]) -> str:
        """Run the learner's file as a module in this process; "" or why it could not be loaded."""
        self.path = str(path)
        self.module, problem = load_learner(path)
        if self.module is not None:
            missing = missing_functions(self.module, functions)
            if missing:
                defined = ", ".join(f"{m}()" for m in missing)
                problem = f"{path.name} does not define {defined}: keep the scaffold's functions"
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
        """One call of the learner's function (see ``Learner``)."""
        assert self.module is not None, "load the file first"
        replaced = {n: self._reference_function(n) for n in substitutes}
        data = perform(
            self.module,
            self.path,
            name,
            codec.roundtrip(tuple(args)),
            return_args=return_args,
            watch_warnings=watch_warnings,
            substitutes=replaced,
        )
        return reply_from(_through_json(data))

    def _reference_function(self, name: str) -> Callable:
        reference = getattr(self.reference, name)

        def call_reference(*args: Any, **kwargs: Any) -> Any:
            return codec.roundtrip(reference(*codec.roundtrip(args), **codec.roundtrip(kwargs)))

        return call_reference


def _through_json(data: dict) -> dict:
    import json

    return json.loads(json.dumps(data))
