"""A zh-CN reader who submits the follow-up form empty reads the server's refusals in Chinese (issue 21, point 8): the
required-field error, not "is required"; an upload the server refuses (an import file) reads in the page's language too,
though the browser itself prefers English (the context's locale is en-US)."""
from __future__ import annotations

import re

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


def test_zh_cn_page_shows_a_refused_upload_in_chinese_in_an_english_browser(page, live_app, live_server, tmp_path):
    crm_admin(live_app, live_server, page, ADMIN)
    page.goto(live_server + "/apps/crm/forms/customer/import?lang=zh-CN")
    bad = tmp_path / "photo.xlsx"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n not a workbook")
    page.get_by_test_id("import-file").set_input_files(str(bad))
    page.get_by_role("button", name="上传并匹配列").click()
    expect(page.get_by_test_id("import-error")).to_have_text(re.compile(r"[\u4e00-\u9fff]"))  # Chinese, not the English refusal
    assert page.js_errors == []
