"""Time a NumPy step against a PyTorch step that runs in another interpreter, taking turns, in one run.

PyTorch is never a dependency of dlpath: the PyTorch side runs as a subprocess of the Python that has it
(``--torch-python``, default ``$DLPATH_TORCH_PYTHON`` or ``python3``). Both sides get the same arrays
(written to a temporary .npz file); each round runs a block of steps on one side, then on the other, so
a change in machine load hits both alike, and the ratio reported is the median of the per-round ratios.
Both sides run with the C allocator settings of dlpath's exercise commands (``dlpath.exercises.allocator``).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

WORKER = r'''
import sys, time
import numpy as np
import torch
arrays = dict(np.load(sys.argv[1]))
threads = int(sys.argv[3])
if threads:
    torch.set_num_threads(threads)
namespace = {"torch": torch, "np": np}
with open(sys.argv[2], encoding="utf-8") as source:
    exec(source.read(), namespace)
step = namespace["make_step"](arrays)
print(f"ready torch {torch.__version__} threads {torch.get_num_threads()}", flush=True)
for line in sys.stdin:
    n = int(line)
    start = time.perf_counter()
    for _ in range(n):
        step()
    print(time.perf_counter() - start, flush=True)
'''


def torch_python(argv: list[str]) -> str:
    """The interpreter that has PyTorch: ``--torch-python PATH`` on the command line, else $DLPATH_TORCH_PYTHON."""
    if "--torch-python" in argv:
        return argv[argv.index("--torch-python") + 1]
    return os.environ.get("DLPATH_TORCH_PYTHON", "python3")


class TorchWorker:
    """A PyTorch process that builds ``make_step(arrays)`` from ``source`` and times blocks of steps on demand."""

    def __init__(self, python: str, source: str, arrays: dict[str, np.ndarray], threads: int = 0) -> None:
        self._folder = tempfile.TemporaryDirectory()
        data = Path(self._folder.name) / "arrays.npz"
        np.savez(data, **arrays)
        code = Path(self._folder.name) / "torch_step.py"
        code.write_text(source, encoding="utf-8")
        # dlpath's side runs as the exercises do, with one BLAS thread (dlpath.exercises.threads); PyTorch
        # chooses its own threads unless ``threads`` says how many
        blas = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
        env = {k: v for k, v in os.environ.items() if k not in blas}
        # the allocator settings dlpath's exercises use (dlpath.exercises.allocator), so both sides get them
        env |= {"MALLOC_TRIM_THRESHOLD_": str(64 * 1024 * 1024), "MALLOC_MMAP_THRESHOLD_": str(4 * 1024 * 1024)}
        self.process = subprocess.Popen(
            [python, "-c", WORKER, str(data), str(code), str(threads)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.banner = self.process.stdout.readline().strip()
        if not self.banner.startswith("ready"):
            self.close()
            raise RuntimeError(f"the PyTorch side did not start with {python} (give --torch-python PATH)")

    def run(self, steps: int) -> float:
        """Seconds for ``steps`` steps."""
        self.process.stdin.write(f"{steps}\n")
        self.process.stdin.flush()
        return float(self.process.stdout.readline())

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=30)
        self._folder.cleanup()


def numpy_block(step):
    def run(steps: int) -> float:
        start = time.perf_counter()
        for _ in range(steps):
            step()
        return time.perf_counter() - start

    return run


def take_turns(blocks: dict, steps: int, rounds: int) -> dict[str, list[float]]:
    """Seconds per step of each block in every round (after one warm-up block each)."""
    for run in blocks.values():
        run(max(1, steps // 4))
    times: dict[str, list[float]] = {name: [] for name in blocks}
    for _ in range(rounds):
        for name, run in blocks.items():
            times[name].append(run(steps) / steps)
    return times


def ratio(times: dict[str, list[float]], a: str, b: str) -> float:
    """The median over rounds of time(a) / time(b)."""
    return statistics.median(x / y for x, y in zip(times[a], times[b], strict=True))


def report(times: dict[str, list[float]], labels: dict[str, str], target: float, versus: list[str]) -> None:
    """Print each side's median time per step and dlpath's ratio to each of ``versus``, with the target."""
    for name, label in labels.items():
        print(f"  {label:44} {statistics.median(times[name]) * 1e6:9.1f} µs per step")
    print("Ratios, median over rounds (dlpath time / PyTorch time; lower is faster for dlpath):")
    for name in versus:
        r = ratio(times, "dlpath", name)
        verdict = "meets" if r <= target else "MISSES"
        print(f"  dlpath / {labels[name]:35} {r:6.3f}x   ({verdict} the {target}x target)")
    sys.stdout.flush()
