"""The package's imports point down: nothing below the command line imports it, and no modules import
each other in a loop (imports inside functions and under TYPE_CHECKING count too)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "dlpath"


def module_name(path: Path) -> str:
    """``dlpath/progress/store.py`` -> ``dlpath.progress.store``; a package's ``__init__.py`` is the package."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str) -> set[str]:
    """The dlpath modules that module ``name`` imports, anywhere in it."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:  # `from dlpath.cli import common` names a module
                target = target.rpartition(".")[0]
            if target and target != name and not (isinstance(node, ast.ImportFrom) and target == package):
                found.add(target)
    return found


GRAPH = {name: imports_of(name) for name in MODULES}


def _is_cli(name: str) -> bool:
    return name == "dlpath.cli" or name.startswith("dlpath.cli.") or name == "dlpath.__main__"


def test_nothing_below_the_command_line_imports_it():
    upward = sorted(f"{a} -> {b}" for a, targets in GRAPH.items() if not _is_cli(a) for b in targets if _is_cli(b))
    assert upward == [], "move what they need below dlpath/cli (rendering helpers go to dlpath/render)"


def loops(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other in a loop (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_modules_import_each_other_in_a_loop():
    assert loops(GRAPH) == []


def test_the_checks_find_a_loop_and_read_relative_imports():
    assert loops({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert "dlpath.cli.root" in GRAPH["dlpath.cli.progress"] and "dlpath.render.text" in GRAPH["dlpath.views"]


MAX_LINES = 600  # a module past this holds several concerns: split it by concern (issue 11)


def test_every_module_is_under_the_line_cap():
    long = sorted(f"{p.relative_to(ROOT)}: {n} lines" for p in MODULES.values()
                  if (n := len(p.read_text(encoding="utf-8").splitlines())) >= MAX_LINES)
    assert long == [], f"split these by concern until each is under {MAX_LINES} lines"
