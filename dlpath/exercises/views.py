"""The exercises' terminal output as Rich renderables: charts (loss curve, line plots, heat maps) and tables.

Each one draws with colour on a colour terminal and falls back to plain characters (a density ramp,
markers and axes) when NO_COLOR is set or the output is not a terminal, so what it shows stays
readable in a pipe, a log or a test.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.color import Color
from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.style import Style
from rich.text import Text

if TYPE_CHECKING:
    from rich.table import Table

    from dlpath.catalog import Catalog
    from dlpath.exercises import Exercise
    from dlpath.exercises.gradient_descent import Divergence, Objective
    from dlpath.exercises.walkthrough import Section

BARS = " ▁▂▃▄▅▆▇█"
RAMP = " .:-=+*#%@"  # plain-text shades, light to dark
CONTOUR_BANDS = 6  # height bands a plain-text landscape draws contour lines between


def _colourful(console: Console) -> bool:
    return console.color_system is not None and not console.no_color


def _fmt(x: float) -> str:
    if x == 0:
        return "0"
    if abs(x) >= 1e4 or abs(x) < 1e-3:
        return f"{x:.1e}"
    return f"{x:.3g}"


def _lerp(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return tuple(round(a[i] + (b[i] - a[i]) * t) for i in range(3))  # type: ignore[return-value]


BLUE, WHITE, ORANGE = (40, 90, 200), (235, 235, 235), (225, 110, 30)
DARK, LIGHT = (20, 30, 90), (250, 230, 120)


def diverging(t: float) -> Color:
    """Blue (0) through light grey (0.5) to orange (1): for outputs of a classifier."""
    t = min(max(t, 0.0), 1.0)
    rgb = _lerp(BLUE, WHITE, t * 2) if t < 0.5 else _lerp(WHITE, ORANGE, (t - 0.5) * 2)
    return Color.from_rgb(*rgb)


def sequential(t: float) -> Color:
    """Dark blue (0) to pale yellow (1): for the height of a function."""
    t = min(max(t, 0.0), 1.0)
    return Color.from_rgb(*_lerp(DARK, LIGHT, t))


@dataclass
class LossChart:
    """A bar chart of a loss history on a log scale, resampled to ``width`` columns."""

    losses: Sequence[float]
    width: int = 60
    height: int = 6
    label: str = "epoch"
    first: int = 1  # the number of the first value (1 for epochs, 0 for the starting point of a descent)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        values = [v for v in self.losses if math.isfinite(v) and v > 0]
        if not values:
            yield Text("(no finite losses to plot)")
            return
        n = len(self.losses)
        width = max(10, min(self.width, options.max_width - 12))
        columns = []
        for c in range(width):
            start = c * n // width
            stop = max(start + 1, (c + 1) * n // width)
            chunk = [v for v in self.losses[start:stop] if math.isfinite(v) and v > 0]
            columns.append(min(chunk) if chunk else float("nan"))
        top, bottom = math.log10(max(values)), math.log10(min(values))
        span = top - bottom or 1.0
        levels = self.height * 8
        heights = [
            0 if not math.isfinite(v) else 1 + round((math.log10(v) - bottom) / span * (levels - 1)) for v in columns
        ]
        style = Style(color="cyan") if _colourful(console) else Style()
        for row in range(self.height, 0, -1):
            label = _fmt(max(values)) if row == self.height else _fmt(min(values)) if row == 1 else ""
            line = Text()
            line.append(f"{label:>9} │", style="dim")
            cells = "".join(BARS[min(8, max(0, h - (row - 1) * 8))] for h in heights)
            line.append(cells, style=style)
            yield line
        yield Text(" " * 10 + "└" + "─" * width, style="dim")
        last = self.first + n - 1
        left = str(self.first)
        yield Text(f"{'':11}{left}{self.label.center(width - len(str(last)) - len(left))}{last}", style="dim")


@dataclass
class Series:
    """One curve of a LinePlot: y values at the plot's x values, a marker and a colour."""

    name: str
    ys: Sequence[float]
    marker: str
    colour: str


@dataclass
class LinePlot:
    """Curves y = f(x) drawn with markers on a character grid, with axes, optional points and a legend."""

    xs: Sequence[float]
    series: list[Series]
    height: int = 12
    y_range: tuple[float, float] | None = None
    points: list[tuple[float, float, str]] = field(default_factory=list)  # (x, y, marker) drawn on top
    shade: Sequence[bool] | None = None  # columns to mark on the x axis (e.g. where a slope vanishes)
    shade_label: str = ""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = len(self.xs)
        finite = [y for s in self.series for y in s.ys if math.isfinite(y)]
        lo, hi = self.y_range or (min(finite), max(finite))
        if hi <= lo:
            hi = lo + 1.0
        grid: list[list[tuple[str, str]]] = [[(" ", "")] * width for _ in range(self.height)]

        def row_of(y: float) -> int | None:
            if not math.isfinite(y) or y < lo or y > hi:
                return None
            return round((hi - y) / (hi - lo) * (self.height - 1))

        for s in reversed(self.series):  # the first series is drawn last, on top
            for c, y in enumerate(s.ys):
                r = row_of(y)
                if r is not None:
                    grid[r][c] = (s.marker, s.colour)
        x0, x1 = self.xs[0], self.xs[-1]
        for x, y, marker in self.points:
            r = row_of(y)
            c = round((x - x0) / (x1 - x0) * (width - 1)) if x1 != x0 else 0
            if r is not None and 0 <= c < width:
                grid[r][c] = (marker, "bold red")
        colour = _colourful(console)
        for r, row in enumerate(grid):
            label = _fmt(hi) if r == 0 else _fmt(lo) if r == self.height - 1 else ""
            if 0 < r < self.height - 1 and lo < 0 < hi and row_of(0.0) == r:
                label = "0"
            line = Text()
            line.append(f"{label:>9} ┤" if label else f"{'':>9} │", style="dim")
            for char, style in row:
                line.append(char, style=style if colour else "")
            yield line
        axis = Text()
        axis.append(" " * 10 + "└", style="dim")
        for c in range(width):
            marked = self.shade is not None and self.shade[c]
            axis.append("░" if marked else "─", style="yellow" if marked and colour else "dim")
        yield axis
        left, right = _fmt(x0), _fmt(x1)
        middle = _fmt((x0 + x1) / 2)
        gap = width - len(left) - len(right) - len(middle)
        yield Text(f"{'':11}{left}{' ' * (gap // 2)}{middle}{' ' * (gap - gap // 2)}{right}", style="dim")
        legend = Text(" " * 11)
        for s in self.series:
            legend.append(s.marker, style=s.colour if colour else "")
            legend.append(f" {s.name}   ")
        if self.shade is not None and any(self.shade):
            legend.append("░", style="yellow" if colour else "")
            legend.append(f" {self.shade_label}")
        yield legend


@dataclass
class HeatMap:
    """A grid of values in [0, 1] (row 0 at the top) as coloured blocks; in plain text a shade ramp
    (``diverging``) or contour lines (``sequential``), so that marks stay visible.

    ``marks`` are (row, column, character) drawn over the map, e.g. training points or a path.
    In colour, two grid rows share one line (upper and lower half blocks), so give twice as many rows
    as lines wanted; in plain text every other row is skipped to keep the aspect.
    """

    values: Sequence[Sequence[float]]
    palette: str = "diverging"  # or "sequential"
    marks: list[tuple[int, int, str]] = field(default_factory=list)
    row_labels: tuple[str, str] = ("", "")  # printed at the top and bottom rows
    col_labels: tuple[str, str] = ("", "")

    def _colour(self, t: float) -> Color:
        return diverging(t) if self.palette == "diverging" else sequential(t)

    def _band(self, r: int, c: int) -> int:
        return min(CONTOUR_BANDS - 1, int(self.values[r][c] * CONTOUR_BANDS))

    def _contour(self, top: int, c: int) -> str:
        """Plain text for a landscape: a dot where the height band changes (contour lines), else blank."""
        rows, cols = len(self.values), len(self.values[0])
        band = self._band(top, c)
        neighbours = [(top, c + 1), (top + 2, c)]  # the next character to the right and the one below
        if any(r < rows and cc < cols and self._band(r, cc) != band for r, cc in neighbours):
            return "."
        return " "

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        rows = len(self.values)
        cols = len(self.values[0])
        marks = {(r, c): ch for r, c, ch in self.marks}
        pad = max(len(self.row_labels[0]), len(self.row_labels[1]))
        colour = _colourful(console)
        for top in range(0, rows, 2):
            label = self.row_labels[0] if top == 0 else self.row_labels[1] if top + 2 >= rows else ""
            line = Text()
            line.append(f"{label:>{pad}} ", style="dim")
            for c in range(cols):
                upper = self.values[top][c]
                lower = self.values[min(top + 1, rows - 1)][c]
                mark = marks.get((top, c)) or marks.get((top + 1, c))
                if colour:
                    if mark:
                        shade = upper if (top, c) in marks else lower
                        fg = "black" if 0.3 < shade < 0.8 or self.palette == "sequential" and shade > 0.5 else "white"
                        line.append(mark, style=Style(color=fg, bgcolor=self._colour(shade), bold=True))
                    else:
                        line.append("▀", style=Style(color=self._colour(upper), bgcolor=self._colour(lower)))
                elif self.palette == "sequential":
                    line.append(mark or self._contour(top, c))
                else:
                    shade = (upper + lower) / 2
                    line.append(mark or RAMP[min(len(RAMP) - 1, max(0, int(shade * len(RAMP))))])
            yield line
        left, right = self.col_labels
        yield Text(f"{'':>{pad}} {left}{' ' * max(1, cols - len(left) - len(right))}{right}", style="dim")


def scale_legend(console: Console, palette: str, low: str, high: str, width: int = 20) -> Text:
    """A one-line key for a HeatMap: the colours (or shades) from ``low`` to ``high``."""
    text = Text(f"{low} ")
    for i in range(width):
        t = i / (width - 1)
        if _colourful(console):
            colour = diverging(t) if palette == "diverging" else sequential(t)
            text.append(" ", style=Style(bgcolor=colour))
        elif palette == "diverging":
            text.append(RAMP[min(len(RAMP) - 1, int(t * len(RAMP)))])
    text.append(f" {high}")
    return text


# What each exercise shows. NumPy is imported inside: the exercise list uses this module without NumPy.


def exercise_table(exercises: Iterable[Exercise], catalog: Catalog | None) -> Table:
    """The exercises with their step and readings: titles from ``catalog``, or the bare ids without one."""
    from rich.table import Table

    from dlpath.render.text import clean

    table = Table(title="Exercises", title_justify="left", show_lines=True)
    table.add_column("Exercise", style="bold cyan", no_wrap=True)
    table.add_column("Step", justify="right")
    table.add_column("What it shows", ratio=3)
    table.add_column("Readings", ratio=2)
    for exercise in exercises:
        readings = Text()
        for i, resource_id in enumerate(exercise.resource_ids):
            if i:
                readings.append("\n")
            resource = catalog.resource(resource_id) if catalog is not None else None
            if resource is None:
                readings.append(resource_id, style="dim")
            else:
                readings.append(f"{resource.label} ", style="dim")
                readings.append(clean(resource.title))
        table.add_row(exercise.name, str(exercise.step), exercise.description, readings)
    return table


SIGMOID_TABLE_Z = (-1000.0, -20.0, -10.0, -5.0, -2.0, -1.0, 0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 1000.0)


def sigmoid_table(z: Sequence[float] = SIGMOID_TABLE_Z) -> Table:
    """σ(z), σ'(z) and σ'(z) as a share of its peak in float64, and σ(z) in float32, for each z."""
    import numpy as np
    from rich.table import Table

    from dlpath.exercises.sigmoid import sigmoid, sigmoid_prime

    table = Table(title="Values in float64, and σ in float32", title_justify="left")
    for name in ("z", "σ(z)", "σ'(z)", "σ'(z) / σ'(0)", "float32 σ(z)"):
        table.add_column(name, justify="right")
    z = np.array(z, dtype=float)
    s, ds = sigmoid(z), sigmoid_prime(z)
    s32 = sigmoid(z.astype(np.float32))
    for zi, si, di, s32i in zip(z, s, ds, s32, strict=True):
        table.add_row(f"{zi:g}", f"{si:.6g}", f"{di:.6g}", f"{di / 0.25:.2%}", f"{s32i:.6g}")
    return table


def sigmoid_plot(width: float, threshold: float) -> LinePlot:
    """σ and σ' for z from −``width`` to ``width``, the axis marked where |z| > ``threshold``."""
    import numpy as np

    from dlpath.exercises.sigmoid import sigmoid, sigmoid_prime

    xs = np.linspace(-width, width, 61)
    return LinePlot(
        list(xs),
        [Series("σ(z)", list(sigmoid(xs)), "•", "cyan"), Series("σ'(z)", list(sigmoid_prime(xs)), "∘", "magenta")],
        height=13,
        y_range=(0.0, 1.0),
        shade=list(np.abs(xs) > threshold),
        shade_label=f"σ' below 1% of its peak (|z| > {threshold:.1f})",
    )


def path_table(objective: Objective, path, values) -> Table:
    """The first and last steps of a descent: x (and y), f and |∇f|, up to the overflow if it diverged.

    ``path`` is what ``gradient_descent.minimise`` returned (shape (steps + 1, dim)) and ``values`` is f along it.
    """
    import numpy as np
    from rich.table import Table

    names = ("x",) if objective.dim == 1 else ("x", "y")
    table = Table(title="The path (first and last steps)", title_justify="left")
    table.add_column("step", justify="right")
    for name in names:
        table.add_column(name, justify="right")
    table.add_column("f", justify="right")
    table.add_column("|∇f|", justify="right")
    n = len(path)
    shown = list(range(n)) if n <= 12 else list(range(8)) + [-1] + list(range(n - 3, n))
    finite_rows = np.flatnonzero(np.all(np.isfinite(path), axis=1) & np.isfinite(values))
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
        point = path[k]
        with np.errstate(over="ignore", invalid="ignore"):
            gnorm = float(np.linalg.norm(objective.grad(point)))
        table.add_row(str(k), *[f"{v:.6g}" for v in point], f"{values[k]:.6g}", f"{gnorm:.3g}")
    return table


def descent_drawing(objective: Objective, path, values, divergence: Divergence | None) -> Group:
    """f after each step, then the points visited: over the curve of f in 1-D, over a map of f in 2-D.

    After a divergence only the points before the run-away are drawn, so the scale stays readable.
    """
    import numpy as np

    finite = np.isfinite(values)
    if divergence is not None:
        sane = finite & (values <= 10 * (1 + abs(values[0])))
        keep = path[: max(2, int(np.argmin(sane)) if not sane.all() else len(sane))]
    else:
        keep = path[finite]
    draw = _descent_curve if objective.dim == 1 else _descent_map
    return Group(
        Text("\nf after each step (log scale):", style="bold"),
        LossChart([float(v) for v in values[finite]], label="step", first=0),
        *draw(objective, keep, divergence is not None),
    )


def _descent_curve(objective: Objective, keep, diverged: bool) -> tuple[Text, LinePlot]:
    import numpy as np

    half = float(np.abs(keep[:, 0] - objective.minimum[0]).max()) * 1.15 or 1.0
    xs = np.linspace(objective.minimum[0] - half, objective.minimum[0] + half, 61)
    ys = objective.f(xs[:, None])
    points = [(float(p[0]), float(objective.f(p[None, :])[0]), "o") for p in keep]
    points[0] = (points[0][0], points[0][1], "S")
    until = " until it ran away" if diverged else ""
    return (
        Text(f"\nThe function and the points visited{until} (S the start, o each step):", style="bold"),
        LinePlot(list(xs), [Series(objective.formula, list(ys), "·", "cyan")], height=12, points=points),
    )


def _descent_map(objective: Objective, keep, diverged: bool) -> tuple[Text, HeatMap]:
    import numpy as np

    lo = np.minimum(keep.min(axis=0), objective.minimum)
    hi = np.maximum(keep.max(axis=0), objective.minimum)
    pad = np.maximum((hi - lo) * 0.15, 0.5)
    lo, hi = lo - pad, hi + pad
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
    end = "E the last point before it ran away" if diverged else "E the end"
    return (
        Text(f"\nThe path over f (S the start, • each step, {end}, * the minimum; lighter is higher):", style="bold"),
        HeatMap(
            shade.tolist(),
            palette="sequential",
            marks=marks,
            row_labels=(f"y={hi[1]:.3g}", f"y={lo[1]:.3g}"),
            col_labels=(f"x={lo[0]:.3g}", f"x={hi[0]:.3g}"),
        ),
    )


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
    from dlpath.exercises.walkthrough import render_line

    parts: list[Text] = []
    for section in sections:
        parts += [Text(), Text(section.title, style="bold underline")]
        for line in section.lines:
            text = Text("  ", no_wrap=True, overflow="ignore")
            text.append(line.name, style="bold cyan")
            text.append(render_line(line)[len(line.name) :])
            parts.append(text)
    return Group(*parts)
