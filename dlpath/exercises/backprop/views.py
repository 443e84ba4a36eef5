"""What ``dlpath exercise backprop`` draws: the predictions, the decision boundary, the walkthrough's lines."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.text import Text

from dlpath.exercises.charts import HeatMap, scale_legend

if TYPE_CHECKING:
    from rich.table import Table

    from dlpath.exercises.backprop.walkthrough import Section


def predictions_table(X, Y, output) -> Table:
    """Each sample (rows of X), its target, the network's output and whether it is on the right side of 0.5."""
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


def decision_map(console: Console, predict: Callable, X, Y) -> Group:
    """A network's output over the plane around the unit square, the samples X marked with their targets Y.

    ``predict`` maps points of shape (n, 2) to outputs of shape (n, 1); ``console`` decides the key's colours.
    """
    import numpy as np

    cols, rows, lo, hi = 48, 24, -0.25, 1.25
    gx = np.linspace(lo, hi, cols)
    gy = np.linspace(hi, lo, rows)
    grid = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)
    values = predict(grid).reshape(rows, cols)
    marks = []
    for x, y in zip(X, Y, strict=True):
        c = int(round((x[0] - lo) / (hi - lo) * (cols - 1)))
        r = int(round((hi - x[1]) / (hi - lo) * (rows - 1)))
        marks.append((r, c, f"{y[0]:g}"))
    return Group(
        Text("\nDecision boundary: the network's output over the plane (x1 across, x2 up)", style="bold"),
        HeatMap(values.tolist(), marks=marks, row_labels=(f"{hi:g}", f"{lo:g}"), col_labels=(f"{lo:g}", f"{hi:g}")),
        scale_legend(console, "diverging", "output 0", "1"),
        Text("The digits mark the four XOR points, each showing its target.", style="dim"),
    )


def walkthrough(sections: Sequence[Section]) -> Group:
    """The sections of a walkthrough, each after a blank line: its title, then one quantity a line.

    Print it with ``crop=False``: the quantities' lines are never wrapped or cut, so each stays one line.
    """
    from dlpath.exercises.backprop.walkthrough import render_line

    parts: list[Text] = []
    for section in sections:
        parts += [Text(), Text(section.title, style="bold underline")]
        for line in section.lines:
            text = Text("  ", no_wrap=True, overflow="ignore")
            text.append(line.name, style="bold cyan")
            text.append(render_line(line)[len(line.name) :])
            parts.append(text)
    return Group(*parts)


def walkthrough_check(rows) -> Group:  # noqa: ANN001 - (section title, [walkthrough.Comparison]) pairs
    """The learner's numbers against the expected ones, a line each: ✓ or ✗, or · for a number not computed."""
    parts: list[Text] = []
    for heading, comparisons in rows:
        parts += [Text(), Text(heading, style="bold underline")]
        for row in comparisons:
            line = Text("  ", no_wrap=True, overflow="ignore")
            # the post's numbers as it prints them (8 or 9 decimals), dlpath's to 9 decimals
            where = f"the post: {row.expected:.10g}" if row.source == "post" else f"dlpath: {row.expected:.9f}"
            if row.yours is None:
                line.append(f"· {row.name}", style="dim")
                line.append(f": {row.note}; {where}", style="dim")
            else:
                ok = row.matches
                line.append("✓ " if ok else "✗ ", style="green" if ok else "bold red")
                line.append(row.name, style="bold cyan")
                line.append(f" = {row.yours:.9f}  ({where})", style="" if ok else "red")
            parts.append(line)
    return Group(*parts)
