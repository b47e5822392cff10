"""REST routes for running apps and forms as a whole (engine.services.app_admin), teams and passwords handed out by admins."""
from __future__ import annotations

from flask import jsonify, request

from engine.api import actor, refusals, route, runtime
from engine.api.core import load_checked_body
from engine.errors import NotFound
from engine.safety import MAX_ID
from engine.services import app_admin, credentials, permissions, users as user_service
from engine.services.permissions import require_capability

KEY = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"}
LABEL = {"oneOf": [{"type": "string", "minLength": 1, "maxLength": 200}, {"type": "object", "additionalProperties": {"type": "string"}}]}
APP = {"$ref": "#/components/schemas/App"}
APP_SETTINGS = {"type": "object", "additionalProperties": False, "minProperties": 1, "properties": {
    "label": LABEL, "description": {"type": "string", "maxLength": 2000},
    "icon": {"type": "string", "maxLength": app_admin.MAX_ICON_LENGTH, "description": "an emoji or up to two letters; empty: the default"},
    "color": {"enum": ["", *app_admin.COLORS]}}}
ARCHIVE = {"type": "object", "required": ["archived"], "additionalProperties": False, "properties": {"archived": {"type": "boolean"}}}
CONFIRM = {"type": "object", "required": ["confirm"], "additionalProperties": False,
           "properties": {"confirm": {"type": "string", "description": "the key of what is deleted, typed again"}}}
IMPACT = {"type": "object", "required": ["forms", "records"], "properties": {
    "app": {"type": "string"}, "form": {"type": ["string", "null"]}, "records": {"type": "integer"},
    "forms": {"type": "array", "items": {"type": "object", "required": ["key", "records"]}}}}
COPY = {"type": "object", "required": ["key", "label"], "additionalProperties": False, "properties": {"key": KEY, "label": LABEL}}
ORDER = {"type": "object", "required": ["order"], "additionalProperties": False,
         "properties": {"order": {"type": "array", "maxItems": 500, "items": {"type": "string"}}}}
TEAM = {"type": "object", "required": ["key", "name", "members", "managers"], "properties": {
    "members": {"type": "array", "items": {"type": "integer"}},
    "managers": {"type": "array", "items": {"type": "integer"}, "description": "their 'team' scope covers the members; a member "
                 "without a manager of their own has these as manager (workflow 'manager of', approvals)"}}}
TEAM_LIST = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": TEAM}}}
TEAM_UPDATE = {"type": "object", "additionalProperties": False, "minProperties": 1, "properties": {
    "name": {"type": "string", "minLength": 1, "maxLength": 200},
    "members": {"type": "array", "maxItems": 1000, "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID}},
    "managers": {"type": "array", "maxItems": 100, "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                 "description": "replaces the team's managers (user ids; a manager need not be a member)"}}}
ISSUED = {"type": "object", "required": ["password"], "properties": {
    "password": {"type": "string", "description": "shown in this answer only"}, "sessions_ended": {"type": "integer"},
    "tokens_revoked": {"type": "integer"}}}
ROLE_CREATE = {"type": "object", "required": ["key", "label"], "additionalProperties": False, "properties": {
    "key": KEY, "label": LABEL, "capabilities": {"type": "array", "items": {"enum": list(permissions.CAPABILITIES)}},
    "default_rights": permissions.RIGHTS_SCHEMA}}
TOKEN_LIST = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {"type": "object"}}}}


def _user_id(value: int) -> int:
    if value > MAX_ID:
        raise refusals.coded(NotFound, "error.user.no_such_user_id", details={"path": "/user"}, id=value)
    return value


@route("/apps/<app_key>/settings", "PATCH", summary="Rename an app, change its description, icon or colour (needs design)",
       tag="apps", body=APP_SETTINGS, response=APP, errors=(401, 403, 404, 422))
def update_app_settings(app_key):
    b = load_checked_body(APP_SETTINGS)
    return jsonify(app_admin.update_app(runtime(), actor(), app_key, label=b.get("label"), description=b.get("description"),
                                        icon=b.get("icon"), color=b.get("color")))


@route("/apps/<app_key>/archive", "POST", summary="Archive an app (its data kept) or bring it back", tag="apps", body=ARCHIVE,
       response=APP, errors=(401, 403, 404, 422))
def archive_app(app_key):
    return jsonify(app_admin.set_app_archived(runtime(), actor(), app_key, load_checked_body(ARCHIVE)["archived"]))


@route("/apps/<app_key>/impact", summary="What deleting the app (or ?form=) would lose: forms and record counts", tag="apps",
       response=IMPACT, query=[{"name": "form", "in": "query", "required": False, "schema": KEY}], errors=(401, 403, 404))
def app_impact(app_key):
    require_capability(runtime(), actor(), "design")
    return jsonify(app_admin.impact(runtime(), app_key, request.args.get("form")))


@route("/apps/<app_key>", "DELETE", summary="Delete an app with its forms and records for good (body: {confirm: the app key}; "
       "409 while another app's reference points at one of its forms)", tag="apps", body=CONFIRM, response=IMPACT, errors=(401, 403, 404, 409, 422))
def delete_app(app_key):
    return jsonify(app_admin.delete_app(runtime(), actor(), app_key, confirm=load_checked_body(CONFIRM)["confirm"]))


@route("/apps/<app_key>/copy", "POST", summary="Copy an app's forms (not its records) into a new app", tag="apps", body=COPY,
       response=APP, status=201, errors=(401, 403, 404, 409, 422))
def copy_app(app_key):
    b = load_checked_body(COPY)
    return jsonify(app_admin.copy_app(runtime(), actor(), app_key, b["key"], b["label"])), 201


@route("/apps/<app_key>/form-order", "PUT", summary="The order of the app's forms", tag="forms", body=ORDER, response=APP,
       errors=(401, 403, 404, 422))
def reorder_forms(app_key):
    return jsonify(app_admin.reorder_forms(runtime(), actor(), app_key, load_checked_body(ORDER)["order"]))


@route("/apps/<app_key>/forms/<form_key>/archive", "POST", summary="Archive a form (its records kept) or bring it back", tag="forms",
       body=ARCHIVE, response=APP, errors=(401, 403, 404, 422))
def archive_form(app_key, form_key):
    return jsonify(app_admin.set_form_archived(runtime(), actor(), app_key, form_key, load_checked_body(ARCHIVE)["archived"]))


@route("/apps/<app_key>/forms/<form_key>/copy", "POST", summary="A new draft form copied from this one (no records, no automations)",
       tag="forms", body=COPY, response={"$ref": "#/components/schemas/Draft"}, status=201, errors=(401, 403, 404, 409, 422))
def copy_form(app_key, form_key):
    b = load_checked_body(COPY)
    return jsonify(app_admin.new_form(runtime(), actor(), app_key, b["key"], b["label"], copy_of=form_key)), 201


@route("/apps/<app_key>/forms/<form_key>", "DELETE", summary="Delete a form with its records for good (body: {confirm: the form key})",
       tag="forms", body=CONFIRM, response=IMPACT, errors=(401, 403, 404, 409, 422))
def delete_form(app_key, form_key):
    return jsonify(app_admin.delete_form(runtime(), actor(), app_key, form_key, confirm=load_checked_body(CONFIRM)["confirm"]))


# -- people: teams, passwords handed out, another user's tokens ----------------------------

@route("/teams", summary="Teams and their members (needs manage_users)", tag="users", response=TEAM_LIST, errors=(401, 403))
def list_teams():
    return jsonify({"items": user_service.list_teams(runtime(), actor())})


@route("/teams/<team_key>", "PATCH", summary="Rename a team or replace its members or managers", tag="users", body=TEAM_UPDATE, response=TEAM,
       errors=(401, 403, 404, 422))
def update_team(team_key):
    b = load_checked_body(TEAM_UPDATE)
    return jsonify(user_service.update_team(runtime(), actor(), team_key, name=b.get("name"), member_ids=b.get("members"),
                                                manager_ids=b.get("managers")))


@route("/users/<int:user_id>/password/issue", "POST", tag="users", response=ISSUED, status=201, errors=(401, 403, 404, 422),
       summary="Give another user a new random password (shown in this answer only); their sessions end, tokens are revoked")
def issue_password(user_id):
    return jsonify(user_service.issue_password(runtime(), actor(), _user_id(user_id))), 201


@route("/users/<int:user_id>/tokens", summary="A user's API tokens (never the secrets; needs manage_users for another user)",
       tag="tokens", response=TOKEN_LIST, errors=(401, 403, 404))
def list_user_tokens(user_id):
    return jsonify({"items": credentials.list_tokens(runtime(), actor(), _user_id(user_id))})


@route("/roles", "POST", summary="Create a custom role (a key in use is refused; PUT /roles/<key> changes one)", tag="permissions",
       body=ROLE_CREATE, response={"type": "object", "required": ["key"]}, status=201, errors=(401, 403, 409, 422))
def create_role():
    b = load_checked_body(ROLE_CREATE)
    return jsonify(permissions.create_role(runtime(), actor(), b["key"], label=b["label"], capabilities=b.get("capabilities"),
                                           default_rights=b.get("default_rights"))), 201
