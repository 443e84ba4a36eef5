"""Terminal charts shared by the exercises' views: a loss curve, line plots and heat maps, as Rich renderables.

Each one draws with colour on a colour terminal and falls back to plain characters (a density ramp,
markers and axes) when NO_COLOR is set or the output is not a terminal, so what it shows stays
readable in a pipe, a log or a test.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.color import Color
from rich.console import Console, ConsoleOptions, RenderResult
from rich.style import Style
from rich.text import Text

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


@dataclass
class Pixels:
    """A small image (a 2-D array, e.g. an 8x8 digit) drawn as shaded blocks, two characters per pixel.

    Values are placed on [low, high]: greys from white (low) to black (high), or with ``signed`` the
    diverging palette centred on 0 (blue negative, orange positive: for learned weights). Without
    colour, the plain-text ramp stands in (" " for low, "@" for high; for ``signed``, "-" and "+"
    marks of growing size).
    """

    values: Sequence[Sequence[float]]
    low: float = 0.0
    high: float = 1.0
    signed: bool = False

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        colour = _colourful(console)
        span = (self.high - self.low) or 1.0
        for row in self.values:
            line = Text()
            for value in row:
                v = float(value)
                t = min(max((v - self.low) / span, 0.0), 1.0)
                if colour:
                    bg = diverging(t) if self.signed else Color.from_rgb(*_lerp((250, 250, 250), (10, 10, 10), t))
                    line.append("  ", style=Style(bgcolor=bg))
                elif self.signed:
                    strength = min(3, int(abs(t - 0.5) * 8))  # 0..3
                    mark = " " if strength == 0 else ("-" if t < 0.5 else "+")
                    line.append(mark * 2 if strength >= 2 else mark + " ")
                else:
                    line.append(RAMP[min(len(RAMP) - 1, int(t * len(RAMP)))] * 2)
            yield line

    def __rich_measure__(self, console: Console, options: ConsoleOptions):
        from rich.measure import Measurement

        width = 2 * max((len(row) for row in self.values), default=0)
        return Measurement(width, width)
