"""The helpers every exercise's checks are written with: calling the learner's code, comparing values.

Each exercise's checks live in its folder (``dlpath/exercises/<name>/practice.py``) and run here, in
the grader: a check is a function of a ``Context`` that returns normally when the learner's code is
right and raises ``Failed`` (what was expected, what came back, where the first difference is, what
to look at) when it is not. Every call into the learner's code goes through ``call`` (or ``invoke``),
which asks ``ctx.learner`` (the sandbox, or the module itself in unit tests) to run it and turns
anything it raised, ``sys.exit`` included, into a ``Failed`` naming the line of the learner's file.
The learner's code only ever receives copies, and only ever returns values: every comparison is made
here, against the reference module and against the maths.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from dlpath.practice.codec import Opaque
from dlpath.practice.learner import Learner, Reply, Stopped, describe_exception, shorten
from dlpath.practice.results import CheckResult

LOADS = "file loads"  # the first check of every exercise: the file runs and defines every function

__all__ = ["describe_exception", "shorten"]  # for the checks, which describe what they find with them


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
    """What a check works with: where the learner's code runs, the reference module, a seeded generator."""

    learner: Learner
    reference: ModuleType
    path: str  # the learner's file
    rng: np.random.Generator
    shape_note: str = ""  # added to shape errors the learner's code raises (the API's shape conventions)
    failed: set[str] = field(default_factory=set)  # the names of the checks that have failed so far


@dataclass(frozen=True, slots=True)
class Check:
    """One named check; ``run`` raises Failed when the learner's code is wrong (and may return a note when not)."""

    name: str
    run: Callable[[Context], str | None]


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


def invoke(
    ctx: Context,
    name: str,
    *args: Any,
    return_args: bool = False,
    watch_warnings: bool = False,
    reference_for: tuple[str, ...] = (),
) -> Reply:
    """The learner's ``name(*args)`` as a Reply (value, warnings, the arguments afterwards); Failed if it
    did not return. ``reference_for`` names the learner's other functions to replace by the reference's
    during the call, so that a mistake in them is not blamed on ``name``."""
    reply = ctx.learner.call(
        name, tuple(args), return_args=return_args, watch_warnings=watch_warnings, substitutes=reference_for
    )
    raised = reply.raised
    if raised is None:
        return reply
    if raised.kind == "missing":
        raise Failed(f"the file does not define {name}(): keep the function from the scaffold", f"{name}()", "nothing")
    if raised.kind == "not_callable":
        raise Failed(f"{name} is not a function", "a function", raised.summary)
    if raised.kind == "not_implemented":
        raise Failed(
            f"{name}() is not implemented yet{raised.line}: replace its `raise NotImplementedError` with your code"
        )
    if raised.kind == "exit":
        raise Failed(
            f"{name}() called sys.exit({raised.exit_code}){raised.where}: return a value instead",
            "a return value",
            "sys.exit",
        )
    if raised.kind == "recursion":
        raise Failed(f"{name}() recursed too deeply{raised.where}: write it as a loop")
    if raised.kind == "too_large":
        raise Failed(
            f"{name}() returned a value too large to check", "a result of the input's size", raised.summary
        )
    if raised.kind == "memory":
        raise Failed(f"{name}() ran out of memory{raised.where}")
    note = ""
    if (
        raised.type == "ValueError"
        and ctx.shape_note
        and any(word in raised.summary for word in ("matmul", "shape", "broadcast", "aligned"))
    ):
        note = f"; {ctx.shape_note}"
    if raised.summary.startswith("RuntimeError: dlpath's reference"):
        note = f" (dlpath's own {', '.join(reference_for)} stood in for yours in this check)"
    raise Failed(f"{name}() raised {raised.summary}{note}")


def call(ctx: Context, name: str, *args: Any, reference_for: tuple[str, ...] = ()) -> Any:
    """The value of the learner's ``name(*args)``; Failed for anything but a return (see ``invoke``)."""
    return invoke(ctx, name, *args, reference_for=reference_for).value


# --------------------------------------------------------------------------- describing and comparing values


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
    if isinstance(value, Opaque):
        return f"a {value.kind}"
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


def no_warnings(what: str, reply: Reply, advice: str) -> None:
    """Failed if NumPy warned (a RuntimeWarning: overflow, invalid value, ...) during the learner's call,
    which must have been made with ``invoke(..., watch_warnings=True)``."""
    if reply.warnings:
        category, message = reply.warnings[0]
        raise Failed(f"{what} made NumPy warn{advice}", "no warning", f"{category}: {shorten(message, 80)}")


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


def plan(checks: tuple[Check, ...]) -> tuple[str, ...]:
    """The names of ``checks`` in the order they run, the loading of the file first."""
    return (LOADS,) + tuple(check.name for check in checks)


def run_check(check: Check, ctx: Context) -> CheckResult:
    """Run one check; its result (a Failed becomes a failed result, anything else unexpected too)."""
    try:
        note = check.run(ctx)  # a check may pass with a note (e.g. which of two right answers the learner chose)
    except Failed as failed:
        return failed.result(check.name)
    except Stopped:
        raise
    except Exception as exc:  # noqa: BLE001 - the learner's values broke the check itself: still a failure
        return CheckResult(
            check.name,
            passed=False,
            message=f"could not be graded: the values returned made the "
            f"check fail with {describe_exception(exc, ctx.path)}",
        )
    return CheckResult(check.name, passed=True, message=note if isinstance(note, str) else "")
