"""Load and validate the course catalogue (``data/steps.yaml``) into immutable records.

The rules checked here are the ones ``data/steps.schema.json`` states for editors; a test keeps the
two in agreement. They are checked by hand rather than with a JSON Schema library so that loading
stays fast for ``dlpath next`` while still naming every problem by its path in the document.
"""

from __future__ import annotations

import marshal
import re
import zlib  # for the cache file's name: hashlib would cost 5 ms on every start
from pathlib import Path
from typing import Any, NamedTuple

from dlpath import __version__
from dlpath.errors import CatalogError, NotFoundError

KINDS = ("video", "paper", "book", "chapter", "blog", "tutorial", "notes", "slides", "course", "docs", "code")
PROVENANCES = ("article", "reconstructed")
MAX_MINUTES = 10_000  # about a week of full-time study: anything above is a typo
MIN_MINUTES = 1
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_URL = re.compile(r"^https?://[^\s/?#]+\.?[^\s]*$", re.IGNORECASE)
_STEP_DOT_N = re.compile(r"^(\d+)\.(\d+)$")


# The records are NamedTuples rather than frozen dataclasses: as immutable, and six times cheaper to
# define at import, which ``dlpath next`` pays on every start.


class Source(NamedTuple):
    """The article the reading path comes from."""

    title: str
    author: str
    url: str


class Resource(NamedTuple):
    """One reading, video or other material recommended by a step."""

    id: str
    title: str
    authors: tuple[str, ...]
    url: str
    kind: str
    minutes: int
    provenance: str
    step_number: int
    position: int  # 1-based position within its step
    note: str | None = None
    optional: bool = False
    archive_url: str | None = None

    @property
    def label(self) -> str:
        """The ``STEP.N`` name of this resource, e.g. ``3.2``."""
        return f"{self.step_number}.{self.position}"


class Step(NamedTuple):
    """One of the steps of the path; its number is its position in the catalogue."""

    id: str
    number: int
    title: str
    summary: str
    resources: tuple[Resource, ...]

    @property
    def minutes(self) -> int:
        """Estimated time for every resource of the step, optional ones included."""
        return sum(r.minutes for r in self.resources)


class Catalog(NamedTuple):
    """A whole reading path: its source and its steps in order."""

    version: int
    title: str
    source: Source
    steps: tuple[Step, ...]
    path: Path | None  # the file it was loaded from
    by_id: dict[str, Resource]  # every resource by id

    @property
    def resources(self) -> tuple[Resource, ...]:
        """Every resource in path order (step by step)."""
        return tuple(r for s in self.steps for r in s.resources)

    def resource(self, resource_id: str) -> Resource | None:
        """The resource with exactly this id, or None."""
        return self.by_id.get(resource_id)

    def step_of(self, resource: Resource) -> Step:
        """The step a resource belongs to."""
        return self.steps[resource.step_number - 1]

    def find_step(self, name: str) -> Step:
        """A step named by its number (``3``) or id; raises NotFoundError with suggestions."""
        name = name.strip()
        if name.isdigit():
            number = int(name)
            if 1 <= number <= len(self.steps):
                return self.steps[number - 1]
            raise NotFoundError(f"there is no step {number}: steps are numbered 1 to {len(self.steps)}")
        for step in self.steps:
            if step.id == name:
                return step
        raise NotFoundError(_unknown("step", name, [s.id for s in self.steps]))

    def find_resource(self, name: str) -> Resource:
        """A resource named by id, unique id prefix, or ``STEP.N``; raises NotFoundError with suggestions."""
        name = name.strip()
        match = _STEP_DOT_N.match(name)
        if match:
            number, position = int(match[1]), int(match[2])
            if not 1 <= number <= len(self.steps):
                raise NotFoundError(f"there is no step {number}: steps are numbered 1 to {len(self.steps)}")
            step = self.steps[number - 1]
            if not 1 <= position <= len(step.resources):
                raise NotFoundError(
                    f"step {number} has {len(step.resources)} resources; '{name}' names none of them"
                    f" (try 'dlpath show {number}')"
                )
            return step.resources[position - 1]
        exact = self.by_id.get(name)
        if exact is not None:
            return exact
        prefixed = [rid for rid in self.by_id if name and rid.startswith(name)]
        if len(prefixed) == 1:
            return self.by_id[prefixed[0]]
        if len(prefixed) > 1:
            shown = ", ".join(prefixed[:5]) + (", ..." if len(prefixed) > 5 else "")
            raise NotFoundError(f"'{name}' is ambiguous: it starts {len(prefixed)} resource ids ({shown})")
        raise NotFoundError(_unknown("resource", name, list(self.by_id)))

    def find(self, name: str) -> Step | Resource:
        """A step (number or id) or a resource (id, unique prefix, ``STEP.N``), whichever the name means."""
        name = name.strip()
        if name.isdigit() or any(s.id == name for s in self.steps):
            return self.find_step(name)
        try:
            return self.find_resource(name)
        except NotFoundError as err:
            if "ambiguous" in err.message or _STEP_DOT_N.match(name):
                raise
            names = [s.id for s in self.steps] + list(self.by_id)
            raise NotFoundError(_unknown("step or resource", name, names)) from None


def _unknown(what: str, name: str, candidates: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.5)
    if not close:
        close = [c for c in candidates if name and name in c][:3]
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"no {what} named '{name}'{hint} (see 'dlpath steps' and 'dlpath show STEP')"


# --------------------------------------------------------------------------- reading and checking


class Problem(NamedTuple):
    """One thing wrong with a catalogue: where in the document, and what was expected."""

    where: str  # a path in the document such as steps[2].resources[4].url, or "" for the file itself
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


def check_file(path: Path, missing: str = "check the path, or unset --catalog / DLPATH_CATALOG") -> None:
    """CatalogError unless there is a file at ``path``; ``missing`` says what to do when there is nothing."""
    if not path.exists():
        raise CatalogError(f"catalogue {path} not found: {missing}")
    if path.is_dir():
        raise CatalogError(f"catalogue {path} is a directory: give the path of a .yaml file")


def read_document(path: Path) -> Any:
    """Parse the YAML file at ``path`` safely (no Python objects); CatalogError for unreadable files."""
    path = Path(path)
    check_file(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise CatalogError(f"catalogue {path} cannot be read: {err.strerror or err}") from None
    if b"\x00" in raw:
        raise CatalogError(f"catalogue {path} is a binary file, not YAML: point --catalog at a .yaml file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise CatalogError(
            f"catalogue {path} is not UTF-8 text (byte {err.start}): save it as UTF-8"
        ) from None
    if not text.strip():
        raise CatalogError(f"catalogue {path} is empty: it needs version, title, source and steps")

    import yaml  # 12 ms to import: a cached catalogue (every `dlpath next` but the first) never needs it

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader: no Python objects
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        what = err.problem or err.context or "invalid YAML"
        raise CatalogError(f"catalogue {path} is not valid YAML at {where}: {what}") from None
    except yaml.YAMLError as err:
        raise CatalogError(f"catalogue {path} is not valid YAML: {err}") from None


class _Checker:
    """Walks the parsed document, collecting every problem and building the records."""

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
        if value is None:
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
        if value is None:
            return None
        if value not in choices:
            self.add(where, f"expected one of {' | '.join(choices)}, got {_describe(value)}")
            return None
        return value

    def minutes(self, value: Any, where: str) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(where, f"expected a whole number of minutes, got {_describe(value)}")
            return None
        if not MIN_MINUTES <= value <= MAX_MINUTES:
            self.add(where, f"expected between {MIN_MINUTES} and {MAX_MINUTES} minutes, got {value}")
            return None
        return value

    def flag(self, value: Any, where: str) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            self.add(where, f"expected true or false, got {_describe(value)}")
            return False
        return value

    def catalog(self, doc: Any, path: Path | None) -> Catalog | None:
        top = ("version", "title", "source", "steps")
        if not isinstance(doc, dict):
            self.add("", f"expected a mapping with {', '.join(top)} at the top, got {_describe(doc)}")
            return None
        self.mapping(doc, "", top, top)
        version = doc.get("version")
        if "version" in doc and version != 1:
            self.add("version", f"expected 1 (the only format this dlpath reads), got {_describe(version)}")
        title = self.text(doc.get("title"), "title")
        source = self.source(doc.get("source"))
        steps_doc = doc.get("steps")
        steps: list[Step] = []
        if "steps" in doc:
            if not isinstance(steps_doc, list) or not steps_doc:
                self.add("steps", f"expected a non-empty list of steps, got {_describe(steps_doc)}")
            else:
                for i, step_doc in enumerate(steps_doc):
                    step = self.step(step_doc, f"steps[{i}]", i + 1)
                    if step is not None:
                        steps.append(step)
        self.duplicates(steps_doc if isinstance(steps_doc, list) else [])
        if self.problems:
            return None
        by_id = {r.id: r for s in steps for r in s.resources}
        return Catalog(1, title or "", source, tuple(steps), path, by_id)  # type: ignore[arg-type]

    def source(self, doc: Any) -> Source | None:
        if doc is None:
            return None
        keys = ("title", "author", "url")
        if not self.mapping(doc, "source", keys, keys):
            return None
        title = self.text(doc.get("title"), "source.title")
        author = self.text(doc.get("author"), "source.author")
        url = self.url(doc.get("url"), "source.url")
        return Source(title or "", author or "", url or "")

    def step(self, doc: Any, where: str, number: int) -> Step | None:
        keys = ("id", "title", "summary", "resources")
        if not self.mapping(doc, where, keys, keys):
            return None
        step_id = self.slug(doc.get("id"), f"{where}.id")
        title = self.text(doc.get("title"), f"{where}.title")
        summary = self.text(doc.get("summary"), f"{where}.summary")
        resources_doc = doc.get("resources")
        resources: list[Resource] = []
        if "resources" in doc:
            if not isinstance(resources_doc, list) or not resources_doc:
                self.add(f"{where}.resources", f"expected a non-empty list, got {_describe(resources_doc)}")
            else:
                for j, res_doc in enumerate(resources_doc):
                    res = self.resource(res_doc, f"{where}.resources[{j}]", number, j + 1)
                    if res is not None:
                        resources.append(res)
        if step_id is None or title is None or summary is None:
            return None
        return Step(step_id, number, title, summary, tuple(resources))

    _RESOURCE_REQUIRED = ("id", "title", "authors", "url", "kind", "minutes", "provenance")
    _RESOURCE_KEYS = _RESOURCE_REQUIRED + ("note", "optional", "archive_url")

    def resource(self, doc: Any, where: str, number: int, position: int) -> Resource | None:
        if not self.mapping(doc, where, self._RESOURCE_REQUIRED, self._RESOURCE_KEYS):
            return None
        before = len(self.problems)
        res_id = self.slug(doc.get("id"), f"{where}.id")
        title = self.text(doc.get("title"), f"{where}.title")
        authors = doc.get("authors")
        if "authors" in doc:
            if not isinstance(authors, list) or not authors:
                self.add(f"{where}.authors", f"expected a non-empty list of names, got {_describe(authors)}")
                authors = []
            else:
                for k, name in enumerate(authors):
                    self.text(name, f"{where}.authors[{k}]")
        url = self.url(doc.get("url"), f"{where}.url")
        kind = self.choice(doc.get("kind"), f"{where}.kind", KINDS)
        minutes = self.minutes(doc.get("minutes"), f"{where}.minutes")
        provenance = self.choice(doc.get("provenance"), f"{where}.provenance", PROVENANCES)
        note = self.text(doc.get("note"), f"{where}.note") if "note" in doc else None
        optional = self.flag(doc.get("optional"), f"{where}.optional")
        archive_url = self.url(doc.get("archive_url"), f"{where}.archive_url") if "archive_url" in doc else None
        if len(self.problems) > before:
            return None
        return Resource(
            id=res_id,  # type: ignore[arg-type]
            title=title,  # type: ignore[arg-type]
            authors=tuple(authors or ()),
            url=url,  # type: ignore[arg-type]
            kind=kind,  # type: ignore[arg-type]
            minutes=minutes,  # type: ignore[arg-type]
            provenance=provenance,  # type: ignore[arg-type]
            step_number=number,
            position=position,
            note=note,
            optional=optional,
            archive_url=archive_url,
        )

    def duplicates(self, steps_doc: list[Any]) -> None:
        seen_steps: dict[str, str] = {}
        seen_resources: dict[str, str] = {}
        for i, step in enumerate(steps_doc):
            if not isinstance(step, dict):
                continue
            sid = step.get("id")
            if isinstance(sid, str):
                where = f"steps[{i}].id"
                if sid in seen_steps:
                    self.add(where, f"duplicate step id '{sid}' (also at {seen_steps[sid]}): step ids must be unique")
                else:
                    seen_steps[sid] = where
            resources = step.get("resources")
            for j, res in enumerate(resources if isinstance(resources, list) else []):
                rid = res.get("id") if isinstance(res, dict) else None
                if isinstance(rid, str):
                    where = f"steps[{i}].resources[{j}].id"
                    if rid in seen_resources:
                        self.add(
                            where,
                            f"duplicate resource id '{rid}' (also at {seen_resources[rid]}):"
                            " resource ids must be unique in the whole catalogue",
                        )
                    else:
                        seen_resources[rid] = where


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


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


def check_document(doc: Any, path: Path | None = None) -> tuple[Catalog | None, list[Problem]]:
    """Every problem of a parsed document, and the Catalog when there are none."""
    checker = _Checker()
    catalog = checker.catalog(doc, path)
    return catalog, checker.problems


def validate(path: Path) -> list[Problem]:
    """Every problem of the catalogue file at ``path`` (unreadable files and bad YAML count as one)."""
    try:
        doc = read_document(path)
    except CatalogError as err:
        return [Problem("", err.message)]
    return check_document(doc, Path(path))[1]


def load_catalog(path: Path, *, cache_dir: Path | None = None) -> Catalog:
    """The catalogue at ``path``; CatalogError naming the first problem (and how many more) if invalid.

    With ``cache_dir``, a catalogue that passed validation is kept there in marshal form, keyed by
    the file's path, size and modification time, so the next load skips YAML and the checks.
    """
    path = Path(path)
    cached = _read_cache(path, cache_dir) if cache_dir is not None else None
    if cached is not None:
        return cached
    doc = read_document(path)
    catalog, problems = check_document(doc, path)
    if problems:
        more = f" (and {len(problems) - 1} more problems; run 'dlpath validate {path}')" if len(problems) > 1 else ""
        raise CatalogError(f"catalogue {path}: {problems[0]}{more}")
    assert catalog is not None
    if cache_dir is not None:
        _write_cache(path, cache_dir, doc)
    return catalog


# --------------------------------------------------------------------------- the parsed-catalogue cache

_CACHE_FORMAT = 1  # bump when the document format or its rules change


def _cache_file(path: Path, cache_dir: Path) -> tuple[Path, tuple[int, int, int]] | None:
    try:
        resolved = path.resolve()
        st = resolved.stat()
    except OSError:
        return None
    # The stamp stored inside the file guards correctness; the name only has to be distinct.
    key = str(resolved).encode("utf-8", "surrogateescape")
    name = f"{resolved.stem[:40]}-{zlib.crc32(key):08x}-{zlib.adler32(key):08x}"
    return cache_dir / f"catalog-{name}.marshal", (st.st_mtime_ns, st.st_size, st.st_ino)


def _read_cache(path: Path, cache_dir: Path) -> Catalog | None:
    located = _cache_file(path, cache_dir)
    if located is None:
        return None
    file, stamp = located
    try:
        fmt, saved_stamp, doc = marshal.loads(file.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None  # no cache yet, or a damaged one: parse the YAML instead
    if fmt != (_CACHE_FORMAT, __version__) or tuple(saved_stamp) != stamp:
        return None
    try:
        return _build(doc, path)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _write_cache(path: Path, cache_dir: Path, doc: Any) -> None:
    from dlpath.files import write_atomically  # 0.3 ms (with tempfile later) that a cached start never pays

    located = _cache_file(path, cache_dir)
    if located is None:
        return
    file, stamp = located
    try:
        write_atomically(file, marshal.dumps(((_CACHE_FORMAT, __version__), stamp, doc)))
    except (OSError, ValueError):
        pass  # the cache is only a speed-up; an unwritable cache folder must not stop the command


def _build(doc: dict, path: Path | None) -> Catalog:
    """A Catalog from a document already known to be valid (no checks: the cache's fast path)."""
    steps = []
    for number, step in enumerate(doc["steps"], start=1):
        resources = tuple(
            Resource(
                id=r["id"], title=r["title"], authors=tuple(r["authors"]), url=r["url"], kind=r["kind"],
                minutes=r["minutes"], provenance=r["provenance"], step_number=number, position=position,
                note=r.get("note"), optional=r.get("optional", False), archive_url=r.get("archive_url"),
            )
            for position, r in enumerate(step["resources"], start=1)
        )
        steps.append(Step(step["id"], number, step["title"], step["summary"], resources))
    source = doc["source"]
    by_id = {r.id: r for s in steps for r in s.resources}
    return Catalog(doc["version"], doc["title"], Source(source["title"], source["author"], source["url"]),
                   tuple(steps), path, by_id)
