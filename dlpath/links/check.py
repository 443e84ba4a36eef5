"""Check URLs over HTTP politely: one shared session, a per-host pool, deadlines, redirects and retries.

Each URL is tried HEAD first; GET follows only when HEAD cannot give the verdict: the server refuses
or mishandles HEAD, or HEAD was redirected to an HTML page whose title and first heading are needed
for the soft-404 check (``read_titles`` asks for that check on every HTML page, at one more request
each). Redirects are followed by hand, and at most 64 KiB of a body is ever read. ``requests`` is
imported only when a check actually runs.
"""

from __future__ import annotations

import os
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from queue import SimpleQueue
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from dlpath.links.deadline import Guard, Watchdog, current, pool_classes
from dlpath.links.failure import Failure, classify, network_errors
from dlpath.links.options import BODY_LIMIT, CHUNK, CheckOptions
from dlpath.links.pool import HostPool, Schedule, backoff_delay, host_of
from dlpath.links.result import LinkVerdict, UrlCheck
from dlpath.links.verdict import (
    HEADING,
    REDIRECTS,
    SLOW_DOWN,
    TITLE,
    Answer,
    bot_challenge,
    judge_answer,
    retry_after_seconds,
    text_of,
)

if TYPE_CHECKING:
    import requests

__all__ = ["CheckOptions", "Checker", "check_urls"]


class Checker:
    """Checks URLs with one shared session; safe to use from many threads at once."""

    def __init__(self, options: CheckOptions) -> None:
        import requests
        from requests.adapters import HTTPAdapter

        self.options = options
        self.stopping = threading.Event()
        self.pool = HostPool(options.per_host, self.stopping)
        self.watchdog = Watchdog()
        self.session = requests.Session()
        adapter = HTTPAdapter(
            pool_connections=max(options.concurrency, 1),  # one pool per host, as many as in flight
            pool_maxsize=max(min(options.per_host, options.concurrency), 1),
            max_retries=0,
        )
        adapter.poolmanager.pool_classes_by_scheme = pool_classes()
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
            raise Failure("cancelled", "not checked: the run was interrupted")

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
            except Failure as failure:
                if failure.kind in Failure.RETRYABLE and retries_left:
                    if failure.kind == "reset":
                        use_head = False  # a HEAD that drops the connection gets a GET next time
                    self._pause(backoff_delay(self.options.backoff, attempts))
                    continue
                tries = f" (after {attempts} attempts)" if attempts > 1 else ""
                return UrlCheck(url, failure.verdict, None, None, failure.reason + tries,
                                time.monotonic() - started, attempts)
            use_head = use_head and not head_failed
            if answer.status in SLOW_DOWN and retries_left and not bot_challenge(answer):
                wait_for = retry_after_seconds(answer.headers.get("retry-after"))
                if wait_for is None:
                    wait_for = backoff_delay(self.options.backoff, attempts)
                # the pause is the host's: every request to it waits, other hosts go on
                self.pool.slow_down(host_of(answer.final_url), min(wait_for, self.options.retry_after_cap))
                continue
            if answer.status >= 500 and retries_left and not bot_challenge(answer):
                self._pause(backoff_delay(self.options.backoff, attempts))
                continue
            verdict, reason, permanent = judge_answer(url, answer, self.options, attempts)
            return UrlCheck(url, verdict, answer.status, answer.final_url, reason,
                            time.monotonic() - started, attempts, permanent)

    def _attempt(self, url: str, use_head: bool) -> tuple[Answer, bool]:
        """One try: HEAD (unless known useless), then GET when needed. Returns the answer and
        whether HEAD failed to give one (so later tries go straight to GET)."""
        deadline = [0.0]  # set when the first request starts: waiting for a slot is not the server's fault
        head = None
        if use_head:
            try:
                head = self._follow(url, "HEAD", deadline)
            except Failure as failure:
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

    def _follow(self, url: str, method: str, deadline: list[float], seen: list[int] | None = None) -> Answer:
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
                raise Failure("invalid", f"redirected to {target}, which is not a web address")
            if len(hops) >= self.options.max_redirects:
                raise Failure("redirects", f"more than {self.options.max_redirects} redirects (last to {target})")
            # a site may set a cookie and send us back to the same address once; that is not a loop
            if target in visited and not answer.headers.get("set-cookie"):
                raise Failure("redirects", f"redirect loop: {current} sends back to {target}")
            hops.append(answer.status)
            visited.add(target)
            current = target

    def _request(self, url: str, method: str, deadline: list[float]) -> Answer:
        """One HTTP request under the host's slot and the attempt's deadline."""
        host = host_of(url)
        try:
            port = urlsplit(url).port or (443 if url.lower().startswith("https") else 80)
        except ValueError:
            raise Failure("invalid", f"not a URL that can be fetched: bad port in {url}") from None
        for key in (f"dns:{host}", f"tcp:{host}:{port}"):
            if (known := self.pool.known_failure(key)) is not None:
                raise Failure(known.kind, known.reason)
        with self.pool.slot(host):
            if not deadline[0]:
                deadline[0] = time.monotonic() + self.options.timeout
            remaining = deadline[0] - time.monotonic()
            if remaining <= 0:
                raise Failure("timeout", f"no complete answer within {self.options.timeout:g} s")
            guard = Guard(deadline[0])
            current.guard = guard
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
                    raise Failure("timeout", f"no complete answer within {self.options.timeout:g} s")
                answer = Answer(response.status_code, response.headers, url)
                if method == "GET" and (answer.is_html or answer.status >= 400):
                    finished = self._read_start(response, answer, guard)
                else:
                    finished = method == "HEAD"
                return answer
            except network_errors() as exc:
                if guard.fired or time.monotonic() >= deadline[0]:
                    raise Failure("timeout", f"no complete answer within {self.options.timeout:g} s") from None
                failure = classify(exc, self.options, url)
                if failure.kind == "dns":
                    self.pool.remember_failure(f"dns:{host}", failure)
                elif failure.kind == "refused":
                    self.pool.remember_failure(f"tcp:{host}:{port}", failure)
                raise failure from None
            finally:
                guard.finish()
                current.guard = None
                if response is not None:
                    if finished and not guard.fired:
                        response.raw.release_conn()  # the body is done: the connection can be reused
                    else:
                        response.close()  # never drain an unread body

    def _read_start(self, response: requests.Response, answer: Answer, guard: Guard) -> bool:
        """Read at most BODY_LIMIT bytes, stopping once the title and first heading are known.
        Returns whether the whole body was read. Raises Failure at the deadline if no title came."""
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
        except network_errors():
            if not data:  # a body cut short still tells what it had
                raise
        encoding = response.encoding if "charset" in (answer.headers.get("content-type") or "") else None
        try:
            text = bytes(data).decode(encoding or "utf-8", errors="replace")
        except LookupError:  # a charset Python does not know
            text = bytes(data).decode("utf-8", errors="replace")
        answer.body = text
        title, heading = TITLE.search(text), HEADING.search(text)
        answer.title = text_of(title[1]) if title else None
        answer.heading = text_of(heading[1]) if heading else None
        cut_short = not whole and len(data) < BODY_LIMIT and not heading
        if cut_short and (guard.fired or time.monotonic() >= guard.deadline) and answer.title is None:
            raise Failure(
                "timeout",
                f"answered {answer.status} but sent only {len(data)} bytes of the page"
                f" within {self.options.timeout:g} s",
            )
        return whole



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
    schedule = Schedule(urls, options.per_host)
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
                    finished.put(UrlCheck(url, LinkVerdict.BROKEN, None, None, f"check failed: {err!r}", 0.0, 1))
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
