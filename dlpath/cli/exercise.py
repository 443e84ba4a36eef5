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

from dlpath.cli import common
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
    from rich.table import Table
    from rich.text import Text

    catalog = None
    try:
        catalog = common.load_catalog()
    except DlpathError:
        pass  # the list still shows the reading ids without their titles
    table = Table(title="Exercises", title_justify="left", show_lines=True)
    table.add_column("Exercise", style="bold cyan", no_wrap=True)
    table.add_column("Step", justify="right")
    table.add_column("What it shows", ratio=3)
    table.add_column("Readings", ratio=2)
    for exercise in EXERCISES.values():
        readings = Text()
        for i, resource_id in enumerate(exercise.resource_ids):
            if i:
                readings.append("\n")
            resource = catalog.resource(resource_id) if catalog is not None else None
            if resource is None:
                readings.append(resource_id, style="dim")
            else:
                readings.append(f"{resource.label} ", style="dim")
                readings.append(common.clean(resource.title))
        table.add_row(exercise.name, str(exercise.step), exercise.description, readings)
    out = common.console()
    out.print(table)
    _say(
        out,
        "Run one with 'dlpath exercise NAME' (e.g. dlpath exercise backprop); add --practice to write your"
        " own version, --check to test it.",
        "dim",
    )


# ------------------------------------------------------------------------------------------ sigmoid

SIGMOID_TABLE_Z = (-1000.0, -20.0, -10.0, -5.0, -2.0, -1.0, 0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 1000.0)


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
    import numpy as np
    from rich.table import Table

    from dlpath.exercises import sigmoid as sg
    from dlpath.exercises import views

    out = common.console()
    _title(out, "The sigmoid σ(z) = 1 / (1 + e^(−z)) and its derivative σ'(z) = σ(z)(1 − σ(z))")

    table = Table(title="Values in float64, and σ in float32", title_justify="left")
    for name in ("z", "σ(z)", "σ'(z)", "σ'(z) / σ'(0)", "float32 σ(z)"):
        table.add_column(name, justify="right")
    z = np.array(SIGMOID_TABLE_Z)
    s, ds = sg.sigmoid(z), sg.sigmoid_prime(z)
    s32 = sg.sigmoid(z.astype(np.float32))
    for zi, si, di, s32i in zip(z, s, ds, s32, strict=True):
        table.add_row(f"{zi:g}", f"{si:.6g}", f"{di:.6g}", f"{di / 0.25:.2%}", f"{s32i:.6g}")
    out.print(table)

    threshold = sg.vanishing_threshold(0.01)
    xs = np.linspace(-width, width, 61)
    out.print(
        views.LinePlot(
            list(xs),
            [
                views.Series("σ(z)", list(sg.sigmoid(xs)), "•", "cyan"),
                views.Series("σ'(z)", list(sg.sigmoid_prime(xs)), "∘", "magenta"),
            ],
            height=13,
            y_range=(0.0, 1.0),
            shade=list(np.abs(xs) > threshold),
            shade_label=f"σ' below 1% of its peak (|z| > {threshold:.1f})",
        )
    )
    _say(
        out,
        "\nStable: the textbook 1/(1 + e^(−z)) needs e^1000 at z = −1000, which overflows to inf (NumPy warns),"
        " and the equivalent e^z/(1 + e^z) gives inf/inf = NaN at z = 1000. dlpath computes"
        " σ(z) = e^(−log(1 + e^(−z))) with np.logaddexp, which never overflows: σ(−1000) = 0 and σ(1000) = 1,"
        " in float32 and float64, with no warning.",
    )
    _say(
        out,
        "\nWhere the slope vanishes: σ'(z) peaks at 1/4 when z = 0 and drops below 1% of that once"
        f" |z| > {threshold:.1f}. A unit whose net input sits out there is saturated: its output hardly"
        " moves, so almost no gradient flows back through it and its weights barely learn. Backpropagation"
        " multiplies one σ' per layer, each at most 1/4, so through 10 sigmoid layers the gradient shrinks"
        " by at least 4^10 ≈ a million: the vanishing gradient problem. That is why deep networks start with"
        " small weights (to keep z near 0) and why most of them now use units such as ReLU, whose slope does"
        " not fade.",
    )
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
    lr = objective.lr if lr is None else _positive(lr, "--lr", str(objective.lr))
    steps = objective.steps if steps is None else _whole(steps, "--steps", 1, 1_000_000)
    if not (math.isfinite(momentum) and 0.0 <= momentum < 1.0):
        raise ExerciseError(f"--momentum must be at least 0 and below 1, got {momentum:g} (e.g. --momentum 0.9)")
    x0 = objective.start
    if start is not None:
        example = "-3" if objective.dim == 1 else "-1.5,2"
        x0 = tuple(_numbers(start, "--start", example))
        if len(x0) != objective.dim:
            raise ExerciseError(
                f"--start needs {objective.dim} number{'s' if objective.dim > 1 else ''} for {objective.name}"
                f" ({objective.formula}), got {len(x0)}: e.g. --start={example}"
            )

    import numpy as np

    path_points = gd.minimise(objective.grad, x0, lr, steps, momentum)
    values = gd.losses(objective.f, path_points)
    divergence = gd.find_divergence(objective, path_points, lr, momentum)

    out = common.console()
    settings = f"start {_point(x0)}, learning rate η = {lr:g}, {steps} steps"
    if momentum:
        settings += f", momentum β = {momentum:g}"
    _title(out, f"Gradient descent on the {objective.name}: {objective.formula}", settings)
    rule = "x ← x − η ∇f(x)" if not momentum else "v ← β v − η ∇f(x);  x ← x + v"
    _say(out, f"Each step: {rule}.  The minimum is at {_point(objective.minimum)}.", "dim")
    out.print(_path_table(np, objective, path_points, values))
    _render_descent(out, np, objective, path_points, values, divergence)

    if divergence is not None:
        _say(out, "\n" + divergence.explain(), "bold red")
    else:
        _say(out, "\n" + _descent_verdict(np, objective, path_points, values, momentum))
    last = values[np.isfinite(values)][-1] if np.isfinite(values).any() else float("nan")
    _record(
        "gradient-descent",
        {
            "function": objective.name,
            "lr": lr,
            "steps": steps,
            "momentum": momentum,
            "diverged": divergence is not None,
            "final_loss": None if divergence else float(last),
        },
    )


def _point(x) -> str:
    return "(" + ", ".join(f"{float(v):g}" for v in x) + ")" if len(x) > 1 else f"{float(x[0]):g}"


def _path_table(np, objective, path_points, values):
    from rich.table import Table

    names = ("x",) if objective.dim == 1 else ("x", "y")
    table = Table(title="The path (first and last steps)", title_justify="left")
    table.add_column("step", justify="right")
    for name in names:
        table.add_column(name, justify="right")
    table.add_column("f", justify="right")
    table.add_column("|∇f|", justify="right")
    n = len(path_points)
    shown = list(range(n)) if n <= 12 else list(range(8)) + [-1] + list(range(n - 3, n))
    finite_rows = np.flatnonzero(np.all(np.isfinite(path_points), axis=1) & np.isfinite(values))
    last_finite = int(finite_rows[-1]) if finite_rows.size else 0
    if last_finite < n - 1:  # diverged: show up to the last number that still fit in floating point
        shown = [k for k in shown if 0 <= k <= last_finite]
        if last_finite not in shown:
            shown += [-1, last_finite]
        shown.append(-2)
    for k in shown:
        if k == -1:
            table.add_row("…", *[""] * (len(names) + 2))
            continue
        if k == -2:
            table.add_row(str(last_finite + 1), *["overflow"] * len(names), "overflow", "", style="red")
            continue
        point = path_points[k]
        with np.errstate(over="ignore", invalid="ignore"):
            gnorm = float(np.linalg.norm(objective.grad(point)))
        table.add_row(str(k), *[f"{v:.6g}" for v in point], f"{values[k]:.6g}", f"{gnorm:.3g}")
    return table


def _render_descent(out, np, objective, path_points, values, divergence) -> None:
    from dlpath.exercises import views

    finite = np.isfinite(values)
    if divergence is not None:  # plot only the part before the run-away, so the scale stays readable
        sane = finite & (values <= 10 * (1 + abs(values[0])))
        keep = path_points[: max(2, int(np.argmin(sane)) if not sane.all() else len(sane))]
    else:
        keep = path_points[finite]
    _say(out, "\nf after each step (log scale):", "bold")
    out.print(views.LossChart([float(v) for v in values[finite]], label="step", first=0))
    lo = np.minimum(keep.min(axis=0), objective.minimum)
    hi = np.maximum(keep.max(axis=0), objective.minimum)
    pad = np.maximum((hi - lo) * 0.15, 0.5)
    lo, hi = lo - pad, hi + pad
    if objective.dim == 1:
        half = float(np.abs(keep[:, 0] - objective.minimum[0]).max()) * 1.15 or 1.0
        xs = np.linspace(objective.minimum[0] - half, objective.minimum[0] + half, 61)
        ys = objective.f(xs[:, None])
        points = [(float(p[0]), float(objective.f(p[None, :])[0]), "o") for p in keep]
        points[0] = (points[0][0], points[0][1], "S")
        until = " until it ran away" if divergence is not None else ""
        _say(out, f"\nThe function and the points visited{until} (S the start, o each step):", "bold")
        out.print(
            views.LinePlot(list(xs), [views.Series(objective.formula, list(ys), "·", "cyan")], height=12, points=points)
        )
        return
    cols, rows = 56, 28
    gx = np.linspace(lo[0], hi[0], cols)
    gy = np.linspace(hi[1], lo[1], rows)
    grid = objective.f(np.stack(np.meshgrid(gx, gy), axis=-1))
    shade = np.log1p(grid)
    shade = (shade - shade.min()) / ((shade.max() - shade.min()) or 1.0)

    def cell(p):
        c = int(round((p[0] - lo[0]) / (hi[0] - lo[0]) * (cols - 1)))
        r = int(round((hi[1] - p[1]) / (hi[1] - lo[1]) * (rows - 1)))
        return r, c

    marks = [(*cell(p), "•") for p in keep[1:-1]]
    marks.append((*cell(objective.minimum), "*"))
    marks.append((*cell(keep[-1]), "E"))
    marks.append((*cell(keep[0]), "S"))
    end = "E the last point before it ran away" if divergence is not None else "E the end"
    _say(out, f"\nThe path over f (S the start, • each step, {end}, * the minimum; lighter is higher):", "bold")
    out.print(
        views.HeatMap(
            shade.tolist(),
            palette="sequential",
            marks=marks,
            row_labels=(f"y={hi[1]:.3g}", f"y={lo[1]:.3g}"),
            col_labels=(f"x={lo[0]:.3g}", f"x={hi[0]:.3g}"),
        )
    )


def _descent_verdict(np, objective, path_points, values, momentum) -> str:
    """What a run that did not diverge achieved, and what to try next."""
    from dlpath.exercises import gradient_descent as gd

    minimum = np.array(objective.minimum)
    steps = len(path_points) - 1
    distances = np.linalg.norm(path_points - minimum, axis=1)
    if distances[-1] < 1e-3:
        first = int(np.flatnonzero(distances < 1e-3)[0])
        more = ", or --momentum 0.9" if not momentum else ""
        return (
            f"Converged: within 0.001 of the minimum after {first} of {steps} steps (f = {values[-1]:.3g})."
            f" Try a larger --lr to see it overshoot{more}."
        )
    limit = gd.critical_lr(gd.max_curvature(objective.grad, path_points[0]), momentum)
    head = (
        f"Not there yet: after {steps} steps the point {_point(path_points[-1])} is {distances[-1]:.3g}"
        f" from the minimum (f = {values[-1]:.3g})."
    )
    if values[-1] >= values[0] * 0.999:
        return head + (
            f" The rate sits right at the edge (η ≈ {limit:.3g}), where steps stop shrinking: each one jumps"
            " across the minimum to a point as high as the last. Lower --lr a little."
        )
    tips = ["more --steps (it is still improving)", f"a larger --lr (below ≈ {limit:.3g}, where it would diverge)"]
    if not momentum:
        tips.append("--momentum 0.9, which builds up speed along long gentle slopes")
    return head + " Try " + ", ".join(tips[:-1]) + " or " + tips[-1] + "."


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
        _positive(lr, "--lr", "2")
    if walkthrough:
        given = [
            name
            for name, value in (
                ("--layers", layers),
                ("--epochs", epochs),
                ("--seed", seed),
                ("--until-loss", until_loss),
            )
            if value is not None
        ]
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

    from rich.text import Text

    from dlpath.exercises import walkthrough as wt

    net = wt.mazur_example() if weights is None else wt.load_network(weights)
    if lr is not None:
        net = replace(net, lr=lr)
    sections = wt.walkthrough(net)
    out = common.console()
    sizes = "-".join(str(n) for n in net.layer_sizes)
    title = f"One training step of a {sizes} network, by hand: "
    _title(out, title + ("Matt Mazur's worked example" if weights is None else common.clean(net.title)))
    units = wt.unit_names(net.layer_sizes)
    inputs = ", ".join(f"{u} = {v:g}" for u, v in zip(units[0], net.inputs, strict=True))
    targets = ", ".join(f"target_{u} = {v:g}" for u, v in zip(units[-1], net.targets, strict=True))
    _say(
        out,
        f"Inputs {inputs}; {targets}; learning rate η = {net.lr:g}. σ is the sigmoid; "
        "E = ½ Σ (target − out)²; δ = ∂E/∂net.",
        "dim",
    )
    for section in sections:
        out.print()
        out.print(Text(section.title, style="bold underline"))
        for line in section.lines:
            text = Text("  ")
            text.append(line.name, style="bold cyan")
            text.append(wt.render_line(line)[len(line.name) :])
            out.print(text, soft_wrap=True)
    out.print()
    if weights is None:
        _say(
            out,
            "These are the numbers of the post: E_total = 0.298371109 before the step, then w5⁺ = 0.35891648,"
            " w1⁺ = 0.149780716 and the rest. The post keeps the biases fixed; dlpath updates them like any"
            " weight (the b⁺ lines). That changes no weight of this step, because every gradient is taken"
            " before anything moves, but it brings E_total⁺ a little lower than the post's 0.291027924.",
            "dim",
        )
    after = sections[-1].lines[-1].value
    _record(
        "backprop", {"walkthrough": True, "layers": sizes, "loss_before": _error_before(sections), "loss_after": after}
    )


def _error_before(sections) -> float:
    """E_total before the step, from the walkthrough's Error section."""
    return next(line.value for s in sections for line in s.lines if line.name == "E_total")


def _train_xor(
    layers: str | None,
    lr: float | None,
    epochs: int | None,
    seed: int | None,
    until_loss: float | None,
    weights: Path | None,
) -> None:
    from dlpath.exercises import backprop as bp

    sizes = _layers(layers) if layers is not None else bp.DEFAULT_LAYERS
    lr = bp.DEFAULT_LR if lr is None else lr
    epochs = bp.DEFAULT_EPOCHS if epochs is None else _whole(epochs, "--epochs", 1, 1_000_000)
    seed = bp.DEFAULT_SEED if seed is None else _whole(seed, "--seed", 0, 2**63 - 1)
    if until_loss is not None:
        _positive(until_loss, "--until-loss", "0.01")

    import numpy as np

    if weights is not None:
        from dlpath.exercises import walkthrough as wt

        if layers is not None:
            raise ExerciseError("--layers and --weights cannot be combined: the weights file sets the layer sizes")
        start = wt.load_network(weights, need_sample=False)
        sizes = tuple(start.layer_sizes)
        if sizes[0] != 2 or sizes[-1] != 1:
            raise ExerciseError(
                f"weights file {weights}: a {'-'.join(map(str, sizes))} network cannot learn XOR, which needs"
                " 2 inputs and 1 output (use --walkthrough to step through it instead)"
            )
        params = start.params
        origin = f"weights from {weights.name}"
    else:
        params = bp.init_params(sizes, seed)
        origin = f"seed {seed}"
    X, Y = bp.xor_data()
    initial = [(W.copy(), b.copy()) for W, b in params]

    params, history = _train_with_progress(bp, np, params, X, Y, lr, epochs, until_loss)
    output = bp.predict(params, X)
    verdict = bp.judge(history, output, Y)

    out = common.console()
    shape = "-".join(map(str, sizes))
    _title(
        out,
        f"Backpropagation on XOR: a {shape} network of sigmoid units",
        f"learning rate η = {lr:g}, {origin}, full-batch gradient descent on the 4 samples",
    )
    ran = len(history)
    stopped = until_loss is not None and history[-1] <= until_loss
    note = f" (stopped at loss ≤ {until_loss:g})" if stopped else ""
    _say(
        out,
        f"\nLoss E = ½ Σ (output − target)² over {ran} epochs{note}: {history[0]:.4g} → {verdict.final_loss:.4g}",
        "bold",
    )
    from dlpath.exercises import views

    out.print(views.LossChart([float(v) for v in history]))
    out.print(_predictions_table(X, Y, output))
    out.print(_decision_map(np, bp, params, X, Y))
    out.print(views.scale_legend(out, "diverging", "output 0", "1"))
    _say(out, "The digits mark the four XOR points, each showing its target.", "dim")

    error, checked = bp.gradient_check(initial, X, Y)
    count = sum(W.size + b.size for W, b in initial)
    which = f"all {count}" if checked == count else f"{checked} randomly chosen of the {count}"
    ok = error < 1e-5
    _say(
        out,
        f"\nGradient check at the starting weights: backprop against central finite differences"
        f" (E(θ + h) − E(θ − h)) / 2h, h = 1e-5, over {which} weights and biases:"
        f" max relative error {error:.1e} "
        + (
            "✓ (below 1e-5: they agree; a wrong gradient typically gives 1e-2 or more)"
            if ok
            else "✗ (above 1e-5: the analytic gradient looks wrong)"
        ),
        "green" if ok else "bold red",
    )
    _say(
        out,
        "\n" + _backprop_verdict(verdict, sizes, seed if weights is None else None, lr, epochs),
        "bold green" if verdict.solved else "bold yellow",
    )
    _record(
        "backprop",
        {
            "layers": shape,
            "lr": lr,
            "epochs": ran,
            "seed": seed if weights is None else None,
            "final_loss": verdict.final_loss,
            "solved": verdict.solved,
        },
    )


def _train_with_progress(bp, np, params, X, Y, lr, epochs, until_loss):
    """``bp.train`` in chunks, with a progress bar on stderr when it is a terminal; (params, losses)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    err = common.console(stderr=True)
    chunk = max(1, epochs // 100)
    parts = []
    done = 0
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
        while done < epochs:
            n = min(chunk, epochs - done)
            params, part = bp.train(params, X, Y, lr, n, until_loss)
            parts.append(part)
            done += len(part)
            progress.update(task, completed=done, loss=f"{part[-1]:.4g}")
            if len(part) < n:
                break
    return params, np.concatenate(parts)


def _predictions_table(X, Y, output):
    from rich.table import Table

    table = Table(title="Predictions", title_justify="left")
    for name in ("x1", "x2", "target", "output", ""):
        table.add_column(name, justify="right")
    for x, y, o in zip(X, Y, output, strict=True):
        right = (o[0] > 0.5) == (y[0] > 0.5)
        table.add_row(
            f"{x[0]:g}",
            f"{x[1]:g}",
            f"{y[0]:g}",
            f"{o[0]:.4f}",
            "✓" if right else "✗ wrong side of 0.5",
            style=None if right else "red",
        )
    return table


def _decision_map(np, bp, params, X, Y):
    from rich.console import Group
    from rich.text import Text

    from dlpath.exercises import views

    cols, rows, lo, hi = 48, 24, -0.25, 1.25
    gx = np.linspace(lo, hi, cols)
    gy = np.linspace(hi, lo, rows)
    grid = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)
    values = bp.predict(params, grid).reshape(rows, cols)
    marks = []
    for x, y in zip(X, Y, strict=True):
        c = int(round((x[0] - lo) / (hi - lo) * (cols - 1)))
        r = int(round((hi - x[1]) / (hi - lo) * (rows - 1)))
        marks.append((r, c, f"{y[0]:g}"))
    heading = Text("\nDecision boundary: the network's output over the plane (x1 across, x2 up)", style="bold")
    return Group(
        heading,
        views.HeatMap(
            values.tolist(), marks=marks, row_labels=(f"{hi:g}", f"{lo:g}"), col_labels=(f"{lo:g}", f"{hi:g}")
        ),
    )


def _backprop_verdict(verdict, sizes, seed, lr, epochs) -> str:
    if verdict.solved:
        return (
            f"Solved: all {verdict.samples} outputs are on the right side of 0.5 (final loss {verdict.final_loss:.3g})."
        )
    hidden = sizes[1:-1]
    wider = ",".join(["2"] + [str(max(4, 2 * n)) for n in hidden] + ["1"]) if hidden else "2,4,1"
    other_seed = f" --seed {seed + 1}" if seed is not None else " a different --seed"
    if verdict.stuck:
        return (
            f"Stuck: {verdict.wrong} of {verdict.samples} outputs are still on the wrong side of 0.5 and the loss"
            f" has stopped falling (at {verdict.final_loss:.3g}). Training has settled in a local minimum (or a long"
            " flat plateau) of the loss: every small step makes things no better, so gradient descent stays put."
            " This happens with XOR, especially with few hidden units. Try another starting point"
            f" ({other_seed.strip()}), more hidden units (--layers {wider}) or a different --lr; if it is only a"
            f" plateau, many more epochs (--epochs {epochs * 10}) may get through it."
        )
    return (
        f"Not solved yet: {verdict.wrong} of {verdict.samples} outputs are on the wrong side of 0.5, but the loss"
        f" is still falling ({verdict.final_loss:.3g}). Train longer (--epochs {epochs * 2}) or use a larger --lr"
        f" (now {lr:g})."
    )
