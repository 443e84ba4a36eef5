"""Ask the Wayback Machine's availability API for the latest snapshot of dead links (--suggest-archive)."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

from dlpath.paths import wayback_api_override

DEFAULT_API = "https://archive.org/wayback/available"
LOOKUPS_AT_ONCE = 4  # archive.org is one host: the same politeness as --per-host's default


def wayback_api(explicit: str | None = None) -> str:
    """The availability API to ask: ``--wayback-api``, else ``$DLPATH_WAYBACK_API``, else archive.org's."""
    return explicit or wayback_api_override() or DEFAULT_API


def snapshot_from(data: object) -> str | None:
    """The snapshot URL in an availability API answer, if it has a usable (2xx) one."""
    if not isinstance(data, dict):
        return None
    closest = (data.get("archived_snapshots") or {}).get("closest")
    if not isinstance(closest, dict) or not closest.get("available"):
        return None
    url, status = closest.get("url"), str(closest.get("status", "200"))
    if not isinstance(url, str) or not url.startswith(("http://", "https://")) or not status.startswith("2"):
        return None
    if url.startswith("http://web.archive.org/"):
        url = "https://" + url[len("http://"):]
    return url


class Lookup(NamedTuple):
    """What the archive said about one URL: its latest snapshot (None: it has none), or why it could not be
    asked (``error``), which is not the same as having no copy."""

    snapshot: str | None
    error: str | None = None


def find_snapshots(urls: Sequence[str], api: str, user_agent: str, timeout: float = 15.0) -> dict[str, Lookup]:
    """url -> the archive's answer for each URL."""
    import requests  # local: 40 ms to import, for the few runs that ask the archive

    session = requests.Session()
    session.headers["User-Agent"] = user_agent

    def lookup(url: str) -> Lookup:
        try:
            response = session.get(api, params={"url": url}, timeout=(min(5.0, timeout), timeout))
            response.raise_for_status()
            return Lookup(snapshot_from(response.json()))
        except requests.HTTPError as err:
            return Lookup(None, f"the archive answered {err.response.status_code}")
        except requests.RequestException as err:
            return Lookup(None, f"the archive could not be reached ({type(err).__name__})")
        except ValueError:
            return Lookup(None, "the archive's answer was not JSON")

    with session, ThreadPoolExecutor(max_workers=LOOKUPS_AT_ONCE) as executor:
        return dict(zip(urls, executor.map(lookup, urls), strict=True))
