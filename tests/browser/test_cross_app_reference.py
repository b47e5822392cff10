"""A reference to a form of another app, built in the designer (issue 21, point 6), on SQLite and PostgreSQL.

The HR app and its employees exist already; the admin opens the CRM's Ticket form in the designer, adds a Reference,
picks the target app (HR) and then its form (Employee) by their labels, publishes, fills a ticket picking Alice in the
reference's search box, and the ticket's record page shows Alice by name; the employee's record page lists the ticket.
"""
from __future__ import annotations

import re

from playwright.sync_api import expect

from engine.runtime import Actor
from engine.services import forms, queries, records, users

from tests.browser.admin_steps import add_field, designer_ready, first_admin, publish_form
from tests.browser.signin import sign_in

ADMIN = {"username": "ada", "password": "cross-app-Secret-2026", "display_name": "Ada Admin"}
T = {"palette": "Fields", "type.reference": "Reference", "label_en": "Label (English)", "label_zh": "Label (中文)",
     "field_key": "Name (used in rules)", "publish": "Publish", "published": "Published", "target_app": "Target app",
     "target_form": "Target form", "this_app": "This app", "submit": "Submit"}


def _workspace(app) -> None:
    """HR with its employees, and a CRM whose Ticket form has a title only: what the admin starts from."""
    rt, system = app.extensions["formflow"], Actor.system()
    forms.create_app(rt, system, "hr", {"en": "HR", "zh-CN": "人事"})
    forms.create_form(rt, system, "hr", {"key": "employee", "label": {"en": "Employee", "zh-CN": "员工"},
                                         "settings": {"title_field": "name"},
                                         "fields": [{"id": "name", "type": "text", "label": "Name", "required": True}]})
    forms.publish_form(rt, system, "hr", "employee")
    for name in ("Alice Wang", "Bob Li"):
        records.create_record(rt, system, "hr", "employee", {"name": name})
    forms.create_app(rt, system, "crm", {"en": "CRM", "zh-CN": "客户管理"})
    forms.create_form(rt, system, "crm", {"key": "ticket", "label": {"en": "Ticket", "zh-CN": "工单"},
                                          "settings": {"title_field": "title"},
                                          "fields": [{"id": "title", "type": "text", "label": {"en": "Title", "zh-CN": "标题"}}]})


def test_admin_links_a_ticket_to_an_employee_of_another_app(db_app, page):
    app, base = db_app
    _workspace(app)
    first_admin(app, base, page, ADMIN)

    page.goto(base + "/apps/crm/forms/ticket/design")
    designer_ready(page)
    add_field(page, T, "reference", "Assignee", "assignee", label_zh="负责人")
    target_app = page.get_by_role("combobox", name=T["target_app"], exact=True)
    expect(target_app.locator("option:checked")).to_have_text(T["this_app"])
    target_app.select_option(label="HR")
    page.get_by_role("combobox", name=T["target_form"], exact=True).select_option(label="Employee")
    publish_form(page, T)

    page.goto(base + "/apps/crm/forms/ticket/new")
    page.get_by_role("textbox", name="Title", exact=True).fill("Printer jam")
    assignee = page.get_by_role("combobox", name="Assignee", exact=True)
    assignee.fill("Alice")
    page.get_by_role("option", name=re.compile("Alice Wang")).click()
    page.get_by_role("button", name=T["submit"]).click()
    page.get_by_test_id("form-success").wait_for()

    page.goto(base + "/apps/crm/forms/ticket/records")
    expect(page.get_by_test_id("records-table")).to_contain_text("Alice Wang")
    rt = app.extensions["formflow"]
    (ticket,) = queries.list_records(rt, Actor.system(), "crm", "ticket", queries.Query())["items"]
    page.goto(base + f"/apps/crm/forms/ticket/records/{ticket['id']}")
    expect(page.get_by_test_id("record-title")).to_have_text("Printer jam")
    expect(page.get_by_test_id("value-assignee")).to_contain_text("Alice Wang")

    # from the other side: Alice's record page lists the ticket of the CRM that names her
    alice = next(r for r in queries.list_records(rt, Actor.system(), "hr", "employee", queries.Query())["items"]
                 if r["data"]["name"] == "Alice Wang")
    page.goto(base + f"/apps/hr/forms/employee/records/{alice['id']}")
    expect(page.get_by_test_id("related-ticket-assignee")).to_contain_text("Printer jam")
    assert page.js_errors == []



#: the same panel in Chinese (the catalogue's texts, written out so that a lost translation fails)
T_ZH = {"palette": "字段", "type.reference": "关联数据", "label_en": "标题（English）", "label_zh": "标题（中文）",
        "field_key": "名称（规则中使用）", "publish": "发布", "published": "已发布", "target_app": "关联应用",
        "target_form": "关联表单", "this_app": "本应用"}


def test_the_target_app_and_form_are_picked_by_their_chinese_labels(db_app, page):
    app, base = db_app
    _workspace(app)
    rt = app.extensions["formflow"]
    users.create_user(rt, Actor.system(), "li", password=ADMIN["password"], display_name="李管理", roles=["admin"],
                      locale="zh-CN", check=False)
    sign_in(page, base, "li", ADMIN["password"])

    page.goto(base + "/apps/crm/forms/ticket/design")
    designer_ready(page)
    add_field(page, T_ZH, "reference", "Assignee", "assignee", label_zh="负责人")
    target_app = page.get_by_role("combobox", name=T_ZH["target_app"], exact=True)
    expect(target_app.locator("option:checked")).to_have_text(T_ZH["this_app"])
    target_app.select_option(label="人事")
    page.get_by_role("combobox", name=T_ZH["target_form"], exact=True).select_option(label="员工")
    publish_form(page, T_ZH)
    published = forms.get_draft(rt, "crm", "ticket")["definition"]["fields"][-1]["options"]
    assert (published["app"], published["form"]) == ("hr", "employee")
