"""The designer on the built-in CRM in Chromium (issue 21, point 5): a new field labelled in Chinese gets a pinyin key
that follows the label until the first publish (a published field's key is read-only); deleting a field that rules,
validations and automations use warns with those places, linked, before anything is deleted."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from engine.runtime import Actor
from engine.services import app_templates, forms as form_service, users

PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def crm(live_app, live_server):
    rt = live_app.extensions["formflow"]
    users.create_user(rt, Actor.system(), "lilei", password=PASSWORD, display_name="Li Lei", roles=["admin"],
                      timezone="Asia/Shanghai", check=False)
    app_templates.install_template(rt, Actor.system(), "crm")
    return {"url": live_server, "rt": rt}


def _designer(page, crm, lang="en"):
    page.goto(crm["url"] + "/login")
    page.locator("#login-username").fill("lilei")
    page.locator("#login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("nav-apps").wait_for()
    page.goto(crm["url"] + f"/apps/crm/forms/follow_up/design?lang={lang}")
    page.get_by_test_id("field-method").wait_for()


def test_a_new_field_from_a_chinese_label_gets_a_pinyin_key(page, crm, axe_check):
    _designer(page, crm)
    page.get_by_test_id("palette-text").click()
    page.locator("#p-label-zh").fill("客户名称")
    expect(page.locator("#p-name")).to_have_value("kehu_mingcheng")
    expect(page.get_by_test_id("field-kehu_mingcheng")).to_be_visible()
    expect(page.locator("#p-name-hint")).to_have_text("Made from the label until the first publish.")
    # a second field with the same label gets a key of its own
    page.get_by_test_id("palette-text").click()
    page.locator("#p-label-zh").fill("客户名称")
    expect(page.locator("#p-name")).to_have_value("kehu_mingcheng_2")
    # an English label, then a published field: its key is fixed
    page.get_by_test_id("palette-text").click()
    page.locator("#p-label-en").fill("Next visit plan")
    expect(page.locator("#p-name")).to_have_value("next_visit_plan")
    page.get_by_test_id("field-method").click()
    expect(page.locator("#p-name")).not_to_be_editable()
    expect(page.locator("#p-name-hint")).to_have_text("Fixed since the first publish: records, rules and templates use it.")
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("status")).to_have_text("Draft saved")
    ids = [f["id"] for f in form_service.get_draft(crm["rt"], "crm", "follow_up")["definition"]["fields"]]
    assert {"kehu_mingcheng", "kehu_mingcheng_2", "next_visit_plan"} <= set(ids)
    assert axe_check(page) == []
    assert page.js_errors == []


# the places are named in the reader's language (the CRM names its rules, validations and automations in both)
PLACES = {"en": ("Next follow-up time only with a reminder", "Next follow-up is in the future", "Create the follow-up reminder"),
          "zh-CN": ("开启跟进提醒时显示下次跟进时间", "下次跟进时间晚于当前时间", "自动创建跟进提醒")}


@pytest.mark.parametrize("lang, keep, anyway, rule_kind", [("en", "Keep the field", "Delete anyway", "Rule"),
                                                           ("zh-CN", "保留字段", "仍然删除", "规则")])
def test_a_delete_warns_with_the_places_that_use_the_field(page, crm, axe_check, lang, keep, anyway, rule_kind):
    rule_name, validation_name, automation_name = PLACES[lang]
    _designer(page, crm, lang)
    card = page.get_by_test_id("field-next_follow_up")
    card.get_by_test_id("delete").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_be_visible()
    rule = dialog.get_by_role("link", name=rule_name, exact=True)
    expect(rule).to_have_attribute("href", "/apps/crm/forms/follow_up/design")
    expect(dialog.get_by_role("link", name=validation_name, exact=True)).to_be_visible()
    expect(dialog.get_by_role("link", name=automation_name, exact=True)).to_have_attribute(
        "href", "/apps/crm/forms/follow_up/automations")
    expect(dialog.get_by_role("listitem").first).to_contain_text(rule_kind)
    assert axe_check(page) == []
    dialog.get_by_role("button", name=keep).click()
    expect(dialog).to_be_hidden()
    expect(card).to_be_visible()  # nothing was deleted
    card.get_by_test_id("delete").click()
    page.get_by_role("alertdialog").get_by_role("button", name=anyway).click()
    expect(page.get_by_test_id("field-next_follow_up")).to_have_count(0)
    # a field nobody uses goes at once
    page.get_by_test_id("field-result").get_by_test_id("delete").click()
    expect(page.get_by_test_id("field-result")).to_have_count(0)
    expect(page.get_by_role("alertdialog")).to_be_hidden()
    assert page.js_errors == []


@pytest.mark.parametrize("lang, label_box, renamed, deleted, group", [
    ("en", "#p-label-en", "Field 'Content' renamed to 'Notes'", "Field 'Result' deleted — 0 records have a value", "Fields"),
    ("zh-CN", "#p-label-zh", "字段“跟进内容”改名为“备注”", "删除字段“跟进结果”——0 条记录有值", "字段")])
def test_the_diff_reads_as_sentences_of_what_is_on_screen(page, crm, axe_check, lang, label_box, renamed, deleted, group):
    _designer(page, crm, lang)
    page.get_by_test_id("field-content").click()
    page.locator(label_box).fill("Notes" if lang == "en" else "备注")
    page.get_by_test_id("field-result").get_by_test_id("delete").click()
    expect(page.get_by_test_id("field-result")).to_have_count(0)
    page.get_by_test_id("diff").click()  # nothing saved: the diff is of what is on screen
    panel = page.get_by_test_id("diff-panel")
    expect(panel.get_by_role("listitem").filter(has_text=renamed)).to_have_count(1)
    expect(panel.get_by_role("listitem").filter(has_text=deleted)).to_have_count(1)
    expect(panel.get_by_role("listitem").first).to_have_text(group)
    text = panel.inner_text()
    for code in ("field_label_changed", "layout_changed", "first_publish", "field_deleted"):
        assert code not in text
    assert axe_check(page) == []
    assert page.js_errors == []
