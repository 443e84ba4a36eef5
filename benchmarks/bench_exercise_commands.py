"""Time the convolution and RNN exercise commands as a learner runs them, against their targets.

- ``dlpath exercise convolution`` with its defaults, whole process (target: under 3 s);
- ``dlpath exercise rnn`` with its defaults: when its first sample appears on stdout (target: within 1 s of
  starting) and when its smoothed loss first falls below 1.0 nat per character, counted from the start of
  the process (target: within 15 s); the training loop reports the latter in its --json figures.

Each is run a few times; medians are printed, with each figure's ratio to its target (at most 1 meets it).
The machine's load average is printed too: on a shared machine the figures move with it. The output goes to
a pipe, with PYTHONUNBUFFERED=1 so that lines arrive as they would on a terminal.

Run: python benchmarks/bench_exercise_commands.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 3
ROOT = Path(__file__).parent.parent


def environment(home: str) -> dict[str, str]:
    env = dict(os.environ, NO_COLOR="1", DLPATH_HOME=home, PYTHONUNBUFFERED="1")  # never the learner's progress
    env.pop("DLPATH_CATALOG", None)
    return env


def convolution_seconds(env: dict[str, str]) -> float:
    start = time.perf_counter()
    command = [sys.executable, "-m", "dlpath", "exercise", "convolution"]
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start


def rnn_seconds(env: dict[str, str]) -> tuple[float, float, float]:
    """(first sample, loss target reached, whole run), seconds from the start of the process."""
    start = time.perf_counter()
    first = None
    command = [sys.executable, "-m", "dlpath", "exercise", "rnn"]
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT) as process:
        for line in process.stdout:
            if first is None and line.startswith("── iteration 0,"):
                first = time.perf_counter() - start
    whole = time.perf_counter() - start
    if process.returncode != 0 or first is None:
        raise SystemExit("dlpath exercise rnn failed or printed no sample")
    # the loop's own clock: start of training to the target, plus the time from process start to training
    figures = json.loads(
        subprocess.run(command + ["--json"], env=env, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    )
    if figures["seconds_to_target"] is None:
        raise SystemExit("the default run did not reach the loss target")
    return first, first + figures["seconds_to_target"], whole


def verdict(value: float, target: float) -> str:
    meets = "meets" if value <= target else "MISSES"
    return f"{value:6.2f} s   ratio to the {target:g} s target {value / target:5.2f}x  ({meets} it)"


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; {RUNS} runs each")
    with tempfile.TemporaryDirectory() as home:
        env = environment(home)
        convolution = [convolution_seconds(env) for _ in range(RUNS)]
        rnn = [rnn_seconds(env) for _ in range(RUNS)]
    print(f"dlpath exercise convolution, whole run:      {verdict(statistics.median(convolution), 3.0)}")
    print(f"dlpath exercise rnn, first sample shown:     {verdict(statistics.median(r[0] for r in rnn), 1.0)}")
    print(f"dlpath exercise rnn, loss below 1 nat/char:  {verdict(statistics.median(r[1] for r in rnn), 15.0)}")
    print(f"dlpath exercise rnn, whole run (no target):  {statistics.median(r[2] for r in rnn):6.2f} s")


if __name__ == "__main__":
    main()
