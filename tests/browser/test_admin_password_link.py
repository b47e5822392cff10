"""Set-password links in Chromium against the real app: the admin creates a user with "a set-password link" on the People
screen (no API, no JSON), the new user opens the link in their own browser (English or Chinese), is refused a weak
password at the field, sets a good one, signs in with it, and finds the link spent when opening it again. A reset from the
user's page makes a new link the same way. axe-core: 0 serious/critical on the People screen with the link, the user page
and the link page."""
from __future__ import annotations

from pathlib import Path

import pytest

from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from engine.runtime import Actor
from engine.services import users
from tests.browser.signin import sign_in

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

ADMIN = {"username": "ann.admin", "password": "violet harbour engine 42", "display_name": "Ann Admin"}
NEW_PASSWORD = "copper lantern drifts east"
#: the new user's browser texts, per language
TEXT = {
    "en": {"for": "Choose a password for the user lily", "password": "New password", "repeat": "New password again",
           "submit": "Set password", "done": "Your password is set", "used": "already used", "to_login": "Go to sign-in",
           "weak": "common"},
    "zh-CN": {"for": "为用户 lily", "password": "新密码", "repeat": "再次输入新密码", "submit": "设置密码", "done": "密码已设置",
              "used": "已被使用", "to_login": "前往登录", "weak": "常见"},
}


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_admin_creates_a_user_with_a_link_and_the_user_sets_a_password_and_signs_in(live_app, live_server, page, browser, axe_check, lang):
    rt = live_app.extensions["formflow"]
    users.create_user(rt, Actor.system(), ADMIN["username"], password=ADMIN["password"], display_name=ADMIN["display_name"],
                      roles=["admin"], check=False)
    sign_in(page, live_server, ADMIN["username"], ADMIN["password"])
    page.goto(live_server + "/admin/people")
    new_user = page.get_by_test_id("new-user")
    new_user.get_by_label("User name").fill("lily")
    new_user.get_by_label("Name", exact=True).fill("Lily Li")
    new_user.get_by_label("A set-password link: they choose their own password").check()
    new_user.get_by_role("button", name="Create user").click()
    link_box = page.get_by_label("Set-password link of Lily Li")
    expect(link_box).to_be_visible()
    link = link_box.input_value()
    assert "/set-password/" in link and link.startswith(live_server)
    expect(page.get_by_test_id("issued-password")).to_have_count(0)  # a link instead of a one-time password
    assert axe_check(page) == []

    user_context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US" if lang == "en" else "zh-CN")
    try:
        them = user_context.new_page()
        them.set_default_timeout(10_000)
        t = TEXT[lang]
        them.goto(link)
        expect(them.get_by_text(t["for"])).to_be_visible()
        assert axe_check(them) == []
        them.get_by_label(t["password"], exact=True).fill("password1234")
        them.get_by_label(t["repeat"]).fill("password1234")
        them.get_by_role("button", name=t["submit"]).click()
        expect(them.get_by_test_id("setpw-password-error")).to_contain_text(t["weak"])
        if lang == "en":
            them.screenshot(path=str(SCREENSHOTS / "page_set_password.png"))
        them.get_by_label(t["password"], exact=True).fill(NEW_PASSWORD)
        them.get_by_label(t["repeat"]).fill(NEW_PASSWORD)
        them.get_by_role("button", name=t["submit"]).click()
        expect(them.get_by_test_id("setpw-done")).to_contain_text(t["done"])
        assert axe_check(them) == []
        them.get_by_role("link", name=t["to_login"]).click()
        them.locator("#login-username").fill("lily")
        them.locator("#login-password").fill(NEW_PASSWORD)
        them.get_by_test_id("login-submit").click()
        them.get_by_test_id("nav-apps").wait_for()
        them.goto(link)  # spent
        expect(them.get_by_test_id("setpw-problem")).to_contain_text(t["used"])
    finally:
        user_context.close()

    # a reset from the user's page: a fresh link, after a confirmation
    page.goto(live_server + "/admin/people")
    page.get_by_role("link", name="Edit Lily Li").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Make a set-password link").click()
    fresh = page.get_by_label("Set-password link of Lily Li")
    expect(fresh).to_be_visible()
    assert fresh.input_value() != link
    assert axe_check(page) == []
