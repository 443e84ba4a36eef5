"""Grading in the sandbox: the reference passes, typical mistakes fail helpfully, every fault is a failed check.

Every learner file is graded once, all at the same time (one process each), by the module fixture
``reports``; the tests then read the reports. Runs that are expected to finish get a generous time
limit (so a busy machine cannot make them flaky); the two that never finish get 2 seconds.
"""

from __future__ import annotations

import fcntl
import importlib
import os
import pickle
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dlpath.practice import checking, sandbox
from dlpath.practice.grading import grade
from dlpath.practice.results import CheckResult, GradingReport
from dlpath.practice.scaffold import scaffold_text
from dlpath.practice.specs import find_spec

FIXTURES = Path(__file__).parent / "fixtures" / "practice"
SHORT = 2.0  # for the files that never finish
LONG = 60.0  # for everything else: only a hang would reach it

EXERCISES = ("sigmoid", "gradient-descent", "backprop")


def reference_source(exercise: str) -> str:
    """dlpath's own solution as a learner would have to write it: the reference module's source, copied."""
    return Path(importlib.import_module(find_spec(exercise).module).__file__).read_text(encoding="utf-8")

# key: (exercise, fixture file, time limit)
FIXTURE_RUNS = {
    "backprop_correct": ("backprop", "backprop_correct.py", LONG),
    "chatty_correct": ("sigmoid", "chatty_correct.py", LONG),
    "sigmoid_unstable": ("sigmoid", "sigmoid_unstable.py", LONG),
    "sigmoid_missing_factor": ("sigmoid", "sigmoid_missing_factor.py", LONG),
    "gd_sign_error": ("gradient-descent", "gradient_descent_sign_error.py", LONG),
    "gd_no_guard": ("gradient-descent", "gradient_descent_no_divergence_guard.py", LONG),
    "bp_sign_error": ("backprop", "backprop_sign_error.py", LONG),
    "bp_missing_derivative": ("backprop", "backprop_missing_derivative.py", LONG),
    "bp_swapped_shapes": ("backprop", "backprop_swapped_shapes.py", LONG),
    "bp_no_bias_gradient": ("backprop", "backprop_no_bias_gradient.py", LONG),
    "bp_update_before_deltas": ("backprop", "backprop_update_before_deltas.py", LONG),
    "infinite_loop": ("sigmoid", "fault_infinite_loop.py", SHORT),
    "hang_at_import": ("sigmoid", "fault_hang_at_import.py", SHORT),
    "segfault": ("sigmoid", "fault_segfault.py", LONG),
    "abort": ("sigmoid", "fault_abort.py", LONG),
    "os_exit_midway": ("sigmoid", "fault_os_exit_midway.py", LONG),
    "exit_at_import": ("sigmoid", "fault_exit_at_import.py", LONG),
    "exit_in_function": ("sigmoid", "fault_exit_in_function.py", LONG),
    "raise_at_import": ("sigmoid", "fault_raise_at_import.py", LONG),
    "wrong_type": ("sigmoid", "fault_wrong_type.py", LONG),
    "huge_output": ("sigmoid", "fault_huge_output.py", LONG),
    "syntax_error": ("sigmoid", "fault_syntax_error.py", LONG),
}


def grade_all(folder: Path) -> dict[str, GradingReport]:
    """Every learner file of these tests graded once, concurrently."""
    jobs: dict[str, tuple[str, Path, float]] = {}
    for exercise in EXERCISES:
        path = folder / f"reference_{find_spec(exercise).filename}"
        path.write_text(reference_source(exercise), encoding="utf-8")
        jobs[f"reference:{exercise}"] = (exercise, path, LONG)
        scaffold = folder / f"scaffold_{find_spec(exercise).filename}"
        scaffold.write_text(scaffold_text(exercise), encoding="utf-8")
        jobs[f"scaffold:{exercise}"] = (exercise, scaffold, LONG)
    binary = folder / "binary.py"
    binary.write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)) * 8)
    jobs["binary"] = ("sigmoid", binary, LONG)
    for key, (exercise, name, limit) in FIXTURE_RUNS.items():
        jobs[key] = (exercise, FIXTURES / name, limit)
    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = {key: pool.submit(grade, ex, path, time_limit=limit) for key, (ex, path, limit) in jobs.items()}
        return {key: future.result() for key, future in futures.items()}


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, GradingReport]:
    """The reports of ``grade_all``, made once per test run even under pytest-xdist: the first worker to
    get here grades, under a file lock, and the others read its pickled reports."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return grade_all(tmp_path_factory.mktemp("learner-files"))
    shared = tmp_path_factory.getbasetemp().parent  # the same for every worker of this run
    cache = shared / "practice-grading-reports.pickle"
    with open(shared / "practice-grading-reports.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not cache.exists():
            folder = shared / "practice-learner-files"
            folder.mkdir(exist_ok=True)
            cache.write_bytes(pickle.dumps(grade_all(folder)))
        return pickle.loads(cache.read_bytes())


def by_name(report: GradingReport) -> dict[str, CheckResult]:
    return {r.name: r for r in report.results}


def failed(report: GradingReport) -> list[str]:
    return [r.name for r in report.results if not r.passed]


def test_every_report_lists_every_planned_check_in_order(reports):
    for key, report in reports.items():
        assert [r.name for r in report.results] == list(checking.plan(find_spec(report.exercise).checks)), key
        assert report.planned == len(report.results)


@pytest.mark.parametrize("exercise", EXERCISES)
def test_reference_implementation_passes_every_check(reports, exercise):
    report = reports[f"reference:{exercise}"]
    assert report.all_passed, [(r.name, r.message) for r in report.results if not r.passed]
    assert all(r.passed and r.ran for r in report.results)
    assert report.stopped == ""


def test_a_learners_own_correct_backprop_passes(reports):
    report = reports["backprop_correct"]
    assert report.all_passed, [(r.name, r.message) for r in report.results if not r.passed]


def test_printing_is_allowed_and_shown(reports):
    report = reports["chatty_correct"]
    assert report.all_passed
    assert report.output.startswith("loading my sigmoid")
    assert "sigmoid called with shape" in report.output


@pytest.mark.parametrize("exercise", EXERCISES)
def test_the_scaffold_itself_fails_with_not_implemented_yet(reports, exercise):
    report = reports[f"scaffold:{exercise}"]
    assert not report.all_passed
    loads, *rest = report.results
    assert loads.passed  # the scaffold is valid Python defining every function
    assert rest and all(r.ran and not r.passed for r in rest)
    assert all("not implemented yet" in r.message for r in rest), [r.message for r in rest]


# --------------------------------------------------------------------------- typical mistakes


@pytest.mark.parametrize(
    ("key", "check", "fragments", "still_passing"),
    [
        ("sigmoid_unstable", "sigmoid: extreme inputs", ["warn", "exp"], "sigmoid: values on random inputs"),
        (
            "sigmoid_missing_factor",
            "sigmoid_prime: values on random inputs",
            ["sigmoid(z) * (1 - sigmoid(z))"],
            "sigmoid: extreme inputs",
        ),
        (
            "gd_sign_error",
            "minimise: values on a random bowl",
            ["climbs", "against the gradient"],
            "minimise: path shape",
        ),
        ("gd_no_guard", "minimise: divergent rate", ["warn", "np.isfinite"], "minimise: momentum"),
        ("bp_sign_error", "train_step: simultaneous update", ["uphill"], "backward: matches finite differences"),
        (
            "bp_missing_derivative",
            "backward: matches finite differences",
            ["missing the sigmoid's derivative"],
            "forward: activations",
        ),
        ("bp_swapped_shapes", "init_params: shapes", ["(n_in, n_out)"], "loss: half the sum of squared errors"),
        (
            "bp_no_bias_gradient",
            "backward: matches finite differences",
            ["db", "all zero", "summed over"],
            "backward: shapes",
        ),
        (
            "bp_update_before_deltas",
            "train_step: simultaneous update",
            ["before the deltas"],
            "backward: matches finite differences",
        ),
    ],
)
def test_typical_mistake_fails_with_a_helpful_message(reports, key, check, fragments, still_passing):
    report = reports[key]
    assert not report.all_passed
    results = by_name(report)
    assert not results[check].passed and results[check].ran
    for fragment in fragments:
        assert fragment in results[check].message, results[check].message
    assert results[still_passing].passed, results[still_passing].message  # the finding is specific
    assert report.stopped == ""  # a wrong answer is not a crash: every check ran
    assert all(r.ran for r in report.results)


def test_array_failures_name_the_first_differing_value_and_its_index(reports):
    result = by_name(reports["sigmoid_missing_factor"])["sigmoid_prime: values on random inputs"]
    assert result.index == (0,)
    assert result.expected_value is not None and result.got_value is not None
    assert result.expected_value != pytest.approx(result.got_value)
    assert result.expected.startswith("[") and result.got.startswith("[")


def test_swapped_weights_show_expected_and_actual_shapes(reports):
    result = by_name(reports["bp_swapped_shapes"])["init_params: shapes"]
    assert (result.expected, result.got) == ("shape (2, 3)", "shape (3, 2)")
    forward = by_name(reports["bp_swapped_shapes"])["forward: activations"]
    assert "ValueError" in forward.message and "W has shape (n_in, n_out)" in forward.message


def test_sign_error_in_backprop_also_fails_to_lower_the_loss_and_to_solve_xor(reports):
    results = by_name(reports["bp_sign_error"])
    assert not results["train_step: lowers the loss"].passed
    assert not results["train: solves XOR"].passed
    assert "0 1 1 0" in results["train: solves XOR"].expected


# --------------------------------------------------------------------------- faults


def assert_stopped_at(report: GradingReport, check: str, fragment: str) -> None:
    """``check`` failed with ``fragment``; every check after it is reported as not run; never all passed."""
    assert not report.all_passed
    names = [r.name for r in report.results]
    at = names.index(check)
    stopped = report.results[at]
    assert not stopped.passed and fragment in stopped.message, stopped.message
    for later in report.results[at + 1 :]:
        assert not later.passed and not later.ran
        assert later.message.startswith("not run")
    assert report.not_run_count == len(names) - at - 1


def test_infinite_loop_is_stopped_at_the_time_limit(reports):
    assert_stopped_at(reports["infinite_loop"], "sigmoid: shape and type", "time limit of 2 s")


def test_hang_while_loading_is_stopped_at_the_time_limit(reports):
    assert_stopped_at(reports["hang_at_import"], checking.LOADS, "time limit of 2 s")


def test_segfault_is_a_failed_check(reports):
    assert_stopped_at(reports["segfault"], "sigmoid: shape and type", "SIGSEGV")


def test_abort_is_a_failed_check(reports):
    assert_stopped_at(reports["abort"], "sigmoid: shape and type", "SIGABRT")


def test_os_exit_midway_never_counts_as_all_passed(reports):
    report = reports["os_exit_midway"]
    assert_stopped_at(report, "sigmoid_prime: shape and type", "os._exit()")
    results = by_name(report)
    assert results["sigmoid: extreme inputs"].passed  # the checks before it did run and pass
    assert report.passed_count == 4  # file loads + the three sigmoid checks
    assert report.stopped


def test_sys_exit_at_import_is_a_failed_load(reports):
    report = reports["exit_at_import"]
    assert_stopped_at(report, checking.LOADS, "sys.exit(3)")
    assert "__main__" in report.results[0].message
    assert all(r.message == "not run: the file did not load" for r in report.results[1:])


def test_sys_exit_inside_a_function_fails_only_its_checks(reports):
    results = by_name(reports["exit_in_function"])
    assert results["sigmoid: values on random inputs"].passed
    prime = results["sigmoid_prime: shape and type"]
    assert not prime.passed and prime.ran and "sys.exit('done')" in prime.message
    assert reports["exit_in_function"].not_run_count == 0


def test_exception_at_import_names_the_error_and_the_line(reports):
    loads = reports["raise_at_import"].results[0]
    assert not loads.passed and "ValueError" in loads.message and "line 4" in loads.message


def test_wrong_return_types_are_described(reports):
    results = by_name(reports["wrong_type"])
    assert results["sigmoid: shape and type"].got == "a list of 7"
    assert results["sigmoid_prime: shape and type"].got.startswith("None")


def test_huge_output_is_capped_and_stopped(reports):
    report = reports["huge_output"]
    assert_stopped_at(report, "sigmoid: shape and type", "printed more than")
    assert report.output_bytes > sandbox.OUTPUT_LIMIT
    assert len(report.output) <= sandbox.OUTPUT_KEPT
    assert report.output.startswith("debugging")


def test_syntax_error_is_a_failed_load_naming_the_line(reports):
    loads = reports["syntax_error"].results[0]
    assert not loads.passed and "not valid Python at line 4" in loads.message


def test_binary_file_is_a_failed_load(reports):
    loads = reports["binary"].results[0]
    assert not loads.passed and "binary data" in loads.message


def test_missing_file_is_a_failed_load_without_starting_anything(tmp_path):
    report = grade("sigmoid", tmp_path / "nothing-here.py", time_limit=SHORT)
    assert not report.all_passed
    assert "there is no file" in report.results[0].message and "--practice" in report.results[0].message
    assert report.not_run_count == report.planned - 1


@pytest.mark.skipif(not sandbox.memory_limit_supported(), reason="RLIMIT_AS is not enforced on this platform")
def test_memory_limit_turns_a_huge_allocation_into_a_failed_check():
    report = grade("sigmoid", FIXTURES / "fault_memory_hog.py", time_limit=LONG, memory_limit=300)
    result = by_name(report)["sigmoid: shape and type"]
    assert not result.passed and "ran out of memory" in result.message


# --------------------------------------------------------------------------- the report itself


def test_a_report_missing_a_planned_check_is_not_all_passed():
    ok = CheckResult("a", passed=True)
    assert GradingReport("sigmoid", Path("x.py"), (ok, ok), planned=2).all_passed
    assert not GradingReport("sigmoid", Path("x.py"), (ok,), planned=2).all_passed
    assert not GradingReport("sigmoid", Path("x.py"), (ok, ok), planned=2, stopped="crashed").all_passed
    assert not GradingReport("sigmoid", Path("x.py"), (), planned=0).all_passed


def test_a_result_that_did_not_run_never_counts_as_passed():
    not_run = CheckResult("a", passed=False, ran=False)
    assert not GradingReport("sigmoid", Path("x.py"), (CheckResult("b", True), not_run), planned=2).all_passed


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return False
    return stat[stat.rfind(b")") + 2 :].split()[0] != b"Z"  # a zombie is dead, just not yet reaped


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_processes_the_learners_code_leaves_behind_are_ended(tmp_path, monkeypatch):
    pid_file = tmp_path / "pids"
    monkeypatch.setenv("PRACTICE_TEST_PID_FILE", str(pid_file))
    report = grade("sigmoid", FIXTURES / "fault_leaves_processes_behind.py", time_limit=LONG)
    assert report.all_passed  # finished as soon as the checks did, not at the time limit
    pids = [int(p) for p in pid_file.read_text().split()]
    for _ in range(200):  # SIGKILL is delivered asynchronously
        if not any(_alive(pid) for pid in pids):
            break
        time.sleep(0.01)
    assert not [pid for pid in pids if _alive(pid)]
