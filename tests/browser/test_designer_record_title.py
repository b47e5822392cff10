"""Which field names a record, picked in the designer: the reference scenario's Customer starts with its serial number
(KH-{YYYYMMDD}-{0000}). Without a title field its name titles it anyway (a typed name before a serial number, the
serial the second name), and the designer says so under Name's "Names the record"; the admin may still tick it (or tick
the serial). After publishing, the picker and the record page show the customer's name. English and Chinese (the
catalogue's texts written out)."""
from __future__ import annotations

import re

import pytest

from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from engine.runtime import Actor
from engine.services import forms, records

from tests.browser.admin_steps import open_designer_as_admin, publish_form

PASSWORD = "record-title-Secret-2026"
T = {"en": {"names": "Names the record (its title)", "publish": "Publish", "published": "Published", "customer": "Customer",
            "by_default": "Names the record now (no field is chosen for it)."},
     "zh-CN": {"names": "作为记录标题", "publish": "发布", "published": "已发布", "customer": "客户",
               "by_default": "当前以此字段作为记录标题（未选择标题字段）。"}}


def _workspace(app) -> None:
    """A Customer draft with its serial first and a Follow-up published with a reference to it."""
    rt, system = app.extensions["formflow"], Actor.system()
    forms.create_app(rt, system, "sales", {"en": "Sales", "zh-CN": "销售"})
    forms.create_form(rt, system, "sales", {"key": "customer", "label": {"en": "Customer", "zh-CN": "客户"},
                                            "fields": [{"id": "customer_no", "type": "serial", "label": {"en": "Customer no.", "zh-CN": "客户编号"},
                                                        "options": {"format": "KH-{YYYYMMDD}-{0000}", "reset": "daily"}},
                                                       {"id": "name", "type": "text", "label": {"en": "Name", "zh-CN": "名称"}}]})
    forms.create_form(rt, system, "sales", {"key": "follow_up", "label": {"en": "Follow-up record", "zh-CN": "跟进记录"},
                                            "fields": [{"id": "customer", "type": "reference", "label": {"en": "Customer", "zh-CN": "客户"},
                                                        "options": {"form": "customer"}}]})


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_the_admin_picks_the_name_to_title_customers_numbered_first(live_app, live_server, page, lang):
    _workspace(live_app)
    rt, t = live_app.extensions["formflow"], T[lang]
    open_designer_as_admin(live_app, live_server, page, lang, PASSWORD, "sales", "customer")
    page.get_by_test_id("field-customer_no").click()
    names = page.get_by_role("checkbox", name=t["names"])
    expect(names).not_to_be_checked()  # the default: nothing chosen
    expect(page.get_by_test_id("names-by-default")).to_be_hidden()  # the serial is only the second name
    page.get_by_test_id("field-name").click()
    expect(page.get_by_test_id("names-by-default")).to_have_text(t["by_default"])
    expect(names).to_have_accessible_description(re.compile("^" + re.escape(t["by_default"])))
    names.check()
    expect(page.get_by_test_id("names-by-default")).to_be_hidden()  # chosen now, not by default
    publish_form(page, t)
    assert forms.get_draft(rt, "sales", "customer")["definition"]["settings"]["title_field"] == "name"
    page.get_by_test_id("field-customer_no").click()
    expect(names).not_to_be_checked()
    page.get_by_test_id("field-name").click()
    expect(names).to_be_checked()

    forms.publish_form(rt, Actor.system(), "sales", "follow_up")
    records.create_record(rt, Actor.system(), "sales", "customer", {"name": "Acme Trading"})
    page.goto(live_server + "/apps/sales/forms/follow_up/new")
    page.get_by_role("combobox", name=t["customer"], exact=True).fill("Acme")
    expect(page.get_by_role("option", name=re.compile("^Acme Trading"))).to_be_visible()
    assert page.js_errors == []


@pytest.mark.parametrize("lang", ["en"])
def test_without_a_title_field_the_name_titles_customers_numbered_first(live_app, live_server, page, lang):
    _workspace(live_app)
    rt, t = live_app.extensions["formflow"], T[lang]
    forms.publish_form(rt, Actor.system(), "sales", "customer")  # nothing chosen to name a customer
    forms.publish_form(rt, Actor.system(), "sales", "follow_up")
    records.create_record(rt, Actor.system(), "sales", "customer", {"name": "Acme Trading"})
    open_designer_as_admin(live_app, live_server, page, lang, PASSWORD, "sales", "customer")
    page.get_by_test_id("field-name").click()
    expect(page.get_by_test_id("names-by-default")).to_be_visible()
    page.goto(live_server + "/apps/sales/forms/follow_up/new")
    page.get_by_role("combobox", name=t["customer"], exact=True).fill("Acme")
    option = page.get_by_role("option", name=re.compile("^Acme Trading"))
    expect(option).to_be_visible()
    expect(option).to_contain_text(re.compile(r"KH-\d{8}-\d{4}"))  # the serial beside it, as the second name
    assert page.js_errors == []
