"""``dlpath exercise``: list the exercises and run them (sigmoid, gradient descent, backprop on XOR).

The commands parse and check their options, call ``dlpath.exercises`` and render the results with
``dlpath.exercises.views``. NumPy is imported inside the commands only, so ``dlpath exercise`` (the
list) and every other command stay fast. Every exercise also has a practice mode (``--practice``,
``--check``, ``--hint``), handled by ``dlpath.cli.practice``.
"""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from dlpath.cli import common, options
from dlpath.cli.root import app
from dlpath.errors import DlpathError, StoreError
from dlpath.exercises import EXERCISES, ExerciseError

if TYPE_CHECKING:
    from rich.console import Console

exercise_app = typer.Typer(
    help="Small NumPy exercises for steps 2 and 3: see the sigmoid, gradient descent and backpropagation work.",
    no_args_is_help=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(exercise_app, name="exercise")

# ------------------------------------------------------------------------------------------ options

PathArgument = Annotated[
    Optional[Path],
    typer.Argument(
        metavar="PATH",
        help=(
            "Your practice file (with --practice or --check). --practice takes a folder, default"
            " ./dlpath-practice/; --check a file, default the one written there."
        ),
        show_default=False,
    ),
]
PracticeOption = Annotated[
    bool, typer.Option("--practice", help="Write a practice file with the functions for you to fill in.")
]
CheckOption = Annotated[bool, typer.Option("--check", help="Test your practice file against the exercise.")]
HintOption = Annotated[bool, typer.Option("--hint", help="Show the next hint for the practice exercise.")]
ForceOption = Annotated[bool, typer.Option("--force", help="With --practice: overwrite an existing practice file.")]
TimeLimitOption = Annotated[
    float, typer.Option("--time-limit", help="With --check: seconds your code may run before it is stopped.")
]


def _practice_mode(
    name: str, path: Path | None, practice: bool, check: bool, hint: bool, force: bool, time_limit: float
) -> bool:
    """Run the practice action asked for, if any; True when one ran (the demo is then skipped)."""
    chosen = [flag for flag, on in (("--practice", practice), ("--check", check), ("--hint", hint)) if on]
    if len(chosen) > 1:
        raise ExerciseError(f"{' and '.join(chosen)} cannot be combined: choose one of --practice, --check, --hint")
    if not chosen:
        if path is not None:
            raise ExerciseError(
                f"the file {path} is only used with --practice or --check"
                f" (e.g. 'dlpath exercise {name} --practice {path}')"
            )
        return False
    from dlpath.cli import practice as practice_cli

    if practice:
        practice_cli.scaffold(name, path, force)
    elif check:
        raise typer.Exit(practice_cli.check(name, path, time_limit))
    else:
        practice_cli.hint(name)
    return True


def _record(name: str, detail: dict[str, Any]) -> None:
    """Note a finished run in the progress store, if the learner has one (a failure only warns)."""
    from dlpath.progress import record_exercise

    try:
        record_exercise(name, "run", detail, only_if_exists=True)
    except StoreError as err:
        from rich.text import Text

        common.console(stderr=True).print(Text(f"warning: this run was not recorded: {err.message}", style="yellow"))


def _positive(value: float, option: str, example: str) -> float:
    if not math.isfinite(value) or value <= 0:
        raise ExerciseError(f"{option} must be a positive number, got {value:g} (e.g. {option} {example})")
    return value


def _whole(value: int, option: str, low: int, high: int) -> int:
    if not low <= value <= high:
        raise ExerciseError(f"{option} must be between {low:,} and {high:,}, got {value:,}")
    return value


def _numbers(text: str, option: str, example: str) -> list[float]:
    """Comma-separated numbers (``-1.5,2``); ExerciseError naming the option otherwise."""
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise ExerciseError(f"{option} must be numbers separated by commas, e.g. {example}; got '{text}'") from None
    if not all(math.isfinite(v) for v in values):
        raise ExerciseError(f"{option} must be finite numbers, got '{text}'")
    return values


def _title(console: Console, text: str, subtitle: str = "") -> None:
    from rich.rule import Rule
    from rich.text import Text

    console.print(Rule(Text(text, style="bold"), align="left"))
    if subtitle:
        console.print(Text(subtitle, style="dim"))


def _say(console: Console, text: str, style: str = "") -> None:
    """A paragraph of our own prose (never catalogue text), wrapped to the terminal."""
    from rich.text import Text

    console.print(Text(text, style=style))


# ------------------------------------------------------------------------------------------ the list


@exercise_app.callback(invoke_without_command=True)
def exercises(ctx: typer.Context) -> None:
    """List the exercises with the step and readings each goes with (run one: dlpath exercise NAME)."""
    if ctx.invoked_subcommand is not None:
        return
    from dlpath.exercises import views

    catalog = None
    try:
        catalog = common.load_catalog()
    except DlpathError:
        pass  # the list still shows the reading ids without their titles
    out = common.console()
    out.print(views.exercise_table(EXERCISES.values(), catalog))
    _say(
        out,
        "Run one with 'dlpath exercise NAME' (e.g. dlpath exercise backprop); add --practice to write your"
        " own version, --check to test it.",
        "dim",
    )


# ------------------------------------------------------------------------------------------ sigmoid


@exercise_app.command()
def sigmoid(
    path: PathArgument = None,
    width: Annotated[float, typer.Option("--range", help="Plot z from -RANGE to RANGE.", show_default=True)] = 8.0,
    practice: PracticeOption = False,
    check: CheckOption = False,
    hint: HintOption = False,
    force: ForceOption = False,
    time_limit: TimeLimitOption = 10.0,
) -> None:
    """The sigmoid σ(z) = 1/(1 + e^-z) and its slope σ'(z): a table, a plot, and why the slope vanishing matters."""
    if _practice_mode("sigmoid", path, practice, check, hint, force, time_limit):
        return
    _positive(width, "--range", "8")
    from dlpath.exercises import sigmoid as sg
    from dlpath.exercises import views

    out = common.console()
    _title(out, "The sigmoid σ(z) = 1 / (1 + e^(−z)) and its derivative σ'(z) = σ(z)(1 − σ(z))")
    threshold = sg.vanishing_threshold(0.01)
    out.print(views.sigmoid_table())
    out.print(views.sigmoid_plot(width, threshold))
    _say(out, "\n" + sg.STABILITY_NOTE)
    _say(out, "\n" + sg.explain_vanishing(threshold))
    _record("sigmoid", {"range": width})


# ------------------------------------------------------------------------------------------ gradient descent


class FunctionChoice(StrEnum):
    """The functions ``gradient-descent`` can minimise."""

    quadratic = "quadratic"
    bowl = "bowl"
    rosenbrock = "rosenbrock"


@exercise_app.command("gradient-descent")
def gradient_descent(
    path: PathArgument = None,
    function: Annotated[
        FunctionChoice,
        typer.Option(
            "--function", help="quadratic: (x − 2)², 1-D; bowl: x² + 5y²; rosenbrock: the banana-shaped valley."
        ),
    ] = FunctionChoice.bowl,
    lr: Annotated[
        Optional[float],
        typer.Option(
            "--lr", help="Learning rate η (default: 0.1 quadratic, 0.15 bowl, 0.001 rosenbrock).", show_default=False
        ),
    ] = None,
    steps: Annotated[
        Optional[int],
        typer.Option(
            "--steps", help="Number of steps (default: 50 quadratic, 40 bowl, 3000 rosenbrock).", show_default=False
        ),
    ] = None,
    start: Annotated[
        Optional[str],
        typer.Option(
            "--start",
            help="Starting point: X for quadratic, X,Y otherwise (default: -3; -4,2; -1.2,1).",
            show_default=False,
        ),
    ] = None,
    momentum: Annotated[float, typer.Option("--momentum", help="Momentum β in [0, 1); 0.9 is typical.")] = 0.0,
    practice: PracticeOption = False,
    check: CheckOption = False,
    hint: HintOption = False,
    force: ForceOption = False,
    time_limit: TimeLimitOption = 10.0,
) -> None:
    """Minimise a function by gradient descent: the path, the loss per step, and what a too-large rate does."""
    if _practice_mode("gradient-descent", path, practice, check, hint, force, time_limit):
        return
    from dlpath.exercises import gradient_descent as gd

    objective = gd.FUNCTIONS[function.value]
    if lr is None:
        lr = objective.lr
    options.number_in("--lr", lr, *options.LEARNING_RATE, example=str(objective.lr))
    steps = objective.steps if steps is None else options.whole_in("--steps", steps, 1, 20_000, example="100")
    if not (math.isfinite(momentum) and 0.0 <= momentum < 1.0):
        raise ExerciseError(f"--momentum must be at least 0 and below 1, got {momentum:g} (e.g. --momentum 0.9)")
    x0 = objective.start
    if start is not None:
        example = "-3" if objective.dim == 1 else "-1.5,2"
        x0 = tuple(_numbers(start, "--start", example))
        for value in x0:
            options.number_in("--start", value, *options.START, example=example)
        if len(x0) != objective.dim:
            raise ExerciseError(
                f"--start needs {objective.dim} number{'s' if objective.dim > 1 else ''} for {objective.name}"
                f" ({objective.formula}), got {len(x0)}: e.g. --start={example}"
            )

    from dlpath.exercises import views

    path_points = gd.minimise(objective.grad, x0, lr, steps, momentum)
    values = gd.losses(objective.f, path_points)
    divergence = gd.find_divergence(objective, path_points, lr, momentum)

    out = common.console()
    settings = f"start {gd.format_point(x0)}, learning rate η = {lr:g}, {steps} steps"
    if momentum:
        settings += f", momentum β = {momentum:g}"
    _title(out, f"Gradient descent on the {objective.name}: {objective.formula}", settings)
    rule = "x ← x − η ∇f(x)" if not momentum else "v ← β v − η ∇f(x);  x ← x + v"
    _say(out, f"Each step: {rule}.  The minimum is at {gd.format_point(objective.minimum)}.", "dim")
    out.print(views.path_table(objective, path_points, values))
    out.print(views.descent_drawing(objective, path_points, values, divergence))

    if divergence is not None:
        _say(out, "\n" + divergence.explain(), "bold red")
    else:
        _say(out, "\n" + gd.verdict(objective, path_points, values, momentum))
    _record(
        "gradient-descent",
        {
            "function": objective.name,
            "lr": lr,
            "steps": steps,
            "momentum": momentum,
            "diverged": divergence is not None,
            "final_loss": None if divergence else float(values[-1]),  # without a divergence every value is finite
        },
    )


# ------------------------------------------------------------------------------------------ backprop

MAX_UNITS = 512
MAX_LAYERS = 8


def _layers(text: str) -> tuple[int, ...]:
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


@exercise_app.command()
def backprop(
    path: PathArgument = None,
    layers: Annotated[
        Optional[str],
        typer.Option(
            "--layers", help="Layer sizes, input to output, e.g. 2,4,1 (the default) or 2,3,3,1.", show_default=False
        ),
    ] = None,
    lr: Annotated[
        Optional[float],
        typer.Option(
            "--lr",
            help="Learning rate η (default: 2 for XOR; the walkthrough's own, 0.5 for Mazur's).",
            show_default=False,
        ),
    ] = None,
    epochs: Annotated[
        Optional[int], typer.Option("--epochs", help="Full-batch training steps (default: 2000).", show_default=False)
    ] = None,
    seed: Annotated[
        Optional[int],
        typer.Option("--seed", help="Seed of the random starting weights (default: 0).", show_default=False),
    ] = None,
    until_loss: Annotated[
        Optional[float],
        typer.Option(
            "--until-loss", help="Stop as soon as the loss ½Σ(output − target)² is this low.", show_default=False
        ),
    ] = None,
    walkthrough: Annotated[
        bool, typer.Option("--walkthrough", help="Show one training step by hand, every number in order.")
    ] = False,
    weights: Annotated[
        Optional[Path],
        typer.Option(
            "--weights", help="JSON file with the network (and, for --walkthrough, one sample).", show_default=False
        ),
    ] = None,
    practice: PracticeOption = False,
    check: CheckOption = False,
    hint: HintOption = False,
    force: ForceOption = False,
    time_limit: TimeLimitOption = 10.0,
) -> None:
    """Train a sigmoid network on XOR with backpropagation, or walk through one step by hand (--walkthrough)."""
    if _practice_mode("backprop", path, practice, check, hint, force, time_limit):
        return
    if lr is not None:
        options.number_in("--lr", lr, *options.LEARNING_RATE, example="2")
    if walkthrough:
        training_only = {"--layers": layers, "--epochs": epochs, "--seed": seed, "--until-loss": until_loss}
        given = [name for name, value in training_only.items() if value is not None]
        if given:
            raise ExerciseError(
                f"{', '.join(given)} cannot be used with --walkthrough, which shows one step of the network"
                f" in --weights (or Mazur's example): drop {'it' if len(given) == 1 else 'them'}, or drop"
                " --walkthrough to train on XOR"
            )
        _walkthrough(weights, lr)
        return
    _train_xor(layers, lr, epochs, seed, until_loss, weights)


def _walkthrough(weights: Path | None, lr: float | None) -> None:
    from dataclasses import replace

    from dlpath.exercises import views
    from dlpath.exercises import walkthrough as wt

    net = wt.mazur_example() if weights is None else wt.load_network(weights)
    if lr is not None:
        net = replace(net, lr=lr)
    sections = wt.walkthrough(net)
    out = common.console()
    sizes = "-".join(str(n) for n in net.layer_sizes)
    title = f"One training step of a {sizes} network, by hand: "
    _title(out, title + ("Matt Mazur's worked example" if weights is None else common.clean(net.title)))
    _say(out, wt.introduction(net), "dim")
    out.print(views.walkthrough(sections), crop=False)
    out.print()
    if weights is None:
        _say(out, wt.MAZUR_NOTE, "dim")
    before, after = wt.error_before_and_after(sections)
    _record("backprop", {"walkthrough": True, "layers": sizes, "loss_before": before, "loss_after": after})


def _train_xor(
    layers: str | None,
    lr: float | None,
    epochs: int | None,
    seed: int | None,
    until_loss: float | None,
    weights: Path | None,
) -> None:
    from functools import partial

    from dlpath.exercises import backprop as bp
    from dlpath.exercises import views

    sizes = _layers(layers) if layers is not None else bp.DEFAULT_LAYERS
    lr = bp.DEFAULT_LR if lr is None else lr
    epochs = bp.DEFAULT_EPOCHS if epochs is None else options.whole_in("--epochs", epochs, *options.EPOCHS)
    seed = bp.DEFAULT_SEED if seed is None else _whole(seed, "--seed", 0, 2**63 - 1)
    if until_loss is not None:
        _positive(until_loss, "--until-loss", "0.01")

    if weights is not None:
        from dlpath.exercises import walkthrough as wt

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
    options.training_work(epochs, sum(W.size + b.size for W, b in params), "-".join(map(str, sizes)))

    params, history = _train_with_progress(params, X, Y, lr, epochs, until_loss)
    output = bp.predict(params, X)
    verdict = bp.judge(history, output, Y)

    out = common.console()
    shape = "-".join(map(str, sizes))
    _title(
        out,
        f"Backpropagation on XOR: a {shape} network of sigmoid units",
        f"learning rate η = {lr:g}, {origin}, full-batch gradient descent on the 4 samples",
    )
    _say(out, "\n" + bp.loss_summary(history, verdict.final_loss, until_loss), "bold")
    out.print(views.LossChart([float(v) for v in history]))
    out.print(views.predictions_table(X, Y, output))
    out.print(views.decision_map(out, partial(bp.predict, params), X, Y))

    error, checked = bp.gradient_check(initial, X, Y)
    total = sum(W.size + b.size for W, b in initial)
    ok = error < bp.GRADIENT_TOLERANCE
    _say(out, "\n" + bp.explain_gradient_check(error, checked, total), "green" if ok else "bold red")
    start_seed = seed if weights is None else None
    _say(out, "\n" + verdict.explain(sizes, start_seed, lr, epochs), "bold green" if verdict.solved else "bold yellow")
    _record(
        "backprop",
        {
            "layers": shape,
            "lr": lr,
            "epochs": len(history),
            "seed": start_seed,
            "final_loss": verdict.final_loss,
            "solved": verdict.solved,
        },
    )


def _train_with_progress(params, X, Y, lr, epochs, until_loss):
    """``backprop.train`` with a progress bar on stderr when it is a terminal; (params, losses)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from dlpath.exercises import backprop as bp

    err = common.console(stderr=True)
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
