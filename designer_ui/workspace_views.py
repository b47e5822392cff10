"""Workspace settings (name, time zone, default language, template review) and the admin audit log, each a page.

Thin over ``engine.services.workspace_settings`` and ``engine.services.admin_audit``: a refusal is shown at its field
in the UI language with what was typed kept (status 4xx); the audit filters are read by the same function as the REST
route's (``engine.api.audit_filters``). Nothing here decides a rule.
"""
from __future__ import annotations

from urllib.parse import urlencode
from zoneinfo import ZoneInfo, available_timezones

from flask import flash, get_flashed_messages, redirect, render_template, request, url_for

from designer_ui import bp, i18n
from designer_ui.i18n import gettext, request_locale
from designer_ui.views import actor, runtime, user_timezone
from engine.api.audit_filters import audit_filters
from engine.fields.temporal import parse_datetime
from engine.errors import FormflowError
from engine.notifications.lifecycle import PUBLISHERS, REVIEW_CAPABILITY
from engine.services import admin_audit, permissions, workspace_settings
from engine.services import users as user_service


#: audit entries on one page
AUDIT_PAGE_SIZE = 25
#: the capability these pages need (saving the settings needs the admin role besides: the service says so)
ADMIN_CAPABILITY = "manage_users"


def _errors(exc: FormflowError, locale: str) -> dict[str, str]:
    """{field: message in the UI language}; a refusal of the whole request (403...) under "_"."""
    out: dict[str, str] = {}
    for item in getattr(exc, "errors", None) or []:
        field = (item.path or "").strip("/").split("/")[0] or "_"
        key = f"ws.error.{field}"
        out.setdefault(field, gettext(key, locale) if key in i18n.MESSAGES["en"] else item.localized(locale))
    return out or {"_": exc.localized(locale)}


def _settings_page(status=200, *, values=None, errors=None):
    rt = runtime()
    permissions.require_capability(rt, actor(), ADMIN_CAPABILITY)
    current = workspace_settings.get_settings(rt)
    locale = request_locale()
    reviewers = [i18n.label_text(r["label"], locale) or r["key"] for r in permissions.list_roles(rt)
                 if REVIEW_CAPABILITY in (r["capabilities"] or []) or r["key"] == "admin"]
    html = render_template("workspace_settings.html", active_nav="settings", settings={**current, **(values or {})}, errors=errors or {},
                           time_zones=sorted(available_timezones()), languages=workspace_settings.LANGUAGES, publishers=PUBLISHERS,
                           reviewers=reviewers, flashes=get_flashed_messages(with_categories=True))
    return html, status


@bp.route("/admin/workspace")
def workspace_settings_page():
    return _settings_page()


@bp.route("/admin/workspace", methods=["POST"])
def save_workspace_settings():
    typed = {k: request.form.get(k, "") for k in ("name", "timezone", "default_locale", "publisher")}
    changes = {**typed, "self_review": request.form.get("self_review") == "on"}
    try:
        workspace_settings.update_settings(runtime(), actor(), changes)
    except FormflowError as exc:
        if exc.status not in (403, 422):
            raise
        return _settings_page(exc.status, values=changes, errors=_errors(exc, request_locale()))
    flash(gettext("ws.saved", request_locale()), "success")
    return redirect(url_for("ui.workspace_settings_page"), code=303)


def _local(iso: str, tz: str) -> str:
    return parse_datetime(iso).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


@bp.route("/admin/audit")
def audit_page():
    rt = runtime()
    permissions.require_capability(rt, actor(), ADMIN_CAPABILITY)
    tz, locale = user_timezone(), request_locale()
    typed = {k: request.args.get(k, "") for k in ("kind", "actor_id", "since", "until", "offset")}
    errors: dict[str, str] = {}
    try:
        filters = audit_filters(request.args, tz)
    except FormflowError as exc:
        filters, errors = {}, _errors(exc, locale)
    offset = filters.pop("offset", 0)
    filters.pop("limit", None)
    entries = admin_audit.list_entries(rt, limit=AUDIT_PAGE_SIZE + 1, offset=offset, **filters)
    more = len(entries) > AUDIT_PAGE_SIZE
    entries = entries[:AUDIT_PAGE_SIZE]
    chosen = [int(typed["actor_id"])] if typed["actor_id"].isdigit() and len(typed["actor_id"]) < 12 else []
    names = user_service.display_names(rt, [e["actor_id"] for e in entries] + chosen)  # everyone named, not the first 50
    for e in entries:
        e["local_at"] = _local(e["at"], tz)
        e["who"] = names.get(e["actor_id"], e["actor"])
    kept = {k: v for k, v in typed.items() if v and k != "offset" and k not in errors}

    def page_url(at: int) -> str:
        return url_for("ui.audit_page") + "?" + urlencode({**kept, **({"offset": at} if at else {})})

    html = render_template("workspace_audit.html", active_nav="settings", entries=entries, typed=typed, errors=errors,
                           kinds=admin_audit.kinds(rt), chosen=chosen, names=names, offset=offset, page_size=AUDIT_PAGE_SIZE,
                           newer_url=page_url(max(0, offset - AUDIT_PAGE_SIZE)) if offset else None,
                           older_url=page_url(offset + AUDIT_PAGE_SIZE) if more else None)
    return html, 422 if errors else 200
