"""REST routes for a form's saved views (private or shared with roles, a default per role)."""
from __future__ import annotations

from flask import jsonify

from engine.api import actor, load_body, refusals, route, runtime
from engine.services import saved_views

OBJECT = {"type": "object"}
VIEW = {"type": "object", "required": ["id", "name", "definition"], "properties": {
    "id": {"type": "integer"}, "name": {"$ref": "#/components/schemas/ViewDef_name"}, "owner_id": {}, "mine": {"type": "boolean"},
    "shared_roles": {"type": "array", "items": {"type": "string"}}, "default_roles": {"type": "array", "items": {"type": "string"}},
    "definition": OBJECT, "created_at": {"type": "string"}, "updated_at": {"type": "string"}}}
VIEW_LIST = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": VIEW}, "default_id": {}}}
VIEW_BODY = {"$ref": "#/components/schemas/SavedViewBody"}  # schemas/view.schema.json: a name is a text or {"en", "zh-CN"}
DEFAULT_BODY = {"type": "object", "required": ["role"], "properties": {"role": {"type": "string"}}}
BASE = "/apps/<app_key>/forms/<form_key>/views"


def _body() -> dict:
    body = load_body()
    if not isinstance(body, dict):
        raise refusals.not_an_object()
    return body


@route(BASE, summary="Saved views you see (yours and those shared with your roles)", tag="views", response=VIEW_LIST, errors=(403, 404))
def list_saved_views(app_key, form_key):
    return jsonify(saved_views.list_views(runtime(), actor(), app_key, form_key))


@route(BASE, "POST", summary="Save a view (sharing it with roles needs the design capability)", tag="views", body=VIEW_BODY,
       response=VIEW, status=201, errors=(403, 404, 422))
def create_saved_view(app_key, form_key):
    return jsonify(saved_views.create_view(runtime(), actor(), app_key, form_key, _body())), 201


@route(BASE + "/<int:view_id>", "PATCH", summary="Rename, re-share or change a view", tag="views", body=VIEW_BODY, response=VIEW,
       errors=(403, 404, 422))
def update_saved_view(app_key, form_key, view_id):
    return jsonify(saved_views.update_view(runtime(), actor(), app_key, form_key, view_id, _body()))


@route(BASE + "/<int:view_id>", "DELETE", summary="Delete a view", tag="views", status=204, errors=(403, 404))
def delete_saved_view(app_key, form_key, view_id):
    saved_views.delete_view(runtime(), actor(), app_key, form_key, view_id)
    return "", 204


@route(BASE + "/<int:view_id>/default", "POST", summary="Make the view a role's default for this form", tag="views",
       body=DEFAULT_BODY, response=VIEW, errors=(403, 404, 422))
def set_default_view(app_key, form_key, view_id):
    return jsonify(saved_views.set_default(runtime(), actor(), app_key, form_key, view_id, _body().get("role")))
