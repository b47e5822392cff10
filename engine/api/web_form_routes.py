"""REST routes for public web forms (lead capture links): publish, list, revoke, restore. The public page itself is ``/f/<token>``."""
from __future__ import annotations

from flask import jsonify

from engine.api import actor, load_body, refusals, route, runtime
from engine.services import web_forms

SETTINGS = {"type": "object", "additionalProperties": False, "properties": {
    "fields": {"type": "array", "items": {"type": "string"}, "description": "field ids offered to the public (default: every plain input field)"},
    "source_field": {"type": ["string", "null"], "description": "field recording the source channel (default: source)"},
    "source_value": {"type": "string", "description": "value written to the source field (default: web_form)"},
    "owner_id": {"type": ["integer", "null"], "description": "owner of new records"},
    "thanks": {"description": "text shown after a submission (text or {locale: text})"}}}
CREATE_BODY = {"type": "object", "required": ["form"], "additionalProperties": False, "properties": {
    "form": {"type": "string"}, "label": {"type": "string", "maxLength": 200}, "settings": SETTINGS}}
WEB_FORM = {"type": "object", "required": ["id", "form", "active"], "properties": {
    "id": {"type": "integer"}, "app": {"type": "string"}, "form": {"type": "string"}, "label": {"type": "string"}, "settings": {"type": "object"},
    "created_at": {"type": "string"}, "revoked_at": {"type": ["string", "null"]}, "active": {"type": "boolean"},
    "submissions": {"type": "integer"}, "refused": {"type": "integer"},
    "token": {"type": "string", "description": "only in the answer that created the link"}, "url": {"type": "string"}}}


@route("/apps/<app_key>/web-forms", summary="Public form links of an app", tag="web forms",
       response={"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": WEB_FORM}}}, errors=(404,))
def list_web_forms(app_key):
    return jsonify({"items": web_forms.list_web_forms(runtime(), actor(), app_key)})


@route("/apps/<app_key>/web-forms", "POST", summary="Publish a public link to a form (the token is shown once)", tag="web forms",
       body=CREATE_BODY, response=WEB_FORM, status=201, errors=(404, 422))
def create_web_form(app_key):
    body = load_body()
    if not isinstance(body, dict) or not isinstance(body.get("form"), str):
        raise refusals.refused("error.web_form.form_required", "error.web_form.form_missing", "/form", code="required")
    settings = body.get("settings")
    if settings is not None and not isinstance(settings, dict):
        raise refusals.not_an_object("settings")
    return jsonify(web_forms.create_web_form(runtime(), actor(), app_key, body["form"], label=body.get("label"), settings=settings)), 201


@route("/apps/<app_key>/web-forms/<int:web_form_id>/revoke", "POST", summary="Withdraw a public link (it answers 404 from now on)",
       tag="web forms", response=WEB_FORM, body_required=False, errors=(404,))
def revoke_web_form(app_key, web_form_id):
    return jsonify(web_forms.revoke_web_form(runtime(), actor(), app_key, web_form_id))


@route("/apps/<app_key>/web-forms/<int:web_form_id>/restore", "POST", summary="Undo a withdrawal: the same link opens again",
       tag="web forms", response=WEB_FORM, body_required=False, errors=(404,))
def restore_web_form(app_key, web_form_id):
    return jsonify(web_forms.restore_web_form(runtime(), actor(), app_key, web_form_id))


@route("/apps/<app_key>/web-forms/<int:web_form_id>/submissions", summary="The newest records a public link created",
       tag="web forms", response={"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {
           "type": "object", "required": ["record_id", "at"], "properties": {"record_id": {"type": "integer"}, "at": {"type": "string"}}}}}},
       errors=(404,))
def web_form_submissions(app_key, web_form_id):
    return jsonify({"items": web_forms.latest_submissions(runtime(), actor(), app_key, web_form_id)})
