"""What ``dlpath exercise digits`` measures, as pure functions returning data: a training run, its confusion
matrix and most confident mistakes, the sanity checks a course teaches, and quadratic against cross-entropy.

Nothing here prints; ``demo`` shows the results with ``views``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from dlpath.exercises.datasets import DigitsSplit
from dlpath.exercises.digits import maths as dg

OVERFIT_SAMPLES = 20
OVERFIT_MAX_EPOCHS = 1000
INITIAL_COST_TOLERANCE = 0.05  # "close to the expected value": within 5% of it


class Config(NamedTuple):
    """One training run's settings (the command's options)."""

    hidden: int = dg.DEFAULT_HIDDEN
    epochs: int = dg.DEFAULT_EPOCHS
    batch_size: int = dg.DEFAULT_BATCH_SIZE
    lr: float = dg.DEFAULT_LR
    seed: int = dg.DEFAULT_SEED
    activation: str = dg.DEFAULT_ACTIVATION
    cost_name: str = dg.DEFAULT_COST

    @property
    def layer_sizes(self) -> tuple[int, int, int]:
        """64 inputs (the pixels), ``hidden`` units, 10 outputs (the digits)."""
        return (64, self.hidden, dg.N_CLASSES)


class Run(NamedTuple):
    """A finished training run: its history, the trained network, the test set's output probabilities."""

    config: Config
    history: list[dg.EpochRecord]
    params: list
    test_outputs: np.ndarray  # a^L for each test image, shape (n_test, 10)
    seconds: float  # wall time of the training loop alone

    @property
    def test_accuracy(self) -> float:
        """The test accuracy after the last epoch, as a fraction."""
        return self.history[-1].test_accuracy


def train_run(split: DigitsSplit, config: Config, report: Callable[[dg.EpochRecord], None] | None = None) -> Run:
    """Train a fresh network (starting weights from ``config.seed``) on the training digits; report after each epoch."""
    params = dg.init_params(config.layer_sizes, config.seed, config.activation)
    X, X_test = split.train.inputs, split.test.inputs
    start = time.perf_counter()
    history = dg.train(
        params, X, split.train.labels, X_test, split.test.labels, config.epochs, config.batch_size, config.lr,
        config.seed, config.activation, config.cost_name, report,
    )
    seconds = time.perf_counter() - start
    outputs = dg.forward(params, X_test, config.activation, config.cost_name)[-1]
    return Run(config, history, params, outputs, seconds)


def confusion_matrix(predicted, labels, n_classes: int = dg.N_CLASSES) -> np.ndarray:
    """Counts of shape (n_classes, n_classes): row = true digit, column = predicted digit; the diagonal is right."""
    matrix = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(matrix, (np.asarray(labels, dtype=int), np.asarray(predicted, dtype=int)), 1)
    return matrix


class Mistake(NamedTuple):
    """A misclassified test digit: its image, the true and predicted labels, and the network's confidence."""

    index: int  # position in the test set
    image: np.ndarray  # (8, 8), pixels 0..16
    label: int
    predicted: int
    confidence: float  # the output for the predicted digit (a softmax probability, or a sigmoid output)


def mistakes(images, labels, outputs, limit: int = 6) -> list[Mistake]:
    """The misclassified rows, most confident first (at most ``limit``): outputs of shape (n, 10)."""
    predicted = outputs.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    confidence = outputs[wrong, predicted[wrong]]
    order = wrong[np.argsort(-confidence, kind="stable")][:limit]
    return [
        Mistake(int(i), images[i], int(labels[i]), int(predicted[i]), float(outputs[i, predicted[i]])) for i in order
    ]


class InitialCost(NamedTuple):
    """The cost of the untrained network on the training set, against what it should be."""

    value: float
    expected: float
    formula: str  # how ``expected`` follows, e.g. "ln 10"

    @property
    def close(self) -> bool:
        """Within INITIAL_COST_TOLERANCE (5%) of the expected value."""
        return abs(self.value - self.expected) <= INITIAL_COST_TOLERANCE * self.expected


def initial_cost(split: DigitsSplit, config: Config) -> InitialCost:
    """The cost at the starting weights. With small final weights every z^L is near 0, so each softmax output is
    near 1/10 and C ≈ −ln(1/10) = ln 10 ≈ 2.303; with σ outputs each is near ½, and C ≈ ½(9·¼ + ¼) = 1.25."""
    params = dg.init_params(config.layer_sizes, config.seed, config.activation)
    X, Y = split.train.inputs, dg.one_hot(split.train.labels)
    value = dg.cost(dg.forward(params, X, config.activation, config.cost_name)[-1], Y, config.cost_name)
    if config.cost_name == "cross-entropy":
        return InitialCost(value, math.log(dg.N_CLASSES), "ln 10: each of the 10 outputs near 1/10")
    return InitialCost(value, 0.5 * (9 * 0.25 + 0.25), "½(9·¼ + ¼): each σ output near ½")


class Overfit(NamedTuple):
    """Training on a handful of samples only: how long until it learned them by heart (None: it did not)."""

    samples: int
    epochs: int | None  # epochs until 100% accuracy and a cost below 1% of the start's; None if never
    tried: int  # epochs run
    start_cost: float
    final_cost: float
    accuracy: float

    @property
    def succeeded(self) -> bool:
        """The samples were learned by heart within the epochs tried."""
        return self.epochs is not None


def overfit_small(split: DigitsSplit, config: Config, samples: int = OVERFIT_SAMPLES,
                  max_epochs: int = OVERFIT_MAX_EPOCHS) -> Overfit:
    """Full-batch gradient descent on ``samples`` training digits (two of each class for 20), as a course's check
    that the network and its gradients can learn at all: a working one drives the cost towards 0."""
    per_class = max(1, samples // dg.N_CLASSES)
    chosen = np.concatenate([np.flatnonzero(split.train.labels == d)[:per_class] for d in range(dg.N_CLASSES)])
    X, labels = split.train.inputs[chosen], split.train.labels[chosen]
    Y = dg.one_hot(labels)
    params = dg.init_params(config.layer_sizes, config.seed, config.activation)
    rng = np.random.default_rng(config.seed)
    start_cost = dg.cost(dg.forward(params, X, config.activation, config.cost_name)[-1], Y, config.cost_name)
    for epoch in range(1, max_epochs + 1):
        dg.sgd_epoch(params, X, Y, config.lr, len(X), rng, config.activation, config.cost_name)
        outputs = dg.forward(params, X, config.activation, config.cost_name)[-1]
        final_cost, acc = dg.cost(outputs, Y, config.cost_name), dg.accuracy(outputs, labels)
        if acc == 1.0 and final_cost <= 0.01 * start_cost:
            return Overfit(len(X), epoch, epoch, start_cost, final_cost, acc)
    return Overfit(len(X), None, max_epochs, start_cost, final_cost, acc)


class CostComparison(NamedTuple):
    """The same network, starting weights and shuffles trained with each cost: quadratic (σ outputs) and
    cross-entropy (softmax outputs)."""

    quadratic: Run
    cross_entropy: Run


def compare_costs(split: DigitsSplit, config: Config,
                  report: Callable[[str, dg.EpochRecord], None] | None = None) -> CostComparison:
    """Train with the quadratic cost, then with cross-entropy, all else equal; ``report(cost name, record)``."""
    runs = {}
    for name in ("quadratic", "cross-entropy"):
        runs[name] = train_run(
            split, config._replace(cost_name=name), None if report is None else lambda r, n=name: report(n, r)
        )
    return CostComparison(runs["quadratic"], runs["cross-entropy"])


SLOWDOWN_WHY = (
    "Why: with the quadratic cost and σ outputs the output error is δ^L = (a − y)·σ'(z^L), and σ'(z) is at most"
    " ¼ and nearly 0 wherever an output is saturated near 0 or 1, so an output that is confidently wrong learns"
    " slowest of all. Cross-entropy with softmax outputs cancels that factor, δ^L = a − y, so each output learns"
    " in proportion to how wrong it is (Nielsen, chapter 3)."
)


def first_epoch_reaching(history: list[dg.EpochRecord], accuracy: float) -> int | None:
    """The first epoch whose test accuracy is at least ``accuracy``, or None."""
    return next((r.epoch for r in history if r.test_accuracy >= accuracy), None)


def slowdown_summary(comparison: CostComparison, milestone: float = 0.9) -> str:
    """What this comparison measured, in one sentence (true whichever cost came out ahead)."""
    q, ce = comparison.quadratic.history, comparison.cross_entropy.history

    q_epoch, ce_epoch = first_epoch_reaching(q, milestone), first_epoch_reaching(ce, milestone)

    def reached(epoch: int | None) -> str:
        if epoch:
            return f"reached {milestone:.0%} test accuracy at epoch {epoch}"
        return f"did not reach {milestone:.0%} in {len(q)} epochs"

    slower = q[-1].test_accuracy < ce[-1].test_accuracy or (
        ce_epoch is not None and (q_epoch is None or q_epoch > ce_epoch)
    )
    verdict = (
        "the quadratic cost learned more slowly here."
        if slower
        else "in this run the quadratic cost kept up (the slowdown shows most when outputs saturate)."
    )
    return (
        f"After epoch 1, quadratic {q[0].test_accuracy:.1%} test accuracy against cross-entropy"
        f" {ce[0].test_accuracy:.1%}; after epoch {len(q)}, {q[-1].test_accuracy:.1%} against"
        f" {ce[-1].test_accuracy:.1%}. Quadratic {reached(q_epoch)}, cross-entropy {reached(ce_epoch)}: {verdict}"
    )
