"""Who is calling: resolves ``g.actor`` for every request, and the web-security policy around it.

An API client sends ``Authorization: Bearer <token>``; the browser holds a
login session in Flask's signed, HttpOnly, SameSite=Lax cookie. Every
state-changing request that rides on the cookie must carry the session's CSRF
token (header ``X-CSRF-Token`` or form field ``csrf_token``); bearer requests
can't be forged cross-site and skip it. Every ``/api`` route except
``PUBLIC_ENDPOINTS`` answers 401 without a user. Responses carry the
security headers below.
"""
from __future__ import annotations

import hmac
import os
import secrets
from datetime import timedelta

from flask import abort, current_app, Flask, g, request, session
from flask.sessions import SecureCookieSessionInterface

from engine.runtime import Actor
from engine.api.core import error_response, OPERATIONS
from engine.services import credentials
from engine.services.permissions import has_capability
from engine.services.users import get_user

#: API endpoints anyone may call
PUBLIC_ENDPOINTS = frozenset({"api.get_openapi", "api.use_password_link"})
#: methods that change nothing (no CSRF token needed)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: endpoints bound to a token in their own URL instead of a session (the public web form, /f/<token>): they act with no
#: signed-in user's authority, so a forged cross-site post gains nothing and they need no CSRF token (a set-password link's
#: secret travels in the body)
CSRF_EXEMPT_ENDPOINTS = frozenset({"public_form.submit", "api.use_password_link"})
#: where a CSRF token may come from: headers (fetch / htmx), then the form field
CSRF_HEADERS = ("X-CSRF-Token", "X-CSRFToken")
CSRF_FIELD = "csrf_token"
#: capability a state-changing API call needs, by route tag; endpoint names override the tag
WRITE_CAPABILITIES = {"apps": "design", "forms": "design", "notification templates": "templates"}
#: Endpoints whose capability differs from their tag's; None: the service decides (publishing a template: its approver
#: or its author, engine.notifications.lifecycle).
ENDPOINT_CAPABILITIES = {"approve_notification_template": "approve_templates", "reject_notification_template": "approve_templates",
                         "publish_notification_template": None}
#: the Content-Security-Policy every response carries: the vendored scripts need nothing inline and no eval
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
#: the session cookie's name (Flask's signed cookie; it holds the login session id and the CSRF token)
SESSION_COOKIE_NAME = "formflow_session"
ANONYMOUS = Actor(None, "anonymous", frozenset())


def _runtime():
    return current_app.extensions["formflow"]


def resolve_actor() -> Actor | None:
    """The caller, from a bearer token or the login session; None when not signed in (or the credential is bad)."""

    header = request.headers.get("Authorization")
    if header is not None:
        g.auth_method = "token"
        scheme, _, secret = header.partition(" ")
        return credentials.token_actor(_runtime(), secret.strip()) if scheme.lower() == "bearer" else None
    sid = session.get("sid")
    if sid:
        g.auth_method = "session"
        actor = credentials.session_actor(_runtime(), sid)
        if actor is None:
            session.pop("sid", None)
        return actor
    return None


def csrf_token() -> str:
    """The CSRF token of this browser session, made on first use."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_ok() -> bool:
    expected = session.get("csrf")
    if not expected:
        return False
    sent = next((request.headers[h] for h in CSRF_HEADERS if request.headers.get(h)), None)
    if sent is None and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sent = request.form.get(CSRF_FIELD)
    return bool(sent) and hmac.compare_digest(str(sent), expected)


def start_session(sid: str) -> None:
    """After a login: a fresh cookie content (new session id, new CSRF token), nothing kept from before."""
    lang = session.get("lang")
    session.clear()
    session["sid"] = sid
    session["csrf"] = secrets.token_urlsafe(32)
    if lang:
        session["lang"] = lang
    session.permanent = True


def end_session() -> None:

    credentials.logout(_runtime(), session.get("sid"))
    session.clear()


def _api_error(status: int, code: str, message: str, **headers):

    body, status = error_response(status, code, message)
    for k, v in headers.items():
        body.headers[k.replace("_", "-")] = v
    return body, status


def _required_capability() -> str | None:

    if request.method in SAFE_METHODS or not request.endpoint:
        return None
    name = request.endpoint.split(".", 1)[-1]
    if name in ENDPOINT_CAPABILITIES:
        return ENDPOINT_CAPABILITIES[name]
    for op in OPERATIONS:
        if op.view.__name__ == name and op.method == request.method:
            return WRITE_CAPABILITIES.get(op.tag)
    return None


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer made once per secret key (Flask makes one on every
    request, and making one encodes a test value)."""

    def __init__(self) -> None:
        self._serializers: dict[tuple, object] = {}

    def get_signing_serializer(self, app: Flask):
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        found = self._serializers.get(key)
        if found is None:
            found = self._serializers[key] = super().get_signing_serializer(app)
        return found


def init_app(app: Flask) -> None:
    app.session_interface = SessionCookies()
    app.config["SESSION_COOKIE_NAME"] = SESSION_COOKIE_NAME
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    # behind HTTPS set FORMFLOW_SECURE_COOKIES=1 (or SESSION_COOKIE_SECURE in the config)
    app.config["SESSION_COOKIE_SECURE"] = bool(app.config.get("SESSION_COOKIE_SECURE")) or os.environ.get("FORMFLOW_SECURE_COOKIES") == "1"
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", timedelta(hours=12))

    @app.before_request
    def _set_actor():
        g.auth_method = None
        actor = resolve_actor()
        g.actor = actor or ANONYMOUS
        is_api = request.path == "/api" or request.path.startswith("/api/")
        if is_api:
            if actor is None and request.endpoint not in PUBLIC_ENDPOINTS:
                if g.auth_method == "token":
                    return _api_error(401, "unauthorized", "the API token is unknown, expired or revoked", WWW_Authenticate='Bearer error="invalid_token"')
                return _api_error(401, "unauthorized", "sign in or send an API token (Authorization: Bearer ...)", WWW_Authenticate="Bearer")
        if request.method not in SAFE_METHODS and g.auth_method != "token" and request.endpoint not in CSRF_EXEMPT_ENDPOINTS and not csrf_ok():
            if is_api:
                return _api_error(403, "csrf_failed", "the CSRF token is missing or wrong; reload the page")

            abort(403, description="The form was stale or forged (CSRF token missing or wrong). Reload the page and try again.")
        needed = _required_capability() if is_api and actor is not None else None
        if needed:

            if not has_capability(_runtime(), actor, needed):
                return _api_error(403, "forbidden", f"your role may not do this (needs the {needed!r} capability)")

    @app.after_request
    def _security_headers(response):
        # the names a view set, looked at once (``setdefault`` per header scans them all each time)
        have = {name.lower() for name in response.headers.keys()}
        response.headers.extend([(name, value) for name, value in SECURITY_HEADERS.items() if name.lower() not in have])
        if "cache-control" not in have and (request.path.startswith("/api/") or g.get("auth_method")):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.context_processor
    def _auth_context():
        actor = g.get("actor")
        out = {"csrf_token": csrf_token()}
        if actor is not None and actor.user_id is not None and "user" not in out:
            out["user"] = _user_summary(actor.user_id)
        return out


def _user_summary(user_id: int) -> dict | None:

    try:
        u = get_user(_runtime(), user_id)
    except Exception:  # a user deleted mid-request renders as signed out
        return None
    return {"id": u["id"], "name": u["display_name"], "username": u["username"], "roles": u["roles"]}
