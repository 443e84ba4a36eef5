"""Gradient descent: the update rule by hand, convergence on the bowl, and divergence diagnosis."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlpath.exercises import gradient_descent as gd

BOWL = gd.FUNCTIONS["bowl"]
QUADRATIC = gd.FUNCTIONS["quadratic"]
ROSENBROCK = gd.FUNCTIONS["rosenbrock"]


def test_path_has_one_row_per_step_plus_the_start():
    path = gd.minimise(BOWL.grad, (-4.0, 2.0), 0.1, 25)
    assert path.shape == (26, 2)
    assert path[0].tolist() == [-4.0, 2.0]


def test_scalar_start_is_a_one_dimensional_path():
    path = gd.minimise(lambda x: 2 * x, 3.0, 0.1, 4)
    assert path.shape == (5, 1)


def test_each_step_follows_the_update_rule_computed_by_hand():
    # f(x) = (x - 2)^2, f'(x) = 2(x - 2); x_{k+1} = x_k - lr f'(x_k)
    lr, x = 0.1, -3.0
    expected = [x]
    for _ in range(5):
        x = x - lr * 2 * (x - 2)
        expected.append(x)
    path = gd.minimise(QUADRATIC.grad, -3.0, lr, 5)
    np.testing.assert_allclose(path[:, 0], expected, rtol=0, atol=1e-15)
    assert path[1, 0] == pytest.approx(-2.0)  # -3 - 0.1 * 2 * (-5)


def test_momentum_follows_the_velocity_recurrence():
    lr, beta = 0.05, 0.8
    x, v = [-4.0, 2.0], [0.0, 0.0]
    expected = [list(x)]
    for _ in range(6):
        g = [2 * x[0], 10 * x[1]]
        v = [beta * v[i] - lr * g[i] for i in range(2)]
        x = [x[i] + v[i] for i in range(2)]
        expected.append(list(x))
    path = gd.minimise(BOWL.grad, (-4.0, 2.0), lr, 6, momentum=beta)
    np.testing.assert_allclose(path, expected, rtol=1e-14, atol=1e-14)


def test_converges_on_the_bowl_with_its_default_settings():
    path = gd.minimise(BOWL.grad, BOWL.start, BOWL.lr, BOWL.steps)
    assert np.linalg.norm(path[-1]) < 1e-4
    values = gd.losses(BOWL.f, path)
    assert values[-1] < 1e-8 < values[0]
    assert gd.find_divergence(BOWL, path, BOWL.lr) is None


def test_momentum_gets_through_the_rosenbrock_valley():
    path = gd.minimise(ROSENBROCK.grad, ROSENBROCK.start, 0.001, 3000, momentum=0.9)
    np.testing.assert_allclose(path[-1], [1.0, 1.0], atol=1e-3)


def test_a_too_large_rate_on_the_bowl_is_reported_as_divergence():
    path = gd.minimise(BOWL.grad, BOWL.start, 0.3, 40)
    divergence = gd.find_divergence(BOWL, path, 0.3)
    assert divergence is not None
    assert divergence.kind == "blow-up"
    assert divergence.curvature == pytest.approx(10.0, rel=1e-4)  # the y direction: d²/dy² 5y² = 10
    assert divergence.critical_lr == pytest.approx(0.2, rel=1e-4)
    text = divergence.explain()
    assert "too large" in text and "2/L" in text and "--lr" in text
    assert gd.suggest_lr(divergence.critical_lr) < 0.2


def test_overflow_gives_nan_rows_and_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = gd.minimise(BOWL.grad, BOWL.start, 50.0, 400)
        divergence = gd.find_divergence(BOWL, path, 50.0)
    assert np.isnan(path[-1]).all()
    assert np.isfinite(path[0]).all()
    assert divergence is not None and divergence.step > 0
    assert "nan" not in divergence.explain().lower().split()


def test_ending_above_the_start_counts_as_divergence():
    # growth factor |1 - 2 lr| = 1.04 per step: no blow-up within 5 steps, but clearly uphill
    path = gd.minimise(QUADRATIC.grad, -3.0, 1.02, 5)
    divergence = gd.find_divergence(QUADRATIC, path, 1.02)
    assert divergence is not None and divergence.kind == "uphill"


def test_the_edge_rate_bounces_forever_without_diverging():
    path = gd.minimise(QUADRATIC.grad, -3.0, 1.0, 10)
    assert path[1:, 0].tolist() == [7.0, -3.0] * 5
    assert gd.find_divergence(QUADRATIC, path, 1.0) is None


@settings(max_examples=40, deadline=None)
@given(
    a=st.floats(0.1, 10.0),
    c=st.floats(-5.0, 5.0),
    fraction=st.floats(0.05, 0.95),
)
def test_on_a_parabola_rates_below_two_over_curvature_converge_and_above_diverge(a, c, fraction):
    objective = gd.Objective(
        "parabola",
        "a(x - c)^2",
        lambda x: a * (x[..., 0] - c) ** 2,
        lambda x: np.array([2 * a * (x[0] - c)]),
        (c,),
        (c + 3.0,),
        0.1,
        10,
    )
    limit = 2.0 / (2.0 * a)
    good = gd.minimise(objective.grad, c + 3.0, fraction * limit, 2000)
    assert gd.find_divergence(objective, good, fraction * limit) is None
    assert abs(good[-1, 0] - c) < 1e-6
    bad = gd.minimise(objective.grad, c + 3.0, 1.5 * limit, 200)
    divergence = gd.find_divergence(objective, bad, 1.5 * limit)
    assert divergence is not None
    assert divergence.critical_lr == pytest.approx(limit, rel=1e-3)


def test_max_curvature_of_rosenbrock_at_its_minimum():
    # Hessian at (1, 1) is [[802, -400], [-400, 200]]: largest eigenvalue 501 + sqrt(301² + 400²)
    expected = 501 + math.sqrt(301**2 + 400**2)
    assert gd.max_curvature(ROSENBROCK.grad, (1.0, 1.0)) == pytest.approx(expected, rel=1e-6)


def test_critical_rate_grows_with_momentum():
    assert gd.critical_lr(10.0) == pytest.approx(0.2)
    assert gd.critical_lr(10.0, momentum=0.9) == pytest.approx(0.38)
    assert gd.critical_lr(0.0) == math.inf


@pytest.mark.parametrize("limit", [0.2, 1.0, 0.0013, 37.0])
def test_suggested_rate_is_round_and_safely_below_the_limit(limit):
    suggestion = gd.suggest_lr(limit)
    assert 0 < suggestion <= limit / 2
    assert suggestion > limit / 20
    mantissa = suggestion / 10 ** math.floor(math.log10(suggestion))
    assert round(mantissa, 9) in (1.0, 2.0, 5.0)


@pytest.mark.parametrize("name", sorted(gd.FUNCTIONS))
def test_each_function_has_its_minimum_where_the_gradient_vanishes(name):
    objective = gd.FUNCTIONS[name]
    np.testing.assert_allclose(objective.grad(np.array(objective.minimum)), 0.0, atol=1e-12)
    assert objective.f(np.array(objective.minimum)) == pytest.approx(0.0, abs=1e-12)
    x = np.array(objective.start) + 0.3
    h = 1e-6
    for i in range(objective.dim):
        e = np.zeros(objective.dim)
        e[i] = h
        numeric = (objective.f(x + e) - objective.f(x - e)) / (2 * h)
        assert objective.grad(x)[i] == pytest.approx(numeric, rel=1e-6, abs=1e-6)


# ------------------------------------------------------------------------------------------ verdict


def _verdict(objective, lr, steps, momentum=0.0, start=None):
    path = gd.minimise(objective.grad, objective.start if start is None else start, lr, steps, momentum)
    assert gd.find_divergence(objective, path, lr, momentum) is None
    return gd.verdict(objective, path, gd.losses(objective.f, path), lr, momentum)


def test_verdict_of_the_bowl_names_the_step_it_came_within_a_thousandth():
    # by hand: x_k = −4·(1 − 2η)^k, y_k = 2·(1 − 10η)^k with η = 0.15
    first = next(k for k in range(BOWL.steps + 1) if math.hypot(-4 * 0.7**k, 2 * (-0.5) ** k) < 1e-3)
    text = _verdict(BOWL, BOWL.lr, BOWL.steps)
    assert text.startswith(f"Converged: within 0.001 of the minimum after {first} of 40 steps")
    assert "--momentum 0.9" in text
    assert "--momentum 0.9" not in _verdict(BOWL, BOWL.lr, BOWL.steps, momentum=0.5)


@pytest.mark.parametrize("lr", [0.11, 0.15, 0.19])
def test_a_rate_between_one_and_two_over_L_is_said_to_zigzag_and_never_told_to_grow(lr):
    # the bowl's steepest curvature is L = 10: 1/L = 0.1 < η < 2/L = 0.2, so y_k = 2(1 − 10η)^k flips sign
    text = _verdict(BOWL, lr, 400)
    assert text.startswith("Converged")
    assert "zig-zagged in" in text and "above 1/L ≈ 0.1" in text and "below 2/L ≈ 0.2" in text
    assert "larger --lr" not in text
    short = _verdict(BOWL, lr, 12)  # not there yet: never "larger", though the slow x direction may want ≈ 1/6
    assert "larger --lr" not in short


@pytest.mark.parametrize("lr", [0.6, 0.8, 0.95])
def test_in_one_dimension_a_zigzagging_rate_is_told_to_shrink(lr):
    # f = (x − 2)², L = 2: between 1/L = 0.5 and 2/L = 1 each step flips side; 1/L reaches the minimum in one step
    text = _verdict(QUADRATIC, lr, 3, start=(-3.0,))
    assert text.startswith("Not there yet")
    assert "a smaller --lr (about 0.5 is fastest)" in text and "zig-zag" in text
    assert "larger --lr" not in text


def test_a_rate_at_most_one_over_L_slides_straight_in():
    text = _verdict(BOWL, 0.08, 400)
    assert "without overshooting" in text and "between 1/L and 2/L" in text


def test_a_slow_rate_on_the_bowl_is_told_the_fastest_rate():
    # curvatures 2 and 10: the fastest plain rate balances |1 − 2η| and |1 − 10η|, η = 2/(2 + 10) = 1/6
    text = _verdict(BOWL, 0.01, 40)
    assert "a larger --lr (about 0.167 is fastest here; above ≈ 0.2 it diverges)" in text
    assert "still improving" in text


def test_the_bowl_at_its_stability_limit_oscillates_and_is_not_still_improving():
    # η = 2/L exactly: y_k = 2(1 − 10·0.2)^k = ±2 for ever, f stays 20
    text = _verdict(BOWL, 0.2, 40)
    assert "still improving" not in text
    assert "It oscillates" in text and "f stayed the same" in text
    assert "between (" in text and "exactly at the stability limit" in text and "Lower --lr below 0.2" in text


def test_the_quadratic_at_its_edge_rate_says_to_lower_it():
    text = _verdict(QUADRATIC, 1.0, 10, start=(-3.0,))  # bounces between −3 and 7: f stays 25
    assert text.startswith("Not there yet: after 10 steps the point -3 is 5 from the minimum (f = 25).")
    assert "between 7 and -3" in text and "Lower --lr below 1" in text


def test_rosenbrock_cycling_at_a_large_rate_is_an_oscillation_with_a_local_limit():
    text = _verdict(ROSENBROCK, 0.004, 3000)
    assert "still improving" not in text and "It oscillates" in text
    assert "holds only locally" in text
    # the two points of the cycle have local limits 2/L ≈ 0.00366 and 0.00438, either side of η = 0.004
    assert "0.00366–0.00438" in text


def test_rosenbrock_slow_run_names_the_steepest_limit_it_met_and_says_it_is_local():
    text = _verdict(ROSENBROCK, ROSENBROCK.lr, 100)
    # the Hessian at (−1.2, 1) by hand: [[2 − 400y + 1200x², −400x], [−400x, 200]], largest eigenvalue L
    L = (1330 + 200) / 2 + math.sqrt(((1330 - 200) / 2) ** 2 + 480**2)
    assert text.startswith("Not there yet: after 100 steps the point")
    assert f"a larger --lr (below ≈ {2 / L:.3g}" in text and "holds only locally" in text
    assert "--momentum 0.9" in text
    # with momentum no rate is promised to be faster: only what is true is said
    with_momentum = _verdict(ROSENBROCK, ROSENBROCK.lr, 100, momentum=0.9)
    assert "--lr" not in with_momentum.split("Try", 1)[1]


@pytest.mark.parametrize("lr", [0.21, 0.3, 0.37])
def test_momentum_below_its_adjusted_limit_never_diverges(lr):
    # plain descent diverges above 2/L = 0.2; with β = 0.9 the limit is 2(1 + β)/L = 0.38
    for steps in (3, 10, 40, 400):
        path = gd.minimise(BOWL.grad, BOWL.start, lr, steps, 0.9)
        assert gd.find_divergence(BOWL, path, lr, 0.9) is None
        text = gd.verdict(BOWL, path, gd.losses(BOWL.f, path), lr, 0.9)
        assert "diverged" not in text


def test_momentum_above_its_adjusted_limit_diverges_and_names_that_limit():
    path = gd.minimise(BOWL.grad, BOWL.start, 0.4, 400, 0.9)
    divergence = gd.find_divergence(BOWL, path, 0.4, 0.9)
    assert divergence is not None
    assert "2(1 + β)/L ≈ 0.38" in divergence.explain()


def test_divergence_on_rosenbrock_says_the_limit_is_local():
    path = gd.minimise(ROSENBROCK.grad, ROSENBROCK.start, 0.01, 3000)
    divergence = gd.find_divergence(ROSENBROCK, path, 0.01)
    assert divergence is not None
    assert "holds only locally" in divergence.explain()
    bowl = gd.find_divergence(BOWL, gd.minimise(BOWL.grad, BOWL.start, 0.3, 40), 0.3)
    assert "holds only locally" not in bowl.explain() and "everywhere" in bowl.explain()


@pytest.mark.parametrize("lr", [1e200, 1e300])
def test_an_astronomical_rate_is_explained_as_overflow_not_blamed_on_curvature(lr):
    path = gd.minimise(BOWL.grad, BOWL.start, lr, 40)
    divergence = gd.find_divergence(BOWL, path, lr)
    assert divergence is not None and divergence.immediate
    text = divergence.explain()
    assert "overflowed" in text and "1.8e308" in text
    assert "L ≈" not in text and "2/L" not in text


def test_a_start_where_f_overflows_is_refused_with_the_reason():
    assert gd.check_start(BOWL, (1e200, 1.0)) is not None
    assert "overflows floating point" in gd.check_start(ROSENBROCK, (1e100, 1.0))
    assert gd.check_start(BOWL, (1e100, 1.0)) is None


def test_contraction_matches_the_plain_and_momentum_formulas():
    assert gd.contraction(0.15, 10.0) == pytest.approx(0.5)
    assert gd.contraction(0.2, 10.0) == pytest.approx(1.0)
    # heavy ball: complex roots of z² − (1 + β − ηλ) z + β have modulus √β
    assert gd.contraction(0.1, 10.0, 0.81) == pytest.approx(0.9)
    assert gd.contraction(0.38, 10.0, 0.9) == pytest.approx(1.0)
    assert gd.overshoots(0.15, 10.0) and not gd.overshoots(0.05, 10.0)


def test_format_point_drops_the_brackets_in_one_dimension():
    assert gd.format_point((-3.0,)) == "-3"
    assert gd.format_point(np.array([-4.0, 2.5])) == "(-4, 2.5)"
    assert gd.format_point((1e-7, 123456789.0)) == "(1e-07, 1.23457e+08)"
