"""REST route describing the field types (``engine.services.field_types``): what the designer's palette and property
panel are built from."""
from __future__ import annotations

from flask import jsonify

from engine.api import route
from engine.services.field_types import field_types

_TEXTS = {"type": "object", "description": "{en, zh-CN}", "additionalProperties": {"type": "string"}}
PROPERTY = {"type": "object", "required": ["key", "kind", "label"], "properties": {
    "key": {"type": "string", "description": "path in the field definition, e.g. options.max_length"},
    "kind": {"type": "string", "description": "int, number, text, code, bool, select, form, choices, subfields, formula"},
    "label": _TEXTS, "help": _TEXTS, "attrs": {"type": "object"},
    "options": {"type": "array", "items": {"type": "object", "properties": {"value": {}, "label": _TEXTS}}}}}
FIELD_TYPE = {"type": "object", "required": ["type", "label", "widget", "properties", "filter_operators", "groupable"],
              "properties": {
                  "type": {"type": "string"}, "label": _TEXTS, "description": _TEXTS,
                  "widget": {"type": "string", "description": "the form widget module (designer_ui/static/widgets/<widget>.js)"},
                  "glyph": {"type": "string"}, "properties": {"type": "array", "items": PROPERTY},
                  "filter_operators": {"type": "array", "items": {"type": "string"}},
                  "groupable": {"type": "boolean", "description": "a dashboard chart can group by it"},
                  "measurable": {"type": "boolean", "description": "a dashboard chart can sum or average it"},
                  "engine_set": {"type": "boolean", "description": "the engine fills the value; a client never sends it"},
                  "value_kind": {"type": "string", "description": "what rules see: string, number, boolean, date, ..."},
                  "default_options": {"type": "object"}, "default_input": {"type": ["string", "null"]},
                  "searchable": {"type": "boolean"},
                  "in_subtable": {"type": "boolean"}, "public_form": {"type": "boolean"},
                  "importable": {"type": "boolean"}, "exportable": {"type": "boolean"},
                  "kanban_lanes": {"type": "boolean", "description": "a kanban board can lane records by it (one value)"},
                  "calendar_kind": {"type": ["string", "null"], "description": "a calendar places records by it: day or moment"},
                  "thumbnails": {"type": "boolean", "description": "its pictures have thumbnails (a gallery shows them)"},
                  "capabilities": {"type": "array", "items": {"type": "string"}}}}
FIELD_TYPES_ANSWER = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": FIELD_TYPE}}}


@route("/field-types", summary="The field types: labels, designer properties, filter operators, groupability, widget",
       tag="forms", response=FIELD_TYPES_ANSWER, errors=(401,))
def list_field_types():
    return jsonify({"items": field_types()})
