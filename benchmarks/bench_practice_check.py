"""How long `dlpath exercise backprop --check` takes on a right solution, against `python -c "import numpy"`.

The learner's file is a copy of dlpath's reference functions (as a learner would have written them:
the grader refuses a file that imports them). Grading starts the sandbox (a second Python that loads
NumPy), runs every check, and ends it; the baseline is one Python starting and importing NumPy.
Target: ratio <= 4.

Runs are interleaved (A, B, A, B, ...) so that a busy machine slows both sides alike; each figure is
the median of ``--runs`` runs after one warm-up run each.

    python benchmarks/bench_practice_check.py [--runs 11]
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_SCRIPT = Path(sys.executable).with_name("dlpath")
DLPATH = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "dlpath"]
IMPORT_NUMPY = [sys.executable, "-c", "import numpy"]


def run_once(command: list[str], env: dict[str, str], cwd: Path) -> float:
    """Wall-clock seconds for one run of ``command``; fails loudly unless it exits 0."""
    start = time.perf_counter()
    result = subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        reference = importlib.import_module("dlpath.exercises.backprop.maths")
        (folder / "backprop.py").write_text(Path(reference.__file__).read_text(encoding="utf-8"), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("DLPATH_") and k != "PYTHONDONTWRITEBYTECODE"}
        env.update({"DLPATH_HOME": str(folder / "home"), "NO_COLOR": "1", "COLUMNS": "120"})
        cases = {
            "dlpath exercise backprop --check": DLPATH + ["exercise", "backprop", "--check", "backprop.py"],
            'python -c "import numpy"': IMPORT_NUMPY,
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        for command in cases.values():
            run_once(command, env, folder)
        for _ in range(args.runs):
            for name, command in cases.items():
                times[name].append(run_once(command, env, folder))
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, seconds in medians.items():
        print(f"{name:<40} {seconds * 1000:8.0f} ms (median of {args.runs})")
    check, numpy = medians.values()
    print(f"ratio: {check / numpy:.2f} (target <= 4)")


if __name__ == "__main__":
    main()
