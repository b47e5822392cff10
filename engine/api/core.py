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
    """marshmallow's refusals as items, coded where its words are known (else its English words)."""
    return [refusals.library_item(e["message"], e["path"]) or ErrorItem(e["message"], path=e["path"])
            for e in marshmallow_errors(exc)]


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
        errors.append(refusals.schema_item(err, path) or ErrorItem(err.message, path=path))
    if errors:
        raise refusals.coded(ValidationFailed, "error.body.invalid", errors)
    return data


def script_response(js: str, *, immutable: bool) -> Response:
    """A generated script (rules.js, computed.js): cached for good when it is one published version's, else revalidated."""
    response = Response(js, mimetype="application/javascript")
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable" if immutable else "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
