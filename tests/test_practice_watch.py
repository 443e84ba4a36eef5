"""``--watch``: the practice file is checked, then checked again each time it is saved."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

from typer.testing import CliRunner

from dlpath.cli import app
from dlpath.cli import practice as practice_cli

FIXTURES = Path(__file__).parent / "fixtures" / "practice"
runner = CliRunner()


def test_watch_checks_again_after_each_save(tmp_path, capsys, monkeypatch):
    target = tmp_path / "sigmoid.py"
    shutil.copy(FIXTURES / "sigmoid_missing_factor.py", target)
    first_check_done = threading.Event()
    real_check = practice_cli.check

    def check_then_signal(*args, **kwargs):
        status = real_check(*args, **kwargs)
        first_check_done.set()
        return status

    def learner_fixes_the_file():
        first_check_done.wait(60)
        shutil.copy(FIXTURES / "sigmoid_correct.py", target)
        stamp = target.stat().st_mtime_ns + 10**9  # a later mtime even on a coarse clock
        os.utime(target, ns=(stamp, stamp))

    monkeypatch.setattr(practice_cli, "check", check_then_signal)
    editor = threading.Thread(target=learner_fixes_the_file)
    editor.start()
    try:
        status = practice_cli.watch("sigmoid", target, 60.0, interval=0.02, rounds=2)
    finally:
        editor.join()
    out = capsys.readouterr().out
    assert status == 0  # the last check, on the fixed file, passed
    assert out.count("Checking ") == 2 and "FAIL" in out.split("Watching")[0]
    assert "All " in out.split("Watching")[1] and "saving it checks it again" in out


def test_watch_on_a_missing_file_is_one_clear_error(tmp_path):
    result = runner.invoke(app, ["exercise", "sigmoid", "--watch", str(tmp_path / "nowhere.py")])
    assert result.exit_code == 2
    assert "error: there is no file" in result.output and "Traceback" not in result.output


def test_watch_cannot_be_combined_with_hint_or_json():
    result = runner.invoke(app, ["exercise", "digits", "--watch", "--hint"])
    assert result.exit_code == 2 and "--watch and --hint cannot be combined" in result.output
    result = runner.invoke(app, ["exercise", "digits", "--watch", "--json"])
    assert result.exit_code == 2 and "--json is for a run of the exercise" in result.output


def test_watch_stops_quietly_on_ctrl_c(tmp_path, monkeypatch):
    target = tmp_path / "sigmoid.py"
    shutil.copy(FIXTURES / "sigmoid_correct.py", target)

    def interrupted(_seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(time, "sleep", interrupted)
    assert practice_cli.watch("sigmoid", target, 60.0) == 0  # checked once, then Ctrl-C while waiting
