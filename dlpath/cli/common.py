"""What the command modules share: the environment of one command run, and printing errors and JSON.

The root command builds an ``Environment`` from the global options and hands it to the commands in
Typer's context (``ctx.obj``); ``environment()`` finds it from code that was not handed the context.
"""

from __future__ import annotations

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
    """One command run: what the global options chose (``--catalog``), where the data lives, and what the
    run loaded once (the catalogue, the consoles). A plain class: a dataclass costs start-up time."""

    def __init__(self, catalog_option: Path | None = None) -> None:
        self.catalog_option = catalog_option
        self._catalog: Catalog | None = None
        self._consoles: dict[str, Console] = {}

    @property
    def catalog_path(self) -> Path:
        """The catalogue chosen: ``--catalog``, else ``$DLPATH_CATALOG``, else the bundled one."""
        return paths.catalog_path(self.catalog_option)

    def catalog(self) -> Catalog:
        """The chosen catalogue, loaded (through the parsed-catalogue cache) once per run."""
        if self._catalog is None:
            self._catalog = load_catalog_file(self.catalog_path, cache_dir=paths.cache_dir())
        return self._catalog

    def open_store(self, *, create: bool = False) -> Store:
        """The progress store in the data folder; ``create=False`` never creates the file or the folder."""
        from dlpath.progress import Store, database_path  # SQLite: about 4 ms that steps, show and check-links skip

        return Store.open(database_path(paths.data_dir()), create=create)

    def console(self, stderr: bool = False) -> Console:
        """A Rich console for this run; plain text when not a terminal or when NO_COLOR is set."""
        key = "err" if stderr else "out"
        if key not in self._consoles:
            from rich.console import Console  # 18 ms or more to import: `dlpath next` prints without Rich

            self._consoles[key] = Console(stderr=stderr, highlight=False, soft_wrap=False)
        return self._consoles[key]


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
