"""The helpers every exercise's checks are written with: calling the learner's code, comparing values.

Each exercise's checks live in its folder (``dlpath/exercises/<name>/practice.py``); they run inside the
sandbox process (see ``harness``). A check is a function of a ``Context`` that returns
normally when the learner's code is right and raises ``Failed`` (what was expected, what came back,
where the first difference is, what to look at) when it is not. Every call into the learner's code
goes through ``call``, which turns anything it raises, ``sys.exit`` included, into a ``Failed``
naming the line of the learner's file; inputs are copied first, so the learner's code cannot change
what the reference sees.
"""

from __future__ import annotations

import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from dlpath.practice.results import CheckResult

LOADS = "file loads"  # the first check of every exercise, run by the harness itself


class Failed(Exception):
    """A check found a problem: a message saying what to look at, and what was expected and came back."""

    def __init__(
        self,
        message: str,
        expected: str = "",
        got: str = "",
        index: tuple[int, ...] | None = None,
        expected_value: float | None = None,
        got_value: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected
        self.got = got
        self.index = index
        self.expected_value = expected_value
        self.got_value = got_value

    def result(self, name: str) -> CheckResult:
        """The failed CheckResult of the check called ``name``."""
        return CheckResult(
            name=name,
            passed=False,
            expected=self.expected,
            got=self.got,
            message=self.message,
            index=self.index,
            expected_value=self.expected_value,
            got_value=self.got_value,
        )


@dataclass
class Context:
    """What a check works with: the learner's module, the reference module, a seeded random generator."""

    learner: ModuleType
    reference: ModuleType
    path: str  # the learner's file, to point at the line that raised
    rng: np.random.Generator
    shape_note: str = ""  # added to shape errors the learner's code raises (the API's shape conventions)


@dataclass(frozen=True, slots=True)
class Check:
    """One named check; ``run`` raises Failed when the learner's code is wrong."""

    name: str
    run: Callable[[Context], None]


# --------------------------------------------------------------------------- calling the learner's code


def copied(value: Any) -> Any:
    """A deep copy of arrays and (nested) lists/tuples of arrays; other values as they are."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [copied(v) for v in value]
    if isinstance(value, tuple):
        return tuple(copied(v) for v in value)
    return value


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


def call(ctx: Context, name: str, *args: Any, copy_args: bool = True) -> Any:
    """The learner's function ``name`` applied to (copies of) ``args``; Failed for anything but a return."""
    fn = getattr(ctx.learner, name, None)
    if fn is None:
        raise Failed(f"the file does not define {name}(): keep the function from the scaffold", f"{name}()", "nothing")
    if not callable(fn):
        raise Failed(f"{name} is not a function", "a function", describe(fn))
    try:
        return fn(*(copied(args) if copy_args else args))
    except NotImplementedError as exc:
        raise Failed(
            f"{name}() is not implemented yet{line_of(exc, ctx.path)}: replace its `raise NotImplementedError`"
            " with your code"
        ) from None
    except SystemExit as exc:
        raise Failed(
            f"{name}() called sys.exit({exc.code!r}){where_in(exc, ctx.path)}: return a value instead",
            "a return value",
            "sys.exit",
        ) from None
    except RecursionError as exc:
        raise Failed(f"{name}() recursed too deeply{where_in(exc, ctx.path)}: write it as a loop") from None
    except MemoryError as exc:
        raise Failed(f"{name}() ran out of memory{where_in(exc, ctx.path)}") from None
    except BaseException as exc:  # noqa: BLE001 - anything the learner's code raises is a finding
        note = ""
        if (
            isinstance(exc, ValueError)
            and ctx.shape_note
            and any(word in str(exc) for word in ("matmul", "shape", "broadcast", "aligned"))
        ):
            note = f"; {ctx.shape_note}"
        raise Failed(f"{name}() raised {describe_exception(exc, ctx.path)}{note}") from None


# --------------------------------------------------------------------------- describing and comparing values


def shorten(text: str, width: int = 100) -> str:
    """``text`` on one line, cut to ``width`` characters with an ellipsis."""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 3] + "..."


def show(value: Any) -> str:
    """A short one-line rendering of a number or an array, for "expected" and "got"."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return shorten(np.array2string(value, precision=6, threshold=12, edgeitems=3, separator=" "), 120)
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.8g}"
    return shorten(repr(value), 120)


def describe(value: Any) -> str:
    """What kind of thing ``value`` is: ``an array of shape (3, 4) (float64)``, ``a list of 2``, ``None``."""
    if value is None:
        return "None (does the function return its result?)"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} ({value.dtype})"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)}"
    if isinstance(value, (bool, int, float, np.number)):
        return f"the number {show(value)}" if not isinstance(value, bool) else f"the boolean {value}"
    return f"a {type(value).__name__}"


def expect_array(
    what: str,
    got: Any,
    expected: np.ndarray,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    advice: str = "",
    equal_nan: bool = False,
) -> None:
    """Failed unless ``got`` is a real-valued NumPy array of ``expected``'s shape and close to it everywhere."""
    expected = np.asarray(expected)
    if not isinstance(got, np.ndarray):
        raise Failed(f"{what} should be a NumPy array", f"an array of shape {expected.shape}", describe(got))
    if got.shape != expected.shape:
        swapped = got.ndim == 2 and got.shape == expected.shape[::-1]
        why = "; the dimensions look swapped" if swapped else ""
        raise Failed(f"{what} has the wrong shape{why}{advice}", f"shape {expected.shape}", f"shape {got.shape}")
    if got.dtype.kind not in "biuf":
        raise Failed(f"{what} should hold real numbers", "a float array", f"an array of {got.dtype}")
    close = np.isclose(got.astype(float), expected.astype(float), rtol=rtol, atol=atol, equal_nan=equal_nan)
    if close.all():
        return
    index = tuple(int(i) for i in np.argwhere(~close)[0])
    wrong = int(np.count_nonzero(~close))
    count = f"{wrong} of {expected.size} values differ" if expected.size > 1 else "the value differs"
    raise Failed(
        f"{what}: {count}{advice}",
        show(expected),
        show(got),
        index=index,
        expected_value=float(expected[index]),
        got_value=float(got[index]),
    )


def expect_number(
    what: str, got: Any, expected: float, *, rtol: float = 1e-6, atol: float = 1e-9, advice: str = ""
) -> float:
    """Failed unless ``got`` is one real number close to ``expected``; returns it as a float."""
    if isinstance(got, np.ndarray) and got.shape == () and got.dtype.kind in "iuf":
        got = got[()]
    if isinstance(got, bool) or not isinstance(got, (int, float, np.integer, np.floating)):
        raise Failed(f"{what} should be a single number", f"a number ({show(expected)})", describe(got))
    value = float(got)
    if not np.isclose(value, expected, rtol=rtol, atol=atol):
        raise Failed(f"{what} is wrong{advice}", show(expected), show(value))
    return value


def no_warnings(what: str, caught: list[warnings.WarningMessage], advice: str) -> None:
    """Failed if NumPy warned (a RuntimeWarning: overflow, invalid value, ...) while the learner's code ran."""
    numeric = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if numeric:
        first = numeric[0]
        raise Failed(
            f"{what} made NumPy warn{advice}",
            "no warning",
            f"{first.category.__name__}: {shorten(str(first.message), 80)}",
        )


def params_of(what: str, got: Any, like: list[tuple[np.ndarray, np.ndarray]]) -> list[tuple[Any, Any]]:
    """``got`` checked to be a list of (W, b) pairs of ``like``'s length (shapes are checked later)."""
    expected = f"a list of {len(like)} (W, b) pairs"
    if not isinstance(got, (list, tuple)):
        raise Failed(f"{what} should be a list of (W, b) pairs, one per layer", expected, describe(got))
    if len(got) != len(like):
        raise Failed(f"{what} should have one (W, b) pair per layer", expected, f"{len(got)} items")
    for i, pair in enumerate(got, start=1):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise Failed(f"{what}: item {i} should be a (W, b) pair", "a pair (W, b)", describe(pair))
    return [tuple(pair) for pair in got]


def expect_params(
    what: str,
    got: Any,
    expected: list[tuple[np.ndarray, np.ndarray]],
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    names: tuple[str, str] = ("W", "b"),
    advice: str = "",
) -> None:
    """Failed unless ``got`` is a list of pairs whose arrays match ``expected``'s, layer by layer."""
    pairs = params_of(what, got, expected)
    for layer, ((gW, gb), (eW, eb)) in enumerate(zip(pairs, expected, strict=True), start=1):
        expect_array(f"{what} {names[0]}{layer}", gW, eW, rtol=rtol, atol=atol, advice=advice)
        expect_array(f"{what} {names[1]}{layer}", gb, eb, rtol=rtol, atol=atol, advice=advice)


@contextmanager
def numpy_warnings() -> Iterator[list[warnings.WarningMessage]]:
    """Record every warning raised inside, with NumPy set to warn on overflow and invalid operations."""
    with (
        warnings.catch_warnings(record=True) as caught,
        np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"),
    ):
        warnings.simplefilter("always")
        yield caught


def plan(checks: tuple[Check, ...]) -> tuple[str, ...]:
    """The names of ``checks`` in the order they run, the loading of the file first."""
    return (LOADS,) + tuple(check.name for check in checks)


def run_check(check: Check, ctx: Context) -> CheckResult:
    """Run one check; its result (a Failed becomes a failed result, anything else unexpected too)."""
    try:
        check.run(ctx)
    except Failed as failed:
        return failed.result(check.name)
    except Exception as exc:  # noqa: BLE001 - the learner's values broke the check itself: still a failure
        return CheckResult(
            check.name,
            passed=False,
            message=f"could not be graded: the values returned made the "
            f"check fail with {describe_exception(exc, ctx.path)}",
        )
    return CheckResult(check.name, passed=True)
