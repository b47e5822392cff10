"""People: the admin screens for users (create with a one-time password or a set-password link, change, deactivate, reset), their API tokens,
teams, roles (built-in and custom), each form's record rights per role and the field permission matrix.

Every form posts to its own route over the services the REST API uses (``users``, ``permissions``, ``credentials``,
``readgate``); a refusal shows the page again (4xx) with the reason at its field in the UI language and the typed
values kept. A password made here is in that one answer only. The matrix shows, for a derived field, what its
visibility follows (``readgate.form_field_access``), so a field hidden through its source reads as such.
"""
from __future__ import annotations

from flask import flash, get_flashed_messages, redirect, render_template, request, url_for

from designer_ui import bp
from designer_ui.admin_messages import field_errors
from designer_ui.i18n import gettext, request_locale
from designer_ui.profile_views import time_zones
from designer_ui.undo import offer_undo
from designer_ui.views import actor, runtime
from engine.errors import FormflowError
from engine.services import credentials, password_links, permissions, readgate
from engine.services import forms as form_service
from engine.services import users as user_service

#: record scopes and field levels offered, weakest first (the service's own lists)
SCOPES = permissions.SCOPES
LEVELS = permissions.LEVELS
#: the record rights a grant holds besides "create"
RIGHT_ACTIONS = ("read", "update", "delete")


def _gate():
    permissions.require_capability(runtime(), actor(), "manage_users")


def _refusal(exc: FormflowError) -> None:
    if exc.status not in (404, 409, 422):
        raise exc


# -- users, teams, roles ----------------------------------------------------------------

def _people_page(status=200, *, values=None, errors=None, issued=None):
    _gate()
    rt = runtime()
    search = request.args.get("q", "").strip()[:100]
    page = request.args.get("page", "1")
    listing = user_service.users_page(rt, actor(), search=search or None, page=int(page) if page.isdigit() and len(page) < 7 else 1)
    teams = user_service.list_teams(rt, actor())
    typed = [v for form in (values or {}).values() for key in ("members", "managers", "manager_id") for v in _ids(form.get(key))]
    names = user_service.display_names(rt, [u["manager_id"] for u in listing["items"]] + typed
                                       + [u for t in teams for u in t["members"] + t["managers"]])
    html = render_template("admin_people.html", active_nav="people", listing=listing, search=search, names=names,
                           roles=permissions.list_roles(rt),
                           teams=teams, capabilities=permissions.CAPABILITIES,
                           values=values or {}, errors=errors or {}, issued=issued,
                           flashes=get_flashed_messages(with_categories=True))
    return html, status, {"Cache-Control": "no-store"}


def _ids(value) -> list[int]:
    """User ids from a form value: a list of digit strings or ints, or one."""
    values = value if isinstance(value, list) else [value]
    return [int(v) for v in values if isinstance(v, int) or (isinstance(v, str) and v.isdigit() and len(v) < 12)]


@bp.route("/admin/people")
def admin_people():
    return _people_page()


@bp.route("/admin/people/users", methods=["POST"])
def admin_create_user():
    f = request.form
    typed = {"username": f.get("username", "").strip(), "display_name": f.get("display_name", "").strip(),
             "email": f.get("email", "").strip(), "manager_id": f.get("manager_id", ""), "roles": f.getlist("roles"),
             "password_way": "link" if f.get("password_way") == "link" else "once"}
    try:
        made = user_service.create_user(runtime(), actor(), typed["username"], display_name=typed["display_name"] or None,
                                        email=typed["email"] or None, roles=typed["roles"] or ["member"],
                                        manager_id=int(typed["manager_id"]) if typed["manager_id"].isdigit() else None)
        if typed["password_way"] == "link":
            return _people_page(201, issued={"user": made, **_link(made["id"])})
        issued = user_service.issue_password(runtime(), actor(), made["id"])
    except FormflowError as exc:
        _refusal(exc)
        return _people_page(exc.status, values={"user": typed}, errors={"user": field_errors(exc, request_locale())})
    return _people_page(201, issued={"user": made, "password": issued["password"]})


def _link(user_id: int) -> dict:
    """A new set-password link for the user: {"link": its full address, "expires_at"} (shown in this answer only)."""
    made = password_links.issue_link(runtime(), actor(), user_id)
    return {"link": request.host_url.rstrip("/") + password_links.LINK_PATH + made["token"], "expires_at": made["expires_at"]}


@bp.route("/admin/people/teams", methods=["POST"])
def admin_create_team():
    f = request.form
    typed = {"key": f.get("key", "").strip(), "name": f.get("name", "").strip(), "members": _ids(f.getlist("members")),
             "managers": _ids(f.getlist("managers"))}
    try:
        user_service.create_team(runtime(), actor(), typed["key"], typed["name"], typed["members"], typed["managers"])
    except FormflowError as exc:
        _refusal(exc)
        return _people_page(exc.status, values={"team": typed}, errors={"team": field_errors(exc, request_locale())})
    flash(gettext("admin.team_created", request_locale(), name=typed["name"]), "success")
    return redirect(url_for("ui.admin_people") + "#teams", code=303)


@bp.route("/admin/people/teams/<team_key>", methods=["POST"])
def admin_update_team(team_key):
    f = request.form
    typed = {"name": f.get("name", ""), "members": _ids(f.getlist("members")), "managers": _ids(f.getlist("managers"))}
    before = next((t for t in user_service.list_teams(runtime(), actor()) if t["key"] == team_key), None)
    try:
        saved = user_service.update_team(runtime(), actor(), team_key, name=typed["name"], member_ids=typed["members"],
                                         manager_ids=typed["managers"])
    except FormflowError as exc:
        _refusal(exc)
        return _people_page(exc.status, values={f"team_{team_key}": typed},
                            errors={f"team_{team_key}": field_errors(exc, request_locale())})
    flash(gettext("admin.team_saved", request_locale(), name=saved["name"]), "success")
    _offer_people_back(before, saved)
    return redirect(url_for("ui.admin_people") + "#teams", code=303)


def _offer_people_back(before: dict | None, saved: dict) -> None:
    """After a team lost members or managers: a toast whose Undo puts them back (``admin_team_restore``)."""
    gone = {k: [u for u in (before or {}).get(k, []) if u not in saved[k]] for k in ("members", "managers")}
    if not gone["members"] and not gone["managers"]:
        return
    names = user_service.display_names(runtime(), gone["members"] + gone["managers"])
    loc = request_locale()
    text = " ".join(gettext(f"undo.{k}_removed", loc, team=saved["name"], names=", ".join(names.get(u, str(u)) for u in ids))
                    for k, ids in gone.items() if ids)
    offer_undo(text, url_for("ui.admin_team_restore", team_key=saved["key"]), **gone)


@bp.route("/admin/people/teams/<team_key>/restore", methods=["POST"])
def admin_team_restore(team_key):
    """Undo: the members and managers named are put back on the team (those already there stay)."""
    now = next((t for t in user_service.list_teams(runtime(), actor()) if t["key"] == team_key), None)
    if now is None:
        return _people_page(404, errors={"team": {"_": gettext("admin.not_saved", request_locale())}})
    back = {k: now[k] + [u for u in _ids(request.form.getlist(k)) if u not in now[k]] for k in ("members", "managers")}
    user_service.update_team(runtime(), actor(), team_key, member_ids=back["members"], manager_ids=back["managers"])
    flash(gettext("undo.undone", request_locale()), "success")
    return redirect(url_for("ui.admin_people") + "#teams", code=303)


@bp.route("/admin/people/roles", methods=["POST"])
def admin_save_role():
    f = request.form
    typed = {"key": f.get("key", "").strip(), "label_en": f.get("label_en", "").strip(), "label_zh": f.get("label_zh", "").strip(),
             "capabilities": f.getlist("capabilities")}
    label = {k: v for k, v in (("en", typed["label_en"]), ("zh-CN", typed["label_zh"])) if v}
    try:
        permissions.create_role(runtime(), actor(), typed["key"], label=label, capabilities=typed["capabilities"])
    except FormflowError as exc:
        _refusal(exc)
        return _people_page(exc.status, values={"role": typed}, errors={"role": field_errors(exc, request_locale())})
    flash(gettext("admin.role_saved", request_locale(), name=typed["label_en"] or typed["label_zh"]), "success")
    return redirect(url_for("ui.admin_people") + "#roles", code=303)


@bp.route("/admin/people/roles/<role_key>", methods=["POST"])
def admin_update_role(role_key):
    f = request.form
    typed = {"label_en": f.get("label_en", "").strip(), "label_zh": f.get("label_zh", "").strip(), "capabilities": f.getlist("capabilities")}
    label = {k: v for k, v in (("en", typed["label_en"]), ("zh-CN", typed["label_zh"])) if v}
    try:
        permissions.save_role(runtime(), actor(), role_key, label=label,
                              capabilities=None if role_key == "admin" else typed["capabilities"])
    except FormflowError as exc:
        _refusal(exc)
        return _people_page(exc.status, values={f"role_{role_key}": typed},
                            errors={f"role_{role_key}": field_errors(exc, request_locale())})
    flash(gettext("admin.role_saved", request_locale(), name=typed["label_en"] or typed["label_zh"]), "success")
    return redirect(url_for("ui.admin_people") + "#roles", code=303)


@bp.route("/admin/people/roles/<role_key>/delete", methods=["POST"])
def admin_delete_role(role_key):
    try:
        gone = permissions.delete_role(runtime(), actor(), role_key)
    except FormflowError as exc:
        _refusal(exc)
        return _people_page(exc.status, errors={f"delete_{role_key}": field_errors(exc, request_locale())})
    label = gone["label"] if isinstance(gone["label"], dict) else {"en": gone["label"]}
    name = label.get(request_locale()) or label.get("en") or next(iter(label.values()), role_key)
    flash(gettext("admin.role_deleted", request_locale(), name=name), "success")
    return redirect(url_for("ui.admin_people") + "#roles", code=303)


# -- one user ------------------------------------------------------------------------------

def _user_page(user_id: int, status=200, *, values=None, errors=None, issued=None, new_token=None):
    _gate()
    rt = runtime()
    person = user_service.get_user(rt, user_id)
    shown = {**person, **(values or {}).get("user", {})}
    manager = _ids(shown.get("manager_id"))
    html = render_template("admin_user.html", active_nav="people", person=person, shown=shown, roles=permissions.list_roles(rt),
                           manager=manager, names=user_service.display_names(rt, manager), tokens=credentials.list_tokens(rt, actor(), user_id),
                           time_zones=time_zones(), values=values or {}, errors=errors or {}, issued=issued, new_token=new_token,
                           is_me=user_id == actor().user_id, link_hours=password_links.LINK_HOURS, flashes=get_flashed_messages(with_categories=True))
    return html, status, {"Cache-Control": "no-store"}


@bp.route("/admin/people/users/<int:user_id>")
def admin_user(user_id):
    return _user_page(user_id)


@bp.route("/admin/people/users/<int:user_id>", methods=["POST"])
def admin_save_user(user_id):
    f = request.form
    typed = {"display_name": f.get("display_name", "").strip(), "email": f.get("email", "").strip(), "timezone": f.get("timezone", ""),
             "manager_id": f.get("manager_id", ""), "roles": f.getlist("roles"), "is_active": f.get("is_active") == "1"}
    changes = {"display_name": typed["display_name"], "email": typed["email"] or None, "timezone": typed["timezone"] or None,
               "manager_id": int(typed["manager_id"]) if typed["manager_id"].isdigit() else None, "is_active": typed["is_active"]}
    was_active = user_service.get_user(runtime(), user_id)["is_active"]
    try:
        saved = user_service.update_user(runtime(), actor(), user_id, changes, roles=typed["roles"])
    except FormflowError as exc:
        _refusal(exc)
        return _user_page(user_id, exc.status, values={"user": typed}, errors={"user": field_errors(exc, request_locale())})
    flash(gettext("admin.user_saved", request_locale()), "success")
    if was_active and not saved["is_active"]:
        # the sessions ended with the deactivation stay ended after an undo: the toast says so before anyone clicks
        offer_undo(gettext("undo.user_deactivated", request_locale(), name=saved["display_name"]) + " "
                   + gettext("undo.user_sessions_stay_ended", request_locale()),
                   url_for("ui.admin_reactivate_user", user_id=user_id))
    return redirect(url_for("ui.admin_user", user_id=user_id), code=303)


@bp.route("/admin/people/users/<int:user_id>/reactivate", methods=["POST"])
def admin_reactivate_user(user_id):
    """Undo of a deactivation: the user may sign in again (sessions that ended stay ended)."""
    saved = user_service.update_user(runtime(), actor(), user_id, {"is_active": True})
    flash(gettext("undo.user_reactivated", request_locale(), name=saved["display_name"]), "success")
    return redirect(url_for("ui.admin_user", user_id=user_id), code=303)


@bp.route("/admin/people/users/<int:user_id>/password", methods=["POST"])
def admin_issue_password(user_id):
    try:
        issued = user_service.issue_password(runtime(), actor(), user_id)
    except FormflowError as exc:
        _refusal(exc)
        return _user_page(user_id, exc.status, errors={"password": field_errors(exc, request_locale())})
    return _user_page(user_id, 201, issued=issued)


@bp.route("/admin/people/users/<int:user_id>/password-link", methods=["POST"])
def admin_password_link(user_id):
    try:
        issued = _link(user_id)
    except FormflowError as exc:
        _refusal(exc)
        return _user_page(user_id, exc.status, errors={"password": field_errors(exc, request_locale())})
    return _user_page(user_id, 201, issued=issued)


@bp.route("/admin/people/users/<int:user_id>/tokens", methods=["POST"])
def admin_create_token(user_id):
    typed = {"name": request.form.get("name", "")}
    try:
        token = credentials.create_token(runtime(), actor(), typed["name"], user_id=user_id)
    except FormflowError as exc:
        _refusal(exc)
        return _user_page(user_id, exc.status, values={"token": typed}, errors={"token": field_errors(exc, request_locale())})
    return _user_page(user_id, 201, new_token=token)


@bp.route("/admin/people/users/<int:user_id>/tokens/<int:token_id>/revoke", methods=["POST"])
def admin_revoke_token(user_id, token_id):
    token = credentials.revoke_token(runtime(), actor(), token_id)
    flash(gettext("profile.token_revoked_done", request_locale(), name=token["name"]), "success")
    return redirect(url_for("ui.admin_user", user_id=user_id) + "#tokens", code=303)


# -- record rights and the field matrix, per form ----------------------------------------------

def _access_page(app_key: str | None, form_key: str | None, status=200, *, values=None, errors=None):
    _gate()
    rt = runtime()
    apps = form_service.list_apps(rt)
    grants, matrix, roles = [], [], permissions.list_roles(rt)
    if app_key and form_key:
        grants = permissions.get_grants(rt, actor(), app_key, form_key)
        by_role = {r["key"]: readgate.form_field_access(rt, actor(), app_key, form_key, r["key"])["items"] for r in roles
                   if r["key"] != "admin"}
        fields = next(iter(by_role.values()), [])
        matrix = [{"field": f, "cells": {role: next(i for i in items if i["field_id"] == f["field_id"]) for role, items in by_role.items()}}
                  for f in fields]
    html = render_template("admin_access.html", active_nav="people", apps=apps, app_key=app_key, form_key=form_key, grants=grants,
                           matrix=matrix, roles=[r for r in roles if r["key"] != "admin"], all_roles=roles, scopes=SCOPES, levels=LEVELS,
                           actions=RIGHT_ACTIONS, values=values or {}, errors=errors or {},
                           flashes=get_flashed_messages(with_categories=True))
    return html, status


@bp.route("/admin/access")
def admin_access():
    return _access_page(None, None)


@bp.route("/admin/access/<app_key>/<form_key>")
def admin_form_access(app_key, form_key):
    return _access_page(app_key, form_key)


@bp.route("/admin/access/<app_key>/<form_key>/rights", methods=["POST"])
def admin_save_rights(app_key, form_key):
    """Every role's record rights from the one table (create, read / update / delete scopes); field levels unchanged."""
    current = {g["role"]: g["rights"] for g in permissions.get_grants(runtime(), actor(), app_key, form_key)}
    try:
        for role, rights in current.items():
            if role == "admin":
                continue
            wanted = {"create": request.form.get(f"{role}.create") == "1",
                      **{a: request.form.get(f"{role}.{a}", rights[a]) for a in RIGHT_ACTIONS}, "fields": rights["fields"]}
            if wanted != rights:
                permissions.set_grant(runtime(), actor(), app_key, form_key, role, wanted)
    except FormflowError as exc:
        _refusal(exc)
        return _access_page(app_key, form_key, exc.status, errors={"rights": field_errors(exc, request_locale())})
    flash(gettext("admin.rights_saved", request_locale()), "success")
    return redirect(url_for("ui.admin_form_access", app_key=app_key, form_key=form_key) + "#rights", code=303)


@bp.route("/admin/access/<app_key>/<form_key>/fields", methods=["POST"])
def admin_save_field_levels(app_key, form_key):
    """The matrix: each role's level per field (hidden / read / write); "write" is the default and not stored."""
    current = {g["role"]: g["rights"] for g in permissions.get_grants(runtime(), actor(), app_key, form_key)}
    try:
        for role, rights in current.items():
            if role == "admin":
                continue
            levels = {key.split(".", 1)[1]: value for key, value in request.form.items() if key.startswith(role + ".")}
            fields = {fid: lvl for fid, lvl in levels.items() if lvl != "write"}
            if fields != rights["fields"]:
                permissions.set_grant(runtime(), actor(), app_key, form_key, role, {**rights, "fields": fields})
    except FormflowError as exc:
        _refusal(exc)
        return _access_page(app_key, form_key, exc.status, errors={"fields": field_errors(exc, request_locale())})
    flash(gettext("admin.fields_saved", request_locale()), "success")
    return redirect(url_for("ui.admin_form_access", app_key=app_key, form_key=form_key) + "#fields", code=303)
