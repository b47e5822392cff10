"""Attacks on signing in (issue 18, points 9 and 12): the login ``next`` open redirect, password changes without the
current password, weak passwords, tokens and sessions surviving a password change, and a lockout that let anyone lock
a user name from anywhere. Each test runs on SQLite and PostgreSQL (``app``)."""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import unquote

import pytest

from engine.api import auth
from engine.runtime import Actor
from engine.services import credentials, users

PASSWORD = "a long enough password"
NEW_PASSWORD = "quiet harbour lantern 42"
ADDRESS_A, ADDRESS_B = "198.51.100.7", "203.0.113.9"


@pytest.fixture
def ann(app):
    return users.create_user(app.extensions["formflow"], Actor.system(), "ann", password=PASSWORD, display_name="Ann Lee",
                             email="ann.lee@example.com", roles=["member"], check=False)


@pytest.fixture
def root(app):
    return users.create_user(app.extensions["formflow"], Actor.system(), "root", password=PASSWORD, roles=["admin"], check=False)


def _browser(app, address: str = ADDRESS_A):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _csrf(client) -> str:
    page = client.get("/login")
    return re.search(rb'name="csrf_token" value="([^"]+)"', page.data).group(1).decode()


def _login(client, username="ann", password=PASSWORD, **extra):
    return client.post("/login", data={"username": username, "password": password, "csrf_token": _csrf(client), **extra})


def _session_csrf(app, client) -> str:
    cookie = client.get_cookie(auth.SESSION_COOKIE_NAME)
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)["csrf"]


def _token(app, user: dict, name: str = "t") -> str:
    return credentials.create_token(app.extensions["formflow"], Actor.user(user["id"]), name)["token"]


def _bearer(app, token: str):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def _error(response) -> dict:
    return response.get_json()["error"]


# -- 9: open redirect ----------------------------------------------------------------

#: ``next`` targets a browser would take off-site (tab, CR, LF and spaces dropped, ``\\`` read as ``/``), URL-encoded
OFF_SITE_TARGETS = [
    "/%09/evil.example",            # the reported one: browsers drop the tab and go to //evil.example
    "/%0a/evil.example", "/%0d/evil.example", "%09//evil.example", "/%5C/evil.example", "/%5Cevil.example",
    "%2F%2Fevil.example", "//evil.example", "///evil.example", "https://evil.example/", "javascript:alert(1)",
    "/%E2%80%8B/evil.example",      # a zero-width space
    "/%C2%A0/evil.example",         # a no-break space
    "%20//evil.example", "evil.example",
]


def test_attack_open_redirect_next_with_control_characters_after_sign_in(app, ann):
    browser = _browser(app)
    assert _login(browser).status_code == 302
    for query in OFF_SITE_TARGETS:
        response = browser.get(f"/login?next={query}")  # signed in: the login page sends the user on at once
        assert response.status_code == 302 and response.headers["Location"] == "/", query
    for query in OFF_SITE_TARGETS[:4]:  # the same targets posted with the sign-in form
        posted = _login(_browser(app), next=unquote(query))
        assert posted.status_code == 302 and posted.headers["Location"] == "/", query


def test_attack_next_with_cr_lf_is_no_500_and_no_header_injection(app, ann):
    anon = _browser(app)
    page = anon.get("/login?next=/x%0d%0aSet-Cookie:%20planted=1")
    assert page.status_code == 200 and b"planted" not in b"".join(v.encode() for _, v in page.headers)
    response = _login(anon, next="/x\r\nSet-Cookie: planted=1")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "planted" not in str(response.headers)
    again = anon.get("/login?next=/x%0d%0aSet-Cookie:%20planted=1")
    assert again.status_code == 302 and again.headers["Location"] == "/"


def test_same_origin_next_still_works(app, ann):
    browser = _browser(app)
    assert _login(browser, next="/apps/crm?tab=records").headers["Location"] == "/apps/crm?tab=records"
    assert browser.get("/login?next=/inbox").headers["Location"] == "/inbox"


# -- 12: password change, strength, revocation --------------------------------------------

def test_attack_password_change_without_the_current_password_is_refused(app, ann):
    browser = _browser(app)
    _login(browser)
    csrf = {"X-CSRF-Token": _session_csrf(app, browser)}
    url = f"/api/users/{ann['id']}/password"
    missing = browser.put(url, json={"password": NEW_PASSWORD}, headers=csrf)
    assert missing.status_code == 422 and _error(missing)["errors"][0]["path"] == "/current_password"
    wrong = browser.put(url, json={"password": NEW_PASSWORD, "current_password": "not my password"}, headers=csrf)
    assert wrong.status_code == 422 and _error(wrong)["errors"][0]["code"] == "wrong_password"
    ok = browser.put(url, json={"password": NEW_PASSWORD, "current_password": PASSWORD}, headers=csrf)
    assert ok.status_code == 204
    assert browser.get("/api/me").status_code == 200  # the browser that changed it got a fresh session
    assert _login(_browser(app, ADDRESS_B), password=NEW_PASSWORD).status_code == 302
    assert _login(_browser(app, ADDRESS_B), password=PASSWORD).status_code == 401


def test_attack_guessing_the_current_password_counts_as_failed_sign_ins(app, ann):
    token = _bearer(app, _token(app, ann))
    token.environ_base["REMOTE_ADDR"] = ADDRESS_A
    url = f"/api/users/{ann['id']}/password"
    for _ in range(credentials.MAX_FAILED_LOGINS):
        assert token.put(url, json={"password": NEW_PASSWORD, "current_password": "a guess at it"}).status_code == 422
    assert token.put(url, json={"password": NEW_PASSWORD, "current_password": PASSWORD}).status_code == 429


@pytest.mark.parametrize("weak, reason", [("1234567890", "common"), ("aaaaaaaaaa", "repeat"), ("password123", "common"),
                                          ("qwertyuiop", "common"), ("abcdefghijkl", "sequence"), ("ann.lee@example.com", "user_name")])
def test_attack_common_and_weak_passwords_are_refused_saying_why(app, ann, root, weak, reason):
    admin = _bearer(app, _token(app, root))
    refused = admin.put(f"/api/users/{ann['id']}/password", json={"password": weak})
    assert refused.status_code == 422
    item = _error(refused)["errors"][0]
    assert item["path"] == "/password" and item["code"] == "weak_password" and item["reason"] == reason
    assert item["messages"]["en"] == item["message"] and item["messages"]["zh-CN"] and item["messages"]["zh-CN"] != item["message"]
    created = admin.post("/api/users", json={"username": "ann.lee", "email": "ann.lee@example.com", "password": weak})  # creating a user: the same policy
    assert created.status_code == 422 and _error(created)["errors"][0]["code"] == "weak_password"
    short = admin.put(f"/api/users/{ann['id']}/password", json={"password": "Xq7#p"})
    assert short.status_code == 422 and "密码至少需要" in _error(short)["errors"][0]["messages"]["zh-CN"]


def test_attack_tokens_and_other_sessions_survive_a_password_change(app, ann, root):
    phone, laptop = _browser(app), _browser(app, ADDRESS_B)
    _login(phone)
    _login(laptop)
    token_a, token_b = _bearer(app, _token(app, ann, "a")), _bearer(app, _token(app, ann, "b"))
    assert token_a.get("/api/me").status_code == 200
    changed = laptop.put(f"/api/users/{ann['id']}/password", json={"password": NEW_PASSWORD, "current_password": PASSWORD},
                         headers={"X-CSRF-Token": _session_csrf(app, laptop)})
    assert changed.status_code == 204
    assert token_a.get("/api/me").status_code == 401 and token_b.get("/api/me").status_code == 401
    assert phone.get("/api/me").status_code == 401      # the other session ended
    assert laptop.get("/api/me").status_code == 200     # this one was renewed
    # an admin's reset revokes the user's tokens and sessions too
    token_c = _bearer(app, _token(app, ann, "c"))
    admin = _bearer(app, _token(app, root))
    assert admin.put(f"/api/users/{ann['id']}/password", json={"password": "another quiet harbour 77"}).status_code == 204
    assert token_c.get("/api/me").status_code == 401 and laptop.get("/api/me").status_code == 401
    assert admin.get("/api/me").status_code == 200


def test_sign_out_everywhere_ends_sessions_and_on_request_tokens(app, ann):
    phone, laptop = _browser(app), _browser(app, ADDRESS_B)
    _login(phone)
    _login(laptop)
    token = _bearer(app, _token(app, ann))
    out = laptop.post("/api/me/sign-out-everywhere", json={}, headers={"X-CSRF-Token": _session_csrf(app, laptop)})
    assert out.status_code == 200 and out.get_json() == {"sessions_ended": 2, "tokens_revoked": 0}
    assert phone.get("/api/me").status_code == 401 and laptop.get("/api/me").status_code == 401
    assert token.get("/api/me").status_code == 200     # tokens only on request
    no_password = token.post("/api/me/sign-out-everywhere", json={"revoke_tokens": True})
    assert no_password.status_code == 422 and _error(no_password)["errors"][0]["path"] == "/current_password"
    assert token.get("/api/me").status_code == 200
    other = _bearer(app, _token(app, ann, "other"))
    done = token.post("/api/me/sign-out-everywhere", json={"revoke_tokens": True, "current_password": PASSWORD})
    assert done.status_code == 200 and done.get_json()["tokens_revoked"] == 2
    assert token.get("/api/me").status_code == 401 and other.get("/api/me").status_code == 401


def test_sign_out_everywhere_button_in_the_user_menu(app, ann):
    phone, laptop = _browser(app), _browser(app, ADDRESS_B)
    _login(phone)
    _login(laptop)
    page = laptop.get("/")
    assert b'data-testid="logout-everywhere"' in page.data
    assert laptop.post("/logout-everywhere").status_code == 403  # CSRF token needed
    response = laptop.post("/logout-everywhere", data={"csrf_token": _session_csrf(app, laptop)})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert phone.get("/api/me").status_code == 401 and laptop.get("/api/me").status_code == 401


# -- 12: lockout per (user name, address) -------------------------------------------------

def test_attack_wrong_passwords_from_one_address_lock_out_nobody_else(app, ann, clock):
    attacker, ann_at_work = _browser(app, ADDRESS_A), _browser(app, ADDRESS_B)
    for _ in range(credentials.MAX_FAILED_LOGINS):
        assert _login(attacker, password="wrong password!").status_code == 401
    locked = _login(attacker)   # even the right password, from the attacker's address
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) == 60
    assert _login(ann_at_work).status_code == 302   # ann, from her own address, signs in
    assert ann_at_work.get("/api/me").get_json()["user"]["username"] == "ann"


def test_attack_lockout_delays_grow_and_are_capped(app, ann, clock):
    attacker = _browser(app, ADDRESS_A)
    for _ in range(credentials.MAX_FAILED_LOGINS):
        _login(attacker, password="wrong password!")
    assert _login(attacker, password="wrong password!").status_code == 429   # refused tries don't count
    clock.advance(credentials.LOCKOUT_BASE_DELAY + timedelta(seconds=1))
    assert _login(attacker, password="wrong password!").status_code == 401   # one more try, then twice the wait
    clock.advance(credentials.LOCKOUT_BASE_DELAY + timedelta(seconds=1))
    assert _login(attacker).status_code == 429
    clock.advance(credentials.LOCKOUT_BASE_DELAY)
    assert _login(attacker).status_code == 302   # the right password after the wait; the pair starts over
    assert credentials.pair_wait(credentials.MAX_FAILED_LOGINS) == credentials.LOCKOUT_BASE_DELAY
    assert credentials.pair_wait(credentials.MAX_FAILED_LOGINS + 1) == 2 * credentials.LOCKOUT_BASE_DELAY
    assert credentials.pair_wait(10_000) == credentials.LOCKOUT_MAX_DELAY


def test_attack_one_address_guessing_many_user_names_is_still_limited(app, ann, clock):
    users.create_user(app.extensions["formflow"], Actor.system(), "mallory", password=PASSWORD, check=False)
    attacker = _browser(app, ADDRESS_A)
    for i in range(credentials.MAX_FAILED_LOGINS_PER_ADDRESS):
        assert _login(attacker, username=f"user{i}", password="wrong password!").status_code == 401
        if i == 10:  # signing in to one's own account on the way doesn't reset the count
            assert _login(_browser(app, ADDRESS_A), username="mallory").status_code == 302
    assert _login(attacker, username="ann").status_code == 429   # a name never tried, the right password: still held
    assert _login(_browser(app, ADDRESS_B), username="ann").status_code == 302
    clock.advance(credentials.LOCKOUT_WINDOW + timedelta(seconds=1))
    assert _login(attacker, username="ann").status_code == 302
