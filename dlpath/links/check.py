"""Check URLs over HTTP politely: one shared session, a per-host pool, deadlines, redirects and retries.

Each URL is tried HEAD first; GET follows only when HEAD cannot give the verdict: the server refuses
or mishandles HEAD, or HEAD was redirected to an HTML page whose title and first heading are needed
for the soft-404 check (``read_titles`` asks for that check on every HTML page, at one more request
each). Redirects are followed by hand, and at most 64 KiB of a body is ever read. ``requests`` is
imported only when a check actually runs.
"""

from __future__ import annotations

import email.utils
import errno
import functools
import heapq
import html
import os
import random
import re
import socket
import ssl
import threading
import time
import urllib.request
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from queue import SimpleQueue
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from dlpath.links.result import UrlCheck, Verdict

if TYPE_CHECKING:
    import requests

BODY_LIMIT = 64 * 1024  # enough for a page's <title> and first heading
CHUNK = 8192
REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
SLOW_DOWN = frozenset({429, 503})  # statuses whose Retry-After is honoured for the whole host


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


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay in seconds or an HTTP date); None if unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_delay(base: float, retry: int) -> float:
    """Exponential backoff with jitter: ``base * 2**(retry-1)`` plus up to ``base`` at random."""
    return base * 2 ** (retry - 1) + random.uniform(0, base)


def host_of(url: str) -> str:
    """The host a URL's requests count against for --per-host (its lower-cased name, port ignored)."""
    return (urlsplit(url).hostname or "").lower()


# --------------------------------------------------------------------------- failures


class _Failure(Exception):
    """A request that got no usable answer: ``kind`` decides retries and the verdict."""

    RETRYABLE = frozenset({"timeout", "reset"})

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind  # timeout reset dns refused unreachable tls invalid redirects
        self.reason = reason

    @property
    def verdict(self) -> Verdict:
        return Verdict.TIMEOUT if self.kind == "timeout" else Verdict.BROKEN


def _causes(exc: BaseException) -> list[BaseException]:
    """An exception and everything it wraps (urllib3 nests the real cause several levels down)."""
    found: list[BaseException] = []
    stack: list[Any] = [exc]
    while stack:
        item = stack.pop()
        if not isinstance(item, BaseException) or any(item is seen for seen in found):
            continue
        found.append(item)
        stack.extend([getattr(item, "reason", None), item.__cause__, item.__context__, *item.args])
    return found


def _classify(exc: BaseException, options: CheckOptions, url: str) -> _Failure:
    """Turn a requests/urllib3/socket exception into a _Failure with a reason a maintainer can act on."""
    import requests
    from urllib3.exceptions import NameResolutionError

    causes = _causes(exc)
    host = urlsplit(url).hostname or url
    for cause in causes:
        if isinstance(cause, ssl.SSLCertVerificationError):
            detail = cause.verify_message or cause.reason or "verification failed"
            return _Failure("tls", f"TLS error: certificate not trusted ({detail})")
    for cause in causes:
        if isinstance(cause, (ssl.SSLError, requests.exceptions.SSLError)):
            detail = getattr(cause, "reason", None) or str(cause).split(":")[-1].strip() or "handshake failed"
            return _Failure("tls", f"TLS error: {detail}")
    for cause in causes:
        if isinstance(cause, (NameResolutionError, socket.gaierror)):
            return _Failure("dns", f"DNS lookup failed: no address for {host}")
        if isinstance(cause, ConnectionRefusedError):
            return _Failure("refused", f"connection refused by {host}")
        if isinstance(cause, OSError) and cause.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return _Failure("unreachable", f"no route to {host}: is the network down?")
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return _Failure("timeout", f"could not connect within {min(options.connect_timeout, options.timeout):g} s")
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return _Failure("timeout", f"no answer within {options.timeout:g} s")
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema,
                        requests.exceptions.MissingSchema, requests.exceptions.InvalidHeader)):
        return _Failure("invalid", f"not a URL that can be fetched: {exc}")
    last = causes[-1] if causes else exc
    return _Failure("reset", f"connection failed: {type(last).__name__}: {last}".strip().rstrip(":"))


# --------------------------------------------------------------------------- deadlines


class _Guard:
    """The deadline of one request: the watchdog shuts its connections down when it passes."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.fired = False
        self._done = False
        self._conns: list[Any] = []
        self._lock = threading.Lock()

    def watch(self, conn: Any) -> None:
        with self._lock:
            self._conns.append(conn)
            if self.fired:
                _shutdown(conn)

    def expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            for conn in self._conns:
                _shutdown(conn)

    def finish(self) -> None:
        with self._lock:
            self._done = True


def _shutdown(conn: Any) -> None:
    sock = getattr(conn, "sock", None)
    if sock is not None:
        try:
            # the plain socket method, even for TLS: it only wakes the reader, which then fails
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError:
            pass


class _Watchdog:
    """One thread that expires guards at their deadlines (a per-read timeout cannot stop a trickle)."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, _Guard]] = []
        self._cond = threading.Condition()
        self._count = 0
        self._closed = False
        self._thread: threading.Thread | None = None

    def arm(self, guard: _Guard) -> None:
        with self._cond:
            self._count += 1
            heapq.heappush(self._heap, (guard.deadline, self._count, guard))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="dlpath-watchdog", daemon=True)
                self._thread.start()
            if self._heap[0][2] is guard:  # only an earlier deadline needs the thread to wake up
                self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()

    def expire_all(self) -> None:
        with self._cond:
            guards, self._heap = [g for _, _, g in self._heap], []
        for guard in guards:
            guard.expire()

    def _run(self) -> None:
        with self._cond:
            while not self._closed:
                now = time.monotonic()
                while self._heap and self._heap[0][0] <= now:
                    heapq.heappop(self._heap)[2].expire()
                self._cond.wait(self._heap[0][0] - now if self._heap else None)


_current = threading.local()  # the guard of the request this thread is making


def _watch_connection(conn: Any) -> None:
    guard = getattr(_current, "guard", None)
    if guard is not None:
        guard.watch(conn)


def _pool_classes() -> dict[str, type]:
    """urllib3 pools whose connections report to the current thread's guard when a request starts."""
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class WatchedHTTPConnection(HTTPConnection):
        def request(self, *args: Any, **kwargs: Any) -> None:
            _watch_connection(self)
            super().request(*args, **kwargs)

    class WatchedHTTPSConnection(HTTPSConnection):
        def request(self, *args: Any, **kwargs: Any) -> None:
            _watch_connection(self)
            super().request(*args, **kwargs)

    class WatchedHTTPPool(HTTPConnectionPool):
        ConnectionCls = WatchedHTTPConnection

    class WatchedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = WatchedHTTPSConnection

    return {"http": WatchedHTTPPool, "https": WatchedHTTPSPool}


# --------------------------------------------------------------------------- the host pool


class _Host:
    def __init__(self, limit: int) -> None:
        self.slots = threading.BoundedSemaphore(limit)
        self.not_before = 0.0  # monotonic time before which no request may start (Retry-After)


class HostPool:
    """Per-host limits: at most ``per_host`` requests in flight, and pauses asked for by Retry-After."""

    def __init__(self, per_host: int, stop: threading.Event | None = None) -> None:
        self.per_host = per_host
        self.stop = stop or threading.Event()
        self._hosts: dict[str, _Host] = {}
        self._failures: dict[str, _Failure] = {}  # hosts known dead in this run (DNS, refused)
        self._lock = threading.Lock()

    def _host(self, name: str) -> _Host:
        with self._lock:
            if name not in self._hosts:
                self._hosts[name] = _Host(self.per_host)
            return self._hosts[name]

    @contextmanager
    def slot(self, name: str) -> Iterator[None]:
        """Hold one of the host's slots, once any pause the host asked for is over."""
        host = self._host(name)
        with host.slots:
            while (pause := host.not_before - time.monotonic()) > 0:
                if self.stop.wait(pause):
                    raise _Failure("cancelled", "not checked: the run was interrupted")
            yield

    def slow_down(self, name: str, seconds: float) -> None:
        """No request to this host starts for ``seconds`` (other hosts go on)."""
        host = self._host(name)
        with self._lock:
            host.not_before = max(host.not_before, time.monotonic() + seconds)

    def known_failure(self, key: str) -> _Failure | None:
        return self._failures.get(key)

    def remember_failure(self, key: str, failure: _Failure) -> None:
        self._failures.setdefault(key, failure)


# --------------------------------------------------------------------------- one answer


@dataclass
class _Answer:
    """The last response of a redirect chain, and what was learnt on the way."""

    status: int
    headers: Any  # a case-insensitive mapping
    final_url: str
    hops: list[int] = field(default_factory=list)  # statuses of the redirects followed
    title: str | None = None
    heading: str | None = None
    body: str = ""  # the start of the body (decoded), when it was read

    @property
    def is_html(self) -> bool:
        kind = (self.headers.get("content-type") or "").lower()
        return not kind or "html" in kind

    @property
    def ok_status(self) -> bool:
        return 200 <= self.status < 300


_TITLE = re.compile(r"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
_HEADING = re.compile(r"<h1[^>]*>(.*?)</h1", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")
_NOT_FOUND = re.compile(
    r"\b404\b|\bnot found\b|page (?:does not|doesn't) exist|no longer (?:exists|available)"
    r"|page (?:cannot|can't|could not|couldn't) be found|\bpage is gone\b",
    re.IGNORECASE,
)
_CHALLENGE_TITLES = re.compile(
    r"just a moment|attention required|checking your browser|ddos-guard|verify you are human"
    r"|are you a robot|access denied.*cloudflare|please wait while we verify|security check",
    re.IGNORECASE,
)
_CHALLENGE_BODY = re.compile(r"cf-browser-verification|challenge-platform|_cf_chl_opt|cf_chl_|captcha-delivery")


def _text(fragment: str | None) -> str | None:
    if fragment is None:
        return None
    return " ".join(html.unescape(_TAGS.sub(" ", fragment)).split())[:200] or None


def _challenge(answer: _Answer) -> str | None:
    """Why an answer looks like bot protection rather than the page itself, or None."""
    if answer.status == 999:
        return "status 999: the site refuses automated checks"
    mitigated = answer.headers.get("cf-mitigated")
    if mitigated:
        return f"{answer.status} with Cloudflare's cf-mitigated: {mitigated}"
    if answer.title and _CHALLENGE_TITLES.search(answer.title):
        return f"{answer.status} with a bot-check page ('{answer.title}')"
    if answer.status in (403, 429, 503) and _CHALLENGE_BODY.search(answer.body):
        return f"{answer.status} with a bot-check page"
    return None


def _is_root(url: str) -> bool:
    parts = urlsplit(url)
    return parts.path in ("", "/", "/index.html", "/index.php") and not parts.query


def judge(url: str, answer: _Answer, options: CheckOptions, attempts: int) -> tuple[Verdict, str, bool]:
    """The verdict, reason and permanence of a redirect for the answer a URL finally gave."""
    status = answer.status
    phrase = _phrase(status)
    challenge = _challenge(answer)
    if challenge:
        return Verdict.BLOCKED, challenge, False
    if answer.ok_status or status in options.accept:
        said = next(
            ((what, text) for what, text in (("title", answer.title), ("first heading", answer.heading))
             if text and _NOT_FOUND.search(text)),
            None,
        )
        if said and answer.ok_status:
            return Verdict.SUSPECT, f"answers {status} but its {said[0]} says '{said[1]}'", False
        if answer.hops and _is_root(answer.final_url) and not _is_root(url):
            return (Verdict.SUSPECT,
                    f"redirected to the site's home page {answer.final_url}: the page was probably removed", False)
        if answer.hops:
            permanent = all(hop in PERMANENT_REDIRECTS for hop in answer.hops)
            kind = "permanent" if permanent else "temporary"
            codes = ", ".join(str(h) for h in answer.hops)
            return Verdict.REDIRECTED, f"{kind} redirect ({codes}) to {answer.final_url}", permanent
        return Verdict.OK, f"{status} {phrase}".strip(), False
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    if status == 429:
        return Verdict.BLOCKED, f"429 Too Many Requests{tries}: the site rate-limits checkers", False
    return Verdict.BROKEN, f"{status} {phrase}{tries}".strip(), False


@functools.cache
def _network_errors() -> tuple[type[BaseException], ...]:
    """What a request or a body read can raise when the network or the server lets us down."""
    import http.client

    import requests
    import urllib3

    return (requests.RequestException, urllib3.exceptions.HTTPError, http.client.HTTPException, OSError)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


# --------------------------------------------------------------------------- checking one URL


class Checker:
    """Checks URLs with one shared session; safe to use from many threads at once."""

    def __init__(self, options: CheckOptions) -> None:
        import requests
        from requests.adapters import HTTPAdapter

        self.options = options
        self.stopping = threading.Event()
        self.pool = HostPool(options.per_host, self.stopping)
        self.watchdog = _Watchdog()
        self.session = requests.Session()
        adapter = HTTPAdapter(
            pool_connections=max(options.concurrency, 1),  # one pool per host, as many as in flight
            pool_maxsize=max(min(options.per_host, options.concurrency), 1),
            max_retries=0,
        )
        adapter.poolmanager.pool_classes_by_scheme = _pool_classes()
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update({
            "User-Agent": options.user_agent,
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        })
        # The environment (proxies, CA bundle) is read once here rather than on every request, which
        # is what trust_env does and a fifth of the CPU a check costs; netrc credentials are not wanted.
        self.session.trust_env = False
        self._proxies = urllib.request.getproxies()
        self._proxies_by_host: dict[str, dict[str, str]] = {}
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle:
            self.session.verify = bundle

    def _proxies_for(self, host: str) -> dict[str, str]:
        """The environment's proxies for a host, honouring no_proxy (looked up once per host)."""
        found = self._proxies_by_host.get(host)
        if found is None:
            bypass = not self._proxies or urllib.request.proxy_bypass_environment(host, self._proxies)
            found = {} if bypass else {k: v for k, v in self._proxies.items() if k != "no"}
            self._proxies_by_host[host] = found
        return found

    def _prepare(self, method: str, url: str) -> requests.PreparedRequest:
        """The request as ``Session.request`` would prepare it (the session's headers and cookies), without
        merging per-request settings that are never given here: a quarter of the CPU a request costs."""
        from requests.models import PreparedRequest

        prepared = PreparedRequest()
        prepared.prepare(method=method, url=url, headers=self.session.headers, cookies=self.session.cookies)
        return prepared

    def abort(self) -> None:
        """Stop soon: pauses end, and requests in flight are cut off now rather than at their deadlines."""
        self.stopping.set()
        self.watchdog.expire_all()

    def _pause(self, seconds: float) -> None:
        if self.stopping.wait(seconds):
            raise _Failure("cancelled", "not checked: the run was interrupted")

    def close(self) -> None:
        self.watchdog.close()
        self.session.close()

    def __enter__(self) -> Checker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # one URL ------------------------------------------------------------------------------

    def check(self, url: str) -> UrlCheck:
        """Check one URL: attempts with retries and waits, then a verdict."""
        started = time.monotonic()
        use_head = True
        attempts = 0
        while True:
            attempts += 1
            retries_left = attempts <= self.options.retries
            try:
                answer, head_failed = self._attempt(url, use_head)
            except _Failure as failure:
                if failure.kind in _Failure.RETRYABLE and retries_left:
                    if failure.kind == "reset":
                        use_head = False  # a HEAD that drops the connection gets a GET next time
                    self._pause(backoff_delay(self.options.backoff, attempts))
                    continue
                tries = f" (after {attempts} attempts)" if attempts > 1 else ""
                return UrlCheck(url, failure.verdict, None, None, failure.reason + tries,
                                time.monotonic() - started, attempts)
            use_head = use_head and not head_failed
            if answer.status in SLOW_DOWN and retries_left and not _challenge(answer):
                wait_for = retry_after_seconds(answer.headers.get("retry-after"))
                if wait_for is None:
                    wait_for = backoff_delay(self.options.backoff, attempts)
                # the pause is the host's: every request to it waits, other hosts go on
                self.pool.slow_down(host_of(answer.final_url), min(wait_for, self.options.retry_after_cap))
                continue
            if answer.status >= 500 and retries_left and not _challenge(answer):
                self._pause(backoff_delay(self.options.backoff, attempts))
                continue
            verdict, reason, permanent = judge(url, answer, self.options, attempts)
            return UrlCheck(url, verdict, answer.status, answer.final_url, reason,
                            time.monotonic() - started, attempts, permanent)

    def _attempt(self, url: str, use_head: bool) -> tuple[_Answer, bool]:
        """One try: HEAD (unless known useless), then GET when needed. Returns the answer and
        whether HEAD failed to give one (so later tries go straight to GET)."""
        deadline = [0.0]  # set when the first request starts: waiting for a slot is not the server's fault
        head = None
        if use_head:
            try:
                head = self._follow(url, "HEAD", deadline)
            except _Failure as failure:
                if failure.kind != "reset":
                    raise
            if head is not None:
                # asked to wait: the retry honours it (a bare 503 may be a bot check: its page tells)
                asked_to_wait = head.status == 429 or head.headers.get("retry-after")
                if head.status in SLOW_DOWN and asked_to_wait and not head.headers.get("cf-mitigated"):
                    return head, False
                if head.ok_status and not (head.is_html and (head.hops or self.options.read_titles)):
                    return head, False
        if head is not None and head.ok_status:
            # HEAD worked but led elsewhere (or titles are wanted): one GET of the page it ended on reads
            # its title and first heading for the soft-404 check
            answer = self._follow(head.final_url, "GET", deadline, seen=head.hops)
            return answer, False
        return self._follow(url, "GET", deadline), True

    def _follow(self, url: str, method: str, deadline: list[float], seen: list[int] | None = None) -> _Answer:
        """Request ``url`` and follow its redirects by hand, detecting loops."""
        hops = list(seen or [])
        visited = {url}
        current = url
        while True:
            answer = self._request(current, method, deadline)
            location = answer.headers.get("location")
            if answer.status not in REDIRECTS or not location:
                answer.hops = hops
                return answer
            target = urljoin(current, location.strip())
            if urlsplit(target).scheme not in ("http", "https"):
                raise _Failure("invalid", f"redirected to {target}, which is not a web address")
            if len(hops) >= self.options.max_redirects:
                raise _Failure("redirects", f"more than {self.options.max_redirects} redirects (last to {target})")
            # a site may set a cookie and send us back to the same address once; that is not a loop
            if target in visited and not answer.headers.get("set-cookie"):
                raise _Failure("redirects", f"redirect loop: {current} sends back to {target}")
            hops.append(answer.status)
            visited.add(target)
            current = target

    def _request(self, url: str, method: str, deadline: list[float]) -> _Answer:
        """One HTTP request under the host's slot and the attempt's deadline."""
        host = host_of(url)
        try:
            port = urlsplit(url).port or (443 if url.lower().startswith("https") else 80)
        except ValueError:
            raise _Failure("invalid", f"not a URL that can be fetched: bad port in {url}") from None
        for key in (f"dns:{host}", f"tcp:{host}:{port}"):
            if (known := self.pool.known_failure(key)) is not None:
                raise _Failure(known.kind, known.reason)
        with self.pool.slot(host):
            if not deadline[0]:
                deadline[0] = time.monotonic() + self.options.timeout
            remaining = deadline[0] - time.monotonic()
            if remaining <= 0:
                raise _Failure("timeout", f"no complete answer within {self.options.timeout:g} s")
            guard = _Guard(deadline[0])
            _current.guard = guard
            self.watchdog.arm(guard)
            response = None
            finished = False
            try:
                response = self.session.send(
                    self._prepare(method, url), stream=True, allow_redirects=False, verify=self.session.verify,
                    cert=None, proxies=self._proxies_for(host),
                    timeout=(min(self.options.connect_timeout, remaining), remaining),
                )
                if guard.fired:  # cut off mid-headers: http.client takes the shutdown for their end
                    raise _Failure("timeout", f"no complete answer within {self.options.timeout:g} s")
                answer = _Answer(response.status_code, response.headers, url)
                if method == "GET" and (answer.is_html or answer.status >= 400):
                    finished = self._read_start(response, answer, guard)
                else:
                    finished = method == "HEAD"
                return answer
            except _network_errors() as exc:
                if guard.fired or time.monotonic() >= deadline[0]:
                    raise _Failure("timeout", f"no complete answer within {self.options.timeout:g} s") from None
                failure = _classify(exc, self.options, url)
                if failure.kind == "dns":
                    self.pool.remember_failure(f"dns:{host}", failure)
                elif failure.kind == "refused":
                    self.pool.remember_failure(f"tcp:{host}:{port}", failure)
                raise failure from None
            finally:
                guard.finish()
                _current.guard = None
                if response is not None:
                    if finished and not guard.fired:
                        response.raw.release_conn()  # the body is done: the connection can be reused
                    else:
                        response.close()  # never drain an unread body

    def _read_start(self, response: requests.Response, answer: _Answer, guard: _Guard) -> bool:
        """Read at most BODY_LIMIT bytes, stopping once the title and first heading are known.
        Returns whether the whole body was read. Raises _Failure at the deadline if no title came."""
        raw = response.raw
        data = bytearray()
        whole = False
        try:
            while len(data) < BODY_LIMIT:
                if time.monotonic() >= guard.deadline:
                    break
                chunk = raw.read1(min(CHUNK, BODY_LIMIT - len(data)))
                if not chunk:
                    whole = not guard.fired
                    break
                data += chunk
                if b"</h1" in data.lower():
                    break
        except _network_errors():
            if not data:  # a body cut short still tells what it had
                raise
        encoding = response.encoding if "charset" in (answer.headers.get("content-type") or "") else None
        try:
            text = bytes(data).decode(encoding or "utf-8", errors="replace")
        except LookupError:  # a charset Python does not know
            text = bytes(data).decode("utf-8", errors="replace")
        answer.body = text
        title, heading = _TITLE.search(text), _HEADING.search(text)
        answer.title = _text(title[1]) if title else None
        answer.heading = _text(heading[1]) if heading else None
        cut_short = not whole and len(data) < BODY_LIMIT and not heading
        if cut_short and (guard.fired or time.monotonic() >= guard.deadline) and answer.title is None:
            raise _Failure(
                "timeout",
                f"answered {answer.status} but sent only {len(data)} bytes of the page"
                f" within {self.options.timeout:g} s",
            )
        return whole


# --------------------------------------------------------------------------- many URLs


class _Schedule:
    """Hands URLs to workers host by host in turn, never more than ``per_host`` of one host at once, so
    that a host with many links cannot hold every worker while other hosts wait."""

    def __init__(self, urls: Iterable[str], per_host: int) -> None:
        self.queues: OrderedDict[str, deque[str]] = OrderedDict()
        for url in dict.fromkeys(urls):
            self.queues.setdefault(host_of(url), deque()).append(url)
        self.per_host = per_host
        self.busy: dict[str, int] = {}
        self.stopped = False
        self._cond = threading.Condition()

    def take(self) -> tuple[str, str] | None:
        """The next URL (and its host) to check, waiting while every host left is at its limit."""
        with self._cond:
            while self.queues and not self.stopped:
                for host, queue in self.queues.items():
                    if self.busy.get(host, 0) < self.per_host:
                        url = queue.popleft()
                        if queue:
                            self.queues.move_to_end(host)
                        else:
                            del self.queues[host]
                            if not self.queues:
                                self._cond.notify_all()  # the workers still waiting can go home
                        self.busy[host] = self.busy.get(host, 0) + 1
                        return url, host
                self._cond.wait()
            return None

    def done(self, host: str) -> None:
        with self._cond:
            self.busy[host] -= 1
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self.stopped = True
            self._cond.notify_all()


def check_urls(
    urls: Iterable[str],
    options: CheckOptions,
    on_checked: Callable[[UrlCheck], None] | None = None,
) -> dict[str, UrlCheck]:
    """Check every URL (each once) with ``concurrency`` workers and at most ``per_host`` per host.

    The host limit is enforced twice: the schedule hands out at most ``per_host`` URLs of a host, and
    every request (redirect hops to other hosts included) holds one of its host's slots.
    ``on_checked`` is called in this thread as results arrive.
    """
    schedule = _Schedule(urls, options.per_host)
    total = sum(len(q) for q in schedule.queues.values())
    results: dict[str, UrlCheck] = {}
    if not total:
        return results
    finished: SimpleQueue[UrlCheck] = SimpleQueue()
    workers = min(options.concurrency, total)
    with Checker(options) as checker, ThreadPoolExecutor(workers, thread_name_prefix="dlpath-check") as pool:

        def work() -> None:
            while (item := schedule.take()) is not None:
                url, host = item
                try:
                    finished.put(checker.check(url))
                except Exception as err:  # noqa: BLE001 - one odd URL must not sink the run
                    finished.put(UrlCheck(url, Verdict.BROKEN, None, None, f"check failed: {err!r}", 0.0, 1))
                finally:
                    schedule.done(host)

        for _ in range(workers):
            pool.submit(work)
        try:
            while len(results) < total:
                check = finished.get()
                results[check.url] = check
                if on_checked is not None:
                    on_checked(check)
        finally:
            schedule.stop()
            if len(results) < total:  # interrupted (Ctrl-C): cut the requests in flight short
                checker.abort()
    return results
