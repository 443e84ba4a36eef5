"""The catalogue loader: the happy path, every class of bad input, and name resolution."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from dlpath.catalog import Catalog, check_document, load_catalog, read_document, validate
from dlpath.errors import CatalogError, NotFoundError

VALID = Path(__file__).parent / "fixtures" / "catalogs" / "minimal-valid.yaml"


def _doc() -> dict:
    return yaml.safe_load(VALID.read_text())


def _problems(doc: object) -> list[str]:
    return [str(p) for p in check_document(doc)[1]]


def test_loads_minimal_catalogue_into_frozen_dataclasses():
    catalog = load_catalog(VALID)
    assert isinstance(catalog, Catalog)
    assert [s.id for s in catalog.steps] == ["first-step", "second-step"]
    assert [r.label for r in catalog.resources] == ["1.1", "1.2", "2.1"]
    notes = catalog.resource("intro-notes")
    assert notes.optional is True and notes.authors == ("Someone", "Someone Else")
    video = catalog.resource("intro-video")
    assert video.note == "Watch it twice." and video.optional is False
    assert catalog.resource("deep-dive").archive_url.startswith("https://web.archive.org/")
    assert catalog.steps[0].minutes == 10 and catalog.steps[0].optional_minutes == 20  # optional counted apart
    assert catalog.before is None and catalog.prerequisites == ()
    with pytest.raises(AttributeError):
        catalog.steps[0].title = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["steps"][0]["resources"][0].__setitem__("url", "javascript:alert(1)"),
         "steps[0].resources[0].url: expected an http:// or https:// URL, got 'javascript:alert(1)'"),
        (lambda d: d["steps"][0]["resources"][0].__setitem__("url", "file:///etc/passwd"),
         "steps[0].resources[0].url: expected an http:// or https:// URL"),
        (lambda d: d["steps"][0]["resources"][0].__setitem__("url", "example"),
         "steps[0].resources[0].url: expected an http:// or https:// URL, got 'example'"),
        (lambda d: d["steps"][1]["resources"][0].__setitem__("kind", "podcast"),
         "steps[1].resources[0].kind: expected one of video | paper"),
        (lambda d: d["steps"][0]["resources"][1].__setitem__("minutes", -5),
         "steps[0].resources[1].minutes: expected between 1 and 10000 minutes, got -5"),
        (lambda d: d["steps"][0]["resources"][1].__setitem__("minutes", 10**7),
         "steps[0].resources[1].minutes: expected between 1 and 10000 minutes"),
        (lambda d: d["steps"][0]["resources"][1].__setitem__("minutes", "ten"),
         "steps[0].resources[1].minutes: expected a whole number of minutes, got the string 'ten'"),
        (lambda d: d["steps"][0]["resources"][1].__setitem__("minutes", True),
         "steps[0].resources[1].minutes: expected a whole number of minutes, got the boolean true"),
        (lambda d: d["steps"][0]["resources"][0].pop("title"),
         "steps[0].resources[0]: missing required field 'title'"),
        (lambda d: d["steps"][0]["resources"][0].__setitem__("titel", "x"),
         "steps[0].resources[0].titel: unknown field (did you mean 'title'?)"),
        (lambda d: d["steps"][0]["resources"][0].__setitem__("authors", "Someone"),
         "steps[0].resources[0].authors: expected a non-empty list of names"),
        (lambda d: d["steps"][0]["resources"][0].__setitem__("optional", "yes"),
         "steps[0].resources[0].optional: expected true or false"),
        (lambda d: d["steps"][0]["resources"][0].__setitem__("provenance", "guess"),
         "steps[0].resources[0].provenance: expected one of article | article-page-2 | reconstructed | added"),
        (lambda d: d["steps"][0]["resources"][0].__setitem__("title", None),
         "steps[0].resources[0].title: expected a non-empty string, got nothing (null)"),
        (lambda d: d["steps"][0]["resources"][0].__setitem__("note", None),
         "steps[0].resources[0].note: expected a non-empty string, got nothing (null)"),
        (lambda d: d["steps"][0]["resources"][0].__setitem__("dated", ""),
         "steps[0].resources[0].dated: expected a non-empty string"),
        (lambda d: d["steps"][0]["resources"][0].__setitem__("install_only", "yes"),
         "steps[0].resources[0].install_only: expected true or false"),
        (lambda d: d["steps"][0]["resources"][0].update(provenance="added", optional=True),
         "steps[0].resources[0]: a resource with provenance 'added' needs 'verified'"),
        (lambda d: d["steps"][0]["resources"][0].update(provenance="added", verified="seen"),
         "steps[0].resources[0].optional: a resource with provenance 'added' must have 'optional: true'"),
        (lambda d: d.__setitem__("source", None), "source: expected a mapping, got nothing (null)"),
        (lambda d: d.__setitem__("prerequisites", []), "prerequisites: expected a non-empty list of resources"),
        (lambda d: d["steps"][0].__setitem__("id", "First Step"),
         "steps[0].id: expected a slug"),
        (lambda d: d["steps"][0].__setitem__("title", 42),
         "steps[0].title: expected a non-empty string, got the number 42"),
        (lambda d: d.__setitem__("version", 2), "version: expected 1"),
        (lambda d: d.__setitem__("steps", []), "steps: expected a non-empty list of steps"),
        (lambda d: d.pop("source"), "missing required field 'source'"),
    ],
)
def test_each_bad_field_is_named_by_its_path(mutate, expected):
    doc = _doc()
    mutate(doc)
    problems = _problems(doc)
    assert any(expected in p for p in problems), problems


def test_duplicate_ids_name_both_places():
    doc = _doc()
    dup = copy.deepcopy(doc["steps"][0]["resources"][0])
    doc["steps"][1]["resources"].append(dup)
    doc["steps"][1]["id"] = "first-step"
    problems = _problems(doc)
    expected = "steps[1].resources[1].id: duplicate resource id 'intro-video' (also at steps[0].resources[0].id)"
    assert expected in " ".join(problems)
    assert any("steps[1].id: duplicate step id 'first-step' (also at steps[0].id)" in p for p in problems)


def test_document_that_is_not_a_mapping():
    assert "expected a mapping" in _problems(["a", "list"])[0]
    assert "expected a mapping" in _problems("just text")[0]


def test_validate_reports_every_problem_in_one_run(fixtures):
    problems = [str(p) for p in validate(fixtures / "catalogs" / "many-problems.yaml")]
    text = "\n".join(problems)
    for expected in (
        "resources[0].url", "resources[1].kind", "resources[2].minutes", "resources[3].colour",
        "resources[3].id: duplicate resource id 'bad-minutes'", "resources[4]: missing required field 'id'",
        "resources[4].authors", "resources[4].url", "resources[4].minutes",
    ):
        assert expected in text, text
    assert len(problems) >= 9


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"   \n\n", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "is a binary file"),
        (b"\xff\xfe\xfa title", "is not UTF-8"),
    ],
)
def test_unusable_files_get_a_clear_error(tmp_path, content, message):
    path = tmp_path / "steps.yaml"
    path.write_bytes(content)
    with pytest.raises(CatalogError, match=message):
        load_catalog(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(CatalogError, match="not found"):
        load_catalog(tmp_path / "nope.yaml")
    with pytest.raises(CatalogError, match="is a directory"):
        load_catalog(tmp_path)


def test_malformed_yaml_names_line_and_column(fixtures):
    with pytest.raises(CatalogError, match=r"malformed-yaml.yaml is not valid YAML at line \d+, column \d+"):
        load_catalog(fixtures / "catalogs" / "malformed-yaml.yaml")


def test_yaml_tags_cannot_construct_python_objects(fixtures):
    with pytest.raises(CatalogError, match="not valid YAML"):
        read_document(fixtures / "catalogs" / "python-object-tag.yaml")


def test_load_names_first_problem_and_counts_the_rest(fixtures):
    with pytest.raises(CatalogError) as info:
        load_catalog(fixtures / "catalogs" / "many-problems.yaml")
    assert "steps[0].resources[0].url" in info.value.message
    assert "more problems; run 'dlpath validate" in info.value.message


class TestNames:
    catalog = load_catalog(VALID)

    def test_by_id_prefix_and_step_dot_n(self):
        assert self.catalog.find_resource("deep-dive").id == "deep-dive"
        assert self.catalog.find_resource("deep").id == "deep-dive"
        assert self.catalog.find_resource("1.2").id == "intro-notes"
        assert self.catalog.find_step("2").id == "second-step"
        assert self.catalog.find_step("first-step").number == 1

    def test_ambiguous_prefix_lists_candidates(self):
        with pytest.raises(NotFoundError, match="'intro' is ambiguous.*intro-video, intro-notes"):
            self.catalog.find_resource("intro")

    def test_unknown_name_suggests_closest(self):
        with pytest.raises(NotFoundError, match="did you mean deep-dive"):
            self.catalog.find_resource("deep-dve")
        with pytest.raises(NotFoundError, match="no step or resource named 'secnd-step'; did you mean second-step"):
            self.catalog.find("secnd-step")

    def test_out_of_range(self):
        with pytest.raises(NotFoundError, match="there is no step 9"):
            self.catalog.find_resource("9.1")
        with pytest.raises(NotFoundError, match="step 1 has 2 resources"):
            self.catalog.find_resource("1.7")
        with pytest.raises(NotFoundError, match="steps are numbered 1 to 2"):
            self.catalog.find_step("0")


class TestCache:
    def test_cached_load_equals_checked_load_and_skips_yaml(self, tmp_path):
        real = Path(__file__).resolve().parent.parent / "data" / "steps.yaml"
        path = tmp_path / "steps.yaml"
        path.write_bytes(real.read_bytes())
        cache = tmp_path / "cache"
        first = load_catalog(path, cache_dir=cache)
        assert len(list(cache.glob("catalog-*.marshal"))) == 1
        # Corrupt the YAML without changing size or mtime: a cache hit must not read it again.
        stat = path.stat()
        path.write_bytes(b"#" * stat.st_size)
        import os

        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        second = load_catalog(path, cache_dir=cache)
        assert second == first and second.resources == first.resources
        assert second.find_resource("3.2").id == first.find_resource("3.2").id

    def test_edited_file_is_read_again(self, tmp_path):
        path = tmp_path / "steps.yaml"
        path.write_text(VALID.read_text())
        cache = tmp_path / "cache"
        assert load_catalog(path, cache_dir=cache).title == "A Tiny Path"
        path.write_text(VALID.read_text().replace("title: A Tiny Path", "title: A Renamed Path"))
        assert load_catalog(path, cache_dir=cache).title == "A Renamed Path"
        path.write_text(VALID.read_text().replace("kind: video", "kind: podcast"))
        with pytest.raises(CatalogError, match="kind"):
            load_catalog(path, cache_dir=cache)

    def test_damaged_or_unwritable_cache_is_ignored(self, tmp_path):
        cache = tmp_path / "cache"
        load_catalog(VALID, cache_dir=cache)
        for file in cache.glob("catalog-*.marshal"):
            file.write_bytes(b"\x00garbage")
        assert load_catalog(VALID, cache_dir=cache).title == "A Tiny Path"
        blocked = tmp_path / "a-file"
        blocked.write_text("not a folder")
        assert load_catalog(VALID, cache_dir=blocked / "cache").title == "A Tiny Path"


EXTRAS = Path(__file__).parent / "fixtures" / "catalogs" / "with-extras.yaml"


class TestPrerequisitesAndExtras:
    catalog = load_catalog(EXTRAS)

    def test_prerequisites_are_step_0_optional_and_outside_the_steps(self):
        before = self.catalog.before
        assert before is not None and before.number == 0 and before.title == "Before you start"
        (prerequisite,) = self.catalog.prerequisites
        assert prerequisite.label == "0.1" and prerequisite.optional is True
        assert prerequisite not in self.catalog.resources  # the steps' totals never count it
        assert self.catalog.all_resources[0] == prerequisite and len(self.catalog.all_resources) == 7
        assert self.catalog.find_resource("0.1") == prerequisite == self.catalog.find_resource("before-reading")
        assert self.catalog.find_step("0") == before and self.catalog.step_of(prerequisite) == before

    def test_new_fields_and_provenance_in_words(self):
        install = self.catalog.resource("old-install")
        assert install.install_only and install.dated.startswith("The library is gone") and install.dated_install
        assert install.provenance_words == "from the article"
        assert self.catalog.resource("classic-paper").provenance_words == "from the article's page 2"
        assert self.catalog.resource("guessed-post").provenance_words == (
            "reconstructed: page 2 of the article could not be recovered"
        )
        modern = self.catalog.resource("modern-video")
        assert modern.added and modern.optional and modern.verified and modern.provenance_words == "added by dlpath"

    def test_required_and_optional_minutes_apart(self):
        first, second = self.catalog.steps
        assert (first.minutes, first.optional_minutes) == (90, 40)
        assert (second.minutes, second.optional_minutes) == (20, 3025)
        assert [r.id for r in second.required] == ["guessed-post"]

    def test_without_extras_keeps_labels_and_names(self):
        plain = self.catalog.without_extras()
        assert [r.label for r in plain.resources] == ["1.1", "1.2", "2.1", "2.2"]
        assert plain.resource("modern-video") is None and plain.prerequisites  # the prerequisite is the article's
        assert plain.find_resource("2.2").id == "big-book"
        with pytest.raises(NotFoundError, match="step 1 has 2 resources; '1.3' names none of them"):
            plain.find_resource("1.3")
        with pytest.raises(NotFoundError, match="'modern-blog' is not shown: dlpath added it and --no-extras"):
            plain.find("modern-blog")
        assert plain.knows("modern-blog") and not plain.knows("never-there")
        gap = self.catalog.filtered(lambda r: r.id != "old-install")
        assert gap.find_resource("1.2").id == "classic-paper"  # positions are the file's, not renumbered

    def test_a_prerequisite_cannot_be_required(self):
        doc = yaml.safe_load(EXTRAS.read_text())
        doc["prerequisites"][0]["optional"] = False
        assert any(p.startswith("prerequisites[0].optional: a prerequisite is never required") for p in _problems(doc))

    def test_duplicate_id_between_prerequisite_and_step(self):
        doc = yaml.safe_load(EXTRAS.read_text())
        doc["steps"][1]["resources"][0]["id"] = "before-reading"
        expected = "steps[1].resources[0].id: duplicate resource id 'before-reading' (also at prerequisites[0].id)"
        assert any(p.startswith(expected) for p in _problems(doc))

    def test_cache_keeps_every_new_field(self, tmp_path):
        path = tmp_path / "extras.yaml"
        path.write_text(EXTRAS.read_text())
        first = load_catalog(path, cache_dir=tmp_path / "cache")
        second = load_catalog(path, cache_dir=tmp_path / "cache")  # from the marshal cache
        assert second == first and second.before == first.before and second.by_id == first.by_id
