"""The route modules' vocabulary: the API blueprint, ``@route`` (view and OpenAPI operation in one place), the
request's runtime and actor, body and query loading, and the one error envelope. A lower module than the package,
so that ``engine.api.auth`` and the route modules use it without importing the package that imports them."""
from __future__ import annotations

from typing import Any

import jsonschema

from flask import Blueprint, Response, current_app, g, jsonify, request
from marshmallow import Schema, ValidationError

from engine.api.bodies import marshmallow_errors
from engine.api.openapi import Operation
from engine.errors import ErrorItem, ValidationFailed
from engine.runtime import Runtime

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
        raise ValidationFailed("the request body must be JSON", [ErrorItem("expected a JSON body", path="/")])
    if schema is None:
        return data
    try:
        return schema.load(data or {})
    except ValidationError as exc:
        raise ValidationFailed("the request body is not valid",
                               [ErrorItem(e["message"], path=e["path"]) for e in marshmallow_errors(exc)]) from None


def load_args(schema: Schema) -> Any:
    try:
        return schema.load({k: request.args.getlist(k) if k == "filter" else v for k, v in request.args.items()})
    except ValidationError as exc:
        raise ValidationFailed("the query string is not valid",
                               [ErrorItem(e["message"], path=e["path"]) for e in marshmallow_errors(exc)]) from None


def error_response(status: int, code: str, message: str, errors: list | None = None, **extra):
    body = {"code": code, "message": message, **extra}
    if errors:
        body["errors"] = errors
    return jsonify({"error": body}), status


def load_checked_body(schema: dict) -> Any:
    """The JSON body checked against the operation's own JSON Schema (one source of truth with the spec); each
    refusal names its path."""
    data = load_body()
    errors = [ErrorItem(e.message, path="/" + "/".join(map(str, e.absolute_path))) for e in
              jsonschema.Draft202012Validator(schema).iter_errors(data)]
    if errors:
        raise ValidationFailed("the request body is not valid", errors)
    return data


def script_response(js: str, *, immutable: bool) -> Response:
    """A generated script (rules.js, computed.js): cached for good when it is one published version's, else revalidated."""
    response = Response(js, mimetype="application/javascript")
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable" if immutable else "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
