"""Browsing the catalogue: ``steps``, ``show`` and ``validate``."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from dlpath import views
from dlpath.cli.common import Environment, print_json
from dlpath.cli.root import app
from dlpath.errors import ExitCode
from dlpath.render.term import Writer
from dlpath.render.text import clean

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]


@app.command()
def steps(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the seven steps with their resource counts and total time."""
    env: Environment = ctx.obj
    catalog = env.catalog()
    if as_json:
        steps_data = [views.step_json(s, with_resources=False) for s in catalog.steps]
        print_json({"title": catalog.title, "steps": steps_data})
        return
    env.console().print(views.steps_table(catalog))


@app.command()
def show(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(help="A step (number or id) or a resource (id, id prefix, or STEP.N like 3.2).")
    ],
    as_json: JsonOption = False,
) -> None:
    """Show a step and its resources, or everything about one resource."""
    from dlpath.catalog import Step

    env: Environment = ctx.obj
    catalog = env.catalog()
    found = catalog.find(name)
    if isinstance(found, Step):
        if as_json:
            print_json(views.step_json(found))
        else:
            env.console().print(views.step_details(found))
        return
    if as_json:
        print_json(views.resource_json(found))
    else:
        Writer().grid(views.resource_rows(catalog, found)).flush()


@app.command()
def validate(
    ctx: typer.Context,
    path: Annotated[
        Optional[Path],
        typer.Argument(
            help="Catalogue to check (default: --catalog, DLPATH_CATALOG, or the bundled one).", show_default=False
        ),
    ] = None,
) -> None:
    """Check a catalogue against the format and report every problem (exit 1 if there are any)."""
    from rich.text import Text  # about 45 ms with the console, only for the commands that print with Rich

    from dlpath.catalog import check_file
    from dlpath.catalog import validate as check

    env: Environment = ctx.obj
    target = path or env.catalog_path
    check_file(target, missing="check the path")  # the loader's own checks: not there, or a folder
    problems = check(target)
    out = env.console()
    if not problems:
        out.print(Text(f"{target}: valid", style="green"))
        return
    for problem in problems:
        line = Text(f"{target}: ", style="bold")
        line.append(clean(str(problem)))
        out.print(line, soft_wrap=True)
    noun = "problem" if len(problems) == 1 else "problems"
    out.print(Text(f"{len(problems)} {noun} found", style="bold red"))
    raise typer.Exit(int(ExitCode.FAILURE))
