"""The public web form page (``/f/<token>``): lead capture without signing in.

Its own blueprint, outside the designer's sign-in wall; the link's token binds
every request (an unknown or withdrawn token is a 404), so the submit needs no
session and no CSRF token (``engine.api.auth.CSRF_EXEMPT_ENDPOINTS``). A plain
HTML form (no script at all) posts back here; a JSON client may post JSON.
Guards and limits live in ``engine.services.web_forms``.
"""
from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify, render_template, request, url_for

from designer_ui.i18n import request_locale
from engine.errors import ErrorItem, FormflowError
from engine.fields import FIELD_TYPES
from engine.services import web_forms

bp = Blueprint("public_form", __name__, template_folder="templates")


def _runtime():
    return current_app.extensions["formflow"]


def _client() -> str:
    # behind a proxy, configure werkzeug's ProxyFix so remote_addr is the client's, not the proxy's
    return request.remote_addr or "unknown"


def _values_from_form(spec: dict) -> dict:
    """HTML form text -> field values of the right JSON type (an empty input is no value)."""
    out: dict = {}
    by_id = {f["id"]: f for f in spec["fields"]}
    for key in request.form:
        if key == "csrf_token":
            continue
        f = by_id.get(key)
        ftype = FIELD_TYPES.get(f["type"]) if f else None
        raw = request.form.getlist(key) if ftype and ftype.multiple(f) else request.form.get(key)
        if f is None or raw in ("", []):
            out[key] = raw if f is None else None
            continue
        out[key] = ftype.form_value(raw)
    return out


def _static_base() -> str:
    return url_for("ui.static", filename="").rstrip("/")


def _page(token: str, spec: dict, status: int = 200, **extra):
    return render_template("public_form.html", token=token, spec=spec, static_base=_static_base(), **extra), status


@bp.errorhandler(FormflowError)
def _page_error(exc: FormflowError):
    """An unknown or withdrawn link as a page (the same 404 for both: nothing to probe); a JSON client gets JSON."""
    if request.is_json:  # e.g. a body over the request budgets, refused before the view runs
        return jsonify({"error": exc.to_dict(request_locale())}), exc.status
    return render_template("error.html", status=exc.status, message=exc.localized(request_locale()),
                           static_base=_static_base()), exc.status


@bp.route("/f/<token>", methods=["GET"])
def page(token):
    spec = web_forms.public_form(_runtime(), token)
    return _page(token, spec)


@bp.route("/f/<token>", methods=["POST"])
def submit(token):
    wants_json = request.is_json
    if (request.content_length or 0) > web_forms.MAX_PUBLIC_BODY_BYTES:
        limit = web_forms.MAX_PUBLIC_BODY_BYTES
        return _refused(token, web_forms.SubmissionTooLarge(
            f"the submission is larger than {limit} bytes", [ErrorItem.coded("error.code.too_large", path="/", code="too_large")],
            message_code="error.web_form.submission_too_large", params={"max": limit}), wants_json, None)
    spec = None
    try:
        spec = web_forms.public_form(_runtime(), token)
        data = request.get_json(silent=True) if wants_json else _values_from_form(spec)
        result = web_forms.submit_public(_runtime(), token, data, client=_client())
    except FormflowError as exc:
        return _refused(token, exc, wants_json, spec)
    if wants_json:
        return jsonify({"accepted": True}), 201
    return _page(token, spec, 201, sent=True, result=result)


def _refused(token: str, exc: FormflowError, wants_json: bool, spec: dict | None):
    headers = {}
    if exc.status == 429:
        headers["Retry-After"] = str(exc.details.get("retry_after", web_forms.RATE_LIMIT_WINDOW_SECONDS))
    if wants_json or spec is None:
        response = jsonify({"error": exc.to_dict(request_locale())})
        response.status_code = exc.status
    else:
        locale = request_locale()
        body, _ = _page(token, spec, exc.status, error=exc.localized(locale),
                        field_errors={(e.field_id or e.path.strip("/")): e.localized(locale) for e in exc.errors}, values=request.form)
        response = current_app.make_response((body, exc.status))
    response.headers.update(headers)
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
