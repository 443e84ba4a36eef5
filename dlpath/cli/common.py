"""What the command modules share: the environment of one command run, and printing errors and JSON.

The root command builds an ``Environment`` from the global options and hands it to the commands in
Typer's context (``ctx.obj``); ``environment()`` finds it from code that was not handed the context.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

try:  # the click that Typer runs on: its own copy since Typer 0.26, click itself before
    from typer._click.globals import get_current_context
except ImportError:  # pragma: no cover - older Typer
    from click import get_current_context

from dlpath import paths
from dlpath.catalog import load_catalog as load_catalog_file
from dlpath.render.term import Writer
from dlpath.render.text import clean

if TYPE_CHECKING:
    from rich.console import Console

    from dlpath.catalog import Catalog
    from dlpath.progress import Store

__all__ = ["Environment", "clean", "console", "environment", "json_text", "load_catalog", "print_error", "print_json"]


class Environment:
    """One command run: what the global options chose (``--catalog``, ``--no-extras``), where the data lives,
    and what the run loaded once (the catalogue, the consoles). A plain class: a dataclass costs start-up time."""

    def __init__(self, catalog_option: Path | None = None, no_extras: bool = False) -> None:
        self.catalog_option = catalog_option
        self.no_extras = no_extras
        self._catalog: Catalog | None = None
        self._consoles: dict[str, Console] = {}

    @property
    def catalog_path(self) -> Path:
        """The catalogue chosen: ``--catalog``, else ``$DLPATH_CATALOG``, else the bundled one."""
        return paths.catalog_path(self.catalog_option)

    def catalog(self) -> Catalog:
        """The chosen catalogue, loaded (through the parsed-catalogue cache) once per run; without what
        dlpath added when ``--no-extras`` or ``$DLPATH_NO_EXTRAS`` asks for the article's path alone."""
        if self._catalog is None:
            notice = _say_waiting if sys.stderr.isatty() else None  # a terminal: say why this takes a moment
            catalog = load_catalog_file(self.catalog_path, cache_dir=paths.cache_dir(), on_large=notice)
            self._catalog = catalog.without_extras() if paths.extras_hidden(self.no_extras) else catalog
        return self._catalog

    def open_store(self, *, create: bool = False) -> Store:
        """The progress store in the data folder, for the chosen catalogue's progress only.

        ``create=False`` never creates the file or the folder.
        """
        from dlpath.progress import Store, database_path  # SQLite: about 4 ms that steps, show and check-links skip
        from dlpath.progress.scope import scope_of

        return Store.open(
            database_path(paths.data_dir()), create=create, scope=scope_of(self.catalog()), on_wait=_say_waiting
        )

    def console(self, stderr: bool = False) -> Console:
        """A Rich console for this run; plain text when not a terminal or when NO_COLOR is set."""
        key = "err" if stderr else "out"
        if key not in self._consoles:
            from dlpath.render.fit import FittingConsole  # Rich, 18 ms or more: `dlpath next` prints without it

            plain = os.environ.get("NO_COLOR", "") != ""  # no escape codes at all, not even bold
            self._consoles[key] = FittingConsole(
                stderr=stderr, highlight=False, soft_wrap=False, **({"color_system": None} if plain else {})
            )
        return self._consoles[key]


def _say_waiting(message: str) -> None:
    """Tell the user, on stderr, why dlpath is waiting (a lock held by another program, a large catalogue)."""
    Writer(stderr=True).line((clean(message), "")).flush()


def environment() -> Environment:
    """The environment of the command being run (``ctx.obj``); outside a command, a default one."""
    ctx = get_current_context(silent=True)
    env = ctx.find_object(Environment) if ctx is not None else None
    return env if env is not None else Environment()


def load_catalog() -> Catalog:
    """The catalogue of the command being run (see ``Environment.catalog``)."""
    return environment().catalog()


def console(stderr: bool = False) -> Console:
    """A Rich console of the command being run (see ``Environment.console``)."""
    return environment().console(stderr)


def print_error(message: str) -> None:
    """One line on stderr: ``error: <message>``; the message is printed literally, never as markup."""
    Writer(stderr=True).line(("error: ", "bold red"), (clean(message), "")).flush()


def json_text(data: Any) -> str:
    """Data as the JSON text dlpath writes: indented, UTF-8 characters as they are, one final newline."""
    import json  # 1.4 ms to import, which `dlpath next` without --json never pays

    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def print_json(data: Any) -> None:
    """Machine-readable output on stdout, never coloured."""
    sys.stdout.write(json_text(data))


# Shell completion: parameters name these small functions; the candidates' code (dlpath.cli.completion)
# is imported only when the shell asks, so no command pays for it. ``ctx`` (the click context) is found
# by name: Typer reads these signatures at start-up, where typer.Context is not imported here.


def complete_resource(ctx, incomplete: str) -> list[tuple[str, str]]:
    """Complete a resource: id, or ``STEP.N`` once a digit is typed."""
    from dlpath.cli import completion

    return completion.resources(ctx, incomplete)


def complete_step(ctx, incomplete: str) -> list[tuple[str, str]]:
    """Complete a step: number or id."""
    from dlpath.cli import completion

    return completion.steps(ctx, incomplete)


def complete_weekdays(incomplete: str) -> list[tuple[str, str]]:
    """Complete a list of weekdays (``plan --days``)."""
    from dlpath.cli import completion

    return completion.weekdays(incomplete)


def complete_step_or_resource(ctx, incomplete: str) -> list[tuple[str, str]]:
    """Complete a step or a resource (``show``)."""
    from dlpath.cli import completion

    return completion.steps_or_resources(ctx, incomplete)
