"""What ``dlpath exercise rnn`` shows: a character-level RNN (or LSTM) learning a text, its samples as it learns,
the loss curve, and vanishing and exploding gradients through time, measured."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from dlpath.exercises import ExerciseError
from dlpath.exercises.options import Option, positive, whole

if TYPE_CHECKING:
    from rich.console import Console

# the defaults are repeated from training.py here so that building the command never imports NumPy;
# tests/test_exercises_rnn.py checks they agree
HELP = (
    "Train a character-level RNN (min-char-rnn) or LSTM on the Zen of Python or your text: samples as it learns,"
    " the loss, and vanishing and exploding gradients through time."
)
OPTIONS = (
    Option("--cell", "cell", str, "The recurrent cell.", default="rnn", choices=("rnn", "lstm")),
    Option("--text", "text", Path, "A UTF-8 text file to learn (default: the Zen of Python).", show_default=False),
    Option("--iterations", "iterations", int, "Training windows (1 to 1,000,000).", default=4000),
    Option("--hidden", "hidden", int, "Hidden units H (1 to 512).", default=100),
    Option(
        "--window", "window", int, "Characters per window, the steps BPTT runs back through (1 to 200).", default=25
    ),
    Option("--lr", "lr", float, "Adagrad's learning rate (above 0, at most 10).", default=0.03),
    Option("--clip", "clip", float, "Clip every gradient entry to ±CLIP (0: no clipping).", default=5.0),
    Option("--sample-every", "sample_every", int, "Iterations between samples (1 to 1,000,000).", default=500),
    Option("--seed", "seed", int, "Seed of the starting weights and of the samples.", default=0),
)
MAX_HIDDEN = 512
MAX_WINDOW = 200
MAX_LR = 10.0


def run(
    out: Console,
    err: Console,
    cell: str,
    text: Path | None,
    iterations: int,
    hidden: int,
    window: int,
    lr: float,
    clip: float,
    sample_every: int,
    seed: int,
) -> dict:
    """Train and show the model, then the gradient-flow demonstration; the run's figures."""
    whole(iterations, "--iterations", 1, 1_000_000)
    whole(hidden, "--hidden", 1, MAX_HIDDEN)
    whole(window, "--window", 1, MAX_WINDOW)
    positive(lr, "--lr", "0.03")
    if lr > MAX_LR:
        raise ExerciseError(f"--lr must be at most {MAX_LR:g}, got {lr:g}: steps that large only diverge")
    if not (clip == 0 or clip > 0) or clip == float("inf"):
        raise ExerciseError(f"--clip must be 0 (no clipping) or a positive number, got {clip:g} (e.g. --clip 5)")
    whole(sample_every, "--sample-every", 1, 1_000_000)
    whole(seed, "--seed", 0, 2**63 - 1)

    from dlpath.exercises.rnn.text import load_text, zen_of_python

    corpus = zen_of_python() if text is None else load_text(text)
    source = "the Zen of Python (the standard library's 'this' module)" if text is None else f"{text.name}"
    if window >= len(corpus):
        raise ExerciseError(f"--window {window} is not shorter than the text ({len(corpus)} characters): choose less")

    from dlpath.exercises.allocator import keep_freed_memory
    from dlpath.exercises.threads import one_blas_thread

    one_blas_thread()
    keep_freed_memory()
    return _train(out, err, corpus, source, cell, iterations, hidden, window, lr, clip or None, sample_every, seed)


def _train(out, err, corpus, source, cell, iterations, hidden, window, lr, clip, sample_every, seed) -> dict:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from dlpath.exercises.rnn import gradient_flow, training, views
    from dlpath.exercises.rnn.text import Vocabulary
    from dlpath.exercises.views import say, title

    vocab = Vocabulary.of(corpus)
    name = "an LSTM" if cell == "lstm" else "a vanilla RNN"
    clipping = f"gradients clipped to ±{clip:g}" if clip else "no clipping"
    title(
        out,
        f"A character-level model, {name} with {hidden} hidden units, learning {source}",
        f"{len(corpus):,} characters, {vocab.size} distinct; windows of {window}, Adagrad η = {lr:g}, {clipping},"
        f" {iterations:,} iterations, seed {seed}",
    )
    say(out, "Samples of 200 characters drawn from the model as it learns:", "dim")
    with Progress(
        TextColumn("training"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]} nats/char"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("train", total=iterations, loss="…")

        def on_report(report: training.Report) -> None:
            if report.sample is not None:  # printed above the progress bar, which stays at the bottom
                out.print(views.sample(report.iteration, report.smooth_loss, report.sample))
            progress.update(task, completed=report.iteration, loss=f"{report.smooth_loss:.3f}")

        run = training.train_char_model(
            corpus, cell, hidden, window, lr, iterations, clip, seed, sample_every, on_report=on_report
        )
    final_sample = training.final_sample(run, corpus[0], seed)
    out.print(views.sample(run.iterations, run.final_loss, final_sample))
    say(out, "\nSmoothed loss, nats per character (log scale):", "bold")
    out.print(views.loss_curve(run.smooth_losses))
    say(out, training.explain_loss(run), "bold green" if run.reached_target_at is not None else "bold yellow")

    say(out, "\nVanishing and exploding gradients through time", "bold underline")
    say(out, gradient_flow.SETUP, "dim")
    flows = gradient_flow.demonstration(seed)
    out.print(views.gradient_flow(flows))
    for flow in flows:
        say(out, "• " + gradient_flow.explain(flow))
    say(out, gradient_flow.compare(flows))
    return {
        "cell": cell,
        "final_loss": run.final_loss,
        "iterations": run.iterations,
        "seconds": round(run.seconds, 3),
        "seed": seed,
        "reached_target": run.reached_target_at is not None,
        "target_loss": training.TARGET_LOSS,
        "iterations_to_target": run.reached_target_at,
        "seconds_to_target": None if run.seconds_to_target is None else round(run.seconds_to_target, 3),
        "hidden": hidden,
        "window": window,
        "lr": lr,
        "clip": clip or 0.0,
        "text_characters": len(corpus),
        "vocabulary": vocab.size,
    }
