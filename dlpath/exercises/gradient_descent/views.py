"""What ``dlpath exercise gradient-descent`` draws: the path as a table, f per step, the points over f."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.text import Text

from dlpath.exercises.charts import HeatMap, LinePlot, LossChart, Series

if TYPE_CHECKING:
    from rich.table import Table

    from dlpath.exercises.gradient_descent.maths import Divergence, Objective


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
