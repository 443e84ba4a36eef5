"""Link checking for the catalogue: collect -> check (host pool, retries, deadlines) -> report.

Stages, one module each: ``collect`` (the links and their context), ``check`` (the HTTP work of one
URL and of many), ``report`` (the only module that knows output formats). The check stands on
``verdict`` (the pure rules: what an answer means for a reader), ``body`` (decoding a page's start
under a cap), ``urls`` (addresses as browsers treat them), ``failure`` (requests that got no
answer), ``deadline`` (the watchdog), ``pool`` (per-host politeness and the schedule) and
``options``. Around them: ``run`` (the pipeline), ``cache``, ``history`` (runs over time),
``wayback``, ``fix`` and ``last_run``.
A check's outcome is ``result.LinkResult``.
"""
