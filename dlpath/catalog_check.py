"""The catalogue document's rules: a hand-written mirror of ``data/steps.schema.json``.

The rules are checked by hand rather than with a JSON Schema library so that loading stays fast for
``dlpath next`` while still naming every problem by its path in the document; tests/test_schema_rules.py
keeps the constants here equal to the schema's. The checker only finds problems: a document with none
is made into records by ``dlpath.catalog``.
"""

from __future__ import annotations

import re
from typing import Any

from dlpath.catalog_yaml import Problem, _join

KINDS = ("video", "paper", "book", "chapter", "blog", "tutorial", "notes", "slides", "course", "docs", "code")
PROVENANCES = ("article", "article-page-2", "reconstructed", "added")
ADDED = "added"
MAX_MINUTES = 10_000  # about a week of full-time study: anything above is a typo
MIN_MINUTES = 1
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_URL = re.compile(r"^https?://[^\s/?#]+\.?[^\s]*$", re.IGNORECASE)


_MISSING: Any = object()  # a field that is absent (unlike one given as null, which is a problem)


class _Checker:
    """Walks the parsed document, collecting every problem.

    Each value check takes ``_MISSING`` for an absent field (the mapping check reports it if it was
    required) and reports an explicit null like any other wrong value, as the schema does.
    """

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))

    def mapping(self, value: Any, where: str, required: tuple[str, ...], allowed: tuple[str, ...]) -> bool:
        if not isinstance(value, dict):
            self.add(where, f"expected a mapping, got {_describe(value)}")
            return False
        for key in required:
            if key not in value:
                self.add(where, f"missing required field '{key}'")
        for key in value:
            if key not in allowed:
                import difflib

                hint = difflib.get_close_matches(str(key), allowed, n=1)
                extra = f" (did you mean '{hint[0]}'?)" if hint else f" (allowed: {', '.join(allowed)})"
                self.add(_join(where, str(key)), f"unknown field{extra}")
        return True

    def text(self, value: Any, where: str) -> str | None:
        if value is _MISSING:
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(where, f"expected a non-empty string, got {_describe(value)}")
            return None
        return value

    def slug(self, value: Any, where: str) -> str | None:
        value = self.text(value, where)
        if value is not None and not SLUG.match(value):
            self.add(where, f"expected a slug of lowercase letters, digits and hyphens, got '{value}'")
            return None
        return value

    def url(self, value: Any, where: str) -> str | None:
        value = self.text(value, where)
        if value is not None and not _URL.match(value):
            self.add(where, f"expected an http:// or https:// URL, got '{value}'")
            return None
        return value

    def choice(self, value: Any, where: str, choices: tuple[str, ...]) -> str | None:
        if value is _MISSING:
            return None
        if value not in choices:
            self.add(where, f"expected one of {' | '.join(choices)}, got {_describe(value)}")
            return None
        return value

    def minutes(self, value: Any, where: str) -> int | None:
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(where, f"expected a whole number of minutes, got {_describe(value)}")
            return None
        if not MIN_MINUTES <= value <= MAX_MINUTES:
            self.add(where, f"expected between {MIN_MINUTES} and {MAX_MINUTES} minutes, got {value}")
            return None
        return value

    def flag(self, value: Any, where: str) -> bool:
        if value is _MISSING:
            return False
        if not isinstance(value, bool):
            self.add(where, f"expected true or false, got {_describe(value)}")
            return False
        return value

    def catalog(self, doc: Any) -> None:
        top = ("version", "title", "source", "steps")
        if not isinstance(doc, dict):
            self.add("", f"expected a mapping with {', '.join(top)} at the top, got {_describe(doc)}")
            return
        self.mapping(doc, "", top, ("version", "title", "source", "prerequisites", "steps"))
        version = doc.get("version")
        if "version" in doc and version != 1:
            self.add("version", f"expected 1 (the only format this dlpath reads), got {_describe(version)}")
        self.text(doc.get("title", _MISSING), "title")
        self.source(doc.get("source", _MISSING))
        self.prerequisites(doc.get("prerequisites", _MISSING))
        steps_doc = doc.get("steps")
        if "steps" in doc:
            if not isinstance(steps_doc, list) or not steps_doc:
                self.add("steps", f"expected a non-empty list of steps, got {_describe(steps_doc)}")
            else:
                for i, step_doc in enumerate(steps_doc):
                    self.step(step_doc, f"steps[{i}]")
        prerequisites_doc = doc.get("prerequisites")
        self.duplicates(
            steps_doc if isinstance(steps_doc, list) else [],
            prerequisites_doc if isinstance(prerequisites_doc, list) else [],
        )

    def source(self, doc: Any) -> None:
        if doc is _MISSING:
            return
        keys = ("title", "author", "url")
        if not self.mapping(doc, "source", keys, keys):
            return
        self.text(doc.get("title", _MISSING), "source.title")
        self.text(doc.get("author", _MISSING), "source.author")
        self.url(doc.get("url", _MISSING), "source.url")

    def prerequisites(self, doc: Any) -> None:
        """The optional ``prerequisites`` list (step 0, "Before you start"): resources that are never required."""
        if doc is _MISSING:
            return
        if not isinstance(doc, list) or not doc:
            self.add("prerequisites", f"expected a non-empty list of resources, got {_describe(doc)}")
            return
        for j, res_doc in enumerate(doc):
            where = f"prerequisites[{j}]"
            if isinstance(res_doc, dict) and res_doc.get("optional", True) is not True:
                self.add(f"{where}.optional", "a prerequisite is never required: remove 'optional' or set it to true")
                continue
            self.resource(res_doc, where)

    def step(self, doc: Any, where: str) -> None:
        keys = ("id", "title", "summary", "resources")
        if not self.mapping(doc, where, keys, keys):
            return
        self.slug(doc.get("id", _MISSING), f"{where}.id")
        self.text(doc.get("title", _MISSING), f"{where}.title")
        self.text(doc.get("summary", _MISSING), f"{where}.summary")
        resources_doc = doc.get("resources")
        if "resources" in doc:
            if not isinstance(resources_doc, list) or not resources_doc:
                self.add(f"{where}.resources", f"expected a non-empty list, got {_describe(resources_doc)}")
            else:
                for j, res_doc in enumerate(resources_doc):
                    self.resource(res_doc, f"{where}.resources[{j}]")

    _RESOURCE_REQUIRED = ("id", "title", "authors", "url", "kind", "minutes", "provenance")
    _RESOURCE_KEYS = _RESOURCE_REQUIRED + ("note", "optional", "archive_url", "dated", "install_only", "verified")

    def resource(self, doc: Any, where: str) -> None:
        if not self.mapping(doc, where, self._RESOURCE_REQUIRED, self._RESOURCE_KEYS):
            return
        self.slug(doc.get("id", _MISSING), f"{where}.id")
        self.text(doc.get("title", _MISSING), f"{where}.title")
        authors = doc.get("authors")
        if "authors" in doc:
            if not isinstance(authors, list) or not authors:
                self.add(f"{where}.authors", f"expected a non-empty list of names, got {_describe(authors)}")
            else:
                for k, name in enumerate(authors):
                    self.text(name, f"{where}.authors[{k}]")
        self.url(doc.get("url", _MISSING), f"{where}.url")
        self.choice(doc.get("kind", _MISSING), f"{where}.kind", KINDS)
        self.minutes(doc.get("minutes", _MISSING), f"{where}.minutes")
        provenance = self.choice(doc.get("provenance", _MISSING), f"{where}.provenance", PROVENANCES)
        self.text(doc.get("note", _MISSING), f"{where}.note")
        self.flag(doc.get("optional", _MISSING), f"{where}.optional")
        # an empty archive_url is a place for 'check-links --suggest-archive --fix' to fill: no copy yet
        archive_doc = doc.get("archive_url", _MISSING)
        self.url(_MISSING if archive_doc is None else archive_doc, f"{where}.archive_url")
        self.text(doc.get("dated", _MISSING), f"{where}.dated")
        self.flag(doc.get("install_only", _MISSING), f"{where}.install_only")
        self.text(doc.get("verified", _MISSING), f"{where}.verified")
        if provenance == ADDED:
            # what dlpath adds is never required, and says where its URL and title were confirmed
            if doc.get("optional") is not True:
                self.add(f"{where}.optional", "a resource with provenance 'added' must have 'optional: true'")
            if "verified" not in doc:
                self.add(where, "a resource with provenance 'added' needs 'verified': where its URL and title"
                                " were confirmed")

    def duplicates(self, steps_doc: list[Any], prerequisites_doc: list[Any]) -> None:
        seen_steps: dict[str, str] = {}
        for i, step in enumerate(steps_doc):
            sid = step.get("id") if isinstance(step, dict) else None
            if isinstance(sid, str):
                where = f"steps[{i}].id"
                if sid in seen_steps:
                    self.add(where, f"duplicate step id '{sid}' (also at {seen_steps[sid]}): step ids must be unique")
                else:
                    seen_steps[sid] = where
        places = [(f"prerequisites[{j}]", res) for j, res in enumerate(prerequisites_doc)]
        for i, step in enumerate(steps_doc):
            resources = step.get("resources") if isinstance(step, dict) else None
            places += [(f"steps[{i}].resources[{j}]", res) for j, res in enumerate(resources or [])
                       if isinstance(resources, list)]
        seen_resources: dict[str, str] = {}
        for place, res in places:
            rid = res.get("id") if isinstance(res, dict) else None
            if isinstance(rid, str):
                where = f"{place}.id"
                if rid in seen_resources:
                    self.add(
                        where,
                        f"duplicate resource id '{rid}' (also at {seen_resources[rid]}):"
                        " resource ids must be unique in the whole catalogue",
                    )
                else:
                    seen_resources[rid] = where


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"the string '{shown}'"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


def problems_of(doc: Any) -> list[Problem]:
    """Every problem of a parsed document against the catalogue's rules, in document order (none: it is valid)."""
    checker = _Checker()
    checker.catalog(doc)
    return checker.problems
