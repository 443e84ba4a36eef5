"""Checks shared by the commands' options: every number within a stated range, output paths writable.

Each check raises ``DlpathError`` with one line naming the option, the range and the value given, so
``--timeout nan``, ``--concurrency 99999999999`` or ``history -n 1e30`` end the same clear way.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from dlpath.errors import DlpathError

# The ranges, in one place so the README and the errors agree.
TIMEOUT = (0.1, 3600.0)  # seconds for one attempt at a URL
CONCURRENCY = (1, 256)  # URLs checked at once
PER_HOST = (1, 64)  # requests in flight to one host
RETRIES = (0, 10)
MAX_REDIRECTS = (0, 50)
TIME_LIMIT = (0.1, 3600.0)  # seconds the learner's code may run under --check
HISTORY = (1, 1_000_000)  # events `history -n` shows
LEARNING_RATE = (1e-12, 1000.0)
START = (-1000.0, 1000.0)  # each coordinate of --start
MOMENTUM = (0.0, 1.0)  # [0, 1)
EPOCHS = (1, 1_000_000)
# Weight updates one backprop run may do: epochs x (weights and biases + a per-epoch overhead worth about
# 1,000 of them). About half a minute on a laptop; more is a typo, not a lesson.
TRAINING_WORK = 500_000_000
EPOCH_OVERHEAD = 1_000


def _shown(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def number_in(option: str, value: float, low: float, high: float, *, example: str, unit: str = "") -> float:
    """``value`` when it is a finite number with ``low <= value <= high``; DlpathError otherwise."""
    if not (isinstance(value, (int, float)) and math.isfinite(value) and low <= value <= high):
        units = f" {unit}" if unit else ""
        raise DlpathError(
            f"{option} must be a number from {_shown(low)} to {_shown(high)}{units}, got {_shown(value)}"
            f" (e.g. {option} {example})"
        )
    return value


def whole_in(option: str, value: int, low: int, high: int, *, example: str | None = None) -> int:
    """``value`` when it is a whole number with ``low <= value <= high``; DlpathError otherwise."""
    if not (isinstance(value, int) and low <= value <= high):
        hint = f" (e.g. {option} {example})" if example else ""
        raise DlpathError(f"{option} must be a whole number from {low:,} to {high:,}, got {_shown(value)}{hint}")
    return value


def training_work(epochs: int, parameters: int, layers: str) -> None:
    """Refuse a backprop run whose epochs x network size would take far longer than a lesson needs."""
    work = epochs * (parameters + EPOCH_OVERHEAD)
    if work > TRAINING_WORK:
        most = TRAINING_WORK // (parameters + EPOCH_OVERHEAD)
        raise DlpathError(
            f"--epochs {epochs:,} on a {layers} network ({parameters:,} weights and biases) is more training than"
            f" dlpath runs at once: at most {most:,} epochs for this network; use fewer epochs or a smaller network"
        )


def output_path(option: str, path: Path) -> Path:
    """Check, before any long work, that ``path`` can be written: DlpathError naming the problem otherwise.

    ``-``, an existing FIFO, character device or a symbolic link to one are fine (written through);
    a directory, a missing or read-only folder, or a read-only file are refused.
    """
    import stat

    if str(path) == "-":
        return path
    try:
        st = path.stat()
    except FileNotFoundError:
        st = None
    except OSError as err:
        raise DlpathError(f"{option} {path} cannot be used: {err.strerror or err}") from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise DlpathError(f"{option} {path} is a directory: give a file name, e.g. {path / 'report.txt'}")
        if not os.access(path, os.W_OK):
            raise DlpathError(f"{option} {path} is not writable: check its permissions or choose another file")
        return path
    folder = path.resolve().parent
    if not folder.is_dir():
        raise DlpathError(f"{option} {path}: the folder {folder} does not exist; create it or choose another file")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DlpathError(f"{option} {path}: the folder {folder} is not writable; choose another place")
    return path
