"""An exercise's command-line options as plain data, and the checks its demo applies to their values.

Each exercise's ``demo.OPTIONS`` lists its options; the CLI turns them into the options of
``dlpath exercise <name>`` (after the file argument, before the practice options), so an exercise
declares them without importing the CLI.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from dlpath.exercises import ExerciseError


@dataclass(frozen=True, slots=True)
class Option:
    """One option of an exercise's command: ``run`` receives its value as the keyword ``name``."""

    flag: str  # e.g. "--lr"
    name: str  # the keyword argument of the demo's ``run``
    type: type  # float, int, str, bool or pathlib.Path
    help: str
    default: Any = None  # None: not given, the demo chooses (and says in the help)
    show_default: bool = True
    choices: tuple[str, ...] = ()  # for a str option: the only values allowed


def positive(value: float, option: str, example: str) -> float:
    """``value`` if it is a finite number above 0; ExerciseError naming ``option`` otherwise."""
    if not math.isfinite(value) or value <= 0:
        raise ExerciseError(f"{option} must be a positive number, got {value:g} (e.g. {option} {example})")
    return value


def whole(value: int, option: str, low: int, high: int) -> int:
    """``value`` if it lies in [low, high]; ExerciseError naming ``option`` otherwise."""
    if not low <= value <= high:
        raise ExerciseError(f"{option} must be between {low:,} and {high:,}, got {value:,}")
    return value


def numbers(text: str, option: str, example: str) -> list[float]:
    """Comma-separated numbers (``-1.5,2``); ExerciseError naming the option otherwise."""
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise ExerciseError(f"{option} must be numbers separated by commas, e.g. {example}; got '{text}'") from None
    if not all(math.isfinite(v) for v in values):
        raise ExerciseError(f"{option} must be finite numbers, got '{text}'")
    return values
