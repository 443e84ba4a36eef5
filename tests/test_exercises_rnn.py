"""The RNN exercise: BPTT and the LSTM against finite differences, clipping, sampling, the text, training, the
gradient-flow demonstration and the command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from dlpath.cli import app
from dlpath.exercises import ExerciseError
from dlpath.exercises.rnn import demo, gradient_flow, lstm, training
from dlpath.exercises.rnn import maths as rnn
from dlpath.exercises.rnn.text import MAX_TEXT_BYTES, Vocabulary, load_text, zen_of_python

runner = CliRunner()


def numerical_gradient(f, x, h=1e-6):
    """Central differences of a scalar function for every entry of x (nudged in place and restored)."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + h
        plus = f()
        x[index] = saved - h
        minus = f()
        x[index] = saved
        grad[index] = (plus - minus) / (2 * h)
    return grad


def relative_error(a, b) -> float:
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)))


def tiny_sequence(seed=0, V=5, T=6):
    rng = np.random.default_rng(seed)
    return rng.integers(0, V, T), rng.integers(0, V, T), rng


def test_rnn_step_forward_is_the_formula():
    rng = np.random.default_rng(0)
    Wxh, Whh, bh = rng.normal(size=(3, 4)), rng.normal(size=(3, 3)), rng.normal(size=3)
    x, h = rnn.one_hot(2, 4), rng.normal(size=3)
    expected = [np.tanh(Wxh[k, 2] + sum(Whh[k, j] * h[j] for j in range(3)) + bh[k]) for k in range(3)]
    np.testing.assert_allclose(rnn.rnn_step_forward(x, h, Wxh, Whh, bh), expected, rtol=1e-12)


def test_bptt_gradients_match_finite_differences():
    inputs, targets, rng = tiny_sequence()
    params = rnn.init_rnn(5, 4, seed=1, scale=0.5)
    h_prev = rng.normal(size=4) * 0.5  # a state carried in from an earlier window: its effect must be right too
    _, cache = rnn.rnn_forward(params, inputs, targets, h_prev)
    grads = rnn.rnn_backward(params, cache, targets)
    for name, p in params.items():
        numeric = numerical_gradient(lambda: rnn.rnn_forward(params, inputs, targets, h_prev)[0], p)
        assert relative_error(grads[name], numeric) < 1e-6, name


def test_rnn_forward_carries_the_state_it_is_given():
    inputs, targets, rng = tiny_sequence()
    params = rnn.init_rnn(5, 4, seed=1, scale=0.5)
    whole_loss, whole = rnn.rnn_forward(params, inputs, targets, np.zeros(4))
    first_loss, first = rnn.rnn_forward(params, inputs[:3], targets[:3], np.zeros(4))
    second_loss, second = rnn.rnn_forward(params, inputs[3:], targets[3:], first[1][-1])
    assert first_loss + second_loss == pytest.approx(whole_loss)  # two windows with the state carried = one window
    np.testing.assert_allclose(second[1][-1], whole[1][-1])


def test_lstm_gradients_match_finite_differences_and_the_step_by_step_version():
    inputs, targets, rng = tiny_sequence(2)
    params = lstm.init_lstm(5, 4, seed=3, scale=0.5)
    h, C = rng.normal(size=4) * 0.5, rng.normal(size=4) * 0.5
    _, cache = lstm.lstm_forward(params, inputs, targets, h, C)
    grads = lstm.lstm_backward(params, cache, targets)
    for name, p in params.items():
        numeric = numerical_gradient(lambda: lstm.lstm_forward(params, inputs, targets, h, C)[0], p, h=1e-5)
        assert relative_error(grads[name], numeric) < 1e-6, name
    # lstm_backward is arranged for speed; lstm_step_backward, step by step, must give the same
    steps, hs, _, ps = cache
    dy = ps.copy()
    dy[np.arange(len(targets)), targets] -= 1.0
    by_step = {name: np.zeros_like(p) for name, p in params.items()}
    dh_out, dh, dC = dy @ params["Why"], np.zeros(4), np.zeros(4)
    for t in reversed(range(len(targets))):
        dh, dC = lstm.lstm_step_backward(dh_out[t] + dh, dC, steps[t], params, by_step)
    for name in lstm.PARAM_NAMES[:8]:
        np.testing.assert_allclose(by_step[name], grads[name], rtol=1e-10, atol=1e-12)


def test_lstm_gates_are_named_and_shaped_as_in_olahs_post():
    params = lstm.init_lstm(7, 3)
    for gate in ("f", "i", "C", "o"):
        assert params[f"W{gate}"].shape == (3, 3 + 7) and params[f"b{gate}"].shape == (3,)
    assert np.all(params["bf"] == 1.0)
    h, C, step = lstm.lstm_step_forward(rnn.one_hot(0, 7), np.zeros(3), np.zeros(3), params)
    np.testing.assert_allclose(C, step.f * 0 + step.i * step.C_tilde)
    np.testing.assert_allclose(h, step.o * np.tanh(C))


def test_clip_gradients_bounds_every_entry_and_leaves_small_ones_alone():
    rng = np.random.default_rng(0)
    grads = {"a": rng.normal(scale=10, size=(5, 5)), "b": rng.normal(scale=10, size=5)}
    original = {k: v.copy() for k, v in grads.items()}
    clipped = rnn.clip_gradients(grads, 5.0)
    assert clipped is grads  # in place
    for name, g in grads.items():
        assert np.all(np.abs(g) <= 5.0)
        inside = np.abs(original[name]) <= 5.0
        np.testing.assert_array_equal(g[inside], original[name][inside])
        np.testing.assert_array_equal(g[~inside], 5.0 * np.sign(original[name][~inside]))


def test_adagrad_update_is_the_formula():
    params, grads = {"w": np.array([1.0, -2.0])}, {"w": np.array([0.5, -0.1])}
    memory = {"w": np.array([1.0, 0.0])}
    rnn.adagrad_update(params, grads, memory, lr=0.1)
    np.testing.assert_allclose(memory["w"], [1.25, 0.01])
    expected = [1.0 - 0.1 * 0.5 / np.sqrt(1.25 + 1e-8), -2.0 + 0.1 * 0.1 / np.sqrt(0.01 + 1e-8)]
    np.testing.assert_allclose(params["w"], expected)


def test_sampling_is_reproducible_with_a_seed():
    params = rnn.init_rnn(6, 8, seed=0, scale=1.0)
    h = np.zeros(8)
    first = rnn.sample(params, h, 0, 50, np.random.default_rng(7))
    again = rnn.sample(params, h, 0, 50, np.random.default_rng(7))
    other = rnn.sample(params, h, 0, 50, np.random.default_rng(8))
    assert first == again and first != other
    assert len(first) == 50 and all(0 <= i < 6 for i in first)
    lp = lstm.init_lstm(6, 8, seed=0, scale=1.0)
    assert lstm.lstm_sample(lp, h, h, 0, 30, np.random.default_rng(1)) == lstm.lstm_sample(
        lp, h, h, 0, 30, np.random.default_rng(1)
    )


# ------------------------------------------------------------------------------------------ the text


def test_zen_of_python_is_decoded_without_importing_this():
    code = (
        "import sys; from dlpath.exercises.rnn.text import zen_of_python; z = zen_of_python();"
        " assert 'this' not in sys.modules; sys.stderr.write(z)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout == ""  # importing 'this' would have printed it
    assert proc.stderr.startswith("The Zen of Python, by Tim Peters")
    assert "Beautiful is better than ugly." in proc.stderr and "Namespaces are one honking great idea" in proc.stderr
    assert zen_of_python() == proc.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"   \n\t\n", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64, "looks like a binary file"),
        ("café au lait, ".encode("latin-1") * 10, "is not valid UTF-8 (byte 4, line 1)"),
        (b"short text", "has only 10 characters"),
        (b"a" * 100, "uses a single character"),
        ("".join(chr(0x4E00 + k) for k in range(400)).encode(), "uses 400 different characters"),
    ],
)
def test_bad_texts_are_clear_errors(tmp_path: Path, content: bytes, message: str):
    path = tmp_path / "text.txt"
    path.write_bytes(content)
    with pytest.raises(ExerciseError, match="^--text .*" + message.replace("(", r"\(").replace(")", r"\)")):
        load_text(path)


def test_huge_missing_and_non_regular_texts_are_clear_errors(tmp_path: Path):
    huge = tmp_path / "huge.txt"
    with open(huge, "wb") as file:
        file.truncate(MAX_TEXT_BYTES + 1)  # sparse: no disk used
    with pytest.raises(ExerciseError, match="is 1,000,001 bytes, more than the 1,000,000 allowed"):
        load_text(huge)
    with pytest.raises(ExerciseError, match="no such file"):
        load_text(tmp_path / "missing.txt")
    with pytest.raises(ExerciseError, match="is a folder"):
        load_text(tmp_path)
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "pipe"
        os.mkfifo(fifo)
        with pytest.raises(ExerciseError, match="not a regular file"):
            load_text(fifo)  # and it returns at once: a pipe is never opened


def test_a_good_text_and_its_vocabulary(tmp_path: Path):
    path = tmp_path / "ok.txt"
    path.write_text("\ufeffhello world, hello numpy; " * 3, encoding="utf-8")
    text = load_text(path)
    assert text.startswith("hello")  # the byte-order mark is not a character of the text
    vocab = Vocabulary.of(text)
    assert vocab.decode(vocab.encode(text)) == text and vocab.size == len(set(text))


# ------------------------------------------------------------------------------------------ training


def test_training_lowers_the_loss_and_reports_samples():
    reports = []
    run = training.train_char_model(
        "abcdefgh " * 12, hidden=16, window=8, lr=0.1, iterations=300, sample_every=100, report_every=50,
        on_report=reports.append,
    )
    assert run.iterations == 300 and len(run.smooth_losses) == 300
    assert run.final_loss < run.smooth_losses[0] - 0.2
    sampled = [r for r in reports if r.sample is not None]
    assert [r.iteration for r in sampled] == [0, 100, 200]
    assert all(len(r.sample) == training.SAMPLE_LENGTH and set(r.sample) <= set("abcdefgh ") for r in sampled)
    again = training.train_char_model("abcdefgh " * 12, hidden=16, window=8, lr=0.1, iterations=300)
    assert again.smooth_losses == run.smooth_losses  # same seed, same run


def test_the_target_is_first_met_after_the_iterations_reported():
    run = training.train_char_model("abcdefgh " * 12, hidden=16, window=8, lr=0.3, iterations=1500)
    below = [k + 1 for k, loss in enumerate(run.smooth_losses) if loss < training.TARGET_LOSS]
    assert below and run.reached_target_at == below[0]
    assert f"after {below[0]:,} iterations" in training.explain_loss(run)


def test_lstm_training_lowers_the_loss():
    run = training.train_char_model("abcdefgh " * 12, cell="lstm", hidden=12, window=8, lr=0.1, iterations=200)
    assert run.final_loss < run.smooth_losses[0] - 0.1


def test_gradient_flow_vanishes_explodes_and_the_lstm_keeps_more():
    small, large, cell = gradient_flow.demonstration()
    assert small.reach < 1e-6 and large.reach > 1e3
    assert cell.reach > 1e3 * small.reach
    assert small.clipped_gradient == pytest.approx(small.recurrent_gradient)  # nothing to clip
    assert large.clipped_gradient < large.recurrent_gradient
    assert large.clipped_gradient <= gradient_flow.CLIP * gradient_flow.HIDDEN  # every entry within ±5
    assert "vanishes" in gradient_flow.explain(small) and "explodes" in gradient_flow.explain(large)
    assert "changes nothing" in gradient_flow.explain(small) and "cuts" in gradient_flow.explain(large)


def test_demo_defaults_are_the_trainings():
    defaults = {option.name: option.default for option in demo.OPTIONS}
    assert defaults["iterations"] == training.DEFAULT_ITERATIONS and defaults["hidden"] == training.DEFAULT_HIDDEN
    assert defaults["window"] == training.DEFAULT_WINDOW and defaults["lr"] == training.DEFAULT_LR
    assert defaults["clip"] == training.DEFAULT_CLIP and defaults["seed"] == training.DEFAULT_SEED
    assert defaults["sample_every"] == training.DEFAULT_SAMPLE_EVERY


# ------------------------------------------------------------------------------------------ the command


def run(*args: str):
    return runner.invoke(app, ["exercise", "rnn", *args])


def test_command_samples_as_it_learns_and_json_gives_the_figures():
    result = run("--iterations", "60", "--sample-every", "30", "--hidden", "16")
    assert result.exit_code == 0, result.output
    assert "iteration 0, smoothed loss" in result.stdout and "iteration 30," in result.stdout
    assert "Vanishing and exploding gradients" in result.stdout and "has not fallen below 1" in result.stdout
    result = run("--iterations", "60", "--hidden", "16", "--cell", "lstm", "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["exercise"] == "rnn" and figures["cell"] == "lstm" and figures["iterations"] == 60
    assert figures["reached_target"] is False and figures["iterations_to_target"] is None
    assert 0 < figures["final_loss"] < np.log(figures["vocabulary"]) + 1e-9


def test_command_learns_a_given_text(tmp_path: Path):
    path = tmp_path / "poem.txt"
    path.write_text("the cat sat on the mat\n" * 10, encoding="utf-8")
    result = run("--text", str(path), "--iterations", "40", "--hidden", "8", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["text_characters"] == 230


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--hidden", "0"), "--hidden must be between 1 and 512"),
        (("--window", "1000"), "--window must be between 1 and 200"),
        (("--lr", "0"), "--lr must be a positive number"),
        (("--clip", "-1"), "--clip must be 0 (no clipping) or a positive number"),
        (("--iterations", "0"), "--iterations must be between 1 and 1,000,000"),
    ],
)
def test_bad_options_are_one_clear_line(args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_bad_text_file_is_one_clear_line(tmp_path: Path):
    path = tmp_path / "binary.bin"
    path.write_bytes(bytes(range(256)) * 4)
    result = run("--text", str(path))
    assert result.exit_code == 2
    assert "error: --text" in result.output and "looks like a binary file" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("colour", [True, False])
def test_views_draw_in_colour_and_plain_text_and_never_pass_control_characters(colour: bool):
    import io

    from rich.console import Console

    from dlpath.exercises.rnn import views

    console = Console(file=io.StringIO(), force_terminal=colour, no_color=not colour, width=100)
    console.print(views.sample(0, 3.2, "abc\x1b[2Jdef\x07"))
    console.print(views.gradient_flow(gradient_flow.demonstration()))
    console.print(views.loss_curve([3.0, 2.0, 1.0, 0.5]))
    drawn = console.file.getvalue()
    assert "abc[2Jdef" in drawn and "\x1b[2J" not in drawn and "\x07" not in drawn  # ESC and BEL dropped
    assert "vanilla RNN, small Whh" in drawn and "LSTM" in drawn
