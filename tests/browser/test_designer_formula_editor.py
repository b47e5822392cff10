"""The designer's formula and roll-up editors in Chromium on the built-in CRM (issue 21, point 6).

Formula: the admin opens the lead score, sees under the box its result type and its value against a sample record;
inserts a function from the picker (its help is in the option) and a field by label; a typo shows the error with its
line and column; en and zh-CN. Roll-up: the admin picks the related records by label (another form's reference to
this one), the field by label with its key, and a calculation the field's type takes; the saved draft has the ids.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from engine.services import forms as form_service
from tests.browser.signin import crm_admin

ADMIN = {"username": "lilei", "password": "correct-horse-battery-9", "display_name": "Li Lei"}


@pytest.fixture
def crm(live_app, live_server, page):
    return crm_admin(live_app, live_server, page, ADMIN)


def _select(page, field_id: str) -> None:
    """Select a field's card by its edge (the card's tool buttons float over its middle)."""
    page.get_by_test_id(f"field-{field_id}").click(position={"x": 8, "y": 8})


@pytest.mark.parametrize("lang, formula, result, sample, insert_fn, fn_option, insert_field, field_option, error", [
    ("en", "Formula", "Result: a number", "Value for a sample built from the defaults", "Insert a function",
     "$upper(text) — The text in upper case", "Insert a field", "Customer name (name)", "Line 1, column"),
    ("zh-CN", "公式", "结果：数字", "按默认值生成的示例的计算结果", "插入函数", "$upper(text) — 文本转为大写", "插入字段",
     "客户名称 (name)", "第 1 行第")])
def test_the_formula_editor_checks_as_you_type_and_inserts_by_label(page, crm, axe_check, lang, formula, result, sample,
                                                                     insert_fn, fn_option, insert_field, field_option, error):
    page.goto(crm["url"] + f"/apps/crm/forms/customer/design?lang={lang}")
    _select(page, "lead_score")
    box = page.get_by_role("textbox", name=formula, exact=True)
    check = page.get_by_test_id("formula-check")
    expect(check.get_by_test_id("formula-type")).to_have_text(result)
    expect(check.get_by_test_id("formula-value")).to_contain_text(sample)
    assert axe_check(page) == []

    # a text formula built from the pickers
    _select(page, "grade")
    box.fill("")
    page.get_by_role("combobox", name=insert_fn).select_option(label=fn_option)
    page.get_by_role("combobox", name=insert_field).select_option(label=field_option)
    expect(box).to_have_value("$upper(name")
    box.press("End")
    box.type(")")
    expect(check.get_by_test_id("formula-error")).to_be_hidden()
    box.fill("$upper(name")
    expect(check.get_by_test_id("formula-error")).to_contain_text(error)
    box.fill("$upper(name)")
    expect(check.get_by_test_id("formula-type")).to_be_visible()
    assert page.js_errors == []


@pytest.mark.parametrize("lang, t", [
    ("en", {"link": "Related records", "field": "Field of the related records", "calc": "Calculation",
            "now": "Follow-up record by its field Customer", "pick": "Opportunity by its field Customer",
            "date": "Closed on (closed_on)", "money": "Amount (amount)", "sum": "Sum", "saved": "Draft saved",
            "date_calcs": ["Count of records", "Smallest", "Largest", "Latest value"]}),
    ("zh-CN", {"link": "关联记录", "field": "关联记录的字段", "calc": "汇总方式",
               "now": "跟进记录（通过字段“客户”关联）", "pick": "商机（通过字段“客户”关联）",
               "date": "实际成交日期 (closed_on)", "money": "预计金额 (amount)", "sum": "求和", "saved": "草稿已保存",
               "date_calcs": ["记录条数", "最小值", "最大值", "最新值"]})])
def test_the_roll_up_editor_picks_link_field_and_calculation_by_label(page, crm, axe_check, lang, t):
    page.goto(crm["url"] + f"/apps/crm/forms/customer/design?lang={lang}")
    _select(page, "follow_up_count")
    link = page.get_by_role("combobox", name=t["link"], exact=True)
    expect(link.locator("option:checked")).to_have_text(t["now"])
    link.select_option(label=t["pick"])
    field = page.get_by_role("combobox", name=t["field"], exact=True)
    calculation = page.get_by_role("combobox", name=t["calc"], exact=True)
    field.select_option(label=t["date"])
    expect(calculation.get_by_role("option")).to_have_text(t["date_calcs"])  # a date: no sum
    field.select_option(label=t["money"])
    calculation.select_option(label=t["sum"])
    assert axe_check(page) == []
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("status")).to_have_text(t["saved"])
    saved = next(f for f in form_service.get_draft(crm["rt"], "crm", "customer")["definition"]["fields"] if f["id"] == "follow_up_count")
    assert {k: saved["options"][k] for k in ("form", "via", "field", "aggregate")} == {
        "form": "opportunity", "via": "customer", "field": "amount", "aggregate": "sum"}
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert page.js_errors == []
