"""Defaults a new admin meets while building the reference scenario in Chromium, each acted as a person does.

Field keys come from the English label whatever language was typed last (pinyin only without one) and stay editable
until the first publish. A new app left without a key shows the key made from its name before it is created. A new notify step sends to
the form's Owner field and reads by name. A template previews with sample data before any record exists. Repeated
controls of fill rules and workflow times are named with their row.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.signin import crm_admin

ADMIN = {"username": "hanmei", "password": "correct-horse-battery-9", "display_name": "Han Mei"}


@pytest.fixture
def crm(live_app, live_server, page):
    return crm_admin(live_app, live_server, page, ADMIN)


def test_a_new_fields_key_comes_from_its_english_label_then_stays_editable(page, crm):
    page.goto(crm["url"] + "/apps/crm/forms/customer/design")
    page.get_by_test_id("field-need").wait_for()
    page.get_by_test_id("palette-text").click()
    page.get_by_role("textbox", name="Label (English)").fill("Customer no.")
    with page.expect_response("**/field-key"):
        page.get_by_role("textbox", name="Label (中文)").fill("客户编号")   # typed last: the key still reads English
    key = page.get_by_role("textbox", name="Name (used in rules)")
    expect(key).to_have_value("customer_no")
    expect(page.get_by_test_id("field-customer_no")).to_be_visible()
    key.fill("client_number")                                             # never published: the admin may rename it
    expect(page.get_by_test_id("field-client_number")).to_be_visible()
    assert page.js_errors == []


def test_a_new_app_shows_the_key_made_from_its_name_and_is_created_with_it(page, crm):
    page.goto(crm["url"] + "/apps/new")
    blank = page.get_by_role("region", name="Blank app")
    blank.get_by_label("Name (English)").fill("Sales follow-up")
    blank.get_by_label("Name (Chinese)").fill("销售跟进")
    key = blank.get_by_label("App key")
    expect(key).to_have_value("sales_follow_up")           # shown before saving, and still a box the admin may edit
    blank.get_by_role("button", name="Create app").click()
    expect(page).to_have_url(crm["url"] + "/apps/sales_follow_up/settings")
    assert page.js_errors == []


def test_a_new_notify_step_sends_to_the_forms_owner_field_and_reads_by_name(page, crm):
    page.goto(crm["url"] + "/apps/crm/workflows/editor?new=1")
    page.get_by_role("combobox", name="Form", exact=True).select_option("service_ticket")   # Owner field, not the owner
    step = page.locator("li[data-step]").first
    recipients = step.get_by_role("group", name="Recipients")
    expect(recipients.get_by_role("checkbox", name="Field: Account owner")).to_be_checked()
    expect(recipients.get_by_role("checkbox", name="Record owner (who created it)")).not_to_be_checked()
    expect(step.locator(".step-head strong")).to_have_text("1. Notify")                       # not its id notify_owner
    expect(step.get_by_role("button", name="Remove step 1. Notify")).to_be_visible()
    page.get_by_role("combobox", name="Add a step").select_option(label="Notify")
    page.get_by_role("button", name="Add", exact=True).click()
    added = page.locator("li[data-step]").nth(1)
    expect(added.get_by_role("group", name="Recipients").get_by_role("checkbox", name="Field: Account owner")).to_be_checked()
    assert page.js_errors == []


def test_a_template_previews_with_sample_data_before_any_record(page, crm):
    page.goto(crm["url"] + "/apps/crm/notification-templates/editor?key=follow_up_reminder_notice")
    expect(page.get_by_test_id("preview-sample")).to_have_text("Sample data: the form has no record yet.")
    expect(page.get_by_test_id("preview-body")).not_to_be_empty()
    expect(page.get_by_test_id("preview-error")).to_be_hidden()
    page.goto(crm["url"] + "/apps/crm/notification-templates/editor?key=follow_up_reminder_notice&lang=zh-CN")
    expect(page.get_by_test_id("preview-sample")).to_have_text("示例数据：此表单还没有记录。")
    assert page.js_errors == []


def test_repeated_row_controls_are_named_with_their_row(page, crm, axe_check):
    page.goto(crm["url"] + "/apps/crm/forms/follow_up/automations?lang=en")
    auto = page.get_by_test_id("automation-0")
    auto.get_by_role("button", name="Add fill rule").click()
    rows = auto.get_by_test_id("map-row").count()
    expect(auto.get_by_role("combobox", name=f"Target field, rule {rows}", exact=True)).to_be_visible()
    expect(auto.get_by_role("combobox", name=f"Filled with, rule {rows}", exact=True)).to_be_visible()
    expect(auto.get_by_role("combobox", name="Target field, rule 1", exact=True)).to_have_count(1)
    assert axe_check(page) == []
    page.goto(crm["url"] + "/apps/crm/forms/follow_up/automations?lang=zh-CN")
    expect(page.get_by_test_id("automation-0").get_by_role("combobox", name="目标字段（第 1 条）", exact=True)).to_have_count(1)
    page.goto(crm["url"] + "/apps/crm/workflows/editor?new=1&lang=en")
    page.get_by_role("button", name="Add a time").click()
    expect(page.get_by_role("spinbutton", name="Amount, time 2", exact=True)).to_be_visible()
    expect(page.get_by_role("combobox", name="Unit, time 1", exact=True)).to_be_visible()
    assert axe_check(page) == []
    assert page.js_errors == []
