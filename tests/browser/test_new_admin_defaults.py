"""Defaults a new admin meets while building the reference scenario in Chromium, each acted as a person does.

Field keys come from the English label whatever language was typed last (pinyin only without one) and stay editable
until the first publish. A new app left without a key shows the key made from its name before it is created.
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
