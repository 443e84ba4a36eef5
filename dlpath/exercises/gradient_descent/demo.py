"""What ``dlpath exercise gradient-descent`` shows: the path, f per step, and what a too-large rate does."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from dlpath.exercises import ExerciseError
from dlpath.exercises.options import Option, numbers, positive, whole

if TYPE_CHECKING:
    from rich.console import Console

HELP = "Minimise a function by gradient descent: the path, the loss per step, and what a too-large rate does."
OPTIONS = (
    Option(
        "--function",
        "function",
        str,
        "quadratic: (x − 2)², 1-D; bowl: x² + 5y²; rosenbrock: the banana-shaped valley.",
        default="bowl",
        choices=("quadratic", "bowl", "rosenbrock"),
    ),
    Option(
        "--lr",
        "lr",
        float,
        "Learning rate η (default: 0.1 quadratic, 0.15 bowl, 0.001 rosenbrock).",
        show_default=False,
    ),
    Option(
        "--steps",
        "steps",
        int,
        "Number of steps (default: 50 quadratic, 40 bowl, 3000 rosenbrock).",
        show_default=False,
    ),
    Option(
        "--start",
        "start",
        str,
        "Starting point: X for quadratic, X,Y otherwise (default: -3; -4,2; -1.2,1).",
        show_default=False,
    ),
    Option("--momentum", "momentum", float, "Momentum β in [0, 1); 0.9 is typical.", default=0.0),
)


def run(
    out: Console,
    err: Console,
    function: str,
    lr: float | None,
    steps: int | None,
    start: str | None,
    momentum: float,
) -> dict:
    """Run gradient descent with these options and print it; the details of the run to record."""
    from dlpath.exercises.gradient_descent import maths as gd

    objective = gd.FUNCTIONS[function]
    lr = objective.lr if lr is None else positive(lr, "--lr", str(objective.lr))
    steps = objective.steps if steps is None else whole(steps, "--steps", 1, 1_000_000)
    if not (math.isfinite(momentum) and 0.0 <= momentum < 1.0):
        raise ExerciseError(f"--momentum must be at least 0 and below 1, got {momentum:g} (e.g. --momentum 0.9)")
    x0 = objective.start
    if start is not None:
        example = "-3" if objective.dim == 1 else "-1.5,2"
        x0 = tuple(numbers(start, "--start", example))
        if len(x0) != objective.dim:
            raise ExerciseError(
                f"--start needs {objective.dim} number{'s' if objective.dim > 1 else ''} for {objective.name}"
                f" ({objective.formula}), got {len(x0)}: e.g. --start={example}"
            )

    from dlpath.exercises.gradient_descent import views
    from dlpath.exercises.views import say, title

    path_points = gd.minimise(objective.grad, x0, lr, steps, momentum)
    values = gd.losses(objective.f, path_points)
    divergence = gd.find_divergence(objective, path_points, lr, momentum)

    settings = f"start {gd.format_point(x0)}, learning rate η = {lr:g}, {steps} steps"
    if momentum:
        settings += f", momentum β = {momentum:g}"
    title(out, f"Gradient descent on the {objective.name}: {objective.formula}", settings)
    rule = "x ← x − η ∇f(x)" if not momentum else "v ← β v − η ∇f(x);  x ← x + v"
    say(out, f"Each step: {rule}.  The minimum is at {gd.format_point(objective.minimum)}.", "dim")
    out.print(views.path_table(objective, path_points, values))
    out.print(views.descent_drawing(objective, path_points, values, divergence))

    if divergence is not None:
        say(out, "\n" + divergence.explain(), "bold red")
    else:
        say(out, "\n" + gd.verdict(objective, path_points, values, momentum))
    return {
        "function": objective.name,
        "lr": lr,
        "steps": steps,
        "momentum": momentum,
        "diverged": divergence is not None,
        "final_loss": None if divergence else float(values[-1]),  # without a divergence every value is finite
    }
