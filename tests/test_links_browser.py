"""check-links judged as a person with a browser would judge, one local server per behaviour: compressed
pages, gzip bombs, sign-in walls, hanging HEADs, raw Location headers, long chains, robots turned away,
long Retry-Afters, bodies cut off, #anchors, no network. Every run is bounded by a generous limit."""

from __future__ import annotations

import json
import re
import socket
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
LIMIT = 60.0  # seconds: far above any of these runs, so only a run that is not bounded reaches it
FAST = ("--timeout", "2", "--retries", "1", "--max-wait", "1")


def bounded(catalog: Path, *args: str, env: dict[str, str] | None = None):
    """Run check-links (JSON) in a thread that must finish within LIMIT; returns the CliRunner result."""
    box = {}

    def run() -> None:
        box["result"] = runner.invoke(app, ["--catalog", str(catalog), "check-links", "--no-cache", "--format",
                                            "json", *args], env=env)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(LIMIT)
    assert not thread.is_alive(), f"check-links still running after {LIMIT:g} s: the run is not bounded"
    return box["result"]


def verdicts(tmp_path: Path, routes: dict, *args: str, paths: list[str] | None = None, farm_out: list | None = None):
    """Check ``paths`` (default: every route) on one farm; returns results by path."""
    with lf.Farm(routes=routes) as farm:
        wanted = paths or list(routes)
        ids = {p: f"r{n}" for n, p in enumerate(wanted)}
        catalog = lf.write_catalog(tmp_path / "steps.yaml", [(ids[p], farm.url(p)) for p in wanted])
        result = bounded(catalog, *FAST, *args)
        if farm_out is not None:
            farm_out.append(farm)
    assert result.exit_code in (0, 1), result.output
    by_id = {r["resource_id"]: r for r in json.loads(result.stdout)["results"]}
    return {p: by_id[ids[p]] for p in wanted}


# --------------------------------------------------------------------------- compressed pages


def test_compressed_pages_are_decoded_for_the_wording_checks(tmp_path):
    routes = {
        "/gzip-soft-404": lf.compressed("Page not found - Example"),
        "/deflate-soft-404": lf.compressed("404 | Example", coding="deflate"),
        "/raw-deflate-fine": lf.compressed("A fine article", body="<h1>Backprop</h1>", coding="raw-deflate"),
        "/gzip-challenge": lf.compressed("Just a moment...", status=403),
        "/gzip-fine": lf.compressed("Gradient descent, explained", body="<h1>Gradient descent</h1>"),
    }
    got = verdicts(tmp_path, routes)
    assert got["/gzip-soft-404"]["verdict"] == "suspect" and "Page not found" in got["/gzip-soft-404"]["reason"]
    assert got["/deflate-soft-404"]["verdict"] == "suspect"
    assert got["/raw-deflate-fine"]["verdict"] == "ok"
    assert got["/gzip-challenge"]["verdict"] == "blocked" and "Just a moment" in got["/gzip-challenge"]["reason"]
    assert got["/gzip-fine"]["verdict"] == "ok"


def test_a_gzip_bomb_is_read_no_further_than_the_cap(tmp_path):
    import tracemalloc

    from dlpath.links.check import check_urls
    from dlpath.links.options import CheckOptions

    with lf.Farm(routes={"/bomb": lf.gzip_bomb()}) as farm:
        url = farm.url("/bomb#conclusion")
        box = {}
        tracemalloc.start()
        thread = threading.Thread(target=lambda: box.update(r=check_urls([url], CheckOptions(timeout=5))))
        thread.start()
        thread.join(LIMIT)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert not thread.is_alive()
        sent = farm.stats.endless_bytes
    result = box["r"][url]
    # the anchor is not in what was read, and the check says it read only the start
    assert result.verdict == "suspect" and "no anchor #conclusion in the first 512 KiB" in result.reason
    assert "may be further down" in result.reason
    assert peak < 16 * 2**20  # a few MB, not the gigabyte the body inflates to
    assert sent < 2**20 // 4  # the server was cut off long before its ~1 MB of compressed data was sent


def test_a_title_about_404s_is_a_fine_page(tmp_path):
    routes = {
        "/article": lf.page("Understanding HTTP 404 status codes", "<h1>What a 404 means</h1>"),
        "/why": lf.page("Why 404 pages matter | Blog"),
        "/google-style": lf.page("Error 404 (Not Found)!!1"),
        "/heading": lambda h: h.send("<h1>Sorry, this page does not exist</h1>", title="Example Site"),
    }
    got = verdicts(tmp_path, routes)
    assert got["/article"]["verdict"] == "ok" and got["/why"]["verdict"] == "ok"
    assert got["/google-style"]["verdict"] == "suspect"
    assert got["/heading"]["verdict"] == "suspect" and "main heading" in got["/heading"]["reason"]


# --------------------------------------------------------------------------- walls and robots


def test_a_redirect_to_a_sign_in_page_is_suspect(tmp_path):
    routes = {
        "/members/article": lf.to("/login?next=/members/article", 302),
        "/login": lf.page("Sign in to Example"),
        "/paywall": lf.to("/account/welcome", 302),
        "/account/welcome": lf.page("Log in"),
        "/members/paper": lf.to("/signin?return_to=/members/paper", 302),
        "/signin": lf.status(401, "Sign in"),  # a sign-in form served with 401
        "/moved-article": lf.to("/articles/backprop"),
        "/articles/backprop": lf.page("Backpropagation"),
    }
    got = verdicts(tmp_path, routes, paths=["/members/article", "/paywall", "/members/paper", "/moved-article"])
    assert got["/members/article"]["verdict"] == "suspect" and "sign-in page" in got["/members/article"]["reason"]
    assert "without an account" in got["/members/article"]["suggestion"]
    assert got["/paywall"]["verdict"] == "suspect"
    assert got["/members/paper"]["verdict"] == "suspect" and "(401)" in got["/members/paper"]["reason"]
    assert got["/moved-article"]["verdict"] == "redirected"


def test_a_site_that_turns_robots_away_but_serves_browsers_is_blocked_not_broken(tmp_path):
    farm_out: list = []
    routes = {"/article": lf.robots_refused, "/private": lf.status(403, "Forbidden")}
    got = verdicts(tmp_path, routes, farm_out=farm_out)
    assert got["/article"]["verdict"] == "blocked"
    assert "403 Forbidden for a checker, 200 for a browser" in got["/article"]["reason"]
    assert got["/private"]["verdict"] == "broken"  # a browser is refused too
    agents = [h for h in farm_out[0].stats.hits if h.path == "/article"]
    assert len(agents) == 2  # asked once as dlpath, once as a browser


def test_accepted_statuses_are_never_retried(tmp_path):
    farm_out: list = []
    routes = {"/members": lf.status(401, "Members only"),
              "/busy": lf.status(503, "Busy", {"Retry-After": "1"})}
    got = verdicts(tmp_path, routes, "--accept", "401,503", farm_out=farm_out)
    assert {p: r["verdict"] for p, r in got.items()} == {"/members": "ok", "/busy": "ok"}
    assert sorted(farm_out[0].stats.paths()) == ["/busy", "/members"]  # once each: no retry, no browser retry


# --------------------------------------------------------------------------- HEAD, redirects


def test_a_hanging_head_falls_back_to_get_in_the_same_attempt(tmp_path):
    routes = {"/slow-head": lf.hanging_head}
    default = verdicts(tmp_path, routes)
    head_first = verdicts(tmp_path, routes, "--head", "--retries", "0")
    assert default["/slow-head"]["verdict"] == "ok"
    assert head_first["/slow-head"]["verdict"] == "ok" and head_first["/slow-head"]["attempts"] == 1


def test_raw_utf8_and_space_locations_are_followed_as_browsers_do(tmp_path):
    routes = {
        "/utf8": lf.raw_location("/caf\u00e9/menu".encode()),
        "/café/menu": lf.ok,  # the server sees the percent-encoded path decoded by the route table below
        "/spaces": lf.raw_location(b"/a page/with spaces"),
    }
    seen: list[str] = []

    def anything(h: lf.Handler) -> None:
        seen.append(h.path)
        lf.ok(h)

    routes = {"/utf8": routes["/utf8"], "/spaces": routes["/spaces"], "*": anything}
    got = verdicts(tmp_path, routes, paths=["/utf8", "/spaces"])
    assert got["/utf8"]["verdict"] == "redirected" and got["/utf8"]["final_url"].endswith("/caf%C3%A9/menu")
    assert got["/spaces"]["verdict"] == "redirected"
    assert got["/spaces"]["final_url"].endswith("/a%20page/with%20spaces")
    assert sorted(seen) == ["/a%20page/with%20spaces", "/caf%C3%A9/menu"]


def test_fix_writes_percent_encoded_targets(tmp_path):
    with lf.Farm(routes={"/utf8": lf.raw_location("/caf\u00e9".encode()),
                         "/spaces": lf.raw_location(b"/a page"), "*": lf.pdf}) as farm:
        catalog = lf.write_catalog(tmp_path / "steps.yaml", [("utf8", farm.url("/utf8")),
                                                              ("spaces", farm.url("/spaces"))])
        result = bounded(catalog, *FAST, "--fix")
    text = catalog.read_text(encoding="utf-8")
    assert f'"{farm.url("/caf%C3%A9")}"' in text and f'"{farm.url("/a%20page")}"' in text
    assert "--fix: 2 changes written" in result.stderr


def test_long_redirect_chains_are_followed_up_to_twenty_hops(tmp_path):
    routes = {**{f"/hop-{i}": lf.to(f"/hop-{i + 1}") for i in range(15)}, "/hop-15": lf.ok,
              **{f"/far-{i}": lf.to(f"/far-{i + 1}") for i in range(21)}, "/far-21": lf.ok}
    got = verdicts(tmp_path, routes, paths=["/hop-0", "/far-0"])
    assert got["/hop-0"]["verdict"] == "redirected" and got["/hop-0"]["final_url"].endswith("/hop-15")
    assert got["/far-0"]["verdict"] == "broken" and "more than 20 redirects" in got["/far-0"]["reason"]


# --------------------------------------------------------------------------- waits and failures


def test_a_long_retry_after_is_reported_at_once_and_other_hosts_do_not_wait(tmp_path):
    with lf.Farm("127.0.0.1", {"*": lf.status(429, "Slow down", {"Retry-After": "3600"})}) as limited, \
            lf.Farm("127.0.0.2", {"*": lf.ok}) as other:
        resources = [(f"limited-{n}", limited.url(f"/page/{n}")) for n in range(3)]
        resources += [(f"other-{n}", other.url(f"/page/{n}")) for n in range(3)]
        catalog = lf.write_catalog(tmp_path / "steps.yaml", resources)
        result = bounded(catalog, "--max-wait", "5")
        asked = limited.stats.paths()
    assert result.exit_code == 0, result.output  # rate-limited is not broken
    by_id = {r["resource_id"]: r for r in json.loads(result.stdout)["results"]}
    for n in range(3):
        assert by_id[f"limited-{n}"]["verdict"] == "blocked"
        assert by_id[f"limited-{n}"]["reason"].startswith("rate-limited; retry after")
        assert by_id[f"other-{n}"]["verdict"] == "ok"
        assert re.fullmatch(r"rate-limited; retry after 3[56]\d\d s", by_id[f"limited-{n}"]["reason"])
    assert len(asked) <= 3  # each link asked at most once; none after the host said to come back in an hour


def test_a_body_cut_off_by_a_reset_is_a_failure(tmp_path):
    def gzip_cut_short(h: lf.Handler) -> None:  # sent until the connection closes; the gzip stream never ends
        import zlib

        h.close_connection = True
        packer = zlib.compressobj(6, zlib.DEFLATED, 31)
        data = packer.compress(b"<title>Long read</title>" + b"words " * 5000) + packer.flush()
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Encoding", "gzip")
        h.end_headers()
        h.wfile.write(data[: len(data) // 2])
        h.wfile.flush()
        h.connection.shutdown(socket.SHUT_WR)

    got = verdicts(tmp_path, {"/half": lf.cut_mid_body, "/gzip-half": gzip_cut_short})
    half = got["/half"]
    assert half["verdict"] == "broken" and "cut off" in half["reason"] and half["attempts"] == 2
    assert got["/gzip-half"]["verdict"] == "broken" and "gzip stream ends early" in got["/gzip-half"]["reason"]


# --------------------------------------------------------------------------- anchors


def test_anchors_are_looked_for_by_id_and_name(tmp_path):
    page = ('<h1 id="top-heading">Backprop</h1><h2 id="the-chain-rule">The chain rule</h2>'
            "<a name=legacy></a><p id='caf&eacute;'>x</p>")
    with lf.Farm(routes={"/article": lambda h: h.send(page, title="Backprop")}) as farm:
        paths = ["#the-chain-rule", "#legacy", "#caf%C3%A9", "#missing-section", "#top", "#L10-L20"]
        catalog = lf.write_catalog(tmp_path / "steps.yaml",
                                   [(f"a{n}", farm.url("/article" + p)) for n, p in enumerate(paths)])
        result = bounded(catalog, *FAST)
    got = {r["url"].split("#")[1]: r for r in json.loads(result.stdout)["results"]}
    assert {k: v["verdict"] for k, v in got.items()} == {
        "the-chain-rule": "ok", "legacy": "ok", "caf%C3%A9": "ok", "missing-section": "suspect", "top": "ok",
        "L10-L20": "ok"}
    assert got["missing-section"]["reason"] == (
        "the page has no anchor #missing-section (no element with that id or name)")
    assert result.exit_code == 0


# --------------------------------------------------------------------------- no network


def test_no_network_is_said_once_and_no_link_is_called_broken(tmp_path, monkeypatch, httpserver):
    def no_dns(host, *args, **kwargs):
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    catalog = lf.write_catalog(tmp_path / "steps.yaml", [("a", "https://example.org/a"),
                                                          ("b", "https://example.org/b")])
    result = bounded(catalog, "--suggest-archive")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no network: DNS lookups failed for every host")
    assert result.stderr.count("\n") == 1 and result.stdout == ""
    assert "broken" not in result.stderr and "no archived copy" not in result.output


def test_a_failed_archive_lookup_is_not_reported_as_no_copy(tmp_path, httpserver):
    httpserver.expect_request("/wayback/available").respond_with_data("down", status=503)
    with lf.Farm(routes={"/gone": lf.status(404, "Not Found")}) as farm:
        catalog = lf.write_catalog(tmp_path / "steps.yaml", [("gone", farm.url("/gone"))])
        result = bounded(catalog, "--suggest-archive", "--wayback-api", httpserver.url_for("/wayback/available"))
    gone = json.loads(result.stdout)["results"][0]
    assert gone["verdict"] == "broken" and gone["archived_copy"] is None
    assert gone["suggestion"].startswith("archive lookup failed: the archive answered 503")


@pytest.fixture(scope="session")
def httpserver_listen_address():
    return ("127.0.0.1", 0)


def test_a_retry_the_host_forbids_keeps_the_first_failure_and_says_why(tmp_path):
    from dlpath.links.check import check_urls
    from dlpath.links.options import CheckOptions

    def later(h: lf.Handler) -> None:  # answers after /half was surely asked (it is asked at the same time)
        time.sleep(0.3)
        h.send("", status=503, title="Busy", headers={"Retry-After": "600"})

    with lf.Farm(routes={"/half": lf.cut_mid_body, "/later": later}) as farm:
        # both asked at once; /half's retry (after its backoff) finds the host asking to wait 10 minutes
        checks = check_urls([farm.url("/half"), farm.url("/later")], CheckOptions(timeout=2, retries=1,
                                                                                 concurrency=2, per_host=2))
    half = checks[farm.url("/half")]
    assert half.verdict == "broken" and "cut off" in half.reason
    assert "not retried: the site is rate-limited" in half.reason


def test_meta_refreshes_are_followed_and_empty_pages_are_suspect(tmp_path):
    def refresh(to: str, delay: int = 0) -> lf.Route:
        head = f'<meta http-equiv="refresh" content="{delay}; url={to}">'
        return lambda h: h.send(f"<html><head>{head}<title>Moved</title></head><body></body></html>")

    routes = {
        "/": lf.page("Home"),
        "/old-article": refresh("/"),  # a soft 404 that sends readers home
        "/renamed": refresh("/articles/new-name"),
        "/articles/new-name": lf.page("Backprop, step by step"),
        "/slow-refresh": refresh("/", delay=300),  # a reader stays on this page
        "/empty": lambda h: h.send("", content_type="text/html"),
        "/readme": lambda h: h.send('<h2 id="user-content-installation">Installation</h2>', title="README"),
    }
    got = verdicts(tmp_path, routes, paths=["/old-article", "/renamed", "/slow-refresh", "/empty",
                                             "/readme#installation"])
    assert got["/old-article"]["verdict"] == "suspect" and "home page" in got["/old-article"]["reason"]
    assert got["/renamed"]["verdict"] == "redirected" and got["/renamed"]["permanent"] is False
    assert "temporary redirect (meta refresh)" in got["/renamed"]["reason"]
    assert got["/slow-refresh"]["verdict"] == "ok"
    assert got["/empty"]["verdict"] == "suspect" and got["/empty"]["reason"] == "answers 200 with an empty page"
    assert got["/readme#installation"]["verdict"] == "ok"


def test_an_anchor_not_in_what_came_before_the_deadline_is_not_called_missing(tmp_path):
    def stalls(h: lf.Handler) -> None:  # the start of the page, then nothing until long after the deadline
        h.close_connection = True
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.end_headers()
        h.wfile.write(b"<html><head><title>Long read</title></head><body><h1>Long read</h1><p>")
        h.wfile.flush()
        time.sleep(5)

    got = verdicts(tmp_path, {"/stalls": stalls}, "--timeout", "1", "--retries", "0", paths=["/stalls#part-2"])
    result = got["/stalls#part-2"]
    assert result["verdict"] == "suspect" and "may be further down" in result["reason"]
    assert "bytes of the page" in result["reason"] and "has no anchor" not in result["reason"]
