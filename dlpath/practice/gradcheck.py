"""A gradient check for your own code: your analytic gradients against centred finite differences.

Call it from your practice file, as CS231n's assignments do::

    from dlpath.practice.gradcheck import gradient_check

    params = init_params([2, 3, 1], seed=1)
    grads = backward(params, forward(params, X), Y)
    gradient_check(lambda: loss(forward(params, X)[-1], Y), params, grads)

For every entry θ of every array in ``params`` it nudges θ by ±h in place (and puts it back) and takes
the centred difference (f(θ + h) − f(θ − h)) / 2h, whose error shrinks like h², then compares it with
your gradient by the relative error |a − n| / (|a| + |n|) (entries a thousand times smaller than the
largest gradient are measured against a thousandth of it instead: finite differences cannot resolve
them). Read the result as:

- below 1e-7: they agree (what a right gradient gives in float64 with smooth units like σ);
- 1e-7 to 1e-5: probably right; worth a look if the function has no kinks;
- 1e-5 to 1e-2: suspicious: look for a missing factor or a wrong index;
- above 1e-2: the gradient is wrong (a sign, a transpose, a missing term).

It imports only NumPy, so it never uses dlpath's own solution.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

THRESHOLDS = (
    (1e-7, "they agree"),
    (1e-5, "probably right"),
    (1e-2, "suspicious: look for a missing factor or a wrong index"),
    (float("inf"), "wrong: look for a sign, a transpose or a missing term"),
)


def flatten(params) -> list[np.ndarray]:  # noqa: ANN001 - arrays, or (W, b) pairs of arrays, nested
    """The arrays of ``params`` in order: an array, or lists/tuples of arrays (e.g. [(W1, b1), (W2, b2)])."""
    if isinstance(params, np.ndarray):
        return [params]
    return [array for item in params for array in flatten(item)]


def centred_differences(f: Callable[[], float], array: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """(f(θ + h) − f(θ − h)) / 2h for every entry θ of ``array``, which ``f`` reads; ``array`` is restored."""
    numeric = np.zeros(array.shape, dtype=float)
    for index in np.ndindex(array.shape):
        saved = array[index]
        try:
            array[index] = saved + h
            plus = float(f())
            array[index] = saved - h
            minus = float(f())
        finally:
            array[index] = saved
        numeric[index] = (plus - minus) / (2 * h)
    return numeric


def relative_error(analytic: np.ndarray, numeric: np.ndarray, floor: float = 1e-8) -> float:
    """The largest |a − n| / max(|a| + |n|, floor) over the entries: 0 when they agree exactly.

    ``floor`` keeps entries that are almost zero from dominating: finite differences carry an absolute
    error of about 1e-10, so they cannot resolve a gradient that small.
    """
    a = np.asarray(analytic, dtype=float)
    n = np.asarray(numeric, dtype=float)
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), floor)))


def scaled_relative_error(analytic: np.ndarray, numeric: np.ndarray, share: float = 1e-3) -> float:
    """``relative_error`` with the floor set to ``share`` of the largest |a| + |n|, so that entries many
    orders of magnitude below the rest are judged against the gradient's own scale (0 when all are 0)."""
    a = np.asarray(analytic, dtype=float)
    n = np.asarray(numeric, dtype=float)
    size = np.abs(a) + np.abs(n)
    if size.size == 0 or size.max() == 0:
        return 0.0
    return relative_error(a, n, floor=share * float(size.max()))


def verdict(error: float) -> str:
    """What a relative error of ``error`` says about a gradient (see the module docstring)."""
    return next(text for limit, text in THRESHOLDS if error < limit)


def gradient_check(
    f: Callable[[], float],
    params,  # noqa: ANN001 - arrays or (W, b) pairs, as init_params returns
    grads,  # noqa: ANN001 - the same structure as params: your gradients
    h: float = 1e-5,
    names: Iterable[str] | None = None,
    report: Callable[[str], None] | None = print,
) -> float:
    """Compare ``grads`` with centred differences of ``f`` (a function of no arguments that reads the
    arrays of ``params``); print one line per array (``report=None`` prints nothing). Returns the largest
    relative error. The arrays must be float arrays: they are nudged in place and put back."""
    arrays, analytic = flatten(params), flatten(grads)
    if len(arrays) != len(analytic):
        raise ValueError(f"params has {len(arrays)} arrays but grads has {len(analytic)}: give one gradient per array")
    labels = list(names) if names is not None else _default_names(len(arrays))
    for label, array, gradient in zip(labels, arrays, analytic, strict=True):
        if np.shape(gradient) != array.shape:
            raise ValueError(f"the gradient of {label} has shape {np.shape(gradient)}, but {label} has {array.shape}")
    numeric = [centred_differences(f, array, h) for array in arrays]
    sizes = [np.abs(np.asarray(a, dtype=float)) + np.abs(n) for a, n in zip(analytic, numeric, strict=True)]
    largest = max((float(np.max(size, initial=0.0)) for size in sizes), default=0.0)
    floor = max(1e-3 * largest, 1e-8)  # entries a thousand times below the largest are measured against it
    worst = 0.0
    for label, array, gradient, approx in zip(labels, arrays, analytic, numeric, strict=True):
        error = relative_error(gradient, approx, floor)
        worst = max(worst, error)
        if report is not None:
            report(f"{label:>4} {str(array.shape):>10}: max relative error {error:.1e}  ({verdict(error)})")
    if report is not None:
        report(f"overall: {worst:.1e}, {verdict(worst)}")
    return worst


def _default_names(count: int) -> list[str]:
    if count % 2 == 0:
        return [f"{'W' if i % 2 == 0 else 'b'}{i // 2 + 1}" for i in range(count)]
    return [f"p{i + 1}" for i in range(count)]
