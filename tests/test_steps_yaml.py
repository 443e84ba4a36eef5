"""Invariants of the shipped catalogue, and agreement between the loader and the JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from dlpath.catalog import KINDS, check_document, load_catalog

ROOT = Path(__file__).resolve().parent.parent
STEPS = ROOT / "data" / "steps.yaml"
SCHEMA = json.loads((ROOT / "data" / "steps.schema.json").read_text())
CATALOG = load_catalog(STEPS)

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
        assert [r.url for r in step.resources] == expected
        assert {r.provenance for r in step.resources} == {"article"}


def test_steps_4_to_7_are_marked_reconstructed():
    for step in CATALOG.steps[3:]:
        assert step.resources
        assert {r.provenance for r in step.resources} == {"reconstructed"}, step.id


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


def _mutations():
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


@pytest.mark.parametrize(("name", "mutate"), list(_mutations()), ids=[n for n, _ in _mutations()])
def test_loader_and_schema_agree(name, mutate):
    doc = yaml.safe_load(STEPS.read_text())
    mutate(doc)
    schema_errors = list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(doc))
    loader_problems = check_document(doc)[1]
    assert schema_errors, f"schema accepts {name}"
    assert loader_problems, f"loader accepts {name}"
