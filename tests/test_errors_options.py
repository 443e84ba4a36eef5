"""Every numeric option has a stated range, and ``--output`` is checked before the long work starts.

The values are the ones a hostile user tried: NaN, infinity, 1e308, 99999999999, zero and negatives.
Each must end in one ``error:`` line naming the option and its range, exit 2, and change nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile import dlpath, give_to_user, one_error_line, user_folder
from typer.testing import CliRunner

from dlpath.cli import app
from dlpath.cli import options as checks

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["check-links", "--timeout", "nan"], "--timeout must be a number from 0.1 to 3600 seconds, got nan"),
        (["check-links", "--timeout", "inf"], "--timeout must be a number from 0.1 to 3600 seconds, got inf"),
        (["check-links", "--timeout", "1e308"], "--timeout must be a number from 0.1 to 3600 seconds, got 1e+308"),
        (["check-links", "--concurrency", "99999999999"], "--concurrency must be a whole number from 1 to 256"),
        (["check-links", "--concurrency", "0"], "--concurrency must be a whole number from 1 to 256, got 0"),
        (["check-links", "--per-host", "99999999999999999999"], "--per-host must be a whole number from 1 to 64"),
        (["check-links", "--retries", "-1"], "--retries must be a whole number from 0 to 10, got -1"),
        (["history", "-n", "99999999999999999999"], "is not in the range 1<=x<=1000000"),
        (["history", "-n", "0"], "is not in the range 1<=x<=1000000"),
        (["exercise", "gradient-descent", "--lr", "1e308"], "--lr must be a number from 1e-12 to 1000, got 1e+308"),
        (["exercise", "gradient-descent", "--lr", "nan"], "--lr must be a number from 1e-12 to 1000, got nan"),
        (["exercise", "gradient-descent", "--start", "1e308,1"], "--start must be a number from -1000 to 1000"),
        (["exercise", "gradient-descent", "--steps", "1000000"], "--steps must be a whole number from 1 to 20,000"),
        (["exercise", "backprop", "--lr", "1e308"], "--lr must be a number from 1e-12 to 1000, got 1e+308"),
        (["exercise", "backprop", "--epochs", "99999999999"], "--epochs must be a whole number from 1 to 1,000,000"),
        (
            ["exercise", "backprop", "--epochs", "1000000"],
            "--epochs 1,000,000 on a 2-4-1 network (17 weights and biases) is more training than dlpath runs at once:"
            " at most 491,642 epochs",
        ),
        (
            ["exercise", "backprop", "--epochs", "5000", "--layers", "2,512,512,512,1"],
            "on a 2-512-512-512-1 network (527,361 weights and biases) is more training",
        ),
    ],
)
def test_numbers_out_of_range_are_one_line_errors(dlpath_home, args, expected):
    before = files_under(dlpath_home)
    result = run(*args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], result.stderr
    assert files_under(dlpath_home) == before


def test_time_limit_is_checked_before_the_learners_code_runs(dlpath_home, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run("exercise", "sigmoid", "--practice").exit_code == 0
    written = files_under(tmp_path)
    before = files_under(dlpath_home)
    for value, shown in (("1e10", "1e+10"), ("inf", "inf"), ("0", "0"), ("1e300", "1e+300")):
        result = run("exercise", "sigmoid", "--check", "--time-limit", value)
        assert result.exit_code == 2
        assert f"error: --time-limit must be a number from 0.1 to 3600 seconds, got {shown}" in result.stderr
    assert files_under(tmp_path) == written and files_under(dlpath_home) == before


def test_training_work_allows_the_defaults_and_the_largest_allowed_run():
    checks.training_work(2000, 17, "2-4-1")
    most = checks.TRAINING_WORK // (17 + checks.EPOCH_OVERHEAD)
    checks.training_work(most, 17, "2-4-1")
    with pytest.raises(Exception, match="at most"):
        checks.training_work(most + 1, 17, "2-4-1")


@pytest.mark.parametrize("case", ["missing-folder", "directory", "read-only-file", "read-only-folder"])
def test_output_is_checked_before_any_link_is_checked(case):
    with user_folder() as folder:
        # every URL points at a closed local port: had the check started, it would never reach the internet
        text = (Path(__file__).parent / "fixtures" / "catalogs" / "minimal-valid.yaml").read_text()
        catalogue = folder / "local.yaml"
        for host in ("https://example.org", "http://example.org", "https://web.archive.org"):
            text = text.replace(host, "http://127.0.0.1:9")
        catalogue.write_text(text)
        if case == "missing-folder":
            target, expected = folder / "no" / "report.txt", "does not exist; create it or choose another file"
        elif case == "directory":
            target, expected = folder, "is a directory: give a file name"
        elif case == "read-only-file":
            target, expected = folder / "report.txt", "is not writable"
            target.write_text("old report")
            target.chmod(0o444)
        else:
            target, expected = folder / "ro" / "report.txt", "is not writable; choose another place"
            target.parent.mkdir()
            target.parent.chmod(0o555)
        give_to_user(*folder.rglob("*"))
        result = dlpath(
            "--catalog", str(catalogue), "check-links", "--output", str(target), "--timeout", "0.1",
            env={"DLPATH_HOME": str(folder / "home")}, as_user=True,
        )
        assert result.returncode == 2, result.stderr
        one_error_line(result, "--output ", expected)
        if case == "read-only-file":
            assert target.read_text() == "old report"
        assert result.stdout == ""
