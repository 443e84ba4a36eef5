"""Invariants of the shipped catalogue, and agreement between the loader and the JSON Schema."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from dlpath.catalog import KINDS, check_document, load_catalog

ROOT = Path(__file__).resolve().parent.parent
STEPS = ROOT / "data" / "steps.yaml"
SCHEMA = json.loads((ROOT / "data" / "steps.schema.json").read_text())
CATALOG = load_catalog(STEPS)
DOCUMENT = yaml.load(STEPS.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # parsed once
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

# Every reading that page 1 of the article recommends, in its order (reference number -> URL).
PAGE_1_READINGS = [
    (1, "https://www.youtube.com/channel/UC9OeZkIwhzfv-_Cb7fCikLQ"),
    (1, "http://www.iro.umontreal.ca/~bengioy/talks/DL-Tutorial-NIPS2015.pdf"),
    (1, "http://neuralnetworksanddeeplearning.com/chap1.html"),
    (2, "https://www.youtube.com/playlist?list=PLnnr1O8OWc6boN4WHeuisJWmeQHH9D_Vg"),
    (2, "http://cs229.stanford.edu/section/cs229-linalg.pdf"),
    (2, "https://www.youtube.com/watch?v=962lLfW-8Jo"),
    (2, "https://en.wikipedia.org/wiki/Sigmoid_function"),
    (2, "http://cs.stanford.edu/~quocle/tutorial1.pdf"),
    (3, "https://ipvs.informatik.uni-stuttgart.de/mlr/marc/notes/gradientDescent.pdf"),
    (3, "http://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/"),
    (3, "http://jeremykun.com/2012/12/09/neural-networks-and-backpropagation/"),
    (3, "https://github.com/j2kun/neural-networks"),
    (3, "http://cs.stanford.edu/~quocle/tutorial2.pdf"),
]


def test_seven_steps_in_the_articles_order():
    assert [s.title for s in CATALOG.steps] == [
        "Introducing Deep Learning",
        "Getting Technical",
        "Backpropagation and Gradient Descent",
        "Getting Practical",
        "Convolutional Neural Nets and Computer Vision",
        "Recurrent Nets and Language Modeling",
        "Further Topics",
    ]


def test_every_page_1_reading_present_in_order_with_article_provenance():
    for number in (1, 2, 3):
        step = CATALOG.steps[number - 1]
        expected = [url for n, url in PAGE_1_READINGS if n == number]
        from_article = [r for r in step.resources if not r.added]
        assert [r.url for r in from_article] == expected
        assert {r.provenance for r in from_article} == {"article"}
        # what dlpath adds comes after the article's readings, so their STEP.N labels are the article's order
        assert [r.position for r in from_article] == list(range(1, len(expected) + 1))


def test_steps_4_to_7_only_step_4s_first_reading_is_confirmed():
    step_4 = CATALOG.steps[3]
    assert step_4.resources[0].id == "tensorflow-disappoints"
    assert step_4.resources[0].provenance == "article-page-2"
    assert [r for r in CATALOG.resources if r.provenance == "article-page-2"] == [step_4.resources[0]]
    for step in CATALOG.steps[3:]:
        rest = [r for r in step.resources if r.provenance != "article-page-2" and not r.added]
        assert rest and {r.provenance for r in rest} == {"reconstructed"}, step.id


def test_added_resources_are_optional_verified_and_at_most_three_per_step():
    added = [r for r in CATALOG.all_resources if r.added]
    assert added
    for res in added:
        assert res.optional, res.id
        assert res.verified and len(res.verified) > 40, f"{res.id}: say where the URL and title were confirmed"
        assert res.url.startswith("https://"), res.id
    for step in CATALOG.steps:
        assert sum(r.added for r in step.resources) <= 3, step.id
        assert any(r.added for r in step.resources), f"step {step.number} has no modern companion"


def test_the_articles_prerequisite_is_offered_before_step_1():
    (prerequisite,) = CATALOG.prerequisites
    assert prerequisite.url == "https://www.kdnuggets.com/2015/11/seven-steps-machine-learning-python.html"
    assert prerequisite.title == "7 Steps to Mastering Machine Learning With Python"
    assert prerequisite.provenance == "article" and prerequisite.optional and prerequisite.verified


def test_aged_resources_say_so_and_dead_sites_have_a_raw_archived_copy():
    for res in CATALOG.all_resources:
        aged_site = any(host in res.url for host in ("deeplearning.net", "tensorflow.org/versions/0.6.0", "caffe."))
        if aged_site:
            assert res.dated, f"{res.id} is on a site or version that has aged: give it a dated sentence"
        if "deeplearning.net" in res.url or res.id == "nips-2015-deep-learning-tutorial":
            assert res.archive_url, f"{res.id} is most likely dead: give it an archive_url"
        if res.archive_url:
            # the raw form serves the archived file itself (a PDF as a PDF), not the archive's page frame
            assert res.archive_url == f"https://web.archive.org/web/2016id_/{res.url}", res.id
        if res.dated:
            assert res.dated.count(". ") == 0 and res.dated.endswith("."), f"{res.id}: dated is one sentence"
    installs = [r.id for r in CATALOG.resources if r.install_only]
    assert installs == ["theano-installation", "caffe-installation", "tensorflow-0-6-setup"]
    assert all(CATALOG.resource(rid).dated_install for rid in installs)


def test_the_catalogue_and_readme_point_at_nothing_outside_the_repository():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, text in (("data/steps.yaml", STEPS.read_text(encoding="utf-8")),
                       ("data/steps.schema.json", (ROOT / "data" / "steps.schema.json").read_text(encoding="utf-8")),
                       ("README.md", readme)):
        found = re.findall(r"\.\./[\w./-]+|/work/[\w./-]*|\bshared/seed\b|file://\S+", text)
        assert not found, f"{name} points outside the repository: {found}"


def test_readme_claims_only_what_is_known():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "every reading of steps 1-3" in readme and "steps 4-7 reconstructed" in readme
    assert "https://www.kdnuggets.com/2016/01/seven-steps-deep-learning.html/2" in readme  # how to verify


def test_ids_unique_urls_http_and_kinds_known():
    ids = [r.id for r in CATALOG.resources]
    assert len(ids) == len(set(ids))
    assert len({s.id for s in CATALOG.steps}) == 7
    for res in CATALOG.resources:
        assert res.url.startswith(("http://", "https://"))
        assert res.archive_url is None or res.archive_url.startswith("https://")
        assert res.kind in KINDS


def test_urls_keep_their_real_case():
    # The capture lower-cased every URL; case-sensitive ids must have been restored.
    lowered = [r.url for r in CATALOG.resources if "youtube.com" in r.url or "wikipedia.org" in r.url]
    assert lowered and all(u != u.lower() for u in lowered)


def test_yaml_points_editors_at_the_schema():
    assert STEPS.read_text().splitlines()[0] == "# yaml-language-server: $schema=steps.schema.json"


def test_schema_accepts_the_shipped_catalogue_and_describes_every_field():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.validate(yaml.safe_load(STEPS.read_text()), SCHEMA)

    def walk(node, where):
        if isinstance(node, dict):
            for key, sub in node.get("properties", {}).items():
                assert "description" in sub, f"{where}.{key} has no description"
            for key, sub in node.items():
                walk(sub, f"{where}.{key}")

    walk(SCHEMA, "schema")


def _first(d):
    return d["steps"][0]["resources"][0]


def _mutations():
    """(name, change, whether the result is still a valid catalogue)."""
    for name, change in _refused():
        yield name, change, False
    for name, change in _accepted():
        yield name, change, True


def _accepted():
    yield "unchanged", lambda d: None
    yield "added with all it needs", lambda d: _first(d).update(provenance="added", optional=True, verified="x")
    yield "article-page-2", lambda d: _first(d).update(provenance="article-page-2")
    yield "dated and install-only", lambda d: _first(d).update(dated="Aged.", install_only=True)
    yield "no prerequisites", lambda d: d.pop("prerequisites")
    yield "prerequisite optional true", lambda d: d["prerequisites"][0].update(optional=True)
    yield "prerequisite without optional", lambda d: d["prerequisites"][0].pop("optional", None)
    yield "empty archive_url (for --fix to fill)", lambda d: _first(d).update(archive_url=None)
    yield "verified on an article resource", lambda d: _first(d).update(verified="Seen on page 1.")


def _refused():
    yield "bad url", lambda d: d["steps"][0]["resources"][0].update(url="javascript:alert(1)")
    yield "bare word url", lambda d: d["steps"][0]["resources"][0].update(url="example")
    yield "unknown kind", lambda d: d["steps"][0]["resources"][0].update(kind="podcast")
    yield "negative minutes", lambda d: d["steps"][0]["resources"][0].update(minutes=-1)
    yield "absurd minutes", lambda d: d["steps"][0]["resources"][0].update(minutes=100000)
    yield "boolean minutes", lambda d: d["steps"][0]["resources"][0].update(minutes=True)
    yield "unknown field", lambda d: d["steps"][0]["resources"][0].update(colour="red")
    yield "missing field", lambda d: d["steps"][0]["resources"][0].pop("authors")
    yield "empty authors", lambda d: d["steps"][0]["resources"][0].update(authors=[])
    yield "bad slug", lambda d: d["steps"][0].update(id="Not A Slug")
    yield "blank title", lambda d: d["steps"][0].update(title="   ")
    yield "wrong version", lambda d: d.update(version=2)
    yield "no steps", lambda d: d.update(steps=[])
    yield "string optional", lambda d: d["steps"][0]["resources"][0].update(optional="no")
    yield "unknown provenance", lambda d: _first(d).update(provenance="guess")
    yield "added without verified", lambda d: _first(d).update(provenance="added", optional=True)
    yield "added without optional", lambda d: _first(d).update(provenance="added", verified="x")
    yield "added and required", lambda d: _first(d).update(provenance="added", optional=False, verified="x")
    yield "empty dated", lambda d: _first(d).update(dated="")
    yield "dated a list", lambda d: _first(d).update(dated=["old"])
    yield "install_only a string", lambda d: _first(d).update(install_only="yes")
    yield "blank verified", lambda d: _first(d).update(verified="  ")
    yield "null note", lambda d: _first(d).update(note=None)
    yield "null title", lambda d: _first(d).update(title=None)
    yield "null source", lambda d: d.update(source=None)
    yield "empty prerequisites", lambda d: d.update(prerequisites=[])
    yield "prerequisites a mapping", lambda d: d.update(prerequisites={"id": "x"})
    yield "required prerequisite", lambda d: d["prerequisites"][0].update(optional=False)
    yield "prerequisite missing url", lambda d: d["prerequisites"][0].pop("url")
    yield "prerequisite unknown field", lambda d: d["prerequisites"][0].update(colour="red")


@pytest.mark.parametrize(("name", "mutate", "valid"), list(_mutations()), ids=[n for n, _, _ in _mutations()])
def test_loader_and_schema_agree(name, mutate, valid):
    """Each change is accepted by both or refused by both: neither can accept what the other refuses."""
    doc = copy.deepcopy(DOCUMENT)
    mutate(doc)
    schema_errors = list(VALIDATOR.iter_errors(doc))
    loader_problems = check_document(doc)[1]
    assert (not schema_errors) is valid, f"schema {'refuses' if schema_errors else 'accepts'} {name}"
    assert (not loader_problems) is valid, f"loader {'refuses' if loader_problems else 'accepts'} {name}"
