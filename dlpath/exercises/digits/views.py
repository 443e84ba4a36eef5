"""The digits exercise's terminal output as Rich renderables: digits as shaded blocks, training progress,
the sanity checks, the confusion matrix, the most confident mistakes and the two costs side by side."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.columns import Columns
from rich.console import Group
from rich.table import Table
from rich.text import Text

from dlpath.exercises.charts import Pixels

if TYPE_CHECKING:
    from collections.abc import Sequence

    from dlpath.exercises.digits.experiments import CostComparison, InitialCost, Mistake, Overfit
    from dlpath.exercises.digits.maths import EpochRecord

MAX_PIXEL = 16


def digit(image) -> Pixels:
    """An 8x8 digit (pixels 0..16) as shaded blocks: white paper, black ink."""
    return Pixels([[float(v) for v in row] for row in image], 0.0, float(MAX_PIXEL))


def epoch_line(record: EpochRecord, epochs: int, prefix: str = "") -> Text:
    """One epoch's figures on one line: mean training cost, train and test accuracy."""
    width = len(str(epochs))
    return Text(
        f"{prefix}epoch {record.epoch:>{width}}/{epochs}  loss {record.loss:.4f}"
        f"  train {record.train_accuracy:6.1%}  test {record.test_accuracy:6.1%}"
    )


def _mark(ok: bool) -> tuple[str, str]:
    return ("✓", "green") if ok else ("✗", "bold red")


def sanity_checks(initial: InitialCost, overfit: Overfit, cost_name: str) -> Group:
    """The two checks a course runs before training in earnest, each with its verdict and what it means."""
    mark, style = _mark(initial.close)
    first = Text.assemble(
        (f"{mark} ", style),
        f"Cost at the starting weights: {initial.value:.3f}, expected ≈ {initial.expected:.3f}"
        f" ({initial.formula}). ",
        "Close: the outputs start out undecided, as they should."
        if initial.close
        else "Far from it: a wrong cost or output function, or starting weights too large.",
    )
    mark, style = _mark(overfit.succeeded)
    if overfit.succeeded:
        text = (
            f"It can learn {overfit.samples} digits by heart: 100% right and the cost down from"
            f" {overfit.start_cost:.3g} to {overfit.final_cost:.3g} after {overfit.epochs} full-batch steps."
            " A network that cannot do this has a bug (often in the gradients)."
        )
    else:
        advice = (
            "the cost went up: the steps overshoot, try a smaller --lr."
            if not overfit.final_cost < overfit.start_cost
            else "try a larger --lr or more --hidden units."
        )
        text = (
            f"It did not learn {overfit.samples} digits by heart in {overfit.tried} full-batch steps"
            f" ({overfit.accuracy:.0%} right, cost {overfit.start_cost:.3g} → {overfit.final_cost:.3g}): {advice}"
        )
    second = Text.assemble((f"{mark} ", style), text)
    return Group(Text("Sanity checks before training", style="bold"), first, second)


def confusion_table(matrix) -> Table:
    """Rows: the true digit; columns: the predicted one; right answers on the diagonal, mistakes off it."""
    n = len(matrix)
    table = Table(title="Confusion matrix, test set", caption="row: the true digit; column: what the network said")
    table.add_column("", style="bold", justify="right")
    for j in range(n):
        table.add_column(str(j), justify="right")
    table.add_column("right", justify="right")
    for i in range(n):
        cells = []
        for j in range(n):
            count = int(matrix[i][j])
            style = "green" if i == j else ("bold red" if count else "dim")
            cells.append(Text(str(count) if count or i == j else "·", style=style))
        total = int(sum(matrix[i]))
        cells.append(Text(f"{int(matrix[i][i]) / total:.0%}" if total else "–"))
        table.add_row(str(i), *cells)
    return table


def mistakes_view(
    mistakes: Sequence[Mistake], total_wrong: int, total: int, probabilities: bool = True
) -> Group | Text:
    """The most confident mistakes, each drawn with its true and predicted digit and the confidence: a softmax
    probability, or with ``probabilities`` False the σ output itself (σ outputs are not probabilities)."""
    if not mistakes:
        return Text(f"No mistakes: all {total} test digits are right.", style="green")
    def confidence(m: Mistake) -> str:
        return f"{m.confidence:.0%} sure" if probabilities else f"output {m.confidence:.2f}"

    cards = [Group(digit(m.image), Text(f"true {m.label}, said {m.predicted}\n{confidence(m)}")) for m in mistakes]
    heading = Text(
        f"{total_wrong} of {total} test digits are wrong; the {len(mistakes)} the network was surest about:",
        style="bold",
    )
    return Group(heading, Columns(cards, padding=(1, 3)))


def comparison_table(comparison: CostComparison) -> Table:
    """Per epoch, the quadratic and the cross-entropy run side by side: training cost and test accuracy."""
    table = Table(title="Same network, same start, two costs", title_justify="left")
    table.add_column("epoch", justify="right")
    table.add_column("quadratic loss", justify="right")
    table.add_column("test", justify="right")
    table.add_column("cross-entropy loss", justify="right")
    table.add_column("test", justify="right")
    q, ce = comparison.quadratic.history, comparison.cross_entropy.history
    for a, b in zip(q, ce, strict=True):
        better = "green" if b.test_accuracy > a.test_accuracy else ""
        table.add_row(
            str(a.epoch),
            f"{a.loss:.4f}",
            f"{a.test_accuracy:.1%}",
            f"{b.loss:.4f}",
            Text(f"{b.test_accuracy:.1%}", better),
        )
    return table
