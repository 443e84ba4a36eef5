"""Practice for the backprop exercise: the functions the learner writes, the hints, and the checks.

The checks are in ``checks.py`` beside this file (the exercise has many); they run in the grader, the
learner's code in the sandbox.
"""

from __future__ import annotations

from dlpath.exercises.backprop.checks import BACKPROP_CHECKS
from dlpath.practice.specs import PracticeSpec

SPEC = PracticeSpec(
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
    checks=BACKPROP_CHECKS,
    preamble=(
        "# You wrote sigmoid in the sigmoid exercise. dlpath's own is imported so that this file stands alone;",
        "# to use yours, put your sigmoid.py next to this file and write: from sigmoid import sigmoid",
        "from dlpath.exercises.sigmoid import sigmoid  # noqa: F401",
        "# A gradient check for your backward (centred differences; the thresholds are in its docstring):",
        "from dlpath.practice.gradcheck import gradient_check  # noqa: F401",
    ),
    try_it=(
        "X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])",
        "Y = np.array([[0.0], [1.0], [1.0], [0.0]])",
        "params = init_params([2, 3, 1], seed=1)",
        'print("gradient check of backward against centred differences:")',
        "gradient_check(lambda: loss(forward(params, X)[-1], Y), params, backward(params, forward(params, X), Y))",
        "params, losses = train(init_params([2, 4, 1], seed=0), X, Y, lr=2.0, epochs=4000)",
        'print("loss", losses[0], "->", losses[-1])',
        'print("predictions", forward(params, X)[-1].ravel().round(2), "targets", Y.ravel())',
    ),
    shape_note="in this API W has shape (n_in, n_out), b has shape (n_out,), and samples are the rows of X",
)
