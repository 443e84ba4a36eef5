"""Random arguments to every command never end in a traceback or an "unexpected" error.

Hypothesis builds command lines from each command's own options and a vocabulary of hostile values
(non-ASCII digits, NaN, huge numbers, escape codes, devices, missing paths); every run must end with
its result or one ``error:`` line, with an exit code of 0, 1 or 2. The catalogue's URLs point at a
closed local port, so nothing here reaches the network; the count of examples keeps the suite fast.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from dlpath.cli import app

FIXTURES = Path(__file__).parent / "fixtures"

VALUES = [
    "", "1", "2", "0", "-1", "3.2", "1.1", "99999999999999999999", "1e308", "nan", "inf", "-inf", "0.5",
    "²", "٣", "٣.٢", "\x1b[2J", "\u202eevil", "a" * 300, "-", "/dev/zero", "/nonexistent/file", "..", "x,y",
    "2,4,1", "1,2,3", "-1.5,2", "intro", "deep-dive", "table", "json", "markdown", "30m", "soon", "2xx",
]

COMMANDS: dict[tuple[str, ...], list[str]] = {
    ("steps",): ["--json"],
    ("show",): ["--json"],
    ("validate",): [],
    ("next",): ["--json"],
    ("start",): [],
    ("done",): [],
    ("skip",): [],
    ("undo",): [],
    ("reset",): ["--step", "--all", "--yes"],
    ("status",): ["--json"],
    ("history",): ["-n", "--json"],
    ("progress", "export"): [],
    ("progress", "import"): ["--unknown"],
    ("progress", "recover"): [],
    ("check-links",): ["--timeout", "--concurrency", "--per-host", "--retries", "--max-redirects", "--only",
                       "--step", "--format", "--max-age", "--accept", "--exclude", "--output"],
    ("exercise",): [],
    ("exercise", "sigmoid"): ["--range", "--practice", "--hint", "--force", "--time-limit"],
    ("exercise", "gradient-descent"): ["--function", "--lr", "--steps", "--start", "--momentum", "--hint"],
    ("exercise", "backprop"): ["--layers", "--lr", "--epochs", "--seed", "--until-loss", "--walkthrough",
                               "--weights", "--hint"],
}


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    command = draw(st.sampled_from(sorted(COMMANDS)))
    options = COMMANDS[command]
    words = st.one_of(st.sampled_from(options + ["--bogus"]) if options else st.just("--bogus"),
                      st.sampled_from(VALUES), st.text(max_size=12))
    tail = draw(st.lists(words, max_size=5))
    if "--epochs" in tail:  # training is allowed to take a while; the range check has its own test
        tail = [w if w not in ("99999999999999999999",) else "3" for w in tail]
    return [*command, *tail]


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=command_lines())
def test_random_arguments_never_end_in_a_traceback(args, runner, tmp_path, monkeypatch):
    local = FIXTURES / "catalogs" / "minimal-valid.yaml"
    catalogue = tmp_path / "local.yaml"
    if not catalogue.exists():
        text = local.read_text()
        for host in ("https://example.org", "http://example.org", "https://web.archive.org"):
            text = text.replace(host, "http://127.0.0.1:9")
        catalogue.write_text(text)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BROWSER", "true")  # `next --open` must not start anything
    result = runner.invoke(app, ["--catalog", str(catalogue), *args], input="")
    output = result.output
    assert result.exit_code in (0, 1, 2), (args, result.exit_code, output[-500:])
    assert "Traceback" not in output, (args, output[-2000:])
    assert "This is a bug in dlpath" not in output, (args, output[-500:])
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, repr(result.exception))
