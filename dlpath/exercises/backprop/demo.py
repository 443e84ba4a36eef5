"""What ``dlpath exercise backprop`` shows: a sigmoid network trained on XOR, or one step by hand (--walkthrough)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from dlpath.exercises import ExerciseError
from dlpath.exercises.options import Option, positive, whole

if TYPE_CHECKING:
    from rich.console import Console

LATE = {"show_default": False}  # options whose default the demo chooses (and the help names)
HELP = "Train a sigmoid network on XOR with backpropagation, or walk through one step by hand (--walkthrough)."
OPTIONS = (
    Option("--layers", "layers", str, "Layer sizes, input to output, e.g. 2,4,1 (the default) or 2,3,3,1.", **LATE),
    Option(
        "--lr", "lr", float, "Learning rate η (default: 2 for XOR; the walkthrough's own, 0.5 for Mazur's).", **LATE
    ),
    Option("--epochs", "epochs", int, "Full-batch training steps (default: 2000).", **LATE),
    Option("--seed", "seed", int, "Seed of the random starting weights (default: 0).", **LATE),
    Option("--until-loss", "until_loss", float, "Stop as soon as the loss ½Σ(output − target)² is this low.", **LATE),
    Option("--walkthrough", "walkthrough", bool, "Show one training step by hand, every number in order.", False),
    Option("--weights", "weights", Path, "JSON file with the network (and, for --walkthrough, one sample).", **LATE),
)

MAX_UNITS = 512
MAX_LAYERS = 8


def run(
    out: Console,
    err: Console,
    layers: str | None,
    lr: float | None,
    epochs: int | None,
    seed: int | None,
    until_loss: float | None,
    walkthrough: bool,
    weights: Path | None,
) -> dict:
    """Train on XOR, or walk through one step with ``walkthrough``, and print it; the details to record."""
    if lr is not None:
        positive(lr, "--lr", "2")
    if walkthrough:
        training_only = {"--layers": layers, "--epochs": epochs, "--seed": seed, "--until-loss": until_loss}
        given = [name for name, value in training_only.items() if value is not None]
        if given:
            raise ExerciseError(
                f"{', '.join(given)} cannot be used with --walkthrough, which shows one step of the network"
                f" in --weights (or Mazur's example): drop {'it' if len(given) == 1 else 'them'}, or drop"
                " --walkthrough to train on XOR"
            )
        return _walkthrough(out, weights, lr)
    return _train_xor(out, err, layers, lr, epochs, seed, until_loss, weights)


def practice_check(
    out: Console,
    path: Path | None,
    time_limit: float,
    watch: bool,
    walkthrough: bool,
    weights: Path | None,
    **_: object,
) -> int | None:
    """``--walkthrough --check FILE``: the learner's functions on the worked example, every number compared
    line by line; the exit status (0 when every number they give matches). None without --walkthrough."""
    if not walkthrough:
        return None
    if watch:
        raise ExerciseError("--watch re-runs the exercise's checks: drop --walkthrough to use it")
    from dlpath.exercises.backprop import views
    from dlpath.exercises.backprop import walkthrough as wt
    from dlpath.exercises.views import say, title
    from dlpath.practice.grading import learner_session
    from dlpath.practice.learner import Stopped
    from dlpath.practice.scaffold import file_to_check

    target = file_to_check("backprop", path, time_limit)
    net = wt.mazur_example() if weights is None else wt.load_network(weights)
    with learner_session("backprop", target, time_limit=time_limit) as box:

        def call(name: str, *args: object) -> object:
            try:
                reply = box.call(name, args)
            except Stopped as stop:
                raise ExerciseError(stop.reason) from None
            if reply.raised is not None:
                raise ExerciseError(f"{name}() raised {reply.raised.summary or reply.raised.kind}")
            return reply.value

        values, missing = wt.learner_values(net, call)
    rows = wt.compare_with_learner(net, values, missing, published=weights is None)
    against = "the numbers of Mazur's post (dlpath's where the post gives none)" if weights is None else "dlpath's"
    title(out, f"Your functions on one training step, line by line, against {against}")
    out.print(views.walkthrough_check(rows), crop=False)
    compared = [row for _, section in rows for row in section if row.matches is not None]
    wrong = [row for row in compared if not row.matches]
    failed = [row for _, section in rows for row in section if row.yours is None and "raised" in row.note]
    summary = f"{len(compared) - len(wrong)} of {len(compared)} numbers match"
    if wrong:
        summary += f"; the first that differs is {wrong[0].name}: start looking there"
    elif failed:
        summary += f"; {len(failed)} could not be computed ({failed[0].note})"
    say(out, "\n" + summary, "bold green" if not wrong and not failed else "bold red")
    return 0 if not wrong and not failed else 1


def parse_layers(text: str) -> tuple[int, ...]:
    """``2,4,1`` -> (2, 4, 1), checked for XOR: two inputs, one output, sensible hidden layers."""
    parts = [p.strip() for p in text.split(",")]
    if not all(p.isdigit() for p in parts):
        raise ExerciseError(f"--layers must be whole numbers separated by commas, e.g. 2,4,1; got '{text}'")
    sizes = tuple(int(p) for p in parts)
    if len(sizes) < 2 or sizes[0] != 2 or sizes[-1] != 1:
        raise ExerciseError(
            f"--layers must start with 2 (XOR has two inputs) and end with 1 (one output), e.g. 2,4,1; got '{text}'"
        )
    if len(sizes) > MAX_LAYERS or any(not 1 <= n <= MAX_UNITS for n in sizes):
        raise ExerciseError(f"--layers allows up to {MAX_LAYERS} layers of 1 to {MAX_UNITS} units each; got '{text}'")
    return sizes


def _walkthrough(out: Console, weights: Path | None, lr: float | None) -> dict:
    from dataclasses import replace

    from dlpath.exercises.backprop import views
    from dlpath.exercises.backprop import walkthrough as wt
    from dlpath.exercises.views import say, title
    from dlpath.render.text import clean

    net = wt.mazur_example() if weights is None else wt.load_network(weights)
    if lr is not None:
        net = replace(net, lr=lr)
    sections = wt.walkthrough(net)
    sizes = "-".join(str(n) for n in net.layer_sizes)
    heading = f"One training step of a {sizes} network, by hand: "
    title(out, heading + ("Matt Mazur's worked example" if weights is None else clean(net.title)))
    say(out, wt.introduction(net), "dim")
    out.print(views.walkthrough(sections), crop=False)
    out.print()
    if weights is None:
        say(out, wt.MAZUR_NOTE, "dim")
    before, after = wt.error_before_and_after(sections)
    return {"walkthrough": True, "layers": sizes, "loss_before": before, "loss_after": after}


def _train_xor(
    out: Console,
    err: Console,
    layers: str | None,
    lr: float | None,
    epochs: int | None,
    seed: int | None,
    until_loss: float | None,
    weights: Path | None,
) -> dict:
    from functools import partial

    from dlpath.exercises import charts
    from dlpath.exercises.backprop import maths as bp
    from dlpath.exercises.backprop import views
    from dlpath.exercises.views import say, title

    sizes = parse_layers(layers) if layers is not None else bp.DEFAULT_LAYERS
    lr = bp.DEFAULT_LR if lr is None else lr
    epochs = bp.DEFAULT_EPOCHS if epochs is None else whole(epochs, "--epochs", 1, 1_000_000)
    seed = bp.DEFAULT_SEED if seed is None else whole(seed, "--seed", 0, 2**63 - 1)
    if until_loss is not None:
        positive(until_loss, "--until-loss", "0.01")

    if weights is not None:
        from dlpath.exercises.backprop import walkthrough as wt

        if layers is not None:
            raise ExerciseError("--layers and --weights cannot be combined: the weights file sets the layer sizes")
        start = wt.load_xor_start(weights)
        sizes = tuple(start.layer_sizes)
        params = start.params
        origin = f"weights from {weights.name}"
    else:
        params = bp.init_params(sizes, seed)
        origin = f"seed {seed}"
    X, Y = bp.xor_data()
    initial = [(W.copy(), b.copy()) for W, b in params]

    params, history = _train_with_progress(err, params, X, Y, lr, epochs, until_loss)
    output = bp.predict(params, X)
    outcome = bp.training_outcome(history, output, Y)

    shape = "-".join(map(str, sizes))
    title(
        out,
        f"Backpropagation on XOR: a {shape} network of sigmoid units",
        f"learning rate η = {lr:g}, {origin}, full-batch gradient descent on the 4 samples",
    )
    say(out, "\n" + bp.loss_summary(history, outcome.final_loss, until_loss), "bold")
    out.print(charts.LossChart([float(v) for v in history]))
    out.print(views.predictions_table(X, Y, output))
    out.print(views.decision_map(out, partial(bp.predict, params), X, Y))

    error, checked = bp.gradient_check(initial, X, Y)
    total = sum(W.size + b.size for W, b in initial)
    ok = error < bp.GRADIENT_TOLERANCE
    say(out, "\n" + bp.explain_gradient_check(error, checked, total), "green" if ok else "bold red")
    start_seed = seed if weights is None else None
    say(out, "\n" + outcome.explain(sizes, start_seed, lr, epochs), "bold green" if outcome.solved else "bold yellow")
    return {
        "layers": shape,
        "lr": lr,
        "epochs": len(history),
        "seed": start_seed,
        "final_loss": outcome.final_loss,
        "solved": outcome.solved,
    }


def _train_with_progress(err: Console, params, X, Y, lr, epochs, until_loss):
    """``train`` with a progress bar on ``err`` when it is a terminal; (params, losses)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from dlpath.exercises.backprop import maths as bp

    with Progress(
        TextColumn("training"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("train", total=epochs, loss="…")

        def report(done: int, loss: float) -> None:
            progress.update(task, completed=done, loss=f"{loss:.4g}")

        return bp.train_in_chunks(params, X, Y, lr, epochs, until_loss, report=report)
