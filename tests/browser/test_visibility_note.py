"""The designer shows what a derived field's visibility follows (issue 18, point 5), in English and Chinese."""
from __future__ import annotations

from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

#: the admin who opens the designer (a real user, signed in through the login page)
ADMIN = {"username": "hanmei", "password": "correct-horse-battery-9"}


#: true once the designer has its definition and the fields' access (a click before that is lost)
READY = ("() => { const d = window.Alpine && Alpine.$data(document.querySelector('[data-testid=properties]'));"
         " return !!d && !d.loading && Object.keys(d.fieldAccess).length > 0; }")


def test_designer_says_weighted_amount_follows_amount(page, live_app, live_server):
    from engine.runtime import Actor
    from engine.services import app_templates, users

    rt = live_app.extensions["formflow"]
    users.create_user(rt, Actor.system(), ADMIN["username"], password=ADMIN["password"], roles=["admin"], check=False)
    app_templates.install_template(rt, Actor.system(), "crm")
    page.goto(live_server + "/")
    page.locator("#login-username").fill(ADMIN["username"])
    page.locator("#login-password").fill(ADMIN["password"])
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("nav-apps").wait_for()
    page.goto(live_server + "/apps/crm/forms/opportunity/design")
    page.wait_for_function(READY)
    page.get_by_test_id("field-weighted_amount").click()
    note = page.get_by_test_id("visibility-follows")
    expect(note).to_be_visible()
    expect(note).to_contain_text("Visibility follows:")
    expect(note).to_contain_text("Amount")
    expect(note).to_contain_text("Stage")
    page.get_by_test_id("field-name").click()  # a field made of nothing else has no note
    expect(note).to_be_hidden()
    page.goto(live_server + "/apps/crm/forms/customer/design?lang=zh-CN")
    page.wait_for_function(READY)
    page.get_by_test_id("field-won_amount").click(position={"x": 8, "y": 8})  # the icon: a narrow card's middle is its tools
    expect(note).to_be_visible()
    expect(note).to_contain_text("可见性跟随：")
    expect(note).to_contain_text("预计金额 (商机)")  # opportunity.amount, in the reader's language
    assert page.js_errors == []
