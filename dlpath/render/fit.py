"""Tables that stay readable at any width, and URLs that are never broken across lines.

A Rich table squeezed into 40 columns drops whole columns or cuts titles to one letter, and a long URL
in a table cell is folded over several lines (so it can no longer be clicked, copied or grepped).
``FittingConsole`` prints such a table as stacked records instead: the first two cells (number and
title) on one line, then one ``Header: value`` line per other column, each URL whole on its line.
"""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console, Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

NARROW = 60  # below this many columns every table is stacked
_URL = re.compile(r"https?://\S+")


def _text(cell: Any) -> Text:
    if isinstance(cell, Text):
        return cell.copy()
    if isinstance(cell, str):
        return Text(cell)
    wide = Console(width=200, color_system=None, file=None, record=True)  # anything else: as plain text
    with wide.capture() as captured:
        wide.print(cell)
    return Text(captured.get().rstrip("\n"))


def _has_long_url(table: Table, width: int) -> bool:
    """Whether a URL in the table is too long for its share of the width (it would be folded)."""
    share = max(width // max(len(table.columns), 1), 20)
    for column in table.columns:
        for cell in column._cells:
            plain = cell.plain if isinstance(cell, Text) else cell if isinstance(cell, str) else ""
            if any(len(url) > share for url in _URL.findall(plain)):
                return True
    return False


def stacked(table: Table) -> Group:
    """The table as records: number and title first, then ``Header: value`` lines (URLs unbroken)."""
    columns = table.columns
    parts: list[Any] = []
    if table.title:
        parts.append(_text(table.title).copy())
        parts[-1].stylize("bold")
    rows = max((len(c._cells) for c in columns), default=0)
    for row in range(rows):
        cells = [_text(c._cells[row]) if row < len(c._cells) else Text() for c in columns]
        head = Text(" ").join(cell for cell in cells[:2] if cell.plain.strip())
        head.stylize("bold")
        if parts:
            parts.append(Text())
        parts.append(head)
        for column, cell in zip(columns[2:], cells[2:], strict=True):
            if not cell.plain.strip():
                continue
            line = Text(f"{_text(column.header).plain}: ", style="dim")
            line.append_text(cell)
            if _URL.search(cell.plain):  # a URL stays whole, even past the edge (the terminal wraps it)
                line = Text("  ") + line
                line.no_wrap, line.overflow = True, "ignore"
                parts.append(line)
            else:
                parts.append(Padding(line, (0, 0, 0, 2), expand=False))
    return Group(*parts)


class _Discard:
    """A file that forgets what is written: the trial rendering only needs to be recorded."""

    def write(self, text: str) -> int:
        """Drop ``text``."""
        return len(text)

    def flush(self) -> None:
        """Nothing to flush."""


class FittingConsole(Console):
    """A Rich console that stacks tables too wide for it, so nothing is dropped or cut and no URL breaks."""

    def _fit(self, renderable: Any) -> Any:
        if isinstance(renderable, Table) and (
            self.width < NARROW or _has_long_url(renderable, self.width) or self._squeezed(renderable)
        ):
            return stacked(renderable)
        if isinstance(renderable, Group):
            return Group(*(self._fit(r) for r in renderable.renderables))
        return renderable

    def _squeezed(self, table: Table) -> bool:
        """Whether Rich would cut a word of the table short (…) or run past the width to fit it in."""
        from rich.cells import cell_len

        trial = Console(width=self.width, color_system=None, highlight=False, record=True, file=_Discard())
        trial.print(table)
        drawn = trial.export_text()
        cells = "".join(_text(cell).plain for column in table.columns for cell in column._cells)
        cut = drawn.count("…") > cells.count("…")
        return cut or any(cell_len(line) > self.width for line in drawn.splitlines())

    def print(self, *objects: Any, **kwargs: Any) -> None:
        """``Console.print``, with tables that would not fit printed as stacked records."""
        fitted = [self._fit(o) for o in objects]
        if any(f is not o for f, o in zip(fitted, objects, strict=True)):
            kwargs.setdefault("crop", False)  # an unbroken URL may run past the edge: the terminal wraps it
        super().print(*fitted, **kwargs)
