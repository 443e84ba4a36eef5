"""The checks of each practice exercise: the learner's functions against the reference and against maths.

Runs inside the sandbox process (see ``harness``). A check is a function of a ``Context`` that returns
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


# --------------------------------------------------------------------------- sigmoid

EXTREMES = np.array([-1000.0, -710.0, -100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0, 710.0, 1000.0])

_STABLE = ": exp(-z) overflows for large negative z; use a form that only exponentiates numbers <= 0 (see --hint)"


def _elementwise_shapes(fn: str) -> Check:
    def run(ctx: Context) -> None:
        for shape in ((7,), (3, 4), (2, 3, 2)):
            z = ctx.rng.normal(0.0, 3.0, size=shape)
            got = call(ctx, fn, z)
            if not isinstance(got, np.ndarray):
                raise Failed(
                    f"{fn}(z) for z of shape {shape} should return a NumPy array (use np.exp, not math.exp)",
                    f"an array of shape {shape}",
                    describe(got),
                )
            if got.shape != shape:
                raise Failed(
                    f"{fn}(z) should work element by element and keep z's shape", f"shape {shape}", f"shape {got.shape}"
                )

    return Check(f"{fn}: shape and type", run)


def _elementwise_values(fn: str) -> Check:
    def run(ctx: Context) -> None:
        z = np.concatenate([ctx.rng.normal(0.0, 4.0, size=40), [-2.0, -0.5, 0.0, 0.5, 2.0]])
        expected = getattr(ctx.reference, fn)(z.copy())
        advice = ""
        if fn == "sigmoid_prime":
            advice = ": sigmoid'(z) = sigmoid(z) * (1 - sigmoid(z))"
        expect_array(f"{fn}(z) on random z", call(ctx, fn, z), expected, rtol=1e-6, atol=1e-12, advice=advice)

    return Check(f"{fn}: values on random inputs", run)


def _elementwise_extremes(fn: str) -> Check:
    def run(ctx: Context) -> None:
        for dtype in (np.float64, np.float32):
            z = EXTREMES.astype(dtype)
            expected = getattr(ctx.reference, fn)(z.copy())
            with numpy_warnings() as caught:
                got = call(ctx, fn, z)
            what = f"{fn}(z) for z from -1000 to 1000 ({np.dtype(dtype).name})"
            no_warnings(what, caught, _STABLE)
            if isinstance(got, np.ndarray) and got.dtype.kind == "f" and np.isnan(got).any():
                index = tuple(int(i) for i in np.argwhere(np.isnan(got))[0])
                raise Failed(
                    f"{what} returned NaN at z = {z[index]:g}{_STABLE}",
                    show(expected),
                    show(got),
                    index=index,
                    expected_value=float(expected[index]),
                    got_value=float("nan"),
                )
            expect_array(what, got, expected, rtol=1e-5, atol=1e-7)

    return Check(f"{fn}: extreme inputs", run)


def _sigmoid_prime_slope(ctx: Context) -> None:
    z = ctx.rng.normal(0.0, 3.0, size=30)
    h = 1e-5
    slope = (ctx.reference.sigmoid(z + h) - ctx.reference.sigmoid(z - h)) / (2 * h)
    expect_array(
        "sigmoid_prime(z) against the slope (sigmoid(z + h) - sigmoid(z - h)) / 2h",
        call(ctx, "sigmoid_prime", z),
        slope,
        rtol=1e-5,
        atol=1e-9,
        advice=": the derivative of sigmoid is sigmoid(z) * (1 - sigmoid(z))",
    )


SIGMOID_CHECKS = (
    _elementwise_shapes("sigmoid"),
    _elementwise_values("sigmoid"),
    _elementwise_extremes("sigmoid"),
    _elementwise_shapes("sigmoid_prime"),
    _elementwise_values("sigmoid_prime"),
    Check("sigmoid_prime: matches finite differences", _sigmoid_prime_slope),
    _elementwise_extremes("sigmoid_prime"),
)


# --------------------------------------------------------------------------- gradient descent


def _bowl(rng: np.random.Generator, dim: int) -> tuple[Callable, np.ndarray, np.ndarray, float]:
    """A random quadratic bowl f(x) = ½ (x − c)ᵀ A (x − c): its gradient, minimum c, a start, curvature."""
    q, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    curvatures = rng.uniform(0.5, 4.0, size=dim)
    A = q @ np.diag(curvatures) @ q.T
    c = rng.normal(0.0, 2.0, size=dim)

    def grad(x):
        return A @ (np.asarray(x, dtype=float) - c)

    return grad, c, c + rng.normal(0.0, 3.0, size=dim), float(curvatures.max())


def _path(
    ctx: Context,
    what: str,
    grad: Callable,
    x0: Any,
    lr: float,
    steps: int,
    momentum: float = 0.0,
) -> None:
    """The learner's path against the reference's for the same arguments."""
    args = (grad, x0, lr, steps) if momentum == 0.0 else (grad, x0, lr, steps, momentum)
    expected = ctx.reference.minimise(*copied(args))
    got = call(ctx, "minimise", *args)
    advice = ""
    if isinstance(got, np.ndarray) and got.shape == expected.shape and got.dtype.kind in "iuf":
        uphill = ctx.reference.minimise(grad, copied(x0), -lr, steps, momentum)
        if np.allclose(got, uphill, rtol=1e-6, atol=1e-9):
            advice = ": the path climbs: each step should go against the gradient, x - lr * grad(x)"
        elif len(got) > 1 and np.allclose(got, got[-1]):
            advice = ": every row is the same point: store a copy of x at each step, not x itself"
    expect_array(what, got, expected, rtol=1e-6, atol=1e-9, advice=advice)


def _gd_shape(ctx: Context) -> None:
    grad, _, x0, _ = _bowl(ctx.rng, 2)
    got = call(ctx, "minimise", grad, x0, 0.1, 5)
    if not isinstance(got, np.ndarray):
        raise Failed(
            "minimise() should return the path as one NumPy array, a row per point",
            "an array of shape (6, 2)",
            describe(got),
        )
    if got.shape != (6, 2):
        why = " (the start is row 0, so 5 steps make 6 rows)" if got.shape in ((5, 2), (6,), (5,)) else ""
        raise Failed(f"the path of 5 steps in 2-D has the wrong shape{why}", "shape (6, 2)", f"shape {got.shape}")


def _gd_plain(ctx: Context) -> None:
    grad, _, x0, curvature = _bowl(ctx.rng, 3)
    _path(ctx, "the path on a random bowl (lr below 2 / curvature)", grad, x0, 0.5 / curvature, 20)


def _gd_one_dimension(ctx: Context) -> None:
    def grad(x):
        return 2.0 * (np.asarray(x, dtype=float) - 2.0)

    _path(
        ctx,
        "the path of f(x) = (x - 2)² from the scalar start x0 = -3.0 (a column of shape (steps + 1, 1))",
        grad,
        -3.0,
        0.1,
        10,
    )


def _gd_momentum(ctx: Context) -> None:
    grad, _, x0, curvature = _bowl(ctx.rng, 2)
    _path(ctx, "the path with momentum 0.9", grad, x0, 0.2 / curvature, 30, momentum=0.9)


def _gd_converges(ctx: Context) -> None:
    grad, minimum, x0, curvature = _bowl(ctx.rng, 2)
    path = call(ctx, "minimise", grad, x0, 1.0 / curvature, 200)
    if not isinstance(path, np.ndarray) or path.ndim != 2 or path.shape[1] != 2 or len(path) == 0:
        raise Failed("minimise() should return an array of shape (steps + 1, 2)", "shape (201, 2)", describe(path))
    last = path[-1]
    distance = float(np.linalg.norm(last - minimum)) if np.all(np.isfinite(last)) else float("inf")
    if distance > 1e-4:
        raise Failed(
            "200 steps on a bowl should end at its minimum: gradient descent moves x - lr * grad(x)",
            f"a last point within 1e-4 of {show(minimum)}",
            f"{show(last)} (distance {distance:.3g})",
        )


def _gd_divergent(ctx: Context) -> None:
    def grad(x):
        return 2.0 * (np.asarray(x, dtype=float) - 2.0)

    x0 = np.array([-3.0])
    expected = ctx.reference.minimise(grad, x0.copy(), 1.5, 1100)
    with numpy_warnings() as caught:
        got = call(ctx, "minimise", grad, x0, 1.5, 1100)
    what = "minimise(grad, [-3.0], lr=1.5, steps=1100) on f(x) = (x - 2)², where each step doubles the distance"
    no_warnings(what, caught, ": stop once x is no longer finite (np.isfinite), and silence NumPy with np.errstate")
    try:
        expect_array(what, got, expected, rtol=1e-6, atol=1e-9, equal_nan=True)
    except Failed as failed:
        if failed.index is not None and not (np.isfinite(failed.expected_value) and np.isfinite(failed.got_value)):
            failed.message += ": the rows from the first non-finite point on should be NaN (see the docstring)"
        raise


GRADIENT_DESCENT_CHECKS = (
    Check("minimise: path shape", _gd_shape),
    Check("minimise: values on a random bowl", _gd_plain),
    Check("minimise: scalar start (1-D)", _gd_one_dimension),
    Check("minimise: momentum", _gd_momentum),
    Check("minimise: reaches the minimum", _gd_converges),
    Check("minimise: divergent rate", _gd_divergent),
)


# --------------------------------------------------------------------------- backpropagation

_CHAIN_RULE = (
    ": check the chain rule: δ^L = (a^L - Y) * a^L * (1 - a^L), δ^l = (δ^(l+1) @ W^(l+1).T) * a^l * (1 - a^l),"
    " dW^l = a^(l-1).T @ δ^l, db^l = δ^l summed over the samples"
)


def _network(ctx: Context, sizes: tuple[int, ...] = (3, 4, 2), samples: int = 5) -> tuple[list, np.ndarray, np.ndarray]:
    """Reference parameters, inputs X and targets Y in (0, 1) for a small random network."""
    params = ctx.reference.init_params(sizes, int(ctx.rng.integers(1_000_000)))
    params = [(W, ctx.rng.normal(0.0, 0.5, size=b.shape)) for W, b in params]  # non-zero biases
    X = ctx.rng.normal(0.0, 1.0, size=(samples, sizes[0]))
    Y = ctx.rng.uniform(0.0, 1.0, size=(samples, sizes[-1]))
    return params, X, Y


def _gradients_variant(
    ctx: Context, params: list, X: np.ndarray, Y: np.ndarray, *, output_factor: bool = True, hidden_factor: bool = True
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Backpropagation with a sigmoid-derivative factor optionally left out (to recognise that mistake)."""
    activations = ctx.reference.forward(params, X)
    a = activations[-1]
    delta = (a - Y) * (a * (1 - a) if output_factor else 1.0)
    grads = []
    for layer in range(len(params) - 1, -1, -1):
        grads.append((activations[layer].T @ delta, delta.sum(axis=0)))
        if layer:
            a = activations[layer]
            delta = (delta @ params[layer][0].T) * (a * (1 - a) if hidden_factor else 1.0)
    return grads[::-1]


def _sequential_step(ctx: Context, params: list, X: np.ndarray, Y: np.ndarray, lr: float) -> list:
    """The classic mistake: each layer updated as soon as its gradient is known, before the deltas below it."""
    activations = ctx.reference.forward(params, X)
    params = [(W.copy(), b.copy()) for W, b in params]
    a = activations[-1]
    delta = (a - Y) * a * (1 - a)
    for layer in range(len(params) - 1, -1, -1):
        W, b = params[layer]
        params[layer] = (W - lr * activations[layer].T @ delta, b - lr * delta.sum(axis=0))
        if layer:
            a = activations[layer]
            delta = (delta @ params[layer][0].T) * a * (1 - a)
    return params


def _matches(got: Any, expected: list) -> bool:
    try:
        return all(
            np.allclose(g, e, rtol=1e-6, atol=1e-9)
            for gp, ep in zip(got, expected, strict=True)
            for g, e in zip(gp, ep, strict=True)
        )
    except (TypeError, ValueError):
        return False


def _init_shapes(ctx: Context) -> None:
    for sizes in ((2, 3, 1), (3, 5, 4, 2)):
        got = call(ctx, "init_params", list(sizes), 0)
        what = f"init_params({list(sizes)}, seed)"
        pairs = params_of(what, got, [None] * (len(sizes) - 1))
        for layer, (W, b) in enumerate(pairs, start=1):
            n_in, n_out = sizes[layer - 1], sizes[layer]
            for name, value, shape in ((f"W{layer}", W, (n_in, n_out)), (f"b{layer}", b, (n_out,))):
                if not isinstance(value, np.ndarray):
                    raise Failed(
                        f"{what}: {name} should be a NumPy array", f"an array of shape {shape}", describe(value)
                    )
                if value.shape != shape:
                    advice = ""
                    if name.startswith("W") and value.shape == shape[::-1]:
                        advice = ": in this API W has shape (n_in, n_out), so that a layer computes a_prev @ W + b"
                    raise Failed(
                        f"{what}: {name} has the wrong shape{advice}", f"shape {shape}", f"shape {value.shape}"
                    )


def _init_seeded(ctx: Context) -> None:
    first = call(ctx, "init_params", [2, 4, 1], 7)
    again = call(ctx, "init_params", [2, 4, 1], 7)
    other = call(ctx, "init_params", [2, 4, 1], 8)
    like = ctx.reference.init_params((2, 4, 1), 7)
    for what, value in (("init_params", first), ("init_params", again), ("init_params", other)):
        params_of(what, value, like)
    if not _matches(again, [tuple(np.asarray(p) for p in pair) for pair in first]):
        raise Failed(
            "init_params gave different numbers for the same seed: draw them from np.random.default_rng(seed)",
            "the same parameters twice",
            "different parameters",
        )
    if _matches(other, [tuple(np.asarray(p) for p in pair) for pair in first]):
        raise Failed(
            "init_params gave the same numbers for seeds 7 and 8: use the seed",
            "different parameters",
            "the same parameters",
        )
    for layer, (W, _) in enumerate(first, start=1):
        W = np.asarray(W, dtype=float)
        if W.size > 1 and np.ptp(W) == 0:
            raise Failed(
                f"init_params: every weight of W{layer} is {W.flat[0]:g}: units that start equal learn "
                "the same thing, so draw the weights at random",
                "weights that differ",
                show(W),
            )


def _forward(ctx: Context) -> None:
    params, X, _ = _network(ctx)
    expected = ctx.reference.forward(params, X)
    got = call(ctx, "forward", params, X)
    what = "forward(params, X) with layers 3-4-2"
    if not isinstance(got, (list, tuple)):
        raise Failed(
            f"{what} should return the list of activations, input included",
            f"a list of {len(expected)} arrays [X, a1, a2]",
            describe(got),
        )
    if len(got) != len(expected):
        advice = ": include the input X as the first activation" if len(got) == len(expected) - 1 else ""
        raise Failed(
            f"{what} returned the wrong number of activations{advice}",
            f"{len(expected)} arrays [X, a1, a2]",
            f"{len(got)} items",
        )
    for layer, (g, e) in enumerate(zip(got, expected, strict=True)):
        name = "a0 (the input X)" if layer == 0 else f"a{layer}"
        advice = ": each layer computes sigmoid(a_prev @ W + b)" if layer else ""
        expect_array(f"{what}: {name}", g, e, advice=advice)


def _loss(ctx: Context) -> None:
    output = ctx.rng.uniform(0.0, 1.0, size=(6, 2))
    Y = ctx.rng.uniform(0.0, 1.0, size=(6, 2))
    expected = ctx.reference.loss(output.copy(), Y.copy())
    got = call(ctx, "loss", output, Y)
    advice = ": E = 0.5 * sum((output - Y) ** 2) over every output and sample"
    if isinstance(got, (int, float, np.number)) and not isinstance(got, bool):
        if np.isclose(float(got), 2 * expected):
            advice = ": it is twice the expected value: the 1/2 is missing"
        elif np.isclose(float(got), 2 * expected / output.size):
            advice = ": it looks like a mean: this loss is a sum, not an average"
    expect_number("loss(output, Y) for outputs and targets of shape (6, 2)", got, expected, advice=advice)


def _backward_shapes(ctx: Context) -> None:
    params, X, Y = _network(ctx)
    activations = ctx.reference.forward(params, X)
    got = call(ctx, "backward", params, activations, Y)
    pairs = params_of("backward(params, activations, Y)", got, params)
    for layer, ((gW, gb), (W, b)) in enumerate(zip(pairs, params, strict=True), start=1):
        for name, g, p in ((f"dW{layer}", gW, W), (f"db{layer}", gb, b)):
            if g is None:
                raise Failed(
                    f"backward: {name} is missing: every parameter needs a gradient", f"shape {p.shape}", "None"
                )
            if not isinstance(g, np.ndarray) or g.shape != p.shape:
                raise Failed(
                    f"backward: {name} should have the shape of the parameter it belongs to",
                    f"an array of shape {p.shape}",
                    describe(g),
                )


def _backward_numerical(ctx: Context) -> None:
    params, X, Y = _network(ctx)
    activations = ctx.reference.forward(params, X)
    expected = ctx.reference.numerical_gradients(params, X, Y)
    got = call(ctx, "backward", params, activations, Y)
    pairs = params_of("backward(params, activations, Y)", got, params)
    advice = _CHAIN_RULE
    for variant, why in (
        ({"output_factor": False}, ": the output delta is missing the sigmoid's derivative a^L * (1 - a^L)"),
        ({"hidden_factor": False}, ": the hidden deltas are missing the sigmoid's derivative a^l * (1 - a^l)"),
    ):
        if _matches(pairs, _gradients_variant(ctx, params, X, Y, **variant)):
            advice = why
    for layer, ((gW, gb), (eW, eb)) in enumerate(zip(pairs, expected, strict=True), start=1):
        what = "against central finite differences of the loss"
        expect_array(f"dW{layer} {what}", gW, eW, rtol=1e-4, atol=1e-7, advice=advice)
        db_advice = advice
        if isinstance(gb, np.ndarray) and gb.shape == eb.shape and not np.any(gb) and np.any(eb):
            db_advice = ": it is all zero: the bias gradient is δ summed over the samples, delta.sum(axis=0)"
        expect_array(f"db{layer} {what}", gb, eb, rtol=1e-4, atol=1e-7, advice=db_advice)


def _train_step(ctx: Context) -> None:
    params, X, Y = _network(ctx)
    lr = 0.5
    expected_params, expected_loss = ctx.reference.train_step(copied(params), X, Y, lr)
    got = call(ctx, "train_step", params, X, Y, lr)
    what = "train_step(params, X, Y, lr)"
    if not isinstance(got, tuple) or len(got) != 2:
        raise Failed(f"{what} should return a pair", "(new_params, loss_before_the_step)", describe(got))
    new_params, loss_before = got
    pairs = params_of(f"{what}: new_params", new_params, params)
    advice = ": W ← W - lr * dW and b ← b - lr * db, every gradient computed from the parameters before the step"
    if _matches(pairs, ctx.reference.train_step(copied(params), X, Y, -lr)[0]):
        advice = ": the parameters moved uphill: subtract lr * gradient, do not add it"
    elif _matches(pairs, _sequential_step(ctx, params, X, Y, lr)):
        advice = (
            ": a layer was updated before the deltas of the layers below it were computed: compute every"
            " gradient from the old parameters first, then update"
        )
    expect_params(f"{what}: the new", pairs, expected_params, advice=advice)
    expect_number(
        f"{what}: the loss before the step",
        loss_before,
        expected_loss,
        advice=": return the loss of the parameters you were given (before updating them)",
    )


def _train_step_descends(ctx: Context) -> None:
    X, Y = ctx.reference.xor_data()
    params = ctx.reference.init_params((2, 4, 1), 3)
    before = ctx.reference.loss(ctx.reference.forward(params, X)[-1], Y)
    got = call(ctx, "train_step", params, X, Y, 0.5)
    if not isinstance(got, tuple) or len(got) != 2:
        raise Failed("train_step should return a pair", "(new_params, loss_before_the_step)", describe(got))
    pairs = params_of("train_step: new_params", got[0], params)
    try:
        arrays = [(np.asarray(W, dtype=float), np.asarray(b, dtype=float)) for W, b in pairs]
        with np.errstate(all="ignore"):
            after = ctx.reference.loss(ctx.reference.forward(arrays, X)[-1], Y)
    except (TypeError, ValueError) as exc:
        raise Failed(
            "train_step's new parameters do not make a network", "arrays of the old shapes", shorten(str(exc), 80)
        ) from None
    if not after < before:
        raise Failed(
            "one step with lr = 0.5 on XOR did not lower the loss: step against the gradient",
            f"a loss below {before:.6g}",
            f"{after:.6g}",
        )


def _train_step_pure(ctx: Context) -> None:
    X, Y = ctx.reference.xor_data()
    originals = ctx.reference.init_params((2, 4, 1), 3)
    given = [(W.copy(), b.copy()) for W, b in originals]
    call(ctx, "train_step", given, X, Y, 0.5, copy_args=False)
    for layer, ((W, b), (W0, b0)) in enumerate(zip(given, originals, strict=False), start=1):
        if not (np.array_equal(W, W0) and np.array_equal(b, b0)):
            raise Failed(
                f"train_step changed the params it was given (W{layer} or b{layer}, e.g. with -=):"
                " return new arrays, W - lr * dW, and leave the old ones alone",
                "params left unchanged",
                "params modified in place",
            )


def _train_history(ctx: Context) -> None:
    X, Y = ctx.reference.xor_data()
    params = ctx.reference.init_params((2, 4, 1), 1)
    expected_params, expected_losses = ctx.reference.train(copied(params), X, Y, 1.0, 50)
    got = call(ctx, "train", params, X, Y, 1.0, 50)
    what = "train(params, X, Y, lr=1.0, epochs=50) on XOR"
    if not isinstance(got, tuple) or len(got) != 2:
        raise Failed(f"{what} should return a pair", "(final_params, losses)", describe(got))
    final, losses = got
    if isinstance(losses, list):
        losses = np.asarray(losses, dtype=float)
    expect_array(
        f"{what}: losses", losses, expected_losses, advice=": losses[k] is the loss before step k, one per epoch"
    )
    expect_params(f"{what}: the final", final, expected_params)


def _train_until(ctx: Context) -> None:
    X, Y = ctx.reference.xor_data()
    params = ctx.reference.init_params((2, 4, 1), 0)
    target = float(ctx.reference.train(copied(params), X, Y, 2.0, 41)[1][40])  # reached within 40 steps
    epochs = 200
    expected = ctx.reference.train(copied(params), X, Y, 2.0, epochs, target)[1]
    got = call(ctx, "train", params, X, Y, 2.0, epochs, target)
    what = f"train(..., lr=2.0, epochs={epochs}, until_loss={target:.4g}) on XOR"
    if not isinstance(got, tuple) or len(got) != 2:
        raise Failed(f"{what} should return a pair", "(final_params, losses)", describe(got))
    losses = np.asarray(got[1], dtype=float).reshape(-1) if isinstance(got[1], (list, np.ndarray)) else None
    if losses is None or losses.size == 0:
        raise Failed(f"{what}: losses should be an array", "the losses, one per epoch", describe(got[1]))
    if len(losses) == epochs:
        raise Failed(
            f"{what} should stop as soon as the loss is at most until_loss",
            f"{len(expected)} epochs",
            f"all {epochs} epochs",
        )
    if not losses[-1] <= target or np.any(losses[:-1] <= target):
        raise Failed(
            f"{what} should stop at the first loss at or below until_loss, and include it",
            f"a last loss <= {target:.6g} ({len(expected)} epochs)",
            f"a last loss of {losses[-1]:.6g} after {len(losses)} epochs",
        )


XOR_LOSS = 0.05  # half the squared error: below it every output is within 0.32 of its target, so XOR is solved


def _xor_seed(ctx: Context, X: np.ndarray, Y: np.ndarray, lr: float, epochs: int) -> int:
    """The first seed from which the reference solves XOR with these settings (it does for most)."""
    for seed in range(ctx.reference.DEFAULT_SEED, ctx.reference.DEFAULT_SEED + 10):
        params, _ = ctx.reference.train(ctx.reference.init_params((2, 4, 1), seed), X, Y, lr, epochs, XOR_LOSS)
        if np.all((ctx.reference.forward(params, X)[-1] > 0.5) == (Y > 0.5)):
            return seed
    return ctx.reference.DEFAULT_SEED


def _train_xor(ctx: Context) -> None:
    X, Y = ctx.reference.xor_data()
    lr, epochs = ctx.reference.DEFAULT_LR, ctx.reference.DEFAULT_EPOCHS
    seed = _xor_seed(ctx, X, Y, lr, epochs)
    params = ctx.reference.init_params((2, 4, 1), seed)
    got = call(ctx, "train", params, X, Y, lr, epochs, XOR_LOSS)  # stops early once solved
    if not isinstance(got, tuple) or len(got) != 2:
        raise Failed("train should return a pair", "(final_params, losses)", describe(got))
    pairs = params_of("train: the final params", got[0], params)
    try:
        arrays = [(np.asarray(W, dtype=float), np.asarray(b, dtype=float)) for W, b in pairs]
        with np.errstate(all="ignore"):
            output = ctx.reference.forward(arrays, X)[-1]
    except (TypeError, ValueError) as exc:
        raise Failed(
            "train's final parameters do not make a 2-4-1 network",
            "arrays of the starting shapes",
            shorten(str(exc), 80),
        ) from None
    if not np.all((output > 0.5) == (Y > 0.5)):
        raise Failed(
            f"train did not solve XOR from seed {seed} (lr = {lr:g}, up to {epochs} epochs), which the reference"
            " solves: check train_step's update and that train goes on from the new parameters",
            "outputs on the right side of 0.5 for targets [0 1 1 0]",
            show(output.reshape(-1)),
        )


BACKPROP_CHECKS = (
    Check("init_params: shapes", _init_shapes),
    Check("init_params: seeded and random", _init_seeded),
    Check("forward: activations", _forward),
    Check("loss: half the sum of squared errors", _loss),
    Check("backward: shapes", _backward_shapes),
    Check("backward: matches finite differences", _backward_numerical),
    Check("train_step: simultaneous update", _train_step),
    Check("train_step: lowers the loss", _train_step_descends),
    Check("train_step: leaves params unchanged", _train_step_pure),
    Check("train: loss history", _train_history),
    Check("train: stops at until_loss", _train_until),
    Check("train: solves XOR", _train_xor),
)

# what to remind the learner of when their code raises a shape error, by exercise
SHAPE_NOTES = {
    "backprop": "in this API W has shape (n_in, n_out), b has shape (n_out,), and samples are the rows of X",
}

CHECKS: dict[str, tuple[Check, ...]] = {
    "sigmoid": SIGMOID_CHECKS,
    "gradient-descent": GRADIENT_DESCENT_CHECKS,
    "backprop": BACKPROP_CHECKS,
}


def plan(exercise: str) -> tuple[str, ...]:
    """The names of every check of ``exercise`` in the order they run, the loading of the file first."""
    return (LOADS,) + tuple(check.name for check in CHECKS[exercise])


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
