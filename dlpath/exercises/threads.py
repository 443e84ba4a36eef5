"""One BLAS thread for the exercises' small matrices, chosen before NumPy loads.

A product of a 1,438x64 and a 64x32 matrix takes about 0.5 ms on one thread; OpenBLAS splits it over
every core, and on a busy machine the threads wait for each other: it was measured 40 times slower
(21 ms) with two threads under load. Nothing in the exercises is large enough to gain from more threads.
"""

from __future__ import annotations

import os
import sys

_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread() -> None:
    """Ask the BLAS NumPy will load for one thread, unless the user set a count or NumPy is loaded already."""
    if "numpy" in sys.modules:
        return  # too late to matter, and changing the environment now would only mislead child processes
    for name in _VARIABLES:
        os.environ.setdefault(name, "1")
