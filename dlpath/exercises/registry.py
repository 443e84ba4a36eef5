"""Every exercise, one entry each: its command name, its folder, what it shows, and the readings it goes with.

Adding an exercise means adding one folder and one line here:

1. ``dlpath/exercises/<name>/`` holding
   - ``maths.py``: the reference implementation, small pure NumPy functions named after the maths, each
     with a docstring giving shapes (the practice scaffold copies their signatures and docstrings);
   - ``__init__.py``: a docstring line and the lazy ``__getattr__`` of the other folders, so that
     ``from dlpath.exercises.<name> import f`` reaches the maths without importing NumPy up front;
   - ``demo.py``: ``OPTIONS`` (the command's options, as ``dlpath.exercises.options.Option`` data) and
     ``run(out, err, **options)``, which prints what ``dlpath exercise <name>`` shows and returns the
     details to record in the learner's progress (or None);
   - ``views.py``: its tables and drawings (Rich renderables, built with ``dlpath.exercises.charts``);
   - ``practice.py`` (optional): ``SPEC``, a ``dlpath.practice.specs.PracticeSpec`` naming the functions the
     learner writes, the hints, and the checks. A check is a function of a ``Context``: it calls the
     learner's code with ``call(ctx, "forward", params, X)`` (run in the sandbox; arrays and plain
     values cross as data, a gradient function as ``codec.QuadraticGradient``), compares with
     ``ctx.reference`` (the maths) using ``expect_array`` and friends, and raises ``Failed`` with a
     message naming the likely mistake. ``reference_for=("forward",)`` runs dlpath's versions of the
     learner's other functions during the call, so a check blames only its own function. Put one
     fixture per mistake under ``tests/fixtures/practice/`` and grade it with ``grade_in_process``.
     When the checks outgrow one module (under 600 lines each, a test holds), they go in ``checks.py``
     beside it (and what they compare against in a module of its own, as backprop's ``mistakes.py``);
     ``practice.py`` keeps ``SPEC``.
   - ``demo.practice_check`` (optional): a check of its own for some options (backprop's
     ``--walkthrough --check``); it returns None to leave ``--check`` to the grader.
2. An ``Exercise(...)`` entry in ``EXERCISES`` below. The command, ``--practice``, ``--check`` and
   ``--hint`` follow from it; ``tests/`` should get a test module and, for practice, fixtures of
   typical mistakes under ``tests/fixtures/practice/``.

This module is plain data: ``dlpath exercise`` lists the exercises without importing NumPy.
"""

from __future__ import annotations

from dataclasses import dataclass

from dlpath.errors import NotFoundError


@dataclass(frozen=True, slots=True)
class Exercise:
    """One exercise: its command name, its folder, a one-line description, and where it sits in the path."""

    name: str  # the command: ``dlpath exercise <name>``, and the key progress is recorded under
    package: str  # its folder as a Python package, e.g. "dlpath.exercises.backprop"
    description: str
    step: int  # the step of the path whose readings it goes with
    resource_ids: tuple[str, ...]  # catalogue ids of those readings (data/steps.yaml)
    practice: bool = True  # its folder has a practice.py (the learner can write it and have it checked)
    data: str = ""  # the data set it uses, if any: origin and licence, shown in the list of exercises


DIGITS_DATA = (
    "1,797 8x8 handwritten digits: the UCI optdigits test set (Alpaydin & Kaynak, 1998) as distributed with"
    " scikit-learn; CC BY 4.0 per the UCI repository"
)


EXERCISES: dict[str, Exercise] = {
    exercise.name: exercise
    for exercise in (
        Exercise(
            name="sigmoid",
            package="dlpath.exercises.sigmoid",
            description="The logistic sigmoid and its derivative: a stable formula, a plot, and where the slope"
            " vanishes.",
            step=2,
            resource_ids=("wikipedia-sigmoid-function",),
        ),
        Exercise(
            name="gradient-descent",
            package="dlpath.exercises.gradient_descent",
            description="Gradient descent (with momentum) on a parabola, a bowl and the Rosenbrock valley; "
            "what a too-large learning rate does.",
            step=3,
            resource_ids=("toussaint-gradient-descent-notes",),
        ),
        Exercise(
            name="backprop",
            package="dlpath.exercises.backprop",
            description="Backpropagation: train a small sigmoid network on XOR, check its gradients, "
            "or follow one step by hand (--walkthrough).",
            step=3,
            resource_ids=("mazur-backpropagation-example", "kun-neural-networks-backpropagation"),
        ),
        Exercise(
            name="digits",
            package="dlpath.exercises.digits",
            description="A network.py-style classifier of 8x8 handwritten digits, trained by mini-batch SGD:"
            " sanity checks, live progress, confusion matrix, mistakes; quadratic against cross-entropy.",
            step=4,
            resource_ids=("nielsen-nndl-chapter-1",),
            data=DIGITS_DATA,
        ),
        Exercise(
            name="convolution",
            package="dlpath.exercises.convolution",
            description="Convolution, max-pooling and ReLU forward and backward: a small CNN learns the 8x8 digits"
            " live, its filters and feature maps drawn; one 4x4 convolution by hand (--walkthrough).",
            step=5,
            resource_ids=("cs231n-convolutional-networks", "nielsen-nndl-chapter-6", "olah-conv-nets-modular"),
            data=DIGITS_DATA,
        ),
        Exercise(
            name="rnn",
            package="dlpath.exercises.rnn",
            description="A character-level RNN (min-char-rnn) or LSTM (--cell lstm) learns the Zen of Python or"
            " your text, sampling as it goes; vanishing and exploding gradients through time, measured.",
            step=6,
            resource_ids=("karpathy-rnn-effectiveness", "olah-understanding-lstms"),
        ),
        Exercise(
            name="autoencoder",
            package="dlpath.exercises.autoencoder",
            description="A denoising autoencoder learns the 8x8 digits by undoing masking noise: reconstructions,"
            " error against the mean image, learned filters; with --hidden 2, the codes as a scatter plot.",
            step=7,
            resource_ids=("theano-denoising-autoencoders",),
            data=DIGITS_DATA,
        ),
    )
}


class UnknownExerciseError(NotFoundError):
    """No exercise has this name."""


def find_exercise(name: str, *, practice: bool = False) -> Exercise:
    """The exercise called ``name`` (``_`` and ``-`` alike); UnknownExerciseError listing the real names otherwise.

    With ``practice``, only exercises that have a practice mode are found.
    """
    key = name.strip().lower().replace("_", "-")
    choices = {n: e for n, e in EXERCISES.items() if e.practice or not practice}
    if key in choices:
        return choices[key]
    kind = "practice exercise" if practice else "exercise"
    raise UnknownExerciseError(f"no {kind} named '{name}': choose one of {', '.join(choices)}")
