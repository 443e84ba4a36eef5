"""The layers of a small convolutional network, each a forward and a backward function, in NumPy.

Shapes follow CS231n: images are (N, C, H, W) (batch, channels, height, width), filters are
(F, C, HH, WW) (F filters, each as deep as the input), biases (F,). A convolution with stride S and
padding P gives (N, F, H', W') with H' = 1 + (H + 2P − HH) // S and W' = 1 + (W + 2P − WW) // S
(rows or columns the filter cannot reach with a whole step are left out, as in PyTorch).

What deep-learning libraries call convolution is cross-correlation: the filter slides over the input
unflipped, out[n, f, i, j] = Σ_c Σ_p Σ_q x_pad[n, c, iS + p, jS + q] · w[f, c, p, q] + b[f]. A true
convolution flips the filter first; a network learns the flipped filter instead, so both work.

Each layer comes twice: ``*_loops`` is the slow version written as the formula reads, one output
number at a time, for reading; the version without a suffix computes the same with a few large
array operations (every window at once as the columns of a matrix, "im2col", then one matrix
product) and is what the network trains with. The tests prove the two equal and both right against finite
differences. Each forward returns (output, cache) and each backward takes (upstream gradient,
cache), as in CS231n's assignments.
"""

from __future__ import annotations

import numpy as np

from dlpath.exercises import ExerciseError


def output_size(size: int, kernel: int, stride: int, pad: int) -> int:
    """How many positions a window of ``kernel`` takes along an axis: 1 + (size + 2·pad − kernel) // stride."""
    return 1 + (size + 2 * pad - kernel) // stride


def check_conv_shapes(x_shape, w_shape, stride: int, pad: int) -> tuple[int, int]:
    """(H', W') of a convolution of input ``x_shape`` by filters ``w_shape``; ExerciseError if it cannot run."""
    if len(x_shape) != 4 or len(w_shape) != 4:
        raise ExerciseError(
            f"a convolution takes x of shape (N, C, H, W) and w of shape (F, C, HH, WW), got {x_shape}, {w_shape}"
        )
    if x_shape[1] != w_shape[1]:
        raise ExerciseError(
            f"the input has {x_shape[1]} channels but the filters are {w_shape[1]} deep: they must match"
        )
    if stride < 1 or pad < 0:
        raise ExerciseError(
            f"the stride must be at least 1 and the padding at least 0, got stride {stride}, padding {pad}"
        )
    H, W = x_shape[2:]
    HH, WW = w_shape[2:]
    if HH > H + 2 * pad or WW > W + 2 * pad:
        raise ExerciseError(f"a {HH}x{WW} filter does not fit a {H}x{W} input padded by {pad}")
    return output_size(H, HH, stride, pad), output_size(W, WW, stride, pad)


def _pad(x, pad: int):
    """x of shape (N, C, H, W) with ``pad`` zeros added around each image: (N, C, H + 2·pad, W + 2·pad)."""
    if pad == 0:
        return x
    N, C, H, W = x.shape
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    x_pad[:, :, pad : pad + H, pad : pad + W] = x
    return x_pad


def _seen_by(p: int, q: int, H_out: int, W_out: int, stride: int) -> tuple[slice, slice, slice, slice]:
    """The index of what the entry (p, q) of a window sees, across all H'xW' windows at once (a strided slice)."""
    return (
        slice(None),
        slice(None),
        slice(p, p + stride * (H_out - 1) + 1, stride),
        slice(q, q + stride * (W_out - 1) + 1, stride),
    )


# ------------------------------------------------------------------------------------------ convolution


def conv_forward_loops(x, w, b, stride: int = 1, pad: int = 0):
    """Convolution (cross-correlation) one output number at a time: (out (N, F, H', W'), cache).

    x: (N, C, H, W) images; w: (F, C, HH, WW) filters; b: (F,) biases.
    """
    H_out, W_out = check_conv_shapes(x.shape, w.shape, stride, pad)
    N, F = x.shape[0], w.shape[0]
    HH, WW = w.shape[2:]
    x_pad = _pad(x, pad)
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, (x, w, b, stride, pad)


def conv_backward_loops(dout, cache):
    """Gradients (dx, dw, db) of a convolution, one output number at a time, from ``dout`` (N, F, H', W').

    Each output number out[n, f, i, j] used one window of x_pad and the filter w[f]: its gradient
    flows back to both, dx_pad[window] += dout · w[f] and dw[f] += dout · window, and to b[f].
    """
    x, w, b, stride, pad = cache
    N, F, H_out, W_out = dout.shape
    HH, WW = w.shape[2:]
    x_pad = _pad(x, pad)
    dx_pad = np.zeros_like(x_pad, dtype=float)
    dw = np.zeros_like(w, dtype=float)
    db = np.zeros_like(b, dtype=float)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    rows = slice(i * stride, i * stride + HH)
                    cols = slice(j * stride, j * stride + WW)
                    dx_pad[n, :, rows, cols] += dout[n, f, i, j] * w[f]
                    dw[f] += dout[n, f, i, j] * x_pad[n, :, rows, cols]
                    db[f] += dout[n, f, i, j]
    dx = dx_pad[:, :, pad : pad + x.shape[2], pad : pad + x.shape[3]]
    return dx, dw, db


def im2col(x_pad, HH: int, WW: int, H_out: int, W_out: int, stride: int):
    """Every HHxWW window of padded images (N, C, Hp, Wp) as a column: shape (C·HH·WW, N·H'·W').

    Built one filter position (p, q) at a time: what entry (p, q) of every window sees is one strided
    slice of the input, so HH·WW copies fill the matrix whatever the batch or image size.
    """
    N, C = x_pad.shape[:2]
    cols = np.empty((C, HH, WW, N, H_out, W_out))
    for p in range(HH):
        for q in range(WW):
            cols[:, p, q] = x_pad[_seen_by(p, q, H_out, W_out, stride)].transpose(1, 0, 2, 3)
    return cols.reshape(C * HH * WW, N * H_out * W_out)


def col2im(dcols, x_pad_shape, HH: int, WW: int, H_out: int, W_out: int, stride: int):
    """The inverse scatter of ``im2col``: each window's gradient (C·HH·WW, N·H'·W') added back where it came from.

    Overlapping windows (stride < filter size) share input pixels, and their contributions add up.
    """
    N, C = x_pad_shape[:2]
    dcols = dcols.reshape(C, HH, WW, N, H_out, W_out)
    dx_pad = np.zeros(x_pad_shape)
    for p in range(HH):
        for q in range(WW):
            dx_pad[_seen_by(p, q, H_out, W_out, stride)] += dcols[:, p, q].transpose(1, 0, 2, 3)
    return dx_pad


def conv_forward(x, w, b, stride: int = 1, pad: int = 0):
    """Convolution (cross-correlation) of images by filters: (out (N, F, H', W'), cache for ``conv_backward``).

    x: (N, C, H, W) images; w: (F, C, HH, WW) filters; b: (F,) biases; ``pad`` zeros around each image,
    windows ``stride`` pixels apart: H' = 1 + (H + 2·pad − HH) // stride, W' likewise, and
    out[n, f, i, j] = Σ_c Σ_p Σ_q x_pad[n, c, i·stride + p, j·stride + q] · w[f, c, p, q] + b[f].
    """
    # Every window at once: the windows become the columns of a matrix of shape (C·HH·WW, N·H'·W')
    # ("im2col"); the convolution is then one matrix product with the filters as rows, (F, C·HH·WW).
    H_out, W_out = check_conv_shapes(x.shape, w.shape, stride, pad)
    N, F = x.shape[0], w.shape[0]
    HH, WW = w.shape[2:]
    x_pad = _pad(x, pad)
    cols = im2col(x_pad, HH, WW, H_out, W_out, stride)
    out = np.dot(w.reshape(F, -1), cols)
    out += b[:, None]
    return out.reshape(F, N, H_out, W_out).transpose(1, 0, 2, 3), (x.shape, x_pad.shape, w, stride, pad, cols)


def conv_backward(dout, cache):
    """Gradients (dx, dw, db) of ``conv_forward`` from ``dout`` = ∂L/∂out (N, F, H', W'); shapes as x, w, b.

    Each output number used one window of x_pad and the filter w[f]: dout[n, f, i, j] · w[f] flows back to
    that window of dx_pad, dout[n, f, i, j] · window to dw[f], and dout[n, f, i, j] to db[f]; overlapping
    windows add up. dx is dx_pad without the padding.
    """
    # dw and db are sums over the windows (one matrix product, one sum); dx sends each window's gradient
    # back where the window came from (col2im).
    x_shape, x_pad_shape, w, stride, pad, _ = cache
    H, W = x_shape[2:]
    F, _, HH, WW = w.shape
    H_out, W_out = dout.shape[2:]
    dout_rows, dw, db = _param_gradients(dout, cache)
    dx_pad = col2im(np.dot(w.reshape(F, -1).T, dout_rows), x_pad_shape, HH, WW, H_out, W_out, stride)
    return dx_pad[:, :, pad : pad + H, pad : pad + W], dw, db


def conv_param_gradients(dout, cache):
    """(dw, db) of ``conv_forward`` alone, for a first layer, whose input needs no gradient: half the work."""
    return _param_gradients(dout, cache)[1:]


def _param_gradients(dout, cache):
    w, cols = cache[2], cache[5]
    F = w.shape[0]
    dout_rows = dout.transpose(1, 0, 2, 3).reshape(F, -1)  # (F, N·H'·W'), in the order of cols' columns
    return dout_rows, np.dot(dout_rows, cols.T).reshape(w.shape), dout_rows.sum(axis=1)


# ------------------------------------------------------------------------------------------ max-pooling


def check_pool_shapes(x_shape, size: int, stride: int) -> tuple[int, int]:
    """(H', W') of max-pooling ``size``x``size`` windows by ``stride`` over (N, C, H, W); ExerciseError if it cannot."""
    if len(x_shape) != 4:
        raise ExerciseError(f"max-pooling takes x of shape (N, C, H, W), got {x_shape}")
    if size < 1 or stride < 1 or size > min(x_shape[2:]):
        raise ExerciseError(f"a {size}x{size} pool with stride {stride} does not fit a {x_shape[2]}x{x_shape[3]} input")
    return output_size(x_shape[2], size, stride, 0), output_size(x_shape[3], size, stride, 0)


def maxpool_forward_loops(x, size: int = 2, stride: int = 2):
    """The largest value of each ``size``x``size`` window, one at a time: (out (N, C, H', W'), cache)."""
    H_out, W_out = check_pool_shapes(x.shape, size, stride)
    N, C = x.shape[:2]
    out = np.zeros((N, C, H_out, W_out))
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    out[n, c, i, j] = x[n, c, i * stride : i * stride + size, j * stride : j * stride + size].max()
    return out, (x, size, stride)


def maxpool_backward_loops(dout, cache):
    """dx of max-pooling from ``dout`` (N, C, H', W'): each window's gradient goes to its largest entry.

    Only the maximum influenced the output, so it alone gets the gradient; on a tie, the first
    maximum in reading order (as ``argmax`` picks it).
    """
    x, size, stride = cache
    N, C, H_out, W_out = dout.shape
    dx = np.zeros_like(x, dtype=float)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    window = x[n, c, i * stride : i * stride + size, j * stride : j * stride + size]
                    p, q = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i * stride + p, j * stride + q] += dout[n, c, i, j]
    return dx


def maxpool_forward(x, size: int = 2, stride: int = 2):
    """The largest value of each ``size``x``size`` window of x (N, C, H, W), windows ``stride`` apart:
    (out (N, C, H', W'), cache for ``maxpool_backward``), H' = 1 + (H − size) // stride, W' likewise.
    """
    # What entry (p, q) of every window sees is one strided slice of x (as in im2col), so the maximum
    # is taken slice by slice. The cache keeps, for each (p, q), a mask of the windows whose largest
    # entry sits there (the first one in reading order on a tie, as the loop version's argmax picks).
    H_out, W_out = check_pool_shapes(x.shape, size, stride)
    seen = [x[_seen_by(p, q, H_out, W_out, stride)] for p in range(size) for q in range(size)]
    out = seen[0].copy()
    for part in seen[1:]:
        np.maximum(out, part, out=out)
    taken = np.zeros(out.shape, dtype=bool)
    first_max = []
    for part in seen:
        here = (part == out) & ~taken
        taken |= here
        first_max.append(here)
    return out, (x.shape, size, stride, first_max)


def maxpool_backward(dout, cache):
    """dx (N, C, H, W) of ``maxpool_forward`` from ``dout`` (N, C, H', W'): each window's dout goes to the
    position of its largest entry (the first one on a tie), and nowhere else; overlapping windows add up.
    """
    x_shape, size, stride, first_max = cache
    H_out, W_out = dout.shape[2:]
    dx = np.zeros(x_shape)
    for k, here in enumerate(first_max):  # overlapping windows (stride < size) add up their shares
        dx[_seen_by(k // size, k % size, H_out, W_out, stride)] += here * dout
    return dx


# ------------------------------------------------------------------------------------------ ReLU, affine, softmax


def relu_forward(x):
    """ReLU(x) = max(0, x), elementwise, any shape: (out, cache)."""
    return np.maximum(x, 0.0), x


def relu_backward(dout, cache):
    """dx of ReLU: the upstream gradient where x > 0, zero elsewhere (the slope at exactly 0 is taken as 0)."""
    return dout * (cache > 0)


def relu(x):
    """max(0, x), elementwise, any shape."""
    return np.maximum(x, 0.0)


def affine_forward(x, w, b):
    """A fully connected layer: x (N, d_1, ..., d_k) flattened to (N, D), times w (D, M), plus b (M,).

    Returns (out (N, M), cache).
    """
    rows = x.reshape(x.shape[0], -1)
    return np.dot(rows, w) + b, (x.shape, rows, w)


def affine_backward(dout, cache):
    """Gradients (dx, dw, db) of ``affine_forward`` from ``dout`` (N, M); dx has x's original shape."""
    x_shape, rows, w = cache
    return np.dot(dout, w.T).reshape(x_shape), np.dot(rows.T, dout), dout.sum(axis=0)


def softmax(scores):
    """Class probabilities from scores (N, K): exp(s − max s) normalised per row (the max subtracted: no overflow)."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def softmax_loss(scores, y):
    """(mean cross-entropy loss, dscores) for scores (N, K) and correct classes y (N,) of integers in [0, K).

    L = −(1/N) Σ_n log p[n, y_n] with p = softmax(scores); ∂L/∂scores = (p − onehot(y)) / N.
    """
    N = scores.shape[0]
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(N)
    loss = -float(log_p[rows, y].sum()) / N
    dscores = np.exp(log_p)
    dscores[rows, y] -= 1.0
    dscores /= N
    return loss, dscores
