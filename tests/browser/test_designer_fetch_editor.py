"""Smart reference (智能引用) built in the designer, as the reference scenario asks: a field of the Follow-up record fills
itself from the customer picked in its reference. The admin selects the field, picks "Linked through" (the form's
reference, by label) and "Field of the linked record" (the customer's fields, by label with the key), publishes; a
salesperson picks the customer and the phone is there before saving, and saved with the record. In English and in
Chinese (the catalogue's texts written out, so that a lost translation fails)."""
from __future__ import annotations

import re

import pytest

from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from engine.runtime import Actor
from engine.services import forms, queries, records

from tests.browser.admin_steps import add_field, open_designer_as_admin, publish_form

PASSWORD = "smart-reference-Secret-2026"
T = {"en": {"palette": "Fields", "type.phone": "Phone", "label_en": "Label (English)", "label_zh": "Label (中文)",
            "field_key": "Name (used in rules)", "publish": "Publish", "published": "Published", "submit": "Submit",
            "fetch": "Fill from a linked record", "from": "Linked through", "field": "Field of the linked record",
            "none": "Nothing: typed in by hand", "customer": "Customer", "phone": "Phone"},
     "zh-CN": {"palette": "字段", "type.phone": "手机号", "label_en": "标题（English）", "label_zh": "标题（中文）",
               "field_key": "名称（规则中使用）", "publish": "发布", "published": "已发布", "submit": "提交",
               "fetch": "智能引用：从关联记录带出", "from": "关联字段", "field": "关联记录的字段",
               "none": "不带出：手动填写", "customer": "客户", "phone": "电话"}}


def _workspace(app) -> None:
    """Customers with a phone, and a Follow-up draft with its reference to them: what the admin starts from."""
    rt, system = app.extensions["formflow"], Actor.system()
    forms.create_app(rt, system, "sales", {"en": "Sales", "zh-CN": "销售"})
    forms.create_form(rt, system, "sales", {"key": "customer", "label": {"en": "Customer", "zh-CN": "客户"},
                                            "settings": {"title_field": "name"},
                                            "fields": [{"id": "name", "type": "text", "label": {"en": "Name", "zh-CN": "名称"}},
                                                       {"id": "phone", "type": "phone", "label": {"en": "Phone", "zh-CN": "电话"}}]})
    forms.publish_form(rt, system, "sales", "customer")
    records.create_record(rt, system, "sales", "customer", {"name": "Acme Trading", "phone": "13800138000"})
    forms.create_form(rt, system, "sales", {"key": "follow_up", "label": {"en": "Follow-up record", "zh-CN": "跟进记录"},
                                            "fields": [{"id": "customer", "type": "reference", "label": {"en": "Customer", "zh-CN": "客户"},
                                                        "options": {"form": "customer"}}]})


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_a_field_fills_itself_from_the_customer_picked(live_app, live_server, page, axe_check, lang):
    _workspace(live_app)
    rt, t = live_app.extensions["formflow"], T[lang]
    open_designer_as_admin(live_app, live_server, page, lang, PASSWORD, "sales", "follow_up")
    add_field(page, t, "phone", "Customer phone", "customer_phone", label_zh="客户电话")
    editor = page.get_by_role("group", name=t["fetch"])
    linked = editor.get_by_role("combobox", name=t["from"], exact=True)
    expect(linked.locator("option:checked")).to_have_text(t["none"])  # the default: a field typed in by hand
    expect(editor.get_by_role("combobox", name=t["field"], exact=True)).to_be_hidden()
    linked.select_option(label=t["customer"])
    editor.get_by_role("combobox", name=t["field"], exact=True).select_option(label=f"{t['phone']} · phone")
    assert axe_check(page) == []
    publish_form(page, t)
    field = next(f for f in forms.get_draft(rt, "sales", "follow_up")["definition"]["fields"] if f["id"] == "customer_phone")
    assert field["fetch"] == {"from": "customer", "field": "phone"}

    # the reference itself offers no such choice
    page.get_by_test_id("field-customer").click()
    expect(page.get_by_role("group", name=t["fetch"])).to_be_hidden()

    page.goto(live_server + "/apps/sales/forms/follow_up/new")
    page.get_by_role("combobox", name=t["customer"], exact=True).fill("Acme")
    page.get_by_role("option", name=re.compile("Acme Trading")).click()
    expect(page.get_by_role("textbox", name="客户电话" if lang != "en" else "Customer phone", exact=True)).to_have_value(re.compile("13800138000"))
    page.get_by_role("button", name=t["submit"]).click()
    page.get_by_test_id("form-success").wait_for()
    (saved,) = queries.list_records(rt, Actor.system(), "sales", "follow_up", queries.Query())["items"]
    assert saved["data"]["customer_phone"] == "13800138000"
    assert page.js_errors == []
