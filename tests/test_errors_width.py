"""Readable at 40 and 80 columns and in a pipe: tables keep their titles (stacked when narrow), URLs are
never broken across lines, NO_COLOR means no escape codes at all, and bidi overrides are neutralised."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hostile import dlpath
from typer.testing import CliRunner

from dlpath.catalog import load_catalog
from dlpath.cli import app
from dlpath.paths import bundled_data_file

CATALOG = load_catalog(bundled_data_file("steps.yaml"))
runner = CliRunner()


class Ran:
    """What a command printed, run in-process (as fast as the test runner allows)."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        result = runner.invoke(app, args, env=env)
        self.returncode, self.stdout, self.stderr = result.exit_code, result.stdout, result.stderr


def run(*args: str, env: dict[str, str] | None = None) -> Ran:
    return Ran(list(args), env or {})
ESCAPE = re.compile(r"\x1b")


@pytest.fixture
def some_progress(dlpath_home):
    for args in (["done", "1.1"], ["skip", "1.2"], ["start", "3.2"]):
        assert run(*args).returncode == 0


def words_in_order(text: str, title: str) -> bool:
    """Whether every word of ``title`` is in ``text`` (a table may wrap a title inside its cell)."""
    words = set(re.sub(r"[│┃|]", " ", text).split())
    return all(word in words for word in title.split())


@pytest.mark.parametrize("columns", [40, 80])
@pytest.mark.parametrize(
    "args", [["steps"], ["show", "3"], ["show", "3.2"], ["status"], ["history"], ["next"], []],
    ids=["steps", "show-step", "show-resource", "status", "history", "next", "dashboard"],
)
def test_tables_keep_titles_and_urls_whole_at_any_width(some_progress, columns, args):
    result = run(*args, env={"COLUMNS": str(columns), "NO_COLOR": "1"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert not ESCAPE.search(out)
    assert "…" not in out  # nothing cut short
    for line in out.splitlines():
        if re.search(r"[│┃━─]", line):  # a table never runs past the edge
            assert len(line.rstrip()) <= columns, line
    for url in re.findall(r"https?://\S+", out):  # every URL printed is a whole URL of the catalogue
        assert any(url.rstrip("│ ") in (r.url, r.archive_url) for r in CATALOG.resources), url
    expected_titles = {
        "steps": [s.title for s in CATALOG.steps],
        "show-step": [r.title for r in CATALOG.steps[2].resources],
        "status": [s.title for s in CATALOG.steps],
    }.get("-".join(args[:1]) + ("-step" if args[:2] == ["show", "3"] else ""), [])
    for title in expected_titles:
        assert words_in_order(out, title), (title, out)
    if args == ["show", "3.2"]:
        assert CATALOG.find_resource("3.2").url in out.splitlines()[[i for i, line in enumerate(out.splitlines())
                                                                       if "URL" in line][0]]


@pytest.mark.parametrize("args", [["steps"], ["show", "3"], ["show", "3.2"], ["next"], ["status"], ["nosuch"]])
def test_no_color_means_no_escape_codes_even_on_a_terminal(some_progress, args):
    result = run(*args, env={"NO_COLOR": "1", "FORCE_COLOR": "1", "TTY_COMPATIBLE": "1"})
    assert not ESCAPE.search(result.stdout + result.stderr), (result.stdout + result.stderr)[:300]
    styled = run(*args, env={"NO_COLOR": "", "FORCE_COLOR": "1", "TTY_COMPATIBLE": "1"})
    assert ESCAPE.search(styled.stdout + styled.stderr)  # the styles are there when allowed


def test_bidi_overrides_and_control_characters_from_the_catalogue_are_neutralised(tmp_path):
    catalogue = tmp_path / "steps.yaml"
    catalogue.write_text(
        "version: 1\ntitle: \"Path \\u202Egnp.exe\\u202C\"\nsource: {title: S, author: A, url: 'https://example.org/'}\n"
        "steps:\n  - id: s\n    title: \"Step \\u2066isolated\\u2069 \\e[2J\"\n    summary: \"Sum\\u2028mary.\"\n"
        "    resources:\n      - {id: r, title: \"R \\u200Fmark\", authors: [A], url: 'https://example.org/r',"
        " kind: blog, minutes: 5, provenance: article}\n",
        encoding="utf-8",
    )
    for args in (["steps"], ["show", "1"], ["show", "r"], ["next"], ["status"], ["history"]):
        result = run("--catalog", str(catalogue), *args, env={"COLUMNS": "80"})
        assert result.returncode == 0, result.stderr
        text = result.stdout + result.stderr
        for char in ("\u202e", "\u202c", "\u2066", "\u2069", "\u200f", "\u2028", "\x1b"):
            assert char not in text, (args, repr(char))
    assert "Path gnp.exe" in run("--catalog", str(catalogue), "steps").stdout


def test_link_report_urls_are_whole_in_a_pipe_at_80_columns(tmp_path):
    import sys

    sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "links"))
    import linkfarm as lf

    long_path = "/gone/" + "a-rather-long-path-segment/" * 4 + "page.html"
    with lf.Farm(routes={long_path: lf.status(404, "Not Found")}) as server:
        catalogue = lf.write_catalog(tmp_path / "steps.yaml", [("gone", server.url(long_path))])
        url = server.url(long_path)
        result = dlpath("--catalog", str(catalogue), "check-links", env={"COLUMNS": "80"})
        report = tmp_path / "report.txt"
        dlpath("--catalog", str(catalogue), "check-links", "--output", str(report), env={"COLUMNS": "80"})
    assert result.returncode == 1, result.stderr
    assert any(url in line for line in result.stdout.splitlines()), result.stdout
    assert any(url in line for line in report.read_text().splitlines())
    assert json.dumps(url)  # the URL is longer than a table cell could hold at this width
    assert len(url) > 80 // 6
