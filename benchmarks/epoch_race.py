"""Shared by the epoch benchmarks: a PyTorch worker process and rounds in which both sides take turns.

PyTorch is never imported here (nor by dlpath): ``TorchWorker`` starts ``torch_worker.py`` with an
interpreter that has torch, hands it the same data and starting weights through a temporary .npz file,
and asks it for blocks of epochs over a pipe, so the two sides run alternately in one run and a change
in machine load hits both alike.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def torch_python(argv: list[str]) -> str | None:
    """The interpreter to run torch with: ``--torch-python PATH``, else this one if it has torch, else None."""
    if "--torch-python" in argv:
        given = argv[argv.index("--torch-python") + 1]
        return shutil.which(given) or given
    return sys.executable if importlib.util.find_spec("torch") else None


class TorchWorker:
    """A running ``torch_worker.py``: ``block(epochs)`` trains that many epochs there and returns the seconds."""

    def __init__(self, python: str, kind: str, setup: dict[str, Any]) -> None:
        import numpy as np  # here, not at the top: the benchmarks choose NumPy's threads before it loads

        self._folder = tempfile.TemporaryDirectory()
        path = Path(self._folder.name) / "setup.npz"
        np.savez(path, **setup)
        self._process = subprocess.Popen(
            [python, str(HERE / "torch_worker.py"), kind, str(path)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        ready = self._process.stdout.readline().split()
        if not ready or ready[0] != "ready":
            raise SystemExit(f"error: the PyTorch worker did not start with {python} (is torch installed there?)")
        self.version, self.threads = ready[1], int(ready[2])
        self.last_cost = float("nan")

    def block(self, epochs: int) -> float:
        self._process.stdin.write(f"{epochs}\n")
        self._process.stdin.flush()
        seconds, cost = self._process.stdout.readline().split()
        self.last_cost = float(cost)
        return float(seconds)

    def close(self) -> None:
        self._process.stdin.close()
        self._process.wait()
        self._folder.cleanup()


def timed(run: Callable[[int], None]) -> Callable[[int], float]:
    """An in-process block of epochs as a function returning its seconds, like ``TorchWorker.block``."""

    def block(epochs: int) -> float:
        start = time.perf_counter()
        run(epochs)
        return time.perf_counter() - start

    return block


def race(blocks: dict[str, Callable[[int], float]], epochs: int, rounds: int) -> dict[str, list[float]]:
    """Seconds per epoch of each block in every round; the blocks take turns within each round."""
    for block in blocks.values():  # warm-up
        block(max(1, epochs // 4))
    times: dict[str, list[float]] = {name: [] for name in blocks}
    for _ in range(rounds):
        for name, block in blocks.items():
            times[name].append(block(epochs) / epochs)
    return times


def ratio(times: dict[str, list[float]], a: str, b: str) -> float:
    """The median over rounds of time(a) / time(b)."""
    return statistics.median(x / y for x, y in zip(times[a], times[b], strict=True))


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:7.2f} ms"


def command_seconds(arguments: list[str], runs: int = 5) -> tuple[float, float]:
    """Medians of ``python -m dlpath ARGUMENTS`` as a fresh process, in a throwaway DLPATH_HOME: (wall seconds,
    CPU seconds of the process, user + system). On a busy machine the wall time also counts waiting for a
    core; the CPU time is the work the command itself does."""
    import resource

    walls, cpus = [], []
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, NO_COLOR="1", DLPATH_HOME=home)  # never the learner's own progress store
        env.pop("DLPATH_CATALOG", None)
        for _ in range(runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "dlpath", *arguments],
                env=env, check=True, stdout=subprocess.DEVNULL, cwd=HERE.parent,
            )
            walls.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def one_blas_thread() -> None:
    """One BLAS thread for NumPy, as the exercise commands ask for (dlpath.exercises.threads); before NumPy loads."""
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
