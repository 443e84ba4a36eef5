"""Step 5: a convolutional network's layers, forward and backward, in NumPy, and a small CNN for the 8x8 digits.

The public functions, with their (N, C, H, W) shapes, are in ``layers`` (``conv_forward``,
``conv_backward``, ``maxpool_forward``, ``maxpool_backward``, ``relu``, ``relu_forward``,
``relu_backward``, ``affine_forward``, ``affine_backward``, ``softmax_loss``, and the slow ``*_loops``
versions for reading), ``cnn`` (the network and its training loop) and ``walkthrough`` (one tiny
convolution, every number).
"""

from dlpath.exercises.convolution.layers import (
    affine_backward,
    affine_forward,
    conv_backward,
    conv_backward_loops,
    conv_forward,
    conv_forward_loops,
    maxpool_backward,
    maxpool_backward_loops,
    maxpool_forward,
    maxpool_forward_loops,
    relu,
    relu_backward,
    relu_forward,
    softmax_loss,
)

__all__ = [
    "affine_backward",
    "affine_forward",
    "conv_backward",
    "conv_backward_loops",
    "conv_forward",
    "conv_forward_loops",
    "maxpool_backward",
    "maxpool_backward_loops",
    "maxpool_forward",
    "maxpool_forward_loops",
    "relu",
    "relu_backward",
    "relu_forward",
    "softmax_loss",
]
