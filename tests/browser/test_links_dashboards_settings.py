"""Public links and workspace settings in a real Chromium, never through the API.

The admin publishes a public link to the CRM's customer form from the app's settings, copies it (the clipboard holds
it), an anonymous visitor in a new browser context submits through it, and the admin sees the submission arrive (the
count and a link to the new record). The admin changes the workspace's time zone and who publishes templates, and the
audit log, filtered to workspace changes, shows the change. Every new screen: axe-core clean, no horizontal overflow
at 390 px, the same screens in zh-CN; screenshots docs/screenshots/page_public_links.png, page_workspace_settings.png,
page_audit_log.png come from here.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.signin import crm_admin
from tests.browser.user_picker_steps import pick_user

expect = pytest.importorskip("playwright.sync_api").expect

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ADMIN = {"username": "zhaolei", "password": "violet canyon harbor 27", "display_name": "Zhao Lei"}
#: the phone width every new screen must fit without sideways scrolling
PHONE_WIDTH = 390


def _fits(page, width: int = PHONE_WIDTH) -> int:
    page.set_viewport_size({"width": width, "height": 844})
    width_used = page.evaluate("() => document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 800})
    return width_used


@pytest.fixture
def admin(live_app, live_server, page):
    return crm_admin(live_app, live_server, page, ADMIN)


def test_public_link_published_copied_filled_by_a_visitor_and_seen_arriving(admin, page, browser, axe_check):
    base = admin["url"]
    page.goto(base + "/apps/crm/settings")
    page.get_by_role("link", name="Public links").click()
    expect(page.get_by_role("heading", name=re.compile("Public links"), level=1)).to_be_visible()
    assert axe_check(page) == []
    assert _fits(page) <= PHONE_WIDTH

    # a refusal at its control, with what was typed kept
    page.get_by_label("Link name").fill("Website contact form")
    page.get_by_role("checkbox", name=re.compile(r"^Customer name")).uncheck()
    page.get_by_role("button", name="Publish link").click()
    expect(page.get_by_test_id("link-fields-error")).to_be_visible()
    expect(page.get_by_label("Link name")).to_have_value("Website contact form")
    page.get_by_role("checkbox", name=re.compile(r"^Customer name")).check()
    page.get_by_label("Thank-you text (English)").fill("Thanks, we will call you back.")
    page.get_by_role("button", name="Publish link").click()
    shown = page.get_by_label("Link", exact=True)
    expect(shown).to_be_visible()
    url = shown.input_value()
    assert re.fullmatch(re.escape(base) + r"/f/[A-Za-z0-9_-]{16,64}", url)
    expect(page.get_by_test_id("link-qr").locator("svg")).to_be_visible()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_test_id("link-published").get_by_role("status").last).to_have_text("Copied")
    assert page.evaluate("() => navigator.clipboard.readText()") == url
    assert axe_check(page) == []
    page.screenshot(path=str(SCREENSHOTS / "page_public_links.png"), full_page=True)

    # an anonymous visitor, in a browser context of their own
    visitor = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    try:
        form = visitor.new_page()
        form.goto(url)
        form.locator('input[name="name"]').fill("Acme Robotics Ltd")
        form.locator('input[name="phone"]').fill("13800138000")
        form.locator('button[type="submit"]').click()
        expect(form.get_by_test_id("public-thanks")).to_contain_text("Thanks, we will call you back.")
    finally:
        visitor.close()

    # the admin sees it arrive: the count and the new record, one click away
    page.goto(base + "/apps/crm/links")
    row = page.get_by_test_id("link-row").filter(has_text="Website contact form")
    expect(row.get_by_test_id("link-submissions")).to_have_text("1")
    row.get_by_test_id("link-record").click()
    expect(page.get_by_text("Acme Robotics Ltd").first).to_be_visible()

    # withdrawn: the visitor's link is a 404 from now on
    page.goto(base + "/apps/crm/links")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Withdraw “Website contact form”").click()
    expect(page.get_by_test_id("flashes")).to_contain_text("was withdrawn")
    assert page.request.get(url).status == 404

    page.goto(base + "/apps/crm/links?lang=zh-CN")
    expect(page.get_by_role("heading", name=re.compile("公开链接"), level=1)).to_be_visible()
    expect(page.get_by_role("button", name="发布链接")).to_be_visible()
    assert _fits(page) <= PHONE_WIDTH
    assert axe_check(page) == []
    assert page.js_errors == []


def test_settings_changed_and_the_audit_log_shows_it(admin, page, axe_check):
    base = admin["url"]
    page.goto(base + "/")
    page.get_by_role("link", name="Workspace settings").click()
    expect(page.get_by_role("heading", name="Workspace settings", level=1)).to_be_visible()
    assert axe_check(page) == []
    assert _fits(page) <= PHONE_WIDTH
    page.get_by_label("Workspace name").fill("")
    page.get_by_role("combobox", name="Time zone").select_option("Europe/Berlin")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_test_id("ws-name-error")).to_be_visible()
    expect(page.get_by_role("combobox", name="Time zone")).to_have_value("Europe/Berlin")   # kept
    page.get_by_label("Workspace name").fill("Acme Trading")
    page.get_by_role("combobox", name="Default language").select_option("zh-CN")
    page.get_by_role("radio", name="Its approver", exact=True).check()
    page.get_by_label("Workspace name").focus()   # saved by keyboard
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("flashes")).to_contain_text("The settings were saved.")
    expect(page.get_by_role("combobox", name="Time zone")).to_have_value("Europe/Berlin")
    page.screenshot(path=str(SCREENSHOTS / "page_workspace_settings.png"), full_page=True)

    page.get_by_role("link", name="Audit log").click()
    page.get_by_role("combobox", name="Kind").select_option("workspace")
    pick_user(page.get_by_test_id("audit-filter"), "User", ADMIN["username"], ADMIN["display_name"])  # searched, not listed
    page.get_by_role("button", name="Apply filter").click()
    rows = page.get_by_test_id("audit-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("workspace.settings")
    expect(rows.first).to_contain_text("Europe/Berlin")
    expect(rows.first).to_contain_text(ADMIN["display_name"])
    page.get_by_label("From", exact=True).fill("2001-01-01")
    page.get_by_label("To", exact=True).fill("2001-01-31")
    page.get_by_role("button", name="Apply filter").click()
    expect(page.get_by_test_id("audit-empty")).to_be_visible()
    page.get_by_role("link", name="Clear filter").click()
    expect(page.get_by_test_id("audit-row").first).to_be_visible()
    assert axe_check(page) == []
    assert _fits(page) <= PHONE_WIDTH
    page.screenshot(path=str(SCREENSHOTS / "page_audit_log.png"), full_page=True)

    page.goto(base + "/admin/audit?lang=zh-CN")
    expect(page.get_by_role("heading", name="审计日志", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="应用筛选")).to_be_visible()
    page.goto(base + "/admin/workspace?lang=zh-CN")
    expect(page.get_by_role("combobox", name="时区")).to_be_visible()
    assert _fits(page) <= PHONE_WIDTH
    assert axe_check(page) == []
    assert page.js_errors == []
