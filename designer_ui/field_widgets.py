"""Form widgets of field types (``static/widgets/<widget>.js``) and their messages (en, zh-CN).

Every field type names its widget module (``FieldType.widget``): the generated form's input for a field of that type.
``widget_modules(definition)`` (a template global) lists the modules a definition's fields and sub-table columns need,
the fallback ``input`` first; the generated form loads those scripts and ``formfill.js`` mounts them.
``field_widgets(definition)`` names them by field type. Their messages (``fill.``) are in
the designer's gettext catalogue (designer_ui/translations) and reach the browser's catalogue.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from engine.fields import FIELD_TYPES, FieldType
from engine.services.field_types import field_types

#: where the widget modules are
WIDGETS_DIR = Path(__file__).resolve().parent / "static" / "widgets"
#: the module that draws a field whose type's own module is missing: a plain input (sub-table cells parse with it too)
FALLBACK_WIDGET = "input"


def field_widgets(definition: dict) -> dict[str, str]:
    """{field type: widget module name} for the live fields of *definition* whose type has a widget module."""
    out: dict[str, str] = {}
    for f in (definition or {}).get("fields", []):
        if f.get("deleted") or f.get("type") not in FIELD_TYPES:
            continue
        widget = FIELD_TYPES.get(f["type"]).widget
        if (WIDGETS_DIR / f"{widget}.js").is_file():
            out[f["type"]] = widget
    return out


def _types_used(definition: dict) -> list[str]:
    """The types of *definition*'s live fields and of their sub-table columns, in order of first use."""
    out: list[str] = []
    for f in (definition or {}).get("fields", []):
        if f.get("deleted"):
            continue
        cols = (f.get("options") or {}).get("fields") or []
        for name in [f.get("type")] + [sf.get("type") for sf in cols if isinstance(sf, dict)]:
            if name in FIELD_TYPES and name not in out:
                out.append(name)
    return out


def widget_modules(definition: dict) -> list[str]:
    """The widget modules (``static/widgets/<name>.js``) a form of *definition* loads: the fallback first, then the
    module of each type its fields and sub-table columns use, once each."""
    out = [FALLBACK_WIDGET]
    for name in _types_used(definition):
        widget = FIELD_TYPES.get(name).widget
        if widget not in out and (WIDGETS_DIR / f"{widget}.js").is_file():
            out.append(widget)
    return out


def field_facts(definition: dict | None = None) -> dict[str, dict]:
    """{field type: what the browser asks of it} (``FieldType.describe()`` less labels and properties): of the types
    *definition* uses (its fields and sub-table columns), or of every type; pages embed it as ``#field-types``."""
    wanted = None
    if definition is not None:
        wanted = set()
        for f in definition.get("fields", []):
            wanted.add(f.get("type"))
            wanted.update(sf.get("type") for sf in (f.get("options") or {}).get("fields") or [] if isinstance(sf, dict))
    keep = ("type", "widget", "value_kind", "capabilities", "filter_operators", "groupable", "engine_set", "form")
    return {t["type"]: {k: t[k] for k in keep} for t in field_types() if wanted is None or t["type"] in wanted}


def field_form(field: dict) -> dict:
    """What a form needs to know of *field*'s type (``FieldType.form_facts``): its input, HTML input type, ..."""
    return FIELD_TYPES.get(field["type"]).form_facts() if field.get("type") in FIELD_TYPES else FieldType.form_facts(FieldType())


def field_palette() -> list[tuple[str, str]]:
    """(type, glyph) of every registered field type, as the designer's palette lists them (``GET /api/field-types``'s order)."""
    return [(t["type"], t["glyph"]) for t in field_types()]


def install(env) -> None:
    """Put ``field_widgets``, ``widget_modules``, ``field_facts``, ``field_form`` and ``field_palette`` into a Jinja
    environment's globals."""
    env.globals.update(field_widgets=field_widgets, widget_modules=widget_modules, field_facts=field_facts,
                       field_form=field_form, field_palette=field_palette)


def init_app(app: Flask) -> None:
    install(app.jinja_env)
