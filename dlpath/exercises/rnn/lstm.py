"""The same character model with an LSTM cell, gates named as in Olah's "Understanding LSTM Networks".

z_t = [h_(t−1), x_t] is the previous hidden state stacked on the one-hot input, shape (H + V,).

    f_t  = σ(Wf z_t + bf)            forget gate: how much of the old cell state to keep
    i_t  = σ(Wi z_t + bi)            input gate: how much of the candidate to write
    C̃_t  = tanh(WC z_t + bC)         candidate values
    C_t  = f_t ⊙ C_(t−1) + i_t ⊙ C̃_t  the cell state
    o_t  = σ(Wo z_t + bo)            output gate
    h_t  = o_t ⊙ tanh(C_t)           the hidden state
    y_t  = Why h_t + by, p_t = softmax(y_t), L = Σ_t −log p_t[target_t]

Parameters: ``Wf``, ``Wi``, ``WC``, ``Wo`` (H, H + V); ``bf``, ``bi``, ``bC``, ``bo`` (H,); ``Why`` (V, H),
``by`` (V,). The cell state's own path back in time is C_(t−1) = ... f_t ⊙ ...: a product of forget
gates rather than of matrices and tanh slopes, which is why gradients survive longer than in a vanilla RNN.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from dlpath.exercises.rnn.maths import log_softmax

GATES = ("f", "i", "C", "o")
PARAM_NAMES = ("Wf", "Wi", "WC", "Wo", "bf", "bi", "bC", "bo", "Why", "by")


def sigmoid(x):
    """σ(x) = 1 / (1 + e^(−x)), written through tanh so that it never overflows: ½(1 + tanh(x/2))."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def init_lstm(vocab_size: int, hidden_size: int, seed: int = 0, scale: float = 0.01, forget_bias: float = 1.0):
    """Starting parameters: weights normal with standard deviation ``scale``, biases zero except bf = ``forget_bias``.

    A forget bias of 1 (Jozefowicz et al., 2015) starts the cell remembering rather than forgetting.
    """
    rng = np.random.default_rng(seed)
    V, H = vocab_size, hidden_size
    params = {f"W{g}": rng.standard_normal((H, H + V)) * scale for g in GATES}
    params |= {f"b{g}": np.zeros(H) for g in GATES}
    params["bf"] += forget_bias
    params["Why"] = rng.standard_normal((V, H)) * scale
    params["by"] = np.zeros(V)
    return params


class LSTMStep(NamedTuple):
    """What one step computed, kept for its backward pass: the input z and every gate, (H + V,) and (H,)."""

    z: np.ndarray
    f: np.ndarray
    i: np.ndarray
    C_tilde: np.ndarray
    o: np.ndarray
    C_prev: np.ndarray
    C: np.ndarray
    tanh_C: np.ndarray


def lstm_step_forward(x, h_prev, C_prev, params):
    """One LSTM step: (h (H,), C (H,), LSTMStep) from x (V,), h_prev (H,) and C_prev (H,)."""
    z = np.concatenate((h_prev, x))
    f = sigmoid(np.dot(params["Wf"], z) + params["bf"])
    i = sigmoid(np.dot(params["Wi"], z) + params["bi"])
    C_tilde = np.tanh(np.dot(params["WC"], z) + params["bC"])
    C = f * C_prev + i * C_tilde
    o = sigmoid(np.dot(params["Wo"], z) + params["bo"])
    tanh_C = np.tanh(C)
    return o * tanh_C, C, LSTMStep(z, f, i, C_tilde, o, C_prev, C, tanh_C)


def lstm_step_backward(dh, dC, step: LSTMStep, params, grads):
    """One step backwards: (dh_prev (H,), dC_prev (H,)) from dh and dC reaching h_t and C_t; adds to ``grads``.

    Through h_t = o ⊙ tanh(C): do = dh ⊙ tanh(C), and dC gains dh ⊙ o ⊙ (1 − tanh²C). Through
    C = f ⊙ C_prev + i ⊙ C̃: df = dC ⊙ C_prev, di = dC ⊙ C̃, dC̃ = dC ⊙ i, dC_prev = dC ⊙ f. Each gate's
    pre-activation gradient da (through σ' = s(1 − s) or tanh' = 1 − t²) gives dW += da zᵀ, db += da,
    and dz = Σ_gates Wᵀ da, whose first H entries are dh_prev.
    """
    H = dh.shape[0]
    dC_prev, pre = _gate_gradients(dh, dC, step)
    dz = np.zeros_like(step.z)
    for g, da in zip(GATES, pre, strict=True):
        grads[f"W{g}"] += np.outer(da, step.z)
        grads[f"b{g}"] += da
        dz += np.dot(params[f"W{g}"].T, da)
    return dz[:H], dC_prev


def _gate_gradients(dh, dC, step: LSTMStep):
    """(dC_prev, [da_f, da_i, da_C, da_o]): the gates' pre-activation gradients, as in ``lstm_step_backward``."""
    do = dh * step.tanh_C
    dC = dC + dh * step.o * (1.0 - step.tanh_C * step.tanh_C)
    pre = (
        dC * step.C_prev * step.f * (1.0 - step.f),
        dC * step.C_tilde * step.i * (1.0 - step.i),
        dC * step.i * (1.0 - step.C_tilde * step.C_tilde),
        do * step.o * (1.0 - step.o),
    )
    return dC * step.f, pre


def lstm_forward(params, inputs, targets, h_prev, C_prev):
    """The forward pass over a window: (loss in nats, cache); inputs, targets (T,) indices, h_prev and C_prev (H,).

    The cache holds the steps, hs (T + 1, H) with hs[0] = h_prev, the final cell state and ps (T, V):
    carry ``hs[-1]`` and the cell state into the next window (``lstm_state(cache)``).
    """
    V = params["Why"].shape[0]
    T = len(inputs)
    hs = np.empty((T + 1, len(h_prev)))
    hs[0] = h_prev
    C = C_prev
    steps = []
    for t in range(T):
        x = np.zeros(V)
        x[inputs[t]] = 1.0
        hs[t + 1], C, step = lstm_step_forward(x, hs[t], C, params)
        steps.append(step)
    log_ps = log_softmax(np.dot(hs[1:], params["Why"].T) + params["by"])
    loss = -float(log_ps[np.arange(T), targets].sum())
    return loss, (steps, hs, C, np.exp(log_ps))


def lstm_state(cache):
    """(h, C) at the end of the window of ``cache``: the state to start the next window from."""
    return cache[1][-1], cache[2]


def lstm_backward(params, cache, targets):
    """Backpropagation through time for the LSTM: the gradients, a dict shaped like ``params``.

    The same computation as calling ``lstm_step_backward`` from the last step to the first, arranged
    for speed: each step only finds its gates' pre-activation gradients and passes dh and dC back;
    the shared weights' gradients, Σ_t da_t z_tᵀ for each gate, are then one matrix product each.
    """
    steps, hs, _, ps = cache
    T = len(targets)
    H = hs.shape[1]
    dy = ps.copy()
    dy[np.arange(T), targets] -= 1.0
    grads = {"Why": np.dot(dy.T, hs[1:]), "by": dy.sum(axis=0)}
    dh_from_output = np.dot(dy, params["Why"])
    W_stacked_T = np.concatenate([params[f"W{g}"] for g in GATES]).T  # (H + V, 4H): dz = W_stackedᵀ [da_f; ...]
    da = np.empty((T, 4 * H))
    dhnext = np.zeros(H)
    dCnext = np.zeros(H)
    for t in reversed(range(T)):
        dCnext, pre = _gate_gradients(dh_from_output[t] + dhnext, dCnext, steps[t])
        da[t] = np.concatenate(pre)
        dhnext = np.dot(W_stacked_T[:H], da[t])
    Z = np.array([step.z for step in steps])  # (T, H + V)
    for k, g in enumerate(GATES):
        grads[f"W{g}"] = np.dot(da[:, k * H : (k + 1) * H].T, Z)
        grads[f"b{g}"] = da[:, k * H : (k + 1) * H].sum(axis=0)
    return grads


def lstm_sample(params, h, C, seed_ix: int, n: int, rng):
    """``n`` character indices drawn from the LSTM one at a time from state (h, C) after ``seed_ix``; see ``sample``."""
    V = params["Why"].shape[0]
    ix = seed_ix
    indices = []
    for _ in range(n):
        x = np.zeros(V)
        x[ix] = 1.0
        h, C, _ = lstm_step_forward(x, h, C, params)
        p = np.exp(log_softmax(np.dot(params["Why"], h) + params["by"]))
        ix = int(rng.choice(V, p=p))
        indices.append(ix)
    return indices
