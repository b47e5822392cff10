"""The built-in CRM's rule and automation names in the reader's language, and typed per language in the editors.

A zh-CN admin opens the follow-up record's rules and automations: the lists name them in Chinese (the template's
{"en", "zh-CN"} names, engine/bilingual_text.py). The Chinese name of an automation is typed in its own input; the
saved draft keeps the English one beside it. Both pages: 0 serious/critical axe violations, every name input labelled.
"""
from __future__ import annotations

from playwright.sync_api import expect

from designer_ui.i18n import gettext
from engine.services import forms as form_service
from engine.runtime import Actor
from tests.browser.signin import crm_admin

ADMIN = {"username": "lilei", "password": "correct-horse-battery-9", "display_name": "Li Lei"}


def test_rules_and_automations_of_the_builtin_crm_read_in_chinese(page, live_app, live_server, axe_check):
    crm = crm_admin(live_app, live_server, page, ADMIN)
    page.goto(crm["url"] + "/apps/crm/forms/follow_up/design?lang=zh-CN")
    page.get_by_test_id("tab-rules").click()
    rule = page.get_by_test_id("rule-show_next_follow_up")
    expect(rule.get_by_test_id("rule-title")).to_have_text("开启跟进提醒时显示下次跟进时间")
    expect(rule.get_by_label("规则名称（中文）")).to_have_value("开启跟进提醒时显示下次跟进时间")
    expect(rule.get_by_label("规则名称（English）")).to_have_value("Next follow-up time only with a reminder")
    assert axe_check(page) == []

    page.goto(crm["url"] + "/apps/crm/forms/follow_up/automations?lang=zh-CN")
    auto = page.get_by_test_id("automation-0")
    expect(auto.get_by_role("heading", level=2)).to_have_text("自动创建跟进提醒")
    expect(auto.get_by_label("名称（English）")).to_have_value("Create the follow-up reminder")
    assert axe_check(page) == []

    auto.get_by_label("名称（中文）").fill("提交跟进记录后创建跟进提醒")
    expect(auto.get_by_role("heading", level=2)).to_have_text("提交跟进记录后创建跟进提醒")
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("status")).to_have_text(gettext("designer.saved_at", "zh-CN"))
    draft = form_service.get_draft(crm["rt"], "crm", "follow_up", Actor.system())
    name = next(a for a in draft["definition"]["automations"] if a["id"] == "create_reminder")["name"]
    assert name == {"en": "Create the follow-up reminder", "zh-CN": "提交跟进记录后创建跟进提醒"}
    assert page.js_errors == []
