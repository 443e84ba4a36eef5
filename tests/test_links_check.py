"""`dlpath check-links` against real servers on 127.0.0.x: every verdict, HEAD quirks, retries, deadlines,
redirects, refused and untrusted connections, and the per-host limit."""

from __future__ import annotations

import json
import socket
import ssl
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlpath.cli import app

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "links"))
import linkfarm as lf  # noqa: E402

runner = CliRunner()


def check(catalog: Path, *args: str):
    """Run check-links with JSON output; returns (exit code, results by resource id, whole payload)."""
    result = runner.invoke(app, ["--catalog", str(catalog), "check-links", "--no-cache", "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.stdout)
    return result.exit_code, {r["resource_id"]: r for r in data["results"]}, data


# --------------------------------------------------------------------------- one run, every verdict

MAIN_ROUTES = {
    "/": lf.page("Home"),
    "/ok": lf.ok,
    "/paper.pdf": lf.pdf,
    "/moved": lf.to("/ok"),
    "/moved-308": lf.to("/ok", 308),
    "/temp": lf.to("/ok", 302),
    "/chain-3": lf.to("/chain-2"),
    "/chain-2": lf.to("/chain-1", 308),
    "/chain-1": lf.to("/ok"),
    "/loop-a": lf.to("/loop-b", 302),
    "/loop-b": lf.to("/loop-a", 302),
    **{f"/far-{i}": lf.to(f"/far-{i + 1}", 302) for i in range(22)},
    "/gone": lf.status(404, "Not Found"),
    "/deep/2016/article": lf.to("/"),
    "/old-post": lf.to("/not-found", 302),
    "/not-found": lf.page("Page not found"),
    "/quiet-404": lf.page("Sorry - 404"),
    "/heading-404": lf.head_refused(405),
    "/no-head": lf.head_refused(405),
    "/head-forbidden": lf.head_refused(403),
    "/head-501": lf.head_refused(501),
    "/linkedin": lf.status(999, None),
    "/cloudflare": lf.status(403, "Just a moment...", {"cf-mitigated": "challenge"}),
    "/attention": lf.status(403, "Attention Required! | Cloudflare"),
    "/challenge-503": lf.status(503, "Just a moment..."),
    "/forbidden": lf.status(403, "Forbidden"),
    "/flaky": lf.fails_first(500),
    "/always-500": lf.status(500, "Internal Server Error"),
    "/reset": lf.reset,
}
RATE_ROUTES = {
    "/rate-seconds": lf.fails_first(429, lambda: {"Retry-After": "1"}),
    "/rate-date": lf.fails_first(503, lambda: {"Retry-After": lf.http_date_in(2)}),
}


def _heading_404(h: lf.Handler) -> None:
    if h.command == "HEAD":
        h.send("", status=405)
    else:
        h.send("<h1>Error 404: Not Found</h1>", title="Example Site")


MAIN_ROUTES["/heading-404"] = _heading_404

EXPECTED = {
    "ok": "ok", "paper-pdf": "ok", "moved": "redirected", "moved-308": "redirected", "temp": "redirected",
    "chain-3": "redirected", "loop-a": "broken", "far-0": "broken", "gone": "broken",
    "deep-2016-article": "suspect", "old-post": "suspect", "quiet-404": "suspect", "heading-404": "suspect",
    "no-head": "ok", "head-forbidden": "ok", "head-501": "ok", "linkedin": "blocked", "cloudflare": "blocked",
    "attention": "blocked", "challenge-503": "blocked", "forbidden": "broken", "flaky": "ok",
    "always-500": "broken", "reset": "broken", "rate-seconds": "ok", "rate-date": "ok", "other-host": "ok",
}


def _rid(path: str) -> str:
    return path.strip("/").replace("/", "-").replace(".", "-")


@pytest.fixture(scope="module")
def farms():
    with lf.Farm("127.0.0.1", MAIN_ROUTES) as main, lf.Farm("127.0.0.2", RATE_ROUTES) as rate, \
            lf.Farm("127.0.0.3", {"/ok": lf.ok}) as other:
        yield main, rate, other


@pytest.fixture(scope="module")
def everything(farms, tmp_path_factory):
    """One check of a catalogue with every kind of link, run once for the tests below."""
    main, rate, other = farms
    wanted = [p for p in MAIN_ROUTES if _rid(p) in EXPECTED] + list(RATE_ROUTES)
    resources = [(_rid(p), (rate if p in RATE_ROUTES else main).url(p)) for p in wanted]
    resources.append(("other-host", other.url("/ok")))
    catalog = lf.write_catalog(tmp_path_factory.mktemp("links") / "steps.yaml", resources, steps=3)
    mp = pytest.MonkeyPatch()
    mp.setenv("DLPATH_HOME", str(tmp_path_factory.mktemp("home")))
    try:
        code, results, data = check(catalog, "--retries", "1", "--timeout", "3")
    finally:
        mp.undo()
    return code, results, data


def test_every_kind_of_link_gets_its_verdict(everything):
    code, results, _ = everything
    assert {rid: r["verdict"] for rid, r in results.items()} == EXPECTED
    assert code == 1  # some are broken


def test_permanent_and_temporary_redirects_are_told_apart_with_the_final_url(everything, farms):
    _, results, _ = everything
    main = farms[0]
    for rid in ("moved", "moved-308", "chain-3"):
        assert results[rid]["permanent"] is True
        assert results[rid]["final_url"] == main.url("/ok")
        assert "permanent redirect" in results[rid]["reason"]
        assert main.url("/ok") in results[rid]["suggestion"]
    assert results["chain-3"]["reason"].startswith("permanent redirect (301, 308, 301)")
    assert results["temp"]["permanent"] is False and "temporary redirect (302)" in results["temp"]["reason"]
    assert results["temp"]["suggestion"] is None


def test_redirect_loops_and_endless_chains_are_broken_with_a_reason(everything):
    _, results, _ = everything
    assert "redirect loop" in results["loop-a"]["reason"]
    assert "more than 20 redirects" in results["far-0"]["reason"]
    assert results["loop-a"]["attempts"] == 1  # not worth retrying


def test_soft_404s_are_suspect(everything, farms):
    _, results, _ = everything
    assert "home page" in results["deep-2016-article"]["reason"]
    assert results["deep-2016-article"]["final_url"] == farms[0].url("/")
    assert "title says 'Page not found'" in results["old-post"]["reason"]
    assert "main heading says 'Error 404: Not Found'" in results["heading-404"]["reason"]
    assert "title says 'Sorry - 404'" in results["quiet-404"]["reason"]


def test_pages_are_read_with_one_get_by_default(everything, farms):
    _, results, _ = everything
    main = farms[0]
    for path in ("/paper.pdf", "/no-head", "/head-forbidden", "/head-501", "/quiet-404"):
        assert results[_rid(path)]["status"] == 200
        assert main.stats.paths("GET").count(path) == 1
    assert main.stats.paths("HEAD") == []


def test_with_head_servers_that_refuse_head_are_asked_with_get(tmp_path):
    routes = {p: MAIN_ROUTES[p] for p in ("/ok", "/paper.pdf", "/no-head", "/head-forbidden", "/head-501")}
    with lf.Farm(routes=routes) as farm:
        catalog = lf.write_catalog(tmp_path / "steps.yaml", [(_rid(p), farm.url(p)) for p in routes])
        code, results, _ = check(catalog, "--head")
        for path in ("/no-head", "/head-forbidden", "/head-501"):
            assert results[_rid(path)]["status"] == 200
            assert farm.stats.paths("HEAD").count(path) == 1 and farm.stats.paths("GET").count(path) == 1
        # a working HEAD needs no GET
        assert "/ok" in farm.stats.paths("HEAD") and "/paper.pdf" not in farm.stats.paths("GET")
        assert "/ok" not in farm.stats.paths("GET")
    assert code == 0


def test_bot_protection_is_blocked_not_broken(everything):
    _, results, data = everything
    assert results["linkedin"]["status"] == 999 and "999" in results["linkedin"]["reason"]
    assert "cf-mitigated" in results["cloudflare"]["reason"]
    assert "Attention Required" in results["attention"]["reason"]
    assert "Just a moment" in results["challenge-503"]["reason"]
    assert results["challenge-503"]["attempts"] == 1  # a challenge is not retried
    assert results["forbidden"]["verdict"] == "broken"  # a plain 403 is not a challenge
    assert data["summary"]["blocked"] == 4


def test_server_errors_are_retried_and_client_errors_are_not(everything, farms):
    _, results, _ = everything
    main = farms[0]
    assert results["flaky"]["attempts"] == 2 and results["flaky"]["status"] == 200
    assert results["always-500"]["attempts"] == 2 and "500 Internal Server Error after 2 attempts" == \
        results["always-500"]["reason"]
    assert results["gone"]["attempts"] == 1 and main.stats.paths("GET").count("/gone") == 1
    assert results["reset"]["attempts"] == 2 and results["reset"]["status"] is None
    assert "connection failed" in results["reset"]["reason"]


def test_retry_after_in_seconds_and_as_a_date_is_honoured_for_that_host_only(everything, farms):
    _, results, _ = everything
    _, rate, other = farms
    for path in RATE_ROUTES:
        hits = [h.at for h in rate.stats.hits if h.path == path]
        assert len(hits) == 2 and results[_rid(path)]["attempts"] == 2
        assert hits[1] - hits[0] >= 0.9  # waited as asked (1 s; the date was 1-2 s ahead)
    # the other host was not made to wait: it was served before the rate-limited host was asked again
    first_retry = min(sorted(h.at for h in rate.stats.hits if h.path == p)[1] for p in RATE_ROUTES)
    assert all(h.at < first_retry for h in other.stats.hits)


def test_results_are_plain_objects_with_every_field(everything):
    _, results, data = everything
    fields = {"resource_id", "step", "label", "field", "url", "verdict", "status", "final_url", "reason",
              "seconds", "attempts", "permanent", "cached", "archived_copy", "suggestion", "failing_since",
              "failing_runs"}
    assert all(set(r) == fields for r in results.values())
    assert data["summary"]["total"] == len(EXPECTED)
    assert sum(data["summary"][v] for v in ("ok", "redirected", "suspect", "blocked", "timeout", "broken")) \
        == len(EXPECTED)
    assert {r["step"] for r in results.values()} == {1, 2, 3}


# --------------------------------------------------------------------------- more cases, each its own run


def test_a_not_found_page_served_in_place_is_suspect_unless_head_only(tmp_path):
    with lf.Farm(routes={"/quiet": lf.page("Page Not Found | Example")}) as farm:
        catalog = lf.write_catalog(tmp_path / "steps.yaml", [("quiet", farm.url("/quiet"))])
        _, titled, _ = check(catalog)
        _, head_only, _ = check(catalog, "--head")
    assert titled["quiet"]["verdict"] == "suspect" and "Page Not Found" in titled["quiet"]["reason"]
    assert head_only["quiet"]["verdict"] == "ok"  # HEAD cannot see the wording: the flag says so


def test_a_site_that_sets_a_cookie_and_sends_us_back_is_not_a_loop(tmp_path):
    def gate(h: lf.Handler) -> None:  # the page only for visitors with the cookie; the others get one
        if "seen=1" in (h.headers.get("Cookie") or ""):
            lf.ok(h)
        else:
            h.send("", status=302, headers={"Location": "/gate", "Set-Cookie": "seen=1; Path=/"})

    with lf.Farm(routes={"/gate": gate}) as farm:
        catalog = lf.write_catalog(tmp_path / "steps.yaml", [("gate", farm.url("/gate"))])
        code, results, _ = check(catalog)
        asked = [h.method for h in farm.stats.hits if h.path == "/gate"]
    assert code == 0 and results["gate"]["verdict"] == "redirected" and results["gate"]["status"] == 200
    assert "temporary redirect (302)" in results["gate"]["reason"]
    # without the cookie, then with it (the page answers: the cookie was sent)
    assert asked == ["GET", "GET"]


def test_accept_turns_listed_statuses_into_ok(tmp_path):
    with lf.Farm(routes={"/members": lf.status(401, "Sign in"), "/forbidden": lf.status(403)}) as farm:
        catalog = lf.write_catalog(tmp_path / "steps.yaml",
                                   [("members", farm.url("/members")), ("forbidden", farm.url("/forbidden"))])
        code, results, _ = check(catalog, "--accept", "401,403")
        strict_code, _, _ = check(catalog)
    assert code == 0 and {r["verdict"] for r in results.values()} == {"ok"}
    assert strict_code == 1


def test_deadline_holds_against_trickling_servers_and_endless_bodies(tmp_path):
    routes = {"/trickle": lf.trickle_all, "/trickle-body": lf.trickle_body, "/endless": lf.endless}
    with lf.Farm(routes=routes) as farm:
        catalog = lf.write_catalog(tmp_path / "steps.yaml", [(_rid(p), farm.url(p)) for p in routes])
        _, results, _ = check(catalog, "--timeout", "1.5", "--retries", "0")
        sent = farm.stats.endless_bytes
    assert results["trickle"]["verdict"] == "timeout" and "1.5 s" in results["trickle"]["reason"]
    assert results["trickle-body"]["verdict"] == "timeout" and results["trickle-body"]["status"] is None
    # both servers would go on for 20 s: the check stopped at its deadline, not theirs
    assert results["trickle"]["seconds"] < 5 and results["trickle-body"]["seconds"] < 5
    assert results["endless"]["verdict"] == "ok" and results["endless"]["status"] == 200
    # the endless body was cut off after a few kernel buffers' worth, never read on (it goes up to 2 GB)
    assert sent < 32 * 2**20


def test_refused_connection_is_broken_at_once(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    catalog = lf.write_catalog(tmp_path / "steps.yaml", [("nobody-home", f"http://127.0.0.1:{port}/x")])
    code, results, _ = check(catalog)
    assert code == 1
    assert results["nobody-home"]["verdict"] == "broken" and results["nobody-home"]["attempts"] == 1
    assert "connection refused" in results["nobody-home"]["reason"]


def test_no_dns_means_every_url_fails_fast_with_one_lookup_per_host(tmp_path, monkeypatch):
    lookups: list[str] = []
    real = socket.getaddrinfo

    def fake_getaddrinfo(host, *args, **kwargs):
        if str(host).endswith(".invalid"):
            lookups.append(host)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    resources = [(f"dead-{h}-{n}", f"https://site{h}.invalid/page/{n}") for h in range(3) for n in range(4)]
    with lf.Farm(routes={"/ok": lf.ok}) as farm:  # the network works: these hosts are really gone
        catalog = lf.write_catalog(tmp_path / "steps.yaml", [*resources, ("alive", farm.url("/ok"))])
        code, results, _ = check(catalog, "--per-host", "1")
    assert code == 1 and results.pop("alive")["verdict"] == "ok"
    assert {r["verdict"] for r in results.values()} == {"broken"}
    assert all("DNS lookup failed" in r["reason"] and r["attempts"] == 1 for r in results.values())
    assert sorted(lookups) == [f"site{h}.invalid" for h in range(3)]


def test_untrusted_tls_certificate_is_broken_with_a_tls_reason(tmp_path):
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    with lf.Farm(routes={"/ok": lf.ok}, tls=context) as farm:
        catalog = lf.write_catalog(tmp_path / "steps.yaml", [("self-signed", farm.url("/ok"))])
        code, results, _ = check(catalog)
    assert code == 1
    result = results["self-signed"]
    assert result["verdict"] == "broken" and result["reason"].startswith("TLS error")
    assert "certificate" in result["reason"] and result["attempts"] == 1


def test_per_host_limit_is_never_exceeded(tmp_path):
    # Counted while each request is being answered (the sleep), not until the server's thread has finished
    # writing: a client that has its answer may rightly start the next request before that thread ends.
    lock, busy, most = threading.Lock(), [0], [0]

    def answered_slowly(h) -> None:
        with lock:
            busy[0] += 1
            most[0] = max(most[0], busy[0])
        try:
            time.sleep(0.1)
        finally:
            with lock:
                busy[0] -= 1
        lf.pdf(h)

    with lf.Farm(routes={"*": answered_slowly}) as farm:
        catalog = lf.write_catalog(tmp_path / "steps.yaml", [(f"page-{n}", farm.url(f"/page/{n}")) for n in range(12)])
        code, results, _ = check(catalog, "--per-host", "2", "--concurrency", "8")
        assert most[0] == 2  # checked two at a time: concurrent, and never more
        assert len(farm.stats.hits) == 12
    assert code == 0 and len(results) == 12


def test_a_url_used_twice_is_checked_once_and_reported_for_each_resource(tmp_path):
    with lf.Farm(routes={"/ok": lf.ok}) as farm:
        catalog = lf.write_catalog(tmp_path / "steps.yaml", [("first", farm.url("/ok")), ("second", farm.url("/ok"))])
        _, results, _ = check(catalog)
        assert farm.stats.paths() == ["/ok"]
    assert results["first"]["verdict"] == results["second"]["verdict"] == "ok"


def test_a_retry_after_longer_than_the_cap_is_reported_at_once(tmp_path):
    from dlpath.links.check import CheckOptions, check_urls

    routes = {"/later": lf.fails_first(429, lambda: {"Retry-After": "3600"}), "/soon": lf.ok}
    with lf.Farm(routes=routes) as farm:
        checks = check_urls([farm.url("/later"), farm.url("/soon")], CheckOptions(retry_after_cap=0.3))
        hits = farm.stats.paths()
    result = checks[farm.url("/later")]
    assert result.verdict == "blocked" and result.attempts == 1 and result.reason == "rate-limited; retry after 3600 s"
    assert hits.count("/later") == 1


def test_backoff_grows_exponentially_with_jitter():
    from dlpath.links.pool import backoff_delay

    for retry in (1, 2, 3):
        delays = [backoff_delay(0.5, retry) for _ in range(50)]
        low = 0.5 * 2 ** (retry - 1)
        assert all(low <= d <= low + 0.5 for d in delays) and len(set(delays)) > 1
