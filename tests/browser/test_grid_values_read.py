"""The records grid shows every value as people read it (issue 22), in Chromium, en and zh-CN: a roll-up of the last
follow-up's moment in the reader's zone and language (it showed 2026-12-04T13:18:05Z), a sum of amounts and an amount
with their currency and thousands separators, a choice's label in its colour, the owner by name; the inline editor
still edits the stored amount and the cell reads the new one with its currency; each row's checkbox is named by its
record ("Select Acme Ltd" / "选择 Acme Ltd", Tabulator said "Select Row"), the header's by what it selects; axe clean."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from engine.moments import format_moment
from engine.runtime import Actor
from engine.services import records as record_service
from signin import crm_admin  # tests/browser/signin.py

ADMIN = {"username": "wangfang", "password": "correct-horse-battery-5", "display_name": "王芳"}
FOLLOWED_AT = "2026-12-04T13:18:05Z"
TEXTS = {
    "en": {"select": "Select Acme Ltd", "page": "Select all rows on this page", "level": "Key", "total": "Total CNY 1,234,567.50",
           "next": ("Next", "Next page"), "last": ("Last", "Last page")},
    "zh-CN": {"select": "选择 Acme Ltd", "page": "选择本页所有行", "level": "重点", "total": "合计 CNY 1,234,567.50",
              "next": ("下一页", "下一页"), "last": ("末页", "末页")},
}


def _cell(page, title: str, field: str):
    row = page.locator("#grid .tabulator-row").filter(has=page.get_by_role("checkbox", name=title))
    return row.locator(f".tabulator-cell[tabulator-field=v_{field}]")


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_grid_cells_read_as_people_read_them(live_app, live_server, page, axe_check, lang):
    crm = crm_admin(live_app, live_server, page, ADMIN)
    rt, base, texts = crm["rt"], crm["url"], TEXTS[lang]
    owner = page.request.get(f"{base}/api/users", params={"search": ADMIN["display_name"]}).json()["items"][0]["id"]
    customer = record_service.create_record(rt, Actor.system(), "crm", "customer", {"name": "Acme Ltd", "level": "key", "owner": owner})
    record_service.create_record(rt, Actor.system(), "crm", "follow_up", {"customer": customer["id"], "method": "call",
                                                                             "followed_at": FOLLOWED_AT, "content": "Called"})
    record_service.create_record(rt, Actor.system(), "crm", "opportunity", {"name": "Acme rollout", "customer": customer["id"],
                                                                               "stage": "won", "amount": "1234567.50"})

    page.goto(f"{base}/apps/crm/forms/customer/grid?lang={lang}")
    expect(page.get_by_role("checkbox", name=texts["select"])).to_be_visible()
    expect(page.get_by_role("checkbox", name=texts["page"])).to_be_visible()
    expect(page.get_by_role("checkbox", name="Select Row")).to_have_count(0)
    for key in ("next", "last"):  # the pager's buttons, Tabulator's own words, read in the reader's language too
        shown, name = texts[key]
        expect(page.locator("#grid-pages").get_by_role("button", name=name, exact=True)).to_have_text(shown)
    expect(_cell(page, texts["select"], "last_follow_up_at")).to_have_text(format_moment(FOLLOWED_AT, lang, "Asia/Shanghai"))
    expect(_cell(page, texts["select"], "won_amount")).to_have_text("CNY 1,234,567.50")
    expect(_cell(page, texts["select"], "owner")).to_have_text("王芳")
    level = _cell(page, texts["select"], "level").locator(".choice-chip")
    expect(level).to_have_text(texts["level"])
    assert level.evaluate("e => getComputedStyle(e).getPropertyValue('--chip').trim()") == "#d9363e"
    assert axe_check(page) == []

    # an amount: with its currency; the inline editor edits the stored number, the cell then reads the new amount
    page.goto(f"{base}/apps/crm/forms/opportunity/grid?lang={lang}")
    select = {"en": "Select Acme rollout", "zh-CN": "选择 Acme rollout"}[lang]
    amount = _cell(page, select, "amount")
    expect(amount).to_have_text("CNY 1,234,567.50")
    expect(page.locator("#grid .tabulator-calcs-bottom .tabulator-cell[tabulator-field=v_amount]")).to_have_text(texts["total"])
    amount.dblclick()
    expect(amount.locator("input")).to_have_value("1234567.50")
    amount.locator("input").fill("2000")
    amount.locator("input").press("Enter")
    expect(amount).to_have_text("CNY 2,000.00")
    for _ in range(50):
        saved = page.request.get(f"{base}/api/apps/crm/forms/opportunity/records/table?search=Acme").json()["items"][0]["data"]["amount"]
        if saved == "2000.00":
            break
        page.wait_for_timeout(100)
    assert saved == "2000.00"
    assert axe_check(page) == []
    assert page.js_errors == []
