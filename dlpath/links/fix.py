"""--fix: rewrite moved URLs (and fill empty archive_urls) in the catalogue file, changing nothing else.

The file is edited as text at the exact positions YAML reports for each value, so comments, key
order, quoting and line endings stay as they were; it is then written atomically and re-validated.
Only valid, percent-encoded URLs are written, and one fix that cannot be made never stops the others.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import yaml

from dlpath.catalog import load_catalog
from dlpath.errors import CatalogError
from dlpath.files import write_atomically
from dlpath.links.result import LinkResult, LinkVerdict
from dlpath.links.urls import percent_encode, url_problem

_PLAIN_SAFE = re.compile(r"[A-Za-z][^\s'\"{}\[\],]*")


@dataclass(frozen=True, slots=True)
class Fix:
    """One string to change: ``field`` of resource ``resource_id`` from ``old`` (None: empty) to ``new``."""

    resource_id: str
    field: str
    old: str | None
    new: str


def plan_fixes(results: Iterable[LinkResult]) -> list[Fix]:
    """The edits the results call for: permanent redirects, and archived copies for dead links."""
    fixes: dict[tuple[str, str], Fix] = {}
    for r in results:
        if r.verdict is LinkVerdict.REDIRECTED and r.permanent and r.final_url and r.final_url != r.url:
            fixes.setdefault((r.resource_id, r.field), Fix(r.resource_id, r.field, r.url, r.final_url))
        # an archived copy is only looked up for resources without an archive_url
        if r.field == "url" and r.verdict in (LinkVerdict.BROKEN, LinkVerdict.TIMEOUT) and r.archived_copy:
            fixes.setdefault((r.resource_id, "archive_url"), Fix(r.resource_id, "archive_url", None, r.archived_copy))
    return list(fixes.values())


class FixOutcome(NamedTuple):
    """The fixes written, and those left out with why (a bad target never stops the others)."""

    applied: list[Fix]
    skipped: list[tuple[Fix, str]]


def apply_fixes(path: Path, fixes: list[Fix]) -> FixOutcome:
    """Make the edits in the catalogue at ``path`` in place. Only valid, percent-encoded URLs are written;
    a fix whose target is not one, or without which the catalogue would not load, is skipped and the
    others are still made. Fixes that no longer apply (the file changed) are dropped silently.
    """
    import yaml

    from dlpath.paths import installed_copy

    path = Path(os.path.realpath(path))  # through a symbolic link: the real file is edited, the link stays
    if installed_copy(path):
        raise CatalogError(
            f"--fix will not edit {path}: it is the copy inside the installed dlpath package, which the next"
            " upgrade replaces; edit your own copy instead: cp the file to steps.yaml and run"
            " 'dlpath --catalog steps.yaml check-links --fix'"
        )
    original = path.read_bytes().decode("utf-8")  # it was just loaded, so it reads and decodes
    bom = "\ufeff" if original.startswith("\ufeff") else ""
    text = original[len(bom):]
    newline = "\r\n" if "\r\n" in text else "\n"
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        raise CatalogError(f"catalogue {path} cannot be fixed: it is not valid YAML ({err})") from None
    resources = _resource_nodes(root)
    planned: list[tuple[Fix, tuple[int, int, str]]] = []
    skipped: list[tuple[Fix, str]] = []
    for fix in fixes:
        fix = Fix(fix.resource_id, fix.field, fix.old, percent_encode(fix.new))
        if problem := url_problem(fix.new):
            skipped.append((fix, f"{fix.new} is not a valid URL: {problem}"))
            continue
        node = resources.get(fix.resource_id)
        edit = _edit_for(text, node, fix, newline) if node is not None else None
        if edit is not None:
            planned.append((fix, edit))
    if not planned:
        return FixOutcome([], skipped)
    if _write_if_it_loads(path, bom + _edited(text, [edit for _, edit in planned])):
        return FixOutcome([fix for fix, _ in planned], skipped)
    kept: list[tuple[Fix, tuple[int, int, str]]] = []  # some edit breaks the catalogue: find which, one by one
    for fix, edit in planned:
        if _write_if_it_loads(path, bom + _edited(text, [e for _, e in kept] + [edit])):
            kept.append((fix, edit))
        else:
            skipped.append((fix, "the catalogue would not load with it"))
    if not kept:
        write_atomically(path, original, newline="")
    elif len(kept) < len(planned):
        _write_if_it_loads(path, bom + _edited(text, [e for _, e in kept]))
    return FixOutcome([fix for fix, _ in kept], skipped)


def _edited(text: str, edits: list[tuple[int, int, str]]) -> str:
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _write_if_it_loads(path: Path, text: str) -> bool:
    """Write ``text`` to the catalogue; whether it then loads (the caller restores it when not)."""
    try:
        write_atomically(path, text, newline="")
    except OSError as err:
        raise CatalogError(f"--fix cannot write {path}: {err.strerror or err}; copy it somewhere writable and"
                           " pass --catalog") from None
    try:
        load_catalog(path)
    except CatalogError:
        return False
    return True


def _pairs(node: object) -> dict[str, tuple[object, object]]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: (k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _resource_nodes(root: object) -> dict[str, object]:
    """Resource id -> its mapping node in the composed document."""
    found: dict[str, object] = {}
    lists = [_pairs(root).get("prerequisites", (None, None))[1]]  # the prerequisites' links are checked too
    steps = _pairs(root).get("steps", (None, None))[1]
    for step in steps.value if isinstance(steps, yaml.SequenceNode) else []:
        lists.append(_pairs(step).get("resources", (None, None))[1])
    for resources in lists:
        for resource in resources.value if isinstance(resources, yaml.SequenceNode) else []:
            id_node = _pairs(resource).get("id", (None, None))[1]
            if isinstance(id_node, yaml.ScalarNode):
                found.setdefault(id_node.value, resource)
    return found


def _edit_for(text: str, resource: object, fix: Fix, newline: str) -> tuple[int, int, str] | None:
    """(start, end, replacement) in ``text`` for one fix, or None if it no longer applies or is unsafe."""
    pairs = _pairs(resource)
    if fix.field in pairs:
        _, value = pairs[fix.field]
        if not isinstance(value, yaml.ScalarNode) or value.style in ("|", ">"):
            return None
        start, end = value.start_mark.index, value.end_mark.index
        if value.start_mark.line != value.end_mark.line:
            return None  # a value folded over lines: leave it to a person
        if fix.old is not None:
            if value.value != fix.old:
                return None  # the file changed since it was checked
            return start, end, _scalar(fix.new, value.style)
        if value.tag != "tag:yaml.org,2002:null" and value.value:
            return None  # it has an archive_url already
        if start == end:  # `archive_url:` with nothing after it
            return start, end, (" " if text[start - 1:start] == ":" else "") + _scalar(fix.new, None)
        return start, end, _scalar(fix.new, None)
    if fix.old is not None or "url" not in pairs or resource.flow_style:  # type: ignore[attr-defined]
        return None
    key, value = pairs["url"]
    line_end = text.find("\n", value.end_mark.index)
    line_end = len(text) if line_end == -1 else line_end + 1
    prefix = "" if line_end > 0 and text[line_end - 1] == "\n" else newline
    indent = " " * key.start_mark.column  # type: ignore[attr-defined]
    return line_end, line_end, f"{prefix}{indent}{fix.field}: {_scalar(fix.new, None)}{newline}"


def _scalar(value: str, style: str | None) -> str:
    """``value`` written as a YAML scalar, in the original style where that is safe."""
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if style is None and _PLAIN_SAFE.fullmatch(value) and ": " not in value and not value.endswith(":"):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
