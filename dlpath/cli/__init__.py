"""The Typer command-line interface: each module registers one group of commands on ``root.app``.

The console script (``main``) loads only the module of the command being run, so ``dlpath next``
never pays for building check-links' or the exercises' options. Importing ``app`` from here loads
every command, as the tests and ``--help`` need.
"""

import importlib
import sys

from dlpath.cli import root

__all__ = ["app", "main", "load_commands"]


def load_commands(modules: tuple[str, ...] = root.COMMAND_MODULES) -> None:
    """Import command modules by name; each registers its commands on the root app."""
    for module in modules:
        importlib.import_module(f"dlpath.cli.{module}")


def main() -> None:
    """Console-script entry point: load the command modules the command line needs, then run it."""
    load_commands(root.modules_for(sys.argv[1:]))
    root.app(prog_name="dlpath")


def __getattr__(name: str):
    if name == "app":
        load_commands()
        return root.app
    raise AttributeError(f"module 'dlpath.cli' has no attribute {name!r}")
