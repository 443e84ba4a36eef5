"""What ``dlpath exercise sigmoid`` draws: a table of values and a plot of σ and σ'."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from dlpath.exercises.charts import LinePlot, Series

if TYPE_CHECKING:
    from rich.table import Table


SIGMOID_TABLE_Z = (-1000.0, -20.0, -10.0, -5.0, -2.0, -1.0, 0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 1000.0)


def sigmoid_table(z: Sequence[float] = SIGMOID_TABLE_Z) -> Table:
    """σ(z), σ'(z) and σ'(z) as a share of its peak in float64, and σ(z) in float32, for each z."""
    import numpy as np
    from rich.table import Table

    from dlpath.exercises.sigmoid.maths import sigmoid, sigmoid_prime

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

    from dlpath.exercises.sigmoid.maths import sigmoid, sigmoid_prime

    xs = np.linspace(-width, width, 61)
    return LinePlot(
        list(xs),
        [Series("σ(z)", list(sigmoid(xs)), "•", "cyan"), Series("σ'(z)", list(sigmoid_prime(xs)), "∘", "magenta")],
        height=13,
        y_range=(0.0, 1.0),
        shade=list(np.abs(xs) > threshold),
        shade_label=f"σ' below 1% of its peak (|z| > {threshold:.1f})",
    )
