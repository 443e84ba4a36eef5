"""Browsing the catalogue: ``steps``, ``show`` and ``validate``."""


from pathlib import Path
from typing import Annotated, Optional

import typer

from dlpath.cli import common
from dlpath.cli.root import app
from dlpath.errors import ExitCode

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]


@app.command()
def steps(as_json: JsonOption = False) -> None:
    """List the seven steps with their resource counts and total time."""
    from dlpath import views

    catalog = common.load_catalog()
    if as_json:
        steps_data = [views.step_json(s, with_resources=False) for s in catalog.steps]
        common.print_json({"title": catalog.title, "steps": steps_data})
        return
    common.console().print(views.steps_table(catalog))


@app.command()
def show(
    name: Annotated[
        str,
        typer.Argument(
            help="A step (number or id) or a resource (id, id prefix, or STEP.N like 3.2).",
            autocompletion=common.complete_step_or_resource,
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """Show a step and its resources, or everything about one resource."""
    from dlpath import views
    from dlpath.catalog import Step

    catalog = common.load_catalog()
    found = catalog.find(name)
    if isinstance(found, Step):
        if as_json:
            common.print_json(views.step_json(found))
        else:
            common.console().print(views.step_details(found))
        return
    if as_json:
        common.print_json(views.resource_json(found))
    else:
        from dlpath.cli.term import Writer

        Writer().grid(views.resource_rows(catalog, found)).flush()


@app.command()
def validate(
    path: Annotated[
        Optional[Path],
        typer.Argument(
            help="Catalogue to check (default: --catalog, DLPATH_CATALOG, or the bundled one).", show_default=False
        ),
    ] = None,
) -> None:
    """Check a catalogue against the format and report every problem (exit 1 if there are any)."""
    from rich.text import Text

    from dlpath.catalog import validate as check
    from dlpath.errors import CatalogError
    from dlpath.paths import catalog_path

    target = path or catalog_path(common.catalog_option())
    if not target.exists():
        raise CatalogError(f"catalogue {target} not found: check the path")
    if target.is_dir():
        raise CatalogError(f"catalogue {target} is a directory: give the path of a .yaml file")
    problems = check(target)
    out = common.console()
    if not problems:
        out.print(Text(f"{target}: valid", style="green"))
        return
    for problem in problems:
        line = Text(f"{target}: ", style="bold")
        line.append(common.clean(str(problem)))
        out.print(line, soft_wrap=True)
    noun = "problem" if len(problems) == 1 else "problems"
    out.print(Text(f"{len(problems)} {noun} found", style="bold red"))
    raise typer.Exit(int(ExitCode.FAILURE))
