"""Practice for the gradient-descent exercise: the functions the learner writes, the hints, and the checks.

The checks run in the grader, the learner's code in the sandbox; ``dlpath.practice.checking`` has their helpers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from dlpath.practice.checking import (
    Check,
    Context,
    Failed,
    call,
    copied,
    describe,
    expect_array,
    invoke,
    no_warnings,
    show,
)
from dlpath.practice.codec import QuadraticGradient
from dlpath.practice.specs import PracticeSpec

PARABOLA = QuadraticGradient(np.array([[2.0]]), np.array([2.0]))  # the gradient 2 (x − 2) of f(x) = (x − 2)²


def _bowl(rng: np.random.Generator, dim: int) -> tuple[Callable, np.ndarray, np.ndarray, float]:
    """A random quadratic bowl f(x) = ½ (x − c)ᵀ A (x − c): its gradient, minimum c, a start, curvature."""
    q, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    curvatures = rng.uniform(0.5, 4.0, size=dim)
    A = q @ np.diag(curvatures) @ q.T
    c = rng.normal(0.0, 2.0, size=dim)

    return QuadraticGradient(A, c), c, c + rng.normal(0.0, 3.0, size=dim), float(curvatures.max())


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
    grad = PARABOLA

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
    grad = PARABOLA

    x0 = np.array([-3.0])
    expected = ctx.reference.minimise(grad, x0.copy(), 1.5, 1100)
    reply = invoke(ctx, "minimise", grad, x0, 1.5, 1100, watch_warnings=True)
    got = reply.value
    what = "minimise(grad, [-3.0], lr=1.5, steps=1100) on f(x) = (x - 2)², where each step doubles the distance"
    no_warnings(what, reply, ": stop once x is no longer finite (np.isfinite), and silence NumPy with np.errstate")
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


SPEC = PracticeSpec(
    filename="gradient_descent.py",
    functions=("minimise",),
    hints=(
        "Start at x0 and repeat `steps` times: x <- x - lr * grad(x). "
        "Go against the gradient: it points uphill.",
        "Return the path as one array of shape (steps + 1, dim), row 0 being the start. A scalar x0 "
        "is a point in 1-D: np.array(x0, dtype=float).reshape(-1) turns either kind into shape (dim,).",
        "Work on float copies and store a copy of each point (path[k] = x, or x.copy()): appending "
        "the same array object again and again, then changing it in place, gives identical rows.",
        "Momentum keeps a velocity v, starting at zero: v <- momentum * v - lr * grad(x), then "
        "x <- x + v. With momentum = 0 this is plain gradient descent.",
        "Too large a rate makes the points grow until they overflow. Start from "
        "np.full((steps + 1, dim), np.nan), stop as soon as x is not finite (np.isfinite), and run "
        "the loop inside np.errstate(over='ignore', invalid='ignore') so NumPy does not warn: the "
        "rows never reached stay NaN.",
    ),
    checks=GRADIENT_DESCENT_CHECKS,
    try_it=(
        "path = minimise(lambda x: 2 * (x - 2), -3.0, lr=0.1, steps=30)  # f(x) = (x - 2)², minimum at 2",
        'print("start", path[0], "end", path[-1])',
    ),
)
