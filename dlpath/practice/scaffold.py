"""Write the learner's starting file: the reference's signatures and docstrings, bodies left to write.

The signatures and docstrings are read from the reference module's source (never copied by hand, so
they cannot drift from the API), and the readings come from the catalogue the learner chose (by id when
there is none). A learner's existing file
is never overwritten without ``force``, and with ``force`` it is first copied to a backup that does not
exist yet (``backprop.py.bak``, then ``backprop.py.bak.2``, ...): nothing the learner wrote is lost.
"""

from __future__ import annotations

import ast
import importlib.util
import math
import os
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dlpath.errors import DlpathError
from dlpath.exercises.registry import find_exercise
from dlpath.files import write_atomically
from dlpath.practice.specs import PracticeSpec, find_spec

if TYPE_CHECKING:
    from dlpath.catalog import Catalog

DEFAULT_FOLDER = Path("dlpath-practice")

class PracticeFileError(DlpathError):
    """The learner's file to check is missing or is not a file, or a setting of the check is wrong."""


class ScaffoldExistsError(DlpathError):
    """The learner already has a file where the scaffold would go."""


class ScaffoldWriteError(DlpathError):
    """The scaffold (or the backup of the old file) could not be written."""


@dataclass(frozen=True, slots=True)
class Written:
    """Where a scaffold went, and where the file it replaced was kept (None when nothing was replaced)."""

    path: Path
    backup: Path | None = None
    unchanged: bool = False  # the file already was this very scaffold: nothing was written


@dataclass(frozen=True, slots=True)
class Reading:
    """A reading to point the learner at: from the catalogue when it can be loaded, else just its id."""

    id: str
    title: str | None = None
    authors: str | None = None
    url: str | None = None
    label: str | None = None  # STEP.N, e.g. 2.4


def practice_file(name: str, path: Path | None = None) -> Path:
    """The learner's file for exercise ``name``: ``path`` if it is a file or ends in .py, else inside that folder."""
    spec = find_spec(name)
    if path is None:
        return DEFAULT_FOLDER / spec.filename
    path = Path(path)
    if path.is_dir() or (path.suffix != ".py" and not path.exists()):
        return path / spec.filename
    return path


def file_to_check(name: str, path: Path | None, time_limit: float) -> Path:
    """The learner's file to check for ``name`` (see ``practice_file``), checked to exist, and the time
    limit checked to be usable; PracticeFileError saying what to do otherwise."""
    spec = find_spec(name)
    if not (time_limit > 0 and math.isfinite(time_limit)):
        raise PracticeFileError(f"--time-limit must be a number of seconds above 0, e.g. 10; got {time_limit:g}")
    target = practice_file(spec.name, path)
    if not target.exists():
        raise PracticeFileError(
            f"there is no file {target} to check: write the scaffold first with"
            f" 'dlpath exercise {spec.name} --practice', or give the path of your file"
        )
    if not target.is_file():
        raise PracticeFileError(f"{target} is not a file: give the path of your {spec.filename}")
    return target


def readings(name: str, catalog: Catalog | None = None) -> list[Reading]:
    """The readings of exercise ``name``, looked up in ``catalog``, the one the learner chose.

    Never fails: without a catalogue (None), or when it lacks an id, the reading is given by id only.
    """
    ids = find_exercise(find_spec(name).name).resource_ids
    found = []
    for rid in ids:
        resource = catalog.resource(rid) if catalog is not None else None
        if resource is None:
            found.append(Reading(rid))
        else:
            found.append(Reading(rid, resource.title, ", ".join(resource.authors), resource.url, resource.label))
    return found


def _safe(text: str) -> str:
    """Catalogue text made safe inside a docstring or comment: one line, printable, no quotes or escapes."""
    text = "".join(c for c in str(text) if c.isprintable() or c == " ")
    return " ".join(text.replace("\\", "/").replace('"""', "'''").split())


def _reference_source(spec: PracticeSpec) -> ast.Module:
    found = importlib.util.find_spec(spec.module)
    if found is None or not found.origin:
        raise ScaffoldWriteError(f"the reference implementation {spec.module} is missing: reinstall dlpath")
    return ast.parse(Path(found.origin).read_text(encoding="utf-8"))


def _signature(node: ast.FunctionDef) -> str:
    """``def name(a, b: float = 0.0) -> T:``, formatted as PEP 8 asks (ast.unparse writes ``b: float=0.0``)."""
    args = node.args

    def one(arg: ast.arg, default: ast.expr | None) -> str:
        text = arg.arg + (f": {ast.unparse(arg.annotation)}" if arg.annotation else "")
        if default is not None:
            text += (" = " if arg.annotation else "=") + ast.unparse(default)
        return text

    positional = [*args.posonlyargs, *args.args]
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    parts = [one(a, d) for a, d in zip(positional, defaults, strict=True)]
    if args.posonlyargs:
        parts.insert(len(args.posonlyargs), "/")
    if args.vararg:
        parts.append("*" + one(args.vararg, None))
    elif args.kwonlyargs:
        parts.append("*")
    parts += [one(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)]
    if args.kwarg:
        parts.append("**" + one(args.kwarg, None))
    returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
    return f"def {node.name}({', '.join(parts)}){returns}:"


def _annotation_names(node: ast.FunctionDef) -> set[str]:
    parts = [a.annotation for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)]
    parts += [node.args.vararg and node.args.vararg.annotation, node.args.kwarg and node.args.kwarg.annotation]
    parts.append(node.returns)
    return {n.id for part in parts if part is not None for n in ast.walk(part) if isinstance(n, ast.Name)}


def _imports_for(tree: ast.Module, names: set[str]) -> list[str]:
    """The reference's own import lines for the names its signatures use, then NumPy's."""
    lines = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module != "__future__":
            aliases = [a for a in node.names if (a.asname or a.name) in names]
            if aliases:
                lines.append(ast.unparse(ast.ImportFrom(module=node.module, names=aliases, level=node.level)))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if (alias.asname or alias.name) in names and alias.name != "numpy":
                    lines.append(ast.unparse(ast.Import(names=[alias])))
    return [*lines, "", "import numpy as np"] if lines else ["import numpy as np"]


def _docstring(text: str, indent: str) -> list[str]:
    body = text.replace("\\", "\\\\").replace('"""', "'''").splitlines()
    if len(body) == 1:
        return [f'{indent}"""{body[0]}"""']
    return [f'{indent}"""{body[0]}', *[f"{indent}{line}".rstrip() for line in body[1:]], f'{indent}"""']


def _reading_lines(found: list[Reading], spec: PracticeSpec) -> list[str]:
    lines = []
    for reading in found:
        if reading.title:
            by = f" ({_safe(reading.authors)})" if reading.authors else ""
            where = f", {reading.label} in the path" if reading.label else ""
            lines.append(f"  - {_safe(reading.title)}{by}{where}")
            lines.append(f"    {_safe(reading.url or '')}")
        else:
            lines.append(f"  - {reading.id} (see: dlpath show {reading.id})")
    return lines or [f"  - the readings of the step this exercise goes with (see: dlpath exercise {spec.name})"]


def scaffold_text(name: str, catalog: Catalog | None = None, file_hint: str | None = None) -> str:
    """The scaffold of exercise ``name`` as Python source."""
    spec = find_spec(name)
    tree = _reference_source(spec)
    nodes = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    missing = [f for f in spec.functions if f not in nodes]
    if missing:
        raise ScaffoldWriteError(f"the reference implementation {spec.module} lacks {', '.join(missing)}")
    found = readings(spec.name, catalog)
    first = found[0] if found else None
    pointer = f"'{_safe(first.title)}'" if first and first.title else (first.id if first else "the readings above")
    target = file_hint or str(DEFAULT_FOLDER / spec.filename)
    description = _safe(find_exercise(spec.name).description)

    lines = [
        f'"""Practice: {spec.name}. Write the functions below, then let dlpath check them.',
        "",
        *textwrap.wrap(description, 100),
        "",
        "Read first:",
        *_reading_lines(found, spec),
        "",
        "Each function keeps the signature and docstring of dlpath's own implementation: replace every",
        "`raise NotImplementedError` with your code, using NumPy.",
        "",
        f"  check your work:  dlpath exercise {spec.name} --check {_safe(target)}",
        f"  stuck? a hint:    dlpath exercise {spec.name} --hint",
        '"""',
        "",
        "from __future__ import annotations",
        "",
    ]
    names = set().union(*(_annotation_names(nodes[f]) for f in spec.functions))
    lines += _imports_for(tree, names)
    if spec.preamble:
        lines += ["", *spec.preamble]
    for fn in spec.functions:
        node = nodes[fn]
        lines += ["", "", _signature(node)]
        doc = ast.get_docstring(node)
        if doc:
            lines += _docstring(doc, "    ")
        lines += [
            f"    # TODO: write {fn}. Reading: {pointer}.",
            f'    raise NotImplementedError("{fn} is not written yet")',
        ]
    if spec.try_it:
        lines += ["", "", 'if __name__ == "__main__":  # python this-file.py tries your code']
        lines += [f"    {line}" for line in spec.try_it]
    return "\n".join(lines) + "\n"


def solution_text(name: str) -> str:
    """dlpath's own code for the functions the learner writes in exercise ``name``, as in its source."""
    spec = find_spec(name)
    found = importlib.util.find_spec(spec.module)
    source = Path(found.origin).read_text(encoding="utf-8") if found and found.origin else ""
    tree = ast.parse(source)
    nodes = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    parts = [ast.get_source_segment(source, nodes[f]) or "" for f in spec.functions if f in nodes]
    return "\n\n\n".join(parts) + "\n"


def write_scaffold(name: str, path: Path | None = None, force: bool = False, catalog: Catalog | None = None) -> Written:
    """Write the scaffold of ``name`` (default ``./dlpath-practice/<file>``), keeping any existing file.

    Without ``force`` an existing, different file is left alone (ScaffoldExistsError); with ``force`` it
    is first copied to a backup name that is not taken yet, so no earlier backup is overwritten either.
    """
    spec = find_spec(name)
    target = practice_file(spec.name, path)
    text = scaffold_text(spec.name, catalog, file_hint=str(target))
    if target.is_dir():
        raise ScaffoldExistsError(f"{target} is a folder: give a folder to write {spec.filename} in, or a .py file")
    if target.exists():
        try:
            current = target.read_bytes()
        except OSError as err:
            raise ScaffoldWriteError(f"cannot read the existing {target}: {err.strerror or err}") from None
        if current == text.encode("utf-8"):
            return Written(target, unchanged=True)
        if not force:
            raise ScaffoldExistsError(
                f"{target} already exists and was left as it is: check it with"
                f" 'dlpath exercise {spec.name} --check {target}', or add --force to start again"
                " (the old file is kept as a backup)"
            )
        backup = _backup(target, current)
        _write_atomically(target, text)
        return Written(target, backup)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "x", encoding="utf-8", newline="\n") as handle:  # "x": never clobber a racing write
            handle.write(text)
    except FileExistsError:
        raise ScaffoldExistsError(f"{target} appeared while writing: it was left as it is; try again") from None
    except OSError as err:
        raise ScaffoldWriteError(f"cannot write {target}: {err.strerror or err}") from None
    return Written(target)


def _backup(target: Path, content: bytes) -> Path:
    """Copy ``content`` (the learner's file) to the first free backup name next to ``target``."""
    for n in range(1, 1000):
        backup = target.with_name(f"{target.name}.bak" if n == 1 else f"{target.name}.bak.{n}")
        try:
            with open(backup, "xb") as handle:  # exclusive: an existing backup is never overwritten
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            return backup
        except FileExistsError:
            continue
        except OSError as err:
            raise ScaffoldWriteError(
                f"cannot back up {target} to {backup}: {err.strerror or err}; nothing was changed"
            ) from None
    raise ScaffoldWriteError(f"too many backups of {target} already: tidy them up, then try again")


def _write_atomically(target: Path, text: str) -> None:
    """Replace ``target`` with ``text`` in one step (a temporary file renamed over it), keeping its mode."""
    try:
        write_atomically(target, text, newline="\n")
    except OSError as err:
        raise ScaffoldWriteError(f"cannot write {target}: {err.strerror or err} (your file is unchanged)") from None
