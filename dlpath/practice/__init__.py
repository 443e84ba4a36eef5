"""Practice mode's machinery: the learner writes an exercise's functions, dlpath grades them safely, with hints.

What each exercise asks for (its functions, hints and checks) lives in its folder, in
``dlpath/exercises/<name>/practice.py``; here is only what grades any of them:

- ``specs``: what a practice spec holds, and finding an exercise's;
- ``scaffold``: the starting file, built from the reference's signatures and docstrings;
- ``checking``: the helpers checks are written with (run inside the sandbox), ``harness``: the sandbox process's main;
- ``sandbox``: starting, limiting and reading that process, ``results``: what grading returns;
- ``grading``: grade a file and record a pass, ``hints``: the next hint.
"""
