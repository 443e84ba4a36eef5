"""The backprop exercise: ``maths`` (the reference functions), ``walkthrough`` (one step by hand), ``views``, ``demo``
(what the command shows) and ``practice`` (what the learner writes, the hints), whose checks are in ``checks``
(with ``mistakes``, the networks they use and the typical mistakes they name).

The maths can also be imported from the package itself (``from dlpath.exercises.backprop import ...``); they are
loaded on first use, so that listing the exercises never imports NumPy.
"""

from __future__ import annotations

import importlib


def __getattr__(name: str):  # noqa: ANN202 - whatever the maths module defines under that name
    if name.startswith("__"):
        raise AttributeError(name)
    return getattr(importlib.import_module(f"{__name__}.maths"), name)
