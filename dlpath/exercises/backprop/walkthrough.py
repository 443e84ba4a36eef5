"""One training step of a small network, every intermediate quantity named and shown with its numbers.

The default network is the 2-2-2 example of Matt Mazur's "A Step by Step Backpropagation Example"
(the step-3 reading): inputs 0.05, 0.10, targets 0.01, 0.99, weights w1..w8 = .15 .20 .25 .30 .40
.45 .50 .55, biases .35 (hidden) and .60 (output), learning rate 0.5. Weights are numbered his way:
layer by layer, then by the unit they feed, then by the unit they come from (w1 = i1→h1, w2 = i2→h1).

Every value here comes from ``backprop.forward``, ``deltas``, ``backward`` and ``train_step``, so the
walk-through shows exactly what the training code computes. One difference from the post: dlpath
updates the biases too (each unit has its own bias, changed like any weight), while the post keeps
them fixed. That changes no weight of this step, since every gradient uses the values before the
step, but the error after the step is a little lower than the post's 0.291027924.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np

from dlpath.exercises import ExerciseError
from dlpath.exercises.backprop import maths as bp


@dataclass(frozen=True, slots=True)
class Network:
    """A worked example: parameters (as in ``backprop``), one input sample, its targets, and η."""

    params: list
    inputs: np.ndarray  # shape (n_0,)
    targets: np.ndarray  # shape (n_L,)
    lr: float
    title: str

    @property
    def layer_sizes(self) -> list[int]:
        """Units per layer, input first."""
        return [self.params[0][0].shape[0]] + [W.shape[1] for W, _ in self.params]


@dataclass(frozen=True, slots=True)
class Line:
    """One computed quantity: its name, how it is computed (with the numbers), and its value."""

    name: str
    expression: str
    value: float


@dataclass(frozen=True, slots=True)
class Section:
    """A titled group of lines, in the order a learner would compute them by hand."""

    title: str
    lines: tuple[Line, ...]


def mazur_example() -> Network:
    """The 2-2-2 network of Mazur's step-by-step example, before its first training step."""
    W1 = np.array([[0.15, 0.25], [0.20, 0.30]])  # column j feeds h_j: w1 = i1→h1, w2 = i2→h1, w3 = i1→h2, ...
    W2 = np.array([[0.40, 0.50], [0.45, 0.55]])
    params = [(W1, np.array([0.35, 0.35])), (W2, np.array([0.60, 0.60]))]
    return Network(params, np.array([0.05, 0.10]), np.array([0.01, 0.99]), 0.5, "Matt Mazur's worked example")


MAZUR_NOTE = (  # how the walkthrough of ``mazur_example`` compares with the post
    "These are the numbers of the post: E_total = 0.298371109 before the step, then w5⁺ = 0.35891648,"
    " w1⁺ = 0.149780716 and the rest. The post keeps the biases fixed; dlpath updates them like any"
    " weight (the b⁺ lines). That changes no weight of this step, because every gradient is taken"
    " before anything moves, but it brings E_total⁺ a little lower than the post's 0.291027924."
)


# The numbers Mazur's post publishes for this step, by the name of the walkthrough line they belong to.
# The post rounds them to 9 decimals (w2⁺ to w4⁺ to 8) and keeps the biases fixed; E_total⁺ is not here
# since dlpath updates the biases (the post's is 0.291027924).
MAZUR_PUBLISHED = {
    "net_h1": 0.3775,
    "out_h1": 0.593269992,
    "out_h2": 0.596884378,
    "net_o1": 1.105905967,
    "out_o1": 0.75136507,
    "out_o2": 0.772928465,
    "E_o1": 0.274811083,
    "E_o2": 0.023560026,
    "E_total": 0.298371109,
    "δ_o1": 0.138498562,
    "∂E/∂w5": 0.082167041,
    "∂E/∂out_h1": 0.036350306,
    "∂E/∂w1": 0.000438568,
    "w1⁺": 0.149780716,
    "w2⁺": 0.19956143,
    "w3⁺": 0.24975114,
    "w4⁺": 0.29950229,
    "w5⁺": 0.35891648,
    "w6⁺": 0.408666186,
    "w7⁺": 0.511301270,
    "w8⁺": 0.561370121,
}
PUBLISHED_TOLERANCE = 1e-8  # the published numbers' rounding (8 or 9 decimals), with room for the last digit


def published_weights_after_step() -> list[np.ndarray]:
    """Mazur's published weights after the step, as W^1 and W^2 (shapes (2, 2)), numbered as ``weight_names``."""
    names = weight_names([2, 2, 2])
    return [np.vectorize(lambda n: MAZUR_PUBLISHED[f"{n}⁺"], otypes=[float])(layer) for layer in names]


def load_network(path: Path, need_sample: bool = True) -> Network:
    """A Network from a JSON file; ExerciseError naming the file and the problem if it is unusable.

    The file holds ``{"layers": [{"W": [[...], ...], "b": [...]}, ...], "inputs": [...],
    "targets": [...], "lr": 0.5, "title": "..."}``: W of layer l has one row per unit of layer l − 1
    and one column per unit of layer l (the shapes ``backprop`` uses). ``b`` defaults to zeros,
    ``lr`` to 0.5; ``inputs`` and ``targets`` (one sample) are required when ``need_sample``.
    """
    path = Path(path)

    def fail(problem: str) -> ExerciseError:
        return ExerciseError(f"weights file {path}: {problem}")

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise fail("not found: check the path") from None
    except IsADirectoryError:
        raise fail("is a directory: give the path of a .json file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise fail(f"cannot be read ({getattr(err, 'strerror', None) or err}): give a UTF-8 JSON file") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise fail(f"not valid JSON at line {err.lineno}, column {err.colno}: {err.msg}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("layers"), list) or not doc["layers"]:
        raise fail('expected an object with a non-empty "layers" list of {"W": ..., "b": ...}')

    params = []
    for position, layer in enumerate(doc["layers"]):
        where = f"layers[{position}]"
        if not isinstance(layer, dict) or "W" not in layer:
            raise fail(f'{where} must be an object with "W" (and optionally "b")')
        W = _matrix(layer["W"], f"{where}.W", fail)
        if params and W.shape[0] != params[-1][0].shape[1]:
            raise fail(
                f"{where}.W has {W.shape[0]} rows but the layer before has {params[-1][0].shape[1]} units:"
                " W needs one row per unit of the layer before and one column per unit of its own layer"
            )
        b = _vector(layer.get("b", [0.0] * W.shape[1]), f"{where}.b", fail)
        if b.shape[0] != W.shape[1]:
            raise fail(f"{where}.b has {b.shape[0]} values but {where}.W has {W.shape[1]} columns (units)")
        params.append((W, b))

    n_in, n_out = params[0][0].shape[0], params[-1][0].shape[1]
    inputs = targets = np.zeros(0)
    if need_sample or "inputs" in doc or "targets" in doc:
        for key, size in (("inputs", n_in), ("targets", n_out)):
            if key not in doc:
                raise fail(f'missing "{key}": give one sample as a list of {size} numbers')
        inputs = _vector(doc["inputs"], "inputs", fail)
        targets = _vector(doc["targets"], "targets", fail)
        if inputs.shape[0] != n_in:
            raise fail(f'"inputs" has {inputs.shape[0]} values but the first layer takes {n_in}')
        if targets.shape[0] != n_out:
            raise fail(f'"targets" has {targets.shape[0]} values but the last layer has {n_out} units')
    lr = doc.get("lr", 0.5)
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
        raise fail(f'"lr" must be a positive number, got {lr!r}')
    title = doc.get("title", path.name)
    return Network(params, inputs, targets, float(lr), str(title))


def load_xor_start(path: Path) -> Network:
    """Starting weights to train on XOR, from a JSON file as ``load_network`` reads it (no sample needed).

    ExerciseError unless the network has the 2 inputs and 1 output XOR needs.
    """
    net = load_network(path, need_sample=False)
    sizes = net.layer_sizes
    if sizes[0] != 2 or sizes[-1] != 1:
        raise ExerciseError(
            f"weights file {path}: a {'-'.join(map(str, sizes))} network cannot learn XOR, which needs"
            " 2 inputs and 1 output (use --walkthrough to step through it instead)"
        )
    return net


def _number(value, where: str, fail) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise fail(f"{where} must be a finite number, got {json.dumps(value)[:40]}")
    return float(value)


def _vector(value, where: str, fail) -> np.ndarray:
    if not isinstance(value, list) or not value:
        raise fail(f"{where} must be a non-empty list of numbers")
    return np.array([_number(v, f"{where}[{i}]", fail) for i, v in enumerate(value)])


def _matrix(value, where: str, fail) -> np.ndarray:
    if not isinstance(value, list) or not value or not all(isinstance(row, list) for row in value):
        raise fail(f"{where} must be a non-empty list of rows (lists of numbers)")
    rows = [_vector(row, f"{where}[{i}]", fail) for i, row in enumerate(value)]
    if len({len(row) for row in rows}) != 1:
        raise fail(f"{where} has rows of different lengths: every row needs one number per unit")
    return np.array(rows)


def unit_names(layer_sizes) -> list[list[str]]:
    """Names of the units of each layer: i1.. for inputs, h1.. (or h1_1.. with several hidden layers), o1.."""
    hidden = len(layer_sizes) - 2
    names = [[f"i{j + 1}" for j in range(layer_sizes[0])]]
    for k, size in enumerate(layer_sizes[1:-1], start=1):
        prefix = "h" if hidden == 1 else f"h{k}_"
        names.append([f"{prefix}{j + 1}" for j in range(size)])
    names.append([f"o{j + 1}" for j in range(layer_sizes[-1])])
    return names


def weight_names(layer_sizes) -> list[np.ndarray]:
    """``w1``, ``w2``, ... for every weight, numbered as in Mazur's post; arrays shaped like each W."""
    result, k = [], 1
    for n_in, n_out in pairwise(layer_sizes):
        names = np.empty((n_in, n_out), dtype=object)
        for j in range(n_out):
            for i in range(n_in):
                names[i, j] = f"w{k}"
                k += 1
        result.append(names)
    return result


def _f(x: float) -> str:
    return f"{x:.9f}"


def _n(x: float) -> str:
    """A number inside an expression: short when it is short (0.15), else nine decimals."""
    short = f"{x:.9g}"
    return short if len(short) <= 11 else _f(x)


def _p(x: float, short: bool = False) -> str:
    """A number inside an expression, in parentheses when negative so signs never run together."""
    text = _n(x) if short else _f(x)
    return f"({text})" if x < 0 else text


def walkthrough(net: Network) -> list[Section]:
    """Every quantity of one training step of ``net``, in order: forward pass, error, backward pass, update."""
    sizes = net.layer_sizes
    units = unit_names(sizes)
    wnames = weight_names(sizes)
    X, Y = net.inputs[None, :], net.targets[None, :]
    activations = bp.forward(net.params, X)
    ds = bp.deltas(net.params, activations, Y)
    grads = bp.backward(net.params, activations, Y)
    new_params, error_before = bp.train_step(net.params, X, Y, net.lr)
    error_after = bp.loss(bp.forward(new_params, X)[-1], Y)
    out = [a[0] for a in activations]
    sections: list[Section] = []

    for layer, (W, b) in enumerate(net.params, start=1):
        lines = []
        prev = units[layer - 1]
        for j, unit in enumerate(units[layer]):
            symbols = " + ".join(f"{wnames[layer - 1][i, j]}·{_out(prev[i], layer - 1)}" for i in range(len(prev)))
            numbers = " + ".join(
                f"{_p(W[i, j], short=True)}×{_p(out[layer - 1][i], short=True)}" for i in range(len(prev))
            )
            net_value = float(np.dot(out[layer - 1], W[:, j]) + b[j])
            lines.append(Line(f"net_{unit}", f"{symbols} + b_{unit} = {numbers} + {_p(b[j], short=True)}", net_value))
            lines.append(Line(f"out_{unit}", f"σ(net_{unit}) = 1/(1 + e^(−{_f(net_value)}))", float(out[layer][j])))
        kind = "output" if layer == len(net.params) else "hidden"
        sections.append(Section(f"Forward pass, layer {layer} ({kind})", tuple(lines)))

    lines = []
    for j, unit in enumerate(units[-1]):
        e = 0.5 * (net.targets[j] - out[-1][j]) ** 2
        lines.append(
            Line(
                f"E_{unit}",
                f"½(target_{unit} − out_{unit})² = ½({_p(net.targets[j], short=True)} − {_f(out[-1][j])})²",
                e,
            )
        )
    total = " + ".join(f"E_{u}" for u in units[-1])
    lines.append(Line("E_total", total, error_before))
    sections.append(Section("Error", tuple(lines)))

    for layer in range(len(net.params), 0, -1):
        lines = []
        delta, (dW, db) = ds[layer - 1][0], grads[layer - 1]
        a = out[layer]
        for j, unit in enumerate(units[layer]):
            slope = f"out_{unit}(1 − out_{unit})"
            if layer == len(net.params):
                diff = a[j] - net.targets[j]
                lines.append(
                    Line(
                        f"δ_{unit}",
                        f"∂E/∂net_{unit} = (out_{unit} − target_{unit})·{slope} = {_p(diff)} × {_f(a[j] * (1 - a[j]))}",
                        float(delta[j]),
                    )
                )
            else:
                W_next = net.params[layer][0]
                nxt = units[layer + 1]
                symbols = " + ".join(f"{wnames[layer][j, k]}·δ_{nxt[k]}" for k in range(len(nxt)))
                numbers = " + ".join(f"{_n(W_next[j, k])}×{_p(ds[layer][0][k])}" for k in range(len(nxt)))
                back = float(np.dot(W_next[j], ds[layer][0]))
                lines.append(Line(f"∂E/∂out_{unit}", f"{symbols} = {numbers}", back))
                lines.append(
                    Line(f"δ_{unit}", f"∂E/∂out_{unit}·{slope} = {_p(back)} × {_f(a[j] * (1 - a[j]))}", float(delta[j]))
                )
            for i, src in enumerate(units[layer - 1]):
                lines.append(
                    Line(
                        f"∂E/∂{wnames[layer - 1][i, j]}",
                        f"δ_{unit}·{_out(src, layer - 1)} = {_p(delta[j])} × {_p(out[layer - 1][i], short=True)}",
                        float(dW[i, j]),
                    )
                )
            lines.append(Line(f"∂E/∂b_{unit}", f"δ_{unit}", float(db[j])))
        kind = "output" if layer == len(net.params) else "hidden"
        sections.append(Section(f"Backward pass, layer {layer} ({kind})", tuple(lines)))

    lines = []
    for layer, ((W, b), (dW, db), (W_new, b_new)) in enumerate(zip(net.params, grads, new_params, strict=True)):
        for j in range(W.shape[1]):
            for i in range(W.shape[0]):
                name = wnames[layer][i, j]
                lines.append(
                    Line(
                        f"{name}⁺",
                        f"{name} − η·∂E/∂{name} = {_n(W[i, j])} − {_n(net.lr)} × {_p(dW[i, j])}",
                        float(W_new[i, j]),
                    )
                )
        for j, unit in enumerate(units[layer + 1]):
            lines.append(
                Line(
                    f"b_{unit}⁺",
                    f"b_{unit} − η·∂E/∂b_{unit} = {_n(b[j])} − {_n(net.lr)} × {_p(db[j])}",
                    float(b_new[j]),
                )
            )
    sections.append(Section(f"Update, all at once from the values before the step (η = {_n(net.lr)})", tuple(lines)))
    sections.append(
        Section(
            "After the step",
            (Line("E_total⁺", f"E_total with the updated weights (was {_f(error_before)})", error_after),),
        )
    )
    return sections


def introduction(net: Network) -> str:
    """The sample, its targets and η of ``net``, and the notation: what a walkthrough opens with."""
    units = unit_names(net.layer_sizes)
    inputs = ", ".join(f"{u} = {v:g}" for u, v in zip(units[0], net.inputs, strict=True))
    targets = ", ".join(f"target_{u} = {v:g}" for u, v in zip(units[-1], net.targets, strict=True))
    return (
        f"Inputs {inputs}; {targets}; learning rate η = {net.lr:g}. σ is the sigmoid; "
        "E = ½ Σ (target − out)²; δ = ∂E/∂net."
    )


def error_before_and_after(sections: list[Section]) -> tuple[float, float]:
    """E_total before and after the step, read from the sections ``walkthrough`` returned."""
    before = next(line.value for section in sections for line in section.lines if line.name == "E_total")
    return before, sections[-1].lines[-1].value


def _out(unit: str, layer: int) -> str:
    """How a unit's output is written: inputs by their name (i1), other units as out_h1."""
    return unit if layer == 0 else f"out_{unit}"


def render_line(line: Line) -> str:
    """``name = expression = value`` (the value with nine decimals), the form the walkthrough prints."""
    if line.expression:
        return f"{line.name} = {line.expression} = {_f(line.value)}"
    return f"{line.name} = {_f(line.value)}"


# --------------------------------------------------------------------------- the learner's own step


@dataclass(frozen=True, slots=True)
class Comparison:
    """One line of the walkthrough: the learner's number, the one to match and where it comes from."""

    name: str
    expected: float
    source: str  # "post" (the worked example's published number) or "dlpath" (dlpath's own, where none is)
    yours: float | None = None  # None: not computed (see ``note``)
    note: str = ""  # why there is no number of yours

    @property
    def matches(self) -> bool | None:
        """Whether the learner's number matches (to the published rounding for the post's); None if none."""
        if self.yours is None:
            return None
        tolerance = PUBLISHED_TOLERANCE if self.source == "post" else 1e-9
        return bool(abs(self.yours - self.expected) <= tolerance + 1e-9 * abs(self.expected))


def learner_values(net: Network, call) -> tuple[dict[str, float], list[tuple[str, str]]]:  # noqa: ANN001
    """The walkthrough's numbers as the learner's own functions compute them, by line name, and for those
    they could not give, (name prefix or suffix, why). ``call(name, *args)`` returns what the learner's
    function returns and raises ExerciseError saying what went wrong otherwise.

    Each number comes from the learner's chain: forward for the outputs, loss on those outputs for the
    errors, backward on those activations for the gradients (δ of a unit is its bias gradient, for one
    sample), train_step for the new weights and the loss before the step, and loss of forward after it.
    """
    sizes = net.layer_sizes
    units, wnames = unit_names(sizes), weight_names(sizes)
    X, Y = net.inputs[None, :], net.targets[None, :]
    values: dict[str, float] = {}
    missing: list[tuple[str, str]] = []
    activations: list = []

    def attempt(what: str, marks: tuple[str, ...], work) -> None:  # noqa: ANN001 - a function of no arguments
        try:
            work()
        except (ExerciseError, TypeError, ValueError, IndexError, KeyError) as err:
            missing.extend((mark, f"{what}: {getattr(err, 'message', err)}") for mark in marks)

    def outputs() -> None:
        activations.extend(np.asarray(a, dtype=float) for a in call("forward", net.params, X))
        for layer in range(1, len(sizes)):
            for j, unit in enumerate(units[layer]):
                values[f"out_{unit}"] = float(activations[layer][0, j])

    def errors() -> None:
        output = activations[-1]
        for j, unit in enumerate(units[-1]):
            values[f"E_{unit}"] = float(call("loss", output[:, j : j + 1], Y[:, j : j + 1]))
        values["E_total"] = float(call("loss", output, Y))

    def gradients() -> None:
        grads = call("backward", net.params, activations, Y)
        for layer, (dW, db) in enumerate(grads, start=1):
            dW, db = np.asarray(dW, dtype=float), np.asarray(db, dtype=float)
            for j, unit in enumerate(units[layer]):
                values[f"δ_{unit}"] = values[f"∂E/∂b_{unit}"] = float(db[j])
                for i in range(sizes[layer - 1]):
                    values[f"∂E/∂{wnames[layer - 1][i, j]}"] = float(dW[i, j])

    def step() -> None:
        new_params, before = call("train_step", net.params, X, Y, net.lr)
        values[TRAIN_STEP_LOSS] = float(before)
        for layer, (W, b) in enumerate(new_params):
            W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
            for j, unit in enumerate(units[layer + 1]):
                values[f"b_{unit}⁺"] = float(b[j])
                for i in range(sizes[layer]):
                    values[f"{wnames[layer][i, j]}⁺"] = float(W[i, j])
        after = call("forward", new_params, X)
        values["E_total⁺"] = float(call("loss", np.asarray(after[-1], dtype=float), Y))

    attempt("forward()", ("out_", "E_", "δ_", "∂E/∂w", "∂E/∂b"), outputs)
    if activations:
        attempt("loss()", ("E_",), errors)
        attempt("backward()", ("δ_", "∂E/∂w", "∂E/∂b"), gradients)
    attempt("train_step()", ("⁺", TRAIN_STEP_LOSS), step)
    return values, missing


TRAIN_STEP_LOSS = "E_total, as train_step returns it"


def compare_with_learner(net: Network, values: dict[str, float], missing: list[tuple[str, str]], published: bool):
    """The walkthrough's sections with, for each line, the learner's number against the post's (when
    ``published``, for the numbers the post gives) or dlpath's: a list of (section title, comparisons)."""
    result = []
    sections = walkthrough(net)
    for section in sections:
        lines = list(section.lines)
        if section.title == "After the step":
            lines.insert(0, Line(TRAIN_STEP_LOSS, "", error_before_and_after(sections)[0]))
        rows = []
        for line in lines:
            key = "E_total" if line.name == TRAIN_STEP_LOSS else line.name
            source = "post" if published and key in MAZUR_PUBLISHED else "dlpath"
            expected = MAZUR_PUBLISHED[key] if source == "post" else line.value
            if line.name in values:
                rows.append(Comparison(line.name, expected, source, yours=values[line.name]))
                continue
            why = next(
                (note for mark, note in missing if line.name.startswith(mark) or line.name.endswith(mark)),
                "your functions do not return it (only the walkthrough shows it)",
            )
            rows.append(Comparison(line.name, expected, source, note=why))
        result.append((section.title, rows))
    return result
