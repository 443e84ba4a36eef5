"""dlpath: a command-line companion for "7 Steps to Understanding Deep Learning"."""

__version__ = "0.1.0"
