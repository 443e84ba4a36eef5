"""Grading in the sandbox: the reference passes, every fault is a failed check, every forgery fails or is
flagged, and nothing is left running.

Every learner file is graded once, all at the same time (one process each), by the module fixture
``reports``; the tests then read the reports. Runs that are expected to finish get a generous time
limit (so a busy machine cannot make them flaky); the two that never finish get 2 seconds. What the
checks find in a learner's code is tested in-process, in ``test_practice_checks.py``.
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
from dlpath.practice.grading import grade, grade_in_process
from dlpath.practice.results import CheckResult, GradingReport
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
    "backprop_correct_keywords": ("backprop", "backprop_correct_keywords.py", LONG),
    "chatty_correct": ("sigmoid", "chatty_correct.py", LONG),
    "sigmoid_missing_factor": ("sigmoid", "sigmoid_missing_factor.py", LONG),
    "bp_swapped_shapes": ("backprop", "backprop_swapped_shapes.py", LONG),
    "bp_update_before_deltas": ("backprop", "backprop_update_before_deltas.py", LONG),
    "bp_negated_gradient": ("backprop", "backprop_negated_gradient.py", LONG),
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
    "huge_return": ("sigmoid", "fault_huge_return.py", LONG),
    "syntax_error": ("sigmoid", "fault_syntax_error.py", LONG),
    "forge_fake_results": ("sigmoid", "forge_fake_results.py", LONG),
    "forge_patch_the_checker": ("sigmoid", "forge_patch_the_checker.py", LONG),
    "forge_progress_store": ("sigmoid", "forge_progress_store.py", LONG),
    "forge_raise_limits": ("sigmoid", "forge_raise_limits.py", LONG),
    "forge_outlive_the_run": ("sigmoid", "forge_outlive_the_run.py", LONG),
    "forge_import_reference": ("sigmoid", "forge_import_reference.py", LONG),
    "forge_read_reference": ("sigmoid", "forge_read_reference.py", LONG),
}


def grade_all(folder: Path) -> dict[str, GradingReport]:
    """Every learner file of these tests graded once, concurrently."""
    jobs: dict[str, tuple[str, Path, float]] = {}
    for exercise in EXERCISES:
        path = folder / f"reference_{find_spec(exercise).filename}"
        path.write_text(reference_source(exercise), encoding="utf-8")
        jobs[f"reference:{exercise}"] = (exercise, path, LONG)
    binary = folder / "binary.py"
    binary.write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)) * 8)
    jobs["binary"] = ("sigmoid", binary, LONG)
    for key, (exercise, name, limit) in FIXTURE_RUNS.items():
        jobs[key] = (exercise, FIXTURES / name, limit)
    # where two forgeries report what they did (the sandbox passes these variables on; not DLPATH_* ones)
    os.environ["PRACTICE_TEST_OUT"] = str(folder / "forge-environment.txt")
    os.environ["PRACTICE_TEST_PIDS"] = str(folder / "forge-pids.txt")
    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            futures = {key: pool.submit(grade, ex, path, time_limit=limit) for key, (ex, path, limit) in jobs.items()}
            return {key: future.result() for key, future in futures.items()}
    finally:
        del os.environ["PRACTICE_TEST_OUT"], os.environ["PRACTICE_TEST_PIDS"]


@pytest.fixture(scope="module")
def learner_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where ``grade_all`` writes its files: one folder per test run, shared by pytest-xdist's workers."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the same for every worker of this run
    folder = shared / "practice-learner-files"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def reports(learner_folder: Path) -> dict[str, GradingReport]:
    """The reports of ``grade_all``, made once per test run even under pytest-xdist: the first worker to
    get here grades, under a file lock, and the others read its pickled reports."""
    cache = learner_folder / "reports.pickle"
    with open(learner_folder / "reports.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not cache.exists():
            cache.write_bytes(pickle.dumps(grade_all(learner_folder)))
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


@pytest.mark.parametrize("key", ["backprop_correct", "backprop_correct_keywords"])
def test_a_learners_own_correct_backprop_passes(reports, key):
    report = reports[key]  # the second calls train_step (dlpath's, in some checks) with a keyword argument
    assert report.all_passed, [(r.name, r.message) for r in report.results if not r.passed]


def test_printing_is_allowed_and_shown(reports):
    report = reports["chatty_correct"]
    assert report.all_passed
    assert report.output.startswith("loading my sigmoid")
    assert "sigmoid called with shape" in report.output


# --------------------------------------------------------------------------- the same findings as in-process


@pytest.mark.parametrize(
    "key", ["sigmoid_missing_factor", "bp_swapped_shapes", "bp_update_before_deltas", "bp_negated_gradient"]
)
def test_the_sandbox_finds_what_the_checks_find_in_process(reports, key):
    exercise, name, _ = FIXTURE_RUNS[key]
    sandboxed = reports[key]
    in_process = grade_in_process(exercise, FIXTURES / name)
    assert sandboxed.results == in_process.results
    assert sandboxed.stopped == "" and not sandboxed.all_passed


def test_failures_name_the_first_differing_value_and_its_index(reports):
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
    assert report.passed_count == 5  # file loads + the four sigmoid checks
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


def test_a_return_value_too_large_to_send_is_a_failed_check_not_a_grader_failure(reports):
    result = by_name(reports["huge_return"])["sigmoid: shape and type"]
    assert not result.passed and "too large to check" in result.message
    assert reports["huge_return"].stopped == ""


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


# --------------------------------------------------------------------------- forgeries


def _processes_with(marker: str) -> list[int]:
    """Live processes whose command line holds ``marker``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if marker.encode() in Path(f"/proc/{entry}/cmdline").read_bytes() and _alive(int(entry)):
                found.append(int(entry))
        except OSError:
            continue
    return found


def test_fake_results_on_every_inherited_descriptor_fail(reports):
    report = reports["forge_fake_results"]
    assert not report.all_passed and report.passed_count == 0
    assert report.results[0].message.startswith("the grader received"), report.results[0].message


def test_patching_the_checker_in_its_own_process_changes_nothing(reports):
    report = reports["forge_patch_the_checker"]
    assert not report.all_passed
    assert not by_name(report)["sigmoid: values on random inputs"].passed


def test_writing_to_the_progress_store_reaches_only_a_temporary_home(reports, learner_folder):
    report = reports["forge_progress_store"]
    assert not report.all_passed
    home, dlpath_home = (learner_folder / "forge-environment.txt").read_text().splitlines()
    assert dlpath_home == "None"  # no DLPATH_HOME in the sandbox
    assert home != os.path.expanduser("~") and "dlpath-sandbox-home-" in home
    assert not Path(home).exists()  # removed after the run


@pytest.mark.skipif(not sandbox.memory_limit_supported(), reason="RLIMIT_AS is not enforced on this platform")
def test_raising_its_own_limits_does_not_work(reports):
    result = by_name(reports["forge_raise_limits"])["sigmoid: shape and type"]
    assert not result.passed and "ran out of memory" in result.message


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_daemon_started_by_the_learners_code_does_not_outlive_the_run(reports):
    report = reports["forge_outlive_the_run"]
    assert report.all_passed  # its functions are right: only what it left behind is the test
    assert not _processes_with("dlpath-forge-outlive-marker")


@pytest.mark.parametrize("key", ["forge_import_reference", "forge_read_reference"])
def test_loading_dlpaths_own_solution_at_run_time_is_flagged(reports, key):
    report = reports[key]
    assert not report.all_passed and report.uses_reference
    assert "uses dlpath's own solution" in report.results[0].message
    assert all(not r.ran for r in report.results[1:])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_the_sandbox_dies_with_the_grader():
    import shutil
    import subprocess

    script = (
        "import time\nfrom pathlib import Path\nfrom dlpath.practice.process import spawn\n"
        "s = spawn('dlpath.exercises.sigmoid', Path('.'), time_limit=30, memory_limit=None)\n"
        "print(s.proc.pid, s.home, flush=True)\ntime.sleep(60)\n"
    )
    grader = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    home = ""
    try:
        pid, home = grader.stdout.readline().split()
        grader.kill()  # SIGKILL: the grader cannot clean up after itself
        grader.wait()
        for _ in range(1000):
            if not _alive(int(pid)):
                break
            time.sleep(0.01)
        assert not _alive(int(pid))
    finally:
        grader.kill()
        grader.wait()
        if home:
            shutil.rmtree(home, ignore_errors=True)
