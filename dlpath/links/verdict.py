"""The verdict rules: what an answer means for a person with a browser.

Soft 404s (judged by the page's wording), bot challenges, sign-in walls, redirects to the home page,
missing #anchors, checkers refused where browsers are served. Pure functions of the answers a URL
gave; no network here.
"""

from __future__ import annotations

import email.utils
import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from dlpath.links.options import CheckOptions
from dlpath.links.result import LinkVerdict

REDIRECTS = frozenset({301, 302, 303, 307, 308})
META_REFRESH_HOP = 0  # a hop made by the page's <meta http-equiv="refresh">, in Answer.hops
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
    body_read: bool = False  # whether the start of the body was read (GET of an HTML page)
    cut_at: int = 0  # how many bytes were read when the body was not read to its end (cap or deadline), else 0
    browser: Answer | None = None  # the answer to the same request sent as a browser, when one was asked

    @property
    def is_html(self) -> bool:
        """Whether the answer is an HTML page (or says nothing of its type, as many servers do)."""
        kind = (self.headers.get("content-type") or "").lower()
        return not kind or "html" in kind

    @property
    def ok_status(self) -> bool:
        """Whether the status is 2xx."""
        return 200 <= self.status < 300


class Judgement(NamedTuple):
    """A verdict, why, whether a redirect was permanent, and what kind of finding it is (for suggestions)."""

    verdict: LinkVerdict
    reason: str
    permanent: bool = False
    kind: str = ""  # soft-404 sign-in home-page anchor bot rate-limited ...


TITLE = re.compile(r"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
HEADING = re.compile(r"<h1[^>]*>(.*?)</h1", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")
_ANCHORS = re.compile(r"""[\s"'](?:id|name)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE)
# "Not found" said in words: phrases that announce a missing page wherever they stand in a title ...
_NOT_FOUND_PHRASES = re.compile(
    r"\b(?:page|file|document|article|post|resource|content)\s+(?:was\s+|is\s+)?not\s+found\b"
    r"|\bpage\s+(?:does\s+not|doesn'?t|no\s+longer)\s+exists?\b"
    r"|\bpage\s+(?:cannot|can'?t|could\s+not|couldn'?t)\s+be\s+found\b"
    r"|\b(?:cannot|can'?t|could\s+not|couldn'?t)\s+find\s+(?:that|the|this)\s+page\b"
    r"|\bpage\s+you\s+(?:were\s+|are\s+)?(?:looking\s+for|requested)\b.{0,40}"
    r"\b(?:not|doesn'?t|no\s+longer|cannot|can'?t|couldn'?t|removed|moved)\b"
    r"|\b(?:page|post|article|content)\s+(?:is\s+)?(?:no\s+longer\s+available|has\s+been\s+(?:removed|deleted)|is\s+gone)\b",
    re.IGNORECASE,
)
# ... and titles whose part (between separators) says nothing but "404" / "not found"; "Understanding HTTP
# 404 status codes" is an article, "Sorry - 404" and "Error 404 (Not Found)!!1" are not.
_SEPARATORS = re.compile(r"\s+[-|:·•»/]\s+|\s*[|–—·•»]\s*|:\s+")
_FILLER = frozenset({"oops", "sorry", "whoops", "uh", "oh", "error", "http", "page", "file", "status", "code",
                     "the", "1", "a"})
_ONLY_NOT_FOUND = frozenset({"404", "not found", "404 not found", "not found 404"})
_SIGN_IN_PATH = re.compile(
    r"(?:^|/)(?:log-?in|log_in|sign-?in|sign_in|logon|authwall|servicelogin|authenticate|auth/login"
    r"|sessions?/new|uas/login|account/login|accounts/login|m/signin|cas/login)(?:[/.?;]|$)",
    re.IGNORECASE,
)
# "Sign in", "Sign in to GitHub", "Log in | Medium", "Login - Example"; not "Login walls, explained"
_SIGN_IN_TITLE = re.compile(r"^\s*(?:please\s+)?(?:sign|log)[\s-]*(?:in|on)(?:\s+to\b[^|·•–—]*)?\s*(?:[|·•–—:-].*)?$",
                            re.IGNORECASE)
_CHALLENGE_TITLES = re.compile(
    r"just a moment|attention required|checking your browser|ddos-guard|verify you are human"
    r"|are you a robot|access denied.*cloudflare|please wait while we verify|security check",
    re.IGNORECASE,
)
_CHALLENGE_BODY = re.compile(r"cf-browser-verification|challenge-platform|_cf_chl_opt|cf_chl_|captcha-delivery")
#: Statuses a site gives robots it would not give a browser: worth asking again as one.
ROBOT_REFUSALS = frozenset({400, 401, 403, 406, 409, 418, 451, 999})
_LINE_ANCHOR = re.compile(r"L\d+(?:C\d+)?(?:-L?\d+(?:C\d+)?)?")


def text_of(fragment: str | None) -> str | None:
    """The visible text of an HTML fragment (tags dropped, entities decoded, spaces collapsed), <= 200 chars."""
    if fragment is None:
        return None
    return " ".join(html.unescape(_TAGS.sub(" ", fragment)).split())[:200] or None


def says_not_found(text: str | None) -> bool:
    """Whether a title or heading announces a missing page ("Page not found", "404 | Site", "Error 404")."""
    if not text:
        return False
    if _NOT_FOUND_PHRASES.search(text):
        return True
    for part in _SEPARATORS.split(text):
        words = [w for w in re.sub(r"[^a-z0-9]+", " ", part.lower()).split() if w not in _FILLER]
        if " ".join(words) in _ONLY_NOT_FOUND:
            return True
    return False


def anchors_in(page: str) -> set[str]:
    """Every ``id`` and ``name`` attribute value in the HTML text ``page`` (entities decoded)."""
    return {html.unescape(next(v for v in m.groups() if v is not None)) for m in _ANCHORS.finditer(page)}


_META = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)
_REFRESH = re.compile(r"""http-equiv\s*=\s*["']?refresh""", re.IGNORECASE)
_REFRESH_CONTENT = re.compile(
    r"""content\s*=\s*(["'])\s*(\d+(?:\.\d+)?)\s*[;,]\s*(?:url\s*=\s*)?['"]?([^"'>]+?)['"]?\s*\1""", re.IGNORECASE)
META_REFRESH_WAIT = 10.0  # seconds: a page that moves on sooner is a redirect for a reader


def meta_refresh(page: str) -> str | None:
    """Where a ``<meta http-equiv="refresh" content="0; url=...">`` in the page's head sends a browser
    within ``META_REFRESH_WAIT`` seconds (the address as written), or None."""
    head = page[: page.lower().find("<body")] if "<body" in page.lower() else page
    for tag in _META.findall(head):
        if _REFRESH.search(tag) and (found := _REFRESH_CONTENT.search(tag)):
            if float(found[2]) <= META_REFRESH_WAIT and found[3].strip():
                return html.unescape(found[3].strip())
    return None


def checkable_fragment(url: str) -> str | None:
    """The #anchor of ``url`` a browser would scroll to, or None when there is nothing to look for: no
    fragment, ``#top``, client-side routes (``#/``, ``#!``), text fragments and parameters (``#t=30``,
    ``#:~:text=``) and code-viewer line anchors (``#L10-L20``), which pages make with scripts."""
    fragment = urlsplit(url).fragment
    if not fragment or fragment.lower() == "top" or fragment[0] in "/!:" or "=" in fragment:
        return None
    if _LINE_ANCHOR.fullmatch(fragment):
        return None
    return fragment


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


def is_sign_in_page(answer: Answer) -> bool:
    """Whether a page is a sign-in form, by its address (``/login``, ``/signin``, ...) or its title."""
    parts = urlsplit(answer.final_url)
    if _SIGN_IN_PATH.search(parts.path):
        return True
    return bool(answer.title and _SIGN_IN_TITLE.search(answer.title))


def _soft_404(answer: Answer) -> Judgement | None:
    for what, text in (("title", answer.title), ("main heading", answer.heading)):
        if says_not_found(text):
            return Judgement(LinkVerdict.SUSPECT, f"answers {answer.status} but its {what} says '{text}'",
                             kind="soft-404")
    return None


def _anchor(url: str, answer: Answer) -> Judgement | None:
    fragment = checkable_fragment(url)
    if fragment is None or not answer.body_read or not answer.is_html:
        return None
    anchors = anchors_in(answer.body)
    wanted = {fragment, unquote(fragment)}
    # GitHub renders a heading's id as user-content-NAME and its script scrolls #NAME to it
    if anchors & (wanted | {f"user-content-{name}" for name in wanted}):
        return None
    if answer.cut_at:
        read = f"{answer.cut_at // 1024} KiB" if answer.cut_at >= 1024 else f"{answer.cut_at} bytes"
        return Judgement(LinkVerdict.SUSPECT, f"no anchor #{fragment} in the first {read} of the page (the check"
                         " read no further; it may be further down)", kind="anchor")
    return Judgement(LinkVerdict.SUSPECT, f"the page has no anchor #{fragment} (no element with that id or name)",
                     kind="anchor")


def _as_browser(answer: Answer) -> Judgement | None:
    """The verdict when the checker was refused but a browser's request got the page."""
    browser = answer.browser
    if browser is None or not browser.ok_status:
        return None
    if (challenge := bot_challenge(browser)) is not None:
        return Judgement(LinkVerdict.BLOCKED, f"{answer.status} {_phrase(answer.status)}; as a browser: {challenge}",
                         kind="bot")
    if _soft_404(browser) is not None or (browser.hops and is_sign_in_page(browser)):
        return None  # a browser gets a "not found" page or a sign-in form: the refusal stands
    return Judgement(
        LinkVerdict.BLOCKED,
        f"{answer.status} {_phrase(answer.status)} for a checker, {browser.status} for a browser:"
        " the site turns robots away, readers get the page".replace("  ", " "),
        kind="bot",
    )


def judge_answer(url: str, answer: Answer, options: CheckOptions, attempts: int) -> Judgement:
    """The verdict on ``url`` (a catalogue URL, #fragment included) from the answer it finally gave."""
    status = answer.status
    phrase = _phrase(status)
    challenge = bot_challenge(answer)
    if challenge:
        return Judgement(LinkVerdict.BLOCKED, challenge, kind="bot")
    if answer.ok_status or status in options.accept:
        if answer.ok_status and (found := _soft_404(answer)):
            return found
        if answer.hops and is_sign_in_page(answer) and answer.ok_status:
            return Judgement(LinkVerdict.SUSPECT, f"redirected to a sign-in page {answer.final_url}: readers must"
                             " log in to see it", kind="sign-in")
        if answer.hops and _is_root(answer.final_url) and not _is_root(url):
            return Judgement(LinkVerdict.SUSPECT, f"redirected to the site's home page {answer.final_url}: the page"
                             " was probably removed", kind="home-page")
        if answer.ok_status and (missing := _anchor(url, answer)):
            return missing
        if answer.ok_status and answer.body_read and answer.is_html and not answer.cut_at and not answer.body.strip():
            return Judgement(LinkVerdict.SUSPECT, f"answers {status} with an empty page", kind="soft-404")
        if answer.hops:
            permanent = all(hop in PERMANENT_REDIRECTS for hop in answer.hops)
            kind = "permanent" if permanent else "temporary"
            codes = ", ".join("meta refresh" if h == META_REFRESH_HOP else str(h) for h in answer.hops)
            return Judgement(LinkVerdict.REDIRECTED, f"{kind} redirect ({codes}) to {answer.final_url}", permanent)
        return Judgement(LinkVerdict.OK, f"{status} {phrase}".strip())
    if (as_browser := _as_browser(answer)) is not None:
        return as_browser
    if answer.hops and status in (401, 403) and is_sign_in_page(answer):
        return Judgement(LinkVerdict.SUSPECT, f"redirected to a sign-in page {answer.final_url} ({status}):"
                         " readers must log in to see it", kind="sign-in")
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    if status == 429:
        return Judgement(LinkVerdict.BLOCKED, f"429 Too Many Requests{tries}: the site rate-limits checkers",
                         kind="rate-limited")
    return Judgement(LinkVerdict.BROKEN, f"{status} {phrase}{tries}".strip())


def _phrase(status: int) -> str:
    if status == 999:
        return ""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
