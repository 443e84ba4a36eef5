"""Hostile input never ends in a traceback: catalogues that are not files, alias bombs, duplicate keys,
odd names, a closed or full stdout, and the one error boundary for whatever else goes wrong.

Each test runs the real ``dlpath`` console script in a subprocess (so the boundary, the exit code and
stdout/stderr are the ones a user sees) and checks that the files involved are unchanged.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hostile import ENTRY, digest, dlpath, one_error_line

from dlpath.catalog import MAX_FILE_BYTES, MAX_NODES, MAX_PROBLEMS, load_catalog, validate
from dlpath.errors import CatalogError

CATALOGS = Path(__file__).parent / "fixtures" / "catalogs"
MINIMAL = CATALOGS / "minimal-valid.yaml"


# --------------------------------------------------------------------------- catalogues that are not files


def test_device_as_catalogue_is_refused_before_reading():
    result = dlpath("--catalog", "/dev/zero", "steps")
    assert result.returncode == 2
    one_error_line(result, "/dev/zero is a device or socket, not a regular file")


def test_fifo_as_catalogue_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "steps.yaml"
    os.mkfifo(fifo)
    for args in (["--catalog", str(fifo), "steps"], ["validate", str(fifo)]):
        result = dlpath(*args)  # a read would block forever: the subprocess timeout would fail the test
        assert result.returncode == 2
        one_error_line(result, "is a pipe (FIFO), not a regular file")


def test_oversized_catalogue_is_refused_by_its_size(tmp_path):
    big = tmp_path / "big.yaml"
    with open(big, "wb") as handle:
        handle.write(MINIMAL.read_bytes())
        handle.write(b"#" * (MAX_FILE_BYTES + 1))
    before = digest(big)
    result = dlpath("--catalog", str(big), "steps")
    assert result.returncode == 2
    one_error_line(result, f"more than the {MAX_FILE_BYTES:,} dlpath reads")
    assert digest(big) == before


def alias_bomb(levels: int = 9) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels + 1):
        name, prev = chr(97 + i), chr(96 + i)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_yaml_alias_bomb_is_refused_quickly(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(alias_bomb())  # 9**10 strings once expanded: gigabytes if it were built
    result = dlpath("--catalog", str(bomb), "steps", timeout=30)
    assert result.returncode == 2
    one_error_line(result, f"its aliases expand to more than {MAX_NODES:,} values")
    problems = validate(bomb)
    assert len(problems) == 1 and "aliases expand" in problems[0].message


def test_deep_nesting_and_self_referencing_alias_are_refused(tmp_path):
    deep = tmp_path / "deep.yaml"
    deep.write_text("a:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(200)) + "  " * 201 + "x: 1\n")
    with pytest.raises(CatalogError, match="nests more than 64 levels deep"):
        load_catalog(deep)
    loop = tmp_path / "loop.yaml"
    loop.write_text("steps: &s [*s]\n")
    with pytest.raises(CatalogError, match=r"the alias \*s on line 1 is inside its own anchor"):
        load_catalog(loop)


def test_duplicate_keys_are_problems_with_their_line(tmp_path):
    dup = tmp_path / "dup.yaml"
    text = MINIMAL.read_text()
    dup.write_text(text.replace("version: 1", "version: 1\nversion: 1", 1))
    line = text.splitlines().index("version: 1") + 2
    result = dlpath("validate", str(dup))
    assert result.returncode == 1
    assert f"dup.yaml:{line}:1: version: duplicate key 'version' (first on line {line - 1})" in result.stdout
    assert "1 problem found" in result.stdout
    loaded = dlpath("--catalog", str(dup), "steps")
    assert loaded.returncode == 2
    one_error_line(loaded, f"at line {line}, column 1: version: duplicate key 'version'")


def test_validate_names_line_and_column_and_caps_the_count(tmp_path):
    many = tmp_path / "many.yaml"
    resources = "".join(
        f"      - {{id: r{i}, title: T, authors: [A], url: 'ftp://x', kind: blog, minutes: 5, provenance: article}}\n"
        for i in range(MAX_PROBLEMS + 30)
    )
    many.write_text(
        "version: 1\ntitle: Many\nsource: {title: t, author: a, url: https://example.org}\nsteps:\n"
        "  - id: s\n    title: S\n    summary: S.\n    resources:\n" + resources
    )
    result = dlpath("validate", str(many))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{many}:9:") and "steps[0].resources[0].url: expected an http://" in lines[0]
    assert sum(1 for line in lines if line.startswith(f"{many}:")) == MAX_PROBLEMS
    assert "... and 30 more" in result.stdout and f"{MAX_PROBLEMS + 30} problems found" in result.stdout


def test_bad_yaml_in_validate_has_its_position(fixtures):
    problems = validate(fixtures / "catalogs" / "malformed-yaml.yaml")
    assert len(problems) == 1 and problems[0].line is not None and problems[0].column is not None
    assert "not valid YAML" in problems[0].message


# --------------------------------------------------------------------------- names and numbers


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("²", "no step or resource named '²'"),
        ("٣", "no step or resource named '٣'"),
        ("٣.٢", "no step or resource named '٣.٢'"),
        ("99999999999999999999999999", "there is no step 99999999999999999999999999: steps are numbered 1 to 7"),
        ("9" * 5000, "there is no step 999"),
        ("3.99999999999999999999999999", "no step or resource named '3.99999999999999999999999999'"),
    ],
)
def test_odd_step_names_are_unknown_steps_not_crashes(name, expected):
    result = dlpath("show", name)
    assert result.returncode == 2
    one_error_line(result, expected)
    assert len(result.stderr) < 400  # a 5000-digit name is not echoed back whole


# --------------------------------------------------------------------------- stdout that cannot be written


def test_closed_stdout_ends_quietly():
    for args in (["steps"], ["steps", "--json"], ["show", "3"], ["next"]):
        reader, writer = os.pipe()
        os.close(reader)  # like `dlpath steps | head -0`: nobody reads
        try:
            result = subprocess.run(
                [sys.executable, "-c", ENTRY, *args],
                stdout=writer, stderr=subprocess.PIPE, text=True, timeout=60,
            )
        finally:
            os.close(writer)
        assert result.stderr == "", (args, result.stderr)
        assert result.returncode == 1


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this platform")
def test_full_stdout_says_so_in_one_line():
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-c", ENTRY, "steps"],
            stdout=full, stderr=subprocess.PIPE, text=True, timeout=60,
        )
    assert result.returncode == 2
    one_error_line(result, "No space left on device: the disk is full")


# --------------------------------------------------------------------------- the boundary


def test_usage_mistakes_are_one_line():
    for args, fragment in [
        (["nosuch"], "No such command 'nosuch'. (see 'dlpath --help')"),
        (["history", "-n", "-5"], "-5 is not in the range"),
        (["show"], "Missing argument 'name'"),
        (["steps", "--bogus"], "No such option: --bogus"),
    ]:
        result = dlpath(*args)
        assert result.returncode == 2, args
        one_error_line(result, fragment)


BUG = "import dlpath.catalog as c; c.Catalog.find = lambda self, name: 1 / 0\n"


def run_with_bug(*args: str, env: dict[str, str] | None = None):
    """dlpath with a deliberate bug planted in ``show``: an unexpected ZeroDivisionError."""
    code = BUG + ENTRY
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_unexpected_error_is_one_line_asking_for_a_report(dlpath_home):
    result = run_with_bug("show", "1")
    assert result.returncode == 2
    one_error_line(result, "unexpected ZeroDivisionError: division by zero", "This is a bug in dlpath",
                   "--debug or DLPATH_DEBUG=1")
    assert not (dlpath_home / "progress.sqlite3").exists()


@pytest.mark.parametrize("how", ["option-first", "option-last", "environment"])
def test_debug_shows_the_traceback(how):
    if how == "option-first":
        result = run_with_bug("--debug", "show", "1")
    elif how == "option-last":
        result = run_with_bug("show", "1", "--debug")
    else:
        result = run_with_bug("show", "1", env={"DLPATH_DEBUG": "1"})
    assert result.returncode == 2
    assert "Traceback (most recent call last)" in result.stderr and "ZeroDivisionError" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("error: unexpected ZeroDivisionError")
