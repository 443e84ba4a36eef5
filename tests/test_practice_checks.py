"""The checks themselves, run in-process (``grade_in_process``): the reference passes, each typical mistake
fails with the message that names it, and only the function that is wrong is blamed.

The sandbox these checks normally talk to is tested in ``test_practice_grading.py``.
"""

from __future__ import annotations

import functools
import importlib
from pathlib import Path

import numpy as np
import pytest

from dlpath.exercises.backprop import walkthrough as wt
from dlpath.practice import checking, codec
from dlpath.practice.grading import grade_in_process, record_pass, reference_use
from dlpath.practice.learner import LocalLearner, load_learner
from dlpath.practice.results import CheckResult, GradingReport
from dlpath.practice.scaffold import scaffold_text
from dlpath.practice.specs import all_specs, find_spec

FIXTURES = Path(__file__).parent / "fixtures" / "practice"
EXERCISES = tuple(all_specs())


@functools.cache
def graded(exercise: str, fixture: str) -> GradingReport:
    """A fixture's report, graded once per test process (several tests read the same one)."""
    return grade_in_process(exercise, FIXTURES / f"{fixture}.py")


def by_name(report: GradingReport) -> dict[str, CheckResult]:
    return {r.name: r for r in report.results}


def failures(report: GradingReport) -> dict[str, str]:
    return {r.name: r.message for r in report.results if not r.passed}


def own_copy_of_the_reference(exercise: str, folder: Path) -> Path:
    """dlpath's solution as a learner would have to write it: the reference module's source, copied."""
    source = Path(importlib.import_module(find_spec(exercise).module).__file__).read_text(encoding="utf-8")
    path = folder / find_spec(exercise).filename
    path.write_text(source, encoding="utf-8")
    return path


@pytest.mark.parametrize("exercise", EXERCISES)
def test_the_reference_passes_every_check(tmp_path, exercise):
    report = grade_in_process(exercise, own_copy_of_the_reference(exercise, tmp_path))
    assert report.all_passed, failures(report)
    assert [r.name for r in report.results] == list(checking.plan(find_spec(exercise).checks))


@pytest.mark.parametrize("exercise", EXERCISES)
def test_the_scaffold_fails_every_check_with_not_implemented_yet(tmp_path, exercise):
    path = tmp_path / find_spec(exercise).filename
    path.write_text(scaffold_text(exercise), encoding="utf-8")
    loads, *rest = grade_in_process(exercise, path).results
    assert loads.passed
    assert rest and all(r.ran and not r.passed and "not implemented yet" in r.message for r in rest)


@pytest.mark.parametrize(
    ("exercise", "fixture", "check", "fragments"),
    [
        # sigmoid: stability probed with values, and the dtype follows the input
        ("sigmoid", "sigmoid_unstable", "sigmoid: extreme inputs", ["right values but made NumPy warn", "overflow"]),
        ("sigmoid", "sigmoid_overflow_nan", "sigmoid: extreme inputs", ["returned nan at z = 710", "inf / inf"]),
        ("sigmoid", "sigmoid_float64_for_float32", "sigmoid: keeps the input's dtype", ["float32 z returned float64"]),
        ("sigmoid", "sigmoid_missing_factor", "sigmoid_prime: values on random inputs", ["sigmoid(z) * (1 - s"]),
        ("gradient-descent", "gradient_descent_sign_error", "minimise: values on a random bowl", ["climbs"]),
        ("gradient-descent", "gradient_descent_no_divergence_guard", "minimise: divergent rate", ["np.isfinite"]),
        # backprop: one fixture per mistake class of the issue
        ("backprop", "backprop_transposed_gradient", "backward: the worked example's gradients", ["dW is transposed"]),
        ("backprop", "backprop_init_symmetric", "init_params: a start that can learn", ["start exactly alike"]),
        ("backprop", "backprop_init_zeros", "init_params: seeded and random", ["every weight the same value (0)"]),
        ("backprop", "backprop_init_too_large", "init_params: a start that can learn", ["far too large", "σ'"]),
        ("backprop", "backprop_init_too_small", "init_params: a start that can learn", ["very small", "plateau"]),
        ("backprop", "backprop_until_loss_late", "train: stops at until_loss", ["one step past it"]),
        ("backprop", "backprop_negated_gradient", "backward: matches finite differences", ["wrong sign"]),
        ("backprop", "backprop_mean_not_sum", "backward: matches finite differences", ["divided by the number of"]),
        ("backprop", "backprop_per_sample_updates", "train_step: simultaneous update", ["after each sample"]),
        ("backprop", "backprop_float32", "forward: activations", ["float32 where the inputs were float64"]),
        ("backprop", "backprop_sign_error", "train_step: simultaneous update", ["uphill"]),
        ("backprop", "backprop_missing_derivative", "backward: matches finite differences", ["sigmoid's derivative"]),
        ("backprop", "backprop_no_bias_gradient", "backward: matches finite differences", ["all zero", "summed over"]),
        ("backprop", "backprop_update_before_deltas", "train_step: simultaneous update", ["before the deltas"]),
        ("backprop", "backprop_swapped_shapes", "init_params: shapes", ["(n_in, n_out)"]),
        # digits and autoencoder: the typical mistakes of the issue
        ("digits", "digits_softmax_no_shift", "softmax: large logits", ["overflow", "subtract each row's largest z"]),
        ("digits", "digits_summed_gradient", "backward: gradient check", ["relative error", "6 times too large",
                                                                         "summed cost", "mean over the batch"]),
        ("digits", "digits_no_shuffle", "sgd_epoch: shuffles with rng", ["in their given order", "shuffle"]),
        ("digits", "digits_bias_not_summed", "backward: shapes", ["db1 has one row per sample", "delta.sum(axis=0)"]),
        ("autoencoder", "autoencoder_untied_gradient", "backward: gradient check", ["only the encoder's part",
                                                                                   "decoder's part"]),
    ],
)
def test_each_mistake_fails_with_the_message_that_names_it(exercise, fixture, check, fragments):
    report = graded(exercise, fixture)
    result = by_name(report)[check]
    assert result.ran and not result.passed
    for fragment in fragments:
        assert fragment in result.message, result.message
    assert not report.all_passed and report.stopped == ""


# Which checks each backprop mistake may fail: everything else must pass, so the blame lands on the
# function that is actually wrong (later checks run dlpath's versions of the earlier functions).
BLAME = {
    "backprop_negated_gradient": {"backward:", "train: solves XOR"},
    "backprop_mean_not_sum": {"backward: matches finite differences", "train: solves XOR"},
    "backprop_per_sample_updates": {"train_step:", "train: solves XOR"},
    "backprop_until_loss_late": {"train: stops at until_loss"},
    "backprop_init_symmetric": {"init_params: a start that can learn"},
    "backprop_init_too_large": {"init_params: a start that can learn"},
    "backprop_init_too_small": {"init_params: a start that can learn"},
    "backprop_float32": {"forward:", "train: solves XOR"},
    "backprop_transposed_gradient": {"backward:", "train: solves XOR"},
    "backprop_update_before_deltas": {"train_step:"},
}


@pytest.mark.parametrize("fixture", list(BLAME))
def test_a_mistake_is_blamed_on_its_own_function_only(fixture):
    failed = failures(graded("backprop", fixture))
    assert failed
    unexpected = [name for name in failed if not any(name.startswith(prefix) for prefix in BLAME[fixture])]
    assert not unexpected, failed


# The same for the digits and autoencoder mistakes. A wrong gradient of the summed cost also spoils the
# learner's own training (the end-to-end checks use their code throughout); a per-sample bias gradient
# breaks their sgd_epoch's update.
DEEP_BLAME = {
    ("digits", "digits_softmax_no_shift"): {"softmax: large logits"},
    ("digits", "digits_summed_gradient"): {"backward: gradient check", "sanity: overfits", "digits:"},
    ("digits", "digits_no_shuffle"): {"sgd_epoch: shuffles with rng"},
    ("digits", "digits_bias_not_summed"): {"backward:", "sanity: overfits", "digits:"},
    ("autoencoder", "autoencoder_untied_gradient"): {"backward: gradient check"},
}


@pytest.mark.parametrize(("exercise", "fixture"), list(DEEP_BLAME))
def test_a_digits_or_autoencoder_mistake_is_blamed_on_its_own_function_only(exercise, fixture):
    failed = failures(graded(exercise, fixture))
    assert failed
    allowed = DEEP_BLAME[exercise, fixture]
    assert not [name for name in failed if not any(name.startswith(prefix) for prefix in allowed)], failed


@pytest.mark.parametrize(
    ("exercise", "fixture"), [("digits", "digits_correct"), ("autoencoder", "autoencoder_correct")]
)
def test_a_learners_own_correct_digits_and_autoencoder_pass(exercise, fixture):
    report = graded(exercise, fixture)
    assert report.all_passed, failures(report)


def test_units_alike_only_in_their_incoming_weights_are_not_called_symmetric():
    from dlpath.exercises.backprop.checks import _symmetric_units

    W1, b1 = np.ones((2, 3)), np.zeros(3)
    assert _symmetric_units([(W1, b1), (np.ones((3, 1)), np.zeros(1))]) == (1, 1, 2)
    assert _symmetric_units([(W1, b1), (np.array([[1.0], [2.0], [3.0]]), np.zeros(1))]) is None


def test_the_end_to_end_check_points_back_at_the_function_that_failed():
    message = failures(graded("backprop", "backprop_negated_gradient"))["train: solves XOR"]
    assert "fix what failed above first (backward: matches finite differences" in message


def test_a_wrong_weight_gradient_shows_the_first_difference_against_the_published_numbers():
    result = by_name(graded("backprop", "backprop_transposed_gradient"))["backward: the worked example's gradients"]
    assert result.index == (0, 1)
    assert result.expected_value == pytest.approx((0.25 - wt.MAZUR_PUBLISHED["w3⁺"]) / 0.5, abs=1e-7)


def test_the_reference_reproduces_every_published_number_of_the_worked_example():
    values = {line.name: line.value for section in wt.walkthrough(wt.mazur_example()) for line in section.lines}
    for name, published in wt.MAZUR_PUBLISHED.items():
        assert values[name] == pytest.approx(published, abs=wt.PUBLISHED_TOLERANCE), name


@pytest.mark.parametrize("fixture", ["backprop_correct", "backprop_correct_keywords"])
def test_a_learners_own_correct_backprop_passes(fixture):
    report = grade_in_process("backprop", FIXTURES / f"{fixture}.py")
    assert report.all_passed, failures(report)


# --------------------------------------------------------------------------- dlpath's own solution


@pytest.mark.parametrize(
    "source",
    [
        "from dlpath.exercises.sigmoid import sigmoid, sigmoid_prime\n",
        "from dlpath.exercises import sigmoid\n",
        "import dlpath.exercises.sigmoid.maths as m\n",
        "import importlib\nm = importlib.import_module('dlpath.exercises.sigmoid.maths')\n",
        "path = 'dlpath/exercises/sigmoid/maths.py'\n",
    ],
)
def test_a_file_using_the_reference_is_reported_and_never_recorded(tmp_path, source):
    path = tmp_path / "sigmoid.py"
    path.write_text(source)
    assert reference_use(path, "dlpath.exercises.sigmoid")
    report = grade_in_process("sigmoid", path)
    assert not report.all_passed and report.uses_reference
    assert "uses dlpath's own solution" in report.results[0].message
    assert all(not r.ran for r in report.results[1:])
    with pytest.raises(ValueError):
        record_pass(report)


def test_another_exercises_reference_is_allowed(tmp_path):
    # the backprop scaffold itself imports dlpath's sigmoid: that is not backprop's solution
    path = tmp_path / "backprop.py"
    path.write_text(scaffold_text("backprop"), encoding="utf-8")
    assert reference_use(path, "dlpath.exercises.backprop") == ""
    assert not grade_in_process("backprop", path).uses_reference


# --------------------------------------------------------------------------- the protocol


def test_values_cross_the_protocol_as_data():
    values = (
        np.arange(6, dtype=np.float32).reshape(2, 3),
        [np.float64(1.5), np.int64(3)],
        {"a": (1, None, True)},
        np.array([np.nan, np.inf, -0.0]),
        2**70,
        codec.QuadraticGradient(np.eye(2), np.array([1.0, 2.0])),
    )
    back = codec.roundtrip(values)
    assert back[0].dtype == np.float32 and np.array_equal(back[0], values[0])
    assert type(back[1][0]) is np.float64 and type(back[1][1]) is np.int64
    assert back[2] == {"a": (1, None, True)} and back[4] == 2**70
    assert np.isnan(back[3][0]) and np.isinf(back[3][1]) and np.signbit(back[3][2])
    assert np.array_equal(back[5](np.array([0.0, 0.0])), [-1.0, -2.0])


def test_what_the_protocol_does_not_carry_arrives_as_a_description():
    back = codec.roundtrip([lambda x: x, object(), np.array(["a"])])
    assert all(isinstance(v, codec.Opaque) for v in back)
    assert checking.describe(back[0]) == "a function"


@pytest.mark.parametrize(
    "data",
    [
        b"not a frame",
        b"0000000x{}",
        b"00000003[1]",
        b'0000002a{"__array__": "AAAA", "dtype": "|O", "shape": [1]}',
    ],
)
def test_malformed_messages_are_refused(data):
    with pytest.raises(codec.ProtocolError):
        length = codec.body_length(data[: codec.HEADER])
        message = codec.parse(data[codec.HEADER : codec.HEADER + length])
        codec.decode(message)


def test_the_local_learner_describes_what_the_learners_code_raised(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text("import sys\n\ndef f(x):\n    raise ValueError('bad shape')\n\ndef g():\n    sys.exit(2)\n")
    module, problem = load_learner(path)
    assert module is not None and problem == ""
    learner = LocalLearner(importlib.import_module("dlpath.exercises.sigmoid.maths"))
    assert learner.load(path, ("f", "g")) == ""
    raised = learner.call("f", (1,)).raised
    assert raised.kind == "error" and "ValueError: bad shape (line 4" in raised.summary
    assert learner.call("g", ()).raised.kind == "exit"
    assert learner.call("h", ()).raised.kind == "missing"


def test_a_reply_nested_too_deeply_is_refused_not_a_crash():
    deep = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(codec.ProtocolError):
        codec.parse(b'{"value": ' + deep + b"}")
    nested: list = []
    for _ in range(100_000):
        nested = [nested]
    with pytest.raises(codec.ProtocolError):
        codec.decode(nested)
