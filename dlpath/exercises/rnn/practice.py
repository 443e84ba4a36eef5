"""Practice for the RNN exercise: the learner writes min-char-rnn's step, forward pass, BPTT and clipping.

The checks run in the grader, the learner's code in the sandbox; ``dlpath.practice.checking`` has their helpers.
The cache the learner's ``rnn_forward`` returns goes, as it is, to their ``rnn_backward``. Besides comparing with
the reference, the checks recognise the classic slips of backpropagation through time by recomputing them:
gradients not accumulated across time steps, the gradient from later steps (dhnext) dropped, the hidden state
not carried between windows, and clipping applied before every step's share has been added.
"""

from __future__ import annotations

import numpy as np

from dlpath.practice.checking import Check, Context, Failed, call, describe, expect_array, expect_number
from dlpath.practice.codec import Opaque
from dlpath.practice.specs import PracticeSpec

NAMES = ("Wxh", "Whh", "Why", "bh", "by")
RELATIVE_ERROR_NOTE = "CS231n: a relative error below 1e-7 against finite differences is right, above 1e-2 wrong"
CLIP = 0.5  # small enough that clipping bites in these checks' windows


def _problem(ctx: Context, V: int = 5, H: int = 6, T: int = 8, scale: float = 0.8):
    """Reference-shaped parameters with sizeable weights, a window of inputs and targets, and a carried-in state."""
    params = {
        "Wxh": ctx.rng.normal(0, scale, (H, V)),
        "Whh": ctx.rng.normal(0, scale, (H, H)),
        "Why": ctx.rng.normal(0, scale, (V, H)),
        "bh": ctx.rng.normal(0, 0.3, H),
        "by": ctx.rng.normal(0, 0.3, V),
    }
    inputs = ctx.rng.integers(0, V, T)
    targets = ctx.rng.integers(0, V, T)
    h_prev = np.tanh(ctx.rng.normal(0, 1.0, H))
    return params, inputs, targets, h_prev


def _plain(value) -> bool:
    """True when ``value`` is made only of what travels between the learner's functions (no Opaque inside)."""
    if isinstance(value, Opaque):
        return False
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(_plain(v) for v in value.values())
    return True


def _forward(ctx: Context, params, inputs, targets, h_prev):
    got = call(ctx, "rnn_forward", params, inputs, targets, h_prev, reference_for=("rnn_step_forward",))
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise Failed("rnn_forward should return a pair (loss, cache)", "(loss, cache)", describe(got))
    loss, cache = got
    if not _plain(cache):
        raise Failed(
            "rnn_forward's cache holds something dlpath cannot pass to your rnn_backward: use arrays, numbers,"
            " lists, tuples or dicts with string keys (e.g. a tuple (xs, hs, ps) of arrays; min-char-rnn's dicts"
            " keyed by t can become arrays indexed by t)"
        )
    return loss, cache


def _bptt(params, inputs, targets, h_prev, *, accumulate=True, carry=True, clip_each_step=None):
    """BPTT written out step by step, optionally with a classic slip (to recognise it in the learner's result)."""
    Wxh, Whh, Why, bh, by = (params[n] for n in NAMES)
    V, T = Wxh.shape[1], len(inputs)
    hs = [h_prev]
    ps = []
    for t in range(T):
        x = np.zeros(V)
        x[inputs[t]] = 1.0
        hs.append(np.tanh(Wxh @ x + Whh @ hs[-1] + bh))
        y = Why @ hs[-1] + by
        e = np.exp(y - y.max())
        ps.append(e / e.sum())
    grads = {n: np.zeros_like(params[n]) for n in NAMES}
    dhnext = np.zeros_like(h_prev)
    for t in reversed(range(T)):
        dy = ps[t].copy()
        dy[targets[t]] -= 1.0
        dh = Why.T @ dy + (dhnext if carry else 0.0)
        dhraw = (1.0 - hs[t + 1] ** 2) * dh
        x = np.zeros(V)
        x[inputs[t]] = 1.0
        shares = {
            "Why": np.outer(dy, hs[t + 1]),
            "by": dy,
            "Wxh": np.outer(dhraw, x),
            "Whh": np.outer(dhraw, hs[t]),
            "bh": dhraw,
        }
        for n, share in shares.items():
            grads[n] = grads[n] + share if accumulate else share.copy()
            if clip_each_step is not None:
                grads[n] = np.clip(grads[n], -clip_each_step, clip_each_step)
        dhnext = Whh.T @ dhraw
    return grads


def _grads_dict(what: str, got) -> dict:
    if not isinstance(got, dict) or set(got) != set(NAMES):
        expected = "a dict with the keys " + ", ".join(NAMES)
        raise Failed(f"{what} should be a dict of gradients shaped like params", expected, describe(got))
    return got


def _step_forward(ctx: Context) -> None:
    for _ in range(3):
        params, inputs, _, h_prev = _problem(ctx)
        x = np.zeros(params["Wxh"].shape[1])
        x[inputs[0]] = 1.0
        args = (x, h_prev, params["Wxh"], params["Whh"], params["bh"])
        expect_array(
            "rnn_step_forward(x, h_prev, Wxh, Whh, bh)",
            call(ctx, "rnn_step_forward", *args),
            ctx.reference.rnn_step_forward(*args),
            advice=": h = tanh(Wxh @ x + Whh @ h_prev + bh)",
        )


def _forward_carries_state(ctx: Context) -> None:
    for _ in range(3):
        params, inputs, targets, h_prev = _problem(ctx)
        loss, _ = _forward(ctx, params, inputs, targets, h_prev)
        expected, _ = ctx.reference.rnn_forward(params, inputs, targets, h_prev)
        from_zeros, _ = ctx.reference.rnn_forward(params, inputs, targets, np.zeros_like(h_prev))
        if isinstance(loss, (int, float, np.floating)) and not np.isclose(loss, expected) and np.isclose(
            loss, from_zeros
        ):
            raise Failed(
                "rnn_forward starts from zeros instead of h_prev: the hidden state is not carried between windows"
                " (the text goes on, so the next window must start where the last one ended)",
                f"{expected:.8g}",
                f"{float(loss):.8g}",
            )
        expect_number(
            "rnn_forward's loss Σ_t −log p_t[target_t]",
            loss,
            expected,
            rtol=1e-6,
            advice=": p_t = softmax(Why @ h_t + by), natural log, summed over the window",
        )


def _backward(ctx: Context) -> None:
    for _ in range(3):
        params, inputs, targets, h_prev = _problem(ctx)
        loss, cache = _forward(ctx, params, inputs, targets, h_prev)
        right_loss, _ = ctx.reference.rnn_forward(params, inputs, targets, h_prev)
        if not isinstance(loss, (int, float, np.floating)) or not np.isclose(loss, right_loss):
            raise Failed("rnn_backward works on the cache of your rnn_forward, which is not right yet: fix it first")
        got = _grads_dict("rnn_backward's result", call(ctx, "rnn_backward", params, cache, targets))
        expected = _bptt(params, inputs, targets, h_prev)
        not_summed = _bptt(params, inputs, targets, h_prev, accumulate=False)
        no_dhnext = _bptt(params, inputs, targets, h_prev, carry=False)
        for name in ("Why", "by", "Whh", "Wxh", "bh"):
            g = got[name]
            if isinstance(g, np.ndarray) and g.shape == expected[name].shape and not np.allclose(g, expected[name]):
                if np.allclose(g, not_summed[name]):
                    raise Failed(
                        f"rnn_backward's d{name} holds only one time step's share: gradients are not accumulated"
                        f" across time steps. The same {name} serves every step, so add every step's share"
                        f" (d{name} += ...)"
                    )
                if np.allclose(g, no_dhnext[name]):
                    raise Failed(
                        f"rnn_backward's d{name} misses the gradient from later steps: dh at step t is the"
                        " output's share plus dhnext = Whh.T @ dhraw from step t + 1"
                    )
                size = np.maximum(np.abs(g) + np.abs(expected[name]), 1e-12)
                error = float(np.max(np.abs(g - expected[name]) / size))
                advice = f" (relative error {error:.1e}; {RELATIVE_ERROR_NOTE})"
                expect_array(f"rnn_backward's d{name}", g, expected[name], advice=advice)
            expect_array(f"rnn_backward's d{name}", g, expected[name])


def _clip(ctx: Context) -> None:
    grads = {n: ctx.rng.normal(0, 3.0, size=(4, 3)) for n in NAMES}
    original = {n: g.copy() for n, g in grads.items()}
    got = _grads_dict("clip_gradients' result", call(ctx, "clip_gradients", grads, 2.0))
    for n in NAMES:
        expect_array(
            f"clip_gradients(grads, 2.0)['{n}']",
            got[n],
            np.clip(original[n], -2.0, 2.0),
            advice=": every entry above 2 becomes 2, below −2 becomes −2, the rest unchanged (np.clip)",
        )


def _loss_fun(ctx: Context) -> None:
    for _ in range(3):
        params, inputs, targets, h_prev = _problem(ctx, scale=1.5)
        got = call(ctx, "loss_fun", params, inputs, targets, h_prev, CLIP)
        if not isinstance(got, (tuple, list)) or len(got) != 3:
            raise Failed("loss_fun should return (loss, grads, h_last)", "(loss, grads, h_last)", describe(got))
        loss, grads, h_last = got
        expected_loss, expected_grads, expected_h = ctx.reference.loss_fun(params, inputs, targets, h_prev, CLIP)
        expect_number("loss_fun's loss", loss, expected_loss, advice=": start the window from h_prev")
        grads = _grads_dict("loss_fun's gradients", grads)
        early = _bptt(params, inputs, targets, h_prev, clip_each_step=CLIP)
        for name in NAMES:
            g = grads[name]
            if isinstance(g, np.ndarray) and g.shape == expected_grads[name].shape:
                if not np.allclose(g, expected_grads[name]) and np.allclose(g, early[name]):
                    raise Failed(
                        f"loss_fun's d{name} was clipped before the gradients were complete: clip once, after"
                        " BPTT has added every time step's share (clipping a partial sum changes what the"
                        " later steps add to it)"
                    )
            expect_array(
                f"loss_fun's d{name} (clipped to ±{CLIP:g})",
                g,
                expected_grads[name],
                advice=": run BPTT over the whole window, then clip every gradient once",
            )
        if isinstance(h_last, np.ndarray) and h_last.shape == h_prev.shape and np.allclose(h_last, h_prev):
            raise Failed(
                "loss_fun returns h_prev as the last hidden state: return the state after the window's last step,"
                " so the next window carries on from it"
            )
        advice = ": return hs[-1], the state after step T"
        expect_array("loss_fun's last hidden state", h_last, expected_h, advice=advice)


SPEC = PracticeSpec(
    filename="rnn.py",
    functions=("rnn_step_forward", "log_softmax", "rnn_forward", "rnn_backward", "clip_gradients", "loss_fun"),
    hints=(
        "rnn_step_forward is one line: np.tanh(Wxh @ x + Whh @ h_prev + bh). In rnn_forward keep every state:"
        " hs[0] = h_prev (not zeros: the state is carried between windows), hs[t + 1] = rnn_step_forward(...).",
        "The loss of a window is Σ_t −log p_t[target_t] with p_t = softmax(Why @ h_t + by). Return (loss, cache)"
        " with cache = (xs, hs, ps), arrays indexed by t.",
        "rnn_backward walks t from T − 1 down to 0: dy = p_t − onehot(target_t); dWhy += outer(dy, h_t); dh ="
        " Why.T @ dy + dhnext; dhraw = (1 − h_t²) * dh; dWxh += outer(dhraw, x_t); dWhh += outer(dhraw, h_(t−1));"
        " dbh += dhraw; dhnext = Whh.T @ dhraw. Every += matters: the same weights serve every step.",
        "loss_fun = rnn_forward, then rnn_backward, then clip_gradients once, at the very end; return the last"
        " hidden state hs[-1] too, for the next window.",
    ),
    checks=(
        Check("rnn_step_forward: one step", _step_forward),
        Check("rnn_forward: loss, from the carried-in state", _forward_carries_state),
        Check("rnn_backward: BPTT gradients", _backward),
        Check("clip_gradients: bounds", _clip),
        Check("loss_fun: clipping after BPTT, state carried out", _loss_fun),
    ),
    try_it=(
        "rng = np.random.default_rng(0)",
        'params = {"Wxh": rng.normal(0, 0.1, (8, 4)), "Whh": rng.normal(0, 0.1, (8, 8)),',
        '          "Why": rng.normal(0, 0.1, (4, 8)), "bh": np.zeros(8), "by": np.zeros(4)}',
        "loss, grads, h = loss_fun(params, np.array([0, 1, 2]), np.array([1, 2, 3]), np.zeros(8))",
        'print("loss", loss, "ln 4 * 3 =", 3 * np.log(4))',
    ),
    shape_note="x is (V,), h (H,), Wxh (H, V), Whh (H, H), Why (V, H)",
)
