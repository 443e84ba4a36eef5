"""The Typer command-line interface: each module registers one group of commands on ``app``."""

from dlpath.cli.app import app, main
from dlpath.cli import browse, exercise, links, progress  # noqa: E402,F401  (they register their commands)

__all__ = ["app", "main"]
