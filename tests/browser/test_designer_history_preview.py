"""The designer's History and Preview in Chromium on the built-in CRM (issue 21, points 3 and 4).

Preview: the admin writes a rule on the Rules tab (not published), opens Preview and the real generated form hides the
field until the rule's condition holds, then shows it; a sub-table dropped from the palette previews with a row to fill,
rows are added and removed; the phone preview is 390 px wide without horizontal overflow, also on a phone itself.
History: after a rename is published, the History panel names the version, who published it, and the rename as a
sentence (en and zh-CN); "restore as draft" brings the old label back on screen while the published form stays as it was.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from engine.services import forms as form_service
from tests.browser.signin import crm_admin

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

ADMIN = {"username": "lilei", "password": "correct-horse-battery-9", "display_name": "Li Lei"}


@pytest.fixture
def crm(live_app, live_server, page):
    return crm_admin(live_app, live_server, page, ADMIN)


def _no_overflow(target) -> bool:
    return target.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def _frame(page):
    return page.frame_locator("iframe[name='ff-preview']")


def test_the_preview_runs_the_drafts_rule_and_previews_sub_table_rows(page, crm, axe_check):
    page.goto(crm["url"] + "/apps/crm/forms/customer/design")
    page.get_by_test_id("field-need").wait_for()
    # a sub-table, dropped from the palette, with the column it starts with
    page.get_by_test_id("palette-subtable").click()
    page.locator("#p-label-en").fill("Products")
    columns = page.get_by_test_id("subfields-editor")
    columns.get_by_role("button", name="Add column").click()
    columns.get_by_role("textbox").first.fill("Product")
    # a rule, typed on the Rules tab: "Need" only for key customers (nothing saved, nothing published)
    page.get_by_role("tab", name="Rules").click()
    page.get_by_test_id("add-rule").click()
    expect(page.get_by_test_id("rule-builder-mode")).to_have_attribute("aria-pressed", "true")
    page.get_by_test_id("rule-raw-mode").click()
    expect(page.get_by_test_id("rule-raw")).to_be_visible()
    page.get_by_role("textbox", name="Rule name (English)").fill("Need only for key customers")
    page.get_by_test_id("rule-raw").fill("level == 'key'")
    page.get_by_test_id("add-effect").click()
    page.get_by_test_id("effect-field").select_option(label="Need")
    page.get_by_test_id("effect-visible").select_option(label="Yes")

    page.get_by_role("tab", name="Preview").click()
    form = _frame(page)
    expect(form.get_by_test_id("preview-note")).to_be_visible()
    level, need = form.get_by_label("Customer level"), form.get_by_label("Need")
    expect(level).to_be_visible()
    expect(need).to_be_hidden()                      # the rule's field waits for its condition
    level.select_option(label="Key")
    expect(need).to_be_visible()                     # ... and shows when it holds
    level.select_option(label="Main")
    expect(need).to_be_hidden()
    # the sub-table previews with a row to fill; rows are added and removed
    products = form.get_by_test_id("fill-products")
    rows = products.locator("tbody tr")
    expect(rows).to_have_count(1)
    products.get_by_role("button", name="Add row").click()
    expect(rows).to_have_count(2)
    rows.nth(1).get_by_role("textbox").fill("Printer")
    rows.nth(0).get_by_role("button", name="Remove row").click()
    expect(rows).to_have_count(1)
    expect(rows.nth(0).get_by_role("textbox")).to_have_value("Printer")
    # Submit in the preview checks the form as the real one does (the name is required), then saves nothing and says so
    form.get_by_test_id("submit").click()
    expect(form.get_by_test_id("form-error")).to_contain_text("please check the marked fields")
    form.get_by_label("Customer name").fill("Acme Ltd")
    form.get_by_test_id("submit").click()
    expect(form.get_by_test_id("form-error")).to_contain_text("This is a preview: nothing was saved.")
    assert form_service.get_draft(crm["rt"], "crm", "customer")["definition"].get("rules", []) == []  # still unsaved
    frame = page.frame(name="ff-preview")
    assert axe_check(frame) == []
    assert axe_check(page) == []

    # phone: the frame is a phone's width, and the form fits it
    page.get_by_test_id("preview-phone").click()
    expect(page.get_by_test_id("preview-phone")).to_have_attribute("aria-pressed", "true")
    page.wait_for_function("() => document.querySelector(\"iframe[name='ff-preview']\").clientWidth <= 390")
    assert _no_overflow(frame)
    page.set_viewport_size({"width": 390, "height": 844})
    assert _no_overflow(page)
    assert _no_overflow(frame)
    assert page.js_errors == []


@pytest.mark.parametrize("lang, history, renamed, by, restore, restored", [
    ("en", "History", "Field 'Customer name' renamed to 'Company'", "published by Li Lei", "Restore version 1 as draft",
     "Version 1 is now the draft"),
    ("zh-CN", "历史版本", "字段“客户名称”改名为“公司名称”", "由 Li Lei 于", "将版本 1 恢复为草稿", "版本 1 已恢复为草稿")])
def test_history_shows_who_when_what_and_restores_a_version_as_the_draft(page, crm, axe_check, lang, history, renamed, by,
                                                                          restore, restored):
    page.goto(crm["url"] + f"/apps/crm/forms/customer/design?lang={lang}")
    page.get_by_test_id("field-name").click()
    page.locator("#p-label-en").fill("Company")
    page.locator("#p-label-zh").fill("公司名称")
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("status")).to_contain_text("v2")

    page.get_by_role("button", name=history, exact=True).click()
    panel = page.get_by_test_id("history-panel")
    v2, v1 = panel.get_by_test_id("version-2"), panel.get_by_test_id("version-1")
    expect(v2.get_by_role("listitem").filter(has_text=renamed)).to_have_count(1)
    expect(v2).to_contain_text(by)
    expect(v1).to_be_visible()
    assert "field_label_changed" not in panel.inner_text()
    assert axe_check(page) == []
    if lang == "en":
        page.screenshot(path=str(SCREENSHOTS / "designer_history.png"))

    v1.get_by_role("button", name=restore).click()
    expect(page.get_by_test_id("status")).to_contain_text(restored)
    page.get_by_test_id("field-name").click()
    expect(page.locator("#p-label-en")).to_have_value("Customer name")
    rt = crm["rt"]
    draft = form_service.get_draft(rt, "crm", "customer")
    assert draft["published_version"] == 2 and next(f for f in draft["definition"]["fields"] if f["id"] == "name")["label"]["en"] == "Customer name"
    live = form_service.get_version(rt, "crm", "customer", 2)["definition"]
    assert next(f for f in live["fields"] if f["id"] == "name")["label"]["en"] == "Company"  # nothing published changed
    # undo brings back what was on screen before the restore
    page.get_by_test_id("undo").click()
    expect(page.locator("#p-label-en")).to_have_value("Company")
    page.set_viewport_size({"width": 390, "height": 844})
    assert _no_overflow(page)
    assert page.js_errors == []


@pytest.mark.parametrize("lang, label_box, new_label, kind", [("en", "#p-label-en", "Company", "Field"),
                                                              ("zh-CN", "#p-label-zh", "公司名称", "字段")])
def test_a_rename_shows_the_places_that_use_the_field(page, crm, axe_check, lang, label_box, new_label, kind):
    page.goto(crm["url"] + f"/apps/crm/forms/customer/design?lang={lang}")
    page.get_by_test_id("field-name").click()
    usage = page.get_by_test_id("rename-usage")
    expect(usage).to_be_hidden()                     # nothing renamed yet
    page.locator(label_box).fill(new_label)
    expect(usage).to_be_visible()
    contact = usage.get_by_role("listitem").filter(has=page.locator("a[href='/apps/crm/forms/contact/design']"))
    expect(contact).to_have_count(1)                 # the contact form's reference shows this field
    expect(contact).to_contain_text(kind)
    expect(usage.get_by_role("listitem").filter(has_text="/settings/title_field")).to_have_count(1)  # the form's title
    assert axe_check(page) == []
    assert page.js_errors == []


def test_a_refused_publish_names_each_broken_place_with_a_link(page, crm, axe_check):
    page.goto(crm["url"] + "/apps/crm/forms/customer/design")
    page.get_by_test_id("field-region").get_by_test_id("delete").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Delete anyway").click()
    expect(page.get_by_test_id("field-region")).to_have_count(0)
    page.get_by_test_id("publish").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_visible()
    places = summary.get_by_test_id("broken-place")
    place = places.filter(has_text="Dashboard")  # the sales dashboard groups by the region
    expect(place.get_by_role("link")).to_have_attribute("href", "/apps/crm/dashboards/sales")
    expect(places.filter(has_text="Sales contract")).to_have_count(1)  # the contract prints display.region
    assert form_service.get_draft(crm["rt"], "crm", "customer")["published_version"] == 1  # nothing published
    assert axe_check(page) == []
    assert page.js_errors == []


def test_sub_table_columns_are_labelled_in_both_languages(page, crm, axe_check):
    page.goto(crm["url"] + "/apps/crm/forms/customer/design?lang=zh-CN")
    page.get_by_test_id("palette-subtable").click()
    page.locator("#p-label-zh").fill("产品明细")
    columns = page.get_by_test_id("subfields-editor")
    columns.get_by_role("button", name="添加列").click()
    columns.get_by_role("textbox", name="第 1 列标题（英文）").fill("Product")
    columns.get_by_role("textbox", name="第 1 列标题（中文）").fill("产品")
    page.get_by_role("tab", name="预览").click()
    expect(page.locator("iframe[name='ff-preview']")).to_have_attribute("title", "草稿预览")
    table = _frame(page).get_by_role("table")
    expect(table.get_by_role("columnheader").first).to_have_text("产品")   # the reader's language, not 列1
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("status")).to_have_text("草稿已保存")
    saved = next(f for f in form_service.get_draft(crm["rt"], "crm", "customer")["definition"]["fields"]
                 if (f.get("label") or {}).get("zh-CN") == "产品明细")
    assert saved["options"]["fields"][0]["label"] == {"en": "Product", "zh-CN": "产品"}
    page.get_by_role("tab", name="设计").click()
    assert axe_check(page) == []
    page.set_viewport_size({"width": 390, "height": 844})
    assert _no_overflow(page)
    assert page.js_errors == []


def test_a_rule_edited_as_text_stays_text_when_a_new_fields_key_arrives(page, crm):
    """The key a new field takes from its label comes back from the server a moment later (later still on a busy
    machine); a rule the user has meanwhile opened as text must stay open as text, not flip back to the builder."""
    held = []
    page.route("**/field-key", lambda route: held.append(route))  # the answer waits until the test lets it through
    page.goto(crm["url"] + "/apps/crm/forms/customer/design")
    page.get_by_test_id("field-need").wait_for()
    page.get_by_test_id("palette-text").click()
    with page.expect_request("**/field-key"):
        page.locator("#p-label-en").fill("Budget owner")
    page.get_by_role("tab", name="Rules").click()
    page.get_by_test_id("add-rule").click()
    page.get_by_test_id("rule-raw-mode").click()
    expect(page.get_by_test_id("rule-raw")).to_be_visible()
    with page.expect_response("**/field-key"):
        held[0].continue_()
    page.get_by_role("tab", name="Design").click()
    expect(page.get_by_test_id("field-budget_owner")).to_be_visible()   # the key followed the label
    page.get_by_role("tab", name="Rules").click()
    expect(page.get_by_test_id("rule-raw")).to_be_visible()              # ... and the rule is still text
    page.get_by_test_id("rule-raw").fill("budget_owner == 'Li'")
    expect(page.get_by_test_id("rule-raw")).to_have_value("budget_owner == 'Li'")
