"""Gradient descent with optional momentum, the functions the exercise minimises, and divergence diagnosis.

Plain gradient descent takes x_{k+1} = x_k − η ∇f(x_k). With momentum β it keeps a velocity
v_{k+1} = β v_k − η ∇f(x_k) and moves x_{k+1} = x_k + v_{k+1}, so steps that agree add up and
zig-zags cancel out. η is the learning rate (``lr``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

BLOW_UP = 1e6  # f this many times above (1 + |f(x_0)|) counts as divergence even before overflow


def minimise(grad: Callable, x0, lr: float, steps: int, momentum: float = 0.0) -> np.ndarray:
    """The path of gradient descent from ``x0``: an array of shape (steps + 1, dim), row k = x_k.

    ``grad`` maps a point of shape (dim,) to ∇f there, same shape; a scalar ``x0`` means dim = 1.
    Every step uses the gradient at the current point. If the iterates overflow (a learning rate
    that is too large), the rows from the first non-finite point on are NaN: no warning is raised;
    ``find_divergence`` says when and why.
    """
    x = np.array(x0, dtype=float).reshape(-1)
    path = np.full((steps + 1, x.size), np.nan)
    path[0] = x
    velocity = np.zeros_like(x)
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(1, steps + 1):
            velocity = momentum * velocity - lr * np.asarray(grad(x), dtype=float).reshape(-1)
            x = x + velocity
            if not np.all(np.isfinite(x)):
                break
            path[k] = x
    return path


@dataclass(frozen=True, slots=True)
class Objective:
    """A function to minimise, its gradient, where its minimum is, and settings that show it well."""

    name: str
    formula: str
    f: Callable  # points of shape (..., dim) -> values of shape (...)
    grad: Callable  # a point of shape (dim,) -> gradient of shape (dim,)
    minimum: tuple[float, ...]
    start: tuple[float, ...]
    lr: float
    steps: int

    @property
    def dim(self) -> int:
        """How many coordinates a point has."""
        return len(self.start)


def _quadratic(x):
    return (x[..., 0] - 2.0) ** 2


def _quadratic_grad(x):
    return np.array([2.0 * (x[0] - 2.0)])


def _bowl(x):
    return x[..., 0] ** 2 + 5.0 * x[..., 1] ** 2


def _bowl_grad(x):
    return np.array([2.0 * x[0], 10.0 * x[1]])


def _rosenbrock(x):
    return (1.0 - x[..., 0]) ** 2 + 100.0 * (x[..., 1] - x[..., 0] ** 2) ** 2


def _rosenbrock_grad(x):
    a, b = x[0], x[1]
    return np.array([-2.0 * (1.0 - a) - 400.0 * a * (b - a * a), 200.0 * (b - a * a)])


FUNCTIONS: dict[str, Objective] = {
    o.name: o
    for o in (
        Objective("quadratic", "f(x) = (x − 2)²", _quadratic, _quadratic_grad, (2.0,), (-3.0,), 0.1, 50),
        Objective("bowl", "f(x, y) = x² + 5y²", _bowl, _bowl_grad, (0.0, 0.0), (-4.0, 2.0), 0.15, 40),
        Objective(
            "rosenbrock",
            "f(x, y) = (1 − x)² + 100(y − x²)²",
            _rosenbrock,
            _rosenbrock_grad,
            (1.0, 1.0),
            (-1.2, 1.0),
            0.001,
            3000,
        ),
    )
}


def losses(f: Callable, path: np.ndarray) -> np.ndarray:
    """f at every point of the path, shape (steps + 1,); NaN where the path is NaN."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.asarray(f(path), dtype=float)


def max_curvature(grad: Callable, x, h: float = 1e-5) -> float:
    """The largest eigenvalue L of the Hessian of f at ``x``, from central differences of ``grad``.

    Near a point, gradient descent is stable only while η < 2 / L (η < 2(1 + β) / L with momentum β).
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    n = x.size
    hessian = np.empty((n, n))
    for i in range(n):
        e = np.zeros(n)
        e[i] = h
        hessian[:, i] = (np.asarray(grad(x + e), float) - np.asarray(grad(x - e), float)) / (2 * h)
    return float(np.linalg.eigvalsh((hessian + hessian.T) / 2).max())


def critical_lr(curvature: float, momentum: float = 0.0) -> float:
    """The learning rate above which descent diverges where f curves by ``curvature``: 2(1 + β) / L."""
    return math.inf if curvature <= 0 else 2.0 * (1.0 + momentum) / curvature


@dataclass(frozen=True, slots=True)
class Divergence:
    """Gradient descent ran away instead of settling: where, how, and how steeply f curved before."""

    step: int  # first step of the run-away: a non-finite point, a blow-up, or the last step for "uphill"
    kind: str  # "overflow" (numbers became inf/NaN), "blow-up" (f grew a millionfold), "uphill" (ended above start)
    curvature: float  # largest curvature L met on the path before it ran away
    lr: float
    momentum: float

    @property
    def critical_lr(self) -> float:
        """The learning rate above which steps overshoot by more than they gain: 2(1 + β) / L."""
        return critical_lr(self.curvature, self.momentum)

    @property
    def growth(self) -> float:
        """How much the distance to the minimum grows per step, |1 − ηL| (plain descent on a parabola)."""
        return abs(1.0 - self.lr * self.curvature)

    def explain(self) -> str:
        """Why descent diverged, in plain words, and what to do about it."""
        what = {
            "overflow": f"at step {self.step} the numbers overflowed (they became larger than floating point can hold)",
            "blow-up": f"by step {self.step} the function value had grown over a millionfold",
            "uphill": "the function value ended higher than where it started",
        }[self.kind]
        limit = self.critical_lr
        lines = [f"Gradient descent diverged: {what}."]
        lines.append(
            f"The learning rate {_g(self.lr)} is too large for this function. Where the path went, f curves"
            f" with L ≈ {_g(self.curvature)} (its steepest second derivative), so a step of size"
            f" lr × gradient overshoots the minimum by more than it was away whenever lr > "
            + ("2/L" if self.momentum == 0 else "2(1 + momentum)/L")
            + f" ≈ {_g(limit)}."
        )
        if self.momentum == 0 and self.growth > 1:
            lines.append(
                f"Each step lands further up the other side: the distance to the minimum grows by a factor"
                f" |1 − lr·L| ≈ {_g(self.growth)} per step, so it explodes exponentially."
            )
        else:
            lines.append("Each step lands further up the other side, so the steps grow instead of shrinking.")
        lines.append(f"Try a smaller rate, e.g. --lr {_g(suggest_lr(limit))}.")
        return "\n".join(lines)


def suggest_lr(limit: float) -> float:
    """A round learning rate (1, 2 or 5 times a power of ten) safely below ``limit``."""
    if not math.isfinite(limit) or limit <= 0:
        return 0.01
    target = limit / 2
    exponent = math.floor(math.log10(target))
    for mantissa in (5, 2, 1):
        value = mantissa * 10.0**exponent
        if value <= target:
            return float(f"{value:.12g}")
    return float(f"{10.0**exponent:.12g}")


def find_divergence(objective: Objective, path: np.ndarray, lr: float, momentum: float = 0.0) -> Divergence | None:
    """A Divergence if the path of ``minimise`` ran away (overflow, a millionfold blow-up, ending uphill), else None."""
    values = losses(objective.f, path)
    start = values[0]
    bad = ~np.isfinite(values)
    blown = values > BLOW_UP * (1.0 + abs(start))
    kind = None
    if bad.any():
        kind, step = "overflow", int(np.argmax(bad))
    if blown.any() and (kind is None or int(np.argmax(blown)) < step):
        kind, step = "blow-up", int(np.argmax(blown))
    if kind is None:
        if values[-1] <= start:
            return None
        kind, step = "uphill", len(values) - 1
    # the curvature that matters is the one met while the path was still sane (not far above its start)
    sane = np.flatnonzero(np.isfinite(values[:step]) & (values[:step] <= 10.0 * (1.0 + abs(start))))
    sample = sane[:: max(1, sane.size // 50)]
    curvature = max((max_curvature(objective.grad, path[i]) for i in sample), default=0.0)
    return Divergence(step=step, kind=kind, curvature=curvature, lr=lr, momentum=momentum)


def verdict(objective: Objective, path: np.ndarray, values: np.ndarray, momentum: float = 0.0) -> str:
    """What a run that did not diverge achieved, and what to try next: converged, bouncing, or still on its way.

    ``path`` is what ``minimise`` returned (shape (steps + 1, dim)) and ``values`` is f along it.
    """
    minimum = np.array(objective.minimum)
    steps = len(path) - 1
    distances = np.linalg.norm(path - minimum, axis=1)
    if distances[-1] < 1e-3:
        first = int(np.flatnonzero(distances < 1e-3)[0])
        more = ", or --momentum 0.9" if not momentum else ""
        return (
            f"Converged: within 0.001 of the minimum after {first} of {steps} steps (f = {values[-1]:.3g})."
            f" Try a larger --lr to see it overshoot{more}."
        )
    limit = critical_lr(max_curvature(objective.grad, path[0]), momentum)
    head = (
        f"Not there yet: after {steps} steps the point {format_point(path[-1])} is {distances[-1]:.3g}"
        f" from the minimum (f = {values[-1]:.3g})."
    )
    if values[-1] >= values[0] * 0.999:
        return head + (
            f" The rate sits right at the edge (η ≈ {limit:.3g}), where steps stop shrinking: each one jumps"
            " across the minimum to a point as high as the last. Lower --lr a little."
        )
    tips = ["more --steps (it is still improving)", f"a larger --lr (below ≈ {limit:.3g}, where it would diverge)"]
    if not momentum:
        tips.append("--momentum 0.9, which builds up speed along long gentle slopes")
    return head + " Try " + ", ".join(tips[:-1]) + " or " + tips[-1] + "."


def format_point(x) -> str:
    """A point as the exercise prints it: ``-3`` in 1-D, ``(-4, 2)`` otherwise."""
    return "(" + ", ".join(f"{float(v):g}" for v in x) + ")" if len(x) > 1 else f"{float(x[0]):g}"


def _g(x: float) -> str:
    return f"{x:.3g}"
