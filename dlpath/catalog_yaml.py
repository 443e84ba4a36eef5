"""Read a catalogue file safely: size and regular-file checks, YAML within caps, and where each value stands.

Nothing here knows the catalogue's format: the caps (file size, values once aliases are expanded,
nesting) refuse hostile files before anything is built, duplicate keys are reported (YAML would keep
the last silently), and each document path gets the line and column it starts on, for messages.
PyYAML is imported only when a file is parsed: a cached catalogue never comes here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from dlpath.errors import CatalogError
from dlpath.files import read_regular_file

MAX_FILE_BYTES = 4 * 1024 * 1024  # a catalogue of thousands of resources is well under 1 MB
MAX_NODES = 500_000  # values in the document once YAML aliases are expanded
MAX_DEPTH = 64  # nesting of mappings and lists; the format needs 5


class Problem(NamedTuple):
    """One thing wrong with a catalogue: where in the document, what was expected, and its line and column."""

    where: str  # a path in the document such as steps[2].resources[4].url, or "" for the file itself
    message: str
    line: int | None = None  # 1-based, when the problem has a place in the file
    column: int | None = None

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message

    @property
    def position(self) -> str:
        """``line L, column C``, or "" when the problem has no place in the file."""
        return f"line {self.line}, column {self.column}" if self.line is not None else ""


class _YamlError(CatalogError):
    """Text that is not YAML, with where the parser stopped."""

    def __init__(self, message: str, what: str, line: int | None, column: int | None) -> None:
        super().__init__(message)
        self.what, self.line, self.column = what, line, column


class _Shape(NamedTuple):
    """What one pass over the YAML events learns: where each value starts, and the duplicate keys."""

    positions: dict[str, tuple[int, int]]  # document path -> (line, column), 1-based
    duplicates: list[Problem]


def _shape(text: str, path: Path, loader: type) -> _Shape:
    """Check nesting and alias expansion against the caps, and note positions and duplicate keys.

    This walks the parser's events (flat, in C) before anything is built, so an alias bomb or a
    document nested thousands deep is refused in milliseconds instead of exhausting memory.
    """
    import yaml

    positions: dict[str, tuple[int, int]] = {}
    duplicates: list[Problem] = []
    anchors: dict[str, int] = {}  # anchor -> expanded size of its node
    # one frame per open collection: [is_mapping, path, size, anchor, next index or pending key, keys seen]
    stack: list[list[Any]] = []
    total = 0

    def too_big(why: str) -> CatalogError:
        return CatalogError(f"catalogue {path} is refused: {why}; a reading path needs nothing like it")

    def child_path() -> str | None:
        """The document path of the value starting now, or None when the event is a mapping key."""
        if not stack:
            return ""
        frame = stack[-1]
        if frame[0]:
            if frame[4] is None:
                return None  # a key: the caller records it
            key, frame[4] = frame[4], None
            return _join(frame[1], key)
        index = frame[4]
        frame[4] = index + 1
        return f"{frame[1]}[{index}]"

    def add_size(size: int) -> None:
        nonlocal total
        total += size
        if total > MAX_NODES:
            raise too_big(f"its aliases expand to more than {MAX_NODES:,} values")
        if stack:
            stack[-1][2] += size

    def take_key(event: Any) -> None:
        frame = stack[-1]
        key = event.value if isinstance(event, yaml.ScalarEvent) else "?"
        where = _join(frame[1], key)
        line, column = event.start_mark.line + 1, event.start_mark.column + 1
        first = frame[5].get(key)
        if first is not None and key != "?":
            duplicates.append(
                Problem(where, f"duplicate key '{key}' (first on line {first}): keep only one", line, column)
            )
        else:
            frame[5][key] = line
        frame[4] = key

    events = yaml.parse(text, Loader=loader)
    try:
        for event in events:
            if isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)):
                if stack and stack[-1][0] and stack[-1][4] is None:
                    take_key(event)
                    add_size(1)
                    continue
                where = child_path()
                positions[where] = (event.start_mark.line + 1, event.start_mark.column + 1)
                if isinstance(event, yaml.AliasEvent):
                    if any(frame[3] == event.anchor for frame in stack):
                        raise too_big(
                            f"the alias *{event.anchor} on line {event.start_mark.line + 1} is inside its own anchor"
                        )
                    add_size(anchors.get(event.anchor, 1))  # an undefined alias: the loader names it next
                else:
                    if event.anchor:
                        anchors[event.anchor] = 1
                    add_size(1)
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if stack and stack[-1][0] and stack[-1][4] is None:
                    where = _join(stack[-1][1], "?")
                    stack[-1][4] = "?"  # a complex key: its value still follows
                else:
                    where = child_path()
                positions[where] = (event.start_mark.line + 1, event.start_mark.column + 1)
                if len(stack) >= MAX_DEPTH:
                    raise too_big(f"it nests more than {MAX_DEPTH} levels deep (line {event.start_mark.line + 1})")
                is_mapping = isinstance(event, yaml.MappingStartEvent)
                stack.append([is_mapping, where, 0, event.anchor, None if is_mapping else 0, {}])
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                _, _, size, anchor, _, _ = stack.pop()
                if anchor:
                    anchors[anchor] = size + 1  # its content and the collection itself
                add_size(1)
                if stack:
                    stack[-1][2] += size
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()
    return _Shape(positions, duplicates)


def _locate(problem: Problem, positions: dict[str, tuple[int, int]]) -> Problem:
    """The problem with the line and column of its place in the document (or of the nearest enclosing value)."""
    if problem.line is not None or not problem.where:
        return problem
    where = problem.where
    while where:
        if where in positions:
            return problem._replace(line=positions[where][0], column=positions[where][1])
        cut = max(where.rfind("."), where.rfind("["))
        where = where[:cut] if cut > 0 else ""
    return problem


def read_document(path: Path) -> Any:
    """Parse the YAML file at ``path`` safely (no Python objects); CatalogError for unreadable files."""
    return _read(Path(path))[0]


def _read(path: Path) -> tuple[Any, _Shape]:
    """The parsed document and its shape (positions, duplicate keys); CatalogError if it cannot be read."""
    raw = read_regular_file(path, "catalogue", MAX_FILE_BYTES, CatalogError, ", or unset --catalog / DLPATH_CATALOG")
    return _parse(raw, path)


def _parse(raw: bytes, path: Path) -> tuple[Any, _Shape]:
    """The document in ``raw`` and its shape; CatalogError if it is not UTF-8 YAML within the caps."""
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
        shape = _shape(text, path, loader)
        return yaml.load(text, Loader=loader), shape  # noqa: S506 - a safe loader: no Python objects
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        what = err.problem or err.context or "invalid YAML"
        raise _YamlError(
            f"catalogue {path} is not valid YAML at {where}: {what}", what, mark.line + 1 if mark else None,
            mark.column + 1 if mark else None,
        ) from None
    except (yaml.YAMLError, ValueError, OverflowError) as err:
        # ValueError/OverflowError: a scalar such as a date out of range that the safe loader cannot build
        raise CatalogError(f"catalogue {path} is not valid YAML: {err}") from None


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
