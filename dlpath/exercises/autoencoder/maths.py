"""A denoising autoencoder of 8x8 digits: 64 visible units, H hidden units, 64 outputs, all sigmoid.

Notation follows the step-7 reading (deeplearning.net's denoising autoencoder tutorial). The inputs are
rows x of X (shape (n, 64), pixels in [0, 1]). Masking noise sets each pixel to 0 with probability ν (the
corruption level), giving x̃. The encoder maps x̃ to the code h = σ(x̃ W + b); the decoder maps it back to
the reconstruction z = σ(h Wᵀ + b′), with tied weights (the decoder uses the encoder's W transposed). The
cost is the cross-entropy of the reconstruction against the clean input, averaged over the batch:

    L = −(1/n) Σ_x Σ_i [x_i ln z_i + (1 − x_i) ln(1 − z_i)]

so the network learns to undo the noise, and with it the structure of the digits. ``params`` is the tuple
(W, b, b′): W of shape (64, H), b of shape (H,), b′ of shape (64,).

Gradients, with δ^z = ∂L/∂(h Wᵀ + b′) = (z − x)/n and δ^h = ∂L/∂(x̃ W + b) = (δ^z W) ⊙ h(1 − h):
∂L/∂W = x̃ᵀ δ^h + (δ^z)ᵀ h (W is used twice: by the encoder and, transposed, by the decoder),
∂L/∂b = Σ_x δ^h and ∂L/∂b′ = Σ_x δ^z.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from dlpath.exercises import ExerciseError
from dlpath.exercises.digits.maths import sigmoid

N_VISIBLE = 64
DEFAULT_HIDDEN = 64
DEFAULT_NOISE = 0.25
DEFAULT_EPOCHS = 20
DEFAULT_BATCH_SIZE = 20
DEFAULT_LR = 1.0
DEFAULT_SEED = 0


def init_params(n_visible: int, n_hidden: int, seed) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(W, b, b′): W of shape (n_visible, n_hidden) uniform in ±4√(6 / (n_visible + n_hidden)) as in the
    tutorial (Glorot and Bengio's range for sigmoid units), b = 0 and b′ = 0; same seed, same numbers."""
    if n_visible < 1 or n_hidden < 1:
        raise ExerciseError(f"an autoencoder needs at least 1 visible and 1 hidden unit, got {n_visible}-{n_hidden}")
    rng = np.random.default_rng(seed)
    limit = 4.0 * math.sqrt(6.0 / (n_visible + n_hidden))
    return rng.uniform(-limit, limit, size=(n_visible, n_hidden)), np.zeros(n_hidden), np.zeros(n_visible)


def corrupt(X, noise: float, rng) -> np.ndarray:
    """x̃: a copy of X (any shape) with each entry set to 0 with probability ``noise`` (masking noise).

    ``rng`` is a ``np.random.Generator``, or a seed for one.
    """
    return X * (np.random.default_rng(rng).random(X.shape) >= noise)


def encode(params, X_tilde) -> np.ndarray:
    """The code h = σ(x̃ W + b) of each row of x̃: shape (n, H)."""
    W, b, _ = params
    return sigmoid(X_tilde @ W + b)


def decode(params, H) -> np.ndarray:
    """The reconstruction z = σ(h Wᵀ + b′) of each code: shape (n, 64)."""
    W, _, b_prime = params
    return sigmoid(H @ W.T + b_prime)


def reconstruction_cost(Z, X) -> float:
    """L = −(1/n) Σ_x Σ_i [x_i ln z_i + (1 − x_i) ln(1 − z_i)]: cross-entropy of reconstructions Z against X.

    Outputs that rounded to exactly 0 or 1 are counted at the smallest positive float (a large, finite cost).
    """
    tiny = np.finfo(Z.dtype).tiny
    return -float(np.vdot(X, np.log(np.maximum(Z, tiny))) + np.vdot(1.0 - X, np.log(np.maximum(1.0 - Z, tiny)))) / len(
        X
    )


def backward(params, X_tilde, H, Z, X):
    """The gradients (∂L/∂W, ∂L/∂b, ∂L/∂b′) of the batch's mean cost, same shapes as ``params``.

    x̃ is the corrupted batch, h = encode(params, x̃), z = decode(params, h), and X the clean batch.
    """
    W = params[0]
    delta_z = (Z - X) / len(X)
    delta_h = delta_z @ W
    delta_h *= H * (1.0 - H)
    dW = X_tilde.T @ delta_h
    dW += delta_z.T @ H
    return dW, delta_h.sum(axis=0), delta_z.sum(axis=0)


def sgd_epoch(params, X, lr: float, batch_size: int, noise: float, rng) -> float:
    """One epoch of mini-batch SGD on the rows of X, updating ``params`` in place; the mean cost over the batches.

    The rows are shuffled with ``rng`` (a ``np.random.Generator``, or a seed for one), cut into batches of
    ``batch_size``; each batch is corrupted afresh (with the same ``rng``), and W, b, b′ each move by −η
    times their gradient, η = ``lr``.
    """
    rng = np.random.default_rng(rng)  # default_rng(generator) is that generator
    X = X[rng.permutation(len(X))]
    total = 0.0
    for start in range(0, len(X), batch_size):
        Xb = X[start : start + batch_size]
        X_tilde = corrupt(Xb, noise, rng)
        H = encode(params, X_tilde)
        Z = decode(params, H)
        total += reconstruction_cost(Z, Xb) * len(Xb)
        for p, g in zip(params, backward(params, X_tilde, H, Z, Xb), strict=True):
            g *= lr
            p -= g
    return total / len(X)


def squared_error(Z, X) -> float:
    """The mean over every pixel of (z − x)²: how far reconstructions Z are from X, on the pixels' own scale."""
    error = Z - X
    return float(np.vdot(error, error)) / error.size


def mean_image_error(X_train, X_test) -> float:
    """The baseline: ``squared_error`` of always answering the mean training image, on the test images."""
    return squared_error(np.broadcast_to(X_train.mean(axis=0), X_test.shape), X_test)


class EpochRecord(NamedTuple):
    """One epoch: its number (from 1), the mean training cost, and the test set's denoising squared error."""

    epoch: int
    loss: float
    test_error: float


def train(
    params,
    X,
    X_test,
    epochs: int = DEFAULT_EPOCHS,
    batch_size: int = DEFAULT_BATCH_SIZE,
    lr: float = DEFAULT_LR,
    noise: float = DEFAULT_NOISE,
    seed: int = DEFAULT_SEED,
    report: Callable[[EpochRecord], None] | None = None,
) -> list[EpochRecord]:
    """``epochs`` epochs of ``sgd_epoch``, updating ``params`` in place; one record per epoch, ``report`` after each.

    The test error reconstructs the clean test images from one fixed corruption of them (drawn from ``seed``),
    so that it measures the denoising the network was trained for, the same way every epoch.
    """
    rng = np.random.default_rng(seed)
    X_test_tilde = corrupt(X_test, noise, np.random.default_rng([seed, 1]))
    history = []
    for epoch in range(1, epochs + 1):
        loss = sgd_epoch(params, X, lr, batch_size, noise, rng)
        record = EpochRecord(epoch, loss, squared_error(decode(params, encode(params, X_test_tilde)), X_test))
        history.append(record)
        if report is not None:
            report(record)
    return history
