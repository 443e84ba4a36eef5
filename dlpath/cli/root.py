"""The root Typer app: its global options, what ``dlpath`` alone shows, which module registers each command,
and the one place user-facing errors become exit codes."""

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from dlpath import __version__
from dlpath.cli.common import Environment, print_error
from dlpath.errors import DlpathError, ExitCode


class _Group(TyperGroup):
    """Turns every ``DlpathError`` raised by a command into ``error: ...`` on stderr and its exit code."""

    def invoke(self, ctx):  # noqa: ANN001 - click's signature
        try:
            return super().invoke(ctx)
        except DlpathError as err:
            print_error(err.message)
            raise typer.Exit(int(err.exit_code)) from None
        except KeyboardInterrupt:
            print_error("interrupted")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None


app = typer.Typer(
    cls=_Group,
    name="dlpath",
    help="A companion for the reading path '7 Steps to Understanding Deep Learning'.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


# What `dlpath` with no command shows: cli/progress.py registers its dashboard here, as it registers its
# commands on ``app`` (so this module never imports the command modules).
_without_command: Callable[[Environment], None] | None = None


def when_no_command(show: Callable[[Environment], None]) -> Callable[[Environment], None]:
    """Register ``show`` as what ``dlpath`` alone shows (a decorator)."""
    global _without_command
    _without_command = show
    return show


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dlpath {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    catalog: Annotated[
        Optional[Path],
        typer.Option(
            "--catalog",
            help="Catalogue file to use instead of the bundled one (also: DLPATH_CATALOG).",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    """Track your way through the seven steps: `dlpath next` says what to read now."""
    ctx.obj = Environment(catalog_option=catalog)
    if ctx.invoked_subcommand is None and _without_command is not None:
        _without_command(ctx.obj)


COMMAND_MODULES = ("browse", "progress", "links", "exercise")

# Which module registers each top-level command (a test checks this against the registered app).
ROUTES = {
    "steps": "browse", "show": "browse", "validate": "browse",
    "next": "progress", "start": "progress", "done": "progress", "skip": "progress", "undo": "progress",
    "reset": "progress", "status": "progress", "history": "progress", "progress": "progress",
    "check-links": "links",
    "exercise": "exercise",
}


def modules_for(args: list[str]) -> tuple[str, ...]:
    """The command modules a command line needs: the one of its command, or all of them for help."""
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--catalog":
            i += 2
        elif arg.startswith("--catalog="):
            i += 1
        elif arg.startswith("-"):
            return COMMAND_MODULES  # --help, --version or a mistake: let the full app answer
        else:
            return (ROUTES[arg],) if arg in ROUTES else COMMAND_MODULES
    return ("progress",)  # no command: the dashboard
