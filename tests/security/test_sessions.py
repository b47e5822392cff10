"""Browser sessions: sign-in, cookie flags, session fixation, CSRF, lockout, open redirects, security headers."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from engine.api import auth
from engine.runtime import Actor
from engine.services import credentials, users

PASSWORD = "a long enough password"


@pytest.fixture
def ann(app):
    rt = app.extensions["formflow"]
    return users.create_user(rt, Actor.system(), "ann", password=PASSWORD, roles=["member"], check=False)


@pytest.fixture
def root(app):
    rt = app.extensions["formflow"]
    return users.create_user(rt, Actor.system(), "root", password=PASSWORD, roles=["admin"], check=False)


def _session(app, client) -> dict:
    cookie = client.get_cookie(auth.SESSION_COOKIE_NAME)
    if cookie is None:
        return {}
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def _csrf(client) -> str:
    page = client.get("/login")
    return re.search(rb'name="csrf_token" value="([^"]+)"', page.data).group(1).decode()


def _login(client, username="ann", password=PASSWORD, **extra):
    return client.post("/login", data={"username": username, "password": password, "csrf_token": _csrf(client), **extra})


def test_pages_need_sign_in(app, anon):
    response = anon.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert anon.get("/login").status_code == 200


def test_sign_in_sets_a_hardened_cookie_and_signs_out(app, anon, ann):
    response = _login(anon)
    assert response.status_code == 302
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(auth.SESSION_COOKIE_NAME + "="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    me = anon.get("/api/me")
    assert me.status_code == 200 and me.get_json()["user"]["username"] == "ann"
    assert anon.get("/").status_code == 200
    # sign out needs the CSRF token too, and ends the session on the server
    stolen = anon.get_cookie(auth.SESSION_COOKIE_NAME).value
    csrf = _session(app, anon)["csrf"]
    assert anon.post("/logout").status_code == 403
    assert anon.post("/logout", data={"csrf_token": csrf}).status_code == 302
    assert anon.get("/api/me").status_code == 401
    replay = app.test_client()
    replay.set_cookie(auth.SESSION_COOKIE_NAME, stolen)
    assert replay.get("/api/me").status_code == 401  # the old cookie is dead server-side


def test_secure_cookie_flag_is_configurable(db_url, clock, tmp_path, ann):
    from formflow import create_app

    app = create_app({"DATABASE_URL": db_url, "CLOCK": clock, "TESTING": True, "SESSION_COOKIE_SECURE": True,
                      "INSTANCE_PATH": str(tmp_path / "i2"), "INSTALL_TEMPLATES": False})
    try:
        c = app.test_client()
        page = c.get("/login", base_url="https://localhost")
        cookie = next(h for h in page.headers.getlist("Set-Cookie") if h.startswith(auth.SESSION_COOKIE_NAME + "="))
        assert "Secure" in cookie
    finally:
        app.extensions["formflow"].db.dispose()


def test_attack_session_fixation_new_session_id_and_csrf_on_login(app, anon, ann):
    _csrf(anon)
    before = _session(app, anon)
    assert "sid" not in before and before.get("csrf")
    _login(anon)
    first = _session(app, anon)
    assert first["sid"] and first["csrf"] != before["csrf"]
    # a second sign-in in the same browser gets another id; the first one stops working
    anon.post("/logout", data={"csrf_token": first["csrf"]})
    _login(anon)
    second = _session(app, anon)
    assert second["sid"] != first["sid"]
    rt = app.extensions["formflow"]
    assert credentials.session_actor(rt, first["sid"]) is None
    assert credentials.session_actor(rt, second["sid"]).user_id == ann["id"]


def test_attack_login_csrf_missing_or_wrong_is_403(app, anon, ann):
    assert anon.post("/login", data={"username": "ann", "password": PASSWORD}).status_code == 403
    _csrf(anon)
    assert anon.post("/login", data={"username": "ann", "password": PASSWORD, "csrf_token": "forged"}).status_code == 403
    assert anon.get("/api/me").status_code == 401


def test_attack_csrf_on_api_with_the_session_cookie(app, anon, root):
    _login(anon, "root")
    token = _session(app, anon)["csrf"]
    body = {"key": "crm", "label": "CRM"}
    missing = anon.post("/api/apps", json=body)
    assert missing.status_code == 403 and missing.get_json()["error"]["code"] == "csrf_failed"
    assert anon.post("/api/apps", json=body, headers={"X-CSRF-Token": "nope"}).status_code == 403
    assert anon.post("/api/apps", json=body, headers={"X-CSRF-Token": token}).status_code == 201
    # the header name common.js and htmx use works too
    assert anon.patch("/api/apps/crm", json={"label": "CRM 2"}, headers={"X-CSRFToken": token}).status_code == 200
    # reads need no token
    assert anon.get("/api/apps").status_code == 200


def test_attack_password_guessing_locks_the_account(app, anon, ann, clock):
    """Locked per (user name, address): see tests/security/test_attack_auth.py for other addresses and growing waits."""
    for _ in range(credentials.MAX_FAILED_LOGINS):
        assert _login(anon, password="wrong password!").status_code == 401
    locked = _login(anon)  # even the right password, while locked
    assert locked.status_code == 429
    assert anon.get("/api/me").status_code == 401
    clock.advance(credentials.LOCKOUT_BASE_DELAY + timedelta(seconds=1))
    assert _login(anon).status_code == 302


def test_unknown_user_and_wrong_password_look_the_same(app, anon, ann):
    a = _login(anon, password="wrong password!")
    b = _login(anon, username="nobody-here")
    assert a.status_code == b.status_code == 401
    assert re.sub(rb'value="[^"]*"', b"", a.data) == re.sub(rb'value="[^"]*"', b"", b.data)


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_attack_open_redirect_after_login(app, anon, ann, target):
    response = _login(anon, next=target)
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_deactivated_user_session_ends(app, anon, ann, root):
    _login(anon)
    assert anon.get("/api/me").status_code == 200
    users.deactivate_user(app.extensions["formflow"], Actor(root["id"], "user:root", frozenset({"admin"})), ann["id"])
    assert anon.get("/api/me").status_code == 401
    assert _login(anon).status_code == 401


def test_security_headers_on_pages_and_api(app, anon, client):
    for response in (anon.get("/login"), client.get("/api/apps"), anon.get("/api/apps")):
        assert response.headers["Content-Security-Policy"] == auth.CONTENT_SECURITY_POLICY
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
        assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"
    assert client.get("/api/apps").headers["Cache-Control"] == "no-store"


def test_login_page_has_no_inline_script(app, anon):
    html = anon.get("/login").data.decode()
    assert not re.search(r"<script(?![^>]*\b(src|type=\"application/json\"))", html)
    assert not re.search(r"\son\w+=", html)


def test_oversized_request_is_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/api/apps", data=b"{" + b" " * 4096 + b"}", content_type="application/json")
    assert response.status_code == 413


def test_pages_carry_the_csrf_token_that_fetch_sends(app, anon, root):
    _login(anon, "root")
    page = anon.get("/").get_data(as_text=True)
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    assert meta == _session(app, anon)["csrf"]
    assert anon.post("/api/apps", json={"key": "crm", "label": "CRM"}, headers={"X-CSRFToken": meta}).status_code == 201
