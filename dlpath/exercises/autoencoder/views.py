"""The autoencoder exercise's terminal output as Rich renderables: digits with their corrupted copies and
reconstructions, the learned filters, and a scatter of 2-D codes coloured by digit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.columns import Columns
from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.style import Style
from rich.table import Table
from rich.text import Text

from dlpath.exercises.charts import Pixels, _colourful

if TYPE_CHECKING:
    from dlpath.exercises.autoencoder.experiments import Examples
    from dlpath.exercises.autoencoder.maths import EpochRecord

DIGIT_COLOURS = (
    "red", "green", "yellow", "blue", "magenta", "cyan", "bright_red", "bright_green", "bright_blue", "bright_magenta",
)


def epoch_line(record: EpochRecord, epochs: int, baseline: float) -> Text:
    """One epoch on one line: mean training cost, test error and its fraction of the mean-image baseline."""
    width = len(str(epochs))
    return Text(
        f"epoch {record.epoch:>{width}}/{epochs}  loss {record.loss:7.3f}  test error {record.test_error:.4f}"
        f"  ({record.test_error / baseline:.2f} of the mean image's)"
    )


@dataclass
class Strip:
    """Rows of 8x8 images with a label on the left of each, as many columns per block as the width allows."""

    rows: list[tuple[str, list]]  # (label, images in [0, 1])
    captions: list[str]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        label_width = max(len(label) for label, _ in self.rows) + 1
        per_block = max(1, (options.max_width - label_width) // 18)
        n = len(self.captions)
        for start in range(0, n, per_block):
            grid = Table.grid(padding=(0, 2, 0, 0))
            grid.add_column(width=label_width)
            for _ in range(min(per_block, n - start)):
                grid.add_column(width=16)
            for label, images in self.rows:
                block = images[start : start + per_block]
                grid.add_row(Text(label, style="dim"), *(Pixels(img.tolist()) for img in block))
            grid.add_row("", *(Text(c, style="dim") for c in self.captions[start : start + per_block]))
            yield grid


def examples_view(examples: Examples, noise: float) -> Strip:
    """Each test digit, its corrupted copy and the network's reconstruction of it, one above the other."""
    return Strip(
        [
            ("original", list(examples.originals)),
            (f"{noise:.0%} masked", list(examples.corrupted)),
            ("rebuilt", list(examples.reconstructions)),
        ],
        [f"digit {int(d)}" for d in examples.labels],
    )


def filters_view(images, total: int) -> Group:
    """The learned filters (weights into each hidden unit), blue negative, orange positive."""
    heading = Text(
        f"What the hidden units look for: the weights into {len(images)} of the {total} hidden units as 8x8"
        " filters (each scaled to its largest weight; colour: blue negative, orange positive; plain: - and +)",
        style="bold",
    )
    return Group(heading, Columns([Pixels(f.tolist(), -1.0, 1.0, signed=True) for f in images], padding=(1, 3)))


@dataclass
class CodeScatter:
    """2-D codes as a scatter plot: each point drawn as its digit, coloured by digit, h₁ across and h₂ up."""

    points: list[tuple[float, float]]
    labels: list[int]
    width: int = 60
    height: int = 20

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(20, min(self.width, options.max_width - 8))
        xs = [p[0] for p in self.points]
        ys = [p[1] for p in self.points]
        x0, x1 = min(xs), max(xs)
        y0, y1 = min(ys), max(ys)
        grid: list[list[int | None]] = [[None] * width for _ in range(self.height)]
        for (x, y), label in zip(self.points, self.labels, strict=True):
            c = round((x - x0) / ((x1 - x0) or 1.0) * (width - 1))
            r = round((y1 - y) / ((y1 - y0) or 1.0) * (self.height - 1))
            grid[r][c] = label  # a later point covers an earlier one in the same cell
        colour = _colourful(console)
        yield Text(f"h₂ {y1:.2f}", style="dim")
        for row in grid:
            line = Text("     │", style="dim")
            for cell in row:
                if cell is None:
                    line.append(" ")
                else:
                    line.append(str(cell), style=Style(color=DIGIT_COLOURS[cell], bold=True) if colour else "")
            yield line
        yield Text(f"{y0:5.2f}└" + "─" * width, style="dim")
        yield Text(f"      {x0:<.2f}" + f"h₁ {x1:.2f}".rjust(width - 4), style="dim")


def scatter_view(codes, labels) -> Group:
    """The codes of the test digits with 2 hidden units, as a scatter plot by digit."""
    heading = Text(
        "The 2-D codes (h₁, h₂) of the test digits, each drawn as its digit. The autoencoder never saw a label:"
        " whatever grouping by digit shows here, it found from the pixels alone.",
        style="bold",
    )
    return Group(heading, CodeScatter([(float(a), float(b)) for a, b in codes], [int(v) for v in labels]))
