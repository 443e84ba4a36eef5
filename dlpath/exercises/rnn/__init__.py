"""Step 6: a character-level recurrent network (vanilla RNN or LSTM) learning a text, forward and backward in NumPy.

The public functions, with their shapes, are in ``vanilla`` (``rnn_step_forward``, ``rnn_forward``,
``rnn_backward``, ``clip_gradients``, ``sample``, ``adagrad_update``), ``lstm`` (``lstm_step_forward``,
``lstm_step_backward``, ``lstm_forward``, ``lstm_backward``, ``lstm_sample``), ``training`` (the loop),
``gradient_flow`` (vanishing and exploding gradients) and ``text`` (the Zen of Python, ``--text``).
"""

from dlpath.exercises.rnn.lstm import lstm_backward, lstm_forward, lstm_sample, lstm_step_backward, lstm_step_forward
from dlpath.exercises.rnn.vanilla import (
    adagrad_update,
    clip_gradients,
    rnn_backward,
    rnn_forward,
    rnn_step_forward,
    sample,
)

__all__ = [
    "adagrad_update",
    "clip_gradients",
    "lstm_backward",
    "lstm_forward",
    "lstm_sample",
    "lstm_step_backward",
    "lstm_step_forward",
    "rnn_backward",
    "rnn_forward",
    "rnn_step_forward",
    "sample",
]
