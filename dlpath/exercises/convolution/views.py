"""The convolution exercise's terminal output as Rich renderables: epochs, filters, feature maps, the walkthrough."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.columns import Columns
from rich.console import Group
from rich.table import Table
from rich.text import Text

from dlpath.exercises.charts import Pixels

if TYPE_CHECKING:
    from dlpath.exercises.convolution.cnn import EpochMetrics
    from dlpath.exercises.convolution.walkthrough import Walkthrough


def epoch_line(metrics: EpochMetrics, epochs: int) -> Text:
    """One epoch as it ends: its number, mean training loss, training and test accuracy, seconds so far."""
    return Text(
        f"epoch {metrics.epoch:>3}/{epochs}   loss {metrics.train_loss:.4f}   train {metrics.train_accuracy:7.2%}"
        f"   test {metrics.test_accuracy:7.2%}   {metrics.seconds:5.2f} s"
    )


def _labelled(label: str, image, signed: bool, low: float | None = None, high: float | None = None) -> Group:
    """A small image with a caption above it; signed images are centred on 0 and scaled to their largest |value|."""
    if signed:
        bound = float(abs(image).max()) or 1.0
        low, high = -bound, bound
    else:
        low = float(image.min()) if low is None else low
        high = float(image.max()) if high is None else high
        if high <= low:
            high = low + 1.0
    return Group(Text(label, style="dim"), Pixels(image.tolist(), low, high, signed=signed))


def filters(w1) -> Columns:
    """The learned filters w1 (F, 1, K, K), each drawn with its weights centred on 0 (− blue, + orange)."""
    return Columns([_labelled(f"filter {f + 1}", w1[f, 0], signed=True) for f in range(w1.shape[0])], padding=(0, 2))


def feature_maps(maps: Sequence[tuple[str, object]], label: int, predicted: int) -> Group:
    """One digit after each layer: the input, the F convolution maps, after ReLU, after pooling, the probabilities.

    ``maps`` is what ``cnn.feature_maps`` returns.
    """
    parts: list = []
    image = maps[0][1]
    parts.append(Text(f"\nThe input: a {label} (the network says {predicted})", style="bold"))
    parts.append(_labelled("8x8 pixels", image[0], signed=False, low=0.0, high=1.0))
    for name, values in maps[1:-1]:
        n = values.shape[0]
        signed = name == "convolution"
        shape = "x".join(str(s) for s in values.shape[1:])
        note = " (− blue, + orange)" if signed else " (0 white, largest black)"
        parts.append(Text(f"\nAfter the {name}: {n} maps of {shape}{note}", style="bold"))
        high = float(values.max()) or 1.0
        low, top = (None, None) if signed else (0.0, high)
        maps_drawn = [_labelled(f"map {k + 1}", values[k], signed=signed, low=low, high=top) for k in range(n)]
        parts.append(Columns(maps_drawn, padding=(0, 2)))
    probabilities = maps[-1][1]
    parts.append(Text("\nClass probabilities (softmax of the fully connected layer's scores)", style="bold"))
    parts.append(probability_bars(probabilities, predicted))
    return Group(*parts)


def probability_bars(probabilities, predicted: int, width: int = 30) -> Table:
    """A bar per class, its length the probability; the predicted class marked."""
    table = Table.grid(padding=(0, 1))
    for k, p in enumerate(probabilities):
        bar = "█" * round(float(p) * width)
        table.add_row(str(k), Text(bar or "·", style="cyan"), f"{float(p):6.1%}", "◀" if k == predicted else "")
    return table


def grid(title: str, values) -> Table:
    """A small 2-D array as a table of its numbers, for the walkthrough."""
    table = Table(title=title, title_justify="left", show_header=False, show_lines=True, pad_edge=True)
    for _ in range(values.shape[1]):
        table.add_column(justify="right")
    for row in values:
        table.add_row(*(f"{float(v) + 0.0:g}" for v in row))
    return table


def walkthrough(example: Walkthrough) -> Group:
    """The example's arrays as grids, then each section: its title and one computed number a line.

    Print it with ``crop=False``: the lines are never wrapped or cut, so each stays one line.
    """
    from dlpath.exercises.convolution.walkthrough import render_line

    given = Columns([grid("x (input)", example.x), grid("w (filter)", example.w), grid("dout = ∂L/∂out", example.dout)])
    parts: list = [Text(f"Given (b = {example.b:g}):", style="bold"), given]
    for section in example.sections:
        parts += [Text(), Text(section.title, style="bold underline")]
        for line in section.lines:
            text = Text("  ", no_wrap=True, overflow="ignore")
            text.append(line.name, style="bold cyan")
            text.append(render_line(line)[len(line.name) :])
            parts.append(text)
    results = Columns([grid("out", example.out), grid("∂L/∂w", example.dw), grid("∂L/∂x", example.dx)])
    parts += [Text(), Text(f"Results (∂L/∂b = {example.db + 0.0:g}):", style="bold"), results]
    return Group(*parts)
