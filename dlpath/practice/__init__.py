"""Practice mode: the learner writes the exercises' functions, dlpath grades them safely, with hints.

- ``specs``: each practice exercise, its file, the functions to write and the hints;
- ``scaffold``: the starting file, built from the reference's signatures and docstrings;
- ``checks``: what is checked (run inside the sandbox), ``harness``: the sandbox process's main;
- ``sandbox``: starting, limiting and reading that process, ``results``: what grading returns;
- ``grading``: grade a file and record a pass, ``hints``: the next hint.
"""
