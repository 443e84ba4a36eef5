"""Web addresses as browsers treat them: redirect targets decoded and percent-encoded, and URLs checked."""

from __future__ import annotations

import re
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

_SAFE = "!#$%&'()*+,/:;=?@[]~"  # what stays as it is when a URL is percent-encoded (as requests does)
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_URL_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")


def percent_encode(url: str) -> str:
    """``url`` with spaces, non-ASCII and other unsafe characters percent-encoded (UTF-8), existing escapes
    kept, and a non-ASCII host in its IDNA (punycode) form."""
    parts = urlsplit(url)
    netloc = parts.netloc
    host = parts.hostname or ""
    if host and not host.isascii():
        try:
            ascii_host = host.encode("idna").decode("ascii")
        except UnicodeError:
            ascii_host = quote(host, safe="")
        netloc = netloc.replace(host, ascii_host) if host in netloc else netloc.lower().replace(host, ascii_host)
    url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    safe = _SAFE if not _BAD_ESCAPE.search(url) else _SAFE.replace("%", "")
    return quote(url, safe=safe)


def redirect_target(current: str, location: str) -> str:
    """The absolute, percent-encoded URL a ``Location`` header sends a browser to.

    http.client reads header bytes as Latin-1; a server that wrote raw UTF-8 meant UTF-8 (browsers and
    requests read it so), so the text is turned back into its bytes and decoded as UTF-8 when it can be.
    """
    try:
        location = location.encode("latin-1").decode("utf-8")
    except UnicodeError:
        pass
    return percent_encode(urljoin(current, location.strip()))


def url_problem(url: str) -> str | None:
    """Why ``url`` is not a valid, percent-encoded http(s) address a catalogue can hold, or None if it is."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return "not an http:// or https:// address"
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        return "its port is not a number from 0 to 65535"
    del port
    if not host:
        return "it has no host"
    if not _URL_CHARS.fullmatch(url):
        return "it has characters that must be percent-encoded"
    if _BAD_ESCAPE.search(url):
        return "it has a '%' that is not a percent-escape"
    return None
