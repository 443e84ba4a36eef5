"""The stable sigmoid and its derivative: against finite differences, a scalar reference, and at extremes."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlpath.exercises.sigmoid import explain_vanishing, sigmoid, sigmoid_prime, vanishing_threshold

moderate = st.floats(min_value=-30, max_value=30, allow_nan=False, allow_subnormal=False)
any_finite = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_subnormal=False)


def reference_sigmoid(z: float) -> float:
    """Independent scalar σ, written the two-branch way that never overflows."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=5), elements=moderate))
def test_sigmoid_prime_matches_central_differences(z):
    h = 1e-6
    numeric = (sigmoid(z + h) - sigmoid(z - h)) / (2 * h)
    np.testing.assert_allclose(sigmoid_prime(z), numeric, rtol=1e-6, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=2, max_side=6), elements=any_finite))
def test_sigmoid_matches_a_scalar_reference(z):
    expected = np.vectorize(reference_sigmoid)(z)
    np.testing.assert_allclose(sigmoid(z), expected, rtol=1e-13, atol=0)


@settings(max_examples=60, deadline=None)
@given(any_finite)
def test_sigmoid_is_symmetric_and_prime_is_s_times_one_minus_s(z):
    assert sigmoid(-z) == pytest.approx(1.0 - sigmoid(z), abs=1e-15)
    # σ(1 − σ) with 1 − σ(z) written as σ(−z), so the reference itself does not lose digits
    expected = reference_sigmoid(z) * reference_sigmoid(-z)
    assert sigmoid_prime(z) == pytest.approx(expected, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extremes_give_exact_limits_without_any_warning(dtype):
    z = np.array([-1000.0, -100.0, 0.0, 100.0, 1000.0], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            s = sigmoid(z)
            ds = sigmoid_prime(z)
    assert s.dtype == dtype and ds.dtype == dtype
    assert not np.isnan(s).any() and not np.isnan(ds).any()
    assert s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5
    assert ds[0] == 0.0 and ds[-1] == 0.0 and ds[2] == 0.25


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extremes_even_with_every_floating_point_error_raised(dtype):
    # underflow to 0 is the right answer below about -745; it must not raise even under all="raise"
    with np.errstate(all="raise"):
        assert sigmoid(dtype(-1000)) == 0.0
        assert sigmoid(dtype(1000)) == 1.0
        assert sigmoid_prime(dtype(-1000)) == 0.0


def test_the_textbook_formula_would_overflow():
    # the reason the stable form exists: the naive one warns at z = -1000
    with pytest.warns(RuntimeWarning, match="overflow"):
        1.0 / (1.0 + np.exp(np.float64(1000.0)))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 3), (2, 1, 4)])
def test_dtype_and_shape_are_preserved(dtype, shape):
    z = np.linspace(-3, 3, int(np.prod(shape))).reshape(shape).astype(dtype)
    for f in (sigmoid, sigmoid_prime):
        out = np.asarray(f(z))
        assert out.dtype == dtype
        assert out.shape == shape


def test_accepts_python_numbers_and_lists():
    assert sigmoid(0) == 0.5
    np.testing.assert_allclose(sigmoid([0.0, 2.0]), [0.5, reference_sigmoid(2.0)], rtol=1e-15)
    assert sigmoid_prime(0.0) == 0.25


def test_tails_keep_full_relative_precision():
    # 1 - sigmoid(z) would round to 0 here; sigma(z) sigma(-z) does not
    assert sigmoid_prime(40.0) == pytest.approx(math.exp(-40.0), rel=1e-12)
    assert sigmoid(-40.0) == pytest.approx(math.exp(-40.0), rel=1e-12)


def test_vanishing_threshold_is_where_the_slope_falls_to_the_given_fraction():
    z = vanishing_threshold(0.01)
    assert 5.9 < z < 6.0
    s = reference_sigmoid(z)
    assert s * (1 - s) == pytest.approx(0.01 * 0.25, rel=1e-9)


def test_explain_vanishing_quotes_the_threshold_it_is_given():
    assert "drops below 1% of that once |z| > 6.0." in explain_vanishing(vanishing_threshold(0.01))
    assert "|z| > 4.2." in explain_vanishing(4.18)


def test_explain_vanishing_states_the_bound_with_the_weights_not_a_false_power_of_four():
    text = explain_vanishing(vanishing_threshold(0.01))
    assert "4^10" not in text and "at least" not in text
    assert "¼‖Wˡ⁺¹‖" in text and "times the weights" in text
