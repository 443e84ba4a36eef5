"""Hard deadlines for requests: a watchdog thread shuts a connection down when its deadline passes."""

from __future__ import annotations

import heapq
import socket
import threading
import time
from typing import Any

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class Guard:
    """The deadline of one request: the watchdog shuts its connections down when it passes."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.fired = False
        self._done = False
        self._conns: list[Any] = []
        self._lock = threading.Lock()

    def watch(self, conn: Any) -> None:
        """Shut ``conn`` down when the deadline passes (at once if it already has)."""
        with self._lock:
            self._conns.append(conn)
            if self.fired:
                _shutdown(conn)

    def expire(self) -> None:
        """The deadline has passed: shut the request's connections down (unless it finished)."""
        with self._lock:
            if self._done:
                return
            self.fired = True
            for conn in self._conns:
                _shutdown(conn)

    def finish(self) -> None:
        """The request is over: a later expiry must not touch connections now reused elsewhere."""
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


class Watchdog:
    """One thread that expires guards at their deadlines (a per-read timeout cannot stop a trickle)."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Guard]] = []
        self._cond = threading.Condition()
        self._count = 0
        self._closed = False
        self._thread: threading.Thread | None = None

    def arm(self, guard: Guard) -> None:
        """Expire ``guard`` at its deadline."""
        with self._cond:
            self._count += 1
            heapq.heappush(self._heap, (guard.deadline, self._count, guard))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="dlpath-watchdog", daemon=True)
                self._thread.start()
            if self._heap[0][2] is guard:  # only an earlier deadline needs the thread to wake up
                self._cond.notify()

    def close(self) -> None:
        """Stop the watchdog thread."""
        with self._cond:
            self._closed = True
            self._cond.notify()

    def expire_all(self) -> None:
        """Expire every armed guard now (the run is being interrupted)."""
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


current = threading.local()  # the guard of the request this thread is making


def _watch_connection(conn: Any) -> None:
    guard = getattr(current, "guard", None)
    if guard is not None:
        guard.watch(conn)


def _ack_at_once(conn: Any) -> None:
    """Ask the kernel to acknowledge the answer's first segment at once (Linux's TCP_QUICKACK).

    On a reused connection Linux delays ACKs by up to 40 ms, and a server that writes its headers and
    its body separately (without TCP_NODELAY) holds the body back until that ACK: every GET but the
    first on a connection then took 144 ms instead of 101 ms against a server answering in 100 ms.
    """
    sock = getattr(conn, "sock", None)
    if sock is not None and _QUICKACK is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
        except OSError:
            pass


_QUICKACK = getattr(socket, "TCP_QUICKACK", None)


def pool_classes() -> dict[str, type]:
    """urllib3 pools whose connections report to the current thread's guard when a request starts, and
    acknowledge answers without delay once it is sent."""
    class WatchedHTTPConnection(HTTPConnection):
        def request(self, *args: Any, **kwargs: Any) -> None:
            _watch_connection(self)
            super().request(*args, **kwargs)
            _ack_at_once(self)

    class WatchedHTTPSConnection(HTTPSConnection):
        def request(self, *args: Any, **kwargs: Any) -> None:
            _watch_connection(self)
            super().request(*args, **kwargs)
            _ack_at_once(self)

    class WatchedHTTPPool(HTTPConnectionPool):
        ConnectionCls = WatchedHTTPConnection

    class WatchedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = WatchedHTTPSConnection

    return {"http": WatchedHTTPPool, "https": WatchedHTTPSPool}
