"""The record page as people read it, in Debian's Chromium against the REAL app (CRM with demo data, SQLite).

A customer's page shows its values readable (the last follow-up as a local date and time, not raw ISO; choices as
their labels, not codes; the owner by name), its follow-ups as a small table of their key columns, and an "add" per
related form: "New Contact" opens the contact form with the customer filled in, and saving an edit comes back to
the record page. The same page in zh-CN; at 390 px nothing overflows; axe-core clean; no JavaScript error.
"""
from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from signin import crm_admin  # tests/browser/signin.py

ADMIN = {"username": "wangfang", "password": "correct-horse-battery-9", "display_name": "王芳"}
PHONE_WIDTH = 390
RAW_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@pytest.fixture
def signed_in(live_app, live_server, page):
    return crm_admin(live_app, live_server, page, ADMIN, demo_customers=2000)  # the scale issue 22 names


def _customer_with_follow_ups(rt) -> tuple[int, dict]:
    """The id and data of a demo customer with follow-ups."""
    with rt.db.read() as conn:
        row = conn.execute(sa.text(
            "SELECT c.id, c.data FROM records c JOIN forms fc ON fc.id = c.form_id AND fc.key = 'customer' "
            "WHERE c.deleted_at IS NULL AND EXISTS (SELECT 1 FROM records f JOIN forms ff ON ff.id = f.form_id AND ff.key = 'follow_up' "
            "WHERE f.deleted_at IS NULL AND json_extract(f.data, '$.customer') = c.id) ORDER BY c.id LIMIT 1")).first()
    assert row is not None, "the demo data has follow-ups"
    return row[0], json.loads(row[1]) if isinstance(row[1], str) else row[1]


def test_customer_page_reads_like_people_write(signed_in, page, axe_check):
    base, rt = signed_in["url"], signed_in["rt"]
    cid, data = _customer_with_follow_ups(rt)
    page.goto(f"{base}/apps/crm/forms/customer/records/{cid}")
    fields = page.get_by_test_id("record-fields")
    expect(fields).to_be_visible()
    # values as people read them: no raw ISO moment, no choice code, the owner by name
    assert not RAW_ISO.search(fields.inner_text())
    # in the reader's language conventions (engine.moments): "Feb 6, 2026, 10:40 PM", and "2026年2月6日 22:40" in Chinese
    expect(page.get_by_test_id("value-last_follow_up_at")).to_have_text(re.compile(r"^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s[AP]M$"))
    page.goto(f"{base}/apps/crm/forms/customer/records/{cid}?lang=zh-CN")
    expect(page.get_by_test_id("value-last_follow_up_at")).to_have_text(re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}$"))
    page.goto(f"{base}/apps/crm/forms/customer/records/{cid}?lang=en")
    level = page.get_by_test_id("value-level")
    if data.get("level"):
        expect(level).not_to_have_text(data["level"])
        expect(level.locator(".choice-chip")).to_have_count(1)
    segment = page.get_by_test_id("value-rfm_segment")  # a formula's text result, named by the form
    expect(segment.locator(".choice-chip")).to_have_text(re.compile(r"^(Strong active|Strong intent|Weak intent|No intent)$"))
    if data.get("owner"):
        expect(page.get_by_test_id("value-owner")).not_to_have_text(str(data["owner"]))
    # follow-ups: a small table with its key columns, the serial linking to the follow-up
    follow_ups = page.get_by_test_id("related-follow_up-customer")
    table = follow_ups.get_by_role("table")
    expect(table.get_by_role("columnheader", name="Follow-up No.")).to_be_visible()
    expect(table.get_by_role("columnheader", name="Method")).to_be_visible()
    expect(table.get_by_role("row").nth(1).get_by_role("link")).to_have_text(re.compile(r"^GJ-\d{8}-\d{4}$"))
    assert not RAW_ISO.search(table.inner_text())
    expect(follow_ups.get_by_role("link", name="New Follow-up")).to_be_visible()
    assert axe_check(page) == []

    # add a contact from the customer: the link is filled in; saving opens the new contact
    page.get_by_test_id("related-contact-customer").get_by_role("link", name="New Contact").click()
    expect(page).to_have_url(re.compile(rf"/forms/contact/new\?customer={cid}$"))
    expect(page.get_by_text(data["name"]).first).to_be_visible()
    page.get_by_label("Name").first.fill("测试联系人")
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(re.compile(r"/forms/contact/records/\d+$"))
    expect(page.get_by_test_id("value-customer")).to_have_text(data["name"])

    # edit the customer and save: back on the record page with the new value
    page.goto(f"{base}/apps/crm/forms/customer/records/{cid}")
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Address").fill("上海市浦东新区世纪大道 100 号")
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(re.compile(rf"/forms/customer/records/{cid}$"))
    expect(page.get_by_test_id("value-address")).to_have_text("上海市浦东新区世纪大道 100 号")

    # zh-CN, and a phone's width without horizontal overflow
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    page.goto(f"{base}/apps/crm/forms/customer/records/{cid}?lang=zh-CN")
    expect(page.get_by_test_id("related-follow_up-customer").get_by_role("columnheader", name="跟进编号")).to_be_visible()
    expect(page.get_by_test_id("related-contact-customer").get_by_role("link", name="新建联系人")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE_WIDTH
    assert axe_check(page) == []
    assert page.js_errors == []
