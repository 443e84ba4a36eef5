"""Link checking for the catalogue: collect -> check (host pool, retries, deadlines) -> report.

Stages, one module each: ``collect`` (the links and their context), ``check`` (the HTTP work),
``report`` (the only module that knows output formats); around them ``run`` (the pipeline),
``cache``, ``wayback``, ``fix`` and ``last_run``. A check's outcome is ``result.LinkResult``.
"""
