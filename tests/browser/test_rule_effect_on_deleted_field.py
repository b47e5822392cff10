"""A rule's effect on a deleted field says so (issue 21: "after a refused publish the rule's effect dropdown shows
another field's name"). The admin deletes "Next follow-up time" anyway, the publish is refused, and on the Rules tab
the effect's field still reads "Next follow-up time (next_follow_up)" under "Deleted fields" (删除的字段 in
Chinese), not "Follow-up No.", the first field, as if that were the rule's target.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from signin import crm_admin  # tests/browser/signin.py

ADMIN = {"username": "wangfang", "password": "correct-horse-battery-9", "display_name": "王芳"}
WORDS = {"en": ("Next follow-up time", "Delete field {}", "Delete anyway", "Publish", "Rules", "Rule name", "Field"),
         "zh-CN": ("下次跟进时间", "删除字段 {}", "仍然删除", "发布", "规则", "规则名称", "字段")}


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_an_effect_on_a_deleted_field_names_it(live_app, live_server, page, axe_check, lang):
    field, delete, anyway, publish, rules, rule_name, field_box = WORDS[lang]
    crm = crm_admin(live_app, live_server, page, ADMIN)
    page.goto(f"{crm['url']}/apps/crm/forms/follow_up/design?lang={lang}")
    page.get_by_role("listitem", name=field).get_by_role("button", name=delete.format(field), exact=True).click()
    page.get_by_role("button", name=anyway).click()
    expect(page.get_by_role("listitem", name=field)).to_have_count(0)
    page.get_by_role("button", name=publish, exact=True).click()
    expect(page.get_by_role("alert").or_(page.get_by_role("status")).filter(has_text="next_follow_up").first).to_be_visible()

    page.get_by_role("tab", name=rules).click()
    rule = page.get_by_role("tabpanel", name=rules)
    expect(rule.get_by_role("textbox", name=rule_name).first).to_be_visible()
    effect = rule.get_by_test_id("effect-field").first
    chosen = effect.evaluate("s => [s.options[s.selectedIndex].text, s.options[s.selectedIndex].parentElement.tagName, s.value]")
    assert chosen == [f"{field} (next_follow_up)", "OPTGROUP", "next_follow_up"], chosen
    assert axe_check(page) == []
    assert page.js_errors == []
