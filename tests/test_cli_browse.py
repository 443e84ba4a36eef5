"""`dlpath steps`, `show`, `validate`, `--catalog` and `--version` through the real Typer app."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from dlpath import __version__
from dlpath.cli import app

runner = CliRunner()
CATALOGS = Path(__file__).parent / "fixtures" / "catalogs"


def run(*args: str, **env: str):
    return runner.invoke(app, list(args), env=env or None)


def test_steps_table_lists_seven_steps_with_counts_and_time():
    result = run("steps")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # required count and time, then the optional ones apart: "3 | 4 h 15 min | 1 (1 h 05 min)"
    assert any(re.search(r"1 .*Introducing Deep Learning .*3 .*4 h 15 min .*1 \(1 h 05 min\)", line) for line in lines)
    assert any(re.search(r"0 .*Before you start \(optional\) .*0 .*1 \(1 h\)", line) for line in lines)
    assert "Further Topics" in result.output and "Total" in result.output
    assert "\x1b[" not in result.output  # plain when not a terminal


def test_steps_json():
    data = json.loads(run("steps", "--json").output)
    assert [s["number"] for s in data["steps"]] == list(range(1, 8))
    assert data["steps"][2]["id"] == "backpropagation-and-gradient-descent"
    assert all(s["resource_count"] > 0 and s["minutes"] > 0 for s in data["steps"])
    for step in data["steps"]:
        assert step["resource_count"] == step["required_count"] + step["optional_count"]
    step_7 = data["steps"][6]
    assert step_7["minutes"] == 300 and step_7["optional_minutes"] == 3045  # the 3,000-minute book is apart


def test_show_step_by_number_and_id():
    by_number = run("show", "3")
    by_id = run("show", "backpropagation-and-gradient-descent")
    assert by_number.exit_code == 0 and by_number.output == by_id.output
    assert "Step 3: Backpropagation and Gradient Descent" in by_number.output
    assert "3.2" in by_number.output and "A Step by Step Backpropagation Example" in by_number.output


def test_show_resource_by_label_and_json():
    result = run("show", "3.2")
    assert result.exit_code == 0
    assert "Matt Mazur" in result.output and "mattmazur.com" in result.output
    data = json.loads(run("show", "3.2", "--json").output)
    assert data["label"] == "3.2" and data["authors"] == ["Matt Mazur"] and data["provenance"] == "article"


def test_unknown_name_suggests_and_exits_2_without_traceback():
    result = run("show", "mazur-backprop-exampel")
    assert result.exit_code == 2
    assert "error: no step or resource named 'mazur-backprop-exampel'; did you mean" in result.output
    assert "mazur-backpropagation-example" in result.output
    assert "Traceback" not in result.output


def test_custom_catalogue_by_option_and_environment():
    path = str(CATALOGS / "minimal-valid.yaml")
    by_option = run("--catalog", path, "steps", "--json")
    by_env = run("steps", "--json", DLPATH_CATALOG=path)
    assert json.loads(by_option.output)["title"] == "A Tiny Path"
    assert by_option.output == by_env.output


def test_bad_catalogue_exits_2_with_one_line(tmp_path):
    for path, expected in [
        (CATALOGS / "malformed-yaml.yaml", "is not valid YAML at line"),
        (tmp_path / "missing.yaml", "not found"),
        (tmp_path, "is a directory"),
        (CATALOGS / "many-problems.yaml", "steps[0].resources[0].url: expected an http:// or https:// URL"),
    ]:
        result = run("--catalog", str(path), "steps")
        assert result.exit_code == 2, (path, result.output)
        assert expected in result.output
        assert "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1, result.output


def test_validate_reports_all_problems_and_exits_1():
    result = run("validate", str(CATALOGS / "many-problems.yaml"))
    assert result.exit_code == 1
    assert "problems found" in result.output
    assert result.output.count("many-problems.yaml:") >= 9
    assert "many-problems.yaml:13:14: steps[0].resources[0].url: expected an http" in result.output


def test_validate_valid_and_missing():
    assert run("validate").exit_code == 0
    ok = run("validate", str(CATALOGS / "minimal-valid.yaml"))
    assert ok.exit_code == 0 and "valid" in ok.output
    missing = run("validate", "no/such/file.yaml")
    assert missing.exit_code == 2 and "not found" in missing.output


def test_catalogue_strings_are_printed_literally():
    path = str(CATALOGS / "hostile-strings.yaml")
    for args in (["steps"], ["show", "1"], ["show", "sneaky"]):
        result = run("--catalog", path, *args)
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.output and "\x07" not in result.output
    assert "[red]Hostile[/red] path" in run("--catalog", path, "steps").output
    shown = run("--catalog", path, "show", "sneaky").output
    assert "[link=https://evil.example]click[/link]" in shown and "[red]x[/red]" in shown


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.output.strip() == f"dlpath {__version__}"


def test_python_dash_m_runs_the_cli():
    proc = subprocess.run([sys.executable, "-m", "dlpath", "steps", "--json"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["steps"]) == 7


def test_every_command_is_routed_to_the_module_that_registers_it():
    import typer.main

    from dlpath.cli.root import COMMAND_MODULES, ROUTES, modules_for

    command = typer.main.get_command(app)
    assert set(command.commands) == set(ROUTES)
    assert modules_for(["--catalog", "x.yaml", "next", "--json"]) == ("reading",)
    assert modules_for(["check-links", "--step", "3"]) == ("links",)
    assert modules_for([]) == ("progress",)
    assert modules_for(["--help"]) == modules_for(["nxt"]) == COMMAND_MODULES  # every module


def test_console_script_path_loads_only_the_commands_module():
    code = (
        "import sys; sys.argv = ['dlpath', 'next']\n"
        "from dlpath.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('dlpath.cli.')))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    loaded = proc.stdout.strip().splitlines()[-1]
    assert "dlpath.cli.reading" in loaded
    assert not any(f"dlpath.cli.{m}'" in loaded for m in ("browse", "exercise", "links", "practice", "progress"))


def test_help_lists_every_command_through_the_console_script():
    proc = subprocess.run([sys.executable, "-m", "dlpath", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0
    for name in ("next", "check-links", "exercise", "steps", "progress"):
        assert name in proc.stdout
