"""The bundled path for a learner today, through the real Typer app: the prerequisite offered once,
dated readings and provenance in words, added companions apart, --no-extras, --hide-dated-installs."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from dlpath.catalog import load_catalog
from dlpath.cli import app
from dlpath.paths import bundled_data_file

runner = CliRunner()
CATALOG = load_catalog(bundled_data_file("steps.yaml"))


@pytest.fixture(scope="module")
def built_command():
    import typer.main

    return typer.main.get_command(app)


@pytest.fixture(autouse=True)
def reuse_built_command(monkeypatch, built_command):
    import typer.testing

    monkeypatch.setattr(typer.testing, "_get_command", lambda _app: built_command)
    monkeypatch.delenv("DLPATH_NO_EXTRAS", raising=False)


def run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


def ok(*args: str, env: dict[str, str] | None = None) -> str:
    result = run(*args, env=env)
    assert result.exit_code == 0, result.output
    return result.output


def _done_before(label: str) -> None:
    """Mark done every resource (of the steps and the prerequisite) that comes before ``label``."""
    target = CATALOG.find_resource(label)
    ids = [r.id for r in CATALOG.all_resources if (r.step_number, r.position) < (target.step_number, target.position)]
    ok("done", *ids)


def test_a_new_learner_is_offered_the_prerequisite_first_and_done_marks_it():
    out = ok("next")
    assert "Before you start (optional)" in out and "7 Steps to Mastering Machine Learning With Python" in out
    assert "Never required" in out and "Source    from the article" in out
    assert "0 of 31 required resources" in out
    data = json.loads(ok("next", "--json"))
    assert data["before_you_start"] is True and data["next"]["label"] == "0.1" and data["progress"]["resources"] == 31
    assert "Before you start  0 of 1 done or skipped (optional, never required)" in ok("status")
    assert "Done: 0.1 7 Steps to Mastering" in ok("done")  # 'done' marks what 'next' showed
    lines = [line.rstrip() for line in ok("status").splitlines()]
    assert "Before you start  1 of 1 done or skipped" in lines
    assert "Next: step 1 of 7, Introducing Deep Learning" in ok("next")


def test_the_dashboard_and_steps_name_the_prerequisite_apart():
    assert "Before you start: 0.1 7 Steps to Mastering" in ok() and "optional)" in ok()
    data = json.loads(ok("steps", "--json"))
    assert data["before_you_start"]["resources"][0]["id"] == "seven-steps-machine-learning-python"
    assert sum(s["minutes"] for s in data["steps"]) == 1870  # the prerequisite is in no step's total
    result = run("show", "0.2")
    assert result.exit_code == 2 and "before step 1 there is 1 resource; '0.2' names none of them" in result.output


def test_ignoring_the_prerequisite_never_blocks_the_path():
    ok("done", "1.1")
    out = ok("next")
    assert "Next: step 1 of 7" in out and "1.2" in out and "Mastering Machine Learning" not in out
    assert "Next: 1.1" not in ok()  # the dashboard agrees


def test_next_shows_dated_and_provenance_in_words():
    _done_before("4.1")
    out = ok("next")
    assert "TensorFlow Disappoints" in out and "Source    from the article's page 2" in out
    assert "Dated     It reviews TensorFlow's first release" in out
    ok("done", "4.1", "4.2")
    out = ok("next")
    assert "Installing Theano" in out and "Theano's development ended in 2017" in out
    assert "reconstructed: page 2 of the article could not be recovered" in out
    assert "web.archive.org/web/2016id_/http://deeplearning.net/software/theano/install.html" in out


def test_an_added_companion_says_so_and_is_optional():
    _done_before("1.4")
    out = ok("next")
    assert "Neural Networks (optional)" in out and "Source    added by dlpath" in out
    assert "not in the article" in out and "--no-extras" in out


@pytest.mark.parametrize("how", ["option", "env"])
def test_no_extras_hides_what_dlpath_added(how):
    args, env = (["--no-extras"], None) if how == "option" else ([], {"DLPATH_NO_EXTRAS": "1"})
    _done_before("1.4")
    out = ok(*args, "next", env=env)
    assert "Next: step 2 of 7" in out and "2.1" in out and "3Blue1Brown" not in out
    shown = json.loads(ok(*args, "show", "1", "--json", env=env))
    assert all(r["provenance"] != "added" for r in shown["resources"])
    status = json.loads(ok(*args, "status", "--json", env=env))
    added = [r.id for r in CATALOG.all_resources if r.added]
    assert status["left_out"] == sorted(added) and status["optional_totals"]["resources"] == 4
    assert status["orphaned"]["count"] == 0  # progress on hidden resources is kept, not orphaned
    result = run(*args, "show", "3blue1brown-neural-networks", env=env)
    assert result.exit_code == 2 and "is not shown: dlpath added it" in result.output
    ok("done", "3blue1brown-neural-networks")  # recorded while shown ...
    history = " ".join(ok(*args, "history", env=env).split())
    assert "3blue1brown-neural-networks (not shown: dlpath added it" in history  # ... never "not in the catalogue"
    assert "not in the catalogue" not in history


def test_a_wrong_no_extras_value_is_one_clear_error():
    result = run("next", env={"DLPATH_NO_EXTRAS": "perhaps"})
    assert result.exit_code == 2 and result.output.startswith("error: DLPATH_NO_EXTRAS='perhaps' is neither yes nor no")


def test_totals_with_and_without_optional_resources():
    status = json.loads(ok("status", "--json"))
    required = sum(s.minutes for s in CATALOG.steps)
    optional = sum(s.optional_minutes for s in CATALOG.steps)
    assert status["totals"]["minutes_left"] == required == 1870
    assert status["optional_totals"]["minutes_left"] == optional
    assert status["totals"]["resources"] == 31 and status["optional_totals"]["resources"] == 12
    step_7 = status["steps"][6]
    assert step_7["minutes_left"] == 300 and step_7["optional"]["minutes_left"] == 3045  # not 55 hours to go
    assert status["before_you_start"]["resources"] == 1
    text = ok("status")
    assert "31 h 10 min left (required resources)" in text and "of optional reading left (not counted above)" in text
    # where the resources come from, in words: page 1's 13 readings and the prerequisite, step 4's first reading
    assert ("Sources: 14 from the article; 1 from the article's page 2; 21 reconstructed: page 2 of the article"
            " could not be recovered; 8 added by dlpath") in " ".join(text.split())
    sources = {r["id"]: r["source"] for r in status["resources"]}
    assert sources["tensorflow-disappoints"] == "from the article's page 2"


def test_status_can_leave_dated_install_guides_out_of_time_left():
    counted = ok("status")
    assert "3 dated installation guides (1 h 30 min) are counted" in counted
    hidden = json.loads(ok("status", "--json", "--hide-dated-installs"))
    assert hidden["totals"]["resources"] == 28 and hidden["totals"]["minutes_left"] == 1870 - 90
    assert hidden["left_out"] == ["caffe-installation", "tensorflow-0-6-setup", "theano-installation"]
    assert "Not counted: 3 dated installation guides" in ok("status", "--hide-dated-installs")


def test_show_says_dated_and_added_in_the_step_table():
    out = ok("show", "4")
    assert "Installing Theano (dated)" in out and "(optional, added by dlpath)" in out
    assert "Before you start (optional, before step 1)" in ok("show", "0")
    data = json.loads(ok("show", "4.3", "--json"))
    assert data["dated"].startswith("Theano's development ended") and data["install_only"] is True
    assert data["source"] == "reconstructed: page 2 of the article could not be recovered"
