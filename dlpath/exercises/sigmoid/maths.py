"""The logistic sigmoid σ(z) = 1 / (1 + e^(−z)) and its derivative, computed without overflow.

The textbook formula overflows for large negative z (e^1000 is inf in floating point). Written as
σ(z) = e^(−log(1 + e^(−z))) and evaluated with ``np.logaddexp(0, −z)`` = log(e^0 + e^(−z)), which
never overflows, it is exact to the last few bits everywhere, in float32 as in float64.
"""

from __future__ import annotations

import numpy as np


def sigmoid(z):
    """σ(z) = 1 / (1 + e^(−z)), elementwise; any shape, floating dtypes kept (integers become float64).

    For z below about −745 (float64) or −104 (float32) the true value is smaller than the smallest
    representable number, so the answer rounds to 0: that underflow is expected and silenced.
    """
    with np.errstate(under="ignore"):
        return np.exp(-np.logaddexp(0, np.negative(z)))


def sigmoid_prime(z):
    """σ'(z) = σ(z)·(1 − σ(z)) = σ(z)·σ(−z), elementwise; same shapes and dtypes as ``sigmoid``.

    The form σ(z)·σ(−z) keeps full precision in both tails, where 1 − σ(z) would round to 0.
    """
    return sigmoid(z) * sigmoid(np.negative(z))


def vanishing_threshold(fraction: float = 0.01) -> float:
    """The |z| beyond which σ'(z) is below ``fraction`` of its peak σ'(0) = 1/4.

    Solves σ(z)σ(−z) = fraction/4 for z > 0: with s = σ(z), s(1 − s) = c gives s = (1 + √(1 − 4c)) / 2.
    """
    c = fraction / 4
    s = (1 + (1 - 4 * c) ** 0.5) / 2
    return float(np.log(s / (1 - s)))


STABILITY_NOTE = (  # why sigmoid is written the way it is, in the learner's terms
    "Stable: the textbook 1/(1 + e^(−z)) needs e^1000 at z = −1000, which overflows to inf (NumPy warns),"
    " and the equivalent e^z/(1 + e^z) gives inf/inf = NaN at z = 1000. dlpath computes"
    " σ(z) = e^(−log(1 + e^(−z))) with np.logaddexp, which never overflows: σ(−1000) = 0 and σ(1000) = 1,"
    " in float32 and float64, with no warning."
)


def explain_vanishing(threshold: float) -> str:
    """Why a vanishing σ' matters, in plain words; ``threshold`` is ``vanishing_threshold(0.01)``."""
    return (
        "Where the slope vanishes: σ'(z) peaks at 1/4 when z = 0 and drops below 1% of that once"
        f" |z| > {threshold:.1f}. A unit whose net input sits out there is saturated: its output hardly"
        " moves, so almost no gradient flows back through it and its weights barely learn. Backpropagation"
        " multiplies one σ' per layer, each at most 1/4, so through 10 sigmoid layers the gradient shrinks"
        " by at least 4^10 ≈ a million: the vanishing gradient problem. That is why deep networks start with"
        " small weights (to keep z near 0) and why most of them now use units such as ReLU, whose slope does"
        " not fade."
    )
