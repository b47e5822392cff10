"""Form widgets of field types (``static/widgets/<widget>.js``) and their messages (en, zh-CN).

Every field type names its widget module (``FieldType.widget``): the generated form's input for a field of that type.
``widget_modules(definition)`` (a template global) lists the modules a definition's fields and sub-table columns need,
the fallback ``input`` first; the generated form loads those scripts and ``formfill.js`` mounts them.
``field_widgets(definition)`` names them by field type. The messages are merged into
``designer_ui.i18n.MESSAGES`` under ``fill.`` (they reach the browser's catalogue).
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from designer_ui.i18n import MESSAGES as _CATALOGUE
from engine.fields import FIELD_TYPES, FieldType
from engine.services.field_types import field_types

#: where the widget modules are
WIDGETS_DIR = Path(__file__).resolve().parent / "static" / "widgets"
#: the module that draws a field whose type's own module is missing: a plain input (sub-table cells parse with it too)
FALLBACK_WIDGET = "input"

_PAIRS: dict[str, tuple[str, str]] = {
    "fill.rating.star": ("{n} of {max} stars", "{n} 星（共 {max} 星）"),
    "fill.region.province": ("Province", "省"),
    "fill.region.city": ("City", "市"),
    "fill.region.district": ("District", "区县"),
    "fill.richtext.tools": ("Formatting", "格式"),
    "fill.richtext.bold": ("Bold", "加粗"),
    "fill.richtext.italic": ("Italic", "斜体"),
    "fill.richtext.bullets": ("Bulleted list", "项目符号列表"),
    "fill.richtext.numbers": ("Numbered list", "编号列表"),
    "fill.richtext.link": ("Link", "链接"),
    "fill.richtext.link_prompt": ("Link address (https://…)", "链接地址（https://…）"),
    "fill.image.thumbnail": ("Picture {n}", "图片 {n}"),
    "fill.signature.pad": ("Signature pad: draw your signature", "签名板：请在此手写签名"),
    "fill.signature.clear": ("Clear", "清除"),
    "fill.signature.use": ("Use this signature", "使用此签名"),
    "fill.signature.saved": ("Signature saved.", "签名已保存。"),
    "fill.signature.unsaved": ("Not saved yet: press “Use this signature”.", "尚未保存：请点击“使用此签名”。"),
    "fill.signature.empty": ("Draw a signature first.", "请先手写签名。"),
}

MESSAGES: dict[str, dict[str, str]] = {"en": {k: v[0] for k, v in _PAIRS.items()},
                                       "zh-CN": {k: v[1] for k, v in _PAIRS.items()}}

for _locale, _texts in MESSAGES.items():
    _CATALOGUE.setdefault(_locale, {}).update(_texts)


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
