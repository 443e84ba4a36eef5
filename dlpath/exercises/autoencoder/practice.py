"""Practice for the autoencoder exercise: the learner writes the masking noise, the encoder and decoder, their
gradients and the mini-batch loop; the checks, run in the grader, test each against the maths and the learner's
autoencoder on the digits against the mean-image baseline.

The learner's code runs in the sandbox; ``dlpath.practice.checking`` has the helpers the checks use.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dlpath.practice.checking import Check, Context, Failed, call, describe, expect_array, expect_number, invoke, show
from dlpath.practice.gradcheck import scaled_relative_error
from dlpath.practice.specs import PracticeSpec

GRADIENT_TOLERANCE = 1e-5
SAMPLES = 5
BASELINE_FRACTION = 1 / 3
RETRY_BELOW = 0.5  # a run this close to the target is tried from a second seed before failing

_TIED = "the decoder uses the encoder's weights transposed: z = sigmoid(h @ W.T + b_prime)"


def _case(ctx: Context, n_visible: int = 6, n_hidden: int = 4):
    """Reference parameters (non-zero biases), a clean batch X in [0, 1] and a corrupted copy."""
    W, b, b_prime = ctx.reference.init_params(n_visible, n_hidden, int(ctx.rng.integers(1_000_000)))
    params = (W, ctx.rng.normal(0, 0.5, b.shape), ctx.rng.normal(0, 0.5, b_prime.shape))
    X = ctx.rng.uniform(0.0, 1.0, size=(SAMPLES, n_visible))
    return params, X, ctx.reference.corrupt(X, 0.3, ctx.rng)


def _triple(what: str, got: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not isinstance(got, (list, tuple)) or len(got) != 3:
        raise Failed(f"{what} should be three arrays", "(W, b, b_prime)", describe(got))
    try:
        return tuple(np.asarray(p, dtype=float) for p in got)  # type: ignore[return-value]
    except (TypeError, ValueError):
        raise Failed(f"{what} should hold NumPy arrays", "(W, b, b_prime)", describe(got)) from None


def _corrupt(ctx: Context) -> None:
    X = np.full((100, 64), 0.5)
    reply = invoke(ctx, "corrupt", X, 0.25, 3, return_args=True)
    got = reply.value
    what = "corrupt(X, noise=0.25, rng=3) on 100 images of 64 pixels, all 0.5"
    if not isinstance(got, np.ndarray) or got.shape != X.shape:
        raise Failed(f"{what} should return an array of X's shape", f"shape {X.shape}", describe(got))
    if not np.array_equal(reply.args[0], X):
        raise Failed(f"{what} changed X itself: return a corrupted copy", "X unchanged", "X modified")
    values = set(np.unique(got).tolist())
    if not values <= {0.0, 0.5}:
        raise Failed(
            f"{what} should only set pixels to 0 (masking noise), leaving the others as they are",
            "values 0 and 0.5 only",
            show(np.unique(got)),
        )
    zeroed = float(np.mean(got == 0))
    if not 0.22 <= zeroed <= 0.28:
        advice = ": keep a pixel where rng.random() >= noise, zero it otherwise"
        if 0.72 <= zeroed <= 0.78:
            advice = ": it zeroes the pixels it should keep: zero a pixel with probability noise, not 1 - noise"
        raise Failed(f"{what} zeroed {zeroed:.1%} of the pixels{advice}", "about 25%", f"{zeroed:.1%}")
    again = call(ctx, "corrupt", X, 0.25, 3)
    if not (isinstance(again, np.ndarray) and np.array_equal(again, got)):
        raise Failed(
            f"{what} zeroed different pixels for the same seed: draw them from np.random.default_rng(rng)",
            "the same mask for the same seed",
            "a different mask",
        )


def _encode_decode(ctx: Context) -> None:
    params, X, X_tilde = _case(ctx)
    H = ctx.reference.encode(params, X_tilde)
    expect_array(
        "encode(params, X_tilde) for 6 visible and 4 hidden units",
        call(ctx, "encode", params, X_tilde),
        H,
        advice=": the code is h = sigmoid(x_tilde @ W + b)",
    )
    expect_array(
        "decode(params, H)",
        call(ctx, "decode", params, H),
        ctx.reference.decode(params, H),
        advice=": " + _TIED,
    )


def numerical_gradients(reference, params, X_tilde, X, h: float = 1e-6) -> list[np.ndarray]:
    """Central differences of the reference's mean reconstruction cost for W, b and b′."""
    result = []
    for p in params:
        grad = np.zeros_like(p)
        for index in np.ndindex(p.shape):
            saved = p[index]
            costs = []
            for step in (h, -h):
                p[index] = saved + step
                Z = reference.decode(params, reference.encode(params, X_tilde))
                costs.append(reference.reconstruction_cost(Z, X))
            p[index] = saved
            grad[index] = (costs[0] - costs[1]) / (2 * h)
        result.append(grad)
    return result



def _backward(ctx: Context) -> None:
    params, X, X_tilde = _case(ctx)
    H = ctx.reference.encode(params, X_tilde)
    Z = ctx.reference.decode(params, H)
    numeric = numerical_gradients(ctx.reference, params, X_tilde, X)
    got = _triple("backward(params, X_tilde, H, Z, X)", call(ctx, "backward", params, X_tilde, H, Z, X))
    delta_z = (Z - X) / len(X)
    encoder_only = X_tilde.T @ ((delta_z @ params[0]) * H * (1 - H))
    for name, g, n in zip(("dW", "db", "db_prime"), got, numeric, strict=True):
        if g.shape != n.shape:
            raise Failed(
                f"backward: {name} should have the shape of its parameter", f"shape {n.shape}", f"shape {g.shape}"
            )
        error = scaled_relative_error(g, n)
        if error < GRADIENT_TOLERANCE:
            continue
        advice = (
            ": with δz = (z - x) / n and δh = (δz @ W) * h * (1 - h): dW = x_tilde.T @ δh + δz.T @ h,"
            " db = δh summed over the rows, db_prime = δz summed over the rows"
        )
        if name == "dW" and np.allclose(g, encoder_only, rtol=1e-6, atol=1e-10):
            advice = (
                ": it holds only the encoder's part x_tilde.T @ δh; W is also the decoder's weight (transposed),"
                " so add the decoder's part δz.T @ h"
            )
        elif np.allclose(g, SAMPLES * n, rtol=1e-4, atol=1e-9):
            advice = (
                f": it is {SAMPLES} times too large, the gradient of the summed cost, while the cost is the mean"
                " over the batch: divide δz by n"
            )
        raise Failed(
            f"backward: {name} against central finite differences of the mean reconstruction cost: max relative"
            f" error {error:.1e}, above the {GRADIENT_TOLERANCE:.0e} a right gradient stays under (a right one"
            f" gives about 1e-9 here; 1e-2 or more means a wrong formula){advice}",
            show(n),
            show(g),
        )


def _sgd_one_batch(ctx: Context) -> None:
    params, X, _ = _case(ctx)
    lr = 0.5
    H = ctx.reference.encode(params, X)
    Z = ctx.reference.decode(params, H)
    grads = ctx.reference.backward(params, X, H, Z, X)
    expected = [p - lr * g for p, g in zip(params, grads, strict=True)]
    what = f"sgd_epoch(params, X, lr={lr}, batch_size={SAMPLES}, noise=0, rng=0) with one batch of all {SAMPLES} rows"
    given = tuple(p.copy() for p in params)
    reply = invoke(
        ctx, "sgd_epoch", given, X, lr, SAMPLES, 0.0, 0, return_args=True,
        reference_for=("encode", "decode", "backward"),  # not corrupt: the rng it gets cannot travel
    )
    after = _triple(f"{what}: params afterwards", reply.args[0])
    if all(np.array_equal(a, p) for a, p in zip(after, params, strict=True)):
        raise Failed(
            f"{what} left params unchanged: update W, b and b_prime in place (W -= lr * dW, ...)",
            "params moved by -lr * gradient",
            "params unchanged",
        )
    advice = ": without noise, one batch of every row is one gradient step, W ← W - lr * dW"
    if all(np.allclose(a, p + lr * g) for a, p, g in zip(after, params, grads, strict=True)):
        advice = ": the parameters moved uphill: subtract lr * gradient, do not add it"
    for name, a, e in zip(("W", "b", "b_prime"), after, expected, strict=True):
        expect_array(f"{what}: {name}", a, e, advice=advice)
    expect_number(
        f"{what}: the returned mean cost",
        reply.value,
        ctx.reference.reconstruction_cost(Z, X),
        advice=": return the mean of the batches' reconstruction costs, each measured before its update",
    )


def _reaches_target(ctx: Context) -> None:
    from dlpath.exercises.datasets import load_digits

    split = load_digits()
    X = split.train.inputs.astype(np.float32)  # half the bytes to the sandbox and back; it learns the same
    X_test = split.test.inputs
    ref = ctx.reference
    baseline = ref.mean_image_error(split.train.inputs, X_test)
    X_test_tilde = ref.corrupt(X_test, ref.DEFAULT_NOISE, np.random.default_rng([0, 1]))
    fractions = []
    for seed in (0, 1):
        params = tuple(p.astype(np.float32) for p in ref.init_params(ref.N_VISIBLE, ref.DEFAULT_HIDDEN, seed))
        for epoch in range(ref.DEFAULT_EPOCHS):
            reply = invoke(
                ctx, "sgd_epoch", params, X, ref.DEFAULT_LR, ref.DEFAULT_BATCH_SIZE, ref.DEFAULT_NOISE,
                seed * 1000 + epoch, return_args=True,
            )
            params = tuple(np.asarray(p, dtype=np.float32) for p in _triple("sgd_epoch: params", reply.args[0]))
        trained = tuple(p.astype(float) for p in params)
        with np.errstate(all="ignore"):
            error = ref.squared_error(ref.decode(trained, ref.encode(trained, X_test_tilde)), X_test)
        if error <= BASELINE_FRACTION * baseline:
            return
        fractions.append(error / baseline)
        if not error <= RETRY_BELOW * baseline:  # far off: not the luck of one run, another seed would not help
            break
    raise Failed(
        f"trained with your sgd_epoch ({ref.DEFAULT_EPOCHS} epochs, {ref.DEFAULT_HIDDEN} hidden units, noise"
        f" {ref.DEFAULT_NOISE:g}, lr {ref.DEFAULT_LR:g},"
        f" {'from seed 0' if len(fractions) == 1 else 'from seeds 0 and 1'}), the test reconstruction error was"
        f" {', '.join(f'{f:.2f}' for f in fractions)} of the mean image's, above a third: the earlier checks say"
        " which function to look at",
        "at most 0.33 of the baseline",
        f"{min(fractions):.2f}",
    )


AUTOENCODER_CHECKS = (
    Check("corrupt: masking noise", _corrupt),
    Check("encode and decode: values", _encode_decode),
    Check("backward: gradient check", _backward),
    Check("sgd_epoch: one batch is one gradient step", _sgd_one_batch),
    Check("digits: a third of the mean image's error", _reaches_target),
)

SPEC = PracticeSpec(
    filename="autoencoder.py",
    functions=("corrupt", "encode", "decode", "backward", "sgd_epoch"),
    hints=(
        "params is the tuple (W, b, b_prime): W of shape (64, H), b of shape (H,), b_prime of shape (64,). Samples"
        " are the rows of X, pixels in [0, 1].",
        "corrupt: mask = np.random.default_rng(rng).random(X.shape) >= noise, then return X * mask (a new array:"
        " never change X itself).",
        "encode: h = sigmoid(X_tilde @ W + b). decode uses the same W, transposed: z = sigmoid(H @ W.T + b_prime).",
        "backward: delta_z = (Z - X) / n (the cross-entropy with sigmoid outputs cancels σ'), then"
        " delta_h = (delta_z @ W) * H * (1 - H).",
        "W is used twice, by the encoder and (transposed) by the decoder, so its gradient has two parts:"
        " dW = X_tilde.T @ delta_h + delta_z.T @ H. db = delta_h.sum(axis=0), db_prime = delta_z.sum(axis=0).",
        "sgd_epoch: rng = np.random.default_rng(rng); shuffle the rows; for each batch corrupt it afresh, encode,"
        " decode, backward, then W -= lr * dW (and b, b_prime) in place. Return the mean cost of the batches.",
    ),
    checks=AUTOENCODER_CHECKS,
    preamble=(
        "# Given: the sigmoid (dlpath's own, so this file stands alone) and the reconstruction cost.",
        "from dlpath.exercises.sigmoid import sigmoid  # noqa: F401",
        "",
        "",
        "def reconstruction_cost(Z, X):",
        '    """L = −(1/n) Σ_x Σ_i [x_i ln z_i + (1 − x_i) ln(1 − z_i)], the mean over the n rows."""',
        "    Z = np.clip(Z, 1e-12, 1 - 1e-12)",
        "    return -float(np.sum(X * np.log(Z) + (1 - X) * np.log(1 - Z))) / len(X)",
    ),
    try_it=(
        "rng = np.random.default_rng(0)",
        "X = (rng.random((300, 64)) < 0.3).astype(float)",
        "params = (rng.uniform(-0.5, 0.5, (64, 16)), np.zeros(16), np.zeros(64))",
        "for epoch in range(10):",
        '    print("epoch", epoch + 1, "mean cost", round(sgd_epoch(params, X, 0.5, 20, 0.25, rng), 3))',
    ),
    shape_note="in this API W has shape (64, H), b has shape (H,), b_prime (64,), and samples are the rows of X",
)
