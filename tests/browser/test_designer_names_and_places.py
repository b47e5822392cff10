"""The designer as a new user finds it by role and name (issue 21): the everyday actions have names no other button
shares ("Publish" is one button, not also "Compare with published"; each field's Delete names its field), and a
refused publish names each broken place as a person reads it ("Validation “…” — condition"), by its name in the reader's
language (the CRM's validations and automations are named in English and Chinese), the path in a tooltip."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from engine.runtime import Actor
from engine.services import app_templates, users

PASSWORD = "correct-horse-battery-9"
WORDS = {"en": {"publish": "Publish", "diff": "What changed", "delete": "Delete field {}", "anyway": "Delete anyway",
                "validation": "Validation “next follow-up is in the future” — ",
                "automation": "Automation “create the follow-up reminder” — value for field Reminder time"},
         "zh-CN": {"publish": "发布", "diff": "查看变更", "delete": "删除字段 {}", "anyway": "仍然删除",
                   "validation": "校验“下次跟进时间晚于当前时间” — ",
                   "automation": "自动化“自动创建跟进提醒” — 字段“提醒时间”的取值"}}


@pytest.fixture
def crm(live_app, live_server):
    rt = live_app.extensions["formflow"]
    users.create_user(rt, Actor.system(), "lilei", password=PASSWORD, display_name="Li Lei", roles=["admin"],
                      timezone="Asia/Shanghai", check=False)
    app_templates.install_template(rt, Actor.system(), "crm")
    return {"url": live_server, "rt": rt}


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_actions_have_names_of_their_own_and_a_refused_publish_names_places(page, crm, axe_check, lang):
    words = WORDS[lang]
    page.goto(crm["url"] + "/login")
    page.locator("#login-username").fill("lilei")
    page.locator("#login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("nav-apps").wait_for()
    page.goto(crm["url"] + f"/apps/crm/forms/follow_up/design?lang={lang}")
    page.get_by_test_id("field-method").wait_for()

    expect(page.get_by_role("button", name=words["publish"])).to_have_count(1)  # substring match, as a test would write it
    expect(page.get_by_role("button", name=words["diff"])).to_have_count(1)
    card = page.get_by_test_id("field-next_follow_up")
    title = card.locator(".title span").first.inner_text()
    delete = page.get_by_role("button", name=words["delete"].format(title))
    expect(delete).to_have_count(1)

    delete.click()
    page.get_by_role("alertdialog").get_by_role("button", name=words["anyway"]).click()
    expect(card).to_have_count(0)
    page.get_by_role("button", name=words["publish"]).click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link").filter(has_text=words["validation"]).first).to_be_visible()
    expect(summary.get_by_role("link").filter(has_text=words["automation"]).first).to_have_attribute(
        "title", "automations.0.action.map.2.from")
    text = summary.inner_text()
    assert "validations.0" not in text and "automations.0.action" not in text
    assert axe_check(page) == []
    assert page.js_errors == []


def test_each_automations_delete_names_its_automation(page, crm):
    page.goto(crm["url"] + "/login")
    page.locator("#login-username").fill("lilei")
    page.locator("#login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("nav-apps").wait_for()
    page.goto(crm["url"] + "/apps/crm/forms/follow_up/automations?lang=en")
    delete = page.get_by_role("button", name="Delete create the follow-up reminder")
    expect(delete).to_have_count(1)
    expect(delete).to_have_attribute("data-testid", "remove-automation")
    assert page.js_errors == []
