"""One tiny convolution computed number by number, forward and backward, to check pen-and-paper work against.

A 4x4 input x, one 2x2 filter w and a bias b, stride 1, no padding, so the output is 3x3:
out[i, j] = Σ_p Σ_q x[i + p, j + q] · w[p, q] + b (cross-correlation: the filter is not flipped).
For the backward pass, the layer above is taken to send back a given ∂L/∂out (``dout``); then
∂L/∂w[p, q] = Σ_i Σ_j dout[i, j] · x[i + p, j + q], ∂L/∂b = Σ_i Σ_j dout[i, j], and
∂L/∂x[r, c] = Σ over the outputs whose window covered (r, c) of dout[i, j] · w[r − i, c − j].

Every value comes from ``maths.conv_forward`` and ``maths.conv_backward``, so the walkthrough shows exactly
what the vectorised code computes; the expressions are written out from the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlpath.exercises.convolution import maths

X = ((1, 2, 0, 1), (0, 1, 3, 1), (2, 1, 0, 2), (1, 0, 1, 3))
W = ((1, 0), (-1, 2))
B = 1
DOUT = ((1, 0, -1), (0, 2, 0), (1, -1, 0))
INTRODUCTION = (
    "out[i,j] = Σ_p Σ_q x[i+p, j+q]·w[p,q] + b: the filter slides over the input unflipped (cross-correlation, what"
    " every deep-learning library calls convolution). For the backward pass, suppose the layer above sends back"
    " dout = ∂L/∂out; the chain rule then gives ∂L/∂w, ∂L/∂b and ∂L/∂x. Numbers in (parentheses) are negative."
)


@dataclass(frozen=True, slots=True)
class Line:
    """One computed number: its name, how it is computed (with the numbers), and its value."""

    name: str
    expression: str
    value: float


@dataclass(frozen=True, slots=True)
class Section:
    """A titled group of lines, in the order a learner would compute them by hand."""

    title: str
    lines: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class Walkthrough:
    """The example's arrays (2-D, one image, one filter) and its sections of lines."""

    x: np.ndarray  # (4, 4)
    w: np.ndarray  # (2, 2)
    b: float
    out: np.ndarray  # (3, 3)
    dout: np.ndarray  # (3, 3)
    dx: np.ndarray  # (4, 4)
    dw: np.ndarray  # (2, 2)
    db: float
    sections: tuple[Section, ...]


def _n(value: float) -> str:
    """A number as written by hand: 3, −1, 0.5; in parentheses when negative so that signs never run together."""
    text = f"{value:g}"
    return f"({text})" if value < 0 else text


def walkthrough(x=X, w=W, b: float = B, dout=DOUT) -> Walkthrough:
    """Every number of the convolution of ``x`` (H, W) by ``w`` (HH, WW) plus ``b``, and its backward from ``dout``."""
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    dout = np.asarray(dout, dtype=float)
    out4, cache = maths.conv_forward(x[None, None], w[None, None], np.array([float(b)]))
    out = out4[0, 0]
    dx4, dw4, db1 = maths.conv_backward(dout[None, None], cache)
    dx, dw, db = dx4[0, 0], dw4[0, 0], float(db1[0])
    HH, WW = w.shape
    H_out, W_out = out.shape

    forward = []
    for i in range(H_out):
        for j in range(W_out):
            terms = [(x[i + p, j + q], w[p, q]) for p in range(HH) for q in range(WW)]
            expression = " + ".join(f"{_n(a)}·{_n(c)}" for a, c in terms) + f" + {_n(b)}"
            forward.append(Line(f"out[{i},{j}]", expression, float(out[i, j])))

    weights = []
    for p in range(HH):
        for q in range(WW):
            terms = [(dout[i, j], x[i + p, j + q]) for i in range(H_out) for j in range(W_out)]
            expression = " + ".join(f"{_n(d)}·{_n(a)}" for d, a in terms)
            weights.append(Line(f"∂L/∂w[{p},{q}]", expression, float(dw[p, q])))
    weights.append(Line("∂L/∂b", " + ".join(_n(d) for d in dout.ravel()), db))

    inputs = []
    for r in range(x.shape[0]):
        for c in range(x.shape[1]):
            terms = [
                (dout[i, j], w[r - i, c - j], i, j)
                for i in range(H_out)
                for j in range(W_out)
                if 0 <= r - i < HH and 0 <= c - j < WW
            ]
            expression = " + ".join(f"{_n(d)}·{_n(k)}" for d, k, _, _ in terms)
            used = ", ".join(f"out[{i},{j}]" for _, _, i, j in terms)
            inputs.append(Line(f"∂L/∂x[{r},{c}]", f"{expression}   (used by {used})", float(dx[r, c])))

    sections = (
        Section("Forward: each output is the window under the filter, times the filter, plus b", tuple(forward)),
        Section("Backward to the filter: each weight saw one number of every window", tuple(weights)),
        Section(
            "Backward to the input: each pixel gets dout times the weight it met, from every window over it",
            tuple(inputs),
        ),
    )
    return Walkthrough(x, w, float(b), out, dout, dx, dw, db, sections)


def render_line(line: Line) -> str:
    """``name = expression = value``, the form the walkthrough prints."""
    return f"{line.name} = {line.expression} = {line.value + 0.0:g}"  # + 0.0: never print −0
