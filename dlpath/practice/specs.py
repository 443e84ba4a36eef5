"""What each practice exercise is: the learner's file, the reference functions to rewrite, and the hints."""

from __future__ import annotations

from dataclasses import dataclass

from dlpath.errors import NotFoundError


@dataclass(frozen=True, slots=True)
class PracticeSpec:
    """One practice exercise: the learner rewrites ``functions`` of the reference ``module``."""

    name: str  # the name on the command line, e.g. "gradient-descent"
    module: str  # the reference implementation (the public API of the exercises issue)
    filename: str  # the learner's file inside the practice folder
    functions: tuple[str, ...]  # what the learner writes, in the order they are best written
    hints: tuple[str, ...]  # revealed one at a time by --hint; the readings come from dlpath.exercises

    @property
    def stem(self) -> str:
        """The learner file's name without ``.py``."""
        return self.filename.removesuffix(".py")


SPECS: dict[str, PracticeSpec] = {
    spec.name: spec
    for spec in (
        PracticeSpec(
            name="sigmoid",
            module="dlpath.exercises.sigmoid",
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
        ),
        PracticeSpec(
            name="gradient-descent",
            module="dlpath.exercises.gradient_descent",
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
        ),
        PracticeSpec(
            name="backprop",
            module="dlpath.exercises.backprop",
            filename="backprop.py",
            functions=("init_params", "forward", "loss", "backward", "train_step", "train"),
            hints=(
                "Shapes first: W of a layer has shape (n_in, n_out) and b has shape (n_out,), and samples "
                "are rows, so one layer computes a = sigmoid(a_prev @ W + b).",
                "forward returns every activation, the input included: [X, a1, ..., aL]. backward needs all of them.",
                "loss is half the sum of squared errors: 0.5 * np.sum((output - Y) ** 2), "
                "over all outputs and samples (no mean).",
                "Output layer: delta = (aL - Y) * aL * (1 - aL), the error times the sigmoid's derivative "
                "(written with the activation: sigmoid'(z) = a * (1 - a)).",
                "Going back one layer: delta_prev = (delta @ W.T) * a_prev * (1 - a_prev), "
                "using the W of the layer the delta came from.",
                "Gradients of a layer: dW = a_prev.T @ delta and db = delta.sum(axis=0). "
                "The bias gradient is easy to forget.",
                "train_step: compute every gradient from the current parameters first, then update every "
                "layer (W - lr * dW, b - lr * db). Updating W before the hidden deltas are computed uses "
                "the wrong weights.",
                "train: call train_step `epochs` times, collecting the losses, and stop early once the "
                "loss drops below until_loss (when it is given).",
            ),
        ),
    )
}


class UnknownExerciseError(NotFoundError):
    """No practice exercise has this name."""


def find_spec(name: str) -> PracticeSpec:
    """The practice exercise called ``name``; UnknownExerciseError listing the real names otherwise."""
    key = name.strip().lower().replace("_", "-")
    if key in SPECS:
        return SPECS[key]
    names = ", ".join(SPECS)
    raise UnknownExerciseError(f"no practice exercise named '{name}': choose one of {names}")
