"""Request budgets: how many bytes a request body may carry, per class of route, and how deeply its JSON may nest.

Werkzeug refuses a body past ``request.max_content_length`` with a 413 while reading it (a missing or lying
Content-Length and chunked bodies included); ``BoundedRequest`` answers that limit from the route's class:
file uploads, the public form, everything else. ``app.config["MAX_CONTENT_LENGTH"]`` stays a ceiling over all
of them. JSON is checked for depth (``engine.safety.json_too_deep``, a linear scan) before ``json.loads``
recurses; a body over ``MAX_JSON_DEPTH`` is a 413 naming the limit, never a RecursionError.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, Request, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from engine.api.core import caller_locale
from engine.errors import ErrorItem, FormflowError
from engine.safety import MAX_JSON_DEPTH, json_too_deep
from engine.services.web_forms import MAX_PUBLIC_BODY_BYTES

#: largest body of an ordinary request (JSON or form post), in bytes; definitions and records stop at 1 MB each
MAX_REQUEST_BYTES = 4 * 1024 * 1024
#: largest body of a file upload route: the largest file an attachment field may accept (100 MB) plus the multipart envelope
MAX_UPLOAD_REQUEST_BYTES = 101 * 1024 * 1024
#: routes whose body is a file (multipart), by endpoint
UPLOAD_ENDPOINTS = frozenset({"api.upload_import", "api.upload_attachment"})


class BodyTooDeep(FormflowError):
    """A JSON body nested deeper than ``MAX_JSON_DEPTH``."""

    status = 413
    code = "too_deeply_nested"

    def __init__(self) -> None:
        item = ErrorItem.coded("error.body.too_deep", path="/", code="too_deeply_nested",
                               extra={"limit": "MAX_JSON_DEPTH", "max": MAX_JSON_DEPTH}, max=MAX_JSON_DEPTH)
        super().__init__(item.message, [item], message_code="error.body.too_deep", params={"max": MAX_JSON_DEPTH},
                         limit="MAX_JSON_DEPTH", max=MAX_JSON_DEPTH)


class RequestTooLarge(FormflowError):
    """A body over its route's byte budget (werkzeug stops reading it)."""

    status = 413
    code = "request_too_large"

    def __init__(self, limit: int | None, name: str) -> None:
        item = ErrorItem.coded("error.body.larger_than", path="/", code="too_large", extra={"limit": name, "max": limit},
                               max=limit, limit=name)
        super().__init__(item.message, [item], message_code="error.body.larger_than", params={"max": limit, "limit": name},
                         limit=name, max=limit)


def body_limit(endpoint: str | None) -> int:
    """The byte budget of a request body for the route ``endpoint``."""
    if endpoint in UPLOAD_ENDPOINTS:
        return MAX_UPLOAD_REQUEST_BYTES
    if endpoint == "public_form.submit":

        return MAX_PUBLIC_BODY_BYTES
    return MAX_REQUEST_BYTES


class BoundedRequest(Request):
    """Flask's request with the body budget of its route and JSON checked for depth before it is parsed."""

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        if (force or self.is_json) and json_too_deep(self.get_data(cache=True)):
            raise BodyTooDeep()  # not a ValueError: get_json(silent=True) must not swallow it
        return super().get_json(force=force, silent=silent, cache=cache)

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is not None:  # set on this request by a view
            return self._max_content_length
        ceiling = super().max_content_length
        limit = body_limit(self.endpoint)
        return limit if ceiling is None else min(ceiling, limit)

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


def limit_name(endpoint: str | None) -> str:
    if endpoint in UPLOAD_ENDPOINTS:
        return "MAX_UPLOAD_REQUEST_BYTES"
    return "MAX_PUBLIC_BODY_BYTES" if endpoint == "public_form.submit" else "MAX_REQUEST_BYTES"


def _too_large(exc: RequestEntityTooLarge):
    """413 as the API's JSON envelope naming the budget (pages keep werkzeug's page)."""
    if not (request.path.startswith("/api") or request.is_json):
        return exc
    limit, name = request.max_content_length, limit_name(request.endpoint)
    refusal = RequestTooLarge(limit, name)
    return jsonify({"error": refusal.to_dict(caller_locale())}), 413


def init_app(app: Flask) -> None:
    app.request_class = BoundedRequest
    app.register_error_handler(RequestEntityTooLarge, _too_large)
