"""Time one training iteration of the RNN exercise (window of 25, hidden 100): dlpath vs PyTorch with autograd.

One iteration is min-char-rnn's: forward over the window from the carried hidden state, backpropagation
through time, every gradient entry clipped to ±5, one Adagrad step. Both sides use float64, the Zen of
Python's 45-character vocabulary, the same starting weights and the same window. PyTorch runs the usual
autograd way (tensors with requires_grad, the loop written with torch ops, ``loss.backward()``, clamp_,
the same Adagrad formula under no_grad) in its own process (see side_by_side.py), with its default threads
and with one thread. Target: dlpath at most 0.6x PyTorch.

Run: python benchmarks/bench_rnn_iteration.py --torch-python /path/to/python-with-torch
"""

from __future__ import annotations

import sys

from dlpath.exercises.allocator import keep_freed_memory
from dlpath.exercises.threads import one_blas_thread

one_blas_thread()  # as the exercise commands do, before NumPy loads
keep_freed_memory()  # ... and the same for PyTorch's process (side_by_side.py)

import numpy as np  # noqa: E402
from side_by_side import TorchWorker, numpy_block, report, take_turns, torch_python  # noqa: E402

from dlpath.exercises.rnn import maths as rnn  # noqa: E402
from dlpath.exercises.rnn.text import Vocabulary, zen_of_python  # noqa: E402

HIDDEN = 100
WINDOW = 25
LR = 0.03
CLIP = 5.0
STEPS = 100
ROUNDS = 9

TORCH_STEP = f'''
def make_step(arrays):
    torch.set_grad_enabled(True)
    names = ("Wxh", "Whh", "Why", "bh", "by")
    params = {{n: torch.tensor(arrays[n], requires_grad=True) for n in names}}
    memory = {{n: torch.zeros_like(p) for n, p in params.items()}}
    inputs = torch.tensor(arrays["inputs"])
    targets = torch.tensor(arrays["targets"])
    xs = torch.nn.functional.one_hot(inputs, arrays["Wxh"].shape[1]).double()
    h_prev = torch.zeros({HIDDEN}, dtype=torch.float64)

    def step():
        Wxh, Whh, Why, bh, by = (params[n] for n in names)
        h = h_prev
        hs = []
        for t in range({WINDOW}):
            h = torch.tanh(Wxh @ xs[t] + Whh @ h + bh)
            hs.append(h)
        scores = torch.stack(hs) @ Why.T + by
        loss = torch.nn.functional.cross_entropy(scores, targets, reduction="sum")
        for p in params.values():
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for n, p in params.items():
                g = p.grad.clamp_(-{CLIP}, {CLIP})
                memory[n] += g * g
                p -= {LR} * g / torch.sqrt(memory[n] + 1e-8)
        return loss.item()

    return step
'''


def main() -> None:
    text = zen_of_python()
    vocab = Vocabulary.of(text)
    data = np.array(vocab.encode(text))
    inputs, targets = data[:WINDOW], data[1 : WINDOW + 1]
    params = rnn.init_rnn(vocab.size, HIDDEN, seed=0)
    memory = {name: np.zeros_like(p) for name, p in params.items()}
    arrays = {"inputs": inputs, "targets": targets, **{name: p.copy() for name, p in params.items()}}
    h_prev = np.zeros(HIDDEN)

    def step() -> float:
        loss, cache = rnn.rnn_forward(params, inputs, targets, h_prev)
        grads = rnn.clip_gradients(rnn.rnn_backward(params, cache, targets), CLIP)
        rnn.adagrad_update(params, grads, memory, LR)
        return loss

    print(
        f"One RNN training iteration (window {WINDOW}, hidden {HIDDEN}, vocabulary {vocab.size}: forward, BPTT,"
        f" clipping, Adagrad), float64; {ROUNDS} rounds of {STEPS} iterations, taking turns"
    )
    python = torch_python(sys.argv)
    workers = {"torch": TorchWorker(python, TORCH_STEP, arrays), "torch1": TorchWorker(python, TORCH_STEP, arrays, 1)}
    try:
        blocks = {"dlpath": numpy_block(step), **{name: w.run for name, w in workers.items()}}
        times = take_turns(blocks, STEPS, ROUNDS)
    finally:
        for worker in workers.values():
            worker.close()
    threads = workers["torch"].banner.split()[-1]
    labels = {
        "dlpath": f"dlpath (NumPy {np.__version__})",
        "torch": f"PyTorch autograd ({threads} threads)",
        "torch1": "PyTorch autograd (1 thread)",
    }
    report(times, labels, 0.6, ["torch", "torch1"])


if __name__ == "__main__":
    main()
