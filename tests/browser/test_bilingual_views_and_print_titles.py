"""Saved-view names and print-template titles typed in English and 中文, read in the reader's language.

An admin saves a grid view of customers named "Key customers" / "重点客户" in its English and 中文 inputs; the view
list offers it by its English name, and in the zh-CN UI by its Chinese one; a kanban view named in Chinese only is
listed by that name. The admin then edits the shipped sales
contract's title in both languages in the template editor (labelled English and 中文 inputs); the saved draft keeps
{"en", "zh-CN"}, and the zh-CN editor shows both. Every page: 0 serious/critical axe violations.
"""
from __future__ import annotations

from playwright.sync_api import expect

from designer_ui.i18n import gettext
from engine.runtime import Actor
from engine.services import records, templates
from tests.browser.signin import crm_admin

STAGE = "initial"
ADMIN = {"username": "lilei", "password": "correct-horse-battery-9", "display_name": "Li Lei"}


def test_a_view_saved_with_a_chinese_name_is_listed_in_chinese(page, live_app, live_server, axe_check):
    crm = crm_admin(live_app, live_server, page, ADMIN)
    for name in ("华为技术 Huawei", "ACME"):  # (an empty grid's placeholder, an empty kanban fail axe today)
        customer = records.create_record(crm["rt"], Actor.system(), "crm", "customer", {"name": name, "level": "key"})
        records.create_record(crm["rt"], Actor.system(), "crm", "opportunity", {"name": f"{name} 5G", "customer": customer["id"],
                                                                                "stage": STAGE})
    page.goto(crm["url"] + "/apps/crm/forms/customer/grid")
    page.locator("#grid-filter summary").click()
    page.get_by_role("button", name="Save view as…").click()
    expect(page.get_by_label("View name (English)", exact=True)).to_be_focused()
    page.get_by_label("View name (English)", exact=True).fill("Key customers")
    page.get_by_label("View name (中文)", exact=True).fill("重点客户")
    found = axe_check(page)
    assert found == [], [(v["id"], [n["target"] for n in v["nodes"]], v["nodes"][0].get("failureSummary")) for v in found]
    page.get_by_role("button", name="Create view", exact=True).click()
    expect(page.locator("#grid-status")).to_contain_text("Key customers")
    views = page.get_by_label(gettext("records.grid.views", "en"), exact=True)
    expect(views.locator("option:checked")).to_have_text("Key customers")
    stored = page.request.get(crm["url"] + "/api/apps/crm/forms/customer/views").json()["items"]
    assert [v["name"] for v in stored] == [{"en": "Key customers", "zh-CN": "重点客户"}]

    page.goto(crm["url"] + "/apps/crm/forms/customer/grid?lang=zh-CN")
    views = page.get_by_label(gettext("records.grid.views", "zh-CN"), exact=True)
    expect(views.get_by_role("option", name="重点客户", exact=True)).to_have_count(1)
    views.select_option(label="重点客户")
    expect(views.locator("option:checked")).to_have_text("重点客户")
    page.locator("#grid-filter summary").click()
    page.get_by_role("button", name=gettext("records.grid.save_view", "zh-CN")).click()
    expect(page.get_by_label("视图名称（中文）", exact=True)).to_be_visible()
    expect(page.get_by_label("视图名称（English）", exact=True)).to_be_visible()
    assert axe_check(page) == []

    # a board's view too: a zh-CN reader names a kanban view in Chinese only; it is listed by that name
    page.goto(crm["url"] + "/apps/crm/forms/opportunity/kanban?lang=zh-CN")
    page.get_by_role("button", name=gettext("records.grid.save_view", "zh-CN")).click()
    page.get_by_label("视图名称（中文）", exact=True).fill("商机看板")
    page.locator("#board-save-form").get_by_role("button", name=gettext("records.grid.save", "zh-CN")).click()
    board_views = page.get_by_label(gettext("records.grid.views", "zh-CN"), exact=True)
    expect(board_views.locator("option:checked")).to_contain_text("商机看板")
    stored = page.request.get(crm["url"] + "/api/apps/crm/forms/opportunity/views").json()["items"]
    assert [v["name"] for v in stored] == [{"zh-CN": "商机看板"}]
    page.reload()
    expect(board_views.get_by_role("option", name="商机看板", exact=False)).to_have_count(1)
    found = axe_check(page)
    assert found == [], [(v["id"], [n["target"] for n in v["nodes"]]) for v in found]
    assert page.js_errors == []


def test_a_print_template_title_is_edited_in_both_languages(page, live_app, live_server, axe_check):
    crm = crm_admin(live_app, live_server, page, ADMIN)
    page.goto(crm["url"] + "/apps/crm/notification-templates/editor?key=customer_contract")
    english = page.get_by_label("Title and file name (English)", exact=True)
    chinese = page.get_by_label("Title and file name (中文)", exact=True)
    expect(english).to_have_value("Sales contract {{ display.name }}")
    expect(chinese).to_have_value("销售合同 {{ display.name }}")
    expect(page.get_by_label("Subject", exact=True)).to_be_hidden()  # a notification's subject box is not a print title
    english.fill("Sales contract for ")
    page.get_by_test_id("variable-picker").get_by_role("button", name="display.name").click()  # at the caret of the English title
    expect(english).to_have_value("Sales contract for {{ display.name }}")
    chinese.fill("销售合同（{{ display.name }}）")
    expect(page.get_by_test_id("status")).to_have_text("Draft saved", timeout=10_000)
    assert axe_check(page) == []
    working = templates.get_template(crm["rt"], "crm", "customer_contract", Actor.system())
    assert working["content"]["print"]["subject"] == {"en": "Sales contract for {{ display.name }}", "zh-CN": "销售合同（{{ display.name }}）"}

    # a title that does not compile is shown under its own language's input
    chinese.fill("销售合同 {{ display.nope }}")
    expect(page.get_by_test_id("print-title").get_by_role("alert")).to_have_count(1)
    expect(page.get_by_test_id("print-title").get_by_role("alert")).to_contain_text("nope")
    expect(page.locator("#tpl-title-zh ~ [role=alert]")).to_have_count(1)
    chinese.fill("销售合同（{{ display.name }}）")
    expect(page.get_by_test_id("status")).to_have_text("Draft saved", timeout=10_000)

    page.goto(crm["url"] + "/apps/crm/notification-templates/editor?key=customer_contract&lang=zh-CN")
    expect(page.get_by_label("标题和文件名（中文）", exact=True)).to_have_value("销售合同（{{ display.name }}）")
    expect(page.get_by_label("标题和文件名（English）", exact=True)).to_have_value("Sales contract for {{ display.name }}")
    assert axe_check(page) == []
    assert page.js_errors == []
