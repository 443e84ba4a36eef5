"""The check-links pipeline: collected links -> cache -> checks -> archived copies -> results, saved."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from dlpath.errors import DlpathError
from dlpath.links.cache import ResultCache
from dlpath.links.check import check_urls
from dlpath.links.collect import Link
from dlpath.links.history import record_run
from dlpath.links.last_run import save_last_run
from dlpath.links.options import CheckOptions
from dlpath.links.pool import host_of
from dlpath.links.result import LinkResult, LinkVerdict, UrlCheck, is_failure
from dlpath.links.wayback import Lookup, find_snapshots, wayback_api

Progress = Callable[[int, int], None]  # (URLs checked so far, URLs to check)


@dataclass(frozen=True, slots=True)
class RunOptions:
    """Everything a run needs besides the links."""

    check: CheckOptions
    use_cache: bool = True
    max_age: float = 86400.0
    suggest_archive: bool = False
    wayback_api: str | None = None
    strict: bool = False  # which verdicts count as failing in the history (as for the exit code)


@dataclass(frozen=True, slots=True)
class Run:
    """What a run found, in catalogue order, and how long it took."""

    results: tuple[LinkResult, ...]
    seconds: float


def check_links(links: Sequence[Link], options: RunOptions, progress: Progress | None = None) -> Run:
    """Check every link (each distinct URL once), reusing fresh cached ok results, and save the outcome."""
    started = time.monotonic()
    urls = list(dict.fromkeys(link.url for link in links))
    cache = ResultCache()
    checks: dict[str, UrlCheck] = (
        cache.fresh(urls, options.max_age, options.check.accept) if options.use_cache else {}
    )
    to_check = [url for url in urls if url not in checks]
    done = 0
    if progress is not None:
        progress(done, len(to_check))

    def checked(_: UrlCheck) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, len(to_check))

    fresh = check_urls(to_check, options.check, checked)
    if offline := no_network(fresh.values()):
        raise DlpathError(offline)
    cache.record(fresh.values())
    checks.update(fresh)
    lookups: dict[str, Lookup] = {}
    if options.suggest_archive:
        dead = [link.url for link in links if link.field == "url" and not link.archive_url
                and checks[link.url].verdict in (LinkVerdict.BROKEN, LinkVerdict.TIMEOUT)]
        dead = list(dict.fromkeys(dead))
        if dead:
            lookups = find_snapshots(dead, wayback_api(options.wayback_api), options.check.user_agent,
                                     options.check.timeout)
    streaks = record_run({url: str(check.verdict) for url, check in checks.items()},
                         lambda verdict: is_failure(LinkVerdict(verdict), options.strict))
    results = []
    for link in links:
        check = checks[link.url]
        lookup = lookups.get(link.url) if link.field == "url" and not link.archive_url else None
        streak = streaks.get(link.url)
        result = LinkResult(
            resource_id=link.resource_id, step=link.step, label=link.label, field=link.field, url=link.url,
            verdict=check.verdict, status=check.status, final_url=check.final_url, reason=check.reason,
            seconds=check.seconds, attempts=check.attempts, permanent=check.permanent, cached=check.cached,
            archived_copy=lookup.snapshot if lookup else None,
            failing_since=_iso(streak.since) if streak else None, failing_runs=streak.runs if streak else 0,
        )
        results.append(replace(result, suggestion=suggestion(link, result, options.suggest_archive, check.kind,
                                                             lookup.error if lookup else None)))
    saved: dict[str, dict[str, str | None]] = {}
    for r in results:  # a URL used twice keeps the archived copy found for either use
        copy = r.archived_copy or saved.get(r.url, {}).get("archived_copy")
        saved[r.url] = {"verdict": str(r.verdict), "archived_copy": copy}
    save_last_run(saved)
    return Run(tuple(results), time.monotonic() - started)


def no_network(checks: Iterable[UrlCheck]) -> str | None:
    """The one message for a run where every host failed to resolve (or be routed to): the network is
    down, not every link. None when any host answered or may really not exist.

    A single host that fails DNS may simply be gone; every one of several hosts failing, or the name
    server not answering at all, means no network.
    """
    checks = list(checks)
    if not checks or any(c.kind not in ("dns", "unreachable") for c in checks):
        return None
    hosts = {host_of(c.url) for c in checks}
    silent = any("no answer from the name server" in c.reason or c.kind == "unreachable" for c in checks)
    if len(hosts) < 2 and not silent:
        return None
    return (f"no network: DNS lookups failed for every host ({len(hosts)}), so no link was checked;"
            " connect to the internet and run check-links again")


def _iso(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def suggestion(link: Link, result: LinkResult, asked_archive: bool, kind: str = "",
               lookup_error: str | None = None) -> str | None:
    """What a maintainer could do about a result, in one line (None when nothing is needed)."""
    verdict = result.verdict
    if verdict is LinkVerdict.REDIRECTED and result.permanent:
        return f"update the catalogue to {result.final_url} (--fix does it)"
    if verdict in (LinkVerdict.BROKEN, LinkVerdict.TIMEOUT):
        if link.field == "archive_url":
            return "find another snapshot of the page for archive_url"
        if link.archive_url:
            return f"point readers to the archived copy {link.archive_url}"
        if result.archived_copy:
            return f"archived copy: {result.archived_copy} (--fix --suggest-archive records it)"
        if lookup_error:
            return f"archive lookup failed: {lookup_error}; try --suggest-archive again later"
        if asked_archive:
            return "no archived copy found: look for the page elsewhere"
        return "look for an archived copy with --suggest-archive"
    if verdict is LinkVerdict.BLOCKED:
        if kind == "rate-limited":
            return "check it later or open it in a browser: the site asked checkers to wait"
        return "open it in a browser: sites that block checkers usually still work for readers"
    if verdict is LinkVerdict.SUSPECT:
        return {
            "sign-in": "link to a copy readers can open without an account",
            "anchor": "open it in a browser: the section may have been renamed; fix or drop the #anchor",
        }.get(kind, "open it in a browser: the page may have been removed")
    return None
