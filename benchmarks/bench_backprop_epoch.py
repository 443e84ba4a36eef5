"""Time one full-batch XOR training epoch of the default 2-4-1 network: dlpath vs PyTorch vs pure Python.

Every figure is measured in this run, on this machine: the median time per epoch over several rounds
of many epochs, the contenders taking turns within each round so that load changes hit them alike:

- dlpath: ``backprop.train`` (forward, backward, simultaneous update, loss recorded), NumPy;
- PyTorch, the usual way: ``nn.Sequential`` of two ``Linear`` layers with ``Sigmoid``, loss
  ``0.5 * ((out - Y) ** 2).sum()``, ``loss.backward()`` and ``optim.SGD``, float64, CPU;
- PyTorch, by hand: the same gradient formulas as dlpath written with torch tensors (no autograd);
- pure Python: the same formulas with floats and loops.

It prints the median per-round ratio against each (target: dlpath at most 0.2x PyTorch's usual loop),
a larger batch to show where vectorising pays off, then the whole ``dlpath exercise backprop`` command
as a subprocess (target: under 1.5 s).

Run: python benchmarks/bench_backprop_epoch.py  (PyTorch is optional: pip install torch==2.13.0)
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from dlpath.exercises import backprop as bp

EPOCHS_PER_BLOCK = 2000
BLOCKS = 7
COMMAND_RUNS = 5
LR = bp.DEFAULT_LR


def interleaved(blocks: dict, epochs: dict, rounds: int = BLOCKS) -> dict[str, list[float]]:
    """Seconds per epoch of each block in every round; the blocks take turns within a round, so a
    change in machine load affects all of them alike and the per-round ratios stay meaningful."""
    for name, run_block in blocks.items():  # warm-up
        run_block(min(epochs[name], 200))
    times: dict[str, list[float]] = {name: [] for name in blocks}
    for _ in range(rounds):
        for name, run_block in blocks.items():
            start = time.perf_counter()
            run_block(epochs[name])
            times[name].append((time.perf_counter() - start) / epochs[name])
    return times


def ratio(times: dict[str, list[float]], a: str, b: str) -> float:
    """The median over rounds of time(a) / time(b)."""
    return statistics.median(x / y for x, y in zip(times[a], times[b], strict=True))


def dlpath_block(params, X, Y):
    def block(epochs: int) -> None:
        bp.train(params, X, Y, LR, epochs)

    return block


def pure_python_block(params, X, Y):
    """The same network and update with Python floats: lists of lists, math.exp, explicit loops."""
    W1, b1 = params[0][0].tolist(), params[0][1].tolist()
    W2, b2 = params[1][0].tolist(), params[1][1].tolist()
    samples = list(zip(X.tolist(), Y.tolist(), strict=True))
    n_in, n_hidden = len(W1), len(b1)
    exp = math.exp

    def block(epochs: int) -> None:
        nonlocal W1, b1, W2, b2
        losses = []
        for _ in range(epochs):
            gW1 = [[0.0] * n_hidden for _ in range(n_in)]
            gb1 = [0.0] * n_hidden
            gW2 = [0.0] * n_hidden
            gb2 = 0.0
            total = 0.0
            for x, (y,) in samples:
                h = [1.0 / (1.0 + exp(-(x[0] * W1[0][j] + x[1] * W1[1][j] + b1[j]))) for j in range(n_hidden)]
                o = 1.0 / (1.0 + exp(-(sum(h[j] * W2[j][0] for j in range(n_hidden)) + b2[0])))
                total += 0.5 * (o - y) ** 2
                d_out = (o - y) * o * (1.0 - o)
                gb2 += d_out
                for j in range(n_hidden):
                    gW2[j] += h[j] * d_out
                    d_h = W2[j][0] * d_out * h[j] * (1.0 - h[j])
                    gb1[j] += d_h
                    gW1[0][j] += x[0] * d_h
                    gW1[1][j] += x[1] * d_h
            W1 = [[W1[i][j] - LR * gW1[i][j] for j in range(n_hidden)] for i in range(n_in)]
            b1 = [b1[j] - LR * gb1[j] for j in range(n_hidden)]
            W2 = [[W2[j][0] - LR * gW2[j]] for j in range(n_hidden)]
            b2 = [b2[0] - LR * gb2]
            losses.append(total)

    return block


def torch_blocks(params, X, Y):
    """(torch module, autograd + optim.SGD block, hand-written gradients block), or None without torch."""
    try:
        import torch
    except ImportError:
        return None
    Xt = torch.tensor(X, dtype=torch.float64)
    Yt = torch.tensor(Y, dtype=torch.float64)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 4), torch.nn.Sigmoid(), torch.nn.Linear(4, 1), torch.nn.Sigmoid()
    ).double()
    with torch.no_grad():  # the same starting weights as dlpath (torch stores W transposed)
        for layer, (W, b) in zip((model[0], model[2]), params, strict=True):
            layer.weight.copy_(torch.tensor(W.T))
            layer.bias.copy_(torch.tensor(b))
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)

    def autograd_block(epochs: int) -> None:
        losses = []
        for _ in range(epochs):
            optimizer.zero_grad()
            loss = 0.5 * ((model(Xt) - Yt) ** 2).sum()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())

    W1, b1, W2, b2 = (torch.tensor(a) for a in (params[0][0], params[0][1], params[1][0], params[1][1]))

    def manual_block(epochs: int) -> None:
        nonlocal W1, b1, W2, b2
        losses = []
        with torch.no_grad():
            for _ in range(epochs):
                h = torch.sigmoid(Xt @ W1 + b1)
                o = torch.sigmoid(h @ W2 + b2)
                error = o - Yt
                losses.append(0.5 * float((error * error).sum()))
                d2 = error * o * (1 - o)
                d1 = (d2 @ W2.T) * h * (1 - h)
                W2, b2 = W2 - LR * (h.T @ d2), b2 - LR * d2.sum(0)
                W1, b1 = W1 - LR * (Xt.T @ d1), b1 - LR * d1.sum(0)

    return torch, autograd_block, manual_block


def bench_command() -> float:
    """Median wall time of ``dlpath exercise backprop`` (defaults) as a fresh process."""
    times = []
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, NO_COLOR="1", DLPATH_HOME=home)  # never the learner's own progress store
        env.pop("DLPATH_CATALOG", None)
        command = [sys.executable, "-m", "dlpath", "exercise", "backprop"]
        for _ in range(COMMAND_RUNS):
            start = time.perf_counter()
            subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, cwd=Path(__file__).parent.parent)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def us(seconds: float) -> str:
    return f"{seconds * 1e6:8.1f} µs"


def main() -> None:
    X, Y = bp.xor_data()
    params = bp.init_params(bp.DEFAULT_LAYERS, bp.DEFAULT_SEED)
    print(
        f"One full-batch XOR epoch, 2-4-1 sigmoid network, float64; {BLOCKS} rounds of {EPOCHS_PER_BLOCK} epochs"
        f" each, taking turns (NumPy {np.__version__}, Python {sys.version.split()[0]})"
    )
    blocks = {"dlpath": dlpath_block(params, X, Y), "python": pure_python_block(params, X, Y)}
    found = torch_blocks(params, X, Y)
    if found is not None:
        torch, blocks["autograd"], blocks["manual"] = found
    times = interleaved(blocks, dict.fromkeys(blocks, EPOCHS_PER_BLOCK))
    median = {name: statistics.median(t) for name, t in times.items()}
    print(f"  dlpath (NumPy)             {us(median['dlpath'])}")
    print(f"  pure Python loop           {us(median['python'])}")
    if found is None:
        print("  PyTorch                    not installed: pip install torch==2.13.0 (a CPU build) to compare")
    else:
        threads = torch.get_num_threads()
        print(f"  PyTorch autograd + SGD     {us(median['autograd'])}   (torch {torch.__version__}, {threads} threads)")
        print(f"  PyTorch, gradients by hand {us(median['manual'])}")
    print("Ratios, median over rounds (lower is faster for dlpath):")
    if found is not None:
        to_torch = ratio(times, "dlpath", "autograd")
        verdict = "meets" if to_torch <= 0.2 else "MISSES"
        print(f"  dlpath / PyTorch autograd      {to_torch:6.3f}x   ({verdict} the 0.2x target)")
        print(f"  dlpath / PyTorch by hand       {ratio(times, 'dlpath', 'manual'):6.3f}x")
    print(f"  dlpath / pure Python           {ratio(times, 'dlpath', 'python'):6.3f}x")
    # on 4 samples NumPy's per-call overhead dominates; a bigger batch shows what vectorising buys
    rng = np.random.default_rng(0)
    X_big = rng.uniform(0, 1, (256, 2))
    Y_big = ((X_big[:, :1] > 0.5) != (X_big[:, 1:] > 0.5)).astype(float)
    big = bp.init_params((2, 32, 1), 0)
    big_blocks = {"dlpath": dlpath_block(big, X_big, Y_big), "python": pure_python_block(big, X_big, Y_big)}
    big_times = interleaved(big_blocks, {"dlpath": 200, "python": 10}, rounds=5)
    print(
        f"Scaling check, 2-32-1 network on 256 samples: dlpath {us(statistics.median(big_times['dlpath'])).strip()},"
        f" pure Python {us(statistics.median(big_times['python'])).strip()};"
        f" dlpath / pure Python {ratio(big_times, 'dlpath', 'python'):.3f}x"
    )
    command_s = bench_command()
    verdict = "meets" if command_s < 1.5 else "MISSES"
    print(
        f"Whole command 'dlpath exercise backprop' ({bp.DEFAULT_EPOCHS} epochs, gradient check, charts):"
        f" median of {COMMAND_RUNS} runs {command_s:.3f} s ({verdict} the 1.5 s target)"
    )


if __name__ == "__main__":
    main()
