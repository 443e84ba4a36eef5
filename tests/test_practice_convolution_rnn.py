"""Practice for the convolution and RNN exercises: dlpath's own code passes, the scaffold does not, and each
classic mistake fails the check it should with a message that names it (graded in-process for speed; one
sandboxed run each shows the checks also work across the sandbox's process boundary)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from dlpath.practice.grading import grade, grade_in_process
from dlpath.practice.scaffold import scaffold_text
from dlpath.practice.specs import find_spec

FIXTURES = Path(__file__).parent / "fixtures" / "practice"


def results(report):
    return {r.name: r for r in report.results}


@pytest.mark.parametrize("exercise", ["convolution", "rnn"])
def test_the_reference_passes_and_the_scaffold_does_not(tmp_path: Path, exercise: str):
    reference = tmp_path / "reference.py"
    reference.write_text(Path(importlib.import_module(find_spec(exercise).module).__file__).read_text("utf-8"))
    report = grade_in_process(exercise, reference)
    assert report.all_passed, [(r.name, r.message) for r in report.results if not r.passed]
    scaffold = tmp_path / "scaffold.py"
    scaffold.write_text(scaffold_text(exercise), encoding="utf-8")
    report = grade_in_process(exercise, scaffold)
    loads, *rest = report.results
    assert loads.passed and rest and not any(r.passed for r in rest)
    assert all("not implemented yet" in r.message for r in rest)


@pytest.mark.parametrize(
    ("exercise", "fixture"), [("convolution", "convolution_correct_loops.py"), ("rnn", "rnn_correct.py")]
)
def test_a_learners_correct_code_passes_in_the_sandbox(exercise: str, fixture: str):
    report = grade(exercise, FIXTURES / fixture, time_limit=60.0)
    assert report.all_passed, [(r.name, r.message) for r in report.results if not r.passed]


def test_a_flipped_kernel_is_accepted_when_consistent_and_named():
    report = grade_in_process("convolution", FIXTURES / "convolution_flipped_consistent.py")
    assert report.all_passed
    assert "you flip the filter (a true convolution)" in results(report)["conv_forward: values"].message
    assert results(grade_in_process("convolution", FIXTURES / "convolution_correct_loops.py"))[
        "conv_forward: values"
    ].message == ""  # cross-correlation, what libraries do: nothing to remark


@pytest.mark.parametrize(
    ("exercise", "fixture", "check", "fragments", "still_passing"),
    [
        (
            "convolution",
            "convolution_missing_plus_one.py",
            "conv_forward: output size (stride and padding)",
            ["the + 1 is missing"],
            "maxpool_forward: values",
        ),
        (
            "convolution",
            "convolution_padding_ignored.py",
            "conv_forward: output size (stride and padding)",
            ["the padding is left out"],
            "maxpool_backward: gradient to each window's maximum",
        ),
        (
            "convolution",
            "convolution_flipped_backward.py",
            "conv_backward: gradients",
            ["dw is flipped", "cross-correlation"],
            "conv_forward: values",
        ),
        (
            "convolution",
            "convolution_pool_gradient_everywhere.py",
            "maxpool_backward: gradient to each window's maximum",
            ["only the largest entry"],
            "conv_backward: gradients",
        ),
        (
            "rnn",
            "rnn_not_accumulated.py",
            "rnn_backward: BPTT gradients",
            ["not accumulated across time steps", "+="],
            "rnn_forward: loss, from the carried-in state",
        ),
        (
            "rnn",
            "rnn_state_not_carried.py",
            "rnn_forward: loss, from the carried-in state",
            ["not carried between windows", "h_prev"],
            "rnn_step_forward: one step",
        ),
        (
            "rnn",
            "rnn_clip_too_early.py",
            "loss_fun: clipping after BPTT, state carried out",
            ["clipped before the gradients were complete"],
            "rnn_backward: BPTT gradients",
        ),
    ],
)
def test_typical_mistake_fails_with_a_message_that_names_it(exercise, fixture, check, fragments, still_passing):
    report = grade_in_process(exercise, FIXTURES / fixture)
    found = results(report)
    assert not report.all_passed and not found[check].passed
    for fragment in fragments:
        assert fragment in found[check].message, found[check].message
    assert found[still_passing].passed, found[still_passing].message  # the finding is specific
