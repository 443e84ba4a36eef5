"""The practice scaffold: the reference's signatures and docstrings, readings from the catalogue, never lost work."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from pathlib import Path

import pytest

from dlpath.catalog import load_catalog
from dlpath.errors import NotFoundError
from dlpath.exercises import EXERCISES
from dlpath.paths import catalog_path
from dlpath.practice.scaffold import (
    DEFAULT_FOLDER,
    ScaffoldExistsError,
    practice_file,
    readings,
    scaffold_text,
    write_scaffold,
)
from dlpath.practice.specs import all_specs, find_spec

SPECS = all_specs()
NAMES = list(SPECS)


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(name, None)
    return module


@pytest.mark.parametrize("name", NAMES)
def test_scaffold_has_the_reference_signatures_and_docstrings(in_tmp, name):
    written = write_scaffold(name)
    assert written.path == DEFAULT_FOLDER / SPECS[name].filename and written.path.is_file()
    learner = load(in_tmp / written.path, f"scaffold_{name.replace('-', '_')}")
    reference = importlib.import_module(SPECS[name].module)
    for fn in SPECS[name].functions:
        assert inspect.signature(getattr(learner, fn)) == inspect.signature(getattr(reference, fn)), fn
        assert inspect.getdoc(getattr(learner, fn)) == inspect.getdoc(getattr(reference, fn)), fn


@pytest.mark.parametrize("name", NAMES)
def test_scaffold_bodies_raise_not_implemented(in_tmp, name):
    path = write_scaffold(name).path
    learner = load(path, f"scaffold_body_{name.replace('-', '_')}")
    first = SPECS[name].functions[0]
    arity = len(inspect.signature(getattr(learner, first)).parameters)
    with pytest.raises(NotImplementedError):
        getattr(learner, first)(*([None] * arity))
    text = path.read_text(encoding="utf-8")
    assert text.count("    raise NotImplementedError(") == len(SPECS[name].functions)
    assert text.count("# TODO") == len(SPECS[name].functions)


@pytest.mark.parametrize("name", NAMES)
def test_scaffold_points_to_the_readings_in_the_catalogue(name):
    catalog = load_catalog(catalog_path())
    text = scaffold_text(name, catalog)
    for rid in EXERCISES[name].resource_ids:
        resource = catalog.resource(rid)
        assert resource is not None, f"{rid} is not in the catalogue"
        assert resource.title in text and resource.url in text
    first = catalog.resource(EXERCISES[name].resource_ids[0])
    assert f"# TODO: write {SPECS[name].functions[0]}. Reading: '{first.title}'." in text
    assert f"dlpath exercise {name} --check" in text and f"dlpath exercise {name} --hint" in text


def test_scaffold_without_a_catalogue_names_the_readings_by_id(monkeypatch, tmp_path):
    monkeypatch.setenv("DLPATH_CATALOG", str(tmp_path / "missing.yaml"))
    assert [r.title for r in readings("backprop")] == [None, None]
    text = scaffold_text("backprop")
    assert "dlpath show mazur-backpropagation-example" in text
    compile(text, "backprop.py", "exec")


def test_existing_file_is_kept_without_force(in_tmp):
    path = write_scaffold("backprop").path
    path.write_text("# my work\n")
    with pytest.raises(ScaffoldExistsError, match="--force"):
        write_scaffold("backprop")
    assert path.read_text() == "# my work\n"
    assert not list(path.parent.glob("*.bak*"))


def test_force_backs_up_the_learners_file_first(in_tmp):
    path = write_scaffold("backprop").path
    path.write_text("# my work\n")
    written = write_scaffold("backprop", force=True)
    assert written.backup == path.with_name("backprop.py.bak")
    assert written.backup.read_text() == "# my work\n"
    assert path.read_text(encoding="utf-8") == scaffold_text("backprop", file_hint=str(path))


def test_force_never_overwrites_an_earlier_backup(in_tmp):
    path = write_scaffold("sigmoid").path
    for n in (1, 2, 3):
        path.write_text(f"# attempt {n}\n")
        write_scaffold("sigmoid", force=True)
    backups = sorted(p.name for p in path.parent.iterdir() if ".bak" in p.name)
    assert backups == ["sigmoid.py.bak", "sigmoid.py.bak.2", "sigmoid.py.bak.3"]
    assert {(path.parent / b).read_text() for b in backups} == {f"# attempt {n}\n" for n in (1, 2, 3)}


def test_an_untouched_scaffold_is_left_alone_with_no_backup(in_tmp):
    write_scaffold("sigmoid")
    again = write_scaffold("sigmoid")
    forced = write_scaffold("sigmoid", force=True)
    assert again.unchanged and forced.unchanged and forced.backup is None
    assert [p.name for p in (in_tmp / DEFAULT_FOLDER).iterdir()] == ["sigmoid.py"]


def test_path_can_be_a_folder_or_a_file(in_tmp):
    assert write_scaffold("sigmoid", Path("work/deep")).path == Path("work/deep/sigmoid.py")
    assert write_scaffold("sigmoid", Path("mine.py")).path == Path("mine.py")
    (in_tmp / "existing").mkdir()
    assert practice_file("gradient-descent", Path("existing")) == Path("existing/gradient_descent.py")
    assert practice_file("backprop", None) == DEFAULT_FOLDER / "backprop.py"


def test_a_folder_where_the_file_would_go_is_refused(in_tmp):
    (in_tmp / DEFAULT_FOLDER / "sigmoid.py").mkdir(parents=True)
    with pytest.raises(ScaffoldExistsError, match="is a folder"):
        write_scaffold("sigmoid")


def test_unknown_exercise_lists_the_real_ones():
    with pytest.raises(NotFoundError, match="sigmoid, gradient-descent, backprop"):
        find_spec("softmax")
    assert find_spec("gradient_descent").name == "gradient-descent"
