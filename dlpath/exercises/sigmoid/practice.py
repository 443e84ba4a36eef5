"""Practice for the sigmoid exercise: the functions the learner writes, the hints, and the checks.

The checks run in the grader, the learner's code in the sandbox; ``dlpath.practice.checking`` has their helpers.
"""

from __future__ import annotations

import numpy as np

from dlpath.practice.checking import (
    Check,
    Context,
    Failed,
    call,
    describe,
    expect_array,
    invoke,
    no_warnings,
    show,
)
from dlpath.practice.specs import PracticeSpec

EXTREMES = np.array([-1000.0, -710.0, -100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0, 710.0, 1000.0])

_STABLE = (
    ": an exponential overflowed on the way (exp(-z) for large negative z, or exp(z) for large positive z);"
    " use a form that only exponentiates numbers <= 0 (see --hint)"
)
_OVERFLOWED = (
    ": a number that is not finite at a large |z| usually means an exponential overflowed to inf (and"
    " inf / inf is NaN); use a form that only exponentiates numbers <= 0 (see --hint)"
)
_WRONG_TAILS = ": far from 0, σ(z) should reach 0 (z → −∞) and 1 (z → +∞), and σ'(z) should reach 0"


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
            reply = invoke(ctx, fn, z, watch_warnings=True)
            got = reply.value
            what = f"{fn}(z) for z from -1000 to 1000 ({np.dtype(dtype).name})"
            if isinstance(got, np.ndarray) and got.dtype.kind in "fc" and not np.isfinite(got).all():
                index = tuple(int(i) for i in np.argwhere(~np.isfinite(got))[0])
                raise Failed(
                    f"{what} returned {got[index]} at z = {z[index]:g}{_OVERFLOWED}",
                    show(expected),
                    show(got),
                    index=index,
                    expected_value=float(expected[index]),
                    got_value=float(got[index]),
                )
            advice = ""
            if isinstance(got, np.ndarray) and got.shape == z.shape and got.dtype.kind in "biuf":
                wrong = ~np.isclose(got.astype(float), expected.astype(float), rtol=1e-5, atol=1e-7)
                advice = _WRONG_TAILS if wrong.any() and np.all(np.abs(z[wrong]) >= 30) else ""
            expect_array(what, got, expected, rtol=1e-5, atol=1e-7, advice=advice)
            if fn == "sigmoid":
                mirrored = invoke(ctx, fn, -z, watch_warnings=True).value  # (its warnings are the first call's)
                if isinstance(mirrored, np.ndarray) and mirrored.shape == z.shape:
                    expect_array(
                        f"sigmoid(z) + sigmoid(-z) for the same z ({np.dtype(dtype).name})",
                        got.astype(float) + mirrored.astype(float),
                        np.ones_like(z, dtype=float),
                        rtol=0,
                        atol=1e-6,
                        advice=": σ(z) + σ(−z) = 1 for every z; each side must be right in its own tail",
                    )
            overflow = any("overflow encountered in exp" in message for _, message in reply.warnings)
            advice = _STABLE if overflow else ": write it so that every step stays finite for every z (see --hint)"
            no_warnings(f"{what} gave the right values but", reply, advice)

    return Check(f"{fn}: extreme inputs", run)


def _keeps_dtype(fn: str) -> Check:
    def run(ctx: Context) -> None:
        for dtype in (np.float32, np.float64):
            z = ctx.rng.normal(0.0, 3.0, size=6).astype(dtype)
            got = call(ctx, fn, z)
            if isinstance(got, np.ndarray) and got.dtype != z.dtype:
                raise Failed(
                    f"{fn}(z) for {np.dtype(dtype).name} z returned {got.dtype}: keep the input's dtype (np.exp and"
                    " arithmetic with Python numbers keep it; np.float64(...), dtype=... or .astype(...) change it)",
                    f"an array of {np.dtype(dtype).name}",
                    f"an array of {got.dtype}",
                )

    return Check(f"{fn}: keeps the input's dtype", run)


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
    _keeps_dtype("sigmoid"),
    _elementwise_shapes("sigmoid_prime"),
    _elementwise_values("sigmoid_prime"),
    Check("sigmoid_prime: matches finite differences", _sigmoid_prime_slope),
    _elementwise_extremes("sigmoid_prime"),
    _keeps_dtype("sigmoid_prime"),
)


SPEC = PracticeSpec(
    filename="sigmoid.py",
    functions=("sigmoid", "sigmoid_prime"),
    hints=(
        "sigmoid(z) = 1 / (1 + exp(-z)), applied element by element: write it with NumPy "
        "(np.exp) so it works on arrays of any shape, not with math.exp.",
        "The derivative is written in terms of the function itself: "
        "sigmoid'(z) = sigmoid(z) * (1 - sigmoid(z)).",
        "exp(-z) overflows for z = -1000 (e^1000 does not fit in a float) and NumPy warns. "
        "For z < 0 use the equivalent form exp(z) / (1 + exp(z)): then exp only ever sees "
        "numbers <= 0.",
        "One way: e = np.exp(-np.abs(z)), then np.where(z >= 0, 1 / (1 + e), e / (1 + e)). "
        "Both branches are safe for every z, so np.where evaluating both is fine.",
    ),
    checks=SIGMOID_CHECKS,
    try_it=(
        "z = np.array([-1000.0, -1.0, 0.0, 1.0, 1000.0])",
        'print("sigmoid:      ", sigmoid(z))',
        'print("sigmoid_prime:", sigmoid_prime(z))',
    ),
)
