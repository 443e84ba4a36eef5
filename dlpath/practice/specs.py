"""What a practice exercise is: the learner's file, the functions to rewrite, the hints and the checks.

Each exercise declares its ``SPEC`` in ``dlpath/exercises/<name>/practice.py``; ``find_spec`` finds it
through the registry and fills in the exercise's name and its reference module (``<name>/maths.py``).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from dlpath.exercises.registry import EXERCISES, find_exercise

if TYPE_CHECKING:
    from dlpath.practice.checking import Check


@dataclass(frozen=True, slots=True)
class PracticeSpec:
    """One practice exercise: the learner rewrites ``functions`` of the reference ``module``."""

    filename: str  # the learner's file inside the practice folder
    functions: tuple[str, ...]  # what the learner writes, in the order they are best written
    hints: tuple[str, ...]  # revealed one at a time by --hint; the readings come from the registry
    checks: tuple[Check, ...]  # run in this order after the file loads
    preamble: tuple[str, ...] = ()  # lines the scaffold starts its code with, beyond the imports
    try_it: tuple[str, ...] = ()  # what ``python FILE`` runs, so the learner can try their code
    shape_note: str = ""  # added to shape errors the learner's code raises (the API's shape conventions)
    name: str = ""  # filled in from the registry: the name on the command line, e.g. "gradient-descent"
    module: str = ""  # filled in from the registry: the reference implementation, e.g. "...backprop.maths"
    package: str = ""  # filled in from the registry: the exercise's folder, e.g. "dlpath.exercises.backprop"

    @property
    def stem(self) -> str:
        """The learner file's name without ``.py``."""
        return self.filename.removesuffix(".py")


def find_spec(name: str) -> PracticeSpec:
    """The practice exercise called ``name``; UnknownExerciseError listing the real names otherwise."""
    exercise = find_exercise(name, practice=True)
    spec = importlib.import_module(f"{exercise.package}.practice").SPEC
    return replace(spec, name=exercise.name, module=f"{exercise.package}.maths", package=exercise.package)


def all_specs() -> dict[str, PracticeSpec]:
    """Every practice exercise by name, in the registry's order."""
    return {name: find_spec(name) for name, exercise in EXERCISES.items() if exercise.practice}
