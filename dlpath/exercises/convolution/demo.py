"""What ``dlpath exercise convolution`` shows: a small CNN learning the 8x8 digits, live, then its filters and one
digit's feature maps after each layer; or one tiny convolution by hand (--walkthrough)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dlpath.exercises import ExerciseError
from dlpath.exercises.options import Option, positive, whole

if TYPE_CHECKING:
    from rich.console import Console

# the defaults are repeated from cnn.py here so that building the command never imports NumPy;
# tests/test_exercises_convolution.py checks they agree
HELP = (
    "Train a small CNN (conv -> ReLU -> max-pool -> fully connected -> softmax) on the 8x8 digits, or follow one"
    " tiny convolution by hand (--walkthrough)."
)
OPTIONS = (
    Option("--epochs", "epochs", int, "Passes over the 1,438 training digits (1 to 200).", default=12),
    Option("--filters", "filters", int, "Convolution filters (1 to 64).", default=8),
    Option("--kernel", "kernel", int, "Filter size K (K x K, odd: 1, 3, 5 or 7).", default=3),
    Option("--batch-size", "batch_size", int, "Digits per mini-batch (1 to 1438).", default=32),
    Option("--lr", "lr", float, "Learning rate η at the first epoch (above 0, at most 10).", default=0.1),
    Option("--momentum", "momentum", float, "Momentum μ, in [0, 1).", default=0.9),
    Option("--decay", "decay", float, "Learning-rate factor per epoch, in (0, 1].", default=0.8),
    Option("--seed", "seed", int, "Seed of the starting weights and of the shuffling.", default=0),
    Option("--walkthrough", "walkthrough", bool, "A 4x4 input, a 2x2 filter: every number, forward and back.", False),
)
MAX_EPOCHS = 200
MAX_FILTERS = 64
MAX_LR = 10.0


def run(
    out: Console,
    err: Console,
    epochs: int,
    filters: int,
    kernel: int,
    batch_size: int,
    lr: float,
    momentum: float,
    decay: float,
    seed: int,
    walkthrough: bool,
) -> dict:
    """Train and show the CNN, or the walkthrough; the run's figures (recorded, and printed by --json)."""
    if walkthrough:
        given = {"epochs": epochs, "filters": filters, "kernel": kernel, "batch_size": batch_size, "lr": lr,
                 "momentum": momentum, "decay": decay, "seed": seed}
        changed = [o.flag for o in OPTIONS if o.name in given and given[o.name] != o.default]
        if changed:
            raise ExerciseError(
                f"{', '.join(changed)} cannot be used with --walkthrough, which computes one fixed 4x4 example by"
                f" hand: drop {'it' if len(changed) == 1 else 'them'}, or drop --walkthrough to train the CNN"
            )
        return _walkthrough(out)
    whole(epochs, "--epochs", 1, MAX_EPOCHS)
    whole(filters, "--filters", 1, MAX_FILTERS)
    if kernel not in (1, 3, 5, 7):
        raise ExerciseError(f"--kernel must be 1, 3, 5 or 7 (odd, so the padding keeps 8x8 maps), got {kernel}")
    positive(lr, "--lr", "0.1")
    if lr > MAX_LR:
        raise ExerciseError(f"--lr must be at most {MAX_LR:g}, got {lr:g}: steps that large only diverge")
    if not 0.0 <= momentum < 1.0:
        raise ExerciseError(f"--momentum must be at least 0 and below 1, got {momentum:g} (e.g. --momentum 0.9)")
    if not 0.0 < decay <= 1.0:
        raise ExerciseError(f"--decay must be above 0 and at most 1, got {decay:g} (1 keeps the rate fixed)")
    whole(seed, "--seed", 0, 2**63 - 1)

    from dlpath.exercises.allocator import keep_freed_memory
    from dlpath.exercises.threads import one_blas_thread

    one_blas_thread()
    keep_freed_memory()
    from dlpath.exercises.datasets import N_TRAIN

    whole(batch_size, "--batch-size", 1, N_TRAIN)
    return _train(out, err, epochs, filters, kernel, batch_size, lr, momentum, decay, seed)


def _train(out, err, epochs, filters, kernel, batch_size, lr, momentum, decay, seed) -> dict:
    import numpy as np

    from dlpath.exercises.convolution import cnn, views
    from dlpath.exercises.datasets import load_digits
    from dlpath.exercises.views import say, title

    digits = load_digits()
    x_train, y_train = digits.train.images[:, None] / 16.0, digits.train.labels.astype(np.intp)
    x_test, y_test = digits.test.images[:, None] / 16.0, digits.test.labels.astype(np.intp)
    params = cnn.init_cnn((1, 8, 8), 10, filters, kernel, seed)
    title(
        out,
        "A small CNN learns the 8x8 digits",
        f"conv {filters}@{kernel}x{kernel} (padding {kernel // 2}) -> ReLU -> max-pool 2x2 -> fully connected"
        " -> softmax;"
        f" {len(x_train):,} training and {len(x_test):,} test digits; mini-batches of {batch_size}, SGD with momentum"
        f" μ = {momentum:g}, η = {lr:g} × {decay:g}^(epoch − 1), seed {seed}",
    )

    def on_epoch(metrics) -> None:
        out.print(views.epoch_line(metrics, epochs))

    history = cnn.train_cnn(
        params, x_train, y_train, x_test, y_test, epochs, lr, momentum, batch_size, seed, decay, on_epoch=on_epoch
    )
    final = history[-1]
    say(out, "\nThe learned filters (each a K x K patch of weights the convolution slides over the image):", "bold")
    out.print(views.filters(params["w1"]))
    example = _example_digit(params, x_test, y_test)
    predicted = int(cnn.predict(params, x_test[example : example + 1])[0])
    out.print(views.feature_maps(cnn.feature_maps(params, x_test[example]), int(y_test[example]), predicted))
    wrong = int(round((1 - final.test_accuracy) * len(y_test)))
    say(
        out,
        f"\nTest accuracy {final.test_accuracy:.2%} ({len(y_test) - wrong} of {len(y_test)} unseen digits right)"
        f" after {final.epoch} epochs in {final.seconds:.2f} s; training accuracy {final.train_accuracy:.2%}.",
        "bold green" if final.test_accuracy >= 0.96 else "bold yellow",
    )
    return {
        "test_accuracy": final.test_accuracy,
        "train_accuracy": final.train_accuracy,
        "final_loss": final.train_loss,
        "epochs": final.epoch,
        "seconds": round(final.seconds, 3),
        "seed": seed,
        "filters": filters,
        "kernel": kernel,
        "batch_size": batch_size,
        "lr": lr,
        "momentum": momentum,
        "decay": decay,
    }


def _example_digit(params, x_test, y_test) -> int:
    """The first test digit the network gets right (the first one if it gets none right): the one drawn."""
    from dlpath.exercises.convolution import cnn

    right = (cnn.predict(params, x_test) == y_test).nonzero()[0]
    return int(right[0]) if len(right) else 0


def _walkthrough(out: Console) -> dict:
    from dlpath.exercises.convolution import views
    from dlpath.exercises.convolution import walkthrough as wt
    from dlpath.exercises.views import say, title

    example = wt.walkthrough()
    title(out, "One convolution by hand: a 4x4 input, one 2x2 filter, stride 1, no padding -> a 3x3 output")
    say(out, wt.INTRODUCTION, "dim")
    out.print(views.walkthrough(example), crop=False)
    return {
        "walkthrough": True,
        "output": example.out.tolist(),
        "dw": example.dw.tolist(),
        "db": example.db,
        "dx": example.dx.tolist(),
    }
