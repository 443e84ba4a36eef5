"""The check-links pipeline: collected links -> cache -> checks -> archived copies -> results, saved."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from dlpath.links.check import CheckOptions, check_urls
from dlpath.links.collect import Link
from dlpath.links.result import LinkResult, LinkVerdict, UrlCheck

Progress = Callable[[int, int], None]  # (URLs checked so far, URLs to check)


@dataclass(frozen=True, slots=True)
class RunOptions:
    """Everything a run needs besides the links."""

    check: CheckOptions
    use_cache: bool = True
    max_age: float = 86400.0
    suggest_archive: bool = False
    wayback_api: str | None = None


@dataclass(frozen=True, slots=True)
class Run:
    """What a run found, in catalogue order, and how long it took."""

    results: tuple[LinkResult, ...]
    seconds: float


def check_links(links: Sequence[Link], options: RunOptions, progress: Progress | None = None) -> Run:
    """Check every link (each distinct URL once), reusing fresh cached ok results, and save the outcome."""
    from dlpath.links.cache import ResultCache
    from dlpath.links.last_run import save_last_run

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
    cache.record(fresh.values())
    checks.update(fresh)
    snapshots: dict[str, str | None] = {}
    if options.suggest_archive:
        from dlpath.links.wayback import find_snapshots, wayback_api

        dead = [link.url for link in links if link.field == "url" and not link.archive_url
                and checks[link.url].verdict in (LinkVerdict.BROKEN, LinkVerdict.TIMEOUT)]
        dead = list(dict.fromkeys(dead))
        if dead:
            snapshots = find_snapshots(dead, wayback_api(options.wayback_api), options.check.user_agent,
                                       options.check.timeout)
    results = tuple(
        _result(link, checks[link.url], snapshots.get(link.url) if link.field == "url" and not link.archive_url
                else None, options.suggest_archive)
        for link in links
    )
    saved: dict[str, dict[str, str | None]] = {}
    for r in results:  # a URL used twice keeps the archived copy found for either use
        copy = r.archived_copy or saved.get(r.url, {}).get("archived_copy")
        saved[r.url] = {"verdict": str(r.verdict), "archived_copy": copy}
    save_last_run(saved)
    return Run(results, time.monotonic() - started)


def _result(link: Link, check: UrlCheck, snapshot: str | None, asked_archive: bool) -> LinkResult:
    result = LinkResult(
        resource_id=link.resource_id, step=link.step, label=link.label, field=link.field, url=link.url,
        verdict=check.verdict, status=check.status, final_url=check.final_url, reason=check.reason,
        seconds=check.seconds, attempts=check.attempts, permanent=check.permanent, cached=check.cached,
        archived_copy=snapshot,
    )
    return replace(result, suggestion=suggestion(link, result, asked_archive))


def suggestion(link: Link, result: LinkResult, asked_archive: bool) -> str | None:
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
        if asked_archive:
            return "no archived copy found: look for the page elsewhere"
        return "look for an archived copy with --suggest-archive"
    if verdict is LinkVerdict.BLOCKED:
        return "open it in a browser: sites that block checkers usually still work for readers"
    if verdict is LinkVerdict.SUSPECT:
        return "open it in a browser: the page may have been removed"
    return None
