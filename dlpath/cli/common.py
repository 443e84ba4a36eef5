"""State and helpers shared by the command modules: consoles, the chosen catalogue, safe text."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    from rich.console import Console
    from rich.text import Text

    from dlpath.catalog import Catalog


class _State:
    """What one invocation has chosen and loaded (a plain class: a dataclass costs start-up time)."""

    def __init__(self, catalog_option: Path | None = None) -> None:
        self.catalog_option = catalog_option
        self.catalog: Catalog | None = None
        self.consoles: dict[str, Console] = {}


_state = _State()


def reset(catalog_option: Path | None) -> None:
    """Start a fresh invocation (the test runner calls the app many times in one process)."""
    global _state
    _state = _State(catalog_option=catalog_option)


def catalog_option() -> Path | None:
    """The ``--catalog`` given on the command line, if any."""
    return _state.catalog_option


def load_catalog() -> Catalog:
    """The catalogue chosen by ``--catalog`` / ``DLPATH_CATALOG`` / the bundled default, loaded once."""
    if _state.catalog is None:
        from dlpath.catalog import load_catalog as _load
        from dlpath.paths import cache_dir, catalog_path

        _state.catalog = _load(catalog_path(_state.catalog_option), cache_dir=cache_dir())
    return _state.catalog


def console(stderr: bool = False) -> Console:
    """A Rich console for this invocation; plain text when not a terminal or when NO_COLOR is set."""
    key = "err" if stderr else "out"
    if key not in _state.consoles:
        from rich.console import Console

        _state.consoles[key] = Console(stderr=stderr, highlight=False, soft_wrap=False)
    return _state.consoles[key]


def print_error(message: str) -> None:
    """One line on stderr: ``error: <message>``; the message is printed literally, never as markup."""
    from dlpath.cli.term import Writer

    Writer(stderr=True).line(("error: ", "bold red"), (clean(message), "")).flush()


def rich_text(spans: Iterable[tuple[str, str]]) -> Text:
    """Styled spans (as dlpath.cli.term prints them) as one Rich Text, for commands that print with Rich."""
    from rich.text import Text

    return Text.assemble(*spans)


def print_json(data: Any) -> None:
    """Machine-readable output on stdout, never coloured."""
    import json

    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


_CONTROL = {c: None for c in range(0x20) if c not in (0x09, 0x0A)} | {0x7F: None} | {
    c: None for c in range(0x80, 0xA0)
}


def clean(value: object) -> str:
    """A catalogue string made safe for a terminal: control characters (ESC, BEL, ...) are dropped."""
    return str(value).translate(_CONTROL)


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


def complete_step_or_resource(ctx, incomplete: str) -> list[tuple[str, str]]:
    """Complete a step or a resource (``show``)."""
    from dlpath.cli import completion

    return completion.steps_or_resources(ctx, incomplete)
