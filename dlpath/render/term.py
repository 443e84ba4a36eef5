"""Styled, word-wrapped terminal text without Rich, for the output that must appear at once.

``dlpath next`` (and every ``error:`` line) is printed through this module: importing Rich's console
costs about 45 ms, a third of what ``dlpath next`` takes in all, for output that is a few styled
lines and one two-column grid. The look is the one Rich gives the other commands, and so are the
rules: styles only on a terminal (``FORCE_COLOR``/``TTY_COMPATIBLE`` force them, ``TERM=dumb`` turns
them off), no colours under ``NO_COLOR`` (bold and dim stay), width from ``COLUMNS`` or the terminal,
else 80. Text goes in as plain strings, so nothing in the catalogue is ever read as markup.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from collections.abc import Mapping
from typing import TextIO

Span = tuple[str, str]  # (text, style): style is space-separated names from _CODES, or ""

_CODES = {
    "bold": "1", "dim": "2", "italic": "3", "underline": "4", "strike": "9",
    "red": "31", "green": "32", "yellow": "33", "blue": "34", "magenta": "35", "cyan": "36",
}
_COLOURS = frozenset({"red", "green", "yellow", "blue", "magenta", "cyan"})
_TOKENS = re.compile(r"\S+|\s+")


def styled_terminal(stream: TextIO, environ: Mapping[str, str] = os.environ) -> bool:
    """Whether ``stream`` takes ANSI styles, by the rules Rich follows."""
    compatible = environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        terminal = compatible == "1"
    elif (force := environ.get("FORCE_COLOR")) is not None:
        terminal = force != ""
    else:
        try:
            terminal = stream.isatty()
        except (AttributeError, ValueError):  # no isatty, or a closed stream
            terminal = False
    return terminal and environ.get("TERM", "").lower() not in ("dumb", "unknown")


def terminal_width(environ: Mapping[str, str] = os.environ) -> int:
    """Columns to wrap at: ``COLUMNS`` if set, else the terminal's width, else 80."""
    columns = environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    for fd in (0, 1, 2):
        try:
            width = os.get_terminal_size(fd).columns
        except (OSError, ValueError):
            continue
        if width > 0:
            return width
    return 80


def cell_len(text: str) -> int:
    """Terminal columns ``text`` takes: wide (East Asian) characters take two, combining marks none."""
    if text.isascii():
        return len(text)
    cells = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        cells += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return cells


def _fold(word: str, width: int) -> list[str]:
    """A word longer than a line, cut into pieces of at most ``width`` columns (long URLs)."""
    pieces, piece = [], ""
    for char in word:
        if piece and cell_len(piece + char) > width:
            pieces.append(piece)
            piece = ""
        piece += char
    return pieces + [piece] if piece else pieces


def wrap(spans: list[Span], width: int) -> list[list[Span]]:
    """Styled text broken into lines of at most ``width`` columns at spaces (and at newlines);
    a word longer than a line is folded. Spaces at a break are dropped."""
    width = max(width, 1)
    lines: list[list[Span]] = [[]]
    used = 0
    for text, style in spans:
        for n, paragraph in enumerate(text.expandtabs(4).split("\n")):  # tabs as spaces, whose width is known
            if n:
                lines.append([])
                used = 0
            for token in _TOKENS.findall(paragraph):
                size = cell_len(token)
                if token.isspace():
                    if used and used + size < width:
                        lines[-1].append((token, style))
                        used += size
                    elif used:  # a break: the space goes
                        lines.append([])
                        used = 0
                    continue
                if used + size > width and used:
                    while lines[-1] and lines[-1][-1][0].isspace():
                        lines[-1].pop()
                    lines.append([])
                    used = 0
                for i, piece in enumerate(_fold(token, width) if size > width else [token]):
                    if i:
                        lines.append([])
                    lines[-1].append((piece, style))
                    used = cell_len(piece) if i else used + cell_len(piece)
    for line in lines:
        while line and line[-1][0].isspace():
            line.pop()
    return lines


class Writer:
    """Builds styled lines and writes them to a stream in one go (``flush``)."""

    def __init__(self, stream: TextIO | None = None, *, stderr: bool = False) -> None:
        self.stream = stream or (sys.stderr if stderr else sys.stdout)
        self.styled = styled_terminal(self.stream)
        self.colour = self.styled and os.environ.get("NO_COLOR", "") == ""
        self.width = terminal_width()
        self._out: list[str] = []

    def _render(self, spans: list[Span]) -> str:
        if not self.styled:
            return "".join(text for text, _ in spans)
        merged: list[Span] = []
        for text, style in spans:  # one escape sequence per run of a style, not per word
            if merged and merged[-1][1] == style:
                merged[-1] = (merged[-1][0] + text, style)
            else:
                merged.append((text, style))
        parts = []
        for text, style in merged:
            codes = [_CODES[name] for name in style.split() if name in _CODES and (self.colour or name not in _COLOURS)]
            parts.append(f"\x1b[{';'.join(codes)}m{text}\x1b[0m" if codes and text else text)
        return "".join(parts)

    def line(self, *spans: Span) -> Writer:
        """One line exactly as given, never wrapped (so it can be copied whole): errors, commands."""
        self._out.append(self._render(list(spans)))
        return self

    def paragraph(self, *spans: Span) -> Writer:
        """Text wrapped to the terminal's width."""
        self._out.extend(self._render(line) for line in wrap(list(spans), self.width))
        return self

    def blank(self) -> Writer:
        """An empty line."""
        self._out.append("")
        return self

    def grid(self, rows: list[tuple[str, list[Span]]], *, gap: int = 2) -> Writer:
        """Label / value rows: labels in bold in a column of their own, values wrapped beside them."""
        label_width = max((cell_len(label) for label, _ in rows), default=0)
        value_width = max(self.width - label_width - gap, 16)
        indent = " " * (label_width + gap)
        for label, value in rows:
            lines = wrap(value, value_width)
            pad = " " * (label_width - cell_len(label) + gap)
            self._out.append(self._render([(label, "bold"), (pad, "")] + lines[0]))
            self._out.extend(indent + self._render(line) for line in lines[1:])
        return self

    def flush(self) -> None:
        """Write every line built so far to the stream at once."""
        if self._out:
            self.stream.write("\n".join(self._out) + "\n")
            self.stream.flush()
            self._out = []
