"""The REST API: a thin Flask adapter over ``engine.services``.

Routes are declared with ``@route`` (view + OpenAPI operation in one place).
Every user-caused error leaves as one JSON envelope ``{"error": {code,
message, errors: [{path, field_id, label, message}]}}`` with a 4xx status.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import IntegerConverter

from engine.api.openapi import build_spec
from engine.errors import FormflowError
from engine.safety import MAX_ID
import sqlalchemy as sa
import importlib
from engine import areas
from engine.api.core import (OPERATIONS, actor, bp, caller_locale, error_response, in_language, load_args,  # noqa: F401
                             load_body, route, runtime)  # (the route modules' vocabulary)
from engine.api import auth, limits
from engine.request_text import refuse_unstorable_text

log = logging.getLogger(__name__)


def _formflow_error(exc: FormflowError):
    response = jsonify({"error": exc.to_dict(caller_locale())})
    if exc.status == 429 and exc.details.get("retry_after") is not None:  # a sign-in lockout, a rate limit: when to retry
        response.headers["Retry-After"] = str(exc.details["retry_after"])
    return response, exc.status


def _http_error(exc: HTTPException):
    if not request.path.startswith("/api"):
        return exc
    code = (exc.name or "error").lower().replace(" ", "_")
    response = error_response(exc.code or 500, code, in_language(f"error.{code}", exc.description or exc.name))
    if exc.code == 405 and exc.valid_methods:
        response[0].headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def unexpected_error(exc: Exception):
    """An exception no other handler took, answered as the API answers (the designer's pages wrap it: error_pages)."""
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    if _out_of_range(exc):  # last line of defence: the services bound what they know; this catches what they missed
        log.warning("value out of range on %s %s: %s", request.method, request.path, exc)
        return error_response(422, "out_of_range", in_language("error.out_of_range", "a number in the request is larger than "
                                                                "the database can hold"),
                              [{"message": in_language("error.code.out_of_range", "out of range"), "path": "", "code": "out_of_range"}])
    log.exception("unexpected error on %s %s", request.method, request.path)
    return error_response(500, "internal_error", in_language("error.internal_error", "something went wrong on our side; "
                                                                                     "the error was logged"))


def _out_of_range(exc: Exception) -> bool:
    """A driver refusing a too-large integer: SQLite raises OverflowError, PostgreSQL NumericValueOutOfRange (22003)."""
    if isinstance(exc, OverflowError):
        return True
    original = getattr(exc, "orig", None)
    return isinstance(exc, sa.exc.DBAPIError) and (isinstance(original, OverflowError) or getattr(original, "sqlstate", None) == "22003")


def _refuse_unstorable_text():
    """NUL and lone surrogates anywhere in the request: 400 with their paths before any view or the database (one hook
    for the API, the designer and public forms; engine.request_text). A body too deeply nested to parse is a 413."""
    parts: list[tuple[str, Any]] = [("url", request.path), ("query", request.args.to_dict(flat=False))]
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.is_json:
            try:
                body = request.get_json(silent=True)
            except RecursionError:
                return error_response(413, "too_deeply_nested", in_language("error.too_deeply_nested", "the JSON body is nested too deeply"),
                                      [{"message": in_language("error.code.too_deeply_nested", "nested too deeply"), "path": "/",
                                        "code": "too_deeply_nested"}])
            # a NUL or a lone surrogate reaches a parsed body only as a \u escape or, for a surrogate, as its raw
            # bytes (ED A0-BF ..: Python's json decodes bytes with "surrogatepass"); a raw NUL doesn't parse. A body
            # with neither needs no walk, which spares every ordinary submit a visit of each value
            raw = request.get_data(cache=True)
            if b"\\u" in raw or b"\xed" in raw:
                parts.append(("", body))
        elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            parts.append(("form", request.form.to_dict(flat=False)))
            parts.append(("files", [f.filename or "" for _, f in request.files.items(multi=True)]))
    refuse_unstorable_text(parts)
    return None


class BoundedInt(IntegerConverter):
    """``<int:...>`` that answers 404 past ``MAX_ID`` instead of handing the database an overflowing integer.

    Raising from the converter (not ``max=``, which only skips the rule) keeps the answer 404 for every
    method; a skipped rule made werkzeug answer 405 for methods another rule on the same path has.
    """

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > MAX_ID:
            raise NotFound(f"{value} is larger than any id")
        return number


def load_routes() -> None:
    """Import every route module (each registers its views and OpenAPI operations once)."""
    for name in areas.ROUTE_MODULES:
        importlib.import_module(name)


def init_app(app: Flask) -> None:
    load_routes()

    app.url_map.converters["int"] = BoundedInt  # before any route is added: ids past BIGINT are 404, not a driver overflow
    app.register_blueprint(bp)
    app.register_error_handler(FormflowError, _formflow_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, unexpected_error)
    limits.init_app(app)  # body bytes per route class, JSON depth before parsing
    auth.init_app(app)
    app.before_request(_refuse_unstorable_text)  # after authentication (a 401 costs no body parsing), before every view


def openapi_document() -> dict:
    return build_spec(OPERATIONS)


def standalone_openapi_document() -> dict:
    """The OpenAPI document without an app (``formflow openapi``: no database, no instance folder)."""
    load_routes()
    return build_spec(OPERATIONS)
