"""The exercises: each one's name, what it shows, and the step and readings of the path it goes with.

This registry is plain data so that ``dlpath exercise`` can list the exercises without importing NumPy;
the exercises themselves live in ``sigmoid.py``, ``gradient_descent.py`` and ``backprop.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from dlpath.errors import DlpathError


class ExerciseError(DlpathError):
    """Bad input to an exercise (layer sizes, a learning rate, a weights file); the message says what to fix."""


@dataclass(frozen=True, slots=True)
class Exercise:
    """One exercise: its command name, a one-line description, and where it sits in the reading path."""

    name: str  # the command: ``dlpath exercise <name>``, and the key progress is recorded under
    description: str
    step: int  # the step of the path whose readings it goes with
    resource_ids: tuple[str, ...]  # catalogue ids of those readings (data/steps.yaml)


EXERCISES: dict[str, Exercise] = {
    exercise.name: exercise
    for exercise in (
        Exercise(
            name="sigmoid",
            description="The logistic sigmoid and its derivative: a stable formula, a plot, and where the slope"
            " vanishes.",
            step=2,
            resource_ids=("wikipedia-sigmoid-function",),
        ),
        Exercise(
            name="gradient-descent",
            description="Gradient descent (with momentum) on a parabola, a bowl and the Rosenbrock valley; "
            "what a too-large learning rate does.",
            step=3,
            resource_ids=("toussaint-gradient-descent-notes",),
        ),
        Exercise(
            name="backprop",
            description="Backpropagation: train a small sigmoid network on XOR, check its gradients, "
            "or follow one step by hand (--walkthrough).",
            step=3,
            resource_ids=("mazur-backpropagation-example", "kun-neural-networks-backpropagation"),
        ),
    )
}

