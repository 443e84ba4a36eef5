"""Views shared by every exercise: the list of exercises, a section title, a paragraph of prose.

Each exercise's own views live in its folder (``sigmoid/views.py``, ...); the charts they draw with are
in ``charts.py``. Nothing here imports NumPy: ``dlpath exercise`` lists the exercises without it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.text import Text

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from dlpath.catalog import Catalog
    from dlpath.exercises.registry import Exercise


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
        what = Text(exercise.description)
        if exercise.data:
            what.append(f"\nData: {exercise.data}", style="dim")
        table.add_row(exercise.name, str(exercise.step), what, readings)
    return table


def title(console: Console, text: str, subtitle: str = "") -> None:
    """A section title (a rule with bold text), and a dim subtitle line under it when given."""
    from rich.rule import Rule

    console.print(Rule(Text(text, style="bold"), align="left"))
    if subtitle:
        console.print(Text(subtitle, style="dim"))


def say(console: Console, text: str, style: str = "") -> None:
    """A paragraph of our own prose (never catalogue text), wrapped to the terminal."""
    console.print(Text(text, style=style))
