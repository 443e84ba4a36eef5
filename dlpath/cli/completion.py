"""Shell completion candidates: step numbers and ids, resource ids and ``STEP.N`` labels, from the catalogue.

Loaded only while the shell asks for completions: the parameters point at the small lazy functions in
``dlpath.cli.common``, which import this module when called. Click completes commands, options and the
exercise names (they are subcommands) itself. A catalogue that cannot be loaded completes nothing rather
than printing an error into the shell.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dlpath.errors import DlpathError

if TYPE_CHECKING:
    import typer

    from dlpath.catalog import Catalog

Candidate = tuple[str, str]  # the value, and help the shell may show beside it (zsh, fish)


def _catalog(ctx: typer.Context | None) -> Catalog | None:
    """The catalogue the command line names (``--catalog`` if typed already), or None if it cannot be loaded."""
    from dlpath.catalog import load_catalog
    from dlpath.paths import cache_dir, catalog_path

    option = None
    if ctx is not None:
        option = ctx.find_root().params.get("catalog")
    try:
        return load_catalog(catalog_path(option), cache_dir=cache_dir())
    except (DlpathError, OSError):
        return None


def _one_line(text: str) -> str:
    """A title as completion help: one line, no control characters, and literal in zsh and fish, where
    Typer renders help through Rich markup (so ``[red]`` is escaped to stay text)."""
    from rich.markup import escape

    from dlpath.render.text import clean

    return escape(" ".join(clean(text).split()))


def step_candidates(catalog: Catalog, incomplete: str) -> list[Candidate]:
    """Step numbers (when ``incomplete`` is empty or starts with a digit) or step ids, with titles."""
    if not incomplete or incomplete[0].isdigit():
        return [(str(s.number), _one_line(s.title)) for s in catalog.steps if str(s.number).startswith(incomplete)]
    return [(s.id, _one_line(s.title)) for s in catalog.steps if s.id.startswith(incomplete)]


def resource_candidates(catalog: Catalog, incomplete: str) -> list[Candidate]:
    """``STEP.N`` labels when ``incomplete`` starts with a digit, else resource ids, each with its title."""
    if incomplete and incomplete[0].isdigit():
        return [(r.label, _one_line(r.title)) for r in catalog.resources if r.label.startswith(incomplete)]
    return [(r.id, _one_line(r.title)) for r in catalog.resources if r.id.startswith(incomplete)]


def weekdays(incomplete: str) -> list[Candidate]:
    """Candidates for ``plan --days``: the typed list with each weekday not in it yet (``mon,w`` -> ``mon,wed``)."""
    from dlpath.plan.schedule import WEEKDAY_NAMES, WEEKDAYS

    done, _, last = incomplete.rpartition(",")
    head = f"{done}," if done else ""
    taken = {part.strip().lower() for part in done.split(",")}
    return [
        (f"{head}{day}", WEEKDAY_NAMES[i])
        for i, day in enumerate(WEEKDAYS)
        if day.startswith(last.lower()) and day not in taken
    ]


def resources(ctx: typer.Context | None, incomplete: str) -> list[Candidate]:
    """Candidates for an argument that names a resource."""
    catalog = _catalog(ctx)
    return resource_candidates(catalog, incomplete) if catalog else []


def steps(ctx: typer.Context | None, incomplete: str) -> list[Candidate]:
    """Candidates for an option that names a step."""
    catalog = _catalog(ctx)
    return step_candidates(catalog, incomplete) if catalog else []


def steps_or_resources(ctx: typer.Context | None, incomplete: str) -> list[Candidate]:
    """Candidates for ``show``: steps and resources (``3`` offers step 3 and 3.1, 3.2, ...)."""
    catalog = _catalog(ctx)
    if catalog is None:
        return []
    return step_candidates(catalog, incomplete) + resource_candidates(catalog, incomplete)
