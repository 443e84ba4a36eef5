"""What ``dlpath exercise digits`` shows: a classifier of 8x8 handwritten digits trained by mini-batch SGD, live,
with the sanity checks before, and the confusion matrix and most confident mistakes after."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dlpath.exercises.options import Option, positive, whole

if TYPE_CHECKING:
    from rich.console import Console

# the defaults are repeated from maths.py here so that building the command never imports NumPy;
# tests/test_exercises_digits.py checks they agree
HELP = "Train a network.py-style classifier on 1,438 handwritten 8x8 digits and test it on 359 others."
OPTIONS = (
    Option("--hidden", "hidden", int, "Hidden units (1 to 512).", default=32),
    Option("--epochs", "epochs", int, "Passes over the training digits (1 to 500).", default=20),
    Option("--batch-size", "batch_size", int, "Digits per mini-batch (1 to 1438).", default=32),
    Option("--lr", "lr", float, "Learning rate η (above 0, at most 100).", default=1.0),
    Option("--seed", "seed", int, "Seed of the starting weights and of the shuffling.", default=0),
    Option("--activation", "activation", str, "Hidden units.", default="sigmoid", choices=("sigmoid", "relu")),
    Option(
        "--cost",
        "cost",
        str,
        "cross-entropy (softmax outputs); quadratic (σ outputs) also trains cross-entropy to compare the two.",
        default="cross-entropy",
        choices=("cross-entropy", "quadratic"),
    ),
)
MAX_HIDDEN = 512
MAX_EPOCHS = 500
MAX_LR = 100.0
MISTAKES_SHOWN = 6


def config_from_options(hidden: int, epochs: int, batch_size: int, lr: float, seed: int, activation: str, cost: str):
    """The options checked and gathered into an ``experiments.Config``; ExerciseError naming a bad one."""
    from dlpath.exercises import ExerciseError
    from dlpath.exercises.datasets import N_TRAIN
    from dlpath.exercises.digits.experiments import Config

    whole(hidden, "--hidden", 1, MAX_HIDDEN)
    whole(epochs, "--epochs", 1, MAX_EPOCHS)
    whole(batch_size, "--batch-size", 1, N_TRAIN)
    positive(lr, "--lr", "1.0")
    if lr > MAX_LR:
        raise ExerciseError(f"--lr must be at most {MAX_LR:g}, got {lr:g}: steps that large only diverge")
    whole(seed, "--seed", 0, 2**63 - 1)
    return Config(hidden, epochs, batch_size, lr, seed, activation, cost)


def run(
    out: Console,
    err: Console,
    hidden: int,
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int,
    activation: str,
    cost: str,
) -> dict:
    """Check, train (live, one line per epoch), evaluate and print; the final figures of the run."""
    config = config_from_options(hidden, epochs, batch_size, lr, seed, activation, cost)
    from dlpath.exercises.threads import one_blas_thread

    one_blas_thread()
    from dlpath.exercises.datasets import ORIGIN, load_digits
    from dlpath.exercises.digits import experiments as ex
    from dlpath.exercises.digits import views
    from dlpath.exercises.views import say, title

    split = load_digits()
    shape = "-".join(map(str, config.layer_sizes))
    output = "softmax" if cost == "cross-entropy" else "σ"
    title(
        out,
        f"Handwritten digits: a {shape} network trained by mini-batch SGD",
        f"{activation} hidden units, {output} outputs, {cost} cost; batch {batch_size}, η = {lr:g}, seed {seed};"
        f" {len(split.train.labels):,} training and {len(split.test.labels)} test digits.\nData: {ORIGIN}.",
    )
    initial = ex.initial_cost(split, config)
    overfit = ex.overfit_small(split, config)
    out.print(views.sanity_checks(initial, overfit, cost))
    out.print()

    if cost == "quadratic":
        say(out, "Training with the quadratic cost, then with cross-entropy from the same start", "bold")
        comparison = ex.compare_costs(
            split, config, lambda name, r: out.print(views.epoch_line(r, epochs, f"{name:>13}  "))
        )
        result = comparison.quadratic
    else:
        say(out, "Training", "bold")
        result = ex.train_run(split, config, lambda r: out.print(views.epoch_line(r, epochs)))

    final = result.history[-1]
    predicted = result.test_outputs.argmax(axis=1)
    out.print()
    say(
        out,
        f"Test accuracy {final.test_accuracy:.1%} ({int((predicted == split.test.labels).sum())} of"
        f" {len(predicted)} right) after {epochs} epoch{'s' if epochs != 1 else ''} in {result.seconds:.2f} s;"
        " training accuracy"
        f" {final.train_accuracy:.1%}.",
        "bold",
    )
    out.print(views.confusion_table(ex.confusion_matrix(predicted, split.test.labels)))
    wrong = int((predicted != split.test.labels).sum())
    worst = ex.mistakes(split.test.images, split.test.labels, result.test_outputs, MISTAKES_SHOWN)
    out.print(views.mistakes_view(worst, wrong, len(predicted), probabilities=cost == "cross-entropy"))
    if cost == "quadratic":
        out.print()
        out.print(views.comparison_table(comparison))
        say(out, ex.slowdown_summary(comparison), "bold")
        say(out, ex.SLOWDOWN_WHY)
    return {
        "test_accuracy": final.test_accuracy,
        "train_accuracy": final.train_accuracy,
        "final_loss": final.loss,
        "epochs": epochs,
        "seconds": round(result.seconds, 3),
        "seed": seed,
        "hidden": hidden,
        "batch_size": batch_size,
        "lr": lr,
        "activation": activation,
        "cost": cost,
        "initial_loss": initial.value,
        "overfit_epochs": overfit.epochs,
    }
