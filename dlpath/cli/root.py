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

DEBUG_ENV = "DLPATH_DEBUG"


class _Group(TyperGroup):
    """The one error boundary: whatever happens, a command ends with its result or one ``error:`` line.

    ``DlpathError`` becomes its message and exit code; a usage mistake one line naming it; a closed
    stdout (``dlpath steps | head -1``) ends quietly; anything unexpected one line asking for a
    report, with the traceback only under ``--debug`` or ``DLPATH_DEBUG=1``.
    """

    def invoke(self, ctx):  # noqa: ANN001 - click's signature
        try:
            return super().invoke(ctx)
        except DlpathError as err:
            print_error(err.message)
            raise typer.Exit(int(err.exit_code)) from None
        except KeyboardInterrupt:
            print_error("interrupted")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # noqa: ANN001
        import sys

        from dlpath.cli import boundary

        args = list(sys.argv[1:] if args is None else args)
        end = args.index("--") if "--" in args else len(args)
        debug = "--debug" in args[:end] or boundary.debug_from_environment()
        if debug:  # accepted anywhere on the line, not only before the command
            args = [a for a in args[:end] if a != "--debug"] + args[end:]
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            boundary.flush_stdout()
        except BaseException as err:  # noqa: BLE001 - this is the boundary: every exception ends here
            try:
                code = boundary.handle(err, debug=debug, prog_name=prog_name or "dlpath")
            except BaseException:  # noqa: BLE001 - even printing the error failed (stderr closed): just end
                code = int(ExitCode.USAGE)
        else:
            code = result if isinstance(result, int) else 0
        if not standalone_mode:
            return code
        sys.exit(code)


app = typer.Typer(
    cls=_Group,
    name="dlpath",
    help="A companion for the reading path '7 Steps to Understanding Deep Learning'.",
    no_args_is_help=False,
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish)
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
    no_extras: Annotated[
        bool,
        typer.Option(
            "--no-extras",
            help="The article's path alone: hide the modern companions dlpath adds (also: DLPATH_NO_EXTRAS=1).",
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help=f"Show the traceback of an unexpected error (also: {DEBUG_ENV}=1).")
    ] = False,
) -> None:
    """Track your way through the seven steps: `dlpath next` says what to read now."""
    ctx.obj = Environment(catalog_option=catalog, no_extras=no_extras)
    if ctx.invoked_subcommand is None and _without_command is not None:
        _without_command(ctx.obj)


COMMAND_MODULES = ("browse", "reading", "progress", "links", "exercise", "plan", "notes", "share")
COMPLETE_VAR = "_DLPATH_COMPLETE"  # what Click sets when the shell asks dlpath for completions

# Which module registers each top-level command (a test checks this against the registered app).
ROUTES = {
    "steps": "browse", "show": "browse", "validate": "browse",
    "next": "reading", "start": "progress", "done": "progress", "skip": "progress", "undo": "progress",
    "reset": "progress", "status": "progress", "history": "progress", "progress": "progress",
    "check-links": "links",
    "exercise": "exercise",
    "plan": "plan", "note": "notes", "notes": "notes", "share": "share",
}


def modules_for(args: list[str]) -> tuple[str, ...]:
    """The command modules a command line needs: the one of its command, or all of them for help."""
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--catalog":
            i += 2
        elif arg.startswith("--catalog=") or arg in ("--no-extras", "--debug"):
            i += 1
        elif arg.startswith("-"):
            return COMMAND_MODULES  # --help, --version or a mistake: let the full app answer
        else:
            return (ROUTES[arg],) if arg in ROUTES else COMMAND_MODULES
    return ("progress",)  # no command: the dashboard
