"""dlpath.render.term: the Rich-free writer behind `dlpath next` and error lines: wrapping, widths, and
when styles are used (the same rules Rich follows for the other commands)."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlpath.render.term import Writer, cell_len, styled_terminal, terminal_width, wrap


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _text(lines) -> list[str]:
    return ["".join(text for text, _ in line) for line in lines]


# --------------------------------------------------------------------------- wrapping


def test_wrap_breaks_at_spaces_and_keeps_each_words_style():
    lines = wrap([("Next: step 1 of 7, ", "bold"), ("Introducing Deep Learning", "dim")], 20)
    assert _text(lines) == ["Next: step 1 of 7,", "Introducing Deep", "Learning"]
    assert {style for text, style in lines[1] if text.strip()} == {"dim"}
    assert lines[0][0] == ("Next:", "bold")


def test_wrap_folds_a_word_longer_than_the_line_and_honours_newlines():
    url = "https://example.org/" + "x" * 30
    assert _text(wrap([(url, "cyan")], 20)) == [url[:20], url[20:40], url[40:]]
    assert _text(wrap([("one\ntwo three", "")], 80)) == ["one", "two three"]


def test_wide_characters_take_two_columns():
    assert cell_len("abc") == 3
    assert cell_len("深度学习") == 8
    assert cell_len("e\u0301") == 1  # e + combining acute accent
    assert _text(wrap([("深度学习 深度学习", "")], 10)) == ["深度学习", "深度学习"]


words = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P")), min_size=1, max_size=30)


@given(st.lists(st.tuples(st.lists(words, max_size=8), st.sampled_from(["", "bold", "dim cyan"])), max_size=6),
       st.integers(min_value=1, max_value=60))
def test_wrapped_lines_fit_and_lose_no_text(spans, width):
    spans = [(" ".join(ws), style) for ws, style in spans]
    lines = wrap(spans, width)
    assert all(cell_len(line) <= width or len(line) == 1 for line in _text(lines))  # one wide char may overhang
    assert "".join("".join(_text(lines)).split()) == "".join("".join(text for text, _ in spans).split())
    assert all(not line or not line[-1][0].isspace() for line in lines)


# --------------------------------------------------------------------------- when to style


@pytest.mark.parametrize(
    ("environ", "tty", "styled"),
    [
        ({}, True, True),
        ({}, False, False),
        ({"TERM": "dumb"}, True, False),
        ({"FORCE_COLOR": "1"}, False, True),
        ({"FORCE_COLOR": ""}, True, False),
        ({"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"}, True, False),
        ({"TTY_COMPATIBLE": "1"}, False, True),
    ],
)
def test_styles_follow_richs_rules(environ, tty, styled):
    from rich.console import Console

    stream = _Tty() if tty else io.StringIO()
    assert styled_terminal(stream, environ) is styled
    rich = Console(file=stream, _environ=environ)  # the rules the Rich commands follow in the same place
    assert (rich.is_terminal and not rich.is_dumb_terminal) is styled


def test_width_comes_from_columns_else_the_terminal_else_80(monkeypatch):
    import os

    assert terminal_width({"COLUMNS": "132"}) == 132
    monkeypatch.setattr(os, "get_terminal_size", lambda fd: os.terminal_size((97, 30)))
    assert terminal_width({"COLUMNS": "wide"}) == 97  # unusable COLUMNS: the terminal's width

    def no_terminal(fd):
        raise OSError(25, "Inappropriate ioctl for device")

    monkeypatch.setattr(os, "get_terminal_size", no_terminal)
    assert terminal_width({}) == 80


def test_writer_styles_runs_keeps_bold_under_no_color_and_nothing_off_a_terminal(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    out = _Tty()
    Writer(out).line(("error: ", "bold red"), ("no such thing", "")).flush()
    assert out.getvalue() == "\x1b[1;31merror: \x1b[0mno such thing\n"

    monkeypatch.setenv("NO_COLOR", "1")
    out = _Tty()
    Writer(out).line(("error: ", "bold red"), ("x", "")).flush()
    assert out.getvalue() == "\x1b[1merror: \x1b[0mx\n"

    monkeypatch.delenv("FORCE_COLOR")
    out = io.StringIO()
    Writer(out).line(("error: ", "bold red"), ("x", "")).flush()
    assert out.getvalue() == "error: x\n"


def test_grid_aligns_values_and_indents_their_continuation_lines(monkeypatch):
    monkeypatch.setenv("COLUMNS", "30")
    out = io.StringIO()
    Writer(out).grid([("URL", [("https://example.org/a/very/long/path", "cyan")]), ("Note", [("short", "")])]).flush()
    assert out.getvalue().splitlines() == ["URL   https://example.org/a/ve", "      ry/long/path", "Note  short"]


def test_catalogue_text_is_never_read_as_markup_or_escape_codes(tmp_path, monkeypatch):
    catalog = tmp_path / "steps.yaml"
    catalog.write_text(
        "version: 1\ntitle: T\nsource: {title: S, author: A, url: 'https://example.org/'}\nsteps:\n"
        "  - id: s\n    title: '[bold red]Step[/]'\n    summary: Sum.\n    resources:\n"
        "      - {id: r, title: \"R \\e[31mred\", authors: [A], url: 'https://example.org/r', kind: blog,"
        " minutes: 5, provenance: article}\n",
        encoding="utf-8",
    )
    result = subprocess.run([sys.executable, "-m", "dlpath", "--catalog", str(catalog), "next"],
                            capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "DLPATH_HOME": str(tmp_path / "home"), "FORCE_COLOR": "1"})
    assert result.returncode == 0, result.stderr
    assert "[bold red]Step[/]" in result.stdout
    assert "\x1b[31mred" not in result.stdout and "R [31mred" in result.stdout


def test_tabs_count_as_spaces_when_wrapping():
    assert _text(wrap([("a\tb", "")], 80)) == ["a   b"]
    assert all(cell_len(line) <= 6 for line in _text(wrap([("aa\tbb\tcc", "")], 6)))
