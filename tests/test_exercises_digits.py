"""The digit classifier: gradients against finite differences, a stable softmax, the sanity checks, the
targets on a small configuration, the demo's figures and its command."""

from __future__ import annotations

import json
import math
import warnings
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from dlpath.cli import app
from dlpath.exercises.datasets import load_digits
from dlpath.exercises.digits import demo
from dlpath.exercises.digits import experiments as ex
from dlpath.exercises.digits import maths as dg

runner = CliRunner()


def mean_cost(params, X, Y, activation, cost_name):
    """C written out independently of dg.cost: the batch mean of each sample's cost."""
    A = dg.forward(params, X, activation, cost_name)[-1]
    if cost_name == "cross-entropy":
        return float(np.mean([-sum(y * math.log(a) for a, y in zip(row, target, strict=True) if y)
                              for row, target in zip(A, Y, strict=True)]))
    return float(np.mean([0.5 * sum((a - y) ** 2 for a, y in zip(row, target, strict=True))
                          for row, target in zip(A, Y, strict=True)]))


def central_differences(params, X, Y, activation, cost_name, h=1e-6):
    result = []
    for W, b in params:
        pair = []
        for p in (W, b):
            grad = np.zeros_like(p)
            for index in np.ndindex(p.shape):
                saved = p[index]
                p[index] = saved + h
                plus = mean_cost(params, X, Y, activation, cost_name)
                p[index] = saved - h
                minus = mean_cost(params, X, Y, activation, cost_name)
                p[index] = saved
                grad[index] = (plus - minus) / (2 * h)
            pair.append(grad)
        result.append(tuple(pair))
    return result


@st.composite
def networks(draw):
    sizes = draw(st.lists(st.integers(1, 5), min_size=1, max_size=3)) + [draw(st.integers(2, 5))]
    sizes = [draw(st.integers(1, 6))] + sizes
    n = draw(st.integers(1, 6))
    activation = draw(st.sampled_from(dg.ACTIVATIONS))
    cost_name = draw(st.sampled_from(dg.COSTS))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    params = [(rng.normal(0, 1.0, (a, b)), rng.normal(0, 0.5, b)) for a, b in pairwise(sizes)]
    X = rng.uniform(-1, 1, (n, sizes[0]))
    labels = rng.integers(0, sizes[-1], n)
    Y = dg.one_hot(labels, sizes[-1]) if cost_name == "cross-entropy" else rng.uniform(0, 1, (n, sizes[-1]))
    return params, X, Y, activation, cost_name


@settings(max_examples=60, deadline=None)
@given(networks())
def test_backward_matches_central_differences_of_the_mean_cost(network):
    params, X, Y, activation, cost_name = network
    activations = dg.forward(params, X, activation, cost_name)
    if activation == "relu":  # a finite difference across ReLU's kink measures neither side's slope
        assume(all(np.abs(a @ W + b).min() > 1e-4 for a, (W, b) in zip(activations[:-2], params[:-1], strict=False)))
    analytic = dg.backward(params, activations, Y, activation, cost_name)
    numeric = central_differences(params, X, Y, activation, cost_name)
    for (dW, db), (nW, nb) in zip(analytic, numeric, strict=True):
        assert dW.shape == nW.shape and db.shape == nb.shape
        np.testing.assert_allclose(dW, nW, rtol=1e-5, atol=1e-8)
        np.testing.assert_allclose(db, nb, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_is_stable_at_large_logits(dtype):
    Z = np.array([[1000.0, 1000.0, -1000.0], [-1e4, -1e4 + 1, -1e4 + 2], [0.0, 0.0, 0.0]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow, no invalid value
        A = dg.softmax(Z)
    assert A.dtype == dtype and np.isfinite(A).all()
    np.testing.assert_allclose(A.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(A[0], [0.5, 0.5, 0.0], atol=1e-7)
    e = np.exp([0.0, 1.0, 2.0])
    np.testing.assert_allclose(A[1], e / e.sum(), rtol=1e-5)
    np.testing.assert_allclose(A[2], [1 / 3] * 3, rtol=1e-6)


def test_cross_entropy_of_a_zero_probability_is_large_but_finite():
    A = np.array([[1.0, 0.0], [0.5, 0.5]])
    Y = np.array([[0.0, 1.0], [1.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = dg.cross_entropy(A, Y)
    assert math.isfinite(value) and value > 300
    assert dg.cross_entropy(np.array([[0.25, 0.75]]), np.array([[0.0, 1.0]])) == pytest.approx(-math.log(0.75))


def test_sigmoid_tanh_form_agrees_with_the_definition_and_never_overflows():
    z = np.linspace(-30, 30, 121)
    np.testing.assert_allclose(dg.sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-12, atol=1e-15)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert dg.sigmoid(np.array([-1000.0, 1000.0])).tolist() == [0.0, 1.0]


def test_sgd_epoch_shuffles_updates_in_place_and_is_reproducible():
    rng = np.random.default_rng(0)
    X, labels = rng.uniform(0, 1, (50, 6)), rng.integers(0, 3, 50)
    Y = dg.one_hot(labels, 3)
    runs = []
    for _ in range(2):
        params = dg.init_params((6, 4, 3), 1)
        cost = dg.sgd_epoch(params, X, Y, 0.5, 8, np.random.default_rng(7))
        runs.append((params, cost))
    (p1, c1), (p2, c2) = runs
    assert c1 == c2 and all(np.array_equal(a[0], b[0]) for a, b in zip(p1, p2, strict=True))
    assert not np.array_equal(p1[0][0], dg.init_params((6, 4, 3), 1)[0][0])
    # a different shuffle gives different batches, hence different weights
    other = dg.init_params((6, 4, 3), 1)
    dg.sgd_epoch(other, X, Y, 0.5, 8, np.random.default_rng(8))
    assert not np.allclose(other[0][0], p1[0][0])
    # a single batch holding everything is plain gradient descent: the shuffle cannot matter
    full = dg.init_params((6, 4, 3), 1)
    grads = dg.backward(full, dg.forward(full, X), Y)
    expected = [(W - 0.5 * dW, b - 0.5 * db) for (W, b), (dW, db) in zip(full, grads, strict=True)]
    dg.sgd_epoch(full, X, Y, 0.5, 50, np.random.default_rng(9))
    for (W, b), (eW, eb) in zip(full, expected, strict=True):
        np.testing.assert_allclose(W, eW)
        np.testing.assert_allclose(b, eb)


def test_accuracy_counts_argmax_hits():
    A = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    assert dg.accuracy(A, np.array([1, 1, 1])) == pytest.approx(2 / 3)


def test_init_params_rejects_a_network_without_layers():
    from dlpath.exercises import ExerciseError

    with pytest.raises(ExerciseError, match="do not make a network"):
        dg.init_params((64,), 0)
    with pytest.raises(ExerciseError, match="unknown activation"):
        dg.init_params((64, 10), 0, "tanh")


@pytest.fixture(scope="module")
def split():
    return load_digits()


def test_initial_cost_is_close_to_ln_10_and_quadratic_to_its_own_value(split):
    initial = ex.initial_cost(split, ex.Config())
    assert initial.expected == pytest.approx(math.log(10)) and initial.close
    quadratic = ex.initial_cost(split, ex.Config(cost_name="quadratic"))
    assert quadratic.expected == pytest.approx(1.25) and quadratic.close


def test_initial_cost_check_fails_for_large_starting_weights(split, monkeypatch):
    real = dg.init_params

    def large(*args, **kwargs):
        return [(10 * W, b) for W, b in real(*args, **kwargs)]

    monkeypatch.setattr(dg, "init_params", large)
    assert not ex.initial_cost(split, ex.Config()).close


def test_the_network_overfits_20_samples_and_a_frozen_one_does_not(split):
    result = ex.overfit_small(split, ex.Config())
    assert result.samples == 20 and result.succeeded and result.accuracy == 1.0
    assert result.final_cost <= 0.01 * result.start_cost
    stuck = ex.overfit_small(split, ex.Config(lr=1e-9), max_epochs=20)
    assert not stuck.succeeded and stuck.tried == 20


def test_a_small_fast_configuration_reaches_the_accuracy_target(split):
    """Hidden 16, 8 epochs: a quarter of the default work; the defaults reach more (see the README)."""
    seen = []
    run = ex.train_run(split, ex.Config(hidden=16, epochs=8), seen.append)
    assert [r.epoch for r in seen] == list(range(1, 9))
    assert run.test_accuracy >= 0.93
    assert run.test_outputs.shape == (359, 10)


def test_confusion_matrix_and_mistakes_agree_with_the_predictions():
    labels = np.array([0, 1, 2, 2, 1])
    outputs = np.array([[0.9, 0.1, 0], [0.2, 0.7, 0.1], [0.1, 0.6, 0.3], [0.05, 0.05, 0.9], [0.55, 0.45, 0]])
    predicted = outputs.argmax(axis=1)
    matrix = ex.confusion_matrix(predicted, labels, 3)
    assert matrix.tolist() == [[1, 0, 0], [1, 1, 0], [0, 1, 1]]
    images = np.arange(5 * 64).reshape(5, 8, 8)
    wrong = ex.mistakes(images, labels, outputs)
    assert [(m.index, m.label, m.predicted) for m in wrong] == [(2, 2, 1), (4, 1, 0)]  # surest first
    assert wrong[0].confidence == pytest.approx(0.6) and np.array_equal(wrong[0].image, images[2])


def _history(accuracies):
    return [dg.EpochRecord(i + 1, 1.0, a, a) for i, a in enumerate(accuracies)]


def _comparison(quadratic, cross_entropy):
    def run(accuracies):
        return ex.Run(ex.Config(), _history(accuracies), [], np.zeros((1, 10)), 0.0)

    return ex.CostComparison(run(quadratic), run(cross_entropy))


def test_slowdown_summary_says_what_was_measured_either_way():
    slower = ex.slowdown_summary(_comparison([0.2, 0.5, 0.8], [0.6, 0.92, 0.95]))
    assert "learned more slowly" in slower and "cross-entropy reached 90% test accuracy at epoch 2" in slower
    assert "Quadratic did not reach 90% in 3 epochs" in slower
    kept_up = ex.slowdown_summary(_comparison([0.6, 0.93, 0.96], [0.6, 0.92, 0.95]))
    assert "kept up" in kept_up and "more slowly" not in kept_up
    assert "δ^L = (a − y)·σ'(z^L)" in ex.SLOWDOWN_WHY and "δ^L = a − y" in ex.SLOWDOWN_WHY


def test_the_quadratic_cost_learns_more_slowly_on_the_digits(split):
    comparison = ex.compare_costs(split, ex.Config(epochs=3))
    q, ce = comparison.quadratic.history, comparison.cross_entropy.history
    assert q[-1].test_accuracy < ce[-1].test_accuracy
    assert "learned more slowly" in ex.slowdown_summary(comparison)


def test_demo_options_repeat_the_maths_defaults():
    defaults = {o.name: o.default for o in demo.OPTIONS}
    assert defaults == {
        "hidden": dg.DEFAULT_HIDDEN, "epochs": dg.DEFAULT_EPOCHS, "batch_size": dg.DEFAULT_BATCH_SIZE,
        "lr": dg.DEFAULT_LR, "seed": dg.DEFAULT_SEED, "activation": dg.DEFAULT_ACTIVATION, "cost": dg.DEFAULT_COST,
    }


def test_command_prints_checks_progress_matrix_and_mistakes():
    result = runner.invoke(app, ["exercise", "digits", "--epochs", "4", "--hidden", "16"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "✓ Cost at the starting weights" in out and "by heart" in out
    assert "epoch 4/4" in out and "Confusion matrix" in out and "CC BY 4.0" in out
    assert "test digits are wrong" in out and "% sure" in out


def test_command_quadratic_compares_the_two_costs():
    result = runner.invoke(app, ["exercise", "digits", "--epochs", "2", "--cost", "quadratic"])
    assert result.exit_code == 0, result.output
    assert "Same network, same start, two costs" in result.output and "Nielsen, chapter 3" in result.output
    assert "output 0." in result.output and "% sure" not in result.output  # σ outputs are not probabilities


def test_command_json_prints_the_final_figures_only():
    result = runner.invoke(app, ["exercise", "digits", "--epochs", "3", "--json", "--seed", "5"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["exercise"] == "digits" and data["epochs"] == 3 and data["seed"] == 5
    assert 0.5 < data["test_accuracy"] <= 1 and data["final_loss"] > 0 and data["seconds"] >= 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--hidden", "0"], "--hidden must be between 1 and 512, got 0"),
        (["--epochs", "501"], "--epochs must be between 1 and 500"),
        (["--batch-size", "2000"], "--batch-size must be between 1 and 1,438"),
        (["--lr", "0"], "--lr must be a positive number"),
        (["--lr", "nan"], "--lr must be a positive number"),
        (["--lr", "1000"], "--lr must be at most 100"),
        (["--seed", "-1"], "--seed must be between 0"),
        (["--json", "--hint"], "--json is for a run of the exercise"),
    ],
)
def test_command_rejects_bad_options_in_one_line(args, message):
    result = runner.invoke(app, ["exercise", "digits", *args])
    assert result.exit_code == 2
    assert f"error: {message}" in result.output and "Traceback" not in result.output


def test_sanity_check_advice_follows_what_went_wrong(split):
    from dlpath.exercises.digits import views

    overshoot = ex.overfit_small(split, ex.Config(lr=100.0), max_epochs=30)
    text = " ".join(str(line) for line in views.sanity_checks(ex.initial_cost(split, ex.Config()), overshoot,
                                                               "cross-entropy").renderables)
    assert not overshoot.succeeded and overshoot.final_cost > overshoot.start_cost
    assert "smaller --lr" in text and "larger --lr" not in text
    slow = ex.overfit_small(split, ex.Config(lr=0.01), max_epochs=5)
    text = " ".join(str(line) for line in views.sanity_checks(ex.initial_cost(split, ex.Config()), slow,
                                                               "cross-entropy").renderables)
    assert "larger --lr" in text and "smaller --lr" not in text


def test_one_epoch_is_singular():
    result = runner.invoke(app, ["exercise", "digits", "--epochs", "1", "--hidden", "8"])
    assert result.exit_code == 0 and "after 1 epoch in" in result.output


def test_practice_names_an_update_that_climbs(tmp_path):
    from pathlib import Path

    from dlpath.practice.grading import grade_in_process

    correct = Path(__file__).parent / "fixtures" / "practice" / "digits_correct.py"
    climbing = tmp_path / "digits.py"
    climbing.write_text(correct.read_text().replace("W -= lr * dW", "W += lr * dW"))
    report = grade_in_process("digits", climbing)
    failed = {r.name: r.message for r in report.results if not r.passed}
    assert "it moved uphill" in failed["sgd_epoch: one batch is one gradient step"]
    assert "backward: gradient check" not in failed  # blamed on the loop, not on the gradient
