"""The loader's rules and data/steps.schema.json's are the same rules: every allowed value and bound that
the schema states (enum, minimum, maximum) is a constant of dlpath.catalog_check (the document checker,
whose names dlpath.catalog also answers to) with the same value.

The loader checks by hand (it must start fast for ``dlpath next``, so it never reads the schema); this
test is what keeps the two from drifting: a value added to one and not the other fails here.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from dlpath import catalog, catalog_check

SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "data" / "steps.schema.json").read_text())
KEYWORDS = ("enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")

# Where the loader keeps each rule the schema states: (property, keyword) -> constant of dlpath.catalog_check.
LOADER_RULES = {
    ("kind", "enum"): "KINDS",
    ("provenance", "enum"): "PROVENANCES",
    ("minutes", "minimum"): "MIN_MINUTES",
    ("minutes", "maximum"): "MAX_MINUTES",
}


def schema_rules(node: object = SCHEMA, where: str = "", prop: str = "") -> list[tuple[str, str, str, object]]:
    """Every (place in the schema, property, keyword, value) of an enum or a bound, wherever it stands."""
    found = []
    if isinstance(node, dict):
        for keyword in KEYWORDS:
            if keyword in node:
                found.append((where, prop, keyword, node[keyword]))
        for key, sub in node.items():
            if key == "properties" and isinstance(sub, dict):
                for name, spec in sub.items():
                    found += schema_rules(spec, f"{where}.properties.{name}", name)
            elif key not in KEYWORDS:
                found += schema_rules(sub, f"{where}.{key}", prop)
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            found += schema_rules(sub, f"{where}[{i}]", prop)
    return found


def _as_schema_value(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


def test_every_enum_and_bound_of_the_schema_is_the_loaders():
    rules = schema_rules()
    assert rules, "the schema states no enum or bound: has this test lost its way?"
    for where, prop, keyword, value in rules:
        name = LOADER_RULES.get((prop, keyword))
        assert name is not None, (
            f"the schema's {where} has {keyword} {value!r} and the loader has no constant for it:"
            " add one to dlpath/catalog_check.py, check documents against it, and name it in LOADER_RULES"
        )
        assert _as_schema_value(getattr(catalog_check, name)) == value, (
            f"catalog_check.{name} = {getattr(catalog_check, name)!r} but the schema's {where} has {keyword} {value!r}"
        )
        assert getattr(catalog, name) == getattr(catalog_check, name), f"dlpath.catalog.{name} is not the checker's"


def test_every_rule_named_here_is_still_in_the_schema():
    stated = {(prop, keyword) for _, prop, keyword, _ in schema_rules()}
    assert set(LOADER_RULES) <= stated, f"no longer in the schema: {sorted(set(LOADER_RULES) - stated)}"


def checker_constants() -> dict[str, object]:
    """The module constants that the document checker (``catalog_check._Checker``) uses: lists of allowed values
    and numbers. Limits on the file itself (its size, say) are checked elsewhere and are not the schema's."""
    tree = ast.parse(Path(catalog_check.__file__).read_text(encoding="utf-8"))
    checker = next((node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "_Checker"), None)
    assert checker is not None, "dlpath.catalog_check has no _Checker class any more: point this test at the checker"
    used = {node.id for node in ast.walk(checker) if isinstance(node, ast.Name)}
    found = {}
    for name in sorted(used):
        value = getattr(catalog_check, name, None)
        allowed_values = isinstance(value, tuple) and all(isinstance(v, str) for v in value)
        number = isinstance(value, int) and not isinstance(value, bool)
        if name.isupper() and (allowed_values or number):
            found[name] = value
    return found


def test_every_list_of_allowed_values_and_every_bound_the_loader_checks_is_in_the_schema():
    constants = checker_constants()
    assert set(LOADER_RULES.values()) <= set(constants), "a rule named here is not used by the checker"
    for name, value in constants.items():
        assert name in LOADER_RULES.values(), (
            f"catalog_check.{name} = {value!r} is a rule the loader checks and the schema does not state: add it to"
            " data/steps.schema.json and name it in LOADER_RULES"
        )


def test_the_walk_finds_rules_wherever_they_stand():
    schema = {
        "properties": {"a": {"enum": ["x"]}},
        "$defs": {"r": {"allOf": [{"then": {"properties": {"b": {"minimum": 2, "maximum": 3}}}}]}},
    }
    assert schema_rules(schema) == [
        (".properties.a", "a", "enum", ["x"]),
        (".$defs.r.allOf[0].then.properties.b", "b", "minimum", 2),
        (".$defs.r.allOf[0].then.properties.b", "b", "maximum", 3),
    ]


def test_the_records_and_the_checker_name_the_same_provenances():
    assert catalog.ADDED == catalog_check.ADDED and catalog_check.ADDED in catalog_check.PROVENANCES
    assert tuple(catalog.PROVENANCE_WORDS) == catalog_check.PROVENANCES
