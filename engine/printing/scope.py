"""The ``display`` variables of a print template: every field of the form as the reader reads it (text).

``display.<field name>`` is the display text of the field (dates in the reader's time zone, choice labels, users
by name, money with its currency); a sub-table field is a list of rows, each ``{<sub-field name>: text}``. The
field types say which fields hold rows (``template_kind == "rows"``): no list of type names here.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from engine.fields import FIELD_TYPES
from engine.templating import ScopeNode

__all__ = ["display_node", "holds_rows"]

_TEXT = ScopeNode("text")


def holds_rows(fld: Mapping) -> bool:
    """Whether the field's value is a list of sub-table rows."""
    return fld.get("type") in FIELD_TYPES and FIELD_TYPES.get(fld["type"]).template_kind == "rows"


def display_node(fields: Iterable[Mapping]) -> ScopeNode:
    """``display``: an object of field name -> text, sub-tables as lists of such objects."""
    children: dict[str, ScopeNode] = {"id": _TEXT, "title": _TEXT}
    for fld in fields:
        if fld.get("deleted"):
            continue
        name = fld.get("name") or fld.get("id")
        if holds_rows(fld):
            subs = [f for f in (fld.get("options") or {}).get("fields") or [] if not f.get("deleted")]
            row = ScopeNode("object", {(f.get("name") or f["id"]): _TEXT for f in subs}, label=name)
            children[name] = ScopeNode("list", item=row, label=name)
        elif name:
            children[name] = _TEXT
    return ScopeNode("object", children, label="display")
