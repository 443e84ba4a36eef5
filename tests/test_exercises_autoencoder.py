"""The denoising autoencoder: gradients against finite differences, masking noise, the reconstruction target
on a small configuration, the demo's figures and its command."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from dlpath.cli import app
from dlpath.exercises.autoencoder import demo
from dlpath.exercises.autoencoder import experiments as ex
from dlpath.exercises.autoencoder import maths as ae
from dlpath.exercises.datasets import load_digits

runner = CliRunner()


def mean_cost(params, X_tilde, X):
    """L written out from its definition, independently of ae.reconstruction_cost."""
    W, b, b_prime = params
    total = 0.0
    for x_tilde, x in zip(X_tilde, X, strict=True):
        h = 1 / (1 + np.exp(-(x_tilde @ W + b)))
        z = 1 / (1 + np.exp(-(h @ W.T + b_prime)))
        total -= sum(xi * math.log(zi) + (1 - xi) * math.log(1 - zi) for xi, zi in zip(x, z, strict=True))
    return total / len(X)


@st.composite
def autoencoders(draw):
    n_visible, n_hidden, n = draw(st.integers(1, 6)), draw(st.integers(1, 5)), draw(st.integers(1, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    params = (rng.normal(0, 1, (n_visible, n_hidden)), rng.normal(0, 0.5, n_hidden), rng.normal(0, 0.5, n_visible))
    X = rng.uniform(0, 1, (n, n_visible))
    return params, ae.corrupt(X, 0.3, rng), X


@settings(max_examples=60, deadline=None)
@given(autoencoders())
def test_backward_matches_central_differences_of_the_mean_cost(case):
    params, X_tilde, X = case
    H = ae.encode(params, X_tilde)
    analytic = ae.backward(params, X_tilde, H, ae.decode(params, H), X)
    h = 1e-6
    for p, g in zip(params, analytic, strict=True):
        assert g.shape == p.shape
        numeric = np.zeros_like(p)
        for index in np.ndindex(p.shape):
            saved = p[index]
            p[index] = saved + h
            plus = mean_cost(params, X_tilde, X)
            p[index] = saved - h
            minus = mean_cost(params, X_tilde, X)
            p[index] = saved
            numeric[index] = (plus - minus) / (2 * h)
        np.testing.assert_allclose(g, numeric, rtol=1e-5, atol=1e-8)


def test_reconstruction_cost_matches_its_definition():
    X = np.array([[0.0, 1.0, 0.5]])
    Z = np.array([[0.2, 0.9, 0.5]])
    expected = -(math.log(0.8) + math.log(0.9) + 0.5 * math.log(0.5) * 2)
    assert ae.reconstruction_cost(Z, X) == pytest.approx(expected)
    assert math.isfinite(ae.reconstruction_cost(np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]])))


def test_masking_noise_zeroes_about_the_given_fraction_and_nothing_else():
    X = np.full((200, 64), 0.5)
    X_tilde = ae.corrupt(X, 0.25, np.random.default_rng(0))
    zeroed = np.mean(X_tilde == 0)
    assert 0.23 < zeroed < 0.27 and set(np.unique(X_tilde).tolist()) == {0.0, 0.5}
    assert np.array_equal(ae.corrupt(X, 0.0, np.random.default_rng(0)), X)
    assert X.min() == 0.5  # the input is never modified


def test_mean_image_baseline():
    X_train = np.array([[0.0, 1.0], [1.0, 1.0]])
    X_test = np.array([[1.0, 0.0]])
    assert ae.mean_image_error(X_train, X_test) == pytest.approx(((1 - 0.5) ** 2 + 1) / 2)


@pytest.fixture(scope="module")
def split():
    return load_digits()


def test_a_small_fast_configuration_reaches_the_reconstruction_target(split):
    """The default network for 6 of its 20 epochs: already at most a third of the baseline."""
    seen = []
    run = ex.train_run(split, ex.Config(epochs=6), seen.append)
    assert [r.epoch for r in seen] == list(range(1, 7))
    assert run.fraction_of_baseline <= 1 / 3
    assert run.history[-1].loss < run.history[0].loss


def test_examples_filters_and_codes_have_the_shapes_the_views_draw(split):
    run = ex.train_run(split, ex.Config(hidden=2, epochs=1))
    examples = ex.examples(split, run)
    assert examples.labels.tolist() == list(range(10))
    assert examples.originals.shape == examples.corrupted.shape == examples.reconstructions.shape == (10, 8, 8)
    filters = ex.filters(run.params)
    assert filters.shape == (2, 8, 8) and np.allclose(np.abs(filters).reshape(2, -1).max(axis=1), 1.0)
    assert ex.codes(split, run).shape == (359, 2)


def test_demo_options_repeat_the_maths_defaults():
    defaults = {o.name: o.default for o in demo.OPTIONS}
    assert defaults == {
        "hidden": ae.DEFAULT_HIDDEN, "noise": ae.DEFAULT_NOISE, "epochs": ae.DEFAULT_EPOCHS,
        "batch_size": ae.DEFAULT_BATCH_SIZE, "lr": ae.DEFAULT_LR, "seed": ae.DEFAULT_SEED,
    }


def test_command_shows_reconstructions_baseline_and_filters():
    result = runner.invoke(app, ["exercise", "autoencoder", "--epochs", "3", "--hidden", "16"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "25% masked" in out and "rebuilt" in out and "mean training image" in out
    assert "weights into 16 of the 16 hidden units" in out and "h₂" not in out


def test_command_with_two_hidden_units_plots_the_codes():
    result = runner.invoke(app, ["exercise", "autoencoder", "--epochs", "1", "--hidden", "2"])
    assert result.exit_code == 0, result.output
    assert "The 2-D codes" in result.output and "h₂" in result.output


def test_command_json_prints_the_final_figures_only():
    result = runner.invoke(app, ["exercise", "autoencoder", "--epochs", "2", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["exercise"] == "autoencoder" and data["epochs"] == 2
    assert data["fraction_of_baseline"] == pytest.approx(data["test_error"] / data["baseline_error"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--hidden", "257"], "--hidden must be between 1 and 256"),
        (["--noise", "1"], "--noise must be between 0 and 0.9"),
        (["--noise", "-0.1"], "--noise must be between 0 and 0.9"),
        (["--epochs", "0"], "--epochs must be between 1 and 500"),
        (["--lr", "-1"], "--lr must be a positive number"),
    ],
)
def test_command_rejects_bad_options_in_one_line(args, message):
    result = runner.invoke(app, ["exercise", "autoencoder", *args])
    assert result.exit_code == 2
    assert f"error: {message}" in result.output and "Traceback" not in result.output


def test_without_noise_the_verdict_says_copying_can_explain_a_low_error():
    result = runner.invoke(app, ["exercise", "autoencoder", "--noise", "0", "--epochs", "2"])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "0% of their pixels masked" in flat and "by copying their input" in flat
    assert "has learned what digits look like" not in flat


def test_views_draw_in_colour_and_in_plain_text(monkeypatch):
    from io import StringIO

    from rich.console import Console

    from dlpath.exercises.autoencoder.views import CodeScatter, filters_view
    from dlpath.exercises.digits.views import confusion_table, digit

    drawings = [
        digit(np.arange(64).reshape(8, 8) % 17),
        filters_view(np.random.default_rng(0).uniform(-1, 1, (3, 8, 8)), 3),
        CodeScatter([(0.1, 0.2), (0.5, 0.9)], [3, 7]),
        confusion_table(np.eye(10, dtype=int) * 5),
    ]
    monkeypatch.delenv("NO_COLOR")  # set for every test by conftest; Rich would honour it
    colour = Console(file=StringIO(), force_terminal=True, color_system="truecolor", width=80)
    plain = Console(file=StringIO(), width=80, no_color=True)
    for console in (colour, plain):
        for drawing in drawings:
            console.print(drawing)
    assert "\x1b[48;2" in colour.file.getvalue()  # pixels as background colours
    text = plain.file.getvalue()
    assert "\x1b" not in text and "@@" in text and "3" in text and "7" in text  # ramp shades, digits as markers
