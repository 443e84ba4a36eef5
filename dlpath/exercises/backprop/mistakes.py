"""What the backprop checks compare against: small networks, the worked example, and the typical mistakes.

Each ``*_mistake`` function reruns dlpath's maths with one typical mistake (the sign of the error, a mean
instead of a sum, a sequential update, ...) and names the one the learner's result matches, so a check
can say what is likely wrong rather than only that it is. The checks themselves are in ``checks.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dlpath.exercises.backprop import walkthrough
from dlpath.practice.checking import Context, Failed, copied, describe, shorten

_CHAIN_RULE = (
    ": check the chain rule: δ^L = (a^L - Y) * a^L * (1 - a^L), δ^l = (δ^(l+1) @ W^(l+1).T) * a^l * (1 - a^l),"
    " dW^l = a^(l-1).T @ δ^l, db^l = δ^l summed over the samples"
)
_NEGATED = (
    ": every gradient has the wrong sign: the output delta is (a^L - Y) * a^L * (1 - a^L), the error"
    " output minus target, not target minus output"
)
_MEAN = (
    ": every gradient is divided by the number of samples: E is a sum over the samples (no mean),"
    " so its gradients are sums too"
)
_FLOAT32 = (
    " is float32 where the inputs were float64: float32 keeps only about 7 digits, so the numbers drift"
    " from the exact ones; compute in float64 (no dtype=np.float32, no .astype(np.float32))"
)
_TRAIN_STEP_HELPERS = ("forward", "backward", "loss")  # replaced by dlpath's when train_step is checked
LONG_EPOCHS = 10_000  # a second, longer try before a start that is not saturated is said not to learn
XOR_LOSS = 0.05  # half the squared error: below it every output is within 0.32 of its target, so XOR is solved


def _network(ctx: Context, sizes: tuple[int, ...] = (3, 4, 2), samples: int = 5) -> tuple[list, np.ndarray, np.ndarray]:
    """Reference parameters, inputs X and targets Y in (0, 1) for a small random network."""
    params = ctx.reference.init_params(sizes, int(ctx.rng.integers(1_000_000)))
    params = [(W, ctx.rng.normal(0.0, 0.5, size=b.shape)) for W, b in params]  # non-zero biases
    X = ctx.rng.normal(0.0, 1.0, size=(samples, sizes[0]))
    Y = ctx.rng.uniform(0.0, 1.0, size=(samples, sizes[-1]))
    return params, X, Y


def _worked_example() -> tuple[list, np.ndarray, np.ndarray, float]:
    """Mazur's 2-2-2 example (the step-3 reading): its params, its one sample as X and Y, and its rate."""
    net = walkthrough.mazur_example()
    return copied(net.params), net.inputs[None, :], net.targets[None, :], net.lr


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


def _gradient_mistake(ctx: Context, got: list, params: list, X: np.ndarray, Y: np.ndarray) -> str:
    """The advice naming the mistake ``got`` (the learner's gradients) shows, if it is a known one, else ""."""
    exact = ctx.reference.backward(params, ctx.reference.forward(params, X), Y)
    n = len(X)
    known = [
        ([(-dW, -db) for dW, db in exact], _NEGATED),
        ([(dW / n, db / n) for dW, db in exact], _MEAN) if n > 1 else (None, ""),
        (_gradients_variant(ctx, params, X, Y, output_factor=False), ": the output delta is missing the sigmoid's"
         " derivative a^L * (1 - a^L)"),
        (_gradients_variant(ctx, params, X, Y, hidden_factor=False), ": the hidden deltas are missing the sigmoid's"
         " derivative a^l * (1 - a^l)"),
        ([(dW.T, db) for dW, db in exact] if all(dW.shape[0] == dW.shape[1] for dW, _ in exact) else None,
         ": dW is transposed: dW^l = a^(l-1).T @ δ^l has W's shape (n_in, n_out); on a square layer δ.T @ a^(l-1)"
         " has that shape too, but puts each gradient on the wrong weight"),
    ]
    for variant, why in known:
        if variant is not None and _matches(got, variant):
            return why
    return ""


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


def _per_sample_steps(ctx: Context, params: list, X: np.ndarray, Y: np.ndarray, lr: float) -> list:
    """Another classic: one update after each sample (online gradient descent) instead of one for the batch."""
    for i in range(len(X)):
        params, _ = ctx.reference.train_step(params, X[i : i + 1], Y[i : i + 1], lr)
    return params


def _step_mistake(ctx: Context, got: list, params: list, X: np.ndarray, Y: np.ndarray, lr: float) -> str:
    """The advice naming the mistake the learner's new parameters show, if it is a known one, else ""."""
    step = ctx.reference.train_step
    known = (
        (step(copied(params), X, Y, -lr)[0], ": the parameters moved uphill: subtract lr * gradient, do not add it"),
        (
            _sequential_step(ctx, params, X, Y, lr),
            ": a layer was updated before the deltas of the layers below it were computed: compute every"
            " gradient from the old parameters first, then update",
        ),
        (
            _per_sample_steps(ctx, copied(params), X, Y, lr),
            ": the parameters were updated after each sample (online, stochastic updates): train_step takes one"
            " full-batch step, the gradients of all the samples summed, then one update",
        ),
        (
            step(copied(params), X, Y, lr / len(X))[0],
            ": the step used the mean of the gradients over the samples: E is a sum, so the step is"
            " lr times the summed gradient",
        ),
    )
    for variant, why in known:
        if _matches(got, variant):
            return why
    return ""


def _matches(got: Any, expected: list) -> bool:
    try:
        return all(
            np.allclose(g, e, rtol=1e-6, atol=1e-9)
            for gp, ep in zip(got, expected, strict=True)
            for g, e in zip(gp, ep, strict=True)
        )
    except (TypeError, ValueError):
        return False


def _float64(what: str, value: Any) -> None:
    """Failed if ``value`` (an array, or pairs of them) is float32: the inputs were float64."""
    if isinstance(value, np.ndarray):
        arrays = [value]
    else:
        arrays = [v for pair in value for v in pair if isinstance(v, np.ndarray)]
    if any(a.dtype == np.float32 for a in arrays):
        raise Failed(f"{what}{_FLOAT32}", "float64", "float32")


def _pair(what: str, got: Any, first: str, second: str) -> tuple[Any, Any]:
    if not isinstance(got, tuple) or len(got) != 2:
        raise Failed(f"{what} should return a pair", f"({first}, {second})", describe(got))
    return got


def _floats(what: str, pairs: list) -> list[tuple[np.ndarray, np.ndarray]]:
    """The learner's (W, b) pairs as float arrays; Failed if they are not arrays of numbers."""
    try:
        return [(np.asarray(W, dtype=float), np.asarray(b, dtype=float)) for W, b in pairs]
    except (TypeError, ValueError) as exc:
        raise Failed(f"{what} are not arrays of numbers", "float arrays", shorten(str(exc), 80)) from None


def _loss_of(ctx: Context, params: list, X: np.ndarray, Y: np.ndarray) -> float:
    with np.errstate(all="ignore"):
        return ctx.reference.loss(ctx.reference.forward(params, X)[-1], Y)


def _solves_xor(ctx: Context, params: list) -> bool:
    X, Y = ctx.reference.xor_data()
    with np.errstate(all="ignore"):
        return bool(np.all((ctx.reference.forward(params, X)[-1] > 0.5) == (Y > 0.5)))
