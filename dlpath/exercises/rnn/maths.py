"""A character-level vanilla RNN in the style of Karpathy's min-char-rnn: forward, backpropagation through time.

Notation as in min-char-rnn. V is the vocabulary size (distinct characters), H the hidden size, T the
window length. Characters are integers in [0, V); x_t is the one-hot vector of the t-th input (V,).
The parameters are a dict: ``Wxh`` (H, V), ``Whh`` (H, H), ``Why`` (V, H), ``bh`` (H,), ``by`` (V,).

    h_t = tanh(Wxh x_t + Whh h_(t−1) + bh)        the hidden state, carried from step to step
    y_t = Why h_t + by                             scores for the next character
    p_t = softmax(y_t)                             its probabilities
    L   = Σ_t −log p_t[target_t]                   the loss of a window, in nats (natural log)

Backpropagation through time (BPTT) runs the window backwards: the gradient reaching h_t comes from
its own output and from h_(t+1) (``dhnext``), and since the same Whh, Wxh and bh serve at every step,
their gradients are the sums of every step's share.
"""

from __future__ import annotations

import numpy as np

PARAM_NAMES = ("Wxh", "Whh", "Why", "bh", "by")


def init_rnn(vocab_size: int, hidden_size: int, seed: int = 0, scale: float = 0.01):
    """Starting parameters as in min-char-rnn: weights normal with standard deviation ``scale``, biases zero."""
    rng = np.random.default_rng(seed)
    V, H = vocab_size, hidden_size
    return {
        "Wxh": rng.standard_normal((H, V)) * scale,
        "Whh": rng.standard_normal((H, H)) * scale,
        "Why": rng.standard_normal((V, H)) * scale,
        "bh": np.zeros(H),
        "by": np.zeros(V),
    }


def one_hot(ix: int, size: int):
    """The vector (size,) with a 1 at ``ix`` and 0 elsewhere: how a character enters the network."""
    x = np.zeros(size)
    x[ix] = 1.0
    return x


def rnn_step_forward(x, h_prev, Wxh, Whh, bh):
    """One time step: h_t = tanh(Wxh x_t + Whh h_(t−1) + bh); x (V,), h_prev (H,) -> h (H,)."""
    return np.tanh(np.dot(Wxh, x) + np.dot(Whh, h_prev) + bh)


def log_softmax(scores):
    """log p for scores (..., V) along the last axis, computed stably (the max subtracted first)."""
    shifted = scores - scores.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def rnn_forward(params, inputs, targets, h_prev):
    """The forward pass over a window: (loss in nats, cache for ``rnn_backward``).

    inputs, targets: (T,) character indices, target_t = the character after input_t; h_prev (H,) is
    the hidden state the window starts from. The cache holds xs (T, V), hs (T + 1, H) with hs[0] =
    h_prev (so ``hs[-1]`` is the state to carry into the next window) and ps (T, V).
    """
    Wxh, Whh, bh = params["Wxh"], params["Whh"], params["bh"]
    V = Wxh.shape[1]
    T = len(inputs)
    xs = np.zeros((T, V))
    xs[np.arange(T), inputs] = 1.0
    hs = np.empty((T + 1, len(h_prev)))
    hs[0] = h_prev
    for t in range(T):
        hs[t + 1] = rnn_step_forward(xs[t], hs[t], Wxh, Whh, bh)
    # the outputs do not feed back into the recurrence, so all T of them are one matrix product
    log_ps = log_softmax(np.dot(hs[1:], params["Why"].T) + params["by"])
    loss = -float(log_ps[np.arange(T), targets].sum())
    return loss, (xs, hs, np.exp(log_ps))


def rnn_backward(params, cache, targets):
    """Backpropagation through time over the window of ``cache``: the gradients, a dict shaped like ``params``.

    Walking back from t = T − 1 to 0: dh = (from the output at t) + dhnext (from step t + 1);
    dhraw_t = (1 − h_t²) ⊙ dh (through tanh); dhnext = Whhᵀ dhraw_t goes on to step t − 1. The
    shared weights get every step's share added up: dWhh = Σ_t dhraw_t h_(t−1)ᵀ, dWxh = Σ_t dhraw_t x_tᵀ,
    dbh = Σ_t dhraw_t, each sum written as one matrix product over the rows dhraw_t.
    """
    xs, hs, ps = cache
    Whh = params["Whh"]
    T = len(targets)
    dy = ps.copy()
    dy[np.arange(T), targets] -= 1.0  # ∂L/∂y_t = p_t − onehot(target_t)
    dh_from_output = np.dot(dy, params["Why"])  # (T, H): ∂L/∂h_t through y_t, for every t
    tanh_slope = 1.0 - hs[1:] * hs[1:]  # (T, H): tanh'(a_t) = 1 − h_t²
    dhraw = np.empty_like(tanh_slope)
    dhnext = np.zeros(hs.shape[1])
    for t in reversed(range(T)):
        dhraw[t] = tanh_slope[t] * (dh_from_output[t] + dhnext)
        dhnext = np.dot(Whh.T, dhraw[t])
    return {
        "Wxh": np.dot(dhraw.T, xs),
        "Whh": np.dot(dhraw.T, hs[:-1]),
        "Why": np.dot(dy.T, hs[1:]),  # Σ_t dy_t h_tᵀ
        "bh": dhraw.sum(axis=0),
        "by": dy.sum(axis=0),
    }


def clip_gradients(grads, limit: float = 5.0):
    """Clip every entry of every gradient to [−limit, limit] in place, as min-char-rnn does; returns ``grads``.

    Call it once the gradients of the whole window are complete: clipping a partial sum changes what
    the later steps add to it.
    """
    for g in grads.values():
        np.clip(g, -limit, limit, out=g)
    return grads


def loss_fun(params, inputs, targets, h_prev, clip: float = 5.0):
    """min-char-rnn's lossFun: (loss, gradients, the last hidden state (H,)) of one window, gradients clipped.

    The forward pass starts from h_prev, the state the previous window ended in (carry it: the text
    goes on); the gradients are clipped to ±clip only once BPTT has added up every step's share.
    """
    loss, cache = rnn_forward(params, inputs, targets, h_prev)
    grads = clip_gradients(rnn_backward(params, cache, targets), clip)
    return loss, grads, cache[1][-1]


def gradient_norm(grads) -> float:
    """The Euclidean norm of all gradients together, √(Σ g²)."""
    return float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads.values())))


def adagrad_update(params, grads, memory, lr: float) -> None:
    """One Adagrad step in place: memory += g², θ −= lr · g / √(memory + 1e-8), for every parameter.

    Each weight's step shrinks as its squared gradients add up, so rarely updated weights (those of
    rare characters) keep larger steps. ``memory`` starts as zeros shaped like ``params``.
    """
    for name, p in params.items():
        g, m = grads[name], memory[name]
        m += g * g
        p -= lr * g / np.sqrt(m + 1e-8)


def sample(params, h, seed_ix: int, n: int, rng):
    """``n`` character indices drawn from the model one at a time, starting from state h (H,) after ``seed_ix``.

    Each drawn character is fed back as the next input. ``rng`` is a ``numpy.random.Generator``: the
    same seed gives the same text.
    """
    Wxh, Whh, bh, Why, by = (params[k] for k in ("Wxh", "Whh", "bh", "Why", "by"))
    V = Wxh.shape[1]
    x = one_hot(seed_ix, V)
    indices = []
    for _ in range(n):
        h = rnn_step_forward(x, h, Wxh, Whh, bh)
        p = np.exp(log_softmax(np.dot(Why, h) + by))
        ix = int(rng.choice(V, p=p))
        x = one_hot(ix, V)
        indices.append(ix)
    return indices
