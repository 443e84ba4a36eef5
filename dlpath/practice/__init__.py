"""Practice mode's machinery: the learner writes an exercise's functions, dlpath grades them, with hints.

What each exercise asks for (its functions, hints and checks) lives in its folder, in
``dlpath/exercises/<name>/practice.py``; here is only what grades any of them:

- ``specs``: what a practice spec holds, and finding an exercise's; ``scaffold``: the starting file,
  built from the reference's signatures and docstrings, and the file to check;
- ``checking``: the helpers checks are written with; they run here, in the grader;
- ``learner``: the learner's code as the checks see it (a call in, a ``Reply`` out), ``codec``: values
  as data between the two processes (never pickles);
- ``process``: starting the sandbox process with its limits and ending everything it started,
  ``sandbox``: talking to it, ``worker``: its main, which only makes the calls it is asked;
- ``grading``: grade a file (in the sandbox, or in-process for tests), record a pass;
- ``results``: what grading returns, ``hints``: the next hint, ``watch``: ``--check --watch``,
  ``gradcheck``: the gradient check learners call from their own files.
"""
