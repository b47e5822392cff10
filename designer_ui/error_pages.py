"""The page a person gets for an address the app refuses (404, 403, 405, 500) outside the API.

Werkzeug's own pages are bare English HTML without a viewport; these carry the app's header, the reader's
language and a link home. Paths under ``/api`` keep the API's JSON error body. An exception no view expected is
logged as the API logs it and answered with the same page (the API's JSON 500 is for API clients, not people).
"""
from __future__ import annotations

from typing import Any

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from designer_ui.i18n import gettext, request_locale
from designer_ui.views import page_context
from engine.api import unexpected_error
from engine.api.core import error_response, in_language

#: The text shown for each refused status (keys in the catalogues); any other status reads as the generic one.
STATUS_TEXTS = {403: "error.forbidden", 404: "error.not_found", 405: "errorpage.not_allowed", 500: "errorpage.internal"}
#: Statuses answered with the page (others keep Werkzeug's default handling).
PAGE_STATUSES = tuple(STATUS_TEXTS)


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def error_page(exc: HTTPException) -> Any:
    """The app's own page for ``exc`` (JSON under /api, as the API's handler answers)."""
    status = exc.code or 500
    if is_api_path(request.path):
        code = (exc.name or "error").lower().replace(" ", "_")  # as the API's own HTTPException answer words it
        response = error_response(status, code, in_language(f"error.{code}", exc.description or exc.name))
        if status == 405 and getattr(exc, "valid_methods", None):
            response[0].headers["Allow"] = ", ".join(exc.valid_methods)
        return response
    return _page(status, gettext(STATUS_TEXTS.get(status, "errorpage.internal"), request_locale()))


def unexpected_page(exc: Exception) -> Any:
    """An exception no view expected: the API's answer (it logs, and tells a number too large for the database, 422,
    from our fault, 500) as JSON under /api and as the page elsewhere."""
    answer = unexpected_error(exc)
    if is_api_path(request.path) or isinstance(exc, HTTPException):
        return answer
    response, status = answer
    if status != 500:  # the API's own words for what the request did wrong, already in the reader's language
        return _page(status, response.get_json()["error"]["message"])
    return _page(status, gettext("errorpage.internal", request_locale()))


def _page(status: int, message: str) -> Any:
    # an address no route matched has no blueprint: the layout's context (stylesheet, menu, badge) is given here
    html = render_template("error.html", status=status, message=message, **page_context())
    return html, status


def init_app(app: Flask) -> None:
    """Code-specific handlers win over the API's HTTPException handler (Flask looks a status code up first); the
    handler of any other exception replaces the API's own (registered before, by engine.api.init_app) and calls it."""
    for status in PAGE_STATUSES:
        app.register_error_handler(status, error_page)
    app.register_error_handler(Exception, unexpected_page)
