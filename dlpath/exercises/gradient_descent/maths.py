"""Gradient descent with optional momentum, the functions the exercise minimises, and what a run did and why.

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
    constant_curvature: bool = False  # a quadratic: its Hessian, and so every rate limit, is the same everywhere

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
        Objective("quadratic", "f(x) = (x − 2)²", _quadratic, _quadratic_grad, (2.0,), (-3.0,), 0.1, 50, True),
        Objective("bowl", "f(x, y) = x² + 5y²", _bowl, _bowl_grad, (0.0, 0.0), (-4.0, 2.0), 0.15, 40, True),
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


def curvatures(grad: Callable, x, h: float = 1e-5) -> np.ndarray:
    """The eigenvalues λ of the Hessian of f at ``x`` (ascending), from central differences of ``grad``.

    Along the eigenvector of λ, f curves like the parabola λ t² / 2, so each λ sets its own rate limits.
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    n = x.size
    hessian = np.empty((n, n))
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(n):
            e = np.zeros(n)
            e[i] = h * max(1.0, abs(x[i]))
            hessian[:, i] = (np.asarray(grad(x + e), float) - np.asarray(grad(x - e), float)) / (2 * e[i])
    if not np.all(np.isfinite(hessian)):
        return np.full(n, np.inf)
    return np.linalg.eigvalsh((hessian + hessian.T) / 2)


def max_curvature(grad: Callable, x, h: float = 1e-5) -> float:
    """The largest eigenvalue L of the Hessian of f at ``x``: f's steepest curvature there.

    Near a point, gradient descent is stable only while η < 2 / L (η < 2(1 + β) / L with momentum β).
    """
    return float(curvatures(grad, x, h).max())


def critical_lr(curvature: float, momentum: float = 0.0) -> float:
    """The learning rate above which descent diverges where f curves by ``curvature``: 2(1 + β) / L."""
    return math.inf if curvature <= 0 else 2.0 * (1.0 + momentum) / curvature


def contraction(lr: float, curvature: float, momentum: float = 0.0) -> float:
    """By how much one step scales the distance to the minimum along a direction where f curves by λ.

    Plain descent: |1 − ηλ|. With momentum β the step is linear in (x_k, x_{k−1}) and the factor is the
    spectral radius of [[1 + β − ηλ, −β], [1, 0]]. Below 1 the path converges along that direction,
    above 1 it diverges, at exactly 1 it neither gets closer nor runs away.
    """
    if not math.isfinite(curvature):
        return math.inf
    if momentum == 0:
        return abs(1.0 - lr * curvature)
    return float(np.abs(np.roots([1.0, -(1.0 + momentum - lr * curvature), momentum])).max())


def overshoots(lr: float, curvature: float, momentum: float = 0.0) -> bool:
    """Whether the steps swing past the minimum along a direction where f curves by λ (zig-zag or spiral).

    Plain descent overshoots when ηλ > 1 (1 − ηλ < 0 flips the side each step); with momentum when the
    step's eigenvalues are negative or complex: (1 + β − ηλ)² < 4β, or 1 + β − ηλ < 0.
    """
    a = 1.0 + momentum - lr * curvature
    return a < 0 or a * a < 4.0 * momentum


def best_lr(low: float, high: float, momentum: float = 0.0) -> float:
    """The rate that shrinks the distance fastest where f's curvatures lie in [μ, L] (μ = ``low`` > 0).

    Plain descent: 2 / (L + μ), which balances |1 − ημ| against |1 − ηL|. With momentum the best rate
    is found numerically (the same balance for the spectral radius).
    """
    if momentum == 0:
        return 2.0 / (high + low)
    rates = np.geomspace(1e-4, 2.0 * (1.0 + momentum), 400) / high
    worst = [max(contraction(r, low, momentum), contraction(r, high, momentum)) for r in rates]
    return float(rates[int(np.argmin(worst))])


@dataclass(frozen=True, slots=True)
class Divergence:
    """Gradient descent ran away instead of settling: where, how, and how steeply f curved before."""

    step: int  # first step of the run-away: a non-finite point, a blow-up, or the last step for "uphill"
    kind: str  # "overflow" (numbers became inf/NaN), "blow-up" (f grew a millionfold), "uphill" (ended above start)
    curvature: float  # largest curvature L met on the path before it ran away
    lr: float
    momentum: float
    local: bool = True  # f's curvature changes from place to place, so the limit 2/L holds only near the path
    first_step: float = math.nan  # |η ∇f(x_0)|, the length of the first step

    @property
    def critical_lr(self) -> float:
        """The learning rate above which steps overshoot by more than they gain: 2(1 + β) / L."""
        return critical_lr(self.curvature, self.momentum)

    @property
    def growth(self) -> float:
        """How much the distance to the minimum grows per step along the steepest direction (|1 − ηL| plain)."""
        return contraction(self.lr, self.curvature, self.momentum)

    @property
    def immediate(self) -> bool:
        """The very first step already overflowed: the rate is astronomically large, no curvature story needed."""
        return self.kind == "overflow" and self.step <= 1

    def explain(self) -> str:
        """Why descent diverged, in plain words, and what to do about it."""
        if self.immediate:
            return (
                f"Gradient descent diverged at step 1: the numbers overflowed. The first step, η × |∇f(x₀)| ≈"
                f" {_g(self.first_step)}, threw the point so far away that f there is larger than floating point can"
                " hold (about 1.8e308), so every later number is meaningless.\n"
                f"Try a much smaller rate, e.g. --lr {_g(suggest_lr(self.critical_lr))}."
            )
        what = {
            "overflow": f"at step {self.step} the numbers overflowed (they became larger than floating point can hold)",
            "blow-up": f"by step {self.step} the function value had grown over a millionfold",
            "uphill": "the function value ended higher than where it started, and the steps were growing",
        }[self.kind]
        limit = self.critical_lr
        rule = "2/L" if self.momentum == 0 else "2(1 + β)/L"
        where = "too large here: where the path went" if self.local else "too large for this function: everywhere"
        lines = [f"Gradient descent diverged: {what}."]
        lines.append(
            f"The learning rate {_g(self.lr)} is {where}, f curves with L ≈ {_g(self.curvature)}"
            f" (its steepest second derivative), and a step of size η × gradient overshoots the minimum by more"
            f" than it was away whenever η > {rule} ≈ {_g(limit)}."
        )
        if self.local:
            lines.append(
                "This limit holds only locally: this function's curvature changes from place to place, so the"
                " same rate can be safe in one region and diverge in a steeper one."
            )
        if self.momentum == 0 and self.local:
            lines.append(
                "Each step lands further up the other side, on steeper walls, so the steps keep growing: where it"
                f" began to run away, one step multiplied the distance to the minimum by about |1 − η·L| ≈"
                f" {_g(self.growth)}."
            )
        elif self.momentum == 0:
            lines.append(
                "Each step lands further up the other side: the distance to the minimum grows by a factor"
                f" |1 − η·L| ≈ {_g(self.growth)} per step, so it explodes exponentially."
            )
        else:
            lines.append(
                "Momentum keeps adding the growing swings to each new step, so they grow by a factor"
                f" ≈ {_g(self.growth)} per step instead of dying out."
            )
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


def check_start(objective: Objective, x0) -> str | None:
    """Why descent cannot start at ``x0`` (f or ∇f there overflows floating point), or None if it can."""
    x = np.asarray(x0, dtype=float).reshape(1, -1)
    with np.errstate(over="ignore", invalid="ignore"):
        value = float(objective.f(x)[0])
        gradient = np.asarray(objective.grad(x[0]), dtype=float)
    if not (np.all(np.isfinite(x)) and math.isfinite(value) and np.all(np.isfinite(gradient))):
        return (
            f"the start {format_point(x[0])} is so far out that f or its gradient there overflows floating point"
            " (numbers above about 1.8e308 cannot be held); pick a start closer to the minimum"
            f" {format_point(objective.minimum)}"
        )
    return None


def find_divergence(objective: Objective, path: np.ndarray, lr: float, momentum: float = 0.0) -> Divergence | None:
    """A Divergence if the path of ``minimise`` ran away (overflow, a millionfold blow-up, ending uphill), else None.

    Ending uphill is a divergence only when the rate is past the stability limit where the path ended
    (the contraction factor of its steepest direction is above 1): below it, momentum or a zig-zag may
    leave a short run higher than it started, but the steps are shrinking, so it has not diverged.
    """
    values = losses(objective.f, path)
    start = values[0]
    bad = ~np.isfinite(values)
    blown = values > BLOW_UP * (1.0 + abs(start))
    kind = None
    if bad.any():
        kind, step = "overflow", int(np.argmax(bad))
    if blown.any() and (kind is None or int(np.argmax(blown)) < step):
        kind, step = "blow-up", int(np.argmax(blown))
    local = not objective.constant_curvature
    if kind is None:
        if values[-1] <= start:
            return None
        ending = max_curvature(objective.grad, path[-1])
        if contraction(lr, ending, momentum) <= 1.0:
            return None
        kind, step = "uphill", len(values) - 1
    # the curvature that matters is the one met while the path was still sane (not far above its start)
    sane = np.flatnonzero(np.isfinite(values[:step]) & (values[:step] <= 10.0 * (1.0 + abs(start))))
    sample = sane[:: max(1, sane.size // 50)]
    curvature = max((max_curvature(objective.grad, path[i]) for i in sample), default=0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        first = float(lr * np.linalg.norm(np.asarray(objective.grad(path[0]), dtype=float)))
    return Divergence(
        step=step, kind=kind, curvature=curvature, lr=lr, momentum=momentum, local=local, first_step=first
    )


RECENT = 0.1  # the last tenth of a run (at least 5 steps) is what "recent progress" measures
STALLED = 0.01  # f fell by less than 1% of what was left over that stretch: no real progress


def recent_progress(values: np.ndarray) -> tuple[int, float]:
    """Over the last tenth of a run (at least 5 steps): how many steps, and what fraction of f it removed.

    The fraction is (f_then − f_now) / f_then, for functions whose minimum value is 0 (all of them here);
    1 means it reached the minimum, about 0 that f no longer falls, negative that it rose.
    """
    steps = len(values) - 1
    window = min(steps, max(5, int(steps * RECENT)))
    then, now = float(values[-1 - window]), float(values[-1])
    if then <= 0:
        return window, 1.0 if now <= 0 else -math.inf
    return window, (then - now) / then


def reversals(path: np.ndarray, window: int) -> float:
    """The fraction of the last ``window`` steps that turned back on the step before (a zig-zag or a cycle)."""
    steps = np.diff(path[-window - 2 :], axis=0)
    if len(steps) < 2:
        return 0.0
    turns = np.einsum("ij,ij->i", steps[1:], steps[:-1]) < 0
    return float(turns.mean())


def verdict(objective: Objective, path: np.ndarray, values: np.ndarray, lr: float, momentum: float = 0.0) -> str:
    """What a run that did not diverge achieved, why, and what to try next: converged, oscillating, or on its way.

    ``path`` is what ``minimise`` returned (shape (steps + 1, dim)) and ``values`` is f along it. On the
    quadratics every statement about rates is exact (their curvature is the same everywhere); on
    Rosenbrock the limits are measured where the path is and said to hold only there.
    """
    minimum = np.array(objective.minimum)
    steps = len(path) - 1
    distances = np.linalg.norm(path - minimum, axis=1)
    if distances[-1] < 1e-3:
        first = int(np.flatnonzero(distances < 1e-3)[0])
        head = f"Converged: within 0.001 of the minimum after {first} of {steps} steps (f = {values[-1]:.3g})."
        return head + " " + _how_it_converged(objective, lr, momentum)

    head = (
        f"Not there yet: after {steps} steps the point {format_point(path[-1])} is {distances[-1]:.3g}"
        f" from the minimum (f = {values[-1]:.3g})."
    )
    window, progress = recent_progress(values)
    if progress < STALLED and reversals(path, window) >= 0.5:
        return head + " " + _oscillation(objective, path, lr, momentum, window, progress)
    if progress < STALLED:
        tips = _rate_tips(objective, path, lr, momentum)
        if not momentum:
            tips.append("--momentum 0.9, which builds up speed along long gentle slopes")
        advice = (" Try " + _either(tips) + ".") if tips else ""
        return (
            head + f" It has nearly stopped: over the last {window} steps {_change(progress)}, because f is so"
            " flat here that η × gradient makes tiny steps." + advice
        )
    tips = [f"more --steps (it is still improving: over the last {window} steps {_change(progress)})"]
    tips += _rate_tips(objective, path, lr, momentum)
    if not momentum:
        tips.append("--momentum 0.9, which builds up speed along long gentle slopes")
    return head + " Try " + _either(tips) + "."


def _oscillation(objective: Objective, path: np.ndarray, lr: float, momentum: float, window: int, progress: float):
    """Why a run that makes no progress keeps jumping back and forth, from the curvature where it jumps."""
    rule = "2/L" if momentum == 0 else "2(1 + β)/L"
    last, before, twice = path[-1], path[-2], path[-3]
    cycle = np.linalg.norm(last - twice) <= 1e-3 * max(np.linalg.norm(last - before), 1e-300)
    text = f"It oscillates: over the last {window} steps {_change(progress)} while the point jumped back and forth"
    text += f" between {format_point(before)} and {format_point(last)}." if cycle else "."
    if objective.constant_curvature:
        high = max_curvature(objective.grad, last)
        limit = critical_lr(high, momentum)
        factor = contraction(lr, high, momentum)
        if abs(factor - 1.0) <= 1e-4:
            return text + (
                f" The rate sits exactly at the stability limit: f's steepest curvature is L ≈ {_g(high)}"
                f" everywhere, and η = {_g(lr)} equals {rule} ≈ {_g(limit)}, where each step jumps across the"
                " minimum to a point as far on the other side as the last, so it never gets closer."
                f" Lower --lr below {_g(limit)}, e.g. --lr {_g(suggest_lr(limit))}."
            )
        if factor < 1.0:
            return text + (
                f" It is converging, but only just: along the steepest direction (L ≈ {_g(high)}) each step"
                f" lands almost as far on the other side (a factor {factor:.4g} per step), because η = {_g(lr)}"
                f" is close to {rule} ≈ {_g(limit)}. Lower --lr, e.g. --lr {_g(suggest_lr(limit))}."
            )
        return text + (
            f" η = {_g(lr)} is just past {rule} ≈ {_g(limit)}, so each swing is a little wider than the last"
            f" (a factor {factor:.4g} per step): with more steps it would diverge. Lower --lr, e.g. --lr"
            f" {_g(suggest_lr(limit))}."
        )
    recent = path[-min(len(path), 4) :]
    steep = [max_curvature(objective.grad, q) for q in recent]
    low_limit, high_limit = critical_lr(max(steep), momentum), critical_lr(min(steep), momentum)
    if lr >= low_limit:
        return text + (
            f" On this function {rule} holds only locally: where it now jumps, f curves with L ≈"
            f" {_g(min(steep))}–{_g(max(steep))}, so the local limits are ≈ {_g(low_limit)}–{_g(high_limit)},"
            f" and η = {_g(lr)} is among them: too large to settle there, not large enough to run away."
            f" Lower --lr below {_g(low_limit)}, e.g. --lr {_g(suggest_lr(low_limit))}."
        )
    return text + (
        " It swings across the valley instead of moving along it, though each point it visits is below the"
        f" local limit {rule} ≈ {_g(low_limit)}. A smaller --lr lets it settle and follow the valley, e.g."
        f" --lr {_g(lr / 4)}."
    )


def _rate_tips(objective: Objective, path: np.ndarray, lr: float, momentum: float) -> list[str]:
    """Which way to move the rate so the run converges faster: at most one tip, and only a true one.

    On a quadratic the contraction factors are exact: a tip is given only if the best rate would need at
    least a fifth fewer steps. Elsewhere the only safe statement is the local limit the path has met.
    """
    if not objective.constant_curvature:
        if momentum:
            return []
        sample = path[:: max(1, len(path) // 50)]
        bound = critical_lr(max(max_curvature(objective.grad, q) for q in sample))
        if lr >= 0.8 * bound:
            return []
        return [
            f"a larger --lr (below ≈ {_g(bound)}, the limit 2/L where the path so far was steepest; on this"
            " function 2/L holds only locally, so a larger rate may still diverge elsewhere)"
        ]
    here = curvatures(objective.grad, path[-1])
    low, high = float(here.min()), float(here.max())
    if low <= 0:
        return []
    best = best_lr(low, high, momentum)
    now = max(contraction(lr, low, momentum), contraction(lr, high, momentum))
    ideal = max(contraction(best, low, momentum), contraction(best, high, momentum))
    if ideal >= 1 or (0 < ideal and 0 < now < 1 and math.log(ideal) / math.log(now) < 1.25):
        return []  # no rate converges here, or the best one would save less than a fifth of the steps
    limit = critical_lr(high, momentum)
    if lr < best and not momentum and overshoots(lr, high):
        # it already zig-zags along the steep direction; the slow, gentle direction is what holds it back
        return [
            f"--lr about {_g(best)}, the fastest here: it balances the slow, gentle direction (curvature"
            f" {_g(low)}) against the zig-zag across the steep one (L ≈ {_g(high)}); above ≈ {_g(limit)} it diverges"
        ]
    if lr < best:
        return [f"a larger --lr (about {_g(best)} is fastest here; above ≈ {_g(limit)} it diverges)"]
    swing = "overshoot along the steepest direction" + (" and zig-zag" if not momentum else "")
    return [f"a smaller --lr (about {_g(best)} is fastest): at η = {_g(lr)} the steps {swing}, which slows it"]


def _change(fraction: float) -> str:
    """What happened to f over a stretch, from the fraction of it that was removed."""
    if abs(fraction) < 1e-9:
        return "f stayed the same"
    amount = f"{100 * abs(fraction):.2g}%" if abs(fraction) < 0.1 else f"{100 * abs(fraction):.0f}%"
    return f"f fell by {amount}" if fraction > 0 else f"f rose by {amount}"


def _either(tips: list[str]) -> str:
    """Tips as one sentence's list: "a", "a or b", "a; b; or c"."""
    if len(tips) <= 2:
        return " or ".join(tips)
    return "; ".join(tips[:-1]) + "; or " + tips[-1]


def _how_it_converged(objective: Objective, lr: float, momentum: float) -> str:
    """Whether the path zig-zagged into the minimum or slid straight in, and what a different rate would show."""
    at_min = curvatures(objective.grad, objective.minimum)
    high = float(at_min.max())
    near = " near the minimum" if not objective.constant_curvature else ""
    limit = critical_lr(high, momentum)
    if momentum:
        if any(overshoots(lr, c, momentum) for c in at_min):
            return (
                f"Momentum carried it past the minimum and back (it spiralled in); it still converges because"
                f" η = {_g(lr)} is below 2(1 + β)/L ≈ {_g(limit)} (L ≈ {_g(high)}, f's steepest curvature{near})."
                " Try --momentum 0 to compare."
            )
        return "With this rate and momentum it slid in without swinging past the minimum. Try --momentum 0 to compare."
    if lr * high > 1.0:
        return (
            f"It zig-zagged in: η = {_g(lr)} is above 1/L ≈ {_g(1 / high)} (L ≈ {_g(high)}, f's steepest curvature"
            f"{near}), so each step overshoots the minimum along that direction and lands on the other side; it"
            f" still converges because η is below 2/L ≈ {_g(limit)}. A rate at or below 1/L approaches without"
            f" overshooting; above 2/L (e.g. --lr {_g(1.5 * limit)}) it diverges. Or try --momentum 0.9."
        )
    return (
        f"Each step moved towards the minimum without overshooting, because η = {_g(lr)} is at most 1/L ≈"
        f" {_g(1 / high)} (L ≈ {_g(high)}, f's steepest curvature{near}). Try --lr between 1/L and 2/L ≈"
        f" {_g(limit)} to see it zig-zag, above 2/L to see it diverge, or --momentum 0.9."
    )


def format_point(x) -> str:
    """A point as the exercise prints it: ``-3`` in 1-D, ``(-4, 2)`` otherwise."""
    return "(" + ", ".join(f"{float(v):g}" for v in x) + ")" if len(x) > 1 else f"{float(x[0]):g}"


def _g(x: float) -> str:
    return f"{x:.3g}"
