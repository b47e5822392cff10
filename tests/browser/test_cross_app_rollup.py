"""A roll-up over another app's records, built in the designer with the pickers only (issue 21, point 6), on SQLite
and PostgreSQL.

The CRM's tickets name an HR employee (a reference to another app's form) and carry hours. The HR admin opens the
Employee form, adds a Roll-up from the palette, names it, and picks (never typing an id) the related records in the
"CRM" group of the picker, the field Hours and the calculation Sum; publishes; Alice's record page shows the sum of
the hours of the tickets there were (the publish fills the new roll-up in), and a new ticket of the CRM changes it.
"""
from __future__ import annotations

import re

from playwright.sync_api import expect

from engine.runtime import Actor
from engine.services import forms, records

from tests.browser.admin_steps import designer_ready, first_admin, publish_form

ADMIN = {"username": "ada", "password": "cross-app-Secret-2026", "display_name": "Ada Admin"}
T = {"palette": "Fields", "type.rollup": "Roll-up", "label_en": "Label (English)", "label_zh": "Label (中文)",
     "publish": "Publish", "published": "Published", "link": "Related records", "field": "Field of the related records",
     "calc": "Calculation", "link_option": "Ticket by its field Assignee", "hours": "Hours (hours)", "sum": "Sum"}


def _workspace(app) -> int:
    """HR's employees and the CRM's tickets naming them: what the admin starts from (Alice's id)."""
    rt, system = app.extensions["formflow"], Actor.system()
    forms.create_app(rt, system, "hr", {"en": "HR", "zh-CN": "人事"})
    forms.create_form(rt, system, "hr", {"key": "employee", "label": {"en": "Employee", "zh-CN": "员工"},
                                         "settings": {"title_field": "name"},
                                         "fields": [{"id": "name", "type": "text", "label": {"en": "Name", "zh-CN": "姓名"}}]})
    forms.publish_form(rt, system, "hr", "employee")
    alice = records.create_record(rt, system, "hr", "employee", {"name": "Alice Wang"})["id"]
    bob = records.create_record(rt, system, "hr", "employee", {"name": "Bob Li"})["id"]
    forms.create_app(rt, system, "crm", {"en": "CRM", "zh-CN": "客户管理"})
    forms.create_form(rt, system, "crm", {"key": "ticket", "label": {"en": "Ticket", "zh-CN": "工单"},
                                          "settings": {"title_field": "title"}, "fields": [
        {"id": "title", "type": "text", "label": {"en": "Title", "zh-CN": "标题"}},
        {"id": "assignee", "type": "reference", "label": {"en": "Assignee", "zh-CN": "负责人"}, "options": {"app": "hr", "form": "employee"}},
        {"id": "hours", "type": "number", "label": {"en": "Hours", "zh-CN": "工时"}}]})
    forms.publish_form(rt, system, "crm", "ticket")
    for who, hours in ((alice, 2), (alice, 3.5), (bob, 7)):
        records.create_record(rt, system, "crm", "ticket", {"title": "t", "assignee": who, "hours": hours})
    return alice


def test_admin_builds_a_rollup_over_another_apps_records_with_the_pickers(db_app, page, axe_check):
    app, base = db_app
    alice = _workspace(app)
    first_admin(app, base, page, ADMIN)

    page.goto(base + "/apps/hr/forms/employee/design")
    designer_ready(page)
    palette = page.get_by_role("group", name=T["palette"], exact=True)
    palette.get_by_role("button", name=re.compile("^" + re.escape(T["type.rollup"]) + " ")).focus()
    page.keyboard.press("Enter")
    page.get_by_role("textbox", name=T["label_en"], exact=True).fill("Ticket hours")
    page.get_by_role("textbox", name=T["label_zh"], exact=True).fill("工单工时")

    link = page.get_by_role("combobox", name=T["link"], exact=True)
    expect(link.locator("optgroup[label='CRM'] option")).to_have_text([T["link_option"]])  # grouped by the app's name
    link.select_option(label=T["link_option"])
    page.get_by_role("combobox", name=T["field"], exact=True).select_option(label=T["hours"])
    page.get_by_role("combobox", name=T["calc"], exact=True).select_option(label=T["sum"])
    assert axe_check(page) == []
    publish_form(page, T)

    rt = app.extensions["formflow"]
    (made,) = [f for f in forms.get_draft(rt, "hr", "employee")["definition"]["fields"] if f["type"] == "rollup"]
    assert {k: made["options"].get(k) for k in ("app", "form", "via", "field", "aggregate")} == {
        "app": "crm", "form": "ticket", "via": "assignee", "field": "hours", "aggregate": "sum"}

    # in Chinese the group reads the app's Chinese name, the link the form's and the field's
    page.goto(base + "/apps/hr/forms/employee/design?lang=zh-CN")
    designer_ready(page)
    page.get_by_test_id(f"field-{made['id']}").click(position={"x": 8, "y": 8})
    link = page.get_by_role("combobox", name="关联记录", exact=True)
    expect(link.locator("optgroup[label='客户管理'] option:checked")).to_have_text("工单（通过字段“负责人”关联）")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.set_viewport_size({"width": 1440, "height": 900})

    page.goto(base + f"/apps/hr/forms/employee/records/{alice}")
    expect(page.get_by_test_id(f"value-{made['id']}")).to_have_text("5.50")
    records.create_record(rt, Actor.system(), "crm", "ticket", {"title": "more", "assignee": alice, "hours": 1})
    page.reload()
    expect(page.get_by_test_id(f"value-{made['id']}")).to_have_text("6.50")
    assert page.js_errors == []
