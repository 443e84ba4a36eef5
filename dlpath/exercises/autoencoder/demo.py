"""What ``dlpath exercise autoencoder`` shows: a denoising autoencoder learning the 8x8 digits, live, then test
digits with their corrupted copies and reconstructions, the error against the mean image, and the learned filters
(with ``--hidden 2``, the 2-D codes of the test digits as a scatter plot)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dlpath.exercises.options import Option, positive, whole

if TYPE_CHECKING:
    from rich.console import Console

# the defaults are repeated from maths.py so that building the command never imports NumPy;
# tests/test_exercises_autoencoder.py checks they agree
HELP = "Train a denoising autoencoder (64-H-64 sigmoid units) on the 8x8 digits: it learns to undo masking noise."
OPTIONS = (
    Option("--hidden", "hidden", int, "Hidden units H (1 to 256); 2 also plots the codes.", default=64),
    Option("--noise", "noise", float, "Masking noise: the fraction of pixels set to 0 (0 to 0.9).", default=0.25),
    Option("--epochs", "epochs", int, "Passes over the training digits (1 to 500).", default=20),
    Option("--batch-size", "batch_size", int, "Digits per mini-batch (1 to 1438).", default=20),
    Option("--lr", "lr", float, "Learning rate η (above 0, at most 100).", default=1.0),
    Option("--seed", "seed", int, "Seed of the starting weights, the noise and the shuffling.", default=0),
)
MAX_HIDDEN = 256
MAX_EPOCHS = 500
MAX_NOISE = 0.9
MAX_LR = 100.0
FILTERS_SHOWN = 24


def config_from_options(hidden: int, noise: float, epochs: int, batch_size: int, lr: float, seed: int):
    """The options checked and gathered into an ``experiments.Config``; ExerciseError naming a bad one."""
    import math

    from dlpath.exercises import ExerciseError
    from dlpath.exercises.autoencoder.experiments import Config
    from dlpath.exercises.datasets import N_TRAIN

    whole(hidden, "--hidden", 1, MAX_HIDDEN)
    if not (math.isfinite(noise) and 0 <= noise <= MAX_NOISE):
        raise ExerciseError(f"--noise must be between 0 and {MAX_NOISE:g} (a fraction of the pixels), got {noise:g}")
    whole(epochs, "--epochs", 1, MAX_EPOCHS)
    whole(batch_size, "--batch-size", 1, N_TRAIN)
    positive(lr, "--lr", "1.0")
    if lr > MAX_LR:
        raise ExerciseError(f"--lr must be at most {MAX_LR:g}, got {lr:g}: steps that large only diverge")
    whole(seed, "--seed", 0, 2**63 - 1)
    return Config(hidden, epochs, batch_size, lr, noise, seed)


def run(
    out: Console, err: Console, hidden: int, noise: float, epochs: int, batch_size: int, lr: float, seed: int
) -> dict:
    """Check, train (live, one line per epoch), show what it learned; the final figures of the run."""
    config = config_from_options(hidden, noise, epochs, batch_size, lr, seed)
    from dlpath.exercises.threads import one_blas_thread

    one_blas_thread()
    from dlpath.exercises.autoencoder import experiments as ex
    from dlpath.exercises.autoencoder import views
    from dlpath.exercises.datasets import ORIGIN, load_digits
    from dlpath.exercises.views import say, title

    split = load_digits()
    title(
        out,
        f"A denoising autoencoder: 64-{hidden}-64 sigmoid units with tied weights",
        f"masking noise {noise:.0%}, cross-entropy reconstruction cost, mini-batch SGD, batch {batch_size},"
        f" η = {lr:g}, seed {seed}; {len(split.train.labels):,} training and {len(split.test.labels)} test"
        f" digits.\nData: {ORIGIN}.",
    )
    baseline_error = ex.ae.mean_image_error(split.train.inputs, split.test.inputs)
    say(
        out,
        f"Training (test error: mean squared error per pixel of the clean test digits, rebuilt from copies with"
        f" {noise:.0%} of their pixels masked)",
        "bold",
    )
    result = ex.train_run(split, config, lambda r: out.print(views.epoch_line(r, epochs, baseline_error)))
    out.print()
    out.print(views.examples_view(ex.examples(split, result), noise))
    fraction = result.fraction_of_baseline
    good = fraction <= ex.BASELINE_FRACTION
    say(
        out,
        f"Test reconstruction error {result.test_error:.4f} per pixel (squared, pixels in [0, 1]) against"
        f" {result.baseline_error:.4f} for always answering the mean training image: {fraction:.2f} of that"
        " baseline. "
        + (
            (
                "A third or less: the network has learned what digits look like, not just their average."
                if noise > 0
                else "A third or less. Without noise this is plain reconstruction, which enough hidden units can"
                " reach by copying their input: the masking noise (--noise) is what makes an autoencoder learn"
                " how digits look."
            )
            if good
            else "More than a third of it: train longer (--epochs), or try more --hidden units or another --lr."
        ),
        "bold green" if good else "bold yellow",
    )
    out.print()
    out.print(views.filters_view(ex.filters(result.params, FILTERS_SHOWN), hidden))
    if hidden == 2:
        out.print()
        out.print(views.scatter_view(ex.codes(split, result), split.test.labels))
    return {
        "test_error": result.test_error,
        "baseline_error": result.baseline_error,
        "fraction_of_baseline": fraction,
        "final_loss": result.history[-1].loss,
        "epochs": epochs,
        "seconds": round(result.seconds, 3),
        "seed": seed,
        "hidden": hidden,
        "noise": noise,
        "batch_size": batch_size,
        "lr": lr,
    }
