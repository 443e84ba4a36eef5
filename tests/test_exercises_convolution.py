"""The convolution exercise: every layer's backward against finite differences, loops against the vectorised
versions, the walkthrough against hand-computed numbers, and the command."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from dlpath.cli import app
from dlpath.exercises import ExerciseError
from dlpath.exercises.convolution import cnn, demo
from dlpath.exercises.convolution import maths as layers
from dlpath.exercises.convolution import walkthrough as wt

runner = CliRunner()
FAST = settings(max_examples=25, deadline=None)


def numerical_gradient(f, x, h=1e-6):
    """Central differences (f(x + h) − f(x − h)) / 2h of a scalar function for every entry of x (nudged in place)."""
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
    """max |a − b| / (|a| + |b|), CS231n's measure, with entries below 1e-3 of the largest measured against that
    level instead: central differences carry an absolute error near 1e-9, so they cannot resolve a tiny entry."""
    size = np.abs(a) + np.abs(b)
    level = max(1e-3 * float(size.max(initial=0.0)), 1e-8)
    return float(np.max(np.abs(a - b) / np.maximum(size, level), initial=0.0))


@st.composite
def conv_cases(draw):
    """Small convolution problems: x, w, b, stride, pad and an upstream gradient, the filter always fitting."""
    N, C, F = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    pad, stride = draw(st.integers(0, 2)), draw(st.integers(1, 3))
    HH, WW = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    H = draw(st.integers(max(1, HH - 2 * pad), 6))
    W = draw(st.integers(max(1, WW - 2 * pad), 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x, w, b = rng.normal(size=(N, C, H, W)), rng.normal(size=(F, C, HH, WW)), rng.normal(size=F)
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    return x, w, b, stride, pad, rng.normal(size=(N, F, H_out, W_out))


@FAST
@given(conv_cases())
def test_conv_loops_and_vectorised_agree_forward_and_backward(case):
    x, w, b, stride, pad, dout = case
    slow, slow_cache = layers.conv_forward_loops(x, w, b, stride, pad)
    fast, fast_cache = layers.conv_forward(x, w, b, stride, pad)
    np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-12)
    for a, c in zip(layers.conv_backward(dout, fast_cache), layers.conv_backward_loops(dout, slow_cache), strict=True):
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)


@FAST
@given(conv_cases())
def test_conv_backward_matches_finite_differences(case):
    x, w, b, stride, pad, dout = case
    _, cache = layers.conv_forward(x, w, b, stride, pad)
    dx, dw, db = layers.conv_backward(dout, cache)

    def loss():  # L = Σ out ⊙ dout, so that ∂L/∂out = dout
        return float(np.sum(layers.conv_forward(x, w, b, stride, pad)[0] * dout))

    for analytic, array in ((dx, x), (dw, w), (db, b)):
        assert relative_error(analytic, numerical_gradient(loss, array)) < 1e-6


def test_conv_param_gradients_are_those_of_conv_backward():
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(2, 3, 5, 5)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
    out, cache = layers.conv_forward(x, w, b, 2, 1)
    dout = rng.normal(size=out.shape)
    _, dw, db = layers.conv_backward(dout, cache)
    dw2, db2 = layers.conv_param_gradients(dout, cache)
    np.testing.assert_array_equal(dw, dw2)
    np.testing.assert_array_equal(db, db2)


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "pad", "expected"),
    [(8, 3, 1, 1, 8), (5, 3, 2, 1, 3), (7, 3, 2, 0, 3), (6, 3, 2, 0, 2), (4, 2, 1, 0, 3), (32, 5, 1, 2, 32)],
)
def test_output_size_is_one_plus_the_whole_steps(size, kernel, stride, pad, expected):
    assert layers.output_size(size, kernel, stride, pad) == expected
    x = np.zeros((1, 1, size, size))
    assert layers.conv_forward(x, np.zeros((1, 1, kernel, kernel)), np.zeros(1), stride, pad)[0].shape[2:] == (
        expected,
        expected,
    )


def test_impossible_convolutions_are_clear_errors():
    with pytest.raises(ExerciseError, match="channels"):
        layers.conv_forward(np.zeros((1, 2, 4, 4)), np.zeros((1, 3, 2, 2)), np.zeros(1))
    with pytest.raises(ExerciseError, match="does not fit"):
        layers.conv_forward(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 5, 5)), np.zeros(1))
    with pytest.raises(ExerciseError, match="stride"):
        layers.conv_forward(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 2, 2)), np.zeros(1), stride=0)


@st.composite
def pool_cases(draw):
    size, stride = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    H, W = draw(st.integers(size, 7)), draw(st.integers(size, 7))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.normal(size=(draw(st.integers(1, 2)), draw(st.integers(1, 3)), H, W))
    dout = rng.normal(size=(x.shape[0], x.shape[1], 1 + (H - size) // stride, 1 + (W - size) // stride))
    return x, size, stride, dout


@FAST
@given(pool_cases())
def test_maxpool_loops_vectorised_and_finite_differences_agree(case):
    x, size, stride, dout = case
    slow, slow_cache = layers.maxpool_forward_loops(x, size, stride)
    fast, fast_cache = layers.maxpool_forward(x, size, stride)
    np.testing.assert_array_equal(fast, slow)
    dx = layers.maxpool_backward(dout, fast_cache)
    np.testing.assert_allclose(dx, layers.maxpool_backward_loops(dout, slow_cache), rtol=1e-12, atol=1e-12)

    def loss():
        return float(np.sum(layers.maxpool_forward(x, size, stride)[0] * dout))

    # random normal inputs have no ties, so the maximum is differentiable (h is far below the gaps)
    assert relative_error(dx, numerical_gradient(loss, x, h=1e-7)) < 1e-5


def test_maxpool_routes_a_tie_to_the_first_maximum_in_both_versions():
    x = np.zeros((1, 1, 2, 2))  # every entry is the maximum, as after a ReLU that zeroed a window
    dout = np.ones((1, 1, 1, 1))
    expected = np.array([[[[1.0, 0.0], [0.0, 0.0]]]])
    np.testing.assert_array_equal(layers.maxpool_backward(dout, layers.maxpool_forward(x)[1]), expected)
    np.testing.assert_array_equal(layers.maxpool_backward_loops(dout, layers.maxpool_forward_loops(x)[1]), expected)


def test_relu_affine_and_softmax_backward_match_finite_differences():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 2, 2, 2))
    dout = rng.normal(size=x.shape)
    out, cache = layers.relu_forward(x)
    np.testing.assert_array_equal(out, np.where(x > 0, x, 0.0))
    assert relative_error(layers.relu_backward(dout, cache), numerical_gradient(
        lambda: float(np.sum(layers.relu(x) * dout)), x)) < 1e-7

    w, b = rng.normal(size=(8, 4)), rng.normal(size=4)
    dout = rng.normal(size=(3, 4))
    _, cache = layers.affine_forward(x, w, b)
    dx, dw, db = layers.affine_backward(dout, cache)
    assert dx.shape == x.shape

    def affine_loss():
        return float(np.sum(layers.affine_forward(x, w, b)[0] * dout))

    for analytic, array in ((dx, x), (dw, w), (db, b)):
        assert relative_error(analytic, numerical_gradient(affine_loss, array)) < 1e-7

    scores, y = rng.normal(size=(5, 10)), rng.integers(0, 10, 5)
    loss, dscores = layers.softmax_loss(scores, y)
    assert relative_error(dscores, numerical_gradient(lambda: layers.softmax_loss(scores, y)[0], scores)) < 1e-6
    assert layers.softmax_loss(np.zeros((4, 10)), np.arange(4))[0] == pytest.approx(np.log(10))
    assert np.isfinite(layers.softmax_loss(np.array([[1000.0, -1000.0]]), np.array([1]))[0])  # no overflow


def test_cnn_gradients_match_finite_differences():
    rng = np.random.default_rng(2)
    params = cnn.init_cnn((1, 6, 6), 3, filters=2, kernel=3, seed=0)
    x, y = rng.random((2, 1, 6, 6)), np.array([0, 2])
    _, grads = cnn.cnn_loss(params, x, y)
    for name, p in params.items():
        numeric = numerical_gradient(lambda: cnn.cnn_loss(params, x, y)[0], p)
        assert relative_error(grads[name], numeric) < 1e-5, name


def test_training_learns_the_digits_and_reports_every_epoch():
    from dlpath.exercises.datasets import load_digits

    digits = load_digits()
    x_train, y_train = digits.train.images[:, None] / 16.0, digits.train.labels.astype(np.intp)
    x_test, y_test = digits.test.images[:, None] / 16.0, digits.test.labels.astype(np.intp)
    params = cnn.init_cnn((1, 8, 8), 10, filters=4, seed=0)
    before = cnn.accuracy(params, x_test, y_test)
    seen = []
    history = cnn.train_cnn(params, x_train, y_train, x_test, y_test, epochs=2, on_epoch=seen.append)
    assert [m.epoch for m in seen] == [1, 2] and seen == history
    assert before < 0.3 < 0.85 < history[-1].test_accuracy
    assert history[-1].test_accuracy == cnn.accuracy(params, x_test, y_test)


def test_walkthrough_numbers_match_a_hand_computation():
    example = wt.walkthrough()
    x, w, dout = np.array(wt.X, float), np.array(wt.W, float), np.array(wt.DOUT, float)
    by_hand = np.array([[np.sum(x[i : i + 2, j : j + 2] * w) + wt.B for j in range(3)] for i in range(3)])
    np.testing.assert_array_equal(example.out, by_hand)
    assert example.out[0, 0] == 1 * 1 + 2 * 0 + 0 * -1 + 1 * 2 + 1 == 4
    dw = np.array([[np.sum(dout * x[p : p + 3, q : q + 3]) for q in range(2)] for p in range(2)])
    np.testing.assert_array_equal(example.dw, dw)
    dx = np.zeros((4, 4))
    for i in range(3):
        for j in range(3):
            dx[i : i + 2, j : j + 2] += dout[i, j] * w
    np.testing.assert_array_equal(example.dx, dx)
    assert example.db == dout.sum()
    lines = {line.name: line for section in example.sections for line in section.lines}
    assert wt.render_line(lines["out[0,0]"]) == "out[0,0] = 1·1 + 2·0 + 0·(-1) + 1·2 + 1 = 4"
    assert wt.render_line(lines["∂L/∂x[0,3]"]) == "∂L/∂x[0,3] = (-1)·0   (used by out[0,2]) = 0"  # never "-0"


def test_demo_defaults_are_the_networks():
    defaults = {option.name: option.default for option in demo.OPTIONS}
    assert defaults["epochs"] == cnn.DEFAULT_EPOCHS and defaults["filters"] == cnn.DEFAULT_FILTERS
    assert defaults["kernel"] == cnn.DEFAULT_KERNEL and defaults["batch_size"] == cnn.DEFAULT_BATCH
    assert defaults["lr"] == cnn.DEFAULT_LR and defaults["momentum"] == cnn.DEFAULT_MOMENTUM
    assert defaults["decay"] == cnn.DEFAULT_DECAY and defaults["seed"] == cnn.DEFAULT_SEED


# ------------------------------------------------------------------------------------------ the command


def run(*args: str):
    return runner.invoke(app, ["exercise", "convolution", *args])


def test_command_trains_and_draws_then_json_gives_the_figures():
    result = run("--epochs", "2", "--filters", "4")
    assert result.exit_code == 0, result.output
    assert "epoch   1/2" in result.stdout and "epoch   2/2" in result.stdout
    assert "The learned filters" in result.stdout and "After the max-pool 2x2: 4 maps of 4x4" in result.stdout
    assert "Test accuracy" in result.stdout
    result = run("--epochs", "2", "--filters", "4", "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["exercise"] == "convolution" and figures["epochs"] == 2 and figures["seed"] == 0
    assert 0.8 < figures["test_accuracy"] <= 1.0 and figures["final_loss"] > 0


def test_training_options_are_refused_with_the_walkthrough():
    result = run("--walkthrough", "--epochs", "3", "--seed", "2")
    assert result.exit_code == 2
    assert "--epochs, --seed cannot be used with --walkthrough" in result.output


def test_walkthrough_prints_every_number():
    result = run("--walkthrough")
    assert result.exit_code == 0, result.output
    assert "out[0,0] = 1·1 + 2·0 + 0·(-1) + 1·2 + 1 = 4" in result.stdout
    assert "∂L/∂w[1,1] =" in result.stdout and "∂L/∂x[3,3] =" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--kernel", "4"), "--kernel must be 1, 3, 5 or 7"),
        (("--epochs", "0"), "--epochs must be between 1 and 200"),
        (("--lr", "-1"), "--lr must be a positive number"),
        (("--momentum", "1"), "--momentum must be at least 0 and below 1"),
        (("--decay", "0"), "--decay must be above 0"),
        (("--batch-size", "5000"), "--batch-size must be between 1 and 1,438"),
    ],
)
def test_bad_options_are_one_clear_line(args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_the_allocator_setting_applies_on_glibc_and_is_skipped_elsewhere(monkeypatch):
    import platform
    import subprocess
    import sys

    from dlpath.exercises import allocator

    code = "from dlpath.exercises.allocator import keep_freed_memory as k; print(k())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert done == ("True" if sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc" else "False")
    monkeypatch.setattr(allocator.sys, "platform", "darwin")
    assert allocator.keep_freed_memory() is False


@pytest.mark.parametrize("colour", [True, False])
def test_views_draw_in_colour_and_plain_text(colour: bool):
    import io

    from rich.console import Console

    from dlpath.exercises.convolution import views

    console = Console(file=io.StringIO(), force_terminal=colour, no_color=not colour, width=120)
    params = cnn.init_cnn((1, 8, 8), 10, filters=3, seed=0)
    image = np.random.default_rng(0).random((1, 8, 8))
    console.print(views.filters(params["w1"]))
    console.print(views.feature_maps(cnn.feature_maps(params, image), 3, 5))
    console.print(views.walkthrough(wt.walkthrough()), crop=False)
    drawn = re.sub(r"\x1b\[[0-9;]*m", "", console.file.getvalue())  # the text without its colours
    assert "filter 3" in drawn and "After the max-pool 2x2: 3 maps of 4x4" in drawn and "◀" in drawn
    assert "out[2,2] = 0·1 + 2·0 + 1·(-1) + 3·2 + 1 = 6" in drawn
