"""The NumPy exercises, one folder each (``sigmoid/``, ``gradient_descent/``, ``backprop/``), listed in ``registry``.

Shared by them all: ``charts`` (terminal charts), ``views`` (the list, titles), ``options`` (a demo's
command-line options as data). Importing this package never imports NumPy.
"""

from __future__ import annotations

from dlpath.errors import DlpathError


class ExerciseError(DlpathError):
    """Bad input to an exercise (layer sizes, a learning rate, a weights file); the message says what to fix."""


from dlpath.exercises.registry import EXERCISES, Exercise, find_exercise  # noqa: E402 - after ExerciseError

__all__ = ["EXERCISES", "Exercise", "ExerciseError", "find_exercise"]
