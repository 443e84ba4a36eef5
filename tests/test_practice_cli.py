"""Practice mode through the real app: ``dlpath exercise NAME --practice / --check / --hint``, and the
rendering functions of ``dlpath.cli.practice`` the exercise command calls."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlpath import progress
from dlpath.cli import app
from dlpath.cli import practice as practice_cli
from dlpath.errors import NotFoundError
from dlpath.practice.scaffold import PracticeFileError
from dlpath.practice.specs import find_spec

runner = CliRunner()
FIXTURES = Path(__file__).parent / "fixtures" / "practice"
REFERENCE_SIGMOID = (FIXTURES / "sigmoid_correct.py").read_text()  # a learner's own right answer


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str):
    return runner.invoke(app, list(args))


def test_practice_writes_the_scaffold_and_says_what_next(in_tmp):
    result = run("exercise", "backprop", "--practice")
    assert result.exit_code == 0, result.output
    assert (in_tmp / "dlpath-practice" / "backprop.py").is_file()
    assert "dlpath-practice/backprop.py" in result.output
    assert "dlpath exercise backprop --check dlpath-practice/backprop.py" in result.output


def test_practice_keeps_the_learners_file_and_backs_it_up_with_force(in_tmp):
    run("exercise", "sigmoid", "--practice", "mine")
    work = in_tmp / "mine" / "sigmoid.py"
    work.write_text("# half done\n")
    refused = run("exercise", "sigmoid", "--practice", "mine")
    assert refused.exit_code == 2
    assert "error:" in refused.output and "already exists" in refused.output and "Traceback" not in refused.output
    assert work.read_text() == "# half done\n"
    forced = run("exercise", "sigmoid", "--practice", "mine", "--force")
    assert forced.exit_code == 0, forced.output
    assert "sigmoid.py.bak" in forced.output
    assert (in_tmp / "mine" / "sigmoid.py.bak").read_text() == "# half done\n"


def test_check_passing_file_exits_0_and_records_the_pass(in_tmp):
    path = in_tmp / "dlpath-practice" / "sigmoid.py"
    path.parent.mkdir()
    path.write_text(REFERENCE_SIGMOID)
    result = run("exercise", "sigmoid", "--check")  # the default file
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert sum(1 for line in lines if line.strip().startswith("pass ")) == 10
    assert "All 10 checks passed" in result.output
    stats = progress.exercise_stats()
    assert stats["sigmoid"].passed == 1


def test_check_failing_file_shows_expected_got_and_first_difference(in_tmp):
    result = run("exercise", "backprop", "--check", str(FIXTURES / "backprop_update_before_deltas.py"))
    assert result.exit_code == 1, result.output
    fail = [line for line in result.output.splitlines() if "FAIL" in line]
    assert any("train_step: simultaneous update" in line and "before the deltas" in line for line in fail)
    assert "expected [[" in result.output and "got [[" in result.output
    assert "first difference at index (0, 0): expected " in result.output
    assert "checks passed" in result.output and "All" not in result.output
    assert "backprop" not in progress.exercise_stats()  # nothing recorded: no database was even made


def test_check_never_says_all_passed_when_a_check_did_not_run(in_tmp):
    result = run("exercise", "sigmoid", "--check", str(FIXTURES / "fault_os_exit_midway.py"), "--time-limit", "5")
    assert result.exit_code == 1, result.output
    assert "not run" in result.output and "All" not in result.output
    assert "5 of 10 checks passed, 1 failed, 4 not run" in result.output
    assert "Traceback" not in result.output


def test_check_stops_an_endless_loop_at_the_time_limit(in_tmp):
    result = run("exercise", "sigmoid", "--check", str(FIXTURES / "fault_infinite_loop.py"), "--time-limit", "1")
    assert result.exit_code == 1
    assert "time limit of 1 s" in result.output and "Traceback" not in result.output


def test_check_a_missing_file_is_a_usage_error(in_tmp):
    result = run("exercise", "backprop", "--check", "nowhere.py")
    assert result.exit_code == 2
    assert "error: there is no file nowhere.py" in result.output and "--practice" in result.output


def test_check_rejects_a_time_limit_that_is_not_a_positive_number(in_tmp):
    (in_tmp / "s.py").write_text(REFERENCE_SIGMOID)
    for bad in ("0", "-1", "inf", "nan"):
        result = run("exercise", "sigmoid", "--check", "s.py", "--time-limit", bad)
        assert result.exit_code == 2 and "error: --time-limit" in result.output, bad


def test_hints_come_one_more_each_time_and_are_remembered(in_tmp):
    hints = find_spec("gradient-descent").hints
    first = run("exercise", "gradient-descent", "--hint")
    assert first.exit_code == 0, first.output
    assert f"Hint 1 of {len(hints)}" in first.output and f"Hint 2 of {len(hints)}" not in first.output
    second = run("exercise", "gradient-descent", "--hint")
    assert f"Hint 1 of {len(hints)}" in second.output and f"Hint 2 of {len(hints)}" in second.output
    assert progress.hints_shown("gradient-descent") == 2
    for _ in range(len(hints)):
        last = run("exercise", "gradient-descent", "--hint")
    assert last.exit_code == 0
    assert f"Hint {len(hints)} of {len(hints)}" in last.output and "That was every hint" in last.output
    assert progress.hints_shown("gradient-descent") == len(hints)  # no more recorded once all are shown
    assert progress.hints_shown("backprop") == 0


def test_rendering_functions_raise_dlpath_errors_for_user_mistakes(in_tmp):
    with pytest.raises(NotFoundError):
        practice_cli.check("softmax", None, 2.0)
    with pytest.raises(NotFoundError):
        practice_cli.hint("softmax")
    with pytest.raises(PracticeFileError, match="there is no file"):
        practice_cli.check("sigmoid", in_tmp / "missing.py", 2.0)


def test_a_broken_progress_store_never_withholds_a_hint_or_a_pass(in_tmp, dlpath_home):
    (dlpath_home / progress.FILE_NAME).write_text("not a database\n")
    hinted = run("exercise", "sigmoid", "--hint")
    assert hinted.exit_code == 0
    assert "Hint 1 of" in hinted.output and "hints are not being remembered" in hinted.output
    (in_tmp / "s.py").write_text(REFERENCE_SIGMOID)
    checked = run("exercise", "sigmoid", "--check", "s.py")
    assert checked.exit_code == 0
    assert "All 10 checks passed" in checked.output and "could not be recorded" in checked.output
    assert (dlpath_home / progress.FILE_NAME).read_text() == "not a database\n"  # left untouched


def test_practice_scaffold_uses_the_catalogue_the_learner_chose(in_tmp, monkeypatch):
    from dlpath.paths import bundled_data_file

    text = bundled_data_file("steps.yaml").read_text(encoding="utf-8")
    custom = in_tmp / "my-path.yaml"
    custom.write_text(text.replace("A Step by Step Backpropagation Example", "Mazur, Retitled In My Path"))
    result = run("--catalog", str(custom), "exercise", "backprop", "--practice")
    assert result.exit_code == 0, result.output
    assert "Mazur, Retitled In My Path" in (in_tmp / "dlpath-practice" / "backprop.py").read_text()

    monkeypatch.setenv("DLPATH_CATALOG", str(custom))
    result = run("exercise", "sigmoid", "--practice")
    assert result.exit_code == 0, result.output


def test_practice_with_a_broken_catalogue_says_so_and_never_falls_back_to_the_bundled_one(in_tmp, monkeypatch):
    monkeypatch.setenv("DLPATH_CATALOG", str(in_tmp / "missing.yaml"))
    result = run("exercise", "backprop", "--practice")
    assert result.exit_code == 0, result.output
    assert "warning: the readings are named by id only" in result.output
    written = (in_tmp / "dlpath-practice" / "backprop.py").read_text()
    assert "A Step by Step Backpropagation Example" not in written
    assert "dlpath show mazur-backpropagation-example" in written


def test_a_file_writing_a_pass_into_the_progress_store_records_nothing(in_tmp, monkeypatch):
    monkeypatch.setenv("PRACTICE_TEST_OUT", str(in_tmp / "environment.txt"))
    result = run("exercise", "sigmoid", "--check", str(FIXTURES / "forge_progress_store.py"))
    assert result.exit_code == 1, result.output
    assert "sigmoid" not in progress.exercise_stats() or progress.exercise_stats()["sigmoid"].passed == 0


def test_a_file_using_dlpaths_own_solution_is_told_so_and_never_recorded(in_tmp):
    (in_tmp / "sigmoid.py").write_text("from dlpath.exercises.sigmoid import sigmoid, sigmoid_prime\n")
    result = run("exercise", "sigmoid", "--check", "sigmoid.py")
    assert result.exit_code == 1
    assert "uses dlpath's own solution" in result.output and "All" not in result.output
    assert "sigmoid" not in progress.exercise_stats()
