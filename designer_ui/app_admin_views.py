"""Pages to run apps and forms as a whole: "New app" (blank, from a template, a copy), and an app's settings page
(name, icon, colour, forms: new, copy, rename, order, archive, delete; update from its template; archive or delete).
Archiving offers an Undo (designer_ui.undo); deleting is final and keeps its typed confirmation.

Each form posts to its own route over the same services as the REST API (``forms``, ``app_admin``,
``app_templates``) and either redirects with a message or shows the page again, status 4xx, with the service's
refusals at their fields in the UI language and what was typed kept. Nothing here decides a rule.
"""
from __future__ import annotations

from flask import flash, get_flashed_messages, redirect, render_template, request, url_for

from designer_ui import bp
from designer_ui.admin_messages import field_errors, template_change_sentences
from designer_ui.i18n import gettext, label_text, request_locale
from designer_ui.undo import offer_undo
from designer_ui.views import actor, runtime
from engine.errors import FormflowError, NotFound
from engine.services import app_admin, app_templates
from engine.services import forms as form_service
from engine.services.permissions import require_capability

#: the three ways to start an app, in the order of the page
NEW_APP_KINDS = ("blank", "template", "copy")


def _label(typed: dict, prefix: str = "label") -> dict | str:
    """The name (or with ``prefix`` "description" the description) as typed: English and Chinese when both are given,
    else the one text."""
    en, zh = (typed.get(f"{prefix}_en") or "").strip(), (typed.get(f"{prefix}_zh") or "").strip()
    if en and zh:
        return {"en": en, "zh-CN": zh}
    return en or zh


def _new_app_page(status=200, *, kind=None, values=None, errors=None):
    require_capability(runtime(), actor(), "design")
    html = render_template("app_new.html", active_nav="apps", kind=kind, values={kind: values or {}}, errors={kind: errors or {}},
                           templates=app_templates.list_templates(runtime()), apps=app_admin.list_apps(runtime()),
                           kinds=NEW_APP_KINDS, flashes=get_flashed_messages(with_categories=True))
    return html, status


@bp.route("/apps/new")
def new_app():
    return _new_app_page()


@bp.route("/apps/new", methods=["POST"])
def create_app_page():
    kind = request.form.get("kind", "blank")
    typed = {k: request.form.get(k, "") for k in ("key", "label_en", "label_zh", "template", "source")}
    locale = request_locale()
    try:
        if kind == "template":
            made = app_templates.install_template(runtime(), actor(), typed["template"], app_key=typed["key"].strip() or None,
                                                  label=_label(typed) or None)
        elif kind == "copy":
            made = app_admin.copy_app(runtime(), actor(), typed["source"], typed["key"].strip(), _label(typed))
        else:
            kind = "blank"
            made = form_service.create_app(runtime(), actor(), typed["key"].strip(), _label(typed))
    except FormflowError as exc:
        if exc.status not in (404, 409, 422):
            raise
        return _new_app_page(exc.status, kind=kind, values=typed, errors=field_errors(exc, locale))
    flash(gettext("admin.app_created", locale, name=typed["label_en"] or typed["label_zh"] or made["key"]), "success")
    return redirect(url_for("ui.app_settings", app_key=made["key"]), code=303)


def _settings_page(app_key: str, status=200, *, values=None, errors=None, section=None):
    require_capability(runtime(), actor(), "design")
    app = app_admin.get_app(runtime(), app_key)
    locale = request_locale()
    update = None
    if app.get("template"):
        try:
            update = app_templates.template_update(runtime(), app_key, locale)
            update["sentences"] = template_change_sentences(update, app["forms"], locale)
        except NotFound:
            update = None
    html = render_template("app_settings.html", app=app, active_nav="apps", values=values or {}, errors=errors or {}, section=section,
                           colors=app_admin.COLORS, impact=app_admin.impact(runtime(), app_key), update=update,
                           flashes=get_flashed_messages(with_categories=True))
    return html, status


@bp.route("/apps/<app_key>/settings")
def app_settings(app_key):
    return _settings_page(app_key)


def _done(app_key: str, message: str, anchor: str = "", **params):
    flash(gettext(message, request_locale(), **params), "success")
    return redirect(url_for("ui.app_settings", app_key=app_key) + anchor, code=303)


def _refused(app_key: str, exc: FormflowError, section: str, typed: dict):
    if exc.status not in (404, 409, 422):
        raise exc
    return _settings_page(app_key, exc.status, values={section: typed}, errors={section: field_errors(exc, request_locale())},
                          section=section)


@bp.route("/apps/<app_key>/settings", methods=["POST"])
def save_app_settings(app_key):
    typed = {k: request.form.get(k, "") for k in ("label_en", "label_zh", "description_en", "description_zh", "icon", "color")}
    try:
        label = _label(typed)
        app_admin.update_app(runtime(), actor(), app_key, label=label if label else " ", description=_label(typed, "description"),
                             icon=typed["icon"], color=typed["color"])
    except FormflowError as exc:
        return _refused(app_key, exc, "app", typed)
    return _done(app_key, "admin.app_saved")


@bp.route("/apps/<app_key>/forms/new", methods=["POST"])
def new_form_page(app_key):
    typed = {k: request.form.get(k, "") for k in ("key", "label_en", "label_zh", "copy_of")}
    try:
        app_admin.new_form(runtime(), actor(), app_key, typed["key"].strip(), _label(typed), copy_of=typed["copy_of"] or None)
    except FormflowError as exc:
        return _refused(app_key, exc, "new_form", typed)
    return _done(app_key, "admin.form_created", "#forms", name=typed["label_en"] or typed["label_zh"])


@bp.route("/apps/<app_key>/forms/<form_key>/rename", methods=["POST"])
def rename_form_page(app_key, form_key):
    typed = {k: request.form.get(k, "") for k in ("label_en", "label_zh")}
    try:
        app_admin.rename_form(runtime(), actor(), app_key, form_key, _label(typed))
    except FormflowError as exc:
        return _refused(app_key, exc, f"form_{form_key}", typed)
    return _done(app_key, "admin.form_renamed", "#forms")


@bp.route("/apps/<app_key>/forms/<form_key>/move", methods=["POST"])
def move_form_page(app_key, form_key):
    app_admin.move_form(runtime(), actor(), app_key, form_key, -1 if request.form.get("direction") == "up" else 1)
    return _done(app_key, "admin.form_moved", "#forms")


@bp.route("/apps/<app_key>/forms/<form_key>/archive", methods=["POST"])
def archive_form_page(app_key, form_key):
    archived = request.form.get("archived") == "1"
    app = app_admin.set_form_archived(runtime(), actor(), app_key, form_key, archived)
    if not archived:
        return _done(app_key, "admin.form_restored", "#forms")
    form = next((f for f in app["forms"] if f["key"] == form_key), {})
    offer_undo(gettext("undo.form_archived", request_locale(), name=label_text(form.get("label"), request_locale()) or form_key),
               url_for("ui.archive_form_page", app_key=app_key, form_key=form_key), archived="0")
    return redirect(url_for("ui.app_settings", app_key=app_key) + "#forms", code=303)


@bp.route("/apps/<app_key>/forms/<form_key>/delete", methods=["POST"])
def delete_form_page(app_key, form_key):
    typed = {"confirm": request.form.get("confirm", "")}
    try:
        lost = app_admin.delete_form(runtime(), actor(), app_key, form_key, confirm=typed["confirm"])
    except FormflowError as exc:
        return _refused(app_key, exc, f"delete_{form_key}", typed)
    return _done(app_key, "admin.form_deleted", "#forms", code=form_key, count=lost["records"])


@bp.route("/apps/<app_key>/template-update", methods=["POST"])
def apply_template_update_page(app_key):
    try:
        done = app_templates.apply_template_update(runtime(), actor(), app_key, expected_version=request.form.get("version"))
    except FormflowError as exc:
        return _refused(app_key, exc, "update", {})
    return _done(app_key, "admin.template_updated", "#template", version=done["applied_version"])


@bp.route("/apps/<app_key>/archive", methods=["POST"])
def archive_app_page(app_key):
    archived = request.form.get("archived") == "1"
    app = app_admin.set_app_archived(runtime(), actor(), app_key, archived)
    if not archived:
        return _done(app_key, "admin.app_restored", "#danger")
    offer_undo(gettext("undo.app_archived", request_locale(), name=label_text(app.get("label"), request_locale()) or app_key),
               url_for("ui.archive_app_page", app_key=app_key), archived="0")
    return redirect(url_for("ui.app_settings", app_key=app_key) + "#danger", code=303)


@bp.route("/apps/<app_key>/delete", methods=["POST"])
def delete_app_page(app_key):
    typed = {"confirm": request.form.get("confirm", "")}
    try:
        lost = app_admin.delete_app(runtime(), actor(), app_key, confirm=typed["confirm"])
    except FormflowError as exc:
        return _refused(app_key, exc, "delete_app", typed)
    flash(gettext("admin.app_deleted", request_locale(), code=app_key, count=lost["records"]), "success")
    return redirect(url_for("ui.index"), code=303)
