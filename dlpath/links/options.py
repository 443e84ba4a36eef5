"""How a link check runs: limits, deadlines and politeness, shared by the transport and the verdicts."""

from __future__ import annotations

from dataclasses import dataclass

BODY_LIMIT = 64 * 1024  # enough for a page's <title> and first heading
CHUNK = 8192


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """How to check: limits, deadlines and politeness (the defaults are the command's)."""

    timeout: float = 15.0  # total deadline of one attempt (all its requests, redirects and body reads)
    connect_timeout: float = 5.0  # for opening a connection; never more than ``timeout``
    concurrency: int = 32  # URLs checked at once, in all
    per_host: int = 4  # requests in flight to one host, never exceeded
    retries: int = 2  # extra attempts after a timeout, a reset, a 5xx or a 429
    max_redirects: int = 10
    accept: frozenset[int] = frozenset()  # statuses counted as working besides 2xx
    user_agent: str = "dlpath"
    backoff: float = 0.5  # first retry delay in seconds; doubles each retry, plus jitter
    retry_after_cap: float = 60.0  # the longest Retry-After honoured
    read_titles: bool = False  # also GET pages HEAD found at their own address, for the soft-404 check

