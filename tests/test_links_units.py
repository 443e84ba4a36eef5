"""The small pure parts of the link checker: header and option parsing, Wayback answers, verdicts, YAML
scalars."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from requests.structures import CaseInsensitiveDict

from dlpath.catalog import load_catalog
from dlpath.errors import DlpathError, NotFoundError
from dlpath.links.cache import parse_age
from dlpath.links.collect import collect_links, compile_excludes
from dlpath.links.fix import Fix, _scalar, apply_fixes
from dlpath.links.options import CheckOptions
from dlpath.links.result import LinkVerdict, is_failure
from dlpath.links.verdict import Answer, judge_answer, retry_after_seconds
from dlpath.links.wayback import snapshot_from

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
FIXTURES = Path(__file__).parent / "fixtures" / "links"


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        (" 0 ", 0.0),
        (email.utils.format_datetime(NOW + timedelta(seconds=30), usegmt=True), 30.0),
        ("Thu, 01 Jan 2026 11:00:00 GMT", 0.0),  # a date in the past means "now"
        ("soon", None),
        ("", None),
        (None, None),
        ("-5", None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(header, seconds):
    assert retry_after_seconds(header, now=NOW) == seconds


@pytest.mark.parametrize(("text", "seconds"), [("90", 90), ("90s", 90), ("30m", 1800), ("12h", 43200),
                                               ("1d", 86400), ("2w", 1209600), ("0", 0)])
def test_max_age_durations(text, seconds):
    assert parse_age(text) == seconds


@pytest.mark.parametrize("text", ["", "d", "-1d", "1y", "nan", "inf"])
def test_bad_max_age_is_rejected(text):
    with pytest.raises(ValueError):
        parse_age(text)


def test_accept_codes_and_ranges():
    from dlpath.cli.links import parse_accept

    assert parse_accept("403, 429") == {403, 429}
    assert parse_accept("200..204,999") == {200, 201, 202, 203, 204, 999}
    assert parse_accept("401-403") == {401, 402, 403}
    for bad in ("", "abc", "299..200", "42"):
        with pytest.raises(DlpathError):
            parse_accept(bad)


def test_wayback_answers():
    closest = {"available": True, "url": "http://web.archive.org/web/2016/http://x.org/", "status": "200"}
    assert snapshot_from({"archived_snapshots": {"closest": closest}}) == "https://web.archive.org/web/2016/http://x.org/"
    assert snapshot_from({"archived_snapshots": {}}) is None
    assert snapshot_from({"archived_snapshots": {"closest": closest | {"status": "404"}}}) is None
    assert snapshot_from({"archived_snapshots": {"closest": closest | {"available": False}}}) is None
    assert snapshot_from(["not", "a", "mapping"]) is None


def _answer(status, title=None, headers=None, final="https://site.org/a/page", hops=()):
    return Answer(status, CaseInsensitiveDict(headers or {}), final, list(hops), title=title)


@pytest.mark.parametrize(
    ("answer", "verdict"),
    [
        (_answer(200), LinkVerdict.OK),
        (_answer(204), LinkVerdict.OK),
        (_answer(200, hops=[301, 302]), LinkVerdict.REDIRECTED),
        (_answer(200, final="https://site.org/", hops=[301]), LinkVerdict.SUSPECT),
        (_answer(200, title="404 | Site"), LinkVerdict.SUSPECT),
        (_answer(200, title="Why 404 pages matter"), LinkVerdict.OK),  # about 404s, not one
        (_answer(200, title="Just a moment..."), LinkVerdict.BLOCKED),
        (_answer(403, headers={"cf-mitigated": "challenge"}), LinkVerdict.BLOCKED),
        (_answer(999), LinkVerdict.BLOCKED),
        (_answer(429), LinkVerdict.BLOCKED),
        (_answer(403), LinkVerdict.BROKEN),
        (_answer(410), LinkVerdict.BROKEN),
        (_answer(502), LinkVerdict.BROKEN),
    ],
)
def test_judge(answer, verdict):
    assert judge_answer("https://site.org/a/page", answer, CheckOptions(), attempts=1)[0] is verdict


def test_a_site_root_that_redirects_to_itself_elsewhere_is_not_suspect():
    answer = _answer(200, final="https://www.site.org/", hops=[301])
    assert judge_answer("https://site.org/", answer, CheckOptions(), 1)[0] is LinkVerdict.REDIRECTED


def test_which_verdicts_fail_the_run():
    assert is_failure(LinkVerdict.BROKEN, strict=False) and is_failure(LinkVerdict.TIMEOUT, strict=False)
    assert not any(is_failure(v, strict=False) for v in (LinkVerdict.OK, LinkVerdict.REDIRECTED, LinkVerdict.BLOCKED,
                                                         LinkVerdict.SUSPECT))
    assert all(is_failure(v, strict=True) for v in LinkVerdict if v is not LinkVerdict.OK)


def test_yaml_scalars_keep_their_style_when_safe():
    assert _scalar("https://x.org/a?b=c#d", None) == "https://x.org/a?b=c#d"
    assert _scalar("https://x.org/it's", "'") == "'https://x.org/it''s'"
    assert _scalar('https://x.org/"q"', '"') == '"https://x.org/\\"q\\""'
    assert _scalar("https://x.org/a b", None) == '"https://x.org/a b"'


def test_collect_every_url_and_archive_url_with_context(tmp_path):
    path = tmp_path / "steps.yaml"
    path.write_text((FIXTURES / "commented.yaml").read_text().replace("BASE", "http://h"))
    catalog = load_catalog(path)
    links = collect_links(catalog)
    assert [(link.resource_id, link.field, link.label, link.step) for link in links][:2] == [
        ("moved-plain", "url", "1.1", 1), ("moved-quoted", "url", "1.2", 1)]
    assert ("dead-with-archive", "archive_url") in [(link.resource_id, link.field) for link in links]
    assert len(links) == 7  # six urls and one archive_url (an empty archive_url is not a link)
    only = collect_links(catalog, only=["temporary", "dead-with-archive"], exclude=compile_excludes(["archived"]))
    assert [link.url for link in only] == ["http://h/temporary", "http://h/dead-3"]
    assert [link.resource_id for link in collect_links(catalog, step="second-step")][0] == "temporary"
    with pytest.raises(NotFoundError):
        collect_links(catalog, step="3")


def test_fix_skips_values_that_changed_since_the_check(tmp_path):
    catalog = tmp_path / "steps.yaml"
    catalog.write_text((FIXTURES / "commented.yaml").read_text().replace("BASE", "http://h"))
    before = catalog.read_bytes()
    stale = Fix("moved-plain", "url", "http://h/something-else", "http://h/new")
    unknown = Fix("no-such-id", "url", "http://h/moved-plain", "http://h/new")
    has_archive = Fix("dead-with-archive", "archive_url", None, "http://h/snap")
    assert apply_fixes(catalog, [stale, unknown, has_archive]) == ([], [])
    assert catalog.read_bytes() == before


def test_progress_bar_only_on_a_terminal(tmp_path, monkeypatch):
    import sys

    from rich.console import Console
    from typer.testing import CliRunner

    from dlpath.cli import app, common

    sys.path.insert(0, str(FIXTURES))
    import linkfarm as lf

    shown = StringIO()
    real_console = common.console
    monkeypatch.setattr(common, "console", lambda stderr=False: Console(file=shown, force_terminal=True)
                        if stderr else real_console())
    with lf.Farm(routes={"/ok": lf.ok}) as farm:
        catalog = lf.write_catalog(tmp_path / "steps.yaml", [("ok", farm.url("/ok"))])
        result = CliRunner().invoke(app, ["--catalog", str(catalog), "check-links"])  # stderr is not a terminal
        assert result.exit_code == 0
        assert shown.getvalue() == ""
        monkeypatch.setenv("TTY_COMPATIBLE", "1")  # as a terminal that says so
        result = CliRunner().invoke(app, ["--catalog", str(catalog), "check-links", "--no-cache"])
    assert result.exit_code == 0
    assert "checking links" in shown.getvalue()


def test_fix_writes_only_valid_urls_and_one_bad_target_never_stops_the_others(tmp_path):
    catalog = tmp_path / "steps.yaml"
    catalog.write_text((FIXTURES / "commented.yaml").read_text().replace("BASE", "http://h"))
    fixes = [
        Fix("moved-plain", "url", "http://h/moved-plain", "http://h:99999/new"),  # not a URL at all
        Fix("moved-quoted", "url", "http://h/moved-quoted", "http://h/a page/caf\u00e9"),  # encoded, then written
        Fix("temporary", "url", "http://h/temporary", "http://h/%zz"),  # a broken escape is encoded as %25
    ]
    applied, skipped = apply_fixes(catalog, fixes)
    assert [(f.resource_id, f.new) for f in applied] == [("moved-quoted", "http://h/a%20page/caf%C3%A9"),
                                                         ("temporary", "http://h/%25zz")]
    assert [(f.resource_id, why) for f, why in skipped] == [
        ("moved-plain", "http://h:99999/new is not a valid URL: its port is not a number from 0 to 65535")]
    text = catalog.read_text()
    assert "http://h/a%20page/caf%C3%A9" in text and "http://h/moved-plain" in text
    assert load_catalog(catalog).find_resource("moved-quoted").url == "http://h/a%20page/caf%C3%A9"


@pytest.mark.parametrize(
    ("title", "not_found"),
    [("Page not found | Example", True), ("404", True), ("Sorry - 404", True), ("Error 404 (Not Found)!!1", True),
     ("Not Found", True), ("Oops! That page can't be found.", True), ("This page no longer exists", True),
     ("The page you were looking for doesn't exist (404)", True), ("404 Not Found", True),
     ("Understanding HTTP 404 status codes", False), ("Why 404 pages matter", False),
     ("How to handle 'not found' in a REST API", False), ("Backpropagation", False), (None, False)],
)
def test_not_found_is_judged_by_wording(title, not_found):
    from dlpath.links.verdict import says_not_found

    assert says_not_found(title) is not_found


@pytest.mark.parametrize(
    ("location", "target"),
    [("/caf\u00c3\u00a9", "http://h/caf%C3%A9"),  # raw UTF-8 bytes as http.client hands them over (Latin-1)
     ("/a b?q=c d", "http://h/a%20b?q=c%20d"), ("/ok%20already", "http://h/ok%20already"),
     ("//other.org/x", "http://other.org/x"), ("rel", "http://h/dir/rel"), ("/100%", "http://h/100%25")],
)
def test_redirect_targets_are_decoded_and_percent_encoded(location, target):
    from dlpath.links.urls import redirect_target

    assert redirect_target("http://h/dir/page", location) == target


def test_history_streaks_count_failing_runs_in_a_row(tmp_path):
    from dlpath.links.history import record_run

    db = tmp_path / "links.db"
    failing = {"broken", "timeout"}.__contains__
    assert record_run({"a": "ok", "b": "broken"}, failing, at=100.0, path=db)["b"].runs == 1
    record_run({"a": "broken", "b": "broken"}, failing, at=200.0, path=db)
    record_run({"b": "ok"}, failing, at=250.0, path=db)  # b recovers; a is not checked in this run
    streaks = record_run({"a": "timeout", "b": "broken"}, failing, at=300.0, path=db)
    assert (streaks["a"].since, streaks["a"].runs) == (200.0, 2)
    assert (streaks["b"].since, streaks["b"].runs) == (300.0, 1)
    assert "a" in record_run({"a": "broken"}, failing, at=400.0, path=db)
    assert record_run({"a": "ok"}, failing, at=500.0, path=db) == {}


@pytest.mark.parametrize(
    ("final", "title", "sign_in"),
    [("https://site.org/login?next=/a", None, True), ("https://site.org/users/sign_in", None, True),
     ("https://medium.com/m/signin?redirect=x", None, True), ("https://www.linkedin.com/authwall?x=1", None, True),
     ("https://site.org/welcome", "Sign in to Site", True), ("https://site.org/welcome", "Log in | Site", True),
     ("https://site.org/blog/login-walls-explained", "Login walls, explained", False),
     ("https://site.org/articles/backprop", "Backpropagation", False)],
)
def test_sign_in_pages_by_address_or_title(final, title, sign_in):
    from dlpath.links.verdict import is_sign_in_page

    assert is_sign_in_page(_answer(200, title=title, final=final, hops=[302])) is sign_in
    verdict = judge_answer("https://site.org/a/page", _answer(200, title=title, final=final, hops=[302]),
                           CheckOptions(), 1).verdict
    assert verdict is (LinkVerdict.SUSPECT if sign_in else LinkVerdict.REDIRECTED)
