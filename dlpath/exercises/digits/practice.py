"""Practice for the digits exercise: the learner writes softmax, the cross-entropy, the forward pass, its gradient
and the mini-batch loop; the checks, run in the grader, test each against the maths and the learner's network on
the digits (the sanity checks of a course, and the accuracy target).

The learner's code runs in the sandbox; ``dlpath.practice.checking`` has the helpers the checks use.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dlpath.practice.checking import (
    Check,
    Context,
    Failed,
    call,
    describe,
    expect_array,
    expect_number,
    invoke,
    no_warnings,
    params_of,
    show,
)
from dlpath.practice.gradcheck import scaled_relative_error
from dlpath.practice.specs import PracticeSpec

GRADIENT_TOLERANCE = 1e-5  # max relative error between backward and central differences for a pass
SAMPLES = 6  # rows of the small batches the gradient checks use
TARGET_ACCURACY = 0.96
RETRY_ABOVE = 0.9  # a run this close to the target is tried from a second seed before failing
OVERFIT_LR = 5.0  # a large step: the reference learns the 20 digits in about 60 epochs with it
OVERFIT_EPOCHS = 300
INITIAL_COST_SAMPLES = 300  # enough digits for the mean cost to settle near ln 10
VARIANTS = (("sigmoid", "cross-entropy"), ("relu", "cross-entropy"), ("sigmoid", "quadratic"))

_SHIFT = ": e^z overflows for z above 709; subtract each row's largest z first, softmax(z - max z) = softmax(z)"


def _variant(activation: str, cost_name: str) -> str:
    output = "softmax" if cost_name == "cross-entropy" else "sigmoid"
    return f"{activation} hidden units, {output} outputs, {cost_name} cost"


def _network(ctx: Context, activation: str = "sigmoid", cost_name: str = "cross-entropy", sizes=(4, 5, 3)):
    """Reference parameters (with non-zero biases), a batch X of SAMPLES rows and its targets Y."""
    params = ctx.reference.init_params(sizes, int(ctx.rng.integers(1_000_000)), activation)
    params = [(W * 2.0, ctx.rng.normal(0.0, 0.5, size=b.shape)) for W, b in params]
    X = ctx.rng.uniform(0.0, 1.0, size=(SAMPLES, sizes[0]))
    if cost_name == "cross-entropy":
        Y = ctx.reference.one_hot(ctx.rng.integers(0, sizes[-1], SAMPLES), sizes[-1])
    else:
        Y = ctx.rng.uniform(0.0, 1.0, size=(SAMPLES, sizes[-1]))
    return params, X, Y


def _as_arrays(what: str, got: Any, like: list) -> list[tuple[np.ndarray, np.ndarray]]:
    pairs = params_of(what, got, like)
    try:
        return [(np.asarray(W, dtype=float), np.asarray(b, dtype=float)) for W, b in pairs]
    except (TypeError, ValueError):
        raise Failed(f"{what} should hold NumPy arrays", "(W, b) pairs of arrays", describe(got)) from None


# --------------------------------------------------------------------------- softmax and the cost


def _softmax_values(ctx: Context) -> None:
    Z = ctx.rng.normal(0.0, 3.0, size=(5, 4))
    expected = ctx.reference.softmax(Z.copy())
    got = call(ctx, "softmax", Z)
    advice = ": a_j = e^(z_j) / Σ_k e^(z_k), one row (one sample) at a time"
    if isinstance(got, np.ndarray) and got.shape == Z.shape:
        columns = np.exp(Z) / np.exp(Z).sum(axis=0, keepdims=True)
        if np.allclose(got, columns):
            advice = ": each column sums to 1, not each row: sum over axis=1 (with keepdims=True)"
    expect_array("softmax(Z) for Z of shape (5, 4)", got, expected, advice=advice)


def _softmax_large(ctx: Context) -> None:
    for dtype in (np.float64, np.float32):
        Z = np.array([[1000.0, 999.0, -1000.0], [-800.0, -805.0, -790.0], [710.0, 0.0, -710.0]], dtype=dtype)
        expected = ctx.reference.softmax(Z.astype(np.float64))
        reply = invoke(ctx, "softmax", Z, watch_warnings=True)
        what = f"softmax(Z) for logits from -1000 to 1000 ({np.dtype(dtype).name})"
        no_warnings(what, reply, _SHIFT)
        got = reply.value
        if isinstance(got, np.ndarray) and got.dtype.kind == "f" and not np.isfinite(got).all():
            index = tuple(int(i) for i in np.argwhere(~np.isfinite(got))[0])
            raise Failed(f"{what} returned {got[index]}{_SHIFT}", show(expected), show(got), index=index)
        expect_array(what, got, expected, rtol=1e-5, atol=1e-7, advice=_SHIFT)


def _cross_entropy(ctx: Context) -> None:
    A = ctx.reference.softmax(ctx.rng.normal(0.0, 1.0, size=(SAMPLES, 4)))
    Y = ctx.reference.one_hot(ctx.rng.integers(0, 4, SAMPLES), 4)
    expected = ctx.reference.cross_entropy(A.copy(), Y.copy())
    got = call(ctx, "cross_entropy", A, Y)
    advice = ": C = -(1/n) Σ_x Σ_j y_j ln a_j, the mean over the n samples (rows)"
    if isinstance(got, (int, float, np.number)) and not isinstance(got, bool):
        if np.isclose(float(got), SAMPLES * expected):
            advice = f": it is {SAMPLES} times too large, the sum over the {SAMPLES} samples: C is their mean"
        elif np.isclose(float(got), -expected):
            advice = ": the sign is wrong: C = -Σ y ln a is positive, since ln a < 0"
    expect_number(f"cross_entropy(A, Y) for {SAMPLES} samples of 4 classes", got, expected, advice=advice)


# --------------------------------------------------------------------------- forward and backward


def _forward(ctx: Context) -> None:
    for activation, cost_name in VARIANTS:
        params, X, _ = _network(ctx, activation, cost_name)
        expected = ctx.reference.forward(params, X, activation, cost_name)
        got = call(ctx, "forward", params, X, activation, cost_name)
        what = f"forward(params, X, {activation!r}, {cost_name!r}), layers 4-5-3"
        if not isinstance(got, (list, tuple)) or len(got) != len(expected):
            raise Failed(
                f"{what} should return the activations of every layer, the input included",
                f"a list of {len(expected)} arrays [X, a1, a2]",
                describe(got),
            )
        for layer, (g, e) in enumerate(zip(got, expected, strict=True)):
            if layer == 0:
                advice = ": the first activation is the input X itself"
            elif layer < len(expected) - 1:
                advice = f": a hidden layer computes {activation}(a_prev @ W + b)"
            else:
                advice = f": the output layer computes {'softmax' if cost_name == 'cross-entropy' else 'sigmoid'}" \
                         "(a_prev @ W + b)"
            expect_array(f"{what}: a{layer}", g, e, advice=advice)


def _backward_shapes(ctx: Context) -> None:
    params, X, Y = _network(ctx)
    activations = ctx.reference.forward(params, X)
    got = call(ctx, "backward", params, activations, Y)
    pairs = params_of("backward(params, activations, Y)", got, params)
    for layer, ((gW, gb), (W, b)) in enumerate(zip(pairs, params, strict=True), start=1):
        for name, g, p in ((f"dW{layer}", gW, W), (f"db{layer}", gb, b)):
            if isinstance(g, np.ndarray) and name.startswith("db") and g.shape == (SAMPLES, *p.shape):
                raise Failed(
                    f"backward: {name} has one row per sample: the bias gradient sums δ over the rows of the"
                    " batch, delta.sum(axis=0)",
                    f"shape {p.shape}",
                    f"shape {g.shape}",
                )
            if not isinstance(g, np.ndarray) or g.shape != p.shape:
                raise Failed(
                    f"backward: {name} should have the shape of the parameter it belongs to",
                    f"an array of shape {p.shape}",
                    describe(g),
                )


def numerical_gradients(reference, params, X, Y, activation: str, cost_name: str, h: float = 1e-5) -> list:
    """Central differences (C(θ + h) − C(θ − h)) / 2h of the reference's mean cost, for every parameter."""
    result = []
    for W, b in params:
        pair = []
        for p in (W, b):
            grad = np.zeros_like(p)
            for index in np.ndindex(p.shape):
                saved = p[index]
                costs = []
                for step in (h, -h):
                    p[index] = saved + step
                    costs.append(reference.cost(reference.forward(params, X, activation, cost_name)[-1], Y, cost_name))
                p[index] = saved
                grad[index] = (costs[0] - costs[1]) / (2 * h)
            pair.append(grad)
        result.append(tuple(pair))
    return result



def _backward_gradient_check(ctx: Context) -> None:
    for activation, cost_name in VARIANTS:
        params, X, Y = _network(ctx, activation, cost_name)
        activations = ctx.reference.forward(params, X, activation, cost_name)
        numeric = numerical_gradients(ctx.reference, params, X, Y, activation, cost_name)
        got = call(ctx, "backward", params, activations, Y, activation, cost_name)
        pairs = _as_arrays("backward(params, activations, Y)", got, params)
        what = f"backward with {_variant(activation, cost_name)}"
        for layer, ((gW, gb), (nW, nb)) in enumerate(zip(pairs, numeric, strict=True), start=1):
            for name, g, n in ((f"dW{layer}", gW, nW), (f"db{layer}", gb, nb)):
                if g.shape != n.shape:
                    raise Failed(f"{what}: {name} has the wrong shape", f"shape {n.shape}", f"shape {g.shape}")
                error = scaled_relative_error(g, n)
                if error < GRADIENT_TOLERANCE:
                    continue
                raise Failed(
                    f"{what}: {name} against central finite differences (C(θ+h) - C(θ-h)) / 2h of the mean cost:"
                    f" max relative error {error:.1e}, above the {GRADIENT_TOLERANCE:.0e} a right gradient stays"
                    f" under (a right one gives about 1e-9 here; 1e-2 or more means a wrong formula)"
                    + _gradient_advice(g, n, name, activation, cost_name),
                    show(n),
                    show(g),
                )


def _gradient_advice(got: np.ndarray, expected: np.ndarray, name: str, activation: str, cost_name: str) -> str:
    """What a gradient that is off by a telling factor most likely gets wrong."""
    if np.allclose(got, SAMPLES * expected, rtol=1e-4, atol=1e-9):
        return (
            f": it is exactly {SAMPLES} times too large, the gradient of the summed cost Σ_x C_x, while C (and"
            " cross_entropy) is the mean over the batch: divide δ^L by n, the number of rows"
        )
    if name.startswith("db") and np.allclose(got * SAMPLES, expected, rtol=1e-4, atol=1e-9):
        return (
            f": it is {SAMPLES} times too small, δ averaged over the batch: δ^L already carries the 1/n of the"
            " mean cost, so sum δ over the rows, delta.sum(axis=0)"
        )
    if np.allclose(got, -expected, rtol=1e-4, atol=1e-9):
        return ": the sign is flipped: δ^L = (a^L - y) / n, not (y - a^L) / n"
    if cost_name == "quadratic":
        return ": with the quadratic cost and sigmoid outputs, δ^L = (a^L - y) * a^L * (1 - a^L) / n"
    if activation == "relu":
        return ": through a ReLU layer, δ^l = (δ^(l+1) @ W^(l+1).T) * (a^l > 0)"
    return (
        ": with softmax and cross-entropy, δ^L = (a^L - y) / n; then δ^l = (δ^(l+1) @ W^(l+1).T) * a^l * (1 - a^l),"
        " dW^l = a^(l-1).T @ δ^l and db^l = δ^l summed over the rows"
    )


# --------------------------------------------------------------------------- the mini-batch loop


def _sgd_one_batch(ctx: Context) -> None:
    params, X, Y = _network(ctx)
    lr = 0.5
    grads = ctx.reference.backward(params, ctx.reference.forward(params, X), Y)
    expected = [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, grads, strict=True)]
    cost_before = ctx.reference.cross_entropy(ctx.reference.forward(params, X)[-1], Y)
    given = [(W.copy(), b.copy()) for W, b in params]
    what = f"sgd_epoch(params, X, Y, lr={lr}, batch_size={SAMPLES}, rng=0) with one batch of all {SAMPLES} rows"
    reply = invoke(
        ctx, "sgd_epoch", given, X, Y, lr, SAMPLES, 0, return_args=True,
        reference_for=("softmax", "cross_entropy", "forward", "backward"),
    )
    after = _as_arrays(f"{what}: params afterwards", reply.args[0], params)
    if all(np.array_equal(W, W0) and np.array_equal(b, b0) for (W, b), (W0, b0) in zip(after, params, strict=True)):
        raise Failed(
            f"{what} left params unchanged: update them in place (W -= lr * dW, b -= lr * db), as the caller"
            " keeps using the same arrays",
            "params moved by -lr * gradient",
            "params unchanged",
        )
    step = ": one batch holding every row is one step of gradient descent, W ← W - lr * dW"
    uphill = ": it moved uphill: subtract lr * gradient, do not add it"
    for layer, ((W, b), (eW, eb), (W0, b0), (dW, db)) in enumerate(
        zip(after, expected, params, grads, strict=True), start=1
    ):
        expect_array(f"{what}: W{layer}", W, eW, advice=uphill if np.allclose(W, W0 + lr * dW) else step)
        expect_array(f"{what}: b{layer}", b, eb, advice=uphill if np.allclose(b, b0 + lr * db) else step)
    expect_number(
        f"{what}: the returned mean cost",
        reply.value,
        cost_before,
        advice=": return the mean of the batches' costs, each measured before its update",
    )


def _unshuffled(ctx: Context, params, X, Y, lr: float, batch_size: int) -> list:
    params = [(W.copy(), b.copy()) for W, b in params]
    for start in range(0, len(X), batch_size):
        Xb, Yb = X[start : start + batch_size], Y[start : start + batch_size]
        grads = ctx.reference.backward(params, ctx.reference.forward(params, Xb), Yb)
        params = [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, grads, strict=True)]
    return params


def _sgd_shuffles(ctx: Context) -> None:
    params, X, Y = _network(ctx)
    lr, batch_size = 0.5, 2
    runs = {}
    for key, seed in (("first", 1), ("again", 1), ("other", 2)):
        reply = invoke(
            ctx, "sgd_epoch", [(W.copy(), b.copy()) for W, b in params], X, Y, lr, batch_size, seed,
            return_args=True, reference_for=("softmax", "cross_entropy", "forward", "backward"),
        )
        runs[key] = _as_arrays("sgd_epoch: params afterwards", reply.args[0], params)

    def same(a, b) -> bool:
        pairs = [(x, y) for p, q in zip(a, b, strict=True) for x, y in zip(p, q, strict=True)]
        return all(np.allclose(x, y, rtol=1e-9, atol=1e-12) for x, y in pairs)

    what = f"sgd_epoch with batches of {batch_size} of {SAMPLES} rows"
    if same(runs["first"], _unshuffled(ctx, params, X, Y, lr, batch_size)):
        raise Failed(
            f"{what} went through the rows in their given order: shuffle them at the start of each epoch,"
            " X and Y alike (order = rng.permutation(len(X)); X, Y = X[order], Y[order]), or every epoch sees"
            " the same batches in the same order",
            "batches in a random order",
            "the rows in order",
        )
    if not same(runs["first"], runs["again"]):
        raise Failed(
            f"{what} gave different results for the same rng seed: draw the shuffle from the rng you are given"
            " (np.random.default_rng(rng) accepts a seed or a generator), not from np.random's global state",
            "the same params for the same seed",
            "different params",
        )
    if same(runs["first"], runs["other"]):
        raise Failed(
            f"{what} gave the same result for seeds 1 and 2: shuffle with the rng you are given",
            "a different order for a different seed",
            "the same params",
        )


# --------------------------------------------------------------------------- on the digits themselves


def _digits():
    from dlpath.exercises.datasets import load_digits

    return load_digits()


def _initial_cost(ctx: Context) -> None:
    split = _digits()
    X, Y = split.train.inputs[:INITIAL_COST_SAMPLES], ctx.reference.one_hot(split.train.labels[:INITIAL_COST_SAMPLES])
    params = ctx.reference.init_params((64, 32, 10), 0)
    activations = call(ctx, "forward", params, X)
    if not isinstance(activations, (list, tuple)) or not activations:
        raise Failed("forward should return the list of activations", "a list of 3 arrays", describe(activations))
    got = call(ctx, "cross_entropy", activations[-1], Y)
    if isinstance(got, bool) or not isinstance(got, (int, float, np.number)):
        raise Failed("cross_entropy should return a single number", "a number", describe(got))
    value = float(got)
    expected = math.log(10)
    if abs(value - expected) > 0.05 * expected:
        raise Failed(
            f"the cost of the untrained 64-32-10 network (init_params seed 0) on {INITIAL_COST_SAMPLES} training"
            f" digits is {value:.4g},"
            f" not close to ln 10 = {expected:.4f}: with small final weights every softmax output starts near"
            " 1/10, so C = -ln(1/10); check softmax, cross_entropy and forward's output layer",
            f"{expected:.4f} ± 5%",
            f"{value:.4g}",
        )


def _overfits(ctx: Context) -> None:
    split = _digits()
    chosen = np.concatenate([np.flatnonzero(split.train.labels == d)[:2] for d in range(10)])
    X, labels = split.train.inputs[chosen], split.train.labels[chosen]
    Y = ctx.reference.one_hot(labels)
    params = ctx.reference.init_params((64, 32, 10), 0)
    start = ctx.reference.cross_entropy(ctx.reference.forward(params, X)[-1], Y)
    for epoch in range(1, OVERFIT_EPOCHS + 1):
        reply = invoke(ctx, "sgd_epoch", params, X, Y, OVERFIT_LR, len(X), epoch, return_args=True)
        params = _as_arrays("sgd_epoch: params afterwards", reply.args[0], params)
        outputs = ctx.reference.forward(params, X)[-1]
        cost = ctx.reference.cross_entropy(outputs, Y)
        if ctx.reference.accuracy(outputs, labels) == 1.0 and cost <= 0.01 * start:
            return
        if not cost < 10 * start:  # diverging (or NaN): more epochs will not bring it back
            break
    raise Failed(
        f"your network did not learn 20 digits by heart: after {epoch} full-batch epochs of sgd_epoch"
        f" (lr = {OVERFIT_LR:g}) the cost went from {start:.3g} to {cost:.3g} with"
        f" {ctx.reference.accuracy(outputs, labels):.0%} right; a working network drives it below 1% of the start",
        "100% right and a cost below 1% of the start",
        f"{ctx.reference.accuracy(outputs, labels):.0%} right, cost {cost:.3g}",
    )


def _reaches_target(ctx: Context) -> None:
    split = _digits()
    # float32 halves what travels to the sandbox and back every epoch; the network learns the same
    X = split.train.inputs.astype(np.float32)
    Y = ctx.reference.one_hot(split.train.labels).astype(np.float32)
    X_test, labels_test = split.test.inputs, split.test.labels
    reached = []
    for seed in (0, 1):  # the defaults reach the target from 10 of 10 seeds; a different shuffle may fall short
        params = [
            (W.astype(np.float32), b.astype(np.float32))
            for W, b in ctx.reference.init_params((64, ctx.reference.DEFAULT_HIDDEN, 10), seed)
        ]
        for epoch in range(ctx.reference.DEFAULT_EPOCHS):
            reply = invoke(
                ctx, "sgd_epoch", params, X, Y, ctx.reference.DEFAULT_LR, ctx.reference.DEFAULT_BATCH_SIZE,
                seed * 1000 + epoch, return_args=True,
            )
            params = _as_arrays("sgd_epoch: params afterwards", reply.args[0], params)
        with np.errstate(all="ignore"):
            outputs = ctx.reference.forward([(W.astype(float), b.astype(float)) for W, b in params], X_test)[-1]
            accuracy = ctx.reference.accuracy(outputs, labels_test)
        if accuracy >= TARGET_ACCURACY:
            return
        reached.append(accuracy)
        if accuracy < RETRY_ABOVE:  # far below: not the luck of one shuffle, so another seed would not help
            break
    raise Failed(
        f"trained with your sgd_epoch ({ctx.reference.DEFAULT_EPOCHS} epochs, batch"
        f" {ctx.reference.DEFAULT_BATCH_SIZE}, lr {ctx.reference.DEFAULT_LR:g},"
        f" {'from seed 0' if len(reached) == 1 else 'from seeds 0 and 1'}), the network"
        f" reached {', '.join(f'{a:.1%}' for a in reached)} test accuracy, below {TARGET_ACCURACY:.0%}: the earlier"
        " checks say which function to look at",
        f"at least {TARGET_ACCURACY:.0%}",
        f"{max(reached):.1%}",
    )


DIGITS_CHECKS = (
    Check("softmax: values", _softmax_values),
    Check("softmax: large logits", _softmax_large),
    Check("cross_entropy: mean over the samples", _cross_entropy),
    Check("forward: activations", _forward),
    Check("backward: shapes", _backward_shapes),
    Check("backward: gradient check", _backward_gradient_check),
    Check("sgd_epoch: one batch is one gradient step", _sgd_one_batch),
    Check("sgd_epoch: shuffles with rng", _sgd_shuffles),
    Check("sanity: initial cost near ln 10", _initial_cost),
    Check("sanity: overfits 20 digits", _overfits),
    Check(f"digits: {TARGET_ACCURACY:.0%} test accuracy", _reaches_target),
)

SPEC = PracticeSpec(
    filename="digits.py",
    functions=("softmax", "cross_entropy", "forward", "backward", "sgd_epoch"),
    hints=(
        "Shapes as in backprop: W of a layer is (n_in, n_out), b is (n_out,), samples are the rows of X, and a"
        " layer computes f(a_prev @ W + b). Y holds one-hot rows: y_j = 1 for the true digit.",
        "softmax works row by row: E = np.exp(Z - Z.max(axis=1, keepdims=True)), then E / E.sum(axis=1,"
        " keepdims=True). Subtracting the row's max changes nothing mathematically and keeps e^z from overflowing.",
        "cross_entropy is the mean over the rows: -np.sum(Y * np.log(A)) / len(A). The gradients must be those of"
        " this mean, so the 1/n appears in backward too.",
        "forward: hidden layers use sigmoid (or relu: np.maximum(z, 0)); the output layer uses softmax for the"
        " cross-entropy cost and sigmoid for the quadratic one. Return [X, a1, ..., aL].",
        "backward, output layer: with softmax and cross-entropy, delta = (aL - Y) / n (the σ' factor cancels);"
        " with sigmoid and the quadratic cost, delta = (aL - Y) * aL * (1 - aL) / n.",
        "backward, going down: dW = a_prev.T @ delta, db = delta.sum(axis=0) (summed over the batch, never"
        " averaged again), then delta = (delta @ W.T) * a_prev * (1 - a_prev) for sigmoid, * (a_prev > 0) for relu.",
        "sgd_epoch: rng = np.random.default_rng(rng); order = rng.permutation(len(X)); shuffle X and Y with the"
        " same order; then for each slice of batch_size rows: forward, backward, W -= lr * dW, b -= lr * db"
        " (in place). Return the mean cost of the batches, weighted by their sizes.",
    ),
    checks=DIGITS_CHECKS,
    preamble=(
        "# Given: the sigmoid (dlpath's own, so this file stands alone), ReLU and the quadratic cost.",
        "from dlpath.exercises.sigmoid import sigmoid  # noqa: F401",
        "",
        "",
        "def relu(Z):",
        '    """max(0, z), elementwise."""',
        "    return np.maximum(Z, 0)",
        "",
        "",
        "def quadratic(A, Y):",
        '    """C = (1/2n) Σ_x ‖a − y‖²: half the mean over the n rows of the squared error."""',
        "    return 0.5 * float(np.sum((A - Y) ** 2)) / len(A)",
    ),
    try_it=(
        "rng = np.random.default_rng(0)",
        "X = rng.uniform(0, 1, (200, 64))",
        "Y = np.eye(10)[(X[:, :10].argmax(axis=1))]  # a made-up rule to learn",
        "params = [(rng.normal(0, 0.125, (64, 32)), np.zeros(32)), (rng.normal(0, 0.04, (32, 10)), np.zeros(10))]",
        "for epoch in range(20):",
        '    print("epoch", epoch + 1, "mean cost", round(sgd_epoch(params, X, Y, 1.0, 32, rng), 4))',
    ),
    shape_note="in this API W has shape (n_in, n_out), b has shape (n_out,), and samples are the rows of X",
)
