"""Every public module, class and function of dlpath says what it is for, in a docstring where Python sees it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "dlpath"
SOURCES = sorted(PACKAGE.rglob("*.py"))

# Modules that other work in progress replaces whole (it documents what it moves): expected to fail until
# then, and strict, so that the entry must go once they pass.
REPLACED = {
    "dlpath/links/check.py": "split into the link checker's stages by the links work",
}

Node = ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef


def _is_string(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) and isinstance(
        statement.value.value, str
    )


def _public(name: str) -> bool:
    return not name.startswith("_")


def problems_of(tree: ast.Module, where: str) -> list[str]:
    """Docstring problems of a module: public definitions without one, and strings that came too late to be one.

    Public means the module itself, and every class, function and method (outside function bodies)
    whose name does not start with an underscore, inside public classes. A bare string after the first
    statement of a body is a docstring that a statement pushed down (Python no longer sees it).
    """
    found: list[str] = []

    def visit(node: Node, name: str, public: bool) -> None:
        body = node.body
        has_docstring = bool(body) and _is_string(body[0])
        late = next((s for s in body[1:] if _is_string(s)), None)
        if late is not None and not has_docstring:
            found.append(f"{where}:{late.lineno}: {name}: a statement comes before its docstring")
        elif public and not has_docstring:
            found.append(f"{where}:{getattr(node, 'lineno', 1)}: {name}: no docstring")
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):  # nested definitions are private, but a misplaced docstring is a slip
                if inner is not node and isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    inner_body = inner.body
                    if not _is_string(inner_body[0]) and any(_is_string(s) for s in inner_body[1:]):
                        found.append(f"{where}:{inner.lineno}: {inner.name}: a statement comes before its docstring")
            return
        for child in body:
            if isinstance(child, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, f"{name}.{child.name}" if name != where else child.name, public and _public(child.name))
            elif isinstance(child, ast.If):  # definitions under `if TYPE_CHECKING:` or a version test
                for grandchild in child.body + child.orelse:
                    if isinstance(grandchild, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                        visit(grandchild, grandchild.name, public and _public(grandchild.name))

    visit(tree, where, True)
    return found


def _cases():
    for path in SOURCES:
        where = path.relative_to(PACKAGE.parent).as_posix()
        marks = [pytest.mark.xfail(reason=REPLACED[where], strict=True)] if where in REPLACED else []
        yield pytest.param(path, where, id=where, marks=marks)


@pytest.mark.parametrize(("path", "where"), list(_cases()))
def test_every_public_definition_has_a_docstring_where_python_sees_it(path: Path, where: str):
    assert problems_of(ast.parse(path.read_text(encoding="utf-8")), where) == []


def test_the_check_finds_a_missing_and_a_pushed_down_docstring():
    source = '''
def shown():
    """Documented."""

def bare():
    return 1

def pushed():
    import json

    """Seen by nobody."""
    return json

class Public:
    """Documented."""

    def method(self):
        return 1

    def _private(self):
        return 2

def _helper():
    return 3
'''
    found = problems_of(ast.parse(source), "m.py")
    assert found == [
        "m.py:1: m.py: no docstring",
        "m.py:5: bare: no docstring",
        "m.py:11: pushed: a statement comes before its docstring",
        "m.py:17: Public.method: no docstring",
    ]
