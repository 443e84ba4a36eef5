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
    return {"range": width}
