"""What a link check produces: the verdicts and the plain data object every output format renders."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class LinkVerdict(StrEnum):
    """What a check concluded about a link, from best to worst for the reader."""

    OK = "ok"
    REDIRECTED = "redirected"  # works, but moved (permanent redirects mean the catalogue should change)
    SUSPECT = "suspect"  # answers 200 but looks like a "page not found" (soft 404)
    BLOCKED = "blocked"  # the site refuses automated checks; a person can probably still read it
    TIMEOUT = "timeout"
    BROKEN = "broken"


#: Verdicts that make the run fail (exit 1) without --strict, and the extra ones with it.
FAILING = frozenset({LinkVerdict.BROKEN, LinkVerdict.TIMEOUT})
FAILING_STRICT = FAILING | {LinkVerdict.REDIRECTED, LinkVerdict.SUSPECT, LinkVerdict.BLOCKED}


@dataclass(frozen=True, slots=True)
class UrlCheck:
    """The outcome of checking one URL, before it is tied to the catalogue entries that use it."""

    url: str
    verdict: LinkVerdict
    status: int | None  # the last HTTP status seen, None when no answer came
    final_url: str | None  # where the redirect chain ended, None when there was no answer
    reason: str
    seconds: float
    attempts: int  # tries of the whole request chain, retries included (0 when from the cache)
    permanent: bool = False  # for redirected: every hop was 301 or 308
    cached: bool = False
    kind: str = ""  # what was found, for suggestions: a failure's kind (dns, reset, ...) or a finding's


@dataclass(frozen=True, slots=True)
class LinkResult:
    """One catalogue link and what its check found; every report format renders these."""

    resource_id: str
    step: int
    label: str  # STEP.N, e.g. 3.2
    field: str  # "url" or "archive_url"
    url: str
    verdict: LinkVerdict
    status: int | None
    final_url: str | None
    reason: str
    seconds: float
    attempts: int
    permanent: bool = False
    cached: bool = False
    archived_copy: str | None = None  # a Wayback Machine snapshot found by --suggest-archive
    suggestion: str | None = None  # what the maintainer could do about it
    failing_since: str | None = None  # when failing, the first run of its failing streak (ISO 8601, UTC)
    failing_runs: int = 0  # when failing, how many runs in a row (this one included) it has failed

    def to_json(self) -> dict[str, Any]:
        """The result as JSON-ready data (the verdict as its string)."""
        data = {name: getattr(self, name) for name in self.__slots__}  # asdict() deep-copies: 10x slower
        data["verdict"] = str(self.verdict)
        data["seconds"] = round(self.seconds, 3)
        return data


def summary_counts(results: list[LinkResult]) -> dict[str, int]:
    """How many results have each verdict (every verdict present, zeros included), plus the total."""
    counts = {"total": len(results)} | {str(v): 0 for v in LinkVerdict}
    for result in results:
        counts[str(result.verdict)] += 1
    return counts


def is_failure(verdict: LinkVerdict, strict: bool) -> bool:
    """Whether a verdict makes ``check-links`` exit 1."""
    return verdict in (FAILING_STRICT if strict else FAILING)
