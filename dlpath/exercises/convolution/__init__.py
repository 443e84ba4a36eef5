"""The convolution exercise (step 5): ``maths`` (the layers, forward and backward, as loops and vectorised), ``cnn``
(a small network for the 8x8 digits and its training loop), ``walkthrough`` (one tiny convolution by hand),
``views``, ``demo`` (what the command shows) and ``practice`` (what the learner writes, the hints, the checks).

Shapes are (N, C, H, W) for images and (F, C, HH, WW) for filters. The functions can also be imported from the
package itself (``from dlpath.exercises.convolution import conv_forward``); they are loaded on first use, so that
listing the exercises never imports NumPy.
"""

from __future__ import annotations

import importlib


def __getattr__(name: str):  # noqa: ANN202 - whatever the maths module defines under that name
    if name.startswith("__"):
        raise AttributeError(name)
    return getattr(importlib.import_module(f"{__name__}.maths"), name)
