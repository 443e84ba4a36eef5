"""The exercises' Rich renderings, printed as plain text: what each one shows and where."""

from __future__ import annotations

import io
import re

import numpy as np
from rich.console import Console

from dlpath.exercises import EXERCISES, views
from dlpath.exercises import backprop as bp
from dlpath.exercises import gradient_descent as gd
from dlpath.exercises.backprop import views as backprop_views
from dlpath.exercises.backprop import walkthrough as wt
from dlpath.exercises.gradient_descent import views as descent_views
from dlpath.exercises.sigmoid import views as sigmoid_views

PLAIN = Console(file=io.StringIO(), color_system=None)


def render(renderable, width: int = 100, crop: bool = True) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(renderable, crop=crop)
    return console.file.getvalue()


def test_exercise_table_without_a_catalogue_shows_the_reading_ids():
    text = render(views.exercise_table(EXERCISES.values(), None), width=200)
    for exercise in EXERCISES.values():
        assert exercise.name in text
        assert all(resource_id in text for resource_id in exercise.resource_ids)


def test_sigmoid_table_shows_the_value_and_slope_at_zero():
    text = render(sigmoid_views.sigmoid_table((0.0, 1000.0)))
    assert re.search(r"│\s+0 │\s+0\.5 │\s+0\.25 │\s+100\.00% │\s+0\.5 │", text)
    assert re.search(r"│\s+1000 │\s+1 │\s+0 │\s+0\.00% │\s+1 │", text)


def test_sigmoid_plot_marks_where_the_slope_vanishes():
    text = render(sigmoid_views.sigmoid_plot(8.0, 6.0))
    assert "░" in text and "σ' below 1% of its peak (|z| > 6.0)" in text
    assert "░" not in render(sigmoid_views.sigmoid_plot(5.0, 6.0))  # nothing beyond the threshold to mark


def test_path_table_of_a_diverged_run_ends_at_the_overflow_without_nan_or_inf():
    quadratic = gd.FUNCTIONS["quadratic"]
    path = gd.minimise(quadratic.grad, -3.0, 300, 200)
    values = gd.losses(quadratic.f, path)
    last = int(np.flatnonzero(np.isfinite(values))[-1])
    table = render(descent_views.path_table(quadratic, path, values))
    rows = [line for line in table.splitlines() if line.startswith("│")]
    assert re.match(r"│\s+0 │\s+-3 │\s+25 │\s+10 │", rows[0])  # f(−3) = 25, |f'(−3)| = 10
    assert re.match(rf"│\s+{last} │", rows[-2])
    assert re.match(rf"│\s+{last + 1} │\s+overflow │\s+overflow │", rows[-1])
    assert not re.search(r"\b(nan|inf)\b", "\n".join(rows), re.IGNORECASE)


def test_path_table_of_a_long_run_shows_the_first_eight_and_the_last_three_steps():
    bowl = gd.FUNCTIONS["bowl"]
    path = gd.minimise(bowl.grad, bowl.start, bowl.lr, 40)
    rows = [line for line in render(descent_views.path_table(bowl, path, gd.losses(bowl.f, path))).splitlines()]
    steps = [line.split("│")[1].strip() for line in rows if line.startswith("│")]
    assert steps == ["0", "1", "2", "3", "4", "5", "6", "7", "…", "38", "39", "40"]


def test_descent_drawing_in_one_dimension_plots_the_start_and_says_when_it_ran_away():
    quadratic = gd.FUNCTIONS["quadratic"]
    path = gd.minimise(quadratic.grad, -3.0, 1.5, 30)
    values = gd.losses(quadratic.f, path)
    divergence = gd.find_divergence(quadratic, path, 1.5)
    assert divergence is not None
    text = render(descent_views.descent_drawing(quadratic, path, values, divergence))
    assert "f after each step (log scale):" in text
    assert "The function and the points visited until it ran away" in text and "S" in text


def test_descent_drawing_in_two_dimensions_marks_start_end_and_minimum():
    bowl = gd.FUNCTIONS["bowl"]
    path = gd.minimise(bowl.grad, bowl.start, bowl.lr, 3)  # stops short of the minimum: S, E and * apart
    text = render(descent_views.descent_drawing(bowl, path, gd.losses(bowl.f, path), None))
    assert "The path over f (S the start, • each step, E the end, * the minimum" in text
    landscape = text.split("lighter is higher):")[1]
    assert all(mark in landscape for mark in "SE*")


def test_predictions_table_flags_only_the_outputs_on_the_wrong_side():
    X, Y = bp.xor_data()
    text = render(backprop_views.predictions_table(X, Y, np.array([[0.1], [0.9], [0.4], [0.2]])))
    assert text.count("✓") == 3 and text.count("✗ wrong side of 0.5") == 1
    assert re.search(r"│\s+1 │\s+0 │\s+1 │\s+0\.4000 │ ✗ wrong side of 0\.5 │", text)


def test_decision_map_marks_each_xor_point_with_its_target_where_it_lies():
    X, Y = bp.xor_data()
    text = render(backprop_views.decision_map(PLAIN, lambda points: np.zeros((len(points), 1)), X, Y))
    map_lines = text.split("x2 up)\n")[1].split("\n      -0.25")[0].splitlines()
    marked = [line[6:] for line in map_lines if re.search(r"[01]", line[6:])]  # the row labels take 6 columns
    assert len(marked) == 2
    top, bottom = marked  # x2 = 1 above x2 = 0; x1 = 0 left of x1 = 1; each digit the XOR of the two
    assert top.split() == ["1", "0"] and bottom.split() == ["0", "1"]
    assert top.index("1") == bottom.index("0") < top.index("0") == bottom.index("1")
    assert "The digits mark the four XOR points" in text


def test_walkthrough_keeps_every_quantity_on_one_line_even_when_narrow():
    sections = wt.walkthrough(wt.mazur_example())
    lines = render(backprop_views.walkthrough(sections), width=40, crop=False).splitlines()
    assert lines[:2] == ["", "Forward pass, layer 1 (hidden)"]
    for line in (line for section in sections for line in section.lines):
        assert "  " + wt.render_line(line) in lines
    assert max(map(len, lines)) > 40
