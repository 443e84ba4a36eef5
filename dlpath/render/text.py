"""Catalogue and learner text made safe to print: what every renderer (views, reports, commands) passes text through."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from rich.text import Text

_CONTROL = {c: None for c in range(0x20) if c not in (0x09, 0x0A)} | {0x7F: None} | {
    c: None for c in range(0x80, 0xA0)
}


def clean(value: object) -> str:
    """A catalogue string made safe for a terminal: control characters (ESC, BEL, ...) are dropped."""
    return str(value).translate(_CONTROL)


def rich_text(spans: Iterable[tuple[str, str]]) -> Text:
    """Styled spans (as dlpath.render.term prints them) as one Rich Text, for output printed with Rich."""
    from rich.text import Text  # Rich takes 12-18 ms to import: only the renderers that print with it pay

    return Text.assemble(*spans)
