"""What ``dlpath exercise autoencoder`` measures, as pure functions returning data: a training run, its error
against the mean-image baseline, examples of denoising, the learned filters and (for 2 hidden units) the codes.

Nothing here prints; ``demo`` shows the results with ``views``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from dlpath.exercises.autoencoder import maths as ae
from dlpath.exercises.datasets import DigitsSplit

BASELINE_FRACTION = 1 / 3  # "learned something": at most a third of the mean image's error


class Config(NamedTuple):
    """One training run's settings (the command's options)."""

    hidden: int = ae.DEFAULT_HIDDEN
    epochs: int = ae.DEFAULT_EPOCHS
    batch_size: int = ae.DEFAULT_BATCH_SIZE
    lr: float = ae.DEFAULT_LR
    noise: float = ae.DEFAULT_NOISE
    seed: int = ae.DEFAULT_SEED


class Run(NamedTuple):
    """A finished run: its history, the trained parameters, the test error and the mean-image baseline."""

    config: Config
    history: list[ae.EpochRecord]
    params: tuple
    baseline_error: float  # squared error of always answering the mean training image
    seconds: float  # wall time of the training loop alone

    @property
    def test_error(self) -> float:
        """The test set's denoising squared error per pixel after the last epoch."""
        return self.history[-1].test_error

    @property
    def fraction_of_baseline(self) -> float:
        """The test error as a fraction of the mean image's (at most 1/3 is the target)."""
        return self.test_error / self.baseline_error


def train_run(split: DigitsSplit, config: Config, report: Callable[[ae.EpochRecord], None] | None = None) -> Run:
    """Train a fresh autoencoder (starting weights from ``config.seed``) on the training digits."""
    params = ae.init_params(ae.N_VISIBLE, config.hidden, config.seed)
    X, X_test = split.train.inputs, split.test.inputs
    start = time.perf_counter()
    history = ae.train(
        params, X, X_test, config.epochs, config.batch_size, config.lr, config.noise, config.seed, report
    )
    seconds = time.perf_counter() - start
    return Run(config, history, params, ae.mean_image_error(X, X_test), seconds)


class Examples(NamedTuple):
    """Test digits, their corrupted copies and the network's reconstructions: each (k, 8, 8) in [0, 1]."""

    labels: np.ndarray
    originals: np.ndarray
    corrupted: np.ndarray
    reconstructions: np.ndarray


def examples(split: DigitsSplit, run: Run, per_digit: int = 1) -> Examples:
    """The first ``per_digit`` test images of each digit 0..9, corrupted with the run's noise (a fixed draw)."""
    chosen = np.concatenate([np.flatnonzero(split.test.labels == d)[:per_digit] for d in range(10)])
    X = split.test.inputs[chosen]
    X_tilde = ae.corrupt(X, run.config.noise, np.random.default_rng([run.config.seed, 2]))
    Z = ae.decode(run.params, ae.encode(run.params, X_tilde))
    shape = (len(chosen), 8, 8)
    return Examples(split.test.labels[chosen], X.reshape(shape), X_tilde.reshape(shape), Z.reshape(shape))


def filters(params, limit: int = 24) -> np.ndarray:
    """The weights into the first ``limit`` hidden units as 8x8 images, shape (k, 8, 8), each scaled to max |w| = 1.

    Hidden unit j responds most to inputs shaped like column j of W: its filter.
    """
    W = params[0][:, :limit].T
    scale = np.abs(W).max(axis=1, keepdims=True)
    return (W / np.where(scale > 0, scale, 1.0)).reshape(-1, 8, 8)


def codes(split: DigitsSplit, run: Run) -> np.ndarray:
    """The codes h of the clean test digits, shape (n_test, H): with H = 2, points of a plane."""
    return ae.encode(run.params, split.test.inputs)
