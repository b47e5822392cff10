"""A field type owns its facts: no code outside engine/fields/ dispatches on a field type's name.

The test parses every Python module of engine/ (but engine/fields/) and designer_ui/ and reports each place
where a registered field-type name is used as a field type:

- compared with a field's type (``f["type"] == "reference"``, ``f.get("type") in ("user", ...)``,
  ``info.type``, ``ftype.name``, a variable named ``*type``);
- looked up by a literal name (``FIELD_TYPES.get("reference")``, ``field_type("user")``);
- listed: a tuple / list / set literal, or the keys of a dict literal, made mostly of type names (a list of
  types), or any literal naming a type assigned to a ``*_TYPES`` constant.

``number``, ``text``, ``date``, ``datetime`` and ``boolean`` are also the value kinds of rules, templates and
dashboards: a literal listing only those is a list of value kinds unless it is compared with a field's type or
assigned to a ``*_TYPES`` constant.

Ask the type instead (``field_type(f).is_reference``, ``.display_text(...)``, ``.filter_operators``).
``ALLOWED`` lists the few places where the words mean something else, each with its reason.
"""
from __future__ import annotations

import ast
from pathlib import Path

from engine.fields import FIELD_TYPES

ROOT = Path(__file__).resolve().parents[2]
#: (path, stripped source line) -> why the type names on that line are not field types
ALLOWED: dict[tuple[str, str], str] = {
}
#: the value kinds rules, templates and dashboards share with some field-type names
VALUE_KINDS = frozenset({"number", "text", "date", "datetime", "boolean"})


def _modules():
    for base in ("engine", "designer_ui"):
        for path in sorted((ROOT / base).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith("engine/fields/") or "/migrations/" in rel:
                continue
            yield rel, path.read_text(encoding="utf-8")


def _const_names(node, names) -> list[str]:
    """The type names a literal (a string, or a tuple / list / set / frozenset(...) of strings) holds."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value] if node.value in names else []
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and e.value in names]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("frozenset", "set", "tuple") and node.args:
        return _const_names(node.args[0], names)
    return []


def _mostly_types(elts, names) -> list[str]:
    """The type names of a literal list made mostly of type names (not only value kinds)."""
    listed = [e.value for e in elts if isinstance(e, ast.Constant) and e.value in names]
    if len(listed) >= 2 and 2 * len(listed) > len(elts) and not set(listed) <= VALUE_KINDS:
        return listed
    return []


def _is_type_expr(node) -> bool:
    """An expression that holds a field's type name."""
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and node.slice.value == "type":
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args \
            and isinstance(node.args[0], ast.Constant) and node.args[0].value == "type":
        return True
    if isinstance(node, ast.Attribute) and node.attr == "type":
        return True
    if isinstance(node, ast.Attribute) and node.attr == "name" and "type" in ast.unparse(node.value).lower():
        return True
    return isinstance(node, ast.Name) and node.id.lower().endswith("type")


def _findings(rel: str, source: str, names: set[str]):
    lines = source.splitlines()
    for node in ast.walk(ast.parse(source)):
        found = []
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_is_type_expr(s) for s in sides):
                found = [n for s in sides for n in _const_names(s, names)]
        elif isinstance(node, ast.Call) and node.args and (
                (isinstance(node.func, ast.Attribute) and node.func.attr == "get" and ast.unparse(node.func.value).endswith("FIELD_TYPES"))
                or (isinstance(node.func, ast.Name) and node.func.id in ("get_type", "field_type"))):
            found = _const_names(node.args[0], names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if node.value is not None and any(isinstance(t, ast.Name) and t.id.endswith("TYPES") for t in targets):
                found = _const_names(node.value, names) + [k.value for k in getattr(node.value, "keys", [])
                                                           if isinstance(k, ast.Constant) and k.value in names]
        elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            found = _mostly_types([e for e in node.elts], names)
        elif isinstance(node, ast.Dict):
            found = _mostly_types([k for k in node.keys if k is not None], names)
        if found:
            line = lines[node.lineno - 1].strip()
            if (rel, line) not in ALLOWED:
                yield f"{rel}:{node.lineno}: {sorted(set(found))}: {line[:120]}"


def test_no_field_type_names_outside_the_field_types():
    names = set(FIELD_TYPES.names())
    problems = sorted({p for rel, source in _modules() for p in _findings(rel, source, names)})
    assert not problems, "field-type names used outside engine/fields/ (ask the type instead):\n" + "\n".join(problems)


def test_every_allowed_place_still_exists():
    """An allow-list entry whose line is gone is stale: remove it."""
    sources = dict(_modules())
    stale = [key for key in ALLOWED if key[1] not in (line.strip() for line in sources.get(key[0], "").splitlines())]
    assert not stale, stale


def test_the_detector_finds_a_type_dispatch():
    names = set(FIELD_TYPES.names())
    source = 'def f(fld, ftype):\n    if fld["type"] in ("reference", "user"):\n        return FIELD_TYPES.get("user")\n' \
             '    return ftype.name == "subtable"\n'
    found = list(_findings("x.py", source, names))
    assert [p.split(":")[1] for p in found] == ["2", "2", "3", "4"] or len(found) == 4, found
