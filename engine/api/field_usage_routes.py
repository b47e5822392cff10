"""REST routes of the designer's field keys, "used by" lists and readable diff (``engine.field_keys``,
``engine.services.field_usage``, ``engine.services.form_diff``)."""
from __future__ import annotations

from flask import jsonify

from engine.api import actor, load_body, refusals, route, runtime
from engine.field_keys import key_for, published_keys
from engine.services import forms as form_service
from engine.services.definition_access import require_definition_reader
from engine.services.field_usage import field_usage
from engine.services.form_diff import LOCALES, readable_diff

PLACE = {"type": "object", "required": ["kind", "key", "label", "path", "link"], "properties": {
    "kind": {"type": "string", "description": "rule, validation, automation, permission, settings, field, template, workflow, dashboard"},
    "key": {"type": "string"}, "label": {}, "path": {"type": "string", "description": "JSON path of the reference"},
    "link": {"type": "string", "description": "the page where the place is edited"}}}
USAGE_ANSWER = {"type": "object", "required": ["field", "items"], "properties": {
    "field": {"type": "string"}, "items": {"type": "array", "items": PLACE}}}
USAGE_BODY = {"type": "object", "required": ["field"], "properties": {
    "field": {"type": "string"}, "definition": {"type": "object", "description": "the definition on screen (default: the saved draft)"}}}
KEY_BODY = {"type": "object", "required": ["label"], "properties": {
    "label": {"oneOf": [{"type": "string"}, {"type": "object", "additionalProperties": {"type": "string"}}],
              "description": "a text, or per language ({en, zh-CN}): the English label makes the key when there is one"},
    "taken": {"type": "array", "items": {"type": "string"}}}}
KEY_ANSWER = {"type": "object", "required": ["key", "fixed"], "properties": {
    "key": {"type": "string"}, "fixed": {"type": "array", "items": {"type": "string"}, "description": "keys fixed by a publish"}}}


def _text(body: dict, name: str, *, required: bool = True) -> str:
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise refusals.not_text(name)
    return value


@route("/apps/<app_key>/forms/<form_key>/field-usage", "POST", summary="The places that use a field (rules, templates, ...)",
       tag="forms", body=USAGE_BODY, response=USAGE_ANSWER, errors=(403, 404, 422))
def post_field_usage(app_key, form_key):
    body = load_body()
    if not isinstance(body, dict):
        raise refusals.not_an_object()
    field = _text(body, "field")
    definition = body.get("definition")
    if definition is not None and not isinstance(definition, dict):
        raise refusals.not_an_object("definition")
    return jsonify({"field": field, "items": field_usage(runtime(), app_key, form_key, field, actor(), definition)})


@route("/apps/<app_key>/forms/<form_key>/field-key", "POST", summary="A field key made from a label, unique in the form",
       tag="forms", body=KEY_BODY, response=KEY_ANSWER, errors=(403, 404, 422))
def post_field_key(app_key, form_key):
    body = load_body()
    if not isinstance(body, dict):
        raise refusals.not_an_object()
    label = body.get("label")
    if not isinstance(label, dict) or not all(isinstance(v, str) for v in label.values()) or \
            not any(v.strip() for v in label.values()):
        label = _text(body, "label")
    taken = body.get("taken") or []
    if not isinstance(taken, list) or not all(isinstance(t, str) for t in taken):
        raise refusals.invalid("taken", "error.body.member_not_keys", "error.body.expected_list_of_keys")
    rt = runtime()
    require_definition_reader(rt, actor())
    draft = form_service.get_draft(rt, app_key, form_key)
    fixed = set()
    if draft["published_version"]:
        fixed = published_keys(form_service.get_version(rt, app_key, form_key, draft["published_version"])["definition"])
    return jsonify({"key": key_for(label, set(taken) | fixed), "fixed": sorted(fixed)})


DIFF_BODY = {"type": "object", "properties": {
    "definition": {"type": "object", "description": "the definition on screen (default: the saved draft)"},
    "locale": {"type": "string", "enum": ["en", "zh-CN"]}}}
DIFF_ANSWER = {"type": "object", "required": ["groups"], "properties": {
    "published_version": {"type": ["integer", "null"]},
    "groups": {"type": "array", "items": {"type": "object", "properties": {
        "group": {"type": "string", "enum": ["fields", "rules", "layout", "settings"]}, "title": {"type": "string"},
        "items": {"type": "array", "items": {"type": "object", "properties": {
            "text": {"type": "string"}, "records": {"type": ["integer", "null"]}}}}}}}}}


@route("/apps/<app_key>/forms/<form_key>/diff/readable", "POST", summary="What publishing the definition on screen would change, "
       "as sentences in the reader's language", tag="forms", body=DIFF_BODY, response=DIFF_ANSWER, errors=(403, 404, 422))
def post_readable_diff(app_key, form_key):
    body = load_body(required=False) or {}
    if not isinstance(body, dict):
        raise refusals.not_an_object()
    definition = body.get("definition")
    if definition is not None and (not isinstance(definition, dict) or not isinstance(definition.get("fields", []), list)):
        raise refusals.not_a_definition()
    locale = body.get("locale", "en")
    if locale not in LOCALES:
        raise refusals.unknown_locale(LOCALES)
    return jsonify(readable_diff(runtime(), app_key, form_key, definition, locale, actor()))
