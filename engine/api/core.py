"""The route modules' vocabulary: the API blueprint, ``@route`` (view and OpenAPI operation in one place), the
request's runtime and actor, body and query loading, and the one error envelope. A lower module than the package,
so that ``engine.api.auth`` and the route modules use it without importing the package that imports them."""
from __future__ import annotations

from typing import Any

import jsonschema

from flask import Blueprint, Response, current_app, g, jsonify, request
from marshmallow import Schema, ValidationError

from engine.api import refusals
from engine.api.bodies import marshmallow_errors
from engine.api.openapi import Operation
from engine.errors import ErrorItem, ValidationFailed
from engine.i18n import DEFAULT_LOCALE, has_text, normalize_locale, render
from engine.runtime import Runtime
from engine.services.users import get_user

bp = Blueprint("api", "engine.api", url_prefix="/api")
OPERATIONS: list[Operation] = []


def route(path: str, method: str = "GET", **meta: Any):
    """Register a view and its OpenAPI operation."""
    def wrap(view):
        endpoint = view.__name__
        bp.add_url_rule(path, endpoint=endpoint, view_func=view, methods=[method])
        OPERATIONS.append(Operation(path="/api" + path, method=method, view=view, **meta))
        return view
    return wrap


def runtime() -> Runtime:
    return current_app.extensions["formflow"]


def actor():
    return g.actor


def load_body(schema: Schema | None = None, *, required: bool = True) -> Any:
    data = request.get_json(silent=True)
    if data is None and required:
        raise refusals.refused("error.body.not_json", "error.body.expected_json", "/")
    if schema is None:
        return data
    try:
        return schema.load(data or {})
    except ValidationError as exc:
        raise refusals.coded(ValidationFailed, "error.body.invalid", _items(exc)) from None


def load_args(schema: Schema) -> Any:
    try:
        return schema.load({k: request.args.getlist(k) if k == "filter" else v for k, v in request.args.items()})
    except ValidationError as exc:
        raise refusals.coded(ValidationFailed, "error.body.query_invalid", _items(exc)) from None


def _items(exc: ValidationError) -> list[ErrorItem]:
    """marshmallow's refusals as coded items (refusals.library_item)."""
    return [refusals.library_item(e["message"], e["path"]) for e in marshmallow_errors(exc)]


def caller_locale() -> str | None:
    """The language the caller asked for: Accept-Language, else the signed-in user's saved language; None (English)
    for an API client that says neither."""
    if request.headers.get("Accept-Language"):
        best = request.accept_languages.best_match(["en", "zh-CN", "zh"])
        return normalize_locale(best) if best else None
    user_id = getattr(getattr(g, "actor", None), "user_id", None)
    if user_id is None:
        return None
    try:
        saved = get_user(runtime(), user_id).get("locale")
    except Exception:  # an error answer never fails on the language: a user removed mid-request reads as none saved
        return None
    return normalize_locale(saved) if saved else None


def in_language(key: str, english: str) -> str:
    """An answer the web layer makes (no route, wrong method, too large, our fault) in the caller's language: English as
    werkzeug or we say it, else the catalogue's text of ``key`` when it has one."""
    locale = caller_locale()
    if locale is None or locale == DEFAULT_LOCALE or not has_text(key, locale):
        return english
    return render(key, locale)


def error_response(status: int, code: str, message: str, errors: list | None = None, **extra):
    body = {"code": code, "message": message, **extra}
    if errors:
        body["errors"] = errors
    return jsonify({"error": body}), status


def load_checked_body(schema: dict) -> Any:
    """The JSON body checked against the operation's own JSON Schema (one source of truth with the spec); each
    refusal names its path."""
    data = load_body()
    errors = []
    for err in jsonschema.Draft202012Validator(schema).iter_errors(data):
        path = "/" + "/".join(map(str, err.absolute_path))
        errors.append(refusals.schema_item(err, path))
    if errors:
        raise refusals.coded(ValidationFailed, "error.body.invalid", errors)
    return data


def script_response(js: str, *, immutable: bool) -> Response:
    """A generated script (rules.js, computed.js): cached for good when it is one published version's, else revalidated."""
    response = Response(js, mimetype="application/javascript")
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable" if immutable else "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
