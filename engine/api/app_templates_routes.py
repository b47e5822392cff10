"""REST routes for app templates (list, install, update, reset) and the duplicate check a form calls before save."""
from __future__ import annotations

from flask import jsonify

from engine import dedup
from engine.api import actor, caller_locale, load_body, refusals, route, runtime
from engine.services import app_templates

OBJECT = {"type": "object"}
TEMPLATE_LIST = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {
    "type": "object", "required": ["key", "version"], "properties": {
        "key": {"type": "string"}, "version": {"type": "string"}, "label": {}, "description": {}, "icon": {"type": ["string", "null"]},
        "forms": {"type": "array", "items": OBJECT}}}}}}
INSTALL_BODY = {"type": "object", "additionalProperties": False, "properties": {
    "template": {"type": "string", "description": "key of an available template"},
    "definition": {"type": "object", "description": "or a whole app definition to import"},
    "app_key": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$", "description": "key of the new app (default: the template's, or <key>_2...)"},
    "label": {}}}
UPDATE_OFFER = {"type": "object", "required": ["update_available"], "properties": {
    "app": {"type": "string"}, "template": {"type": "string"}, "installed_version": {"type": "string"},
    "available_version": {"type": "string"}, "update_available": {"type": "boolean"},
    "forms": {"type": "array", "items": OBJECT, "description": "per form: applied changes, and kept edits each with reason_code "
              "(field_edited, part_edited, form_removed) and reason (in the caller's language)"},
    "parts": {"type": "array", "items": OBJECT, "description": "notification templates and workflows; one to review has reason_code "
              "template_changed and reason (in the caller's language)"}}}
DUPLICATE_BODY = {"type": "object", "required": ["data"], "properties": {
    "data": {"type": "object", "description": "field values keyed by field id or name"},
    "record_id": {"type": ["integer", "null"], "description": "the record being edited (not a duplicate of itself)"}}}
DUPLICATE_RESULT = {"type": "object", "required": ["matches"], "properties": {
    "enabled": {"type": "boolean"}, "mode": {"type": ["string", "null"]},
    "matches": {"type": "array", "items": {"type": "object", "required": ["record_id", "rule"], "properties": {
        "record_id": {"type": ["integer", "null"], "description": "null when the caller may not see the colliding record"},
        "title": {"type": ["string", "null"]}, "rule": {"type": "string"}, "rule_label": {},
        "message": {"type": "string", "description": "set when the record is not named: the value is taken"},
        "fields": {"type": "array", "items": {"type": "string"}}}}}}}


def _object_body() -> dict:
    body = load_body(required=False) or {}
    if not isinstance(body, dict):
        raise refusals.not_an_object()
    return body


@route("/app-templates", summary="App templates that can be installed", tag="apps", response=TEMPLATE_LIST, errors=())
def list_app_templates():
    return jsonify({"items": app_templates.list_templates(runtime())})


@route("/app-templates/install", "POST", summary="Install a template (or import an app definition) as a new app",
       tag="apps", body=INSTALL_BODY, response={"$ref": "#/components/schemas/App"}, status=201, errors=(404, 409, 422))
def install_app_template():
    body = _object_body()
    if not body.get("template") and not isinstance(body.get("definition"), dict):
        raise refusals.refused("error.body.template_or_definition", "error.body.template_or_definition_required", "/template", code="required")
    if body.get("app_key") is not None and not isinstance(body["app_key"], str):
        raise refusals.invalid("app_key", "error.body.member_not_key", "error.value.text")
    app = app_templates.install_template(runtime(), actor(), body.get("template"), definition=body.get("definition"),
                                         app_key=body.get("app_key"), label=body.get("label"), locale=caller_locale())
    return jsonify(app), 201


@route("/apps/<app_key>/template-update", summary="What updating to the newest template version would change (your edits are kept)",
       tag="apps", response=UPDATE_OFFER, errors=(404,))
def get_template_update(app_key):
    return jsonify(app_templates.template_update(runtime(), app_key, caller_locale()))


@route("/apps/<app_key>/template-update", "POST", summary="Apply the offered template update (body: {version} as reviewed)",
       tag="apps", body={"type": "object", "properties": {"version": {"type": "string"}}}, body_required=False,
       response=UPDATE_OFFER, errors=(404, 409, 412, 422))
def apply_template_update(app_key):
    body = _object_body()
    return jsonify(app_templates.apply_template_update(runtime(), actor(), app_key, expected_version=body.get("version"), locale=caller_locale()))


@route("/apps/<app_key>/template-reset", "POST", summary="Reset forms to the template (fields you added are kept, deleted)",
       tag="apps", body={"type": "object", "properties": {"forms": {"type": "array", "items": {"type": "string"}}}},
       body_required=False, response=UPDATE_OFFER, errors=(404, 422))
def reset_app_template(app_key):
    body = _object_body()
    return jsonify(app_templates.reset_app(runtime(), actor(), app_key, body.get("forms"), caller_locale()))


@route("/apps/<app_key>/forms/<form_key>/duplicates", "POST", summary="Duplicate check (查重): records these values collide with",
       tag="records", body=DUPLICATE_BODY, response=DUPLICATE_RESULT, errors=(404, 422))
def check_duplicates(app_key, form_key):
    body = _object_body()
    data = body.get("data")
    if not isinstance(data, dict):
        raise refusals.refused("error.body.data_by_field", "error.body.expected_object", "/data")
    record_id = body.get("record_id")
    if record_id is not None and (not isinstance(record_id, int) or isinstance(record_id, bool)):
        raise refusals.not_record_id("record_id")
    return jsonify(dedup.check_duplicates(runtime(), actor(), app_key, form_key, data, record_id, caller_locale()))

