"""The course catalogue (``data/steps.yaml``) as immutable records, found by number, id or name.

Reading the file safely is ``dlpath.catalog_yaml``'s concern and the document's rules (the mirror of
``data/steps.schema.json``) are ``dlpath.catalog_check``'s; both are imported only when a file is
parsed, so that ``dlpath next`` with a cached catalogue loads neither (nor PyYAML). The names they
define that other modules import from here (``KINDS``, ``MAX_FILE_BYTES``, ``Problem``, ...) are
still found here.
"""

from __future__ import annotations

import marshal
import re
import zlib  # for the cache file's name: hashlib would cost 5 ms on every start
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from dlpath import __version__
from dlpath.errors import CatalogError, NotFoundError

if TYPE_CHECKING:
    from dlpath.catalog_yaml import Problem

# What each provenance means, in the words the learner reads (dlpath show, next, status).
PROVENANCE_WORDS = {
    "article": "from the article",
    "article-page-2": "from the article's page 2",
    "reconstructed": "reconstructed: page 2 of the article could not be recovered",
    "added": "added by dlpath",
}
ADDED = "added"  # the provenance of what dlpath adds (the checker's rules name it too; a test keeps them equal)
PREREQUISITES_STEP_ID = "before-you-start"
MAX_PROBLEMS = 100  # problems ``validate`` lists; the rest are counted
_STEP_DOT_N = re.compile(r"^([0-9]{1,18})\.([0-9]{1,18})$", re.ASCII)

# Names that moved to the modules a parse needs, still importable from here (found on first use).
_READING_NAMES = ("MAX_FILE_BYTES", "MAX_NODES", "MAX_DEPTH", "Problem", "read_document")
_RULE_NAMES = ("KINDS", "PROVENANCES", "MAX_MINUTES", "MIN_MINUTES", "SLUG")


def __getattr__(name: str) -> Any:
    """``from dlpath.catalog import KINDS`` (and the other moved names) without importing them at start."""
    if name in _READING_NAMES:
        from dlpath import catalog_yaml

        return getattr(catalog_yaml, name)
    if name in _RULE_NAMES:
        from dlpath import catalog_check

        return getattr(catalog_check, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    dated: str | None = None  # one sentence: what has aged and what to do instead
    install_only: bool = False  # an installation guide: nothing to learn once installed
    verified: str | None = None  # where the URL and title were confirmed (every added resource has it)

    @property
    def label(self) -> str:
        """The ``STEP.N`` name of this resource, e.g. ``3.2`` (``0.N`` for a prerequisite)."""
        return f"{self.step_number}.{self.position}"

    @property
    def added(self) -> bool:
        """Whether dlpath added it (not in the article)."""
        return self.provenance == ADDED

    @property
    def dated_install(self) -> bool:
        """An installation guide that has aged (``status --hide-dated-installs`` leaves these out)."""
        return self.install_only and self.dated is not None

    @property
    def provenance_words(self) -> str:
        """Where it comes from, in words: "from the article", "added by dlpath", ..."""
        return PROVENANCE_WORDS.get(self.provenance, self.provenance)


class Step(NamedTuple):
    """One of the steps of the path; its number is its position in the catalogue.

    The prerequisites, when the catalogue has any, are a step numbered 0 (``Catalog.before``).
    """

    id: str
    number: int
    title: str
    summary: str
    resources: tuple[Resource, ...]

    @property
    def required(self) -> tuple[Resource, ...]:
        """The resources the path requires (not optional)."""
        return tuple(r for r in self.resources if not r.optional)

    @property
    def optional(self) -> tuple[Resource, ...]:
        """The optional resources (extra reading, and everything dlpath added)."""
        return tuple(r for r in self.resources if r.optional)

    @property
    def minutes(self) -> int:
        """Estimated time for the step's required resources (optional ones are counted apart)."""
        return sum(r.minutes for r in self.resources if not r.optional)

    @property
    def optional_minutes(self) -> int:
        """Estimated time for the step's optional resources."""
        return sum(r.minutes for r in self.resources if r.optional)


class Catalog(NamedTuple):
    """A whole reading path: its source and its steps in order."""

    version: int
    title: str
    source: Source
    steps: tuple[Step, ...]
    path: Path | None  # the file it was loaded from
    by_id: dict[str, Resource]  # every resource by id, prerequisites included
    before: Step | None = None  # the prerequisites as step 0 ("Before you start"), if any
    hidden: dict[str, str] = {}  # noqa: RUF012 - never mutated: ids left out by ``filtered``, and why

    @property
    def resources(self) -> tuple[Resource, ...]:
        """Every resource of the seven steps in path order (prerequisites are apart: ``before``)."""
        return tuple(r for s in self.steps for r in s.resources)

    @property
    def prerequisites(self) -> tuple[Resource, ...]:
        """The readings for before step 1 (never required); empty if the catalogue has none."""
        return self.before.resources if self.before is not None else ()

    @property
    def all_resources(self) -> tuple[Resource, ...]:
        """The prerequisites, then every resource of the steps (what check-links checks)."""
        return self.prerequisites + self.resources

    def resource(self, resource_id: str) -> Resource | None:
        """The resource with exactly this id, or None."""
        return self.by_id.get(resource_id)

    def step_of(self, resource: Resource) -> Step:
        """The step a resource belongs to (``before`` for a prerequisite)."""
        if resource.step_number == 0 and self.before is not None:
            return self.before
        return self.steps[resource.step_number - 1]

    def filtered(self, keep: Callable[[Resource], bool], why: str = "left out here") -> Catalog:
        """The same catalogue with only the resources ``keep`` accepts; labels (``STEP.N``) do not change.

        The ids left out are kept in ``hidden`` (with ``why``), so that progress on them is not taken
        for progress on resources the catalogue no longer has, and naming one says why it is missing.
        """
        steps = tuple(s._replace(resources=tuple(r for r in s.resources if keep(r))) for s in self.steps)
        before = None
        if self.before is not None:
            kept = tuple(r for r in self.before.resources if keep(r))
            before = self.before._replace(resources=kept) if kept else None
        by_id = {r.id: r for r in self.by_id.values() if keep(r)}
        hidden = dict(self.hidden) | {rid: why for rid, r in self.by_id.items() if not keep(r)}
        return self._replace(steps=steps, before=before, by_id=by_id, hidden=hidden)

    def without_extras(self) -> Catalog:
        """The article's path alone: every resource dlpath added is left out (``--no-extras``)."""
        return self.filtered(
            lambda r: not r.added,
            "dlpath added it and --no-extras (or DLPATH_NO_EXTRAS) hides what dlpath added",
        )

    def knows(self, resource_id: str) -> bool:
        """Whether the catalogue has this resource, shown or hidden (progress on it is not orphaned)."""
        return resource_id in self.by_id or resource_id in self.hidden

    def find_step(self, name: str) -> Step:
        """A step named by its number (``3``) or id; raises NotFoundError with suggestions."""
        name = name.strip()
        if _is_number(name):
            number = int(name) if len(name) <= 18 else len(self.steps) + 1  # more digits: no such step either
            if number == 0 and self.before is not None:
                return self.before
            if 1 <= number <= len(self.steps):
                return self.steps[number - 1]
            raise NotFoundError(f"there is no step {_shorten(name)}: steps are numbered 1 to {len(self.steps)}")
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
            if number == 0 and self.before is not None:
                step = self.before
            elif not 1 <= number <= len(self.steps):
                raise NotFoundError(f"there is no step {number}: steps are numbered 1 to {len(self.steps)}")
            else:
                step = self.steps[number - 1]
            # positions stay those of the file even when --no-extras leaves some resources out
            for resource in step.resources:
                if resource.position == position:
                    return resource
            count = len(step.resources)
            what = f"step {number} has" if number else f"before step 1 there {'is' if count == 1 else 'are'}"
            raise NotFoundError(
                f"{what} {count} resource{'s' if count != 1 else ''}; '{name}' names none of them"
                f" (try 'dlpath show {number}')"
            )
        exact = self.by_id.get(name)
        if exact is not None:
            return exact
        if name in self.hidden:
            raise NotFoundError(f"'{name}' is not shown: {self.hidden[name]}")
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
        if _is_number(name) or any(s.id == name for s in self.steps):
            return self.find_step(name)
        try:
            return self.find_resource(name)
        except NotFoundError as err:
            if "ambiguous" in err.message or _STEP_DOT_N.match(name) or name in self.hidden:
                raise
            names = [s.id for s in self.steps] + list(self.by_id)
            raise NotFoundError(_unknown("step or resource", name, names)) from None


def _is_number(name: str) -> bool:
    """Whether ``name`` is written in the digits 0-9 only (``²`` or ``٣`` are names, not step numbers)."""
    return name.isascii() and name.isdigit()


def _shorten(name: str) -> str:
    """A name as quoted back in a message: at most 60 characters."""
    return name if len(name) <= 60 else name[:57] + "..."


def _unknown(what: str, name: str, candidates: list[str]) -> str:
    import difflib

    if len(name) > 200:  # nothing is named like that; difflib on it would only cost time
        return f"no {what} named '{_shorten(name)}' (see 'dlpath steps' and 'dlpath show STEP')"

    close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.5)
    if not close:
        close = [c for c in candidates if name and name in c][:3]
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"no {what} named '{_shorten(name)}'{hint} (see 'dlpath steps' and 'dlpath show STEP')"


_PREREQUISITES_SUMMARY = (
    "Optional reading for the background this path assumes; never required: skip it if you have that background."
)


def check_document(doc: Any, path: Path | None = None) -> tuple[Catalog | None, list[Problem]]:
    """Every problem of a parsed document, and the Catalog when there are none."""
    from dlpath.catalog_check import problems_of

    problems = problems_of(doc)
    return (None if problems else _build(doc, path)), problems


def validate(path: Path) -> list[Problem]:
    """Every problem of the catalogue file at ``path``, each with its line and column when it has one.

    Text that is not YAML counts as one problem; duplicate keys come first, in file order. A file
    that cannot be read at all (missing, a FIFO or device, too large) raises CatalogError.
    """
    from dlpath.catalog_yaml import MAX_FILE_BYTES, Problem, _locate, _parse, _YamlError
    from dlpath.files import read_regular_file

    raw = read_regular_file(Path(path), "catalogue", MAX_FILE_BYTES, CatalogError)
    try:
        doc, shape = _parse(raw, Path(path))
    except _YamlError as err:
        return [Problem("", f"not valid YAML: {err.what}", err.line, err.column)]
    except CatalogError as err:
        return [Problem("", err.message)]
    problems = shape.duplicates + check_document(doc, Path(path))[1]
    return [_locate(p, shape.positions) for p in problems]


LARGE_FILE_BYTES = 256 * 1024  # parsing takes a noticeable moment from about this size


def load_catalog(
    path: Path, *, cache_dir: Path | None = None, on_large: Callable[[str], None] | None = None
) -> Catalog:
    """The catalogue at ``path``; CatalogError naming the first problem (and how many more) if invalid.

    With ``cache_dir``, a catalogue that passed validation is kept there in marshal form, keyed by
    the file's path, size and modification time, so the next load skips YAML and the checks.
    ``on_large(message)`` is told before a large catalogue is parsed (the CLI says so on a terminal).
    """
    path = Path(path)
    cached = _read_cache(path, cache_dir) if cache_dir is not None else None
    if cached is not None:
        return cached
    if on_large is not None:
        try:
            size = path.stat().st_size
        except OSError:
            size = 0
        if size >= LARGE_FILE_BYTES:
            later = "; later runs use a cached copy" if cache_dir is not None else ""
            on_large(f"reading the catalogue {path} ({size / 1e6:.1f} MB) and checking every entry{later}...")
    from dlpath.catalog_yaml import _locate, _read

    doc, shape = _read(path)
    catalog, problems = check_document(doc, path)
    problems = shape.duplicates + problems
    if problems:
        first = _locate(problems[0], shape.positions)
        at = f" at {first.position}" if first.position else ""
        more = f" (and {len(problems) - 1} more problems; run 'dlpath validate {path}')" if len(problems) > 1 else ""
        raise CatalogError(f"catalogue {path}{at}: {first}{more}")
    assert catalog is not None
    if cache_dir is not None:
        _write_cache(path, cache_dir, doc)
    return catalog


# --------------------------------------------------------------------------- the parsed-catalogue cache

_CACHE_FORMAT = 2  # bump when the document format or its rules change


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

    def resources(docs: list[dict], number: int) -> tuple[Resource, ...]:
        return tuple(
            Resource(
                id=r["id"], title=r["title"], authors=tuple(r["authors"]), url=r["url"], kind=r["kind"],
                minutes=r["minutes"], provenance=r["provenance"], step_number=number, position=position,
                note=r.get("note"), optional=r.get("optional", False) or number == 0,
                archive_url=r.get("archive_url"), dated=r.get("dated"), install_only=r.get("install_only", False),
                verified=r.get("verified"),
            )
            for position, r in enumerate(docs, start=1)
        )

    steps = tuple(
        Step(step["id"], number, step["title"], step["summary"], resources(step["resources"], number))
        for number, step in enumerate(doc["steps"], start=1)
    )
    before = None
    if "prerequisites" in doc:
        before = Step(PREREQUISITES_STEP_ID, 0, "Before you start", _PREREQUISITES_SUMMARY,
                      resources(doc["prerequisites"], 0))
    source = doc["source"]
    by_id = {r.id: r for s in ((before,) if before else ()) + steps for r in s.resources}
    return Catalog(1, doc["title"], Source(source["title"], source["author"], source["url"]),
                   steps, path, by_id, before)
