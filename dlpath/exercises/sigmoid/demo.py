"""What ``dlpath exercise sigmoid`` shows: a table of σ and σ', a plot, and why a vanishing slope matters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dlpath.exercises.options import Option, positive

if TYPE_CHECKING:
    from rich.console import Console

HELP = "The sigmoid σ(z) = 1/(1 + e^-z) and its slope σ'(z): a table, a plot, and why the slope vanishing matters."
OPTIONS = (Option("--range", "width", float, "Plot z from -RANGE to RANGE.", default=8.0),)


def run(out: Console, err: Console, width: float) -> dict:
    """Print the sigmoid exercise for z in [−width, width]; the details of the run to record."""
    positive(width, "--range", "8")
    from dlpath.exercises.sigmoid import maths as sg
    from dlpath.exercises.sigmoid import views
    from dlpath.exercises.views import say, title

    title(out, "The sigmoid σ(z) = 1 / (1 + e^(−z)) and its derivative σ'(z) = σ(z)(1 − σ(z))")
    threshold = sg.vanishing_threshold(0.01)
    out.print(views.sigmoid_table())
    out.print(views.sigmoid_plot(width, threshold))
    say(out, "\n" + sg.STABILITY_NOTE)
    say(out, "\n" + sg.explain_vanishing(threshold))
    _measured_backflow(out)
    return {"range": width, "vanishing_threshold": threshold}  # |z| beyond which σ' < 1% of its peak


DEEP = (2, 4, 4, 4, 4, 1)  # a deeper version of the backprop exercise's network


def _measured_backflow(out: Console) -> None:
    """The gradient per layer of a deep sigmoid network at its starting weights, measured, with the bounds."""
    from dlpath.exercises.backprop import maths as bp
    from dlpath.exercises.backprop import views
    from dlpath.exercises.views import say

    X, Y = bp.xor_data()
    params = bp.init_params(DEEP, 0)
    norms = bp.delta_norms(params, X, Y)
    out.print()
    shape = "-".join(map(str, DEEP))
    title = f"Measured: a {shape} network on XOR, at its starting weights (seed 0)"
    out.print(views.backflow_table(norms, bp.backflow_bounds(params), title))
    say(
        out,
        f"From the output to layer 1 the gradient shrank by a factor {norms[-1] / norms[0]:.3g}. Train such a"
        f" network with dlpath exercise backprop --layers {','.join(map(str, DEEP))} to see the ratios of the"
        " weights it learns.",
        "dim",
    )
