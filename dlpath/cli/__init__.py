"""The Typer command-line interface: each module registers one group of commands on ``app``."""

from dlpath.cli import browse, exercise, links, progress  # noqa: E402,F401  (they register their commands)
from dlpath.cli.app import app, main

__all__ = ["app", "main"]
