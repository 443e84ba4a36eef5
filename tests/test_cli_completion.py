"""Shell completion asked the way the shells ask (Click's protocol), its candidates, and what loads when."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from dlpath.catalog import load_catalog
from dlpath.cli import app
from dlpath.cli.completion import resource_candidates, step_candidates
from dlpath.exercises import EXERCISES
from dlpath.paths import bundled_data_file


def complete_bash(line: str) -> list[str]:
    """What bash gets back for the command line ``line`` (the word being typed is the last one)."""
    env = {"_DLPATH_COMPLETE": "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(len(line.split(" ")) - 1)}
    result = CliRunner().invoke(app, [], env=env, prog_name="dlpath")
    assert result.exit_code == 0, result.output
    return result.output.split()


def run_entry_point(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """The console script's code path (``python -m dlpath``), which loads only the modules a command needs."""
    return subprocess.run(
        [sys.executable, "-m", "dlpath", *args], env={**os.environ, **env}, capture_output=True, text=True,
        timeout=60, check=False,
    )


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(bundled_data_file("steps.yaml"))



def test_a_partial_resource_id_completes_to_the_ids_it_starts(catalog):
    assert complete_bash("dlpath done maz") == ["mazur-backpropagation-example"]
    starts_with_n = [r.id for r in catalog.resources if r.id.startswith("n")]
    assert len(starts_with_n) > 1
    assert complete_bash("dlpath skip n") == starts_with_n
    assert complete_bash("dlpath check-links --only maz") == ["mazur-backpropagation-example"]


def test_a_step_number_completes_to_its_step_dot_n_labels(catalog):
    step3 = catalog.steps[2]
    assert complete_bash("dlpath done 3.") == [r.label for r in step3.resources]
    assert complete_bash("dlpath reset --step ") == [str(s.number) for s in catalog.steps]
    assert complete_bash("dlpath show 3") == ["3"] + [r.label for r in step3.resources]
    assert complete_bash("dlpath note 3.") == [r.label for r in step3.resources]


def test_study_days_complete_one_weekday_at_a_time():
    assert complete_bash("dlpath plan --days ") == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert complete_bash("dlpath plan --days mon,wed,s") == ["mon,wed,sat", "mon,wed,sun"]
    assert complete_bash("dlpath plan --days mon,t") == ["mon,tue", "mon,thu"]


def test_commands_options_and_exercise_names_complete():
    assert complete_bash("dlpath ne") == ["next"]
    assert "--json" in complete_bash("dlpath status --")
    assert complete_bash("dlpath exercise ") == list(EXERCISES)
    assert {"--install-completion", "--show-completion"} <= set(complete_bash("dlpath --"))


def test_completion_follows_the_catalog_option_and_stays_silent_on_a_broken_one(fixtures):
    tiny = fixtures / "catalogs" / "minimal-valid.yaml"
    assert complete_bash(f"dlpath --catalog {tiny} done intro") == ["intro-video", "intro-notes"]
    assert complete_bash("dlpath --catalog /nonexistent.yaml done intro") == []
    broken = fixtures / "catalogs" / "malformed-yaml.yaml"
    assert complete_bash(f"dlpath --catalog {broken} show ") == []


def test_candidates_carry_titles_as_literal_help(fixtures):
    hostile = load_catalog(fixtures / "catalogs" / "hostile-strings.yaml")
    [(value, help_text)] = resource_candidates(hostile, "")
    assert value == "sneaky"
    assert "\x1b" not in help_text and "\x07" not in help_text
    assert help_text.startswith("\\[link=https://evil.example]click\\[/link]")  # Rich markup escaped
    assert step_candidates(hostile, "") == [("1", "\\[bold magenta]Markup\\[/] step")]
    assert step_candidates(hostile, "only") == [("only-step", "\\[bold magenta]Markup\\[/] step")]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_show_completion_prints_a_script_for_each_shell(shell, monkeypatch):
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")  # take the shell as a value
    result = CliRunner().invoke(app, ["--show-completion", shell], prog_name="dlpath")
    assert result.exit_code == 0, result.output
    assert "_DLPATH_COMPLETE" in result.output
    assert f"complete_{shell}" in result.output


def test_the_console_script_loads_every_command_when_the_shell_asks():
    # 'exercise' lives in a module that 'dlpath' with no command would not load
    result = run_entry_point({"_DLPATH_COMPLETE": "complete_bash", "COMP_WORDS": "dlpath exercise ", "COMP_CWORD": "2"})
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.split() == list(EXERCISES)


def test_the_completion_code_loads_only_when_completing():
    probe = (
        "import sys\n"
        "sys.argv = ['dlpath', 'next']\n"
        "from dlpath.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write('LOADED' if 'dlpath.cli.completion' in sys.modules else 'NOT LOADED')\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False)
    assert result.stderr.endswith("NOT LOADED"), result.stderr
    # a fresh start: 'next' ran and offered the catalogue's optional prerequisite first
    assert result.stdout.startswith("Before you start (optional): "), result.stdout
