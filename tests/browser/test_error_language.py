"""A zh-CN reader who submits the follow-up form empty reads the server's refusals in Chinese (issue 21, point 8): the
required-field error, not "is required"."""
from __future__ import annotations

from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from tests.browser.signin import crm_admin

#: the salesperson-admin who fills the form (a real user, signed in through the login page)
ADMIN = {"username": "lilei", "password": "correct-horse-battery-7", "display_name": "Li Lei"}


def test_zh_cn_submit_shows_chinese_required_error(page, live_app, live_server, axe_check):
    crm_admin(live_app, live_server, page, ADMIN)
    page.goto(live_server + "/apps/crm/forms/follow_up/new?lang=zh-CN")
    page.get_by_test_id("fill-customer").wait_for()
    page.get_by_test_id("input-method").select_option("visit")
    page.get_by_test_id("input-content").fill("拜访")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("error-customer")).to_have_text("为必填项")
    assert page.get_by_test_id("input-content").input_value() == "拜访"
    assert axe_check(page) == []
    assert page.js_errors == []
