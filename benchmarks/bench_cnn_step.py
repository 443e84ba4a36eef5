"""Time one mini-batch step of the convolution exercise's CNN (forward, backward, update): dlpath vs PyTorch.

The network is the exercise's default: 8x8 one-channel images, 8 filters of 3x3 padded by 1, ReLU,
2x2 max-pool, a fully connected layer to 10 classes, softmax cross-entropy, SGD with momentum 0.9;
a batch of 32, float64 on both sides, the same starting weights and batch. PyTorch runs the usual
way (``nn.Sequential``, ``loss.backward()``, ``optim.SGD``) in its own process (see side_by_side.py),
with its default threads and with one thread. Target: dlpath at most 0.7x PyTorch.

Run: python benchmarks/bench_cnn_step.py --torch-python /path/to/python-with-torch
"""

from __future__ import annotations

import sys

from dlpath.exercises.allocator import keep_freed_memory
from dlpath.exercises.threads import one_blas_thread

one_blas_thread()  # as the exercise commands do, before NumPy loads
keep_freed_memory()  # ... and the same for PyTorch's process (side_by_side.py)

import numpy as np  # noqa: E402
from side_by_side import TorchWorker, numpy_block, report, take_turns, torch_python  # noqa: E402

from dlpath.exercises.convolution import cnn  # noqa: E402

BATCH = 32
STEPS = 300
ROUNDS = 9
LR = cnn.DEFAULT_LR
MOMENTUM = cnn.DEFAULT_MOMENTUM

TORCH_STEP = f'''
def make_step(arrays):
    x = torch.tensor(arrays["x"])
    y = torch.tensor(arrays["y"])
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(128, 10),
    ).double()
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor(arrays["w1"]))
        model[0].bias.copy_(torch.tensor(arrays["b1"]))
        # dlpath flattens the pooled maps (N, 8, 4, 4) in the same C order, and stores w2 as (in, out)
        model[4].weight.copy_(torch.tensor(arrays["w2"]).T)
        model[4].bias.copy_(torch.tensor(arrays["b2"]))
    optimizer = torch.optim.SGD(model.parameters(), lr={LR}, momentum={MOMENTUM})
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step
'''


def main() -> None:
    rng = np.random.default_rng(0)
    x = rng.random((BATCH, 1, 8, 8))
    y = rng.integers(0, 10, BATCH)
    params = cnn.init_cnn((1, 8, 8), 10, seed=0)
    velocity = {name: np.zeros_like(p) for name, p in params.items()}
    arrays = {"x": x, "y": y, **{name: p.copy() for name, p in params.items()}}

    def step() -> float:
        return cnn.train_step(params, velocity, x, y, LR, MOMENTUM)

    print(
        f"One CNN mini-batch step (batch {BATCH}, 1x8x8 -> conv 8@3x3 -> ReLU -> pool 2x2 -> FC 10), float64;"
        f" {ROUNDS} rounds of {STEPS} steps, taking turns"
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
        "torch": f"PyTorch autograd + SGD ({threads} threads)",
        "torch1": "PyTorch autograd + SGD (1 thread)",
    }
    report(times, labels, 0.7, ["torch", "torch1"])


if __name__ == "__main__":
    main()
