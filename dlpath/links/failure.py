"""Requests that got no usable answer: what went wrong, in words a maintainer can act on."""

from __future__ import annotations

import errno
import functools
import http.client
import socket
import ssl
from typing import Any
from urllib.parse import urlsplit

from urllib3 import exceptions as errors

from dlpath.links.options import CheckOptions
from dlpath.links.result import LinkVerdict


class Failure(Exception):
    """A request that got no usable answer: ``kind`` decides retries and the verdict."""

    RETRYABLE = frozenset({"timeout", "reset"})

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind  # timeout reset dns refused unreachable tls invalid redirects rate-limited encoding
        self.reason = reason

    @property
    def verdict(self) -> LinkVerdict:
        """The verdict this failure gives the link: blocked, timeout or broken."""
        if self.kind == "rate-limited":
            return LinkVerdict.BLOCKED  # the site asked to be left alone for longer than we wait
        return LinkVerdict.TIMEOUT if self.kind == "timeout" else LinkVerdict.BROKEN


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


def classify(exc: BaseException, options: CheckOptions, url: str) -> Failure:
    """Turn a urllib3/socket exception into a Failure with a reason a maintainer can act on."""
    causes = _causes(exc)
    host = urlsplit(url).hostname or url
    for cause in causes:
        if isinstance(cause, ssl.SSLCertVerificationError):
            detail = cause.verify_message or cause.reason or "verification failed"
            return Failure("tls", f"TLS error: certificate not trusted ({detail})")
    for cause in causes:
        if isinstance(cause, (ssl.SSLError, errors.SSLError)):
            detail = getattr(cause, "reason", None) or str(cause).split(":")[-1].strip() or "handshake failed"
            return Failure("tls", f"TLS error: {detail}")
    for cause in causes:
        if isinstance(cause, (errors.NameResolutionError, socket.gaierror)):
            if any(isinstance(c, socket.gaierror) and c.errno in (socket.EAI_AGAIN, socket.EAI_FAIL) for c in causes):
                return Failure("dns", f"DNS lookup failed for {host}: no answer from the name server")
            return Failure("dns", f"DNS lookup failed: no address for {host}")
        if isinstance(cause, ConnectionRefusedError):
            return Failure("refused", f"connection refused by {host}")
        if isinstance(cause, OSError) and cause.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return Failure("unreachable", f"no route to {host}: is the network down?")
    if isinstance(exc, errors.ConnectTimeoutError):
        return Failure("timeout", f"could not connect within {min(options.connect_timeout, options.timeout):g} s")
    if isinstance(exc, errors.ReadTimeoutError):
        return Failure("timeout", f"no answer within {options.timeout:g} s")
    if isinstance(exc, (errors.LocationValueError, errors.URLSchemeUnknown, errors.InvalidHeader, ValueError)):
        return Failure("invalid", f"not a URL that can be fetched: {exc}")
    last = causes[-1] if causes else exc
    return Failure("reset", f"connection failed: {type(last).__name__}: {last}".strip().rstrip(":"))


@functools.cache
def network_errors() -> tuple[type[BaseException], ...]:
    """What a request or a body read can raise when the network or the server lets us down (and the
    errors urllib3 raises for addresses it cannot use)."""
    return (errors.HTTPError, http.client.HTTPException, OSError, ValueError)
