"""The verdict rules: what an answer means for a reader (soft 404, bot challenge, home-page redirect).

Pure functions of the answer a URL gave; no network here.
"""

from __future__ import annotations

import email.utils
import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from dlpath.links.options import CheckOptions
from dlpath.links.result import LinkVerdict

REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
SLOW_DOWN = frozenset({429, 503})  # statuses whose Retry-After is honoured for the whole host


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



@dataclass
class Answer:
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


TITLE = re.compile(r"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
HEADING = re.compile(r"<h1[^>]*>(.*?)</h1", re.IGNORECASE | re.DOTALL)
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


def text_of(fragment: str | None) -> str | None:
    if fragment is None:
        return None
    return " ".join(html.unescape(_TAGS.sub(" ", fragment)).split())[:200] or None


def bot_challenge(answer: Answer) -> str | None:
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


def judge_answer(url: str, answer: Answer, options: CheckOptions, attempts: int) -> tuple[LinkVerdict, str, bool]:
    """The verdict, reason and permanence of a redirect for the answer a URL finally gave."""
    status = answer.status
    phrase = _phrase(status)
    challenge = bot_challenge(answer)
    if challenge:
        return LinkVerdict.BLOCKED, challenge, False
    if answer.ok_status or status in options.accept:
        said = next(
            ((what, text) for what, text in (("title", answer.title), ("first heading", answer.heading))
             if text and _NOT_FOUND.search(text)),
            None,
        )
        if said and answer.ok_status:
            return LinkVerdict.SUSPECT, f"answers {status} but its {said[0]} says '{said[1]}'", False
        if answer.hops and _is_root(answer.final_url) and not _is_root(url):
            return (LinkVerdict.SUSPECT,
                    f"redirected to the site's home page {answer.final_url}: the page was probably removed", False)
        if answer.hops:
            permanent = all(hop in PERMANENT_REDIRECTS for hop in answer.hops)
            kind = "permanent" if permanent else "temporary"
            codes = ", ".join(str(h) for h in answer.hops)
            return LinkVerdict.REDIRECTED, f"{kind} redirect ({codes}) to {answer.final_url}", permanent
        return LinkVerdict.OK, f"{status} {phrase}".strip(), False
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    if status == 429:
        return LinkVerdict.BLOCKED, f"429 Too Many Requests{tries}: the site rate-limits checkers", False
    return LinkVerdict.BROKEN, f"{status} {phrase}{tries}".strip(), False



def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""

