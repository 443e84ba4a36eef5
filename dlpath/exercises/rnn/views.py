"""The RNN exercise's terminal output as Rich renderables: samples as they come, the loss curve, the gradient flow."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Group
from rich.text import Text

from dlpath.exercises.charts import LinePlot, LossChart, Series

if TYPE_CHECKING:
    from dlpath.exercises.rnn.gradient_flow import Flow


def sample(iteration: int, smooth_loss: float, text: str) -> Group:
    """A sample drawn from the model at ``iteration``, under a line with the smoothed loss then."""
    from dlpath.render.text import clean  # control characters of a learner's text never reach the terminal

    heading = Text(f"── iteration {iteration:,}, smoothed loss {smooth_loss:.3f} nats/char ──", style="dim")
    return Group(heading, Text(clean(text), style="cyan"))


def loss_curve(smooth_losses: Sequence[float]) -> LossChart:
    """The smoothed loss (nats per character) after each iteration, on a log scale."""
    return LossChart([float(v) for v in smooth_losses], label="iteration")


MARKERS = (("•", "red"), ("×", "yellow"), ("o", "cyan"))


def gradient_flow(flows: Sequence[Flow]) -> Group:
    """log10 ‖∂L/∂h_t‖ against how many steps back t lies from the scored last step, one curve per case."""
    steps = len(flows[0].norms)
    series = [
        Series(flow.label, [math.log10(n) if n > 0 else float("nan") for n in flow.norms], marker, colour)
        for flow, (marker, colour) in zip(flows, MARKERS, strict=False)
    ]
    return Group(
        Text(
            "log10 ‖∂L/∂h_t‖ (how much of the last step's error reaches step t), by steps back from the last:",
            style="bold",
        ),
        LinePlot(list(range(steps)), series, height=14),
    )
