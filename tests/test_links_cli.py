"""`dlpath check-links` as a maintainer uses it: output formats, exit codes, option errors, the cache,
the saved verdicts, --suggest-archive against a local fake Wayback API, and --fix."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlpath.cli import app
from dlpath.links.last_run import last_run_path, load_last_archives, load_last_verdicts

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "links"))
import linkfarm as lf  # noqa: E402

runner = CliRunner()
FIXTURES = Path(__file__).parent / "fixtures" / "links"

ROUTES = {
    "/ok": lf.ok,
    "/ok-2": lf.pdf,
    "/moved": lf.to("/ok"),
    "/blocked": lf.status(999, None),
    "/gone": lf.status(404, "Not Found"),
}


@pytest.fixture
def farm():
    with lf.Farm(routes=ROUTES) as server:
        yield server


def invoke(catalog: Path, *args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, ["--catalog", str(catalog), "check-links", *args], env=env)


def catalog_of(tmp_path: Path, farm: lf.Farm, *paths: str, steps: int = 1) -> Path:
    return lf.write_catalog(tmp_path / "steps.yaml", [(p.strip("/"), farm.url(p)) for p in paths], steps=steps)


# --------------------------------------------------------------------------- exit codes


def test_exit_0_when_nothing_is_broken_even_with_redirects_and_blocks(tmp_path, farm):
    result = invoke(catalog_of(tmp_path, farm, "/ok", "/moved", "/blocked"))
    assert result.exit_code == 0, result.output


def test_strict_fails_on_redirected_blocked_and_suspect(tmp_path, farm):
    catalog = catalog_of(tmp_path, farm, "/ok", "/blocked")
    assert invoke(catalog, "--strict").exit_code == 1
    assert invoke(catalog_of(tmp_path, farm, "/ok", "/ok-2"), "--strict").exit_code == 0


def test_exit_1_when_a_link_is_broken(tmp_path, farm):
    result = invoke(catalog_of(tmp_path, farm, "/ok", "/gone"))
    assert result.exit_code == 1


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--exclude", "(unclosed"], "--exclude '(unclosed' is not a valid regular expression"),
        (["--accept", "2xx"], "--accept '2xx'"),
        (["--accept", "600..700"], "is not a status code"),
        (["--only", "no-such-resource"], "no resource named 'no-such-resource'"),
        (["--step", "9"], "there is no step 9"),
        (["--format", "xml"], "--format 'xml' is not one of table, json, markdown"),
        (["--timeout", "0"], "--timeout must be a number from 0.1 to 3600 seconds, got 0"),
        (["--per-host", "0"], "--per-host must be a whole number from 1 to 64, got 0"),
        (["--max-age", "soon"], "--max-age 'soon' is not a duration"),
    ],
)
def test_bad_options_are_one_line_errors_with_exit_2(tmp_path, farm, args, expected):
    result = invoke(catalog_of(tmp_path, farm, "/ok"), *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and expected in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert farm.stats.hits == []  # nothing was checked


def test_a_bad_catalogue_is_exit_2(tmp_path):
    broken = tmp_path / "steps.yaml"
    broken.write_text("version: 1\nsteps: [\n", encoding="utf-8")
    result = invoke(broken)
    assert result.exit_code == 2 and "not valid YAML" in result.stderr


# --------------------------------------------------------------------------- choosing links


def test_step_only_and_exclude_choose_the_links(tmp_path, farm):
    catalog = lf.write_catalog(tmp_path / "steps.yaml", [
        ("a", farm.url("/ok")), ("b", farm.url("/ok-2")), ("c", farm.url("/moved"), farm.url("/ok-2")),
        ("d", farm.url("/gone")),
    ], steps=2)

    def checked(*args: str) -> list[tuple[str, str]]:
        data = json.loads(invoke(catalog, "--format", "json", "--no-cache", *args).stdout)
        return [(r["resource_id"], r["field"]) for r in data["results"]]

    assert checked("--step", "2") == [("c", "url"), ("c", "archive_url"), ("d", "url")]
    assert checked("--only", "d", "--only", "a") == [("a", "url"), ("d", "url")]
    assert checked("--only", "d,b") == [("b", "url"), ("d", "url")]
    assert checked("--exclude", "moved|gone", "--exclude", "/ok$") == [("b", "url"), ("c", "archive_url")]


# --------------------------------------------------------------------------- output


def test_json_output_has_summary_counts_and_results(tmp_path, farm):
    result = invoke(catalog_of(tmp_path, farm, "/ok", "/moved", "/blocked", "/gone"), "--format", "json")
    data = json.loads(result.stdout)
    summary = data["summary"]
    assert {k: summary[k] for k in ("total", "ok", "redirected", "blocked", "broken", "timeout", "suspect")} == {
        "total": 4, "ok": 1, "redirected": 1, "blocked": 1, "broken": 1, "timeout": 0, "suspect": 0}
    gone = next(r for r in data["results"] if r["resource_id"] == "gone")
    assert gone["verdict"] == "broken" and gone["status"] == 404 and gone["reason"] == "404 Not Found"
    assert gone["url"] == farm.url("/gone") and gone["step"] == 1 and gone["label"] == "1.4"
    assert result.stderr == ""  # no progress bar when stderr is not a terminal


def test_json_output_puts_one_result_on_each_line(tmp_path, farm):
    text = invoke(catalog_of(tmp_path, farm, "/ok", "/gone"), "--format", "json").stdout
    lines = text.splitlines()
    assert lines[0] == "{" and lines[1].startswith('  "summary": {"total": 2,') and lines[2] == '  "results": ['
    assert [json.loads(line.rstrip(","))["resource_id"] for line in lines[3:5]] == ["ok", "gone"]
    assert lines[5:] == ["  ]", "}"]
    empty = invoke(catalog_of(tmp_path, farm, "/ok"), "--format", "json", "--exclude", ".").stdout
    assert json.loads(empty)["results"] == [] and '"results": []' in empty


def test_markdown_output_suits_a_ci_summary(tmp_path, farm):
    result = invoke(catalog_of(tmp_path, farm, "/ok", "/moved", "/gone"), "--format", "markdown")
    text = result.stdout
    assert text.startswith("## dlpath check-links\n")
    assert "3 links: 1 ok, 1 redirected, 1 broken" in text
    assert "### Broken (1)" in text and "### Redirected (1)" in text and "### OK" not in text
    row = next(line for line in text.splitlines() if "| gone |" in line)
    assert row.startswith("| 1.3 | gone | ") and "| 404 | 404 Not Found |" in row


def test_table_is_grouped_by_verdict_with_step_resource_reason_and_suggestion(tmp_path, farm):
    result = invoke(catalog_of(tmp_path, farm, "/ok", "/moved", "/blocked", "/gone"))
    out = result.stdout
    broken, blocked, redirected = (out.index(h) for h in ("Broken (1)", "Blocked by the site", "Redirected (1)"))
    assert broken < blocked < redirected
    assert "gone" in out and "404 Not Found" in out and "look for an archived copy" in out
    assert "permanent redirect (301)" in out and "update the catalogue to" in out
    assert "4 links: 1 ok, 1 redirected, 1 blocked, 1 broken" in out


def test_output_file_gets_the_report_and_stdout_stays_empty(tmp_path, farm):
    target = tmp_path / "report.md"
    result = invoke(catalog_of(tmp_path, farm, "/ok", "/gone"), "--format", "markdown", "--output", str(target))
    assert result.exit_code == 1 and result.stdout == ""
    assert "### Broken (1)" in target.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- cache and last run


def test_cache_keeps_only_ok_results(tmp_path, farm):
    catalog = catalog_of(tmp_path, farm, "/ok-2", "/gone")
    invoke(catalog)
    assert sorted(farm.stats.paths()) == ["/gone", "/gone", "/ok-2"]  # 404: HEAD, then GET
    farm.stats.hits.clear()

    second = json.loads(invoke(catalog, "--format", "json").stdout)
    assert farm.stats.paths() == ["/gone", "/gone"]  # the ok link came from the cache, the error did not
    cached = {r["resource_id"]: r for r in second["results"]}
    assert cached["ok-2"]["cached"] is True and cached["ok-2"]["attempts"] == 0
    assert cached["ok-2"]["verdict"] == "ok" and "cached" in cached["ok-2"]["reason"]
    assert cached["gone"]["cached"] is False and second["summary"]["cached"] == 1
    farm.stats.hits.clear()

    invoke(catalog, "--no-cache")
    invoke(catalog, "--max-age", "0s")
    assert farm.stats.paths().count("/ok-2") == 2


def test_last_run_verdicts_are_saved_for_other_commands(tmp_path, farm):
    assert load_last_verdicts() == {}
    invoke(catalog_of(tmp_path, farm, "/ok", "/gone"))
    assert load_last_verdicts() == {farm.url("/ok"): "ok", farm.url("/gone"): "broken"}
    last_run_path().write_text("{not json", encoding="utf-8")
    assert load_last_verdicts() == {} and load_last_archives() == {}


def test_last_run_module_imports_nothing_heavy():
    code = ("import sys, dlpath.links.last_run as m; m.load_last_verdicts(); "
            "print(sorted(n for n in ('requests', 'yaml', 'rich', 'typer', 'numpy', 'urllib3') if n in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --------------------------------------------------------------------------- archives and --fix


@pytest.fixture(scope="session")
def httpserver_listen_address():
    return ("127.0.0.1", 0)


def _fake_wayback(httpserver, found: bool = True):
    from werkzeug import Response

    def answer(request):
        url = request.args["url"]
        closest = {"available": True, "url": f"http://web.archive.org/web/20160101000000/{url}",
                   "timestamp": "20160101000000", "status": "200"}
        body = {"url": url, "archived_snapshots": {"closest": closest} if found else {}}
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request("/wayback/available").respond_with_handler(answer)
    return httpserver.url_for("/wayback/available")


def test_suggest_archive_asks_the_wayback_api_for_broken_links_only(tmp_path, farm, httpserver):
    api = _fake_wayback(httpserver)
    catalog = catalog_of(tmp_path, farm, "/ok", "/gone")
    result = invoke(catalog, "--format", "json", "--suggest-archive", env={"DLPATH_WAYBACK_API": api})
    gone = next(r for r in json.loads(result.stdout)["results"] if r["resource_id"] == "gone")
    snapshot = f"https://web.archive.org/web/20160101000000/{farm.url('/gone')}"
    assert gone["archived_copy"] == snapshot and snapshot in gone["suggestion"]
    assert [r.args["url"] for r, _ in httpserver.log] == [farm.url("/gone")]
    assert load_last_archives() == {farm.url("/gone"): snapshot}


def test_suggest_archive_says_so_when_there_is_no_snapshot(tmp_path, farm, httpserver):
    api = _fake_wayback(httpserver, found=False)
    result = invoke(catalog_of(tmp_path, farm, "/gone"), "--format", "json", "--suggest-archive", "--wayback-api", api)
    gone = json.loads(result.stdout)["results"][0]
    assert gone["archived_copy"] is None and gone["suggestion"].startswith("no archived copy found")


FIX_ROUTES = {
    "/moved-plain": lf.to("/new-home/plain"),
    "/moved-quoted": lf.to("/new-home/quoted", 308),
    "/temporary": lf.to("/new-home/plain", 302),
    "/new-home/plain": lf.pdf,
    "/new-home/quoted": lf.pdf,
    "/dead-1": lf.status(404),
    "/dead-2": lf.status(410),
    "/dead-3": lf.status(404),
    "/archived-3": lf.pdf,
}


def test_fix_rewrites_only_the_moved_urls_and_fills_empty_archives(tmp_path, httpserver):
    api = _fake_wayback(httpserver)
    with lf.Farm(routes=FIX_ROUTES) as server:
        base = server.url("")
        catalog = tmp_path / "steps.yaml"
        catalog.write_bytes((FIXTURES / "commented.yaml").read_bytes().replace(b"BASE", base.encode()))
        result = invoke(catalog, "--fix", "--suggest-archive", "--wayback-api", api)
    expected = (FIXTURES / "commented.fixed.yaml").read_bytes().replace(b"BASE", base.encode())
    assert catalog.read_bytes() == expected
    assert result.exit_code == 1  # the dead links are still reported as broken
    assert "--fix: 4 changes written" in result.stderr
    assert sorted(r.args["url"] for r, _ in httpserver.log) == [f"{base}/dead-1", f"{base}/dead-2"]


def test_fix_without_archives_only_rewrites_permanent_redirects(tmp_path):
    with lf.Farm(routes=FIX_ROUTES) as server:
        base = server.url("")
        catalog = tmp_path / "steps.yaml"
        original = (FIXTURES / "commented.yaml").read_bytes().replace(b"BASE", base.encode())
        catalog.write_bytes(original.replace(b"\n", b"\r\n"))  # Windows line endings survive too
        invoke(catalog, "--fix")
    expected = original.replace(b"/moved-plain", b"/new-home/plain").replace(b"/moved-quoted", b"/new-home/quoted")
    assert catalog.read_bytes() == expected.replace(b"\n", b"\r\n")


def test_fix_with_nothing_to_do_leaves_the_file_alone(tmp_path, farm):
    catalog = catalog_of(tmp_path, farm, "/ok", "/gone")
    before = catalog.read_bytes()
    result = invoke(catalog, "--fix")
    assert catalog.read_bytes() == before and "--fix: nothing to change" in result.stderr
