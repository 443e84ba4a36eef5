"""--fix: rewrite moved URLs (and fill empty archive_urls) in the catalogue file, changing nothing else.

The file is edited as text at the exact positions YAML reports for each value, so comments, key
order, quoting and line endings stay as they were; it is then written atomically and re-validated.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dlpath.catalog import load_catalog
from dlpath.errors import CatalogError
from dlpath.files import write_atomically
from dlpath.links.result import LinkResult, Verdict

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
        if r.verdict is Verdict.REDIRECTED and r.permanent and r.final_url and r.final_url != r.url:
            fixes.setdefault((r.resource_id, r.field), Fix(r.resource_id, r.field, r.url, r.final_url))
        # an archived copy is only looked up for resources without an archive_url
        if r.field == "url" and r.verdict in (Verdict.BROKEN, Verdict.TIMEOUT) and r.archived_copy:
            fixes.setdefault((r.resource_id, "archive_url"), Fix(r.resource_id, "archive_url", None, r.archived_copy))
    return list(fixes.values())


def apply_fixes(path: Path, fixes: list[Fix]) -> list[Fix]:
    """Make the edits in the catalogue at ``path`` in place; returns those made (others no longer apply).

    Raises CatalogError (and leaves the file as it was) if the result would not load.
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
    edits: list[tuple[int, int, str]] = []
    applied = []
    for fix in fixes:
        node = resources.get(fix.resource_id)
        edit = _edit_for(text, node, fix, newline) if node is not None else None
        if edit is not None:
            edits.append(edit)
            applied.append(fix)
    if not edits:
        return []
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    try:
        write_atomically(path, bom + text, newline="")
    except OSError as err:
        raise CatalogError(f"--fix cannot write {path}: {err.strerror or err}; copy it somewhere writable and"
                           " pass --catalog") from None
    try:
        load_catalog(path)
    except CatalogError as err:
        write_atomically(path, original, newline="")
        raise CatalogError(f"--fix left {path} unchanged: the fixed catalogue would not load ({err})") from None
    return applied


def _pairs(node: object) -> dict[str, tuple[object, object]]:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: (k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _resource_nodes(root: object) -> dict[str, object]:
    """Resource id -> its mapping node in the composed document."""
    import yaml

    found: dict[str, object] = {}
    steps = _pairs(root).get("steps", (None, None))[1]
    for step in steps.value if isinstance(steps, yaml.SequenceNode) else []:
        resources = _pairs(step).get("resources", (None, None))[1]
        for resource in resources.value if isinstance(resources, yaml.SequenceNode) else []:
            id_node = _pairs(resource).get("id", (None, None))[1]
            if isinstance(id_node, yaml.ScalarNode):
                found.setdefault(id_node.value, resource)
    return found


def _edit_for(text: str, resource: object, fix: Fix, newline: str) -> tuple[int, int, str] | None:
    """(start, end, replacement) in ``text`` for one fix, or None if it no longer applies or is unsafe."""
    import yaml

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
