"""Training a character model on a text, min-char-rnn's loop: windows in order, hidden state carried, Adagrad.

Each iteration takes the next ``window`` characters as inputs and the same shifted by one as targets,
runs the cell forward from the hidden state the previous window ended in, backpropagates through
the window, clips the gradients, and takes one Adagrad step. At the end of the text (or at the
start) the hidden state is reset to zeros and reading starts over.

The loss reported is in nats per character, smoothed as min-char-rnn does:
smooth ← 0.999 · smooth + 0.001 · loss, starting from ln V (what guessing uniformly scores).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from dlpath.exercises.rnn import lstm
from dlpath.exercises.rnn import maths as vanilla
from dlpath.exercises.rnn.text import Vocabulary

DEFAULT_HIDDEN = 100
DEFAULT_WINDOW = 25
DEFAULT_LR = 0.03
DEFAULT_ITERATIONS = 4000
DEFAULT_CLIP = 5.0
DEFAULT_SEED = 0
DEFAULT_SAMPLE_EVERY = 500
SAMPLE_LENGTH = 200
SMOOTHING = 0.999
TARGET_LOSS = 1.0  # nats per character


class Cell:
    """The vanilla RNN cell's functions behind one interface, so the training loop serves both cells."""

    name = "rnn"

    def init(self, vocab_size: int, hidden: int, seed: int):
        """Starting parameters for V = ``vocab_size`` characters and ``hidden`` units."""
        return vanilla.init_rnn(vocab_size, hidden, seed)

    def zero_state(self, hidden: int):
        """The state a text starts from: h = 0, shape (H,)."""
        return np.zeros(hidden)

    def loss_and_gradients(self, params, inputs, targets, state, clip):
        """(loss of the window, gradients clipped to ±clip unless it is None, the state at its end)."""
        if clip is not None:
            return vanilla.loss_fun(params, inputs, targets, state, clip)
        loss, cache = vanilla.rnn_forward(params, inputs, targets, state)
        return loss, vanilla.rnn_backward(params, cache, targets), cache[1][-1]

    def sample(self, params, state, seed_ix: int, n: int, rng):
        """``n`` character indices drawn from the model from ``state``, after the character ``seed_ix``."""
        return vanilla.sample(params, state, seed_ix, n, rng)


class LSTMCell(Cell):
    """The LSTM cell: its state is the pair (h, C)."""

    name = "lstm"

    def init(self, vocab_size: int, hidden: int, seed: int):
        """Starting parameters of the LSTM (forget-gate bias 1)."""
        return lstm.init_lstm(vocab_size, hidden, seed)

    def zero_state(self, hidden: int):
        """The state a text starts from: (h, C) = (0, 0), each of shape (H,)."""
        return np.zeros(hidden), np.zeros(hidden)

    def loss_and_gradients(self, params, inputs, targets, state, clip):
        """(loss of the window, gradients clipped to ±clip unless it is None, the state (h, C) at its end)."""
        loss, cache = lstm.lstm_forward(params, inputs, targets, *state)
        grads = lstm.lstm_backward(params, cache, targets)
        if clip is not None:
            vanilla.clip_gradients(grads, clip)
        return loss, grads, lstm.lstm_state(cache)

    def sample(self, params, state, seed_ix: int, n: int, rng):
        """``n`` character indices drawn from the LSTM from ``state`` (h, C), after the character ``seed_ix``."""
        return lstm.lstm_sample(params, *state, seed_ix, n, rng)


CELLS: dict[str, Cell] = {"rnn": Cell(), "lstm": LSTMCell()}


@dataclass(frozen=True, slots=True)
class Report:
    """Where training is: iteration (from 0), smoothed loss in nats per character, seconds, and a sample or None."""

    iteration: int
    smooth_loss: float
    seconds: float
    sample: str | None = None


@dataclass
class Run:
    """A finished (or stopped) run: the parameters, the vocabulary and the smoothed loss after each iteration."""

    params: dict
    vocab: Vocabulary
    cell: str
    smooth_losses: list[float] = field(default_factory=list)
    samples: list[tuple[int, str]] = field(default_factory=list)  # (iteration, text)
    seconds: float = 0.0
    reached_target_at: int | None = None  # after how many iterations the smoothed loss first was below TARGET_LOSS
    seconds_to_target: float | None = None

    @property
    def iterations(self) -> int:
        """How many iterations ran."""
        return len(self.smooth_losses)

    @property
    def final_loss(self) -> float:
        """The smoothed loss after the last iteration, nats per character (NaN before any)."""
        return self.smooth_losses[-1] if self.smooth_losses else float("nan")


def train_char_model(
    text: str,
    cell: str = "rnn",
    hidden: int = DEFAULT_HIDDEN,
    window: int = DEFAULT_WINDOW,
    lr: float = DEFAULT_LR,
    iterations: int = DEFAULT_ITERATIONS,
    clip: float | None = DEFAULT_CLIP,
    seed: int = DEFAULT_SEED,
    sample_every: int = DEFAULT_SAMPLE_EVERY,
    report_every: int = 100,
    on_report: Callable[[Report], None] | None = None,
) -> Run:
    """Train a character model of ``cell`` ("rnn" or "lstm") on ``text`` for ``iterations`` windows.

    ``on_report`` gets a Report every ``report_every`` iterations, and one with a sample of
    ``SAMPLE_LENGTH`` characters at iteration 0 and every ``sample_every`` iterations (so a learner sees
    the text take shape). ``clip`` None trains without clipping. Same seed, same run.
    """
    model = CELLS[cell]
    vocab = Vocabulary.of(text)
    data = np.array(vocab.encode(text))
    window = min(window, len(data) - 1)
    params = model.init(vocab.size, hidden, seed)
    memory = {name: np.zeros_like(p) for name, p in params.items()}
    rng = np.random.default_rng(seed)
    run = Run(params, vocab, cell)
    smooth = math.log(vocab.size)
    state = model.zero_state(hidden)
    position = 0
    start = time.perf_counter()
    for n in range(iterations):
        if position + window + 1 > len(data):
            position, state = 0, model.zero_state(hidden)
        inputs = data[position : position + window]
        targets = data[position + 1 : position + window + 1]
        if n % sample_every == 0:
            text_sample = vocab.decode(model.sample(params, state, int(inputs[0]), SAMPLE_LENGTH, rng))
            run.samples.append((n, text_sample))
            if on_report is not None:
                on_report(Report(n, smooth, time.perf_counter() - start, text_sample))
        loss, grads, state = model.loss_and_gradients(params, inputs, targets, state, clip)
        vanilla.adagrad_update(params, grads, memory, lr)
        smooth = SMOOTHING * smooth + (1 - SMOOTHING) * loss / window
        run.smooth_losses.append(smooth)
        if run.reached_target_at is None and smooth < TARGET_LOSS:
            run.reached_target_at = n + 1
            run.seconds_to_target = time.perf_counter() - start
        position += window
        if on_report is not None and (n + 1) % report_every == 0:
            on_report(Report(n + 1, smooth, time.perf_counter() - start))
    run.seconds = time.perf_counter() - start
    return run


def final_sample(run: Run, first: str, seed: int, length: int = SAMPLE_LENGTH) -> str:
    """``length`` characters drawn from the trained model, from a zero state after the character ``first``."""
    model = CELLS[run.cell]
    hidden = run.params["Why"].shape[1]
    start = run.vocab.encode(first)[0]
    indices = model.sample(run.params, model.zero_state(hidden), start, length, np.random.default_rng(seed))
    return run.vocab.decode(indices)


def explain_loss(run: Run) -> str:
    """The run's loss against the target, in words, from its own numbers."""
    uniform = math.log(run.vocab.size)
    start = f"Smoothed loss {run.final_loss:.3f} nats per character after {run.iterations:,} iterations"
    start += f" ({run.seconds:.1f} s); guessing uniformly among the {run.vocab.size} characters scores {uniform:.3f}."
    if run.reached_target_at is not None:
        return (
            f"{start} It fell below {TARGET_LOSS:g} after {run.reached_target_at:,} iterations"
            f" ({run.seconds_to_target:.1f} s)."
        )
    return f"{start} It has not fallen below {TARGET_LOSS:g}: train longer (--iterations) or try another --lr."
