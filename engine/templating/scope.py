"""The variables a template may use: a tree of ``ScopeNode`` built from a form's fields."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from engine.fields import FIELD_TYPES
from engine.templating.limits import MAX_MANAGER_DEPTH, MAX_REFERENCE_DEPTH

@dataclass(frozen=True)
class ScopeNode:
    """What a template may do with a variable.

    ``kind`` is ``object`` (has ``children``), ``list`` (has ``item``),
    ``any`` (opaque object: any safe attribute) or a leaf value kind
    (``text``, ``number``, ``datetime``, ``date``, ``boolean``, ``value``).
    """

    kind: str
    children: Mapping[str, "ScopeNode"] | None = None
    item: "ScopeNode | None" = None
    label: str = ""

    @property
    def is_leaf(self) -> bool:
        return self.kind not in ("object", "list", "any")


TEXT = ScopeNode("text")
NUMBER = ScopeNode("number")
DATETIME = ScopeNode("datetime")
DATE = ScopeNode("date")
BOOLEAN = ScopeNode("boolean")
VALUE = ScopeNode("value")
ANY = ScopeNode("any")
LOOP = ScopeNode("object", {
    name: NUMBER for name in ("index", "index0", "revindex", "revindex0", "length", "depth", "depth0")
} | {"first": BOOLEAN, "last": BOOLEAN, "previtem": ANY, "nextitem": ANY}, label="loop")

#: leaf node of a field type's ``template_kind``; other kinds are objects the type's ``template_value`` builds
_TEMPLATE_KIND_NODES = {"text": TEXT, "number": NUMBER, "date": DATE, "datetime": DATETIME, "boolean": BOOLEAN,
                        "value": VALUE}
_ATTACHMENT = ScopeNode("object", {"id": NUMBER, "name": TEXT, "url": TEXT, "size": NUMBER})


def user_node(manager_depth: int = MAX_MANAGER_DEPTH) -> ScopeNode:
    """The shape of a user variable (owner, user, a user field)."""
    children = {"id": NUMBER, "name": TEXT, "email": TEXT, "phone": TEXT, "tz": TEXT}
    if manager_depth > 0:
        children["manager"] = user_node(manager_depth - 1)
    return ScopeNode("object", children, label="user")


_WORKSPACE = ScopeNode("object", {"id": NUMBER, "name": TEXT}, label="workspace")
#: Variables every template has besides ``record``.
FIXED_ROOTS = {
    "owner": user_node(), "user": user_node(), "workspace": _WORKSPACE,
    "now": DATETIME, "link": TEXT,
}


def _field_node(fld: Mapping, resolve_form: Callable[[str], Any] | None, depth: int) -> ScopeNode:
    known = FIELD_TYPES.get(fld["type"]) if fld.get("type") in FIELD_TYPES else None
    kind = known.template_kind if known else None  # the type says how templates see it
    opts = fld.get("options") or {}
    multiple = bool(opts.get("multiple"))
    label = fld.get("name") or fld.get("id") or ""
    if kind == "derived":  # a computed value is seen as its result type
        result = known.result_type(fld)
        node = _TEMPLATE_KIND_NODES.get(FIELD_TYPES.get(result).template_kind if result in FIELD_TYPES else None, VALUE)
    elif kind == "choices":
        return ScopeNode("list", item=TEXT, label=label)
    elif kind == "person":
        node = user_node(1)
    elif kind == "attachment":
        node = _ATTACHMENT
    elif kind == "rows":
        node = _record_node(opts.get("fields") or [], resolve_form, depth, system=False)
        return ScopeNode("list", item=node, label=label)
    elif kind == "record":
        target = opts.get("form")
        target_fields = resolve_form(target) if (resolve_form and target and depth > 0) else None
        if isinstance(target_fields, Mapping):  # a whole form definition was given
            target_fields = target_fields.get("fields")
        if target_fields is None:
            node = ScopeNode("object", {"id": NUMBER, "title": TEXT}, label=label)
        else:
            node = _record_node(target_fields, resolve_form, depth - 1)
    elif kind in _TEMPLATE_KIND_NODES:  # leaf kinds (text, number, date...; a rating is a number); one value each
        return _TEMPLATE_KIND_NODES[kind]
    elif known is not None:  # the other types, by what their template_value builds (a region an object)
        return ANY
    else:
        node = VALUE
    return ScopeNode("list", item=node, label=label) if multiple else node


def _record_node(fields: Iterable[Mapping], resolve_form, depth: int, *, system: bool = True) -> ScopeNode:
    children: dict[str, ScopeNode] = {}
    if system:
        children.update({"id": NUMBER, "title": TEXT, "created_at": DATETIME, "updated_at": DATETIME})
    for fld in fields:
        if fld.get("deleted"):
            continue
        name = fld.get("name") or fld.get("id")
        if name:
            children[name] = _field_node(fld, resolve_form, depth)
    return ScopeNode("object", children, label="record")


@dataclass(frozen=True)
class VariableScope:
    """The variables a template may use: named roots, each a ``ScopeNode`` tree."""

    roots: Mapping[str, ScopeNode]

    @classmethod
    def from_fields(cls, fields: Iterable[Mapping],
                    resolve_form: Callable[[str], Iterable[Mapping] | None] | None = None,
                    ) -> "VariableScope":
        """Scope for a form: ``record.<field name>`` plus the fixed roots.

        ``resolve_form(form_key)`` returns the field list (or the whole form
        definition) of a referenced form, or None; without it, reference fields expose only ``id`` and
        ``title``.
        """
        record = _record_node(list(fields), resolve_form, MAX_REFERENCE_DEPTH)
        return cls({"record": record, **FIXED_ROOTS})

    def with_root(self, name: str, node: ScopeNode) -> "VariableScope":
        return VariableScope({**self.roots, name: node})

