"""Pages: the start page (apps and forms), the designer, and what every page shares.

Views only translate between HTTP and ``engine.services``; the designer saves
and publishes through the REST API from the browser. Every response of the
blueprint carries a strict Content-Security-Policy (no inline script or style).
The record pages live in ``record_views``, the inbox in ``inbox_views``.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from flask import Response, current_app, g, render_template, request, url_for

from designer_ui import bp
from engine.rules import JS_RUNTIME
from engine.runtime import Actor, Runtime
from engine.services import forms as form_service
from engine.storage.tables import users

#: the policy on every page: scripts and styles only from our origin, nothing framed, no plugins
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
#: cookie holding the browser's time zone (set by common.js), used when the user has none saved
TZ_COOKIE = "formflow_tz"


@bp.after_request
def _security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def runtime() -> Runtime:
    return current_app.extensions["formflow"]


def actor() -> Actor:
    return getattr(g, "actor", None) or Actor.system()


def _user_row():
    if actor().user_id is None:
        return None
    if "ui_user" not in g:
        with runtime().db.read() as conn:  # display name and time zone only; accounts belong to the permissions area
            g.ui_user = conn.execute(sa.select(users.c.id, users.c.display_name, users.c.timezone)
                                     .where(users.c.id == actor().user_id)).mappings().first()
    return g.ui_user


def user_timezone() -> str:
    """The reader's time zone: their saved one, else the browser's (cookie), else the workspace's."""
    row = _user_row()
    for tz in ((row or {}).get("timezone"), request.cookies.get(TZ_COOKIE), runtime().timezone):
        if tz:
            try:
                ZoneInfo(tz)
                return tz
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return "UTC"


def unread_count() -> int:
    from designer_ui import inbox_views

    return inbox_views.unread_count()


def _csrf_token() -> str:
    make = current_app.jinja_env.globals.get("csrf_token")  # set by the security area when present
    try:
        return make() if callable(make) else ""
    except Exception:
        return ""


@bp.app_context_processor
def _page_context() -> dict:
    if request.blueprint != "ui":
        return {}
    row = _user_row()
    return {"user": {"id": row["id"], "name": row["display_name"]} if row else None,
            "unread_count": unread_count(), "csrf_token": _csrf_token(),
            "static_base": url_for("ui.static", filename="").rstrip("/"),
            "urls": {"apps": url_for("ui.index"), "inbox": url_for("ui.inbox")}}


@bp.route("/rules/runtime.js")
def rules_runtime():
    """The browser rule runtime (engine/rules/runtime.js): compiled rules call into it."""
    response = Response(JS_RUNTIME, mimetype="text/javascript")
    response.cache_control.max_age = 3600
    return response


@bp.route("/")
def index():
    return render_template("index.html", apps=form_service.list_apps(runtime()), active_nav="apps")


@bp.route("/apps/<app_key>/forms/<form_key>/design")
def designer(app_key, form_key):
    app = form_service.get_app(runtime(), app_key)
    form = next((f for f in app["forms"] if f["key"] == form_key), None)
    if form is None:
        form_service.get_draft(runtime(), app_key, form_key)  # raises the service's 404
    return render_template("designer.html", app=app, form=form, forms=[{"key": f["key"], "label": f["label"]} for f in app["forms"]],
                           back_url=url_for("ui.index"), active_nav="apps",
                           form_url=url_for("ui.new_record", app_key=app_key, form_key=form_key),
                           records_url=url_for("ui.records_list", app_key=app_key, form_key=form_key))


from designer_ui import inbox_views, record_views  # noqa: E402,F401  (route registration)
