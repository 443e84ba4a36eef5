"""Politeness across many URLs: per-host slots and pauses, backoff, and a schedule that takes hosts in turn."""

from __future__ import annotations

import random
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from dlpath.links.failure import Failure


def backoff_delay(base: float, retry: int) -> float:
    """Exponential backoff with jitter: ``base * 2**(retry-1)`` plus up to ``base`` at random."""
    return base * 2 ** (retry - 1) + random.uniform(0, base)


def host_of(url: str) -> str:
    """The host a URL's requests count against for --per-host (its lower-cased name, port ignored)."""
    return (urlsplit(url).hostname or "").lower()



class _Host:
    def __init__(self, limit: int) -> None:
        self.slots = threading.BoundedSemaphore(limit)
        self.not_before = 0.0  # monotonic time before which no request may start (Retry-After)


class HostPool:
    """Per-host limits: at most ``per_host`` requests in flight, and pauses asked for by Retry-After."""

    def __init__(self, per_host: int, stop: threading.Event | None = None, max_wait: float = float("inf")) -> None:
        self.per_host = per_host
        self.max_wait = max_wait  # a longer pause is not waited for: the request fails as rate-limited
        self.stop = stop or threading.Event()
        self._hosts: dict[str, _Host] = {}
        self._failures: dict[str, Failure] = {}  # hosts known dead in this run (DNS, refused)
        self._lock = threading.Lock()

    def _host(self, name: str) -> _Host:
        with self._lock:
            if name not in self._hosts:
                self._hosts[name] = _Host(self.per_host)
            return self._hosts[name]

    @contextmanager
    def slot(self, name: str) -> Iterator[None]:
        """Hold one of the host's slots, once any pause the host asked for is over; a pause longer than
        ``max_wait`` is not waited out (Failure "rate-limited" at once, so no link holds the run)."""
        host = self._host(name)
        with host.slots:
            while (pause := host.not_before - time.monotonic()) > 0:
                if pause > self.max_wait:
                    raise Failure("rate-limited", f"rate-limited; retry after {pause:.0f} s")
                if self.stop.wait(pause):
                    raise Failure("cancelled", "not checked: the run was interrupted")
            yield

    def slow_down(self, name: str, seconds: float) -> None:
        """No request to this host starts for ``seconds`` (other hosts go on; see ``slot`` for long ones)."""
        host = self._host(name)
        with self._lock:
            host.not_before = max(host.not_before, time.monotonic() + seconds)

    def known_failure(self, key: str) -> Failure | None:
        """The failure already seen for ``key`` (``dns:HOST`` or ``tcp:HOST:PORT``) in this run, if any."""
        return self._failures.get(key)

    def remember_failure(self, key: str, failure: Failure) -> None:
        """Remember that ``key`` failed, so later requests to it fail at once without trying."""
        self._failures.setdefault(key, failure)



class Schedule:
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
        """A URL of ``host`` is checked: one more of its URLs may be handed out."""
        with self._cond:
            self.busy[host] -= 1
            self._cond.notify()

    def stop(self) -> None:
        """Hand out nothing more (the run is over or interrupted)."""
        with self._cond:
            self.stopped = True
            self._cond.notify_all()

