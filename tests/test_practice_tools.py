"""The tools a learner reaches for: --check --watch, --walkthrough --check, the gradient check, --solution."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from dlpath import progress
from dlpath.cli import app
from dlpath.practice import gradcheck
from dlpath.practice.results import CheckResult, GradingReport
from dlpath.practice.watch import Watcher, changed_results

runner = CliRunner()
FIXTURES = Path(__file__).parent / "fixtures" / "practice"
WAIT = 120.0  # seconds: only a hang would reach it


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str):
    return runner.invoke(app, list(args))


# --------------------------------------------------------------------------- --watch


@pytest.mark.parametrize("poll", [False, True])
def test_the_watcher_reports_a_save_and_ignores_a_rewrite_of_the_same_bytes(in_tmp, poll):
    path = in_tmp / "mine.py"
    path.write_text("a = 1\n")
    with Watcher(path, poll=poll, keys=False) as watcher:
        path.write_text("a = 1\n")  # the same bytes: nothing to check again
        path.write_text("a = 2\n")
        assert watcher.next_event() == "file saved"
        assert watcher.events.empty() or watcher.events.get(timeout=1) == "file saved"


def test_only_the_checks_whose_result_changed_are_shown():
    before = GradingReport("s", Path("s.py"), (CheckResult("a", True), CheckResult("b", False, message="x")), 2)
    after = GradingReport("s", Path("s.py"), (CheckResult("a", True), CheckResult("b", True)), 2)
    assert changed_results(before, after) == [CheckResult("b", True)]
    assert changed_results(after, after) == []


def _read_until(lines: queue.Queue, fragment: str, seen: list[str]) -> None:
    while True:
        line = lines.get(timeout=WAIT)
        assert line is not None, "".join(seen)  # the process ended before printing it
        seen.append(line)
        if fragment in line:
            return


def test_watch_mode_grades_again_when_the_file_is_saved(in_tmp):
    path = in_tmp / "sigmoid.py"
    path.write_text((FIXTURES / "sigmoid_missing_factor.py").read_text())
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "dlpath", "exercise", "sigmoid", "--check", str(path), "--watch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    lines: queue.Queue = queue.Queue()

    def pump() -> None:
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    try:
        _read_until(lines, "Watching", seen)
        assert any("7 of 10 checks passed" in line for line in seen)
        path.write_text((FIXTURES / "sigmoid_correct.py").read_text())  # the learner fixes it and saves
        _read_until(lines, "All 10 checks passed", seen)
        again = "".join(seen[seen.index(next(s for s in seen if "file saved" in s)) :])
        assert "3 checks changed" in again and again.count("  pass ") == 3  # only what changed
        proc.stdin.write("q\n")
        proc.stdin.flush()
        assert proc.wait(timeout=WAIT) == 0
    finally:
        proc.kill()
        proc.wait()


def test_watch_without_check_is_a_usage_error():
    result = run("exercise", "sigmoid", "--watch")
    assert result.exit_code == 2 and "error: --watch" in result.output and "--check" in result.output


# --------------------------------------------------------------------------- --walkthrough --check


def test_walkthrough_check_compares_every_number_of_a_right_file_with_the_post():
    result = run("exercise", "backprop", "--walkthrough", "--check", str(FIXTURES / "backprop_correct.py"))
    assert result.exit_code == 0, result.output
    assert "✓ out_o1 = 0.751365070  (the post: 0.75136507)" in result.output
    assert "✓ w5⁺ = 0.358916480  (the post: 0.35891648)" in result.output
    assert "· net_h1: your functions do not return it" in result.output
    assert "37 of 37 numbers match" in result.output and "✗" not in result.output


def test_walkthrough_check_points_at_the_first_number_that_differs():
    result = run("exercise", "backprop", "--walkthrough", "--check", str(FIXTURES / "backprop_transposed_gradient.py"))
    assert result.exit_code == 1
    assert "✗ ∂E/∂w6 = -0.022602540  (dlpath: 0.082667628)" in result.output
    assert "the first that differs is ∂E/∂w6" in result.output


def test_walkthrough_check_of_a_file_that_does_not_load_is_one_clear_error(in_tmp):
    (in_tmp / "backprop.py").write_text("def forward(:\n")
    result = run("exercise", "backprop", "--walkthrough", "--check", "backprop.py")
    assert result.exit_code != 0 and "error:" in result.output and "not valid Python" in result.output
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- the gradient check


def _tiny_network():
    rng = np.random.default_rng(3)
    W, b = rng.normal(size=(3, 2)), rng.normal(size=2)
    X, Y = rng.normal(size=(4, 3)), rng.uniform(size=(4, 2))

    def loss():
        return 0.5 * float(np.sum((1 / (1 + np.exp(-(X @ W + b))) - Y) ** 2))

    out = 1 / (1 + np.exp(-(X @ W + b)))
    delta = (out - Y) * out * (1 - out)
    return loss, [(W, b)], [(X.T @ delta, delta.sum(axis=0))]


def test_a_right_gradient_agrees_and_the_params_are_restored():
    loss, params, grads = _tiny_network()
    before = [p.copy() for pair in params for p in pair]
    printed: list[str] = []
    error = gradcheck.gradient_check(loss, params, grads, report=printed.append)
    assert error < 1e-7 and gradcheck.verdict(error) == "they agree"
    assert printed[-1].startswith("overall:") and "they agree" in printed[-1]
    assert all(np.array_equal(a, b) for a, b in zip(before, [p for pair in params for p in pair], strict=True))


@pytest.mark.parametrize("mistake", ["transposed", "negated", "halved"])
def test_a_wrong_gradient_is_called_wrong(mistake):
    loss, params, grads = _tiny_network()
    (dW, db), = grads
    wrong = {"transposed": (dW[::-1], db), "negated": (-dW, -db), "halved": (dW / 2, db)}[mistake]
    error = gradcheck.gradient_check(loss, params, [wrong], report=None)
    assert error > 1e-2 and gradcheck.verdict(error).startswith("wrong")


def test_almost_zero_gradients_do_not_raise_a_false_alarm():
    W = np.array([1.0, 1e-9])

    def f():
        return float(0.5 * W[0] ** 2 + 1e-12 * W[1])

    assert gradcheck.gradient_check(f, [W], [np.array([1.0, 1e-12])], report=None) < 1e-7


def test_a_gradient_of_the_wrong_shape_is_a_clear_error():
    loss, params, _ = _tiny_network()
    with pytest.raises(ValueError, match="has shape"):
        gradcheck.gradient_check(loss, params, [(np.zeros((2, 3)), np.zeros(2))], report=None)


# --------------------------------------------------------------------------- --solution


def test_the_solution_is_offered_only_after_a_pass(in_tmp):
    refused = run("exercise", "sigmoid", "--solution")
    assert refused.exit_code == 2 and "once your own file passes every check" in refused.output
    assert "def sigmoid" not in refused.output
    (in_tmp / "sigmoid.py").write_text((FIXTURES / "sigmoid_correct.py").read_text())
    passed = run("exercise", "sigmoid", "--check", "sigmoid.py")
    assert passed.exit_code == 0 and "dlpath exercise sigmoid --solution" in passed.output
    shown = run("exercise", "sigmoid", "--solution")
    assert shown.exit_code == 0 and "def sigmoid(z):" in shown.output and "np.logaddexp" in shown.output
    assert progress.exercise_stats()["sigmoid"].passed == 1


def test_a_failing_check_never_mentions_the_solution(in_tmp):
    result = run("exercise", "sigmoid", "--check", str(FIXTURES / "sigmoid_missing_factor.py"))
    assert result.exit_code == 1 and "--solution" not in result.output
