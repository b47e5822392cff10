"""The designer's preview page: the generated form (form_fill.html and formfill.js, nothing re-drawn) running a draft
definition's compiled rules and computed fields, shown in a frame of the designer at desktop or phone width.

The designer posts the definition on screen into the frame (``POST …/preview``, a form with the CSRF token); the page
carries the draft's compiled scripts inline, each allowed by its hash in this response's Content-Security-Policy, so
nothing is stored between the designer, the frame and its scripts. Submitting the preview saves nothing.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re

from flask import jsonify, make_response, render_template, request, url_for

from designer_ui import bp
from designer_ui.i18n import gettext, request_locale
from designer_ui.request_context import actor, runtime, user_timezone
from engine.api.auth import CONTENT_SECURITY_POLICY
from engine.errors import DefinitionInvalid
from engine.services import forms as form_service
from engine.services.form_preview import preview_form

#: The largest definition the preview accepts, in characters of JSON.
MAX_PREVIEW_DEFINITION = 2_000_000


def _inline(script: str) -> str:
    """A script safe between <script> tags: "</script" inside a string literal can't end the element."""
    return re.sub(r"</(script)", r"<\\/\1", script, flags=re.IGNORECASE)


def _hash_source(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


def _invalid(app: dict, form_key: str, problems: list[tuple[str, str]], status: int = 422):
    """The draft can't run: ``problems`` are (path, message in the reader's language)."""
    errors = [{"path": path, "message": message} for path, message in problems]
    return render_template("designer_preview_invalid.html", app=app, form_key=form_key, errors=errors), status


def _framed(response, scripts: tuple[str, ...] = ()):
    """This page may be framed by the designer (same origin only) and run exactly ``scripts`` inline."""
    policy = CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", "frame-ancestors 'self'")
    if scripts:
        policy = policy.replace("script-src 'self'", "script-src 'self' " + " ".join(_hash_source(s) for s in scripts))
    response.headers["Content-Security-Policy"] = policy
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/apps/<app_key>/forms/<form_key>/preview", methods=["POST"])
def form_preview(app_key, form_key):
    rt = runtime()
    app = form_service.get_app(rt, app_key)
    raw = request.form.get("definition", "")
    try:
        definition = json.loads(raw) if len(raw) <= MAX_PREVIEW_DEFINITION else None
    except ValueError:
        definition = None
    if not isinstance(definition, dict) or not isinstance(definition.get("fields", []), list):
        return _framed(make_response(*_invalid(app, form_key, [("/definition", gettext("preview.not_a_definition", request_locale()))])))
    try:
        preview = preview_form(rt, actor(), app_key, form_key, definition)
    except DefinitionInvalid as exc:
        return _framed(make_response(*_invalid(app, form_key, [(e.path, e.localized(request_locale())) for e in exc.errors])))
    rules, computed = _inline(preview.rules_js), _inline(preview.computed_js)
    form = next((f for f in app["forms"] if f["key"] == form_key), {"key": form_key, "label": form_key})
    api = f"/api/apps/{app_key}/forms/{form_key}"
    page = render_template("designer_preview.html", app=app, form=form, definition=preview.definition, version=None,
                           preview_rules_js=rules, preview_computed_js=computed, rules_js_url=None, computed_js_url=None,
                           rules_runtime_url=url_for("ui.rules_runtime"), timezone=user_timezone(), user_id=actor().user_id,
                           values=preview.values, api_base=api,
                           submit_url=url_for("ui.form_preview_submit", app_key=app_key, form_key=form_key),
                           fetch_url=url_for("api.fetch_values", app_key=app_key, form_key=form_key) if preview.published_version else None,
                           upload_url=None, record_url=None)
    return _framed(make_response(page, 200), (rules, computed))


@bp.route("/apps/<app_key>/forms/<form_key>/preview/submit", methods=["POST"])
def form_preview_submit(app_key, form_key):
    """The preview's Submit: nothing is saved, and the form says so where a server refusal shows."""
    message = gettext("preview.nothing_saved", request_locale())
    return jsonify({"error": {"code": "preview", "message": message, "errors": [{"path": "", "message": message}]}}), 422

