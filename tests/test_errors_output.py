"""``progress export`` writes where the user pointed: through a symbolic link (its target replaced, the
link kept), a FIFO, ``-``, ``/dev/stdout`` and a process substitution; a regular file is replaced
atomically; a path that cannot be written is refused before anything is read."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from hostile import dlpath, one_error_line

TINY_PATH = Path(__file__).parent / "fixtures" / "catalogs" / "minimal-valid.yaml"
ENV = {"DLPATH_CATALOG": str(TINY_PATH)}


@pytest.fixture(autouse=True)
def some_progress(dlpath_home):
    for args in (["done", "intro-video"], ["skip", "deep-dive"]):
        assert dlpath(*args, env=ENV).returncode == 0


def exported_ids(text: str) -> list[str]:
    return [r["id"] for r in json.loads(text)["resources"]]


def test_export_through_a_symlink_replaces_its_target_and_keeps_the_link(tmp_path):
    target = tmp_path / "real" / "progress.json"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    result = dlpath("progress", "export", str(link), env=ENV)
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert exported_ids(target.read_text()) == ["deep-dive", "intro-video"]
    assert not [p for p in target.parent.iterdir() if p.name.endswith(".tmp")]


def test_export_through_a_dangling_symlink_creates_its_target(tmp_path):
    target = tmp_path / "made.json"
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert dlpath("progress", "export", str(link), env=ENV).returncode == 0
    assert link.is_symlink() and exported_ids(target.read_text()) == ["deep-dive", "intro-video"]


def test_export_into_a_fifo_writes_through_it(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    result = dlpath("progress", "export", str(fifo), env=ENV)
    reader.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert exported_ids(received[0]) == ["deep-dive", "intro-video"]
    assert fifo.exists() and not fifo.is_file()  # still a FIFO: nothing was put in its place
    assert "Exported 2 resources" in result.stderr and result.stdout == ""


@pytest.mark.parametrize("where", ["-", "/dev/stdout"])
def test_export_to_standard_output_is_pure_json(where):
    result = dlpath("progress", "export", where, env=ENV)
    assert result.returncode == 0, result.stderr
    assert exported_ids(result.stdout) == ["deep-dive", "intro-video"]


def test_export_to_dev_stdout_redirected_to_a_file_keeps_what_the_shell_wrote(tmp_path):
    out = tmp_path / "out.json"
    out.write_text("")
    with open(out, "a") as handle:
        result = dlpath("progress", "export", "/dev/stdout", env=ENV, stdout=handle, stderr=subprocess.PIPE)
    assert result.returncode == 0, result.stderr
    assert exported_ids(out.read_text()) == ["deep-dive", "intro-video"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="process substitution needs bash")
def test_export_to_a_process_substitution(tmp_path, dlpath_home):
    import sys

    from hostile import ENTRY

    out = tmp_path / "through-cat.json"
    script = f"{sys.executable} -c \"{ENTRY}\" progress export >(cat > {out}); wait"
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=60,
        env={**os.environ, **ENV, "DLPATH_HOME": str(dlpath_home)},
    )
    assert result.returncode == 0, result.stderr
    for _ in range(100):  # the substituted process may finish writing just after bash returns
        if out.exists() and out.read_text().endswith("}\n"):
            break
        threading.Event().wait(0.05)
    assert exported_ids(out.read_text()) == ["deep-dive", "intro-video"]


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda tmp: tmp / "no" / "such" / "folder" / "p.json", "does not exist; create it or choose another file"),
        (lambda tmp: tmp, "is a directory: give a file name"),
    ],
    ids=["missing-folder", "directory"],
)
def test_export_to_an_unusable_path_is_refused_and_writes_nothing(tmp_path, make, expected):
    target = make(tmp_path)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    result = dlpath("progress", "export", str(target), env=ENV)
    assert result.returncode == 2
    one_error_line(result, "export file", expected)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


# --------------------------------------------------------------------------- check-links --fix


def _fix_catalogue(folder: Path, base: str) -> Path:
    fixtures = Path(__file__).parent / "fixtures" / "links"
    catalogue = folder / "steps.yaml"
    catalogue.write_bytes((fixtures / "commented.yaml").read_bytes().replace(b"BASE", base.encode()))
    return catalogue


def test_fix_through_a_symlink_edits_the_real_file_and_keeps_the_link(tmp_path):
    import sys

    from typer.testing import CliRunner

    sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "links"))
    import linkfarm as lf

    from dlpath.cli import app

    with lf.Farm(routes={"/moved-plain": lf.to("/new-home/plain"), "/new-home/plain": lf.ok}) as server:
        (tmp_path / "real").mkdir()
        real = _fix_catalogue(tmp_path / "real", server.url(""))
        link = tmp_path / "link.yaml"
        link.symlink_to(real)
        result = CliRunner().invoke(app, ["--catalog", str(link), "check-links", "--fix", "--only", "moved-plain"])
    assert "--fix: 1 change written" in result.stderr, result.output
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert b"/new-home/plain" in real.read_bytes() and b"/moved-plain" not in real.read_bytes()


def test_fix_refuses_to_edit_the_installed_packages_copy(tmp_path, monkeypatch):
    import sys

    from typer.testing import CliRunner

    sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "links"))
    import linkfarm as lf

    import dlpath.paths
    from dlpath.cli import app

    package = tmp_path / "site-packages" / "dlpath"
    (package / "data").mkdir(parents=True)
    monkeypatch.setattr(dlpath.paths, "_PACKAGE_DIR", package)
    with lf.Farm(routes={"/moved-plain": lf.to("/new-home/plain"), "/new-home/plain": lf.ok}) as server:
        installed = _fix_catalogue(package / "data", server.url(""))
        before = installed.read_bytes()
        result = CliRunner().invoke(app, ["check-links", "--fix", "--only", "moved-plain"])
    assert result.exit_code == 2, result.output
    assert f"--fix will not edit {installed}: it is the copy inside the installed dlpath package" in result.stderr
    assert "'dlpath --catalog steps.yaml check-links --fix'" in result.stderr
    assert installed.read_bytes() == before
