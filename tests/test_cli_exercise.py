"""``dlpath exercise ...``: output and exit codes through the real Typer app."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from dlpath.cli import app
from dlpath.exercises import ExerciseError
from dlpath.exercises import backprop as bp
from dlpath.exercises.backprop.walkthrough import mazur_example

runner = CliRunner()
NAN_OR_INF = re.compile(r"\b(nan|inf|-inf)\b", re.IGNORECASE)


def run(*args: str):
    return runner.invoke(app, ["exercise", *args])


# ------------------------------------------------------------------------------------------ the list


def test_list_shows_every_exercise_with_its_step_and_reading_titles():
    result = run()
    assert result.exit_code == 0, result.output
    for name in ("sigmoid", "gradient-descent", "backprop"):
        assert name in result.stdout
    # titles come from the bundled catalogue when the ids resolve
    assert "A Step by Step Backpropagation Example" in result.stdout
    assert "Sigmoid function" in result.stdout
    assert "dlpath exercise NAME" in result.stdout


def test_list_still_works_without_a_usable_catalogue(tmp_path: Path):
    result = runner.invoke(app, ["--catalog", str(tmp_path / "missing.yaml"), "exercise"])
    assert result.exit_code == 0, result.output
    assert "mazur-backpropagation-example" in result.stdout  # the id, as no title can be looked up


def test_list_shows_ids_the_catalogue_does_not_have(tmp_path: Path):
    catalogue = tmp_path / "steps.yaml"
    catalogue.write_text(
        "version: 1\ntitle: Tiny\nsource: {title: T, author: A, url: 'https://example.org/'}\n"
        "steps:\n  - id: one\n    title: One\n    summary: S\n    resources:\n"
        "      - {id: wikipedia-sigmoid-function, title: My Sigmoid Page, authors: [A],"
        " url: 'https://example.org/s', kind: docs, minutes: 5, provenance: article}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["--catalog", str(catalogue), "exercise"])
    assert result.exit_code == 0, result.output
    assert "My Sigmoid Page" in result.stdout
    assert "toussaint-gradient-descent-notes" in result.stdout


# ------------------------------------------------------------------------------------------ sigmoid


def test_sigmoid_shows_a_table_a_plot_and_why_the_slope_matters():
    result = run("sigmoid")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert re.search(r"-1000 │\s+0 │\s+0 │", out)  # σ(−1000) = 0, σ'(−1000) = 0
    assert re.search(r"1000 │\s+1 │\s+0 │", out)
    assert "σ'(z)" in out and "vanishing gradient" in out and "6.0" in out
    numbers = out.split("Stable:")[0]  # the table and the plot; the prose below names inf and NaN on purpose
    assert not NAN_OR_INF.search(numbers)


def test_sigmoid_rejects_a_bad_range():
    result = run("sigmoid", "--range", "-2")
    assert result.exit_code == 2
    assert "error: --range must be a positive number" in result.stderr


# ------------------------------------------------------------------------------------------ gradient descent


def test_gradient_descent_on_the_bowl_converges():
    result = run("gradient-descent")
    assert result.exit_code == 0, result.output
    assert "x² + 5y²" in result.stdout
    assert "Converged" in result.stdout
    assert "S" in result.stdout and "E" in result.stdout


def test_gradient_descent_explains_divergence_instead_of_printing_inf_or_nan():
    result = run("gradient-descent", "--lr", "0.5")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "diverged" in out and "too large" in out and "2/L" in out
    assert "--lr 0.05" in out  # a concrete, safe suggestion
    assert not NAN_OR_INF.search(out)


def test_gradient_descent_overflow_shows_the_word_overflow():
    result = run("gradient-descent", "--function", "quadratic", "--lr", "300", "--steps", "200")
    assert result.exit_code == 0, result.output
    assert "overflow" in result.stdout
    assert not NAN_OR_INF.search(result.stdout)


def test_gradient_descent_one_dimensional_with_momentum_and_start():
    result = run("gradient-descent", "--function", "quadratic", "--start=-5", "--momentum", "0.5", "--steps", "60")
    assert result.exit_code == 0, result.output
    assert "start -5" in result.stdout and "momentum β = 0.5" in result.stdout
    assert "v ← β v − η ∇f(x)" in result.stdout


def test_gradient_descent_slow_valley_suggests_what_to_change():
    result = run("gradient-descent", "--function", "rosenbrock", "--steps", "200")
    assert result.exit_code == 0, result.output
    assert "Not there yet" in result.stdout and "--momentum 0.9" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lr", "-0.1"], "--lr must be a positive number"),
        (["--steps", "0"], "--steps must be between 1"),
        (["--momentum", "1"], "--momentum must be at least 0 and below 1"),
        (["--start", "1"], "--start needs 2 numbers"),
        (["--start", "a,b"], "--start must be numbers separated by commas"),
        (["--function", "quadratic", "--start", "1,2"], "--start needs 1 number"),
    ],
)
def test_gradient_descent_bad_values_are_one_line_errors(args, message):
    result = run("gradient-descent", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output


def test_gradient_descent_unknown_function_is_a_usage_error():
    result = run("gradient-descent", "--function", "banana")
    assert result.exit_code == 2


# ------------------------------------------------------------------------------------------ backprop


def test_backprop_trains_xor_and_shows_everything():
    result = run("backprop")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "2-4-1 network" in out and "Loss E" in out and "Predictions" in out
    assert "Decision boundary" in out and "Solved" in out
    assert out.count("✓") >= 4
    error = float(re.search(r"max relative error ([0-9.e+-]+)", out).group(1))
    assert error < 1e-5 and "they agree" in " ".join(out.split())


def test_backprop_predictions_are_the_apis():
    result = run("backprop", "--epochs", "300", "--seed", "4")
    assert result.exit_code == 0, result.output
    X, Y = bp.xor_data()
    params, _ = bp.train(bp.init_params((2, 4, 1), 4), X, Y, bp.DEFAULT_LR, 300)
    expected = bp.predict(params, X)[:, 0]
    rows = re.findall(r"│\s+([01]) │\s+([01]) │\s+([01]) │\s+([0-9.]+) │", result.stdout)
    assert len(rows) == 4
    np.testing.assert_allclose([float(r[3]) for r in rows], expected, atol=5e-5)


def test_backprop_same_seed_same_output():
    first = run("backprop", "--epochs", "200", "--seed", "3", "--layers", "2,3,1")
    second = run("backprop", "--epochs", "200", "--seed", "3", "--layers", "2,3,1")
    assert first.exit_code == second.exit_code == 0
    assert first.stdout == second.stdout
    third = run("backprop", "--epochs", "200", "--seed", "4", "--layers", "2,3,1")
    assert third.stdout != first.stdout


def test_backprop_says_plainly_when_it_is_stuck_in_a_local_minimum():
    result = run("backprop", "--layers", "2,2,1", "--seed", "1")
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "Stuck" in out and "local minimum" in out
    assert "--seed 2" in out and "--layers 2,4,1" in out


def test_backprop_too_few_epochs_says_to_train_longer():
    result = run("backprop", "--lr", "0.5", "--epochs", "20")
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "Not solved yet" in out and "--epochs 40" in out


def test_backprop_until_loss_stops_early():
    result = run("backprop", "--until-loss", "0.05")
    assert result.exit_code == 0, result.output
    match = re.search(r"over (\d+) epochs \(stopped at loss ≤ 0.05\)", result.stdout)
    assert match and int(match.group(1)) < bp.DEFAULT_EPOCHS


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--layers", "2,x"], "--layers must be whole numbers separated by commas"),
        (["--layers", "3,4,1"], "--layers must start with 2"),
        (["--layers", "2,4,2"], "end with 1"),
        (["--layers", "2,0,1"], "1 to"),
        (["--lr", "-1"], "--lr must be a positive number"),
        (["--epochs", "0"], "--epochs must be between 1"),
        (["--until-loss", "-1"], "--until-loss must be a positive number"),
        (["--weights", "no-such-file.json"], "weights file no-such-file.json: not found"),
        (["--walkthrough", "--seed", "3"], "--seed cannot be used with --walkthrough"),
    ],
)
def test_backprop_bad_values_are_one_line_errors(args, message):
    result = run("backprop", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON at line 1"),
        ('{"layers": []}', 'non-empty "layers"'),
        ('{"layers": [{"W": [[1, 2]]}, {"W": [[1]]}]}', "layers[1].W has 1 rows but the layer before has 2 units"),
        ('{"layers": [{"W": [[1], ["a"]]}], "inputs": [1, 2], "targets": [1]}', "layers[0].W[1][0] must be a finite"),
        ('{"layers": [{"W": [[1], [2]]}], "inputs": [1], "targets": [1]}', '"inputs" has 1 values'),
        ('{"layers": [{"W": [[1], [2]]}]}', 'missing "inputs"'),
    ],
)
def test_walkthrough_rejects_unusable_weights_files(tmp_path: Path, content, message):
    path = tmp_path / "net.json"
    path.write_text(content, encoding="utf-8")
    result = run("backprop", "--walkthrough", "--weights", str(path))
    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_backprop_trains_from_a_weights_file(tmp_path: Path):
    path = tmp_path / "start.json"
    path.write_text(
        json.dumps(
            {"layers": [{"W": [[1.0, -1.0, 0.5], [-1.0, 1.0, 0.5]], "b": [0, 0, 0]}, {"W": [[1.0], [1.0], [-1.0]]}]}
        ),
        encoding="utf-8",
    )
    result = run("backprop", "--weights", str(path), "--epochs", "50")
    assert result.exit_code == 0, result.output
    assert "2-3-1 network" in result.stdout and "weights from start.json" in result.stdout
    bad = tmp_path / "wide.json"
    bad.write_text(json.dumps({"layers": [{"W": [[1.0, 2.0, 3.0]]}]}), encoding="utf-8")
    result = run("backprop", "--weights", str(bad))
    assert result.exit_code == 2 and "cannot learn XOR" in result.stderr


# ------------------------------------------------------------------------------------------ walkthrough

LINE = re.compile(r"^\s+(\S+) = (?:.* = )?(-?\d+\.\d{9})$")


def printed_values(output: str) -> dict[str, float]:
    values = {}
    for line in output.splitlines():
        match = LINE.match(line)
        if match:
            values[match.group(1)] = float(match.group(2))
    return values


def api_values(net) -> dict[str, float]:
    """Every quantity of the walkthrough, named as it prints them, computed with the public API."""
    X, Y = net.inputs[None, :], net.targets[None, :]
    activations = bp.forward(net.params, X)
    ds = bp.deltas(net.params, activations, Y)
    grads = bp.backward(net.params, activations, Y)
    new, before = bp.train_step(net.params, X, Y, net.lr)
    sizes = net.layer_sizes
    hidden_layers = len(sizes) - 2
    names = [[f"i{j + 1}" for j in range(sizes[0])]]
    for k in range(1, len(sizes) - 1):
        names.append([(f"h{j + 1}" if hidden_layers == 1 else f"h{k}_{j + 1}") for j in range(sizes[k])])
    names.append([f"o{j + 1}" for j in range(sizes[-1])])
    values = {"E_total": before, "E_total⁺": bp.loss(bp.forward(new, X)[-1], Y)}
    w = 1
    for layer, ((W, b), (dW, db), (W_new, b_new)) in enumerate(zip(net.params, grads, new, strict=True), start=1):
        z = activations[layer - 1] @ W + b
        for j, unit in enumerate(names[layer]):
            values[f"net_{unit}"] = z[0, j]
            values[f"out_{unit}"] = activations[layer][0, j]
            values[f"δ_{unit}"] = ds[layer - 1][0, j]
            values[f"∂E/∂b_{unit}"] = db[j]
            values[f"b_{unit}⁺"] = b_new[j]
            for i in range(W.shape[0]):
                values[f"∂E/∂w{w}"] = dW[i, j]
                values[f"w{w}⁺"] = W_new[i, j]
                w += 1
    for j, unit in enumerate(names[-1]):
        values[f"E_{unit}"] = 0.5 * (net.targets[j] - activations[-1][0, j]) ** 2
    return values


def test_walkthrough_prints_every_quantity_and_they_equal_the_apis():
    result = run("backprop", "--walkthrough")
    assert result.exit_code == 0, result.output
    printed = printed_values(result.stdout)
    expected = api_values(mazur_example())
    missing = set(expected) - set(printed)
    assert not missing
    for name, value in expected.items():
        assert printed[name] == pytest.approx(value, abs=6e-10), name


def test_walkthrough_reproduces_the_published_example():
    printed = printed_values(run("backprop", "--walkthrough").stdout)
    assert printed["net_h1"] == pytest.approx(0.3775)
    assert printed["out_h1"] == pytest.approx(0.593269992, abs=1e-9)
    assert printed["out_o1"] == pytest.approx(0.75136507, abs=1e-9)
    assert printed["E_total"] == pytest.approx(0.298371109, abs=1e-9)
    assert printed["∂E/∂w5"] == pytest.approx(0.082167041, abs=1e-9)
    assert printed["w5⁺"] == pytest.approx(0.35891648, abs=1e-9)
    assert printed["w1⁺"] == pytest.approx(0.149780716, abs=1e-9)
    assert printed["b_h1⁺"] < 0.35  # biases are updated too (the post keeps them fixed)


def test_walkthrough_order_follows_the_hand_computation():
    out = run("backprop", "--walkthrough").stdout
    order = [
        out.index(s)
        for s in (
            "Forward pass, layer 1",
            "Forward pass, layer 2",
            "Error",
            "Backward pass, layer 2",
            "Backward pass, layer 1",
            "Update",
            "After the step",
        )
    ]
    assert order == sorted(order)


def test_walkthrough_of_another_network_from_a_weights_file(tmp_path: Path):
    doc = {
        "title": "a 2-3-1 example",
        "lr": 0.25,
        "inputs": [1.0, -0.5],
        "targets": [0.2],
        "layers": [
            {"W": [[0.1, -0.3, 0.2], [0.4, 0.25, -0.1]], "b": [0.0, 0.1, -0.2]},
            {"W": [[0.3], [-0.2], [0.5]], "b": [0.05]},
        ],
    }
    path = tmp_path / "net.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = run("backprop", "--walkthrough", "--weights", str(path), "--lr", "0.75")
    assert result.exit_code == 0, result.output
    assert "2-3-1 network" in result.stdout and "a 2-3-1 example" in result.stdout
    from dlpath.exercises.backprop.walkthrough import load_network

    net = load_network(path)
    net = type(net)(net.params, net.inputs, net.targets, 0.75, net.title)  # --lr overrides the file's
    printed = printed_values(result.stdout)
    expected = api_values(net)
    assert set(expected) <= set(printed)
    for name, value in expected.items():
        assert printed[name] == pytest.approx(value, abs=6e-10), name


# ------------------------------------------------------------------------------------------ practice mode


@pytest.mark.parametrize("name", ["sigmoid", "gradient-descent", "backprop"])
@pytest.mark.parametrize(
    "flags",
    [["--practice", "--check"], ["--practice", "--hint"], ["--check", "--hint"], ["--practice", "--check", "--hint"]],
)
def test_practice_check_and_hint_are_mutually_exclusive(name, flags):
    result = run(name, *flags)
    assert result.exit_code == 2
    assert "cannot be combined" in result.stderr


@pytest.mark.parametrize("name", ["sigmoid", "gradient-descent", "backprop"])
def test_a_practice_file_without_practice_or_check_is_an_error(name):
    result = run(name, "mine.py")
    assert result.exit_code == 2
    assert "only used with --practice or --check" in result.stderr


@pytest.mark.parametrize("name", ["sigmoid", "gradient-descent", "backprop"])
def test_every_exercise_accepts_the_practice_options(name):
    result = run(name, "--help")
    assert result.exit_code == 0
    for option in ("--practice", "--check", "--hint", "--force", "--time-limit", "PATH"):
        assert option in result.stdout


# ------------------------------------------------------------------------------------------ progress


def test_runs_are_not_recorded_and_no_store_is_created_without_one(dlpath_home: Path):
    from dlpath.progress import database_path

    assert run("sigmoid").exit_code == 0
    assert not database_path().exists()


def test_runs_are_recorded_when_the_learner_has_a_store(dlpath_home: Path):
    from dlpath import progress

    with progress.Store.open(create=True):
        pass
    assert run("sigmoid").exit_code == 0
    assert run("gradient-descent", "--steps", "5").exit_code == 0
    assert run("backprop", "--walkthrough").exit_code == 0
    stats = progress.exercise_stats()
    assert stats["sigmoid"].runs == 1 and stats["gradient-descent"].runs == 1 and stats["backprop"].runs == 1


def test_the_list_does_not_import_numpy():
    import subprocess
    import sys

    code = (
        "import sys; from typer.testing import CliRunner; from dlpath.cli import app;"
        "r = CliRunner().invoke(app, ['exercise']); assert r.exit_code == 0, r.output;"
        "print('numpy' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_an_exercise_folder_without_a_demo_still_gets_a_command_that_says_so():
    from dlpath.cli import exercise as exercise_cli
    from dlpath.exercises.registry import Exercise

    folder_only = Exercise("new-one", "dlpath.exercises", "A new exercise.", 4, ())  # dlpath/exercises has no demo.py
    demo = exercise_cli._demo(folder_only)
    assert demo.OPTIONS == () and demo.HELP == "A new exercise."
    with pytest.raises(ExerciseError, match="nothing to show yet"):
        demo.run(None, None)
