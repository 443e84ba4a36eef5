"""Vanishing and exploding gradients, measured: how much of the loss's gradient reaches each earlier time step.

A random network reads a random sequence of T characters; only the prediction at the last step is
scored. Backpropagation through time then carries ∂L/∂h_t back one step at a time, and its norm
‖∂L/∂h_t‖ shows how much the last step's error can still say about step t. In a vanilla RNN each step
back multiplies by Whhᵀ diag(1 − h_t²): with small recurrent weights the norm shrinks geometrically
(vanishing: early steps learn nothing), with large ones it grows geometrically (exploding: one
update can wreck the weights). Clipping bounds the update in the exploding case but cannot bring
back a vanished signal. An LSTM's cell state is carried back through the forget gates instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlpath.exercises.rnn import lstm
from dlpath.exercises.rnn import maths as rnn

SMALL_SCALE = 0.5  # spectral radius of Whh for the vanishing case
LARGE_SCALE = 3.0  # ... and for the exploding one
STEPS = 40
HIDDEN = 50
VOCAB = 20
CLIP = 5.0
SETUP = (
    f"A random network with {HIDDEN} hidden units reads {STEPS} random characters of {VOCAB}; only the last step's"
    " prediction is scored, and backpropagation carries ∂L/∂h_t back through every step. Vanilla RNNs with Whh of"
    f" spectral radius {SMALL_SCALE:g} and {LARGE_SCALE:g}, and an LSTM, on the same sequence."
)


@dataclass(frozen=True, slots=True)
class Flow:
    """One case: ‖∂L/∂h_t‖ for t = T − 1 down to 0, and the recurrent weights' gradient norm, unclipped and clipped."""

    label: str
    norms: tuple[float, ...]  # norms[k] is k steps back from the last
    recurrent_gradient: float  # ‖∂L/∂Whh‖ (vanilla) or ‖∂L/∂[Wf, Wi, WC, Wo]‖ (LSTM), unclipped
    clipped_gradient: float  # the same after clip_gradients(limit=CLIP)

    @property
    def reach(self) -> float:
        """‖∂L/∂h‖ at the first step over that at the last: how much of the signal survives the whole sequence."""
        return self.norms[-1] / self.norms[0] if self.norms[0] else 0.0


def orthogonal(size: int, rng):
    """A random orthogonal matrix (size, size): every singular value 1, so ``scale`` · it has spectral radius scale."""
    q, r = np.linalg.qr(rng.standard_normal((size, size)))
    return q * np.sign(np.diag(r))


def _last_step_output_gradient(ps, inputs):
    """∂L/∂y at the last step when only its prediction (of the first character, to close the loop) is scored."""
    dy = ps[-1].copy()
    dy[inputs[0]] -= 1.0
    return dy


def vanilla_flow(scale: float, steps: int = STEPS, hidden: int = HIDDEN, vocab: int = VOCAB, seed: int = 0) -> Flow:
    """The gradient's journey back through a vanilla RNN whose Whh is ``scale`` times a random orthogonal matrix."""
    rng = np.random.default_rng(seed)
    params = rnn.init_rnn(vocab, hidden, seed, scale=0.1)
    params["Whh"] = scale * orthogonal(hidden, rng)
    inputs = rng.integers(0, vocab, steps)
    _, (xs, hs, ps) = rnn.rnn_forward(params, inputs, inputs, np.zeros(hidden))
    dh = np.dot(params["Why"].T, _last_step_output_gradient(ps, inputs))
    dWhh = np.zeros_like(params["Whh"])
    norms = []
    for t in reversed(range(steps)):
        norms.append(float(np.linalg.norm(dh)))
        dhraw = (1.0 - hs[t + 1] ** 2) * dh
        dWhh += np.outer(dhraw, hs[t])
        dh = np.dot(params["Whh"].T, dhraw)
    unclipped = float(np.linalg.norm(dWhh))
    clipped = float(np.linalg.norm(rnn.clip_gradients({"Whh": dWhh}, CLIP)["Whh"]))
    kind = "small" if scale < 1 else "large"
    return Flow(f"vanilla RNN, {kind} Whh (spectral radius {scale:g})", tuple(norms), unclipped, clipped)


def lstm_flow(steps: int = STEPS, hidden: int = HIDDEN, vocab: int = VOCAB, seed: int = 0) -> Flow:
    """The same journey back through an LSTM with its usual start (forget-gate bias 1), same sizes and sequence."""
    rng = np.random.default_rng(seed)
    params = lstm.init_lstm(vocab, hidden, seed, scale=0.1)
    rng.standard_normal((hidden, hidden))  # keep the input sequence the same as the vanilla cases'
    inputs = rng.integers(0, vocab, steps)
    _, (cells, hs, _, ps) = lstm.lstm_forward(params, inputs, inputs, np.zeros(hidden), np.zeros(hidden))
    dh = np.dot(params["Why"].T, _last_step_output_gradient(ps, inputs))
    dC = np.zeros(hidden)
    grads = {name: np.zeros_like(p) for name, p in params.items()}
    norms = []
    for t in reversed(range(steps)):
        norms.append(float(np.linalg.norm(dh)))
        dh, dC = lstm.lstm_step_backward(dh, dC, cells[t], params, grads)
    gates = {name: grads[name] for name in ("Wf", "Wi", "WC", "Wo")}
    unclipped = rnn.gradient_norm(gates)
    clipped = rnn.gradient_norm(rnn.clip_gradients(gates, CLIP))
    return Flow("LSTM (forget-gate bias 1)", tuple(norms), unclipped, clipped)


def demonstration(seed: int = 0) -> list[Flow]:
    """The three cases side by side: vanilla with small Whh, vanilla with large Whh, and the LSTM."""
    return [vanilla_flow(SMALL_SCALE, seed=seed), vanilla_flow(LARGE_SCALE, seed=seed), lstm_flow(seed=seed)]


def explain(flow: Flow) -> str:
    """What one case shows, from its own numbers."""
    steps = len(flow.norms) - 1
    change = f"‖∂L/∂h‖ {steps} steps back is {flow.reach:.1e} times its size at the last step"
    if flow.reach < 1e-3:
        verdict = "it vanishes: the first steps get almost no learning signal"
    elif flow.reach > 1e3:
        verdict = "it explodes: a single update would be huge"
    else:
        verdict = "it neither vanishes nor explodes over this many steps"
    if flow.clipped_gradient < flow.recurrent_gradient * (1 - 1e-12):
        clip = (
            f"clipping every entry to ±{CLIP:g} cuts the recurrent weights' gradient norm from"
            f" {flow.recurrent_gradient:.3g} to {flow.clipped_gradient:.3g}"
        )
    else:
        clip = (
            f"clipping at ±{CLIP:g} changes nothing here (gradient norm {flow.recurrent_gradient:.3g}): it caps"
            " large gradients, it cannot restore small ones"
        )
    return f"{flow.label}: {change}; {verdict}; {clip}."


def compare(flows: list[Flow]) -> str:
    """The LSTM against the vanilla RNN with small weights: how much more of the signal its cell state carries back."""
    vanilla = next((f for f in flows if f.label.startswith("vanilla") and f.reach < 1), None)
    cell = next((f for f in flows if f.label.startswith("LSTM")), None)
    if vanilla is None or cell is None or vanilla.reach == 0:
        return ""
    times = cell.reach / vanilla.reach
    more = f"{times:.1e} times as much" if times >= 1 else f"only {times:.1e} times as much"
    return (
        f"Over {len(cell.norms) - 1} steps the LSTM keeps {more} of the gradient as the vanilla RNN with small"
        " weights: its cell state is carried back through the forget gates (multiplied by f_t, near 1 when the"
        " cell remembers) instead of through Whh and tanh's slope at every step."
    )
