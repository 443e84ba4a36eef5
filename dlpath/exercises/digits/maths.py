"""A network.py-style digit classifier: a fully connected network trained by mini-batch SGD.

Notation follows Nielsen's "Neural Networks and Deep Learning" (chapters 1-3) and the backprop exercise.
A network is ``params``, a list of (W, b) pairs, one per layer: W of shape (n_in, n_out), b of shape
(n_out,). Samples are the rows of X (shape (n, 64): 8x8 pixels in [0, 1]) and targets the rows of Y
(shape (n, 10), one-hot: y_j = 1 for the true digit j). Layer l computes z^l = a^(l−1) W^l + b^l and
a^l = f(z^l), with a^0 = X and f the hidden activation (σ or ReLU). The output layer depends on the cost:

- cross-entropy: a^L = softmax(z^L), C = −(1/n) Σ_x Σ_j y_j ln a^L_j, and δ^L = (a^L − y)/n;
- quadratic:     a^L = σ(z^L),       C = (1/2n) Σ_x ‖a^L − y‖²,      and δ^L = (a^L − y) ⊙ σ'(z^L)/n.

Here δ^l = ∂C/∂z^l for the batch, with C the mean over the batch's n samples; backpropagation carries
it back by δ^l = (δ^(l+1) (W^(l+1))ᵀ) ⊙ f'(z^l), and ∂C/∂W^l = (a^(l−1))ᵀ δ^l, ∂C/∂b^l = Σ_x δ^l
(summed over the rows of the batch: the 1/n is already in δ^L).

Written for reading first, and vectorised: one mini-batch is a handful of matrix products, with no
Python loop over samples. Every function keeps the dtype of its inputs (float64 for gradient checks,
float32 trains as well and faster).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import pairwise
from typing import NamedTuple

import numpy as np

from dlpath.exercises import ExerciseError

ACTIVATIONS = ("sigmoid", "relu")
COSTS = ("cross-entropy", "quadratic")
N_CLASSES = 10

DEFAULT_HIDDEN = 32
DEFAULT_EPOCHS = 20
DEFAULT_BATCH_SIZE = 32
DEFAULT_LR = 1.0
DEFAULT_SEED = 0
DEFAULT_ACTIVATION = "sigmoid"
DEFAULT_COST = "cross-entropy"


def one_hot(labels, n_classes: int = N_CLASSES) -> np.ndarray:
    """Targets Y of shape (n, n_classes), float64: row i is 1 at column labels[i] and 0 elsewhere."""
    labels = np.asarray(labels)
    Y = np.zeros((len(labels), n_classes))
    Y[np.arange(len(labels)), labels] = 1.0
    return Y


def softmax(Z) -> np.ndarray:
    """a_j = e^(z_j) / Σ_k e^(z_k) for each row of Z (shape (n, K)); rows of the result sum to 1.

    Each row's largest z is subtracted first: softmax(z − c) = softmax(z), and e^(z − max z) ≤ 1 never
    overflows, where e^z alone is inf for z > 709 (float64) and the ratio inf/inf is NaN.
    """
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    E /= E.sum(axis=1, keepdims=True)
    return E


def cross_entropy(A, Y) -> float:
    """C = −(1/n) Σ_x Σ_j y_j ln a_j: the mean over the n rows of the log-likelihood cost (A, Y of shape (n, K)).

    A probability that rounded to 0 is counted as the smallest positive float (a large but finite cost).
    """
    return -float(np.vdot(Y, np.log(np.maximum(A, _TINY.get(A.dtype, _TINY[np.dtype(float)]))))) / len(A)


_TINY = {np.dtype(t): np.finfo(t).tiny for t in (np.float16, np.float32, np.float64)}


def quadratic(A, Y) -> float:
    """C = (1/2n) Σ_x ‖a − y‖²: half the mean over the n rows of the squared error (A, Y of shape (n, K))."""
    error = A - Y
    return 0.5 * float(np.vdot(error, error)) / len(A)


def cost(A, Y, cost_name: str = "cross-entropy") -> float:
    """The cost named ``cost_name`` ("cross-entropy" or "quadratic") of outputs A against targets Y."""
    return cross_entropy(A, Y) if cost_name == "cross-entropy" else quadratic(A, Y)


def sigmoid(Z) -> np.ndarray:
    """σ(z) = 1 / (1 + e^(−z)) = ½ (1 + tanh(z/2)), elementwise, computed by the tanh form.

    tanh never overflows (tanh(±1000) = ±1), so neither does this, and it costs a quarter of the
    overflow-proof log-sum-exp form of the sigmoid exercise: it runs once per layer per mini-batch.
    """
    a = np.multiply(Z, 0.5)
    np.tanh(a, out=a)
    a *= 0.5
    a += 0.5
    return a


def relu(Z) -> np.ndarray:
    """max(0, z), elementwise."""
    return np.maximum(Z, 0)


def init_params(layer_sizes, seed, activation: str = "sigmoid") -> list[tuple[np.ndarray, np.ndarray]]:
    """Random starting parameters for layers of the given sizes, e.g. (64, 32, 10); same seed, same numbers.

    W^l has shape (n_(l−1), n_l), drawn from a Gaussian of standard deviation 1/√n_(l−1) (Nielsen,
    chapter 3: it keeps z near 0, where σ is not saturated), or √(2/n_(l−1)) before a ReLU layer (He
    et al., 2015: half of a ReLU's inputs are cut to 0). The output layer's weights are 1/4 of that, so
    at the start every output is almost the same and the cross-entropy is close to ln 10. b^l = 0.
    """
    _check_activation(activation)
    sizes = [int(n) for n in layer_sizes]
    if len(sizes) < 2 or any(n < 1 for n in sizes):
        raise ExerciseError(
            f"layer sizes {','.join(map(str, sizes))} do not make a network: give at least an input"
            " and an output layer, each of 1 unit or more (e.g. 64,32,10)"
        )
    rng = np.random.default_rng(seed)
    params = []
    for layer, (n_in, n_out) in enumerate(pairwise(sizes), start=1):
        gain = 2.0 if activation == "relu" and layer > 1 else 1.0
        scale = math.sqrt(gain / n_in) * (0.25 if layer == len(sizes) - 1 else 1.0)
        params.append((rng.normal(0.0, scale, size=(n_in, n_out)), np.zeros(n_out)))
    return params


def forward(params, X, activation: str = "sigmoid", cost_name: str = "cross-entropy") -> list[np.ndarray]:
    """The activations [a^0 = X, a^1, ..., a^L] of every layer (a^l of shape (n, n_l)).

    Hidden layers apply ``activation`` (σ or ReLU); the output layer applies softmax for the
    cross-entropy cost and σ for the quadratic cost.
    """
    f = relu if activation == "relu" else sigmoid
    activations = [X]
    for W, b in params[:-1]:
        activations.append(f(activations[-1] @ W + b))
    W, b = params[-1]
    z = activations[-1] @ W + b
    activations.append(softmax(z) if cost_name == "cross-entropy" else sigmoid(z))
    return activations


def backward(params, activations, Y, activation: str = "sigmoid", cost_name: str = "cross-entropy"):
    """The gradients [(∂C/∂W^l, ∂C/∂b^l), ...] of the batch's mean cost C, same shapes as ``params``.

    ``activations`` is what ``forward`` returned for the batch X; Y its targets, shape (n, n_L).
    f'(z) is computed from the activation itself: σ' = a(1 − a), and ReLU' = 1 where a > 0, else 0.
    """
    n = len(Y)
    a = activations[-1]
    delta = (a - Y) / n if cost_name == "cross-entropy" else (a - Y) * a * (1.0 - a) / n
    gradients = []
    for layer in range(len(params) - 1, -1, -1):
        a_prev = activations[layer]
        gradients.append((a_prev.T @ delta, delta.sum(axis=0)))
        if layer > 0:
            delta = delta @ params[layer][0].T
            delta *= (a_prev > 0) if activation == "relu" else a_prev * (1.0 - a_prev)
    gradients.reverse()
    return gradients


def sgd_epoch(params, X, Y, lr, batch_size, rng, activation: str = "sigmoid", cost_name: str = "cross-entropy"):
    """One epoch of mini-batch SGD, updating ``params`` in place; returns the mean cost over the batches.

    The rows of X and Y are shuffled with ``rng`` (a ``np.random.Generator``, or a seed for one), cut
    into mini-batches of ``batch_size`` rows (the last one may be smaller), and for each batch
    W ← W − η ∂C/∂W and b ← b − η ∂C/∂b with η = ``lr`` and C the batch's mean cost (Nielsen's
    update_mini_batch). Each batch's cost is that before its update.
    """
    order = np.random.default_rng(rng).permutation(len(X))  # default_rng(generator) is that generator
    X, Y = X[order], Y[order]  # one copy per epoch; every batch below is then a view, not a copy
    total = 0.0
    for start in range(0, len(X), batch_size):
        Xb, Yb = X[start : start + batch_size], Y[start : start + batch_size]
        activations = forward(params, Xb, activation, cost_name)
        total += cost(activations[-1], Yb, cost_name) * len(Xb)
        for (W, b), (dW, db) in zip(params, backward(params, activations, Yb, activation, cost_name), strict=True):
            dW *= lr
            W -= dW
            b -= lr * db
    return total / len(X)


def accuracy(A, labels) -> float:
    """The fraction of rows of A (shape (n, K)) whose largest output is at the true label (labels shape (n,))."""
    return float(np.mean(np.argmax(A, axis=1) == labels))


class EpochRecord(NamedTuple):
    """One epoch of training: its number (from 1), mean training cost, and train and test accuracy."""

    epoch: int
    loss: float
    train_accuracy: float
    test_accuracy: float


def train(
    params,
    X,
    labels,
    X_test,
    labels_test,
    epochs: int = DEFAULT_EPOCHS,
    batch_size: int = DEFAULT_BATCH_SIZE,
    lr: float = DEFAULT_LR,
    seed: int = DEFAULT_SEED,
    activation: str = "sigmoid",
    cost_name: str = "cross-entropy",
    report: Callable[[EpochRecord], None] | None = None,
) -> list[EpochRecord]:
    """``epochs`` epochs of ``sgd_epoch`` on (X, labels), updating ``params`` in place; one record per epoch.

    After each epoch the accuracy on the training and test sets is measured and ``report(record)`` is
    called, so that a caller can show progress live without this function printing anything. The
    shuffling uses its own generator seeded with ``seed``: the same arguments give the same run.
    """
    Y = one_hot(labels, params[-1][0].shape[1]).astype(X.dtype)
    rng = np.random.default_rng(seed)
    history = []
    for epoch in range(1, epochs + 1):
        loss = sgd_epoch(params, X, Y, lr, batch_size, rng, activation, cost_name)
        record = EpochRecord(
            epoch,
            loss,
            accuracy(forward(params, X, activation, cost_name)[-1], labels),
            accuracy(forward(params, X_test, activation, cost_name)[-1], labels_test),
        )
        history.append(record)
        if report is not None:
            report(record)
    return history


def _check_activation(activation: str) -> None:
    if activation not in ACTIVATIONS:
        raise ExerciseError(f"unknown activation {activation!r}: choose one of {', '.join(ACTIVATIONS)}")
