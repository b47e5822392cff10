"""One's own profile: ``PATCH /api/me`` and the /profile page's forms (details, password, tokens, sign out everywhere),
through the real app on SQLite and PostgreSQL. The browser walk of the page is tests/browser/test_profile_page.py."""
from __future__ import annotations

import re

import pytest

from engine import i18n
from engine.runtime import Actor
from engine.services import admin_audit, credentials, users

PASSWORD = "a long enough password"
NEW_PASSWORD = "quiet harbour lantern 42"


def _errors(response) -> dict[str, str]:
    body = response.get_json()["error"]
    return {e["path"]: e for e in body.get("errors", [])}


# -- PATCH /api/me ------------------------------------------------------------------

def test_patch_me_changes_own_name_email_zone_and_language(app, people, rt):
    ann = people["ann"].client
    out = ann.patch("/api/me", json={"display_name": "  Ann Lee ", "email": "ann@example.com", "timezone": "Europe/London",
                                     "locale": "zh-CN"})
    assert out.status_code == 200
    me = out.get_json()
    assert (me["display_name"], me["email"], me["timezone"], me["locale"]) == ("Ann Lee", "ann@example.com", "Europe/London", "zh-CN")
    assert ann.get("/api/me").get_json()["user"]["timezone"] == "Europe/London"
    # empty means none (the zone then follows the browser); a member needs no capability for their own profile
    cleared = ann.patch("/api/me", json={"email": "", "timezone": None})
    assert cleared.status_code == 200 and cleared.get_json()["email"] is None and cleared.get_json()["timezone"] is None
    assert people["vic"].client.patch("/api/me", json={"locale": "en"}).get_json()["locale"] == "en"
    entries = [e for e in admin_audit.list_entries(rt, action="user.profile") if e["target"] == f"user:{people['ann'].id}"]
    assert entries and sorted(entries[0]["details"]["changed"]) == ["email", "timezone"]
    # nobody else changed
    assert users.get_user(rt, people["bob"].id)["timezone"] is None


@pytest.mark.parametrize("body, path", [
    ({"email": "not an address"}, "/email"),
    ({"timezone": "Mars/Olympus_Mons"}, "/timezone"),
    ({"timezone": "../../etc/passwd"}, "/timezone"),
    ({"locale": "fr"}, "/locale"),
    ({"display_name": "   "}, "/display_name"),
    ({"display_name": "x" * 201}, "/display_name"),
    ({"roles": ["admin"]}, "/roles"),
    ({"is_active": False}, "/is_active"),
    ({"manager_id": 1}, "/manager_id"),
    ({"password_hash": "x"}, "/password_hash"),
    ({"email": 5}, "/email"),
])
def test_patch_me_refuses_bad_values_naming_the_path(app, people, rt, body, path):
    before = users.get_user(rt, people["ann"].id)
    out = people["ann"].client.patch("/api/me", json=body)
    assert out.status_code == 422, out.get_json()
    assert path in _errors(out)
    after = users.get_user(rt, people["ann"].id)
    assert after == before and after["roles"] == ["member"]


def test_patch_me_needs_a_signed_in_user_and_a_body(app, people, anon):
    assert anon.patch("/api/me", json={"timezone": "UTC"}).status_code == 401
    assert people["ann"].client.patch("/api/me", json={}).status_code == 422
    assert people["ann"].client.patch("/api/me", json=["timezone"]).status_code == 422


def test_patch_me_is_in_the_openapi_document(app, anon):
    spec = anon.get("/api/openapi.json").get_json()
    op = spec["paths"]["/api/me"]["patch"]
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    assert set(schema["properties"]) == set(users.OWN_PROFILE_FIELDS) and schema["additionalProperties"] is False
    assert {"200", "401", "422"} <= set(op["responses"])


# -- the /profile page ----------------------------------------------------------------

@pytest.fixture
def lin(app):
    return users.create_user(app.extensions["formflow"], Actor.system(), "lin", password=PASSWORD, display_name="Lin Chen",
                             email="lin@example.com", roles=["member"], check=False)


def _csrf(page: bytes) -> str:
    return re.search(rb'name="csrf-token" content="([^"]+)"', page).group(1).decode()


def _signed_in(app, username="lin", password=PASSWORD):
    client = app.test_client()
    client.post("/login", data={"username": username, "password": password, "csrf_token": _csrf(client.get("/login").data)})
    return client


def _field_errors(response) -> dict[str, str]:
    return dict(re.findall(r'data-testid="(\w+-\w+)-error">([^<]*)<', response.get_data(as_text=True)))


def test_profile_page_saves_details_and_shows_refusals_at_their_fields(app, lin):
    browser = _signed_in(app)
    page = browser.get("/profile")
    assert page.status_code == 200 and b'value="Lin Chen"' in page.data and b'<option value="Asia/Shanghai"' in page.data
    assert page.headers["Cache-Control"] == "no-store"
    token = _csrf(page.data)
    assert browser.post("/profile", data={"display_name": "Lin"}).status_code in (400, 403)   # CSRF token needed
    refused = browser.post("/profile", data={"csrf_token": token, "display_name": "Lin C", "email": "lin@", "timezone": "Nowhere/City",
                                             "locale": "en"})
    assert refused.status_code == 422
    errors = _field_errors(refused)
    assert set(errors) == {"profile-email", "profile-timezone"}
    assert 'value="Lin C"' in refused.get_data(as_text=True) and 'value="lin@"' in refused.get_data(as_text=True)  # typed, kept
    assert 'aria-describedby="profile-email-error"' in refused.get_data(as_text=True)
    saved = browser.post("/profile", data={"csrf_token": token, "display_name": "Lin C", "email": "lin.c@example.com",
                                           "timezone": "America/New_York", "locale": "zh-CN"})
    assert saved.status_code == 303 and saved.headers["Location"].endswith("/profile")
    assert browser.get_cookie("formflow_lang").value == "zh-CN"      # the UI follows the saved language
    after = browser.get("/profile").get_data(as_text=True)
    assert "个人信息已保存。" in after and "<option value=\"America/New_York\" selected>" in after
    assert users.get_user(app.extensions["formflow"], lin["id"])["timezone"] == "America/New_York"


def test_profile_page_password_change_reasons_in_the_ui_language(app, lin):
    browser = _signed_in(app)
    rt = app.extensions["formflow"]
    kept = credentials.create_token(rt, Actor.user(lin["id"]), "ci")
    token = _csrf(browser.get("/profile?lang=zh-CN").data)
    weak = browser.post("/profile/password", data={"csrf_token": token, "current_password": PASSWORD, "password": "password123",
                                                   "password_repeat": "password123"})
    assert weak.status_code == 422
    assert _field_errors(weak)["password-password"] == i18n.render("error.password.common", "zh-CN")
    assert PASSWORD not in weak.get_data(as_text=True) and "password123" not in weak.get_data(as_text=True)  # never echoed
    wrong = browser.post("/profile/password", data={"csrf_token": token, "current_password": "not it at all",
                                                    "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})
    assert _field_errors(wrong) == {"password-current_password": "当前密码不正确。"}
    slip = browser.post("/profile/password", data={"csrf_token": token, "current_password": PASSWORD,
                                                   "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD + "!"})
    assert set(_field_errors(slip)) == {"password-password_repeat"}
    other = _signed_in(app)
    done = browser.post("/profile/password", data={"csrf_token": token, "current_password": PASSWORD, "password": NEW_PASSWORD,
                                                   "password_repeat": NEW_PASSWORD})
    assert done.status_code == 303
    assert browser.get("/profile").status_code == 200              # this browser stays signed in, on a new session
    assert other.get("/profile").status_code == 302                # the other session ended
    assert credentials.token_actor(rt, kept["token"]) is None      # and the token was revoked
    assert _signed_in(app, password=NEW_PASSWORD).get("/profile").status_code == 200


def test_profile_page_tokens_shown_once_and_revoked(app, lin, people):
    rt = app.extensions["formflow"]
    browser = _signed_in(app)
    token = _csrf(browser.get("/profile").data)
    made = browser.post("/profile/tokens", data={"csrf_token": token, "name": "nightly export", "expires_in_days": "30"})
    assert made.status_code == 201 and made.headers["Cache-Control"] == "no-store"
    secret = re.search(r'value="(ffk_[^"]+)"', made.get_data(as_text=True)).group(1)
    assert credentials.token_actor(rt, secret).user_id == lin["id"]
    listed = browser.get("/profile").get_data(as_text=True)
    assert "nightly export" in listed and secret not in listed and secret[:12] in listed   # the prefix, never the secret again
    refused = browser.post("/profile/tokens", data={"csrf_token": token, "name": " ", "expires_in_days": "999"})
    assert set(_field_errors(refused)) == {"token-name", "token-expires_in_days"} and secret not in refused.get_data(as_text=True)
    tid = next(t["id"] for t in credentials.list_tokens(rt, Actor.user(lin["id"])) if t["name"] == "nightly export")
    # someone else's token: missing, and left alone
    bobs = credentials.list_tokens(rt, people["bob"].actor)[0]["id"]
    assert browser.post(f"/profile/tokens/{bobs}/revoke", data={"csrf_token": token}).status_code == 404
    assert people["bob"].client.get("/api/me").status_code == 200
    assert browser.post(f"/profile/tokens/{tid}/revoke", data={"csrf_token": token}).status_code == 303
    assert credentials.token_actor(rt, secret) is None
    # at the limit of live tokens: refused for the whole form, in words
    for n in range(credentials.MAX_TOKENS_PER_USER):
        credentials.create_token(rt, Actor.user(lin["id"]), f"bulk {n}")
    full = browser.post("/profile/tokens", data={"csrf_token": token, "name": "one more", "expires_in_days": "30"})
    assert full.status_code == 422 and _field_errors(full) == {"token-_": "You have too many live tokens: revoke some first."}
    assert 'value="one more"' in full.get_data(as_text=True)


def test_profile_page_sign_out_everywhere_revokes_tokens_only_with_the_password(app, lin):
    rt = app.extensions["formflow"]
    kept = credentials.create_token(rt, Actor.user(lin["id"]), "ci")["token"]
    browser, other = _signed_in(app), _signed_in(app)
    token = _csrf(browser.get("/profile").data)
    refused = browser.post("/profile/sign-out-everywhere", data={"csrf_token": token, "revoke_tokens": "1"})
    assert refused.status_code == 422 and set(_field_errors(refused)) == {"sessions-current_password"}
    assert 'id="sessions-revoke-tokens" type="checkbox" name="revoke_tokens" value="1" checked' in refused.get_data(as_text=True)
    assert other.get("/profile").status_code == 200
    done = browser.post("/profile/sign-out-everywhere", data={"csrf_token": token, "revoke_tokens": "1", "current_password": PASSWORD})
    assert done.status_code == 303 and "/login" in done.headers["Location"]
    assert browser.get("/profile").status_code == 302 and other.get("/profile").status_code == 302
    assert credentials.token_actor(rt, kept) is None


def test_saved_language_is_the_ui_language_of_a_browser_that_chose_none(app, lin):
    users.update_own_profile(app.extensions["formflow"], Actor.user(lin["id"]), {"locale": "zh-CN"})
    browser = _signed_in(app)
    page = browser.get("/profile", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="zh-CN"' in page.get_data(as_text=True) and "个人资料" in page.get_data(as_text=True)
    # an explicit choice in this browser still wins
    assert '<html lang="en"' in browser.get("/profile?lang=en").get_data(as_text=True)
    assert '<html lang="en"' in browser.get("/profile").get_data(as_text=True)
    # signed out, the browser's language
    assert '<html lang="en"' in app.test_client().get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
