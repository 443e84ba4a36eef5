"""Time one training epoch of the digit classifier: dlpath (NumPy) against the same network in PyTorch.

The network and loop are those of ``dlpath exercise digits`` with its defaults: 64-32-10, sigmoid hidden
units, softmax and cross-entropy, mini-batch SGD (batch 32, η = 1.0) over the 1,438 training digits,
shuffled every epoch. PyTorch runs the same network the usual way (``nn.Sequential``, ``CrossEntropyLoss``,
autograd, ``optim.SGD``, ``randperm``) from the same starting weights, on the CPU, in a worker process
that takes turns with dlpath round by round. Both sides use float32 and float64 in turn, NumPy and
PyTorch one thread each by default, as the command runs NumPy (--threads N gives torch more;
OPENBLAS_NUM_THREADS=N NumPy).

It prints the median per-round ratio (target: dlpath at most 0.3x PyTorch), then the whole
``dlpath exercise digits`` command as a fresh process (target: under 3 s).

Run: python benchmarks/bench_digits_epoch.py [--torch-python PATH-TO-A-PYTHON-WITH-TORCH] [--threads N]
(PyTorch is never a dependency of dlpath: pip install torch in any other environment and point at it.)
"""

from __future__ import annotations

import os
import statistics
import sys

from epoch_race import TorchWorker, command_seconds, ms, one_blas_thread, race, ratio, timed, torch_python

one_blas_thread()  # like for like: the commands run NumPy on one BLAS thread, PyTorch gets one (--threads N)

import numpy as np  # noqa: E402 - after the thread setting

from dlpath.exercises.datasets import load_digits  # noqa: E402
from dlpath.exercises.digits import maths as dg  # noqa: E402

EPOCHS_PER_BLOCK = 5
ROUNDS = 9
COMMAND_RUNS = 5


def dlpath_block(params, X, Y, rng):
    def run(epochs: int) -> None:
        for _ in range(epochs):
            dg.sgd_epoch(params, X, Y, dg.DEFAULT_LR, dg.DEFAULT_BATCH_SIZE, rng)

    return timed(run)


def main() -> None:
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 1
    train = load_digits().train
    X64, labels = train.inputs, train.labels
    start = dg.init_params((64, dg.DEFAULT_HIDDEN, 10), dg.DEFAULT_SEED)
    python = torch_python(sys.argv)
    print(
        f"One epoch of 64-{dg.DEFAULT_HIDDEN}-10 sigmoid/softmax, batch {dg.DEFAULT_BATCH_SIZE}, on {len(X64)} digits;"
        f" {ROUNDS} rounds of {EPOCHS_PER_BLOCK} epochs, taking turns (NumPy {np.__version__},"
        f" OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')})"
    )
    if python is None:
        print("  PyTorch: not found; give --torch-python PATH (a Python with torch installed)")
    for dtype in ("float32", "float64"):
        X, Y = X64.astype(dtype), dg.one_hot(labels).astype(dtype)
        params = [(W.astype(dtype), b.astype(dtype)) for W, b in start]
        blocks = {"dlpath": dlpath_block(params, X, Y, np.random.default_rng(0))}
        worker = None
        if python is not None:
            setup = {"X": X, "labels": labels, "lr": dg.DEFAULT_LR, "batch_size": dg.DEFAULT_BATCH_SIZE,
                     "dtype": dtype, "threads": threads, "activation": dg.DEFAULT_ACTIVATION,
                     "n_layers": len(start)}
            for i, (W, b) in enumerate(start):
                setup[f"W{i}"], setup[f"b{i}"] = W, b
            worker = TorchWorker(python, "digits", setup)
            blocks["torch"] = worker.block
        times = race(blocks, EPOCHS_PER_BLOCK, ROUNDS)
        print(f"{dtype}:")
        print(f"  dlpath (NumPy)           {ms(statistics.median(times['dlpath']))} per epoch")
        if worker is not None:
            print(
                f"  PyTorch autograd + SGD   {ms(statistics.median(times['torch']))} per epoch"
                f"   (torch {worker.version}, {worker.threads} threads)"
            )
            to_torch = ratio(times, "dlpath", "torch")
            verdict = "meets" if to_torch <= 0.3 else "MISSES"
            print(f"  dlpath / PyTorch         {to_torch:7.3f}x   ({verdict} the 0.3x target; median per-round ratio)")
            worker.close()
    command_s, command_cpu = command_seconds(["exercise", "digits"], COMMAND_RUNS)
    verdict = "meets" if command_s < 3 else "MISSES"
    print(
        f"Whole command 'dlpath exercise digits' (defaults: {dg.DEFAULT_EPOCHS} epochs and the sanity checks):"
        f" median of {COMMAND_RUNS} runs {command_s:.3f} s wall ({verdict} the 3 s target), {command_cpu:.3f} s CPU"
    )


if __name__ == "__main__":
    main()
