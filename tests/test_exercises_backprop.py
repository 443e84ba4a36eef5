"""Backpropagation: gradients against finite differences, a step against scalar code, XOR, determinism."""

from __future__ import annotations

import json
import math
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlpath.exercises import ExerciseError
from dlpath.exercises import backprop as bp
from dlpath.exercises.backprop import walkthrough as wt
from dlpath.exercises.backprop.walkthrough import mazur_example


def copy(params):
    return [(W.copy(), b.copy()) for W, b in params]


def finite_difference_gradients(params, X, Y, h=1e-6):
    """(E(θ + h) − E(θ − h)) / 2h for every parameter, on copies (independent of bp.numerical_gradients)."""
    result = []
    for layer, (W, b) in enumerate(params):
        pair = []
        for k, p in enumerate((W, b)):
            grad = np.zeros_like(p)
            for index in np.ndindex(p.shape):
                plus, minus = copy(params), copy(params)
                plus[layer][k][index] += h
                minus[layer][k][index] -= h
                e_plus = bp.loss(bp.forward(plus, X)[-1], Y)
                e_minus = bp.loss(bp.forward(minus, X)[-1], Y)
                grad[index] = (e_plus - e_minus) / (2 * h)
            pair.append(grad)
        result.append(tuple(pair))
    return result


@st.composite
def networks(draw):
    sizes = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    n = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    params = [(rng.normal(0, 1.5, (a, b)), rng.normal(0, 1.0, b)) for a, b in pairwise(sizes)]
    X = rng.uniform(-2, 2, (n, sizes[0]))
    Y = rng.uniform(0, 1, (n, sizes[-1]))
    return params, X, Y


@settings(max_examples=40, deadline=None)
@given(networks())
def test_backward_matches_central_differences_of_the_loss(network):
    params, X, Y = network
    analytic = bp.backward(params, bp.forward(params, X), Y)
    numeric = finite_difference_gradients(params, X, Y)
    assert len(analytic) == len(params)
    for (dW, db), (nW, nb), (W, b) in zip(analytic, numeric, params, strict=True):
        assert dW.shape == W.shape and db.shape == b.shape
        np.testing.assert_allclose(dW, nW, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(db, nb, rtol=1e-5, atol=1e-7)


@settings(max_examples=20, deadline=None)
@given(networks())
def test_numerical_gradients_agree_and_leave_params_unchanged(network):
    params, X, Y = network
    before = copy(params)
    numeric = bp.numerical_gradients(params, X, Y)
    for (W, b), (W0, b0) in zip(params, before, strict=True):
        assert np.array_equal(W, W0) and np.array_equal(b, b0)
    analytic = bp.backward(params, bp.forward(params, X), Y)
    for (dW, db), (nW, nb) in zip(analytic, numeric, strict=True):
        np.testing.assert_allclose(nW, dW, rtol=1e-5, atol=1e-8)
        np.testing.assert_allclose(nb, db, rtol=1e-5, atol=1e-8)
    assert bp.max_relative_error(analytic, numeric) < 1e-5


def test_max_relative_error_by_hand():
    a = [(np.array([[1.0, -2.0]]), np.array([0.5]))]
    b = [(np.array([[1.1, -2.0]]), np.array([0.5]))]
    assert bp.max_relative_error(a, b) == pytest.approx(0.1 / 2.1)
    # an entry far below the largest gradient is measured against a thousandth of it (|a| + |b| = 4)
    a = [(np.array([[2.0, 1e-9]]), np.array([0.0]))]
    b = [(np.array([[2.0, 3e-9]]), np.array([0.0]))]
    assert bp.max_relative_error(a, b) == pytest.approx(2e-9 / (1e-3 * 4.0))
    assert bp.max_relative_error(a, a) == 0.0


def test_a_wrong_gradient_is_caught_by_the_check():
    X, Y = bp.xor_data()
    params = bp.init_params((2, 4, 1), 0)
    analytic = bp.backward(params, bp.forward(params, X), Y)
    wrong = [(dW * 1.05, db) for dW, db in analytic]  # e.g. a forgotten factor somewhere
    numeric = bp.numerical_gradients(params, X, Y)
    assert bp.max_relative_error(analytic, numeric) < 1e-5
    assert bp.max_relative_error(wrong, numeric) > 1e-2


def test_forward_returns_every_layer_input_included():
    params = bp.init_params((2, 3, 4, 1), seed=1)
    X = np.zeros((5, 2))
    activations = bp.forward(params, X)
    assert [a.shape for a in activations] == [(5, 2), (5, 3), (5, 4), (5, 1)]
    assert activations[0] is X


def test_init_params_shapes_and_determinism():
    a = bp.init_params((2, 4, 1), seed=7)
    b = bp.init_params((2, 4, 1), seed=7)
    c = bp.init_params((2, 4, 1), seed=8)
    assert [(W.shape, bias.shape) for W, bias in a] == [((2, 4), (4,)), ((4, 1), (1,))]
    assert all(np.array_equal(W1, W2) and np.array_equal(b1, b2) for (W1, b1), (W2, b2) in zip(a, b, strict=True))
    assert not np.array_equal(a[0][0], c[0][0])


@pytest.mark.parametrize("sizes", [(2,), (2, 0, 1), (), (3, -1)])
def test_init_params_rejects_sizes_that_make_no_network(sizes):
    with pytest.raises(ExerciseError, match="layer sizes"):
        bp.init_params(sizes, seed=0)


def test_loss_is_half_the_sum_of_squared_errors():
    output = np.array([[0.5, 0.25], [1.0, 0.0]])
    Y = np.array([[0.0, 0.25], [0.5, 1.0]])
    assert bp.loss(output, Y) == pytest.approx(0.5 * (0.25 + 0 + 0.25 + 1.0))


def scalar_train_step(params, X, Y, lr):
    """The same step written with Python floats and loops, independently of the module."""
    Ws = [W.tolist() for W, _ in params]
    bs = [b.tolist() for _, b in params]
    sig = lambda z: 1.0 / (1.0 + math.exp(-z))  # noqa: E731 - small nets, no overflow here
    gW = [[[0.0] * len(W[0]) for _ in W] for W in Ws]
    gb = [[0.0] * len(b) for b in bs]
    total = 0.0
    for x, y in zip(X.tolist(), Y.tolist(), strict=True):
        outs = [x]
        for W, b in zip(Ws, bs, strict=True):
            prev = outs[-1]
            outs.append([sig(sum(prev[i] * W[i][j] for i in range(len(prev))) + b[j]) for j in range(len(b))])
        total += sum(0.5 * (o - t) ** 2 for o, t in zip(outs[-1], y, strict=True))
        delta = [(o - t) * o * (1 - o) for o, t in zip(outs[-1], y, strict=True)]
        for layer in range(len(Ws) - 1, -1, -1):
            prev = outs[layer]
            for i in range(len(prev)):
                for j in range(len(delta)):
                    gW[layer][i][j] += prev[i] * delta[j]
            for j in range(len(delta)):
                gb[layer][j] += delta[j]
            if layer:
                delta = [
                    sum(Ws[layer][i][j] * delta[j] for j in range(len(delta))) * prev[i] * (1 - prev[i])
                    for i in range(len(prev))
                ]
    new = [
        (
            [[W[i][j] - lr * gW[layer][i][j] for j in range(len(W[0]))] for i in range(len(W))],
            [b[j] - lr * gb[layer][j] for j in range(len(b))],
        )
        for layer, (W, b) in enumerate(zip(Ws, bs, strict=True))
    ]
    return new, total


def test_train_step_matches_scalar_code_for_a_tiny_network():
    params = [
        (np.array([[0.1, -0.2], [0.3, 0.4]]), np.array([0.05, -0.05])),
        (np.array([[0.5], [-0.6]]), np.array([0.2])),
    ]
    X = np.array([[1.0, 0.0], [0.5, -1.0]])
    Y = np.array([[1.0], [0.0]])
    expected, expected_loss = scalar_train_step(params, X, Y, lr=0.7)
    new, loss_before = bp.train_step(params, X, Y, 0.7)
    assert loss_before == pytest.approx(expected_loss, rel=1e-13)
    for (W, b), (eW, eb) in zip(new, expected, strict=True):
        np.testing.assert_allclose(W, eW, rtol=1e-13)
        np.testing.assert_allclose(b, eb, rtol=1e-13)


def test_train_step_by_hand_for_a_one_one_network():
    # a = σ(w x + b) with w = 0.5, b = 0, x = 2, y = 1: a = σ(1)
    a = 1 / (1 + math.exp(-1.0))
    delta = (a - 1.0) * a * (1 - a)
    params = [(np.array([[0.5]]), np.array([0.0]))]
    new, before = bp.train_step(params, np.array([[2.0]]), np.array([[1.0]]), 0.1)
    assert before == pytest.approx(0.5 * (1 - a) ** 2)
    assert new[0][0][0, 0] == pytest.approx(0.5 - 0.1 * delta * 2.0)
    assert new[0][1][0] == pytest.approx(0.0 - 0.1 * delta)


def test_train_step_reproduces_mazurs_published_numbers():
    net = mazur_example()
    new, before = bp.train_step(net.params, net.inputs[None, :], net.targets[None, :], net.lr)
    assert before == pytest.approx(0.298371109, abs=1e-9)
    (W1, _), (W2, _) = new
    # w5..w8 and w1..w4 after the step, as printed in the post (to its 8-9 decimals)
    assert [W2[0, 0], W2[1, 0], W2[0, 1], W2[1, 1]] == pytest.approx(
        [0.35891648, 0.408666186, 0.511301270, 0.561370121], abs=1e-8
    )
    assert [W1[0, 0], W1[1, 0], W1[0, 1], W1[1, 1]] == pytest.approx(
        [0.149780716, 0.19956143, 0.24975114, 0.29950229], abs=1e-8
    )


def test_train_step_updates_simultaneously_and_leaves_params_alone():
    net = mazur_example()
    X, Y = net.inputs[None, :], net.targets[None, :]
    before = copy(net.params)
    new, _ = bp.train_step(net.params, X, Y, net.lr)
    for (W, b), (W0, b0) in zip(net.params, before, strict=True):
        assert np.array_equal(W, W0) and np.array_equal(b, b0)
    # a sequential update (output layer first, its new weights then used for the hidden deltas)
    # gives a different w1: the published 0.149780716 is the simultaneous one
    (W1, b1), (W2, b2) = net.params
    grads = bp.backward(net.params, bp.forward(net.params, X), Y)
    W2_new = W2 - net.lr * grads[1][0]
    sequential = bp.backward([(W1, b1), (W2_new, b2)], bp.forward(net.params, X), Y)
    w1_sequential = W1[0, 0] - net.lr * sequential[0][0][0, 0]
    assert new[0][0][0, 0] == pytest.approx(0.149780716, abs=1e-9)
    assert abs(w1_sequential - 0.149780716) > 1e-6


def test_train_records_the_loss_before_each_step():
    X, Y = bp.xor_data()
    params = bp.init_params((2, 3, 1), seed=3)
    trained, losses = bp.train(params, X, Y, 1.0, 5)
    p, expected = params, []
    for _ in range(5):
        p, before = bp.train_step(p, X, Y, 1.0)
        expected.append(before)
    assert losses.tolist() == expected
    assert all(np.array_equal(W, W2) for (W, _), (W2, _) in zip(trained, p, strict=True))


def test_train_until_loss_stops_with_the_params_that_reached_it():
    X, Y = bp.xor_data()
    params, losses = bp.train(bp.init_params((2, 4, 1), 0), X, Y, bp.DEFAULT_LR, 100_000, until_loss=0.05)
    assert len(losses) < 100_000
    assert losses[-1] <= 0.05 < losses[-2]
    assert bp.loss(bp.predict(params, X), Y) == pytest.approx(losses[-1])


def test_same_seed_same_numbers():
    X, Y = bp.xor_data()
    runs = [bp.train(bp.init_params((2, 4, 1), 5), X, Y, 2.0, 300) for _ in range(2)]
    assert np.array_equal(runs[0][1], runs[1][1])
    for (W1, b1), (W2, b2) in zip(runs[0][0], runs[1][0], strict=True):
        assert np.array_equal(W1, W2) and np.array_equal(b1, b2)


def test_xor_is_solved_for_at_least_nine_of_ten_seeds_with_the_defaults():
    X, Y = bp.xor_data()
    solved = 0
    for seed in range(10):
        params, losses = bp.train(bp.init_params(bp.DEFAULT_LAYERS, seed), X, Y, bp.DEFAULT_LR, bp.DEFAULT_EPOCHS)
        output = bp.predict(params, X)
        if np.all((output > 0.5) == (Y > 0.5)):
            solved += 1
        assert bp.training_outcome(losses, output, Y).solved == bool(np.all((output > 0.5) == (Y > 0.5)))
    assert solved >= 9


def test_a_two_two_one_network_can_get_stuck_in_a_local_minimum():
    X, Y = bp.xor_data()
    params, losses = bp.train(bp.init_params((2, 2, 1), 1), X, Y, bp.DEFAULT_LR, bp.DEFAULT_EPOCHS)
    verdict = bp.training_outcome(losses, bp.predict(params, X), Y)
    assert not verdict.solved and verdict.stuck
    assert verdict.wrong >= 1


def test_too_few_epochs_is_unfinished_not_stuck():
    X, Y = bp.xor_data()
    params, losses = bp.train(bp.init_params((2, 4, 1), 0), X, Y, 0.5, 20)
    verdict = bp.training_outcome(losses, bp.predict(params, X), Y)
    assert not verdict.solved and not verdict.stuck
    assert losses[-1] < losses[0]


def test_gradient_check_compares_every_entry_of_a_small_network():
    X, Y = bp.xor_data()
    params = bp.init_params((2, 4, 1), 0)
    error, checked = bp.gradient_check(params, X, Y)
    assert checked == 17 and error < 1e-5


def test_gradient_check_samples_a_large_network_and_leaves_it_unchanged():
    X, Y = bp.xor_data()
    params = bp.init_params((2, 30, 30, 1), 2)
    before = copy(params)
    first = bp.gradient_check(params, X, Y, max_entries=50, seed=1)
    assert first[1] == 50 and first[0] < 1e-5
    assert bp.gradient_check(params, X, Y, max_entries=50, seed=1) == first
    for (W, b), (W0, b0) in zip(params, before, strict=True):
        assert np.array_equal(W, W0) and np.array_equal(b, b0)


def test_train_in_chunks_gives_what_train_gives_and_reports_each_chunk():
    X, Y = bp.xor_data()
    start = bp.init_params((2, 3, 1), 5)
    reports = []
    params, losses = bp.train_in_chunks(copy(start), X, Y, 2.0, 250, chunks=100, report=lambda *r: reports.append(r))
    expected_params, expected_losses = bp.train(copy(start), X, Y, 2.0, 250)
    np.testing.assert_array_equal(losses, expected_losses)
    for (W, b), (W0, b0) in zip(params, expected_params, strict=True):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)
    assert [done for done, _ in reports] == list(range(2, 251, 2))  # chunks of 250 // 100 epochs
    assert reports[-1][1] == losses[-1]


def test_train_in_chunks_stops_where_train_stops_with_until_loss():
    X, Y = bp.xor_data()
    start = bp.init_params((2, 4, 1), 0)
    _, expected = bp.train(copy(start), X, Y, 2.0, 2000, until_loss=0.05)
    reports = []
    _, losses = bp.train_in_chunks(copy(start), X, Y, 2.0, 2000, until_loss=0.05, report=lambda *r: reports.append(r))
    np.testing.assert_array_equal(losses, expected)
    assert len(expected) < 2000 and reports[-1] == (len(expected), expected[-1])


# ------------------------------------------------------------------------------------------ explanations


def test_loss_summary_says_when_until_loss_stopped_training():
    assert bp.loss_summary([1.0, 0.5, 0.25], 0.2) == "Loss E = ½ Σ (output − target)² over 3 epochs: 1 → 0.2"
    assert "over 3 epochs (stopped at loss ≤ 0.25): 1 → 0.2" in bp.loss_summary([1.0, 0.5, 0.25], 0.2, 0.25)
    assert "stopped" not in bp.loss_summary([1.0, 0.5, 0.25], 0.2, 0.1)


def test_explain_a_solved_run():
    verdict = bp.TrainingOutcome(wrong=0, samples=4, final_loss=0.001234, stalled=True)
    text = verdict.explain((2, 4, 1), 0, 2.0, 2000)
    assert text == "Solved: all 4 outputs are on the right side of 0.5 (final loss 0.00123)."


@pytest.mark.parametrize(
    ("sizes", "seed", "try_seed", "try_layers"),
    [
        ((2, 2, 1), 1, "(--seed 2)", "--layers 2,4,1"),
        ((2, 3, 3, 1), 7, "(--seed 8)", "--layers 2,6,6,1"),
        ((2, 1), None, "(a different --seed)", "--layers 2,4,1"),  # weights from a file: no seed to change
    ],
)
def test_explain_a_stuck_run_suggests_another_start_and_more_units(sizes, seed, try_seed, try_layers):
    verdict = bp.TrainingOutcome(wrong=2, samples=4, final_loss=0.5, stalled=True)
    text = verdict.explain(sizes, seed, 2.0, 300)
    assert text.startswith("Stuck: 2 of 4 outputs are still on the wrong side of 0.5")
    assert "local minimum" in text and try_seed in text and try_layers in text and "--epochs 3000" in text


def test_explain_an_unfinished_run_says_to_train_longer():
    verdict = bp.TrainingOutcome(wrong=1, samples=4, final_loss=0.3, stalled=False)
    text = verdict.explain((2, 4, 1), 0, 0.5, 20)
    assert text.startswith("Not solved yet: 1 of 4 outputs")
    assert "Train longer (--epochs 40) or use a larger --lr (now 0.5)." in text


def test_explain_gradient_check_says_what_was_compared_and_whether_it_agrees():
    good = bp.explain_gradient_check(3e-10, 17, 17)
    assert "over all 17 weights and biases" in good and "max relative error 3.0e-10 ✓" in good
    sampled = bp.explain_gradient_check(3e-10, 400, 1089)
    assert "over 400 randomly chosen of the 1089 weights and biases" in sampled
    for error in (bp.GRADIENT_TOLERANCE, 0.2):
        assert "✗ (above 1e-5: the analytic gradient looks wrong)" in bp.explain_gradient_check(error, 17, 17)


# ------------------------------------------------------------------------------------------ the walkthrough's helpers


def test_error_before_and_after_are_those_of_the_training_step():
    net = mazur_example()
    before, after = wt.error_before_and_after(wt.walkthrough(net))
    assert before == pytest.approx(0.298371109, abs=5e-10)  # Mazur's published E_total
    X, Y = net.inputs[None, :], net.targets[None, :]
    new_params, _ = bp.train_step(net.params, X, Y, net.lr)
    assert after == bp.loss(bp.forward(new_params, X)[-1], Y)


def test_introduction_names_the_sample_its_targets_and_the_rate():
    text = wt.introduction(mazur_example())
    assert text.startswith("Inputs i1 = 0.05, i2 = 0.1; target_o1 = 0.01, target_o2 = 0.99; learning rate η = 0.5.")


def test_load_xor_start_needs_two_inputs_and_one_output(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"layers": [{"W": [[1.0, -1.0], [-1.0, 1.0]]}, {"W": [[1.0], [1.0]]}]}))
    assert wt.load_xor_start(good).layer_sizes == [2, 2, 1]
    wide = tmp_path / "wide.json"
    wide.write_text(json.dumps({"layers": [{"W": [[1.0, 2.0, 3.0]]}]}))
    with pytest.raises(ExerciseError, match=r"wide\.json: a 1-3 network cannot learn XOR"):
        wt.load_xor_start(wide)
