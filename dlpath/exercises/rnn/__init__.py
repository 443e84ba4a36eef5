"""The recurrent-network exercise (step 6): ``maths`` (a min-char-rnn vanilla RNN: ``rnn_step_forward``,
``rnn_forward``, ``rnn_backward``, ``clip_gradients``, ``sample``, Adagrad), ``lstm`` (the same with an LSTM cell),
``training`` (the loop), ``gradient_flow`` (vanishing and exploding gradients), ``text`` (the Zen of Python or
``--text FILE``), ``views``, ``demo`` (what the command shows) and ``practice``.

The functions can also be imported from the package itself (``from dlpath.exercises.rnn import rnn_forward``,
``lstm_forward``); they are loaded on first use, so that listing the exercises never imports NumPy.
"""

from __future__ import annotations

import importlib


def __getattr__(name: str):  # noqa: ANN202 - whatever the maths or lstm module defines under that name
    if name.startswith("__"):
        raise AttributeError(name)
    module = "lstm" if name.startswith("lstm") else "maths"
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
