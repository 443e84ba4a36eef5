"""Backpropagation for a fully connected network of sigmoid units, trained by full-batch gradient descent.

Notation follows the step-3 readings. A network is ``params``, a list of (W, b) pairs, one per layer:
W of shape (n_in, n_out) and b of shape (n_out,). Samples are the rows of X (shape (n, n_0)) and
targets the rows of Y (shape (n, n_L)). Layer l computes net^l = a^(l−1) W^l + b^l and its output
a^l = σ(net^l); a^0 = X. The error is E = ½ Σ (a^L − Y)², summed over every output and sample.
Backpropagation carries δ^l = ∂E/∂net^l backwards from the output: δ^L = (a^L − Y) ⊙ σ'(net^L) and
δ^l = (δ^(l+1) (W^(l+1))ᵀ) ⊙ σ'(net^l), with σ'(net) = a(1 − a). Then ∂E/∂W^l = (a^(l−1))ᵀ δ^l and
∂E/∂b^l = Σ_samples δ^l.

Written for reading first, but vectorised: one epoch of the 2-4-1 XOR network is a few dozen small
NumPy calls, and nothing in the training loop validates or copies its inputs. Products are written
``np.dot(a, W)`` rather than ``a @ W``: on arrays this small, ``@`` of a transposed view costs three times more.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from dlpath.exercises import ExerciseError
from dlpath.exercises.sigmoid.maths import sigmoid

DEFAULT_LAYERS = (2, 4, 1)
DEFAULT_LR = 2.0
DEFAULT_EPOCHS = 2000
DEFAULT_SEED = 0


def xor_data() -> tuple[np.ndarray, np.ndarray]:
    """The four XOR samples: X of shape (4, 2) with rows 00, 01, 10, 11, and targets Y of shape (4, 1)."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    Y = np.array([[0.0], [1.0], [1.0], [0.0]])
    return X, Y


def init_params(layer_sizes, seed) -> list[tuple[np.ndarray, np.ndarray]]:
    """Random starting parameters for layers of the given sizes, e.g. (2, 4, 1); same seed, same numbers.

    W^l has shape (n_(l−1), n_l), drawn uniformly from ±2√(6 / (n_(l−1) + n_l)): twice Glorot's range,
    small enough to keep σ off its flat tails, large enough to break the symmetry between units (Glorot
    and Bengio suggest up to four times it for sigmoid units). b^l = 0.
    """
    sizes = [int(n) for n in layer_sizes]
    if len(sizes) < 2 or any(n < 1 for n in sizes):
        raise ExerciseError(
            f"layer sizes {','.join(map(str, sizes))} do not make a network: give at least an input"
            " and an output layer, each of 1 unit or more (e.g. 2,4,1)"
        )
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in pairwise(sizes):
        limit = 2.0 * np.sqrt(6.0 / (n_in + n_out))
        params.append((rng.uniform(-limit, limit, size=(n_in, n_out)), np.zeros(n_out)))
    return params


def forward(params, X) -> list[np.ndarray]:
    """The activations [a^0 = X, a^1, ..., a^L] of every layer, input included; a^l has shape (n, n_l)."""
    activations = [X]
    for W, b in params:
        activations.append(sigmoid(np.dot(activations[-1], W) + b))
    return activations


def loss(output, Y) -> float:
    """E = ½ Σ (output − Y)²: half the sum of squared errors over every output and sample."""
    error = output - Y
    return 0.5 * float(np.vdot(error, error))


def deltas(params, activations, Y) -> list[np.ndarray]:
    """δ^l = ∂E/∂net^l for l = 1..L (shape (n, n_l) each), from the activations of ``forward``."""
    a = activations[-1]
    delta = (a - Y) * a * (1.0 - a)
    result = [delta]
    for layer in range(len(params) - 1, 0, -1):
        a = activations[layer]
        delta = np.dot(delta, params[layer][0].T) * a * (1.0 - a)
        result.append(delta)
    result.reverse()
    return result


def backward(params, activations, Y) -> list[tuple[np.ndarray, np.ndarray]]:
    """The gradients [(∂E/∂W^l, ∂E/∂b^l), ...], same shapes as ``params``: (a^(l−1))ᵀ δ^l and Σ_samples δ^l."""
    return [
        (np.dot(a.T, delta), np.add.reduce(delta, axis=0))
        for a, delta in zip(activations, deltas(params, activations, Y), strict=False)  # a^L has no δ after it
    ]


def train_step(params, X, Y, lr):
    """One step of gradient descent on the whole batch: (new params, E before the step).

    Every gradient comes from the parameters before the step (a simultaneous update):
    W^l ← W^l − η ∂E/∂W^l and b^l ← b^l − η ∂E/∂b^l, with η = ``lr``. ``params`` is not modified.
    """
    activations = forward(params, X)
    gradients = backward(params, activations, Y)
    new_params = [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, gradients, strict=True)]
    return new_params, loss(activations[-1], Y)


def train(params, X, Y, lr, epochs, until_loss=None):
    """Up to ``epochs`` steps of ``train_step``: (final params, losses), losses[k] = E before step k.

    With ``until_loss``, training stops as soon as E is at most that value and returns the parameters
    that reached it (losses then ends with that value). Without it, E of the returned parameters is
    one step past ``losses[-1]``: compute it with ``loss(forward(params, X)[-1], Y)``.
    """
    history = np.empty(epochs)
    for epoch in range(epochs):
        new_params, history[epoch] = train_step(params, X, Y, lr)
        if until_loss is not None and history[epoch] <= until_loss:
            return params, history[: epoch + 1]
        params = new_params
    return params, history


def train_in_chunks(params, X, Y, lr, epochs, until_loss=None, chunks=100, report=None):
    """``train`` run in about ``chunks`` pieces, with the same result; ``report(epochs done, last E)`` after each.

    ``report`` lets a caller show progress on a long run without the training code printing anything.
    """
    chunk = max(1, epochs // chunks)
    parts = []
    done = 0
    while done < epochs:
        n = min(chunk, epochs - done)
        params, part = train(params, X, Y, lr, n, until_loss)
        parts.append(part)
        done += len(part)
        if report is not None:
            report(done, float(part[-1]))
        if len(part) < n:
            break
    return params, np.concatenate(parts)


def loss_summary(losses, final_loss: float, until_loss: float | None = None) -> str:
    """A training run in one line: how many epochs (and whether ``until_loss`` stopped it), first and final E."""
    stopped = until_loss is not None and losses[-1] <= until_loss
    note = f" (stopped at loss ≤ {until_loss:g})" if stopped else ""
    return f"Loss E = ½ Σ (output − target)² over {len(losses)} epochs{note}: {losses[0]:.4g} → {final_loss:.4g}"


def predict(params, X) -> np.ndarray:
    """The network's outputs a^L for the rows of X, shape (n, n_L)."""
    return forward(params, X)[-1]


def numerical_gradients(params, X, Y, h=1e-5) -> list[tuple[np.ndarray, np.ndarray]]:
    """Central differences (E(θ + h) − E(θ − h)) / 2h for every weight and bias, same structure as params.

    Each parameter is nudged in place and restored, so ``params`` is unchanged afterwards.
    """
    return [(_central_differences(params, X, Y, W, h), _central_differences(params, X, Y, b, h)) for W, b in params]


def _central_differences(params, X, Y, p, h, indices=None) -> np.ndarray:
    """(E(θ + h) − E(θ − h)) / 2h for the entries ``indices`` (default: all) of the array ``p`` in params."""
    grad = np.zeros_like(p, dtype=float)
    for index in np.ndindex(p.shape) if indices is None else indices:
        saved = p[index]
        try:
            p[index] = saved + h
            plus = loss(forward(params, X)[-1], Y)
            p[index] = saved - h
            minus = loss(forward(params, X)[-1], Y)
        finally:
            p[index] = saved
        grad[index] = (plus - minus) / (2 * h)
    return grad


def gradient_check(params, X, Y, h=1e-5, max_entries=400, seed=0) -> tuple[float, int]:
    """(max relative error between ``backward`` and central differences, how many entries were compared).

    Networks with more than ``max_entries`` weights and biases are checked on a random sample of that
    many entries (the same ones for the same seed), since each entry costs two forward passes.
    """
    analytic = backward(params, forward(params, X), Y)
    arrays = [p for pair in params for p in pair]
    total = sum(p.size for p in arrays)
    if total <= max_entries:
        return max_relative_error(analytic, numerical_gradients(params, X, Y, h)), total
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(total, size=max_entries, replace=False))
    numeric, exact, start = [], [], 0
    for p, g in zip(arrays, [g for pair in analytic for g in pair], strict=True):
        picked = chosen[(chosen >= start) & (chosen < start + p.size)] - start
        indices = [np.unravel_index(i, p.shape) for i in picked]
        numeric.append(_central_differences(params, X, Y, p, h, indices).ravel()[picked])
        exact.append(g.ravel()[picked])
        start += p.size
    return max_relative_error([tuple(exact)], [tuple(numeric)]), max_entries


GRADIENT_TOLERANCE = 1e-5  # a max relative error below this: backward and the finite differences agree


def explain_gradient_check(error: float, checked: int, total: int) -> str:
    """The result of ``gradient_check`` in words: ``error`` over ``checked`` of the ``total`` parameters."""
    which = f"all {total}" if checked == total else f"{checked} randomly chosen of the {total}"
    return (
        f"Gradient check at the starting weights: backprop against central finite differences"
        f" (E(θ + h) − E(θ − h)) / 2h, h = 1e-5, over {which} weights and biases:"
        f" max relative error {error:.1e} "
        + (
            "✓ (below 1e-5: they agree; a wrong gradient typically gives 1e-2 or more)"
            if error < GRADIENT_TOLERANCE
            else "✗ (above 1e-5: the analytic gradient looks wrong)"
        )
    )


def max_relative_error(grads_a, grads_b, floor: float = 1e-3) -> float:
    """The largest |a − b| / (|a| + |b|) over every entry of two gradient lists of the same structure.

    An entry smaller than ``floor`` times the largest |a| + |b| is measured against that level instead:
    finite differences carry an absolute error of about 1e-10, so they cannot resolve a gradient that
    is itself almost zero, and a tiny gradient cannot hide a real mistake anyway.
    """
    a = np.concatenate([np.ravel(x) for pair in grads_a for x in pair])
    b = np.concatenate([np.ravel(x) for pair in grads_b for x in pair])
    size = np.abs(a) + np.abs(b)
    if size.size == 0:
        return 0.0
    level = max(floor * float(size.max()), 1e-300)
    return float((np.abs(a - b) / np.maximum(size, level)).max())


@dataclass(frozen=True, slots=True)
class TrainingOutcome:
    """How training went: solved (every prediction on the right side of 0.5), stuck, or still improving."""

    wrong: int  # predictions on the wrong side of 0.5
    samples: int
    final_loss: float
    stalled: bool  # the loss fell by less than 1% over the last fifth of training

    @property
    def solved(self) -> bool:
        """Every output is on the same side of 0.5 as its target."""
        return self.wrong == 0

    @property
    def stuck(self) -> bool:
        """Unsolved and no longer improving: a local minimum or a long flat plateau of E."""
        return not self.solved and self.stalled

    def explain(self, layer_sizes, seed: int | None, lr: float, epochs: int) -> str:
        """How training went, in plain words, and which options to try next.

        The arguments are the run's own; ``seed`` is that of the starting weights, None when they came from a file.
        """
        if self.solved:
            return (
                f"Solved: all {self.samples} outputs are on the right side of 0.5 (final loss {self.final_loss:.3g})."
            )
        hidden = layer_sizes[1:-1]
        wider = ",".join(["2"] + [str(max(4, 2 * n)) for n in hidden] + ["1"]) if hidden else "2,4,1"
        other_seed = f" --seed {seed + 1}" if seed is not None else " a different --seed"
        if self.stuck:
            return (
                f"Stuck: {self.wrong} of {self.samples} outputs are still on the wrong side of 0.5 and the loss"
                f" has stopped falling (at {self.final_loss:.3g}). Training has settled in a local minimum (or a long"
                " flat plateau) of the loss: every small step makes things no better, so gradient descent stays put."
                " This happens with XOR, especially with few hidden units. Try another starting point"
                f" ({other_seed.strip()}), more hidden units (--layers {wider}) or a different --lr; if it is only a"
                f" plateau, many more epochs (--epochs {epochs * 10}) may get through it."
            )
        return (
            f"Not solved yet: {self.wrong} of {self.samples} outputs are on the wrong side of 0.5, but the loss"
            f" is still falling ({self.final_loss:.3g}). Train longer (--epochs {epochs * 2}) or use a larger --lr"
            f" (now {lr:g})."
        )


def training_outcome(losses, output, Y) -> TrainingOutcome:
    """How a training run went from its loss history and the final outputs (shape (n, n_L))."""
    wrong = int(np.count_nonzero(np.any((output > 0.5) != (Y > 0.5), axis=1)))
    final = loss(output, Y)
    tail = np.asarray(losses)[-max(2, len(losses) // 5) :]
    stalled = len(losses) >= 10 and (tail[0] - final) <= 0.01 * max(tail[0], 1e-12)
    return TrainingOutcome(wrong=wrong, samples=len(Y), final_loss=final, stalled=bool(stalled))
