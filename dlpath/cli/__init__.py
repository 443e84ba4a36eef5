"""The Typer command-line interface: each module registers one group of commands on ``app``.

The console script loads only the module of the command being run (see ``app.main``), so
``dlpath next`` never pays for building check-links' or the exercises' options. Importing
``app`` from here loads every command, as the tests and ``--help`` need.
"""

import importlib

from dlpath.cli.root import COMMAND_MODULES, main

__all__ = ["app", "main", "load_commands"]


def load_commands(modules: tuple[str, ...] = COMMAND_MODULES) -> None:
    """Import command modules by name; each registers its commands on the root app."""
    for module in modules:
        importlib.import_module(f"dlpath.cli.{module}")


def __getattr__(name: str):
    if name == "app":
        load_commands()
        from dlpath.cli.root import app

        return app
    raise AttributeError(f"module 'dlpath.cli' has no attribute {name!r}")
