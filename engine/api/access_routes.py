"""REST routes for users, roles, grants per form, teams, API tokens and the admin audit."""
from __future__ import annotations

import re

from flask import g, jsonify, request, session

from engine.api import actor, auth, refusals, route, runtime
from engine.api.core import load_checked_body
from engine.errors import NotFound
from engine.safety import MAX_ID
from engine.api.audit_filters import AUDIT_FILTERS, audit_filters
from engine.services import admin_audit, credentials, member_limits, password_links, permissions, readgate, users as user_service

_ERR = (401, 403, 404, 422)
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
NULLABLE_ID = {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID}
LABEL = {"oneOf": [{"type": "string"}, {"type": "object", "additionalProperties": {"type": "string"}}]}
USER = {"type": "object", "required": ["id", "username", "display_name"], "properties": {
    "id": {"type": "integer"}, "username": {"type": "string"}, "display_name": {"type": "string"}, "name": {"type": "string"},
    "email": {"type": ["string", "null"]}, "timezone": {"type": ["string", "null"]}, "locale": {"type": ["string", "null"]},
    "manager_id": {"type": ["integer", "null"]}, "is_active": {"type": "boolean"}, "roles": {"type": "array", "items": {"type": "string"}}}}
USER_LIST = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": USER},
    "total": {"type": "integer"}, "page": {"type": "integer"}, "pages": {"type": "integer"}, "per_page": {"type": "integer"}}}
USER_CREATE = {"type": "object", "required": ["username"], "additionalProperties": False, "properties": {
    "username": {"type": "string", "maxLength": 150}, "password": {"type": "string", "maxLength": 256},
    "display_name": {"type": "string", "maxLength": 200}, "email": {"type": "string", "maxLength": 320},
    "roles": {"type": "array", "items": {"type": "string"}}, "manager_id": NULLABLE_ID,
    "timezone": {"type": "string"}, "locale": {"type": "string"}}}
USER_UPDATE = {"type": "object", "additionalProperties": False, "properties": {
    "display_name": {"type": "string", "maxLength": 200}, "email": {"type": ["string", "null"], "maxLength": 320},
    "timezone": {"type": ["string", "null"]}, "locale": {"type": ["string", "null"]}, "manager_id": NULLABLE_ID,
    "is_active": {"type": "boolean"}, "roles": {"type": "array", "items": {"type": "string"}}}}
ME_UPDATE = {"type": "object", "additionalProperties": False, "minProperties": 1, "properties": {
    "display_name": {"type": "string", "minLength": 1, "maxLength": user_service.MAX_DISPLAY_NAME_LENGTH},
    "email": {"type": ["string", "null"], "maxLength": 320, "description": "empty or null: none"},
    "timezone": {"type": ["string", "null"], "maxLength": 64, "description": "an IANA zone such as Asia/Shanghai; null: the browser's"},
    "locale": {"anyOf": [{"enum": list(user_service.LOCALES)}, {"type": "null"}], "description": "the UI language"}}}
PASSWORD = {"type": "object", "required": ["password"], "additionalProperties": False, "properties": {
    "password": {"type": "string", "maxLength": 1024},
    "current_password": {"type": "string", "maxLength": 1024, "description": "needed to change your own password"}}}
SIGN_OUT = {"type": "object", "additionalProperties": False, "properties": {
    "revoke_tokens": {"type": "boolean", "description": "also revoke every API token of yours"},
    "current_password": {"type": "string", "maxLength": 1024, "description": "needed with revoke_tokens"}}}
SIGNED_OUT = {"type": "object", "required": ["sessions_ended", "tokens_revoked"], "properties": {
    "sessions_ended": {"type": "integer"}, "tokens_revoked": {"type": "integer"}}}
ME = {"type": "object", "required": ["user"], "properties": {"user": USER, "capabilities": {"type": "array", "items": {"type": "string"}}}}
RIGHTS = permissions.RIGHTS_SCHEMA
ROLE = {"type": "object", "required": ["key", "capabilities", "default_rights"], "properties": {
    "key": {"type": "string"}, "label": LABEL, "builtin": {"type": "boolean"}, "capabilities": {"type": "array", "items": {"type": "string"}},
    "default_rights": {"type": "object"}}}
ROLE_LIST = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": ROLE}}}
ROLE_SAVE = {"type": "object", "additionalProperties": False, "properties": {
    "label": LABEL, "capabilities": {"type": "array", "items": {"enum": list(permissions.CAPABILITIES)}}, "default_rights": RIGHTS}}
GRANT = {"type": "object", "required": ["role", "source", "rights"], "properties": {
    "role": {"type": "string"}, "source": {"enum": ["grant", "form", "role"]}, "rights": {"type": "object"}}}
GRANT_LIST = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": GRANT}}}
MAYBE_LABEL = {"anyOf": [LABEL, {"type": "null"}]}
FIELD_ACCESS = {"type": "object", "required": ["app", "form", "role", "items"], "properties": {
    "app": {"type": "string"}, "form": {"type": "string"}, "role": {"type": ["string", "null"]},
    "items": {"type": "array", "items": {"type": "object", "required": ["field_id", "level", "derived"], "properties": {
        "field_id": {"type": "string"}, "label": MAYBE_LABEL, "type": {"type": "string"}, "level": {"enum": list(permissions.LEVELS)},
        "derived": {"type": "boolean", "description": "computed, fetched or rolled up: its visibility follows its sources"},
        "inherits_from": {"type": "array", "items": {"type": "string"}, "description": "field ids, or form.field on other forms"},
        "hidden_by": {"type": "array", "items": {"type": "string"}, "description": "the sources hidden from the role that hide it"},
        "sources": {"type": "array", "items": {"type": "object", "required": ["form", "field"], "properties": {
            "form": {"type": "string"}, "field": {"type": "string"}, "form_label": MAYBE_LABEL, "label": MAYBE_LABEL}},
            "description": "inherits_from with the forms' and fields' labels (for the designer)"},
        "granted": {"type": "boolean", "description": "the role names the field explicitly: it does not inherit"}}}}}}
ROLE_QUERY = [{"name": "role", "in": "query", "required": False, "schema": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"},
               "description": "a role key (needs manage_users or design); without it, the caller's own view"}]
TOKEN = {"type": "object", "required": ["id", "name", "prefix", "expires_at"], "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "prefix": {"type": "string"}, "created_at": {"type": "string"},
    "expires_at": {"type": "string"}, "last_used_at": {"type": ["string", "null"]}, "revoked_at": {"type": ["string", "null"]},
    "token": {"type": "string", "description": "the secret; shown in this answer only"}}}
TOKEN_LIST = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": TOKEN}}}
TOKEN_CREATE = {"type": "object", "required": ["name"], "additionalProperties": False, "properties": {
    "name": {"type": "string", "minLength": 1, "maxLength": 200},
    "expires_in_days": {"type": "integer", "minimum": 1, "maximum": credentials.TOKEN_MAX_DAYS}, "user_id": ID}}
TEAM_CREATE = {"type": "object", "required": ["key", "name"], "additionalProperties": False, "properties": {
    "key": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"}, "name": {"type": "string", "minLength": 1, "maxLength": 200},
    "members": {"type": "array", "maxItems": 1000, "items": ID},
    "managers": {"type": "array", "maxItems": 100, "items": ID, "description": "user ids who manage the team (need not be members)"}}}
TEAM = {"type": "object", "required": ["key", "name", "members", "managers"], "properties": {
    "members": {"type": "array", "items": {"type": "integer"}}, "managers": {"type": "array", "items": {"type": "integer"}}}}
AUDIT = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {"type": "object", "required": ["action", "actor", "at"]}}}}
#: highest page number of the paged user list
MAX_PAGE = 100_000
SEARCH = [{"name": "search", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 100}},
          {"name": "include_inactive", "in": "query", "required": False, "schema": {"type": "boolean"}},
          {"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
           "description": "a page of matches with total and pages (the user pickers): with manage_users every user, active or "
                          "not (the admin's list); otherwise the active users"}] + [
    {"name": name, "in": "query", "required": False, "schema": {"type": "string", "maxLength": 64},
     "description": f"the {name} of a member field whose picker this is (app, form and field together): only the active people "
                    "it may hold (its options.limit: roles, teams)"} for name in ("app", "form", "field")]


def _known_id(value: int) -> int:
    """Path ids beyond the column range can't exist: 404 before the database sees them."""
    if value > MAX_ID:

        raise refusals.coded(NotFound, "error.record.no_such_id", details={"path": "/id"}, id=value)
    return value


def _flag(name: str) -> bool:
    return request.args.get(name, "").lower() in ("1", "true", "yes")


# -- who am I -------------------------------------------------------------------

@route("/me", summary="The signed-in user, roles and capabilities", tag="users", response=ME, errors=(401,))
def get_me():
    me = user_service.get_user(runtime(), actor().user_id)
    caps = sorted(c for c in permissions.CAPABILITIES if permissions.has_capability(runtime(), actor(), c))
    return jsonify({"user": me, "capabilities": caps})


@route("/me", "PATCH", summary="Change your own name, e-mail, time zone or language", tag="users", body=ME_UPDATE,
       response=USER, errors=(401, 422))
def update_me():
    # unknown fields (roles, is_active...) are refused by the service, each at its own path, not as one error at "/"
    return jsonify(user_service.update_own_profile(runtime(), actor(), load_checked_body({**ME_UPDATE, "additionalProperties": True})))


# -- users ----------------------------------------------------------------------

@route("/users", summary="Find users (the user picker); admins get full records", tag="users", response=USER_LIST, query=SEARCH,
       errors=(401, 422))
def list_users():
    search = request.args.get("search")
    if search is not None and len(search) > 100:
        raise refusals.refused("error.body.search_too_long", "error.value.at_most_chars", "/search", max=100)
    field = _picker_field()
    page = request.args.get("page")
    if page is not None:  # a page of matches (the pickers); the admin's list holds everyone, active or not
        if not page.isdigit() or not 1 <= int(page) <= MAX_PAGE:
            raise refusals.refused("error.body.page_invalid", "error.body.expected_whole_number", "/page", low=1, high=MAX_PAGE)
        return jsonify(user_service.users_page(runtime(), actor(), search=search, page=int(page), field=field))
    return jsonify({"items": user_service.list_users(runtime(), actor(), search=search, field=field,
                                                     include_inactive=_flag("include_inactive") and field is None)})


def _picker_field() -> dict | None:
    """The member field (``?app=&form=&field=``) a picker lists people for: only those it may hold; None: no field named."""
    named = {name: request.args.get(name) for name in ("app", "form", "field")}
    if not any(named.values()):
        return None
    for name, value in named.items():
        if not value or not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", value):
            raise refusals.refused("error.query.invalid", "error.value.key_chars", f"/{name}")
    return member_limits.picker_field(runtime(), named["app"], named["form"], named["field"])


@route("/users", "POST", summary="Create a user (needs manage_users)", tag="users", body=USER_CREATE, response=USER, status=201,
       errors=(401, 403, 404, 409, 422))
def create_user():
    b = load_checked_body(USER_CREATE)
    user = user_service.create_user(runtime(), actor(), b["username"], password=b.get("password"), display_name=b.get("display_name"),
                                    email=b.get("email"), roles=b.get("roles", ["member"]), manager_id=b.get("manager_id"),
                                    timezone=b.get("timezone"), locale=b.get("locale"))
    return jsonify(user), 201


@route("/users/<int:user_id>", summary="One user", tag="users", response=USER, errors=(401, 403, 404))
def get_user(user_id):
    user_id = _known_id(user_id)
    if user_id != actor().user_id:
        permissions.require_capability(runtime(), actor(), "manage_users")
    return jsonify(user_service.get_user(runtime(), user_id))


@route("/users/<int:user_id>", "PATCH", summary="Change a user: name, manager, active, roles (needs manage_users)", tag="users",
       body=USER_UPDATE, response=USER, errors=(401, 403, 404, 422))
def update_user(user_id):
    user_id = _known_id(user_id)
    b = load_checked_body(USER_UPDATE)
    roles = b.pop("roles", None)
    if b.get("is_active") is False and user_id == actor().user_id:
        raise refusals.refused("error.user.not_deactivate_yourself", "error.user.pick_another", "/is_active")
    return jsonify(user_service.update_user(runtime(), actor(), user_id, b, roles=roles))


@route("/users/<int:user_id>/deactivate", "POST", summary="Deactivate a user: no sign-in, sessions end, tokens stop",
       tag="users", response=USER, errors=(401, 403, 404, 422))
def deactivate_user(user_id):
    user_id = _known_id(user_id)
    return jsonify(user_service.deactivate_user(runtime(), actor(), user_id))


@route("/users/<int:user_id>/password", "PUT", tag="users", body=PASSWORD, status=204, errors=(401, 403, 404, 422, 429),
       summary="Set a password: your own with your current one, or anybody's with manage_users; the user's sessions end and "
               "API tokens are revoked")
def set_password(user_id):
    user_id = _known_id(user_id)
    b = load_checked_body(PASSWORD)
    user_service.set_password(runtime(), actor(), user_id, b["password"], current_password=b.get("current_password"),
                              remote_addr=request.remote_addr)
    if user_id == actor().user_id and g.get("auth_method") == "session":
        auth.start_session(credentials.renew_session(runtime(), user_id))  # this browser stays signed in, on a new session
    return "", 204


PASSWORD_LINK = {"type": "object", "required": ["token", "url", "expires_at"], "properties": {
    "token": {"type": "string", "description": "the link's secret; in this answer only"},
    "url": {"type": "string", "description": "the page where the user sets their password"}, "expires_at": {"type": "string"}}}
PASSWORD_LINK_USE = {"type": "object", "required": ["token", "password"], "additionalProperties": False, "properties": {
    "token": {"type": "string", "minLength": 1, "maxLength": password_links.MAX_SECRET_LENGTH},
    "password": {"type": "string", "maxLength": 1024}}}
PASSWORD_LINK_USED = {"type": "object", "required": ["username"], "properties": {"username": {"type": "string"}}}


@route("/users/<int:user_id>/password-link", "POST", tag="users", response=PASSWORD_LINK, status=201, errors=(401, 403, 404, 422),
       summary="Make a one-time set-password link for a user (needs manage_users); it works once, for "
               f"{password_links.LINK_HOURS} hours, and voids the user's earlier links")
def create_password_link(user_id):
    user_id = _known_id(user_id)
    made = password_links.issue_link(runtime(), actor(), user_id)
    url = request.host_url.rstrip("/") + password_links.LINK_PATH + made["token"]
    return jsonify({"token": made["token"], "url": url, "expires_at": made["expires_at"]}), 201


@route("/password-links/use", "POST", tag="users", body=PASSWORD_LINK_USE, response=PASSWORD_LINK_USED, errors=(404, 422),
       summary="Set your password with a set-password link (no sign-in needed); the link is then spent. A wrong, used or "
               "expired link is 404 with its reason")
def use_password_link():
    b = load_checked_body(PASSWORD_LINK_USE)
    used = password_links.use_link(runtime(), b["token"], b["password"])
    return jsonify({"username": used["username"]})


@route("/me/sign-out-everywhere", "POST", tag="users", body=SIGN_OUT, response=SIGNED_OUT, errors=(401, 422, 429),
       summary="End every session of yours (this one too); with revoke_tokens and your current password, revoke every "
               "API token of yours as well")
def sign_out_everywhere():
    b = load_checked_body(SIGN_OUT) if request.get_data() else {}
    out = credentials.sign_out_everywhere(runtime(), actor(), revoke_tokens_too=bool(b.get("revoke_tokens")),
                                          current_password=b.get("current_password"), remote_addr=request.remote_addr)
    if g.get("auth_method") == "session":
        session.clear()
    return jsonify(out)


@route("/teams", "POST", summary="Create a team (the 'team' record scope)", tag="users", body=TEAM_CREATE, response=TEAM, status=201,
       errors=(401, 403, 409, 422))
def create_team():
    b = load_checked_body(TEAM_CREATE)
    return jsonify(user_service.create_team(runtime(), actor(), b["key"], b["name"], b.get("members", []),
                                               b.get("managers", []))), 201


# -- roles and grants -------------------------------------------------------------

@route("/roles", summary="Roles with their capabilities and default record rights", tag="permissions", response=ROLE_LIST, errors=(401,))
def list_roles():
    return jsonify({"items": permissions.list_roles(runtime())})


@route("/roles/<role_key>", "PUT", summary="Create or change a role (needs manage_users)", tag="permissions", body=ROLE_SAVE,
       response=ROLE, errors=_ERR)
def save_role(role_key):
    b = load_checked_body(ROLE_SAVE)
    return jsonify(permissions.save_role(runtime(), actor(), role_key, label=b.get("label"), capabilities=b.get("capabilities"),
                                         default_rights=b.get("default_rights")))


@route("/roles/<role_key>", "DELETE", summary="Delete a custom role (needs manage_users); refused (409) for a built-in role "
       "while users hold it or while a published member field's limit names it", tag="permissions", response=ROLE, errors=(401, 403, 404, 409))
def delete_role(role_key):
    return jsonify(permissions.delete_role(runtime(), actor(), role_key))


@route("/apps/<app_key>/forms/<form_key>/permissions", summary="Every role's rights on this form and where they come from",
       tag="permissions", response=GRANT_LIST, errors=(401, 403, 404))
def get_form_permissions(app_key, form_key):
    return jsonify({"items": permissions.get_grants(runtime(), actor(), app_key, form_key)})


@route("/apps/<app_key>/forms/<form_key>/field-access", tag="permissions", response=FIELD_ACCESS, query=ROLE_QUERY,
       errors=(401, 403, 404, 422),
       summary="Each field's level for a role (or for you), and what a computed, fetched or rolled-up field's visibility follows")
def get_field_access(app_key, form_key):
    role = request.args.get("role")
    if role is not None and not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", role):
        raise refusals.refused("error.role.not_a_key", "error.value.key_chars", "/role")
    return jsonify(readgate.form_field_access(runtime(), actor(), app_key, form_key, role))


@route("/apps/<app_key>/forms/<form_key>/permissions/<role_key>", "PUT", summary="Set one role's record and field rights on this form",
       tag="permissions", body=RIGHTS, response=GRANT, errors=_ERR)
def set_form_permission(app_key, form_key, role_key):
    return jsonify(permissions.set_grant(runtime(), actor(), app_key, form_key, role_key, load_checked_body(RIGHTS)))


@route("/apps/<app_key>/forms/<form_key>/permissions/<role_key>", "DELETE", summary="Remove a role's grant on this form (defaults apply)",
       tag="permissions", response=GRANT, errors=(401, 403, 404))
def remove_form_permission(app_key, form_key, role_key):
    return jsonify(permissions.set_grant(runtime(), actor(), app_key, form_key, role_key, None))


# -- API tokens ---------------------------------------------------------------------

@route("/tokens", summary="Your API tokens (never the secrets)", tag="tokens", response=TOKEN_LIST, errors=(401,))
def list_tokens():
    return jsonify({"items": credentials.list_tokens(runtime(), actor())})


@route("/tokens", "POST", summary="Make an API token; the secret is in this answer only", tag="tokens", body=TOKEN_CREATE,
       response=TOKEN, status=201, errors=(401, 403, 404, 422))
def create_token():
    b = load_checked_body(TOKEN_CREATE)
    return jsonify(credentials.create_token(runtime(), actor(), b["name"], expires_in_days=b.get("expires_in_days", credentials.TOKEN_DEFAULT_DAYS),
                                            user_id=b.get("user_id"))), 201


@route("/tokens/<int:token_id>", "DELETE", summary="Revoke a token (it stops working at once)", tag="tokens", response=TOKEN,
       errors=(401, 404))
def revoke_token(token_id):
    token_id = _known_id(token_id)
    return jsonify(credentials.revoke_token(runtime(), actor(), token_id))


# -- admin audit ---------------------------------------------------------------------

@route("/admin/audit", summary="Admin actions: users, roles, grants, tokens (needs manage_users)", tag="permissions", response=AUDIT,
       query=[{"name": "action", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 64}}, *AUDIT_FILTERS],
       errors=(401, 403, 422))
def list_admin_audit():
    permissions.require_capability(runtime(), actor(), "manage_users")
    return jsonify({"items": admin_audit.list_entries(runtime(), action=request.args.get("action"), **audit_filters(request.args))})
