"""Choices read as people name them, in Chromium against the real CRM (a new user's walk, issue 21 / 22).

While a customer is filled in, the RFM segment (a formula whose result the field names among its choices) shows the
choice's label as the user types, "No intent" / "无意向", never the stored code "no_intent". On the saved customer's
page the level chip carries its choice's colour: the page's Content-Security-Policy refuses inline style attributes,
so the colour has to arrive another way, and the browser reports no refused style. The list shows a record's title
once: its first column is the title, so the title's field is not a default column again (issue 22).
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from engine.runtime import Actor
from engine.services import records as record_service
from signin import crm_admin  # tests/browser/signin.py

ADMIN = {"username": "wangfang", "password": "correct-horse-battery-9", "display_name": "王芳"}
KEY_RED = "rgb(217, 54, 62)"  # the CRM's "Key" level, #d9363e


@pytest.fixture
def signed_in(live_app, live_server, page):
    return crm_admin(live_app, live_server, page, ADMIN)


@pytest.mark.parametrize("lang, segment, name_label, level_label, key, submit", [
    ("en", "No intent", "Customer name", "Customer level", "Key", "Submit"),
    ("zh-CN", "无意向", "客户名称", "客户等级", "重点", "提交"),
])
def test_a_formula_choice_reads_as_its_label_and_a_chip_shows_its_colour(signed_in, page, axe_check, lang, segment,
                                                                         name_label, level_label, key, submit):
    refused_styles = []
    page.on("console", lambda m: refused_styles.append(m.text) if m.type == "error" and "style-src" in m.text else None)
    page.goto(f"{signed_in['url']}/apps/crm/forms/customer/new?lang={lang}")
    expect(page.get_by_role("status", name="RFM segment" if lang == "en" else "RFM客户分层")).to_have_text(segment)
    expect(page.get_by_text(re.compile(r"no_intent|strong_active|weak_intent"))).to_have_count(0)  # nor in the help

    page.get_by_label(name_label).fill("Chip Colour Ltd")
    page.get_by_label(level_label).select_option(label=key)
    page.get_by_role("button", name=submit).click()
    page.wait_for_url("**/apps/crm/forms/customer/records/*")
    chip = page.get_by_test_id("value-level").locator(".choice-chip")
    expect(chip).to_have_text(key)
    assert chip.evaluate("el => getComputedStyle(el).borderLeftColor") == KEY_RED
    assert refused_styles == []
    assert axe_check(page) == []
    assert page.js_errors == []


def test_the_list_shows_a_records_title_once(signed_in, page):
    record_service.create_record(signed_in["rt"], Actor.system(), "crm", "customer", {"name": "Once Only Ltd", "level": "key"})
    page.goto(f"{signed_in['url']}/apps/crm/forms/customer/records")
    row = page.get_by_role("row", name="Once Only Ltd")
    expect(row.get_by_role("link", name="Once Only Ltd")).to_be_visible()
    expect(row.get_by_role("cell", name="Key")).to_be_visible()  # a choice by its label
    assert row.get_by_role("cell").all_inner_texts().count("Once Only Ltd") == 1
    expect(page.get_by_role("button", name="Sort by Customer name")).to_have_count(0)  # its column can still be chosen
