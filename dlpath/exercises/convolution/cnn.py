"""A small convolutional network for the 8x8 digits: conv -> ReLU -> max-pool -> fully connected -> softmax.

The parameters are a dict: ``w1`` (F, C, K, K) and ``b1`` (F,) for the convolution (stride 1, padded
by K // 2 so that each feature map keeps the image's size), ``w2`` (F·H/2·W/2, classes) and ``b2``
(classes,) for the fully connected layer after the 2x2 max-pool. Training is mini-batch stochastic
gradient descent with momentum (v ← μ·v − η·∇L; θ ← θ + v) on the mean cross-entropy loss.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dlpath.exercises.convolution import maths as layers

DEFAULT_FILTERS = 8
DEFAULT_KERNEL = 3
DEFAULT_EPOCHS = 12
DEFAULT_LR = 0.1
DEFAULT_MOMENTUM = 0.9
DEFAULT_BATCH = 32
DEFAULT_DECAY = 0.8
DEFAULT_SEED = 0
POOL = 2


def init_cnn(image_shape, classes: int, filters: int = DEFAULT_FILTERS, kernel: int = DEFAULT_KERNEL, seed: int = 0):
    """Random starting parameters for images of ``image_shape`` (C, H, W): He-scaled normal weights, zero biases.

    He et al.'s scale √(2 / fan-in) keeps the variance of ReLU activations steady from layer to layer.
    """
    C, H, W = image_shape
    rng = np.random.default_rng(seed)
    fan_in = C * kernel * kernel
    flat = filters * (H // POOL) * (W // POOL)
    return {
        "w1": rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(filters, C, kernel, kernel)),
        "b1": np.zeros(filters),
        "w2": rng.normal(0.0, np.sqrt(1.0 / flat), size=(flat, classes)),
        "b2": np.zeros(classes),
    }


def cnn_forward(params, x):
    """Class scores (N, classes) for images x (N, C, H, W), and the caches ``cnn_backward`` needs."""
    pad = params["w1"].shape[2] // 2
    conv, conv_cache = layers.conv_forward(x, params["w1"], params["b1"], 1, pad)
    act, relu_cache = layers.relu_forward(conv)
    pooled, pool_cache = layers.maxpool_forward(act, POOL, POOL)
    scores, fc_cache = layers.affine_forward(pooled, params["w2"], params["b2"])
    return scores, (conv_cache, relu_cache, pool_cache, fc_cache)


def cnn_backward(dscores, caches):
    """The gradients of every parameter (a dict like ``params``) from dscores (N, classes), layer by layer backwards."""
    conv_cache, relu_cache, pool_cache, fc_cache = caches
    dpooled, dw2, db2 = layers.affine_backward(dscores, fc_cache)
    dact = layers.maxpool_backward(dpooled, pool_cache)
    dconv = layers.relu_backward(dact, relu_cache)
    dw1, db1 = layers.conv_param_gradients(dconv, conv_cache)  # the images themselves need no gradient
    return {"w1": dw1, "b1": db1, "w2": dw2, "b2": db2}


def cnn_loss(params, x, y):
    """(mean cross-entropy loss, gradients) on images x (N, C, H, W) with classes y (N,)."""
    scores, caches = cnn_forward(params, x)
    loss, dscores = layers.softmax_loss(scores, y)
    return loss, cnn_backward(dscores, caches)


def sgd_momentum_step(params, grads, velocity, lr: float, momentum: float) -> None:
    """One update in place: v ← μ·v − η·g, θ ← θ + v for every parameter (``velocity`` starts at zeros)."""
    for name, p in params.items():
        v = velocity[name]
        v *= momentum
        v -= lr * grads[name]
        p += v


def train_step(params, velocity, x, y, lr: float, momentum: float) -> float:
    """One mini-batch step (forward, backward, update in place); the batch's loss before the update."""
    loss, grads = cnn_loss(params, x, y)
    sgd_momentum_step(params, grads, velocity, lr, momentum)
    return loss


def predict(params, x, batch: int = 512):
    """The most likely class (N,) for images x (N, C, H, W)."""
    return np.concatenate([cnn_forward(params, x[i : i + batch])[0].argmax(axis=1) for i in range(0, len(x), batch)])


def accuracy(params, x, y) -> float:
    """The fraction of images whose predicted class is y."""
    return float(np.mean(predict(params, x) == y))


@dataclass(frozen=True, slots=True)
class EpochMetrics:
    """How one epoch went: its number (from 1), mean training loss, accuracies as fractions, seconds so far."""

    epoch: int
    train_loss: float
    train_accuracy: float
    test_accuracy: float
    seconds: float


def train_cnn(
    params,
    x_train,
    y_train,
    x_test,
    y_test,
    epochs: int = DEFAULT_EPOCHS,
    lr: float = DEFAULT_LR,
    momentum: float = DEFAULT_MOMENTUM,
    batch_size: int = DEFAULT_BATCH,
    seed: int = DEFAULT_SEED,
    decay: float = DEFAULT_DECAY,
    on_epoch: Callable[[EpochMetrics], None] | None = None,
) -> list[EpochMetrics]:
    """Train ``params`` in place for ``epochs`` passes over shuffled mini-batches; the metrics of each epoch.

    The learning rate shrinks by the factor ``decay`` after each epoch (η_e = η·decay^(e−1)): large steps
    early to learn fast, small ones late so the last epochs settle instead of jumping around a minimum.
    ``on_epoch`` is called with each epoch's metrics as soon as it ends (for a live display).
    The shuffling order comes from ``seed``: the same seed and data give the same run.
    """
    rng = np.random.default_rng(seed)
    velocity = {name: np.zeros_like(p) for name, p in params.items()}
    history = []
    start = time.perf_counter()
    n = len(x_train)
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n)
        rate = lr * decay ** (epoch - 1)
        losses = []
        for i in range(0, n, batch_size):
            batch = order[i : i + batch_size]
            losses.append(train_step(params, velocity, x_train[batch], y_train[batch], rate, momentum))
        metrics = EpochMetrics(
            epoch,
            float(np.mean(losses)),
            accuracy(params, x_train, y_train),
            accuracy(params, x_test, y_test),
            time.perf_counter() - start,
        )
        history.append(metrics)
        if on_epoch is not None:
            on_epoch(metrics)
    return history


def feature_maps(params, image):
    """What one image (C, H, W) becomes after each layer: [("input", (C, H, W)), ("conv", (F, H, W)), ...]."""
    pad = params["w1"].shape[2] // 2
    x = image[None]
    conv, _ = layers.conv_forward(x, params["w1"], params["b1"], 1, pad)
    act = layers.relu(conv)
    pooled, _ = layers.maxpool_forward(act, POOL, POOL)
    scores, _ = layers.affine_forward(pooled, params["w2"], params["b2"])
    return [
        ("input", image),
        ("convolution", conv[0]),
        ("ReLU", act[0]),
        ("max-pool 2x2", pooled[0]),
        ("class probabilities", layers.softmax(scores)[0]),
    ]
