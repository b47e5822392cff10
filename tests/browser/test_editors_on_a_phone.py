"""Issue 23: on a 390 px phone the editors have no horizontal overflow (Debian's Chromium, a phone-sized viewport).

The automation editor (an automation with its condition and fill rules open), the notification template editor (a new
template with its content boxes), and the workflow editor with a branch, its "otherwise" row and one record's fire
times and run log open: none is wider than the screen, and each keeps its Save / Publish buttons reachable.
"""
from __future__ import annotations

import re

from test_real_app import call, crm, ok, published  # noqa: F401  (fixtures)

from playwright.sync_api import expect

PHONE = {"width": 390, "height": 844}


def _fits(page) -> None:
    used = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert used[0] <= used[1] == PHONE["width"], used


def test_every_editor_fits_a_390_px_phone(page, published):
    base = published["url"]
    record = ok(call(base, "POST", "/api/apps/crm/forms/follow_up_reminder/records",
                     {"data": {"customer": published["acme"], "remind_at": "2030-03-10T09:00:00+08:00", "content": "Call Acme"}}))
    page.set_viewport_size(PHONE)

    page.goto(base + "/apps/crm/forms/follow_up/automations")
    auto = page.get_by_test_id("automation-0")
    expect(auto.get_by_test_id("cond-expression")).to_have_text("enable_reminder == true")
    expect(auto.get_by_test_id("map-row")).to_have_count(4)
    _fits(page)
    expect(page.get_by_test_id("save-draft")).to_be_in_viewport()
    page.get_by_test_id("publish").scroll_into_view_if_needed()
    expect(page.get_by_test_id("publish")).to_be_in_viewport()

    page.goto(base + "/apps/crm/notification-templates/editor?new=1")
    expect(page.get_by_role("textbox", name="Key", exact=True)).to_be_visible()
    _fits(page)

    page.goto(base + "/apps/crm/workflows/editor?new=1")
    page.get_by_role("textbox", name="Key", exact=True).fill("phone_branch")
    page.get_by_role("combobox", name="Form", exact=True).select_option("follow_up_reminder")
    page.get_by_role("combobox", name="Starts", exact=True).select_option(label="When a record is created or changed")
    page.get_by_role("combobox", name="Add a step").select_option(label="Branch on a condition")
    page.get_by_role("button", name="Add", exact=True).click()
    branch = page.locator("li[data-step='condition_1']")
    branch.get_by_role("button", name="Add condition").click()
    branch.get_by_role("combobox", name="Field", exact=True).select_option(label="Content")
    branch.get_by_role("textbox", name="Set value").fill("a rather long value that a phone has to wrap somewhere")
    branch.get_by_role("button", name=re.compile("^Add an otherwise branch to ")).click()
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("li[data-step='condition_1__else']")).to_be_visible()
    page.get_by_role("combobox", name="Record", exact=True).select_option(str(record["id"]))
    page.get_by_test_id("wf-next-times").click()
    page.get_by_role("button", name="Run log of this record").click()
    expect(page.get_by_test_id("record-runs-table")).to_be_visible()
    _fits(page)
    expect(page.get_by_role("button", name="Save draft")).to_be_in_viewport()
    expect(page.get_by_role("button", name="Publish")).to_be_in_viewport()
    assert page.js_errors == []
