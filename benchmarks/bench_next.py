"""How fast `dlpath next` (and `dlpath status`) start, against baselines measured in the same run.

1. `dlpath next` as a whole process against `python -c "import typer"` (target: ratio <= 1.5).
   For reference (where the time goes): `python -c "import dlpath.cli"` (importing the CLI, Typer
   and Rich) and `dlpath --version` (that plus Typer building every command, no dlpath work).
2. `dlpath next` and `dlpath status` with a generated catalogue of 5,000 resources and 5,000
   progress events against the same commands on the real catalogue (target: ratio <= 2).

Runs are interleaved (A, B, A, B, ...) so that a busy machine slows both sides alike; each figure is
the median of ``--runs`` runs after one warm-up run (which also fills the catalogue cache and writes
the .pyc files, as an installed dlpath has them).

    python benchmarks/bench_next.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# What a learner types: the installed console script beside this Python (python -m dlpath if there is none).
_SCRIPT = Path(sys.executable).with_name("dlpath")
DLPATH = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "dlpath"]
IMPORT_TYPER = [sys.executable, "-c", "import typer"]


def run_once(command: list[str], env: dict[str, str]) -> float:
    """Wall-clock seconds for one run of ``command``; fails loudly if the command fails."""
    start = time.perf_counter()
    result = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}): {result.stderr.strip()}")
    return elapsed


def medians(cases: dict[str, tuple[list[str], dict[str, str]]], runs: int) -> dict[str, float]:
    """Median seconds of each case, runs interleaved across cases, after one warm-up run each."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    for command, env in cases.values():
        run_once(command, env)
    for _ in range(runs):
        for name, (command, env) in cases.items():
            times[name].append(run_once(command, env))
    return {name: statistics.median(values) for name, values in times.items()}


def environment(home: Path, catalog: Path | None = None) -> dict[str, str]:
    """A learner's environment with ``home`` as their home folder: no DLPATH_HOME, so dlpath finds its data
    and cache folders through platformdirs (the XDG folders under ``home``), as an installed dlpath does."""
    # PYTHONDONTWRITEBYTECODE would make every run compile dlpath from source: users run from .pyc files.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DLPATH_", "XDG_")) and k != "PYTHONDONTWRITEBYTECODE"}
    env.update({"HOME": str(home), "XDG_DATA_HOME": str(home / ".local" / "share"),
                "XDG_CACHE_HOME": str(home / ".cache"), "NO_COLOR": "1", "COLUMNS": "120"})
    if catalog is not None:
        env["DLPATH_CATALOG"] = str(catalog)
    return env


def write_big_catalog(path: Path, steps: int = 50, per_step: int = 100) -> list[str]:
    """A valid catalogue of ``steps * per_step`` resources; returns the resource ids in path order."""
    ids = []
    lines = [
        "version: 1",
        "title: Generated Path",
        "source: {title: Generated Path, author: Bench Mark, url: 'https://example.org/path'}",
        "steps:",
    ]
    for s in range(steps):
        lines += [f"  - id: step-{s}", f"    title: Step {s}", f"    summary: Generated step {s}.", "    resources:"]
        for r in range(per_step):
            rid = f"res-{s}-{r}"
            ids.append(rid)
            lines += [
                f"      - id: {rid}",
                f"        title: Resource {s}.{r}",
                "        authors: [A. Author, B. Author]",
                f"        url: https://example.org/{s}/{r}",
                "        kind: paper",
                "        minutes: 30",
                "        provenance: reconstructed",
                f"        note: A note about resource {s}.{r}.",
            ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ids


def record_events(home: Path, ids: list[str], count: int) -> None:
    """``count`` progress events over ``ids`` (starts and dones, in batches), leaving the last one open."""
    os.environ.pop("DLPATH_HOME", None)
    os.environ["XDG_DATA_HOME"] = environment(home)["XDG_DATA_HOME"]
    from dlpath.progress import Store

    with Store.open(create=True) as store:
        done = ids[: count // 2]
        for i in range(0, len(done), 100):
            store.set_state(done[i : i + 100], "in-progress", "start")
            store.set_state(done[i : i + 100], "done")
        with store._conn:  # noqa: SLF001 - the benchmark reads its own numbers back
            total = store._conn.execute("SELECT count(*) FROM events").fetchone()[0]  # noqa: SLF001
    if total != count:
        raise SystemExit(f"expected {count} events, recorded {total}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per case (default 15)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="dlpath-bench-") as tmp:
        tmp_path = Path(tmp)
        real_home = tmp_path / "real-home"
        big_home = tmp_path / "big-home"
        big_catalog = tmp_path / "big.yaml"
        ids = write_big_catalog(big_catalog)
        record_events(big_home, ids, 5000)
        real_env = environment(real_home)
        subprocess.run([*DLPATH, "done", "1.1"], env=real_env, stdout=subprocess.DEVNULL, check=True)
        big_env = environment(big_home, big_catalog)

        print(f"python {sys.version.split()[0]}, {args.runs} interleaved runs per case, medians;"
              f" dlpath = {' '.join(DLPATH)}\n")
        figures = medians(
            {
                "import typer": (IMPORT_TYPER, real_env),
                "import dlpath.cli (for reference)": ([sys.executable, "-c", "import dlpath.cli"], real_env),
                "dlpath --version (for reference)": ([*DLPATH, "--version"], real_env),
                "dlpath next (real catalogue)": ([*DLPATH, "next"], real_env),
                "dlpath status (real catalogue)": ([*DLPATH, "status"], real_env),
                "dlpath next (5,000 resources/events)": ([*DLPATH, "next"], big_env),
                "dlpath status (5,000 resources/events)": ([*DLPATH, "status"], big_env),
            },
            args.runs,
        )
        for name, seconds in figures.items():
            print(f"  {name:<42} {seconds * 1000:7.1f} ms")
        print()
        checks = [
            ("next / import typer", figures["dlpath next (real catalogue)"] / figures["import typer"], 1.5),
            (
                "next: 5,000 / real catalogue",
                figures["dlpath next (5,000 resources/events)"] / figures["dlpath next (real catalogue)"],
                2.0,
            ),
            (
                "status: 5,000 / real catalogue",
                figures["dlpath status (5,000 resources/events)"] / figures["dlpath status (real catalogue)"],
                2.0,
            ),
        ]
        for name, ratio, target in checks:
            verdict = "ok" if ratio <= target else "over target"
            print(f"  ratio {name:<32} {ratio:5.2f}  (target <= {target}: {verdict})")


if __name__ == "__main__":
    main()
