"""Pages: the start page (apps and forms), the designer, and what every page shares.

Views only translate between HTTP and ``engine.services``; the designer saves
and publishes through the REST API from the browser. Every response of the
blueprint carries a strict Content-Security-Policy (no inline script or style).
The record pages live in ``record_views``, the inbox in ``inbox_views``.
"""
from __future__ import annotations

from flask import Response, get_flashed_messages, render_template, request, url_for

from designer_ui import bp
from designer_ui.i18n import request_locale
from designer_ui.request_context import TZ_COOKIE, actor, local_time, runtime, user_locale, user_timezone  # noqa: F401  (re-exported)
from engine.api.auth import SECURITY_HEADERS
from engine.errors import FormflowError, NotFound
from engine.rules import JS_RUNTIME
from engine.services import app_admin
from engine.services import forms as form_service
from engine.services import member_limits, reference_targets
from engine.services.field_types import field_types
from engine.field_keys import published_keys
from engine.services.permissions import has_capability, require_capability

@bp.after_request
def _security_headers(response: Response) -> Response:
    """Every page under the one policy (engine.api.auth.SECURITY_HEADERS: CSP script-src 'self', nosniff...), unless the view
    narrowed it itself (the designer's preview page: framed by the designer, its draft's scripts allowed by hash)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def unread_count() -> int:

    return inbox_views.unread_count()


@bp.context_processor
def _page_context() -> dict:
    return page_context()


def page_context() -> dict:
    """What every page's layout reads besides the user and the CSRF token (the security area's context processor,
    engine.api.auth): the Inbox badge, the reader's time zone, where the stylesheet and scripts are, the menu's links.
    Also for a page outside the blueprint (an address no route matched: designer_ui.error_pages)."""
    return {"unread_count": unread_count(),
            "reader_tz": user_timezone(),  # <html data-tz>: the browser shows moments in it (formflow.moment)
            "static_base": url_for("ui.static", filename="").rstrip("/"),
            "urls": {"apps": url_for("ui.index"), "inbox": url_for("ui.inbox")}}


@bp.errorhandler(FormflowError)
def _page_error(exc: FormflowError):
    """A refused page request (unknown form, record, not published yet) as a page, not the API's JSON."""
    return render_template("error.html", status=exc.status, message=exc.localized(request_locale())), exc.status


@bp.route("/rules/runtime.js")
def rules_runtime():
    """The browser rule runtime (engine/rules/runtime.js): compiled rules call into it."""
    response = Response(JS_RUNTIME, mimetype="text/javascript")
    response.cache_control.max_age = 3600
    return response


@bp.route("/")
def index():
    return render_template("index.html", apps=app_admin.list_apps(runtime()), active_nav="apps",
                           can_design=has_capability(runtime(), actor(), "design"),
                           can_manage_users=has_capability(runtime(), actor(), "manage_users"),
                           flashes=get_flashed_messages(with_categories=True))


@bp.route("/apps/<app_key>/forms/<form_key>/design")
def designer(app_key, form_key):
    require_capability(runtime(), actor(), "design")  # the same capability the REST API asks for saving
    app = form_service.get_app(runtime(), app_key)
    form = next((f for f in app["forms"] if f["key"] == form_key), None)
    if form is None:
        raise NotFound(f"form {form_key!r} does not exist in app {app_key!r}", path="/form", message_code="error.form.not_in_app",
                       params={"form": repr(form_key), "app": repr(app_key)})
    draft = form_service.get_draft(runtime(), app_key, form_key)
    fixed = published_keys(form_service.get_version(runtime(), app_key, form_key, draft["published_version"])["definition"]
                           if draft["published_version"] else None)
    return render_template("designer.html", app=app, form=form, forms=[{"key": f["key"], "label": f["label"]} for f in app["forms"]],
                           apps=reference_targets.target_choices(runtime()), people_limits=member_limits.limit_choices(runtime()),
                           definition=draft["definition"], fixed_keys=sorted(fixed), draft_revision=draft["draft_revision"], field_types=field_types(),
                           back_url=url_for("ui.index"), active_nav="apps",
                           form_url=url_for("ui.new_record", app_key=app_key, form_key=form_key),
                           records_url=url_for("ui.records_list", app_key=app_key, form_key=form_key))


from designer_ui import inbox_views, preview_views, record_views  # noqa: E402,F401  (route registration, messages)
