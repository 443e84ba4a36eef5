"""How a link check runs: limits, deadlines and politeness, shared by the transport and the verdicts."""

from __future__ import annotations

from dataclasses import dataclass

BODY_LIMIT = 64 * 1024  # of a page's decoded start: enough for its <title> and first heading
ANCHOR_BODY_LIMIT = 512 * 1024  # for a link to page#section: anchors can sit deep in a long article
CHUNK = 8192
#: What a browser sends besides its User-Agent when it is asked to fetch a page a checker was refused.
BROWSER_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """How to check: limits, deadlines and politeness (the defaults are the command's)."""

    timeout: float = 15.0  # total deadline of one attempt (all its requests, redirects and body reads)
    connect_timeout: float = 5.0  # for opening a connection; never more than ``timeout``
    concurrency: int = 128  # URLs checked at once, in all (lychee's default)
    per_host: int = 4  # requests in flight to one host, never exceeded
    retries: int = 2  # extra attempts after a timeout, a reset, a 5xx or a 429
    max_redirects: int = 20  # as browsers
    accept: frozenset[int] = frozenset()  # statuses counted as working besides 2xx; never retried
    user_agent: str = "dlpath"
    backoff: float = 0.5  # first retry delay in seconds; doubles each retry, plus jitter
    retry_after_cap: float = 10.0  # the longest Retry-After waited for; a longer one is reported at once
    head_only: bool = False  # HEAD first, GET only when HEAD cannot tell: no page wording or anchors read
    browser_retry: bool = True  # on 401/403 and similar, ask once more as a browser would
