"""Time one training epoch of the denoising autoencoder: dlpath (NumPy) against the same network in PyTorch.

The network and loop are those of ``dlpath exercise autoencoder`` with its defaults: 64-64-64 sigmoid
units with tied weights, masking noise 25% drawn afresh for every batch, cross-entropy reconstruction
cost (summed over pixels, mean over the batch), mini-batch SGD (batch 20, η = 1.0) over the 1,438
training digits, shuffled every epoch. PyTorch runs the same model the usual way (an ``nn.Module``
with the tied weight as one ``Parameter``, ``BCELoss``, autograd, ``optim.SGD``, ``randperm``,
``rand_like`` for the noise) from the same starting weights, on the CPU, in a worker process that
takes turns with dlpath round by round; float32 and float64 in turn. NumPy and PyTorch get one thread
each by default, as the command runs NumPy (--threads N gives torch more; OPENBLAS_NUM_THREADS=N NumPy).

It prints the median per-round ratio (target: dlpath at most 0.3x PyTorch), then the whole
``dlpath exercise autoencoder`` command as a fresh process (target: under 3 s).

Run: python benchmarks/bench_autoencoder_epoch.py [--torch-python PATH-TO-A-PYTHON-WITH-TORCH] [--threads N]
(PyTorch is never a dependency of dlpath: pip install torch in any other environment and point at it.)
"""

from __future__ import annotations

import os
import statistics
import sys

from epoch_race import TorchWorker, command_seconds, ms, one_blas_thread, race, ratio, timed, torch_python

one_blas_thread()  # like for like: the commands run NumPy on one BLAS thread, PyTorch gets one (--threads N)

import numpy as np  # noqa: E402 - after the thread setting

from dlpath.exercises.autoencoder import maths as ae  # noqa: E402
from dlpath.exercises.datasets import load_digits  # noqa: E402

EPOCHS_PER_BLOCK = 4
ROUNDS = 9
COMMAND_RUNS = 5


def dlpath_block(params, X, rng):
    def run(epochs: int) -> None:
        for _ in range(epochs):
            ae.sgd_epoch(params, X, ae.DEFAULT_LR, ae.DEFAULT_BATCH_SIZE, ae.DEFAULT_NOISE, rng)

    return timed(run)


def main() -> None:
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 1
    X64 = load_digits().train.inputs
    start = ae.init_params(ae.N_VISIBLE, ae.DEFAULT_HIDDEN, ae.DEFAULT_SEED)
    python = torch_python(sys.argv)
    print(
        f"One epoch of the 64-{ae.DEFAULT_HIDDEN}-64 denoising autoencoder, batch {ae.DEFAULT_BATCH_SIZE}, noise"
        f" {ae.DEFAULT_NOISE:.0%}, on {len(X64)} digits; {ROUNDS} rounds of {EPOCHS_PER_BLOCK} epochs, taking turns"
        f" (NumPy {np.__version__}, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')})"
    )
    if python is None:
        print("  PyTorch: not found; give --torch-python PATH (a Python with torch installed)")
    for dtype in ("float32", "float64"):
        X = X64.astype(dtype)
        params = tuple(p.astype(dtype) for p in start)
        blocks = {"dlpath": dlpath_block(params, X, np.random.default_rng(0))}
        worker = None
        if python is not None:
            W, b, b_prime = start
            setup = {"X": X, "W": W, "b": b, "b_prime": b_prime, "lr": ae.DEFAULT_LR, "noise": ae.DEFAULT_NOISE,
                     "batch_size": ae.DEFAULT_BATCH_SIZE, "dtype": dtype, "threads": threads}
            worker = TorchWorker(python, "autoencoder", setup)
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
    command_s, command_cpu = command_seconds(["exercise", "autoencoder"], COMMAND_RUNS)
    verdict = "meets" if command_s < 3 else "MISSES"
    print(
        f"Whole command 'dlpath exercise autoencoder' (defaults: {ae.DEFAULT_EPOCHS} epochs, examples, filters):"
        f" median of {COMMAND_RUNS} runs {command_s:.3f} s wall ({verdict} the 3 s target), {command_cpu:.3f} s CPU"
    )


if __name__ == "__main__":
    main()
