"""Practice for the convolution exercise: the learner writes conv_forward/conv_backward and the max-pooling pair.

The checks run in the grader, the learner's code in the sandbox; ``dlpath.practice.checking`` has their helpers.
Each forward returns (out, cache) and each backward takes (dout, cache): the learner's cache, whatever it holds
(arrays, numbers, tuples, dicts), goes from their forward to their backward. A filter applied flipped (a true
convolution) is accepted when forward and backward agree about it, and the check says which one was written.
"""

from __future__ import annotations

import numpy as np

from dlpath.practice.checking import Check, Context, Failed, call, describe, expect_array
from dlpath.practice.gradcheck import relative_error
from dlpath.practice.specs import PracticeSpec

# CS231n's guide to relative errors between an analytic and a numerical gradient
RELATIVE_ERROR_NOTE = (
    "relative error max |a − n| / (|a| + |n|) against central differences; CS231n: below 1e-7 is right,"
    " above 1e-2 is wrong"
)
CASES = (  # (N, C, H, W), (F, HH, WW), stride, pad
    ((2, 3, 5, 5), (2, 3, 3), 1, 0),
    ((2, 2, 7, 6), (3, 3, 2), 2, 1),
    ((1, 1, 8, 8), (2, 3, 3), 1, 1),
    ((1, 2, 6, 6), (2, 2, 2), 2, 0),
    ((1, 1, 7, 7), (1, 3, 3), 3, 2),
)


def _problem(ctx: Context, case):
    (N, C, H, W), (F, HH, WW), stride, pad = case
    x = ctx.rng.normal(size=(N, C, H, W))
    w = ctx.rng.normal(size=(F, C, HH, WW))
    b = ctx.rng.normal(size=F)
    return x, w, b, stride, pad


def _forward(ctx: Context, name: str, *args):
    """The learner's forward: (out, cache), checked to be a pair."""
    got = call(ctx, name, *args)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise Failed(f"{name} should return a pair (out, cache), as in CS231n", "(out, cache)", describe(got))
    return got[0], got[1]


SIZE_MISTAKES = (  # what a learner's output size comes out as after a typical slip, and the slip in words
    (lambda n, k, s, p: (n + 2 * p - k) // s, "the + 1 is missing: a filter that fits once already gives one output"),
    (lambda n, k, s, p: 1 + (n - k) // s, "the padding is left out: the padded input is size + 2·pad wide"),
    (lambda n, k, s, p: 1 + (n + p - k) // s, "the padding is counted on one side only: add 2·pad"),
    (lambda n, k, s, p: 1 + (n + 2 * p - k), "the stride is ignored: windows start stride pixels apart"),
    (lambda n, k, s, p: 1 - (-(n + 2 * p - k) // s), "it rounds up: a window must fit whole, so round down (//)"),
)
RIGHT_SIZE = "1 + (size + 2·pad − kernel) // stride"


def _size_mistake(cases, got_sizes) -> str:
    """The one typical slip that explains every wrong output size seen, in words ("" if none or several do).

    ``cases`` are (size, kernel, stride, pad) per axis, ``got_sizes`` the learner's sizes along them.
    """
    right = [1 + (n + 2 * p - k) // s for n, k, s, p in cases]
    explaining = [
        why
        for formula, why in SIZE_MISTAKES
        if [formula(*case) for case in cases] == list(got_sizes) and list(got_sizes) != right
    ]
    return explaining[0] if len(explaining) == 1 else ""


def _conv_orientation(ctx: Context, out, x, w, b, stride, pad) -> str:
    """"correlation" or "convolution" (filter flipped), whichever the learner's output is; Failed if neither."""
    expected, _ = ctx.reference.conv_forward(x, w, b, stride, pad)
    if isinstance(out, np.ndarray) and out.shape == expected.shape:
        if np.allclose(out, expected, rtol=1e-6, atol=1e-9):
            return "correlation"
        flipped, _ = ctx.reference.conv_forward(x, w[:, :, ::-1, ::-1], b, stride, pad)
        if np.allclose(out, flipped, rtol=1e-6, atol=1e-9):
            return "convolution"
    expect_array(
        f"conv_forward(x, w, b, stride={stride}, pad={pad})",
        out,
        expected,
        advice=": out[n, f, i, j] = Σ x_pad[n, :, i·stride + p, j·stride + q] · w[f, :, p, q] + b[f]",
    )
    return "correlation"  # not reached: expect_array failed


def _output_sizes(what: str, outs, expected_shapes, axes) -> None:
    """Failed naming the slip when the learner's outputs have the wrong sizes; ``axes`` are (size, kernel,
    stride, pad) for each output's height and width, in order."""
    for out, expected in zip(outs, expected_shapes, strict=True):
        if not isinstance(out, np.ndarray) or out.ndim != 4 or out.shape[:2] != expected[:2]:
            raise Failed(f"{what} should be an array of shape (N, F or C, H', W')", f"shape {expected}", describe(out))
    got = [size for out in outs for size in out.shape[2:]]
    if got == [size for shape in expected_shapes for size in shape[2:]]:
        return
    first = next(i for i, (o, e) in enumerate(zip(outs, expected_shapes, strict=True)) if o.shape != e)
    why = _size_mistake(axes, got) or f"the output is H' = {RIGHT_SIZE} high, W' likewise"
    raise Failed(
        f"{what}: the output size is off ({why})", f"shape {expected_shapes[first]}", f"shape {outs[first].shape}"
    )


def _conv_forward_shapes(ctx: Context) -> None:
    outs, expected, axes = [], [], []
    for case in CASES:
        x, w, b, stride, pad = _problem(ctx, case)
        outs.append(_forward(ctx, "conv_forward", x, w, b, stride, pad)[0])
        expected.append(ctx.reference.conv_forward(x, w, b, stride, pad)[0].shape)
        axes += [(x.shape[2], w.shape[2], stride, pad), (x.shape[3], w.shape[3], stride, pad)]
    _output_sizes("conv_forward's out for several strides and paddings", outs, expected, axes)


def _conv_forward_values(ctx: Context) -> str | None:
    kinds = set()
    for case in CASES:
        x, w, b, stride, pad = _problem(ctx, case)
        out, _ = _forward(ctx, "conv_forward", x, w, b, stride, pad)
        kinds.add(_conv_orientation(ctx, out, x, w, b, stride, pad))
    if kinds == {"convolution"}:
        return (
            "you flip the filter (a true convolution); libraries compute cross-correlation (no flip). Both learn"
            " the same, as long as conv_backward agrees"
        )
    if len(kinds) > 1:
        raise Failed(
            "conv_forward flips the filter for some shapes and not for others: choose one (libraries do not flip)"
        )
    return None


def _conv_backward(ctx: Context) -> str | None:
    for case in CASES:
        x, w, b, stride, pad = _problem(ctx, case)
        out, cache = _forward(ctx, "conv_forward", x, w, b, stride, pad)
        kind = _conv_orientation(ctx, out, x, w, b, stride, pad)
        w_used = w if kind == "correlation" else w[:, :, ::-1, ::-1].copy()
        ref_out, ref_cache = ctx.reference.conv_forward(x, w_used, b, stride, pad)
        dout = ctx.rng.normal(size=ref_out.shape)
        dx, dw, db = ctx.reference.conv_backward(dout, ref_cache)
        if kind == "convolution":
            dw = dw[:, :, ::-1, ::-1]
        got = call(ctx, "conv_backward", dout, cache)
        if not isinstance(got, (tuple, list)) or len(got) != 3:
            raise Failed("conv_backward should return (dx, dw, db)", "(dx, dw, db)", describe(got))
        got_dx, got_dw, got_db = got
        where = f"for stride {stride}, pad {pad}"
        if isinstance(got_dx, np.ndarray) and pad and got_dx.shape == (x.shape[0], x.shape[1]) + tuple(
            s + 2 * pad for s in x.shape[2:]
        ):
            raise Failed(
                f"conv_backward's dx {where} has the padded input's shape: cut the padding off"
                " (dx = dx_pad[:, :, pad:pad + H, pad:pad + W])",
                f"shape {x.shape}",
                f"shape {got_dx.shape}",
            )
        if kind == "correlation" and isinstance(got_dw, np.ndarray) and got_dw.shape == dw.shape:
            if not np.allclose(got_dw, dw) and np.allclose(got_dw, dw[:, :, ::-1, ::-1]):
                raise Failed(
                    "conv_backward's dw is flipped: it is the gradient of a true convolution, but your conv_forward"
                    " computes cross-correlation (no flip): make the two agree"
                )
        for name, got_value, expected in (("dw", got_dw, dw), ("db", got_db, db), ("dx", got_dx, dx)):
            if isinstance(got_value, np.ndarray) and got_value.shape == expected.shape:
                error = relative_error(got_value, expected, floor=1e-12)
                advice = f" ({RELATIVE_ERROR_NOTE}; yours is {error:.1e})"
            else:
                advice = ""
            expect_array(f"conv_backward's {name} {where}", got_value, expected, rtol=1e-6, atol=1e-9, advice=advice)
    return None


POOLS = (((2, 3, 6, 6), 2, 2), ((1, 2, 7, 7), 2, 2), ((2, 1, 7, 5), 3, 2), ((1, 2, 5, 5), 2, 1))


def _maxpool_forward(ctx: Context) -> None:
    problems = [(ctx.rng.normal(size=shape), size, stride) for shape, size, stride in POOLS]
    outs = [_forward(ctx, "maxpool_forward", x, size, stride)[0] for x, size, stride in problems]
    expected = [ctx.reference.maxpool_forward(x, size, stride)[0] for x, size, stride in problems]
    axes = [(x.shape[axis], size, stride, 0) for x, size, stride in problems for axis in (2, 3)]
    _output_sizes("maxpool_forward's out for several sizes and strides", outs, [e.shape for e in expected], axes)
    for out, want, (x, size, stride) in zip(outs, expected, problems, strict=True):
        what = f"maxpool_forward(x {x.shape}, size={size}, stride={stride})"
        expect_array(what, out, want, advice=": each output is the largest value of its size x size window")


def _maxpool_backward(ctx: Context) -> None:
    for shape, size, stride in POOLS:
        x = ctx.rng.normal(size=shape)
        _, cache = _forward(ctx, "maxpool_forward", x, size, stride)
        ref_out, ref_cache = ctx.reference.maxpool_forward(x, size, stride)
        dout = ctx.rng.normal(size=ref_out.shape)
        expected = ctx.reference.maxpool_backward(dout, ref_cache)
        got = call(ctx, "maxpool_backward", dout, cache)
        what = f"maxpool_backward for size {size}, stride {stride}"
        if isinstance(got, np.ndarray) and got.shape == expected.shape and not np.allclose(got, expected):
            nonzero = np.count_nonzero(got)
            if nonzero > np.count_nonzero(expected):
                raise Failed(
                    f"{what}: the gradient reaches {nonzero} inputs but only {np.count_nonzero(expected)} were"
                    " the maximum of a window: only the largest entry affected the output, so only it gets dout"
                )
            if stride < size:
                advice = ": windows overlap here, so an input that is the maximum of two windows gets both (use +=)"
            else:
                advice = ": each window's dout goes to the position of its largest entry"
            expect_array(what, got, expected, advice=advice)
        expect_array(what, got, expected)


SPEC = PracticeSpec(
    filename="convolution.py",
    functions=("conv_forward", "conv_backward", "maxpool_forward", "maxpool_backward"),
    hints=(
        "Start with loops, one output number at a time: pad x with np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad,"
        " pad))), then out[n, f, i, j] = np.sum(x_pad[n, :, i*stride:i*stride+HH, j*stride:j*stride+WW] * w[f])"
        " + b[f]. The output is H' = 1 + (H + 2*pad - HH) // stride high.",
        "Return (out, cache) with cache = (x, w, b, stride, pad): conv_backward gets it back and needs all of it.",
        "conv_backward: loop over the same windows; each out[n, f, i, j] sends dout[n, f, i, j] * w[f] back to its"
        " window of dx_pad (+=), dout[n, f, i, j] * window to dw[f] (+=), and dout[n, f, i, j] to db[f]. At the"
        " end cut the padding off dx_pad.",
        "Max-pooling: out is the max of each window; in the backward pass only the position of each window's"
        " maximum (np.unravel_index(np.argmax(window), window.shape)) gets that window's dout (+=, windows can"
        " overlap).",
        "Flipping the filter (a true convolution) is accepted if conv_backward is its gradient too; libraries do"
        " not flip. To speed up, gather every window at once (im2col) and use one matrix product.",
    ),
    checks=(
        Check("conv_forward: output size (stride and padding)", _conv_forward_shapes),
        Check("conv_forward: values", _conv_forward_values),
        Check("conv_backward: gradients", _conv_backward),
        Check("maxpool_forward: values", _maxpool_forward),
        Check("maxpool_backward: gradient to each window's maximum", _maxpool_backward),
    ),
    try_it=(
        "x = np.arange(16.0).reshape(1, 1, 4, 4)",
        "w = np.array([[[[1.0, 0.0], [-1.0, 2.0]]]])",
        "out, cache = conv_forward(x, w, np.array([1.0]), 1, 0)",
        'print("conv_forward:", out[0, 0])',
        'print("conv_backward dw:", conv_backward(np.ones_like(out), cache)[1][0, 0])',
    ),
    shape_note="images are (N, C, H, W) and filters (F, C, HH, WW)",
)
