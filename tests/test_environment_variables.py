"""Every DLPATH_* environment variable is read in dlpath/paths.py, the one place that says where things live."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "dlpath"


def reads_of_dlpath_variables(tree: ast.AST) -> list[int]:
    """Lines that read a DLPATH_* variable: ``os.environ.get("DLPATH_…")``, ``os.environ["DLPATH_…"]``,
    ``os.getenv("DLPATH_…")`` or ``"DLPATH_…" in os.environ``."""
    def dlpath_name(node: ast.AST | None) -> bool:
        return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("DLPATH_")

    def is_environ(node: ast.AST) -> bool:
        named = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
        return named == "environ"

    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and dlpath_name(node.args[0]):
            func = node.func
            getter = isinstance(func, ast.Attribute) and func.attr in ("getenv", "get")
            if getter and (func.attr == "getenv" or is_environ(func.value)):
                lines.append(node.lineno)
        elif isinstance(node, ast.Subscript) and is_environ(node.value) and dlpath_name(node.slice):
            lines.append(node.lineno)
        elif isinstance(node, ast.Compare) and dlpath_name(node.left) and any(is_environ(c) for c in node.comparators):
            lines.append(node.lineno)
    return lines


def test_only_paths_reads_dlpath_variables():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "paths.py" and path.parent == PACKAGE:
            continue
        for line in reads_of_dlpath_variables(ast.parse(path.read_text(encoding="utf-8"))):
            found.append(f"{path.relative_to(PACKAGE.parent)}:{line}")
    assert found == []


def test_the_check_finds_each_way_of_reading_a_variable():
    source = (
        "import os\n"
        "a = os.environ.get('DLPATH_A')\n"
        "b = os.environ['DLPATH_B']\n"
        "c = os.getenv('DLPATH_C')\n"
        "d = 'DLPATH_D' in os.environ\n"
        "e = os.environ.get('HOME')\n"
    )
    assert reads_of_dlpath_variables(ast.parse(source)) == [2, 3, 4, 5]
