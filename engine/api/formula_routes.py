"""REST routes of the designer's formula and roll-up editors (``engine.services.formula_editor``): what they can
insert and link to, and the live check of a formula being typed (result type or error with position, sample value)."""
from __future__ import annotations

from flask import jsonify

from engine.api import actor, caller_locale, load_body, route, runtime
from engine.services import formula_editor

LABEL = {"type": "object", "properties": {"en": {"type": "string"}, "zh-CN": {"type": "string"}}}
SOURCE_FIELD = {"type": "object", "required": ["id", "label", "type", "aggregates"], "properties": {
    "id": {"type": "string"}, "label": LABEL, "type": {"type": "string"},
    "aggregates": {"type": "array", "items": {"type": "string"}, "description": "what a roll-up may compute over it"}}}
SOURCES = {"type": "object", "required": ["functions", "links"], "properties": {
    "functions": {"type": "array", "items": {"type": "object", "required": ["name", "signature", "help"], "properties": {
        "name": {"type": "string"}, "insert": {"type": "string", "description": "the text the picker inserts"},
        "signature": {"type": "string"}, "help": LABEL}}},
    "links": {"type": "array", "description": "reference fields of the app's forms that point at this form", "items": {
        "type": "object", "required": ["form", "via", "fields"], "properties": {
            "form": {"type": "string"}, "form_label": LABEL, "via": {"type": "string"}, "via_label": LABEL,
            "fields": {"type": "array", "items": SOURCE_FIELD}}}},
    "count": {"type": "string", "description": "the aggregate every link takes (no field)"}}}
CHECK_BODY = {"type": "object", "required": ["expression"], "properties": {
    "expression": {"type": "string", "maxLength": 2000},
    "definition": {"$ref": "#/components/schemas/FormDefinition", "description": "the draft on screen (default: the saved draft)"},
    "result_type": {"type": "string", "description": "a field type the formula's result must suit (a computed field's result type)"}}}
CHECK = {"type": "object", "required": ["ok"], "properties": {
    "ok": {"type": "boolean"}, "type": {"type": "string", "description": "the result's kind: number, text, boolean, datetime..."},
    "error": {"type": "object", "properties": {"message": {"type": "string", "description": "in the caller's language"},
                                               "message_code": {"type": ["string", "null"]}, "params": {"type": "object"},
                                               "position": {"type": ["integer", "null"]},
                                               "line": {"type": ["integer", "null"]}, "column": {"type": ["integer", "null"]}}},
    "value": {"description": "the result against the sample record"},
    "value_error": {"type": ["string", "null"], "description": "why the sample value could not be computed"},
    "sample": {"type": "object", "properties": {"source": {"type": "string", "enum": ["record", "defaults"]},
                                                "record_id": {"type": ["integer", "null"]}}}}}


@route("/apps/<app_key>/forms/<form_key>/formula-sources", summary="What formulas and roll-ups can use: functions with help, "
       "links from other forms with their fields and aggregates", tag="forms", response=SOURCES, errors=(403, 404))
def formula_sources(app_key, form_key):
    return jsonify(formula_editor.formula_sources(runtime(), actor(), app_key, form_key))


@route("/apps/<app_key>/forms/<form_key>/formula-check", "POST", summary="Compile a formula against the draft: result type or "
       "the error with its position, and its value against a sample record", tag="forms", body=CHECK_BODY, response=CHECK,
       errors=(403, 404, 422))
def formula_check(app_key, form_key):
    return jsonify(formula_editor.check_formula(runtime(), actor(), app_key, form_key, load_body(), caller_locale()))
