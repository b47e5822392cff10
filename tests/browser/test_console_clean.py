"""The everyday pages leave the browser's console clean (a new user's walk in Chromium): no request answered 4xx or
5xx and nothing the Content-Security-Policy refused (a choice chip's inline colour was), on the apps page, a new
customer form and a customer's page, in en and zh-CN. (Pages name their icon: a stand-alone Chromium asked for
/favicon.ico on every page and logged its 404.) Then every main page of the work: lists, grid, boards (the calendar's
FullCalendar icon font is a data: URL and its styles go through one empty <style>), import, dashboards and their
builder, the designer and its preview, the workflow and automation editors (with a step that names people and a value for a person
field: their user pickers), the public links, admin pages, profile and inbox."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from engine.runtime import Actor
from engine.services import records as record_service
from signin import crm_admin  # tests/browser/signin.py

#: the main pages of a CRM workspace, beside the everyday ones above
WORK_PAGES = ("/apps/crm/forms/customer/records", "/apps/crm/forms/customer/grid", "/apps/crm/forms/opportunity/kanban",
              "/apps/crm/forms/follow_up_reminder/calendar", "/apps/crm/forms/customer/import", "/apps/crm/dashboards",
              "/apps/crm/dashboards/sales", "/apps/crm/dashboards/sales/edit", "/apps/crm/dashboards/new",
              "/apps/crm/forms/customer/design", "/apps/crm/notification-templates/editor", "/apps/crm/settings",
              "/apps/crm/links", "/apps/new", "/admin/access", "/admin/audit", "/admin/people", "/admin/workspace",
              "/profile", "/inbox")

ADMIN = {"username": "wangfang", "password": "correct-horse-battery-9", "display_name": "王芳"}


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_everyday_pages_log_no_console_error(live_app, live_server, page, lang):
    crm = crm_admin(live_app, live_server, page, ADMIN)
    customer = record_service.create_record(crm["rt"], Actor.system(), "crm", "customer", {"name": "Quiet Console Ltd", "level": "key"})
    errors, failed = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: failed.append((r.status, r.url)) if r.status >= 400 else None)
    for path in ("/", "/apps/crm/forms/customer/new", f"/apps/crm/forms/customer/records/{customer['id']}"):
        page.goto(f"{crm['url']}{path}?lang={lang}")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)  # the browser asks for the page's icon after the load
    assert failed == []
    assert errors == []
    assert page.js_errors == []


def _watch(page) -> tuple[list, list]:
    errors, failed = [], []
    page.on("console", lambda m: errors.append((page.url, m.text)) if m.type == "error" else None)
    page.on("response", lambda r: failed.append((r.status, r.url)) if r.status >= 400 else None)
    return errors, failed


def _settle(page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_work_pages_and_editors_log_no_console_error(live_app, live_server, page, lang):
    crm = crm_admin(live_app, live_server, page, ADMIN, demo_customers=5)
    errors, failed = _watch(page)
    for path in WORK_PAGES:
        page.goto(f"{crm['url']}{path}?lang={lang}")
        _settle(page)
        if path.endswith("/calendar"):
            expect(page.locator(".fc-toolbar-title")).to_be_visible()

    # the designer's preview: the draft's generated form in its frame (its own policy: scripts allowed by hash)
    page.goto(f"{crm['url']}/apps/crm/forms/customer/design?lang={lang}")
    _settle(page)
    page.get_by_role("tab", name={"en": "Preview", "zh-CN": "预览"}[lang]).click()
    expect(page.frame_locator("iframe").first.get_by_role("textbox").first).to_be_visible()
    _settle(page)

    # the workflow editor: a notify step of its own draws the recipients' user pickers (mountPicker)
    page.goto(f"{crm['url']}/apps/crm/workflows/editor?key=follow_up_reminder_notice&lang={lang}")
    _settle(page)
    add = page.get_by_test_id("wf-add-step")
    add.get_by_role("combobox").select_option("notify")
    add.get_by_role("button").click()
    named = {"en": "Named users", "zh-CN": "指定成员"}[lang]
    expect(page.get_by_test_id("wf-to").last.get_by_role("combobox", name=named)).to_be_visible()

    # the automation editor: a value for the owner (a person field) is picked with the user picker (picksUser)
    page.goto(f"{crm['url']}/apps/crm/forms/customer/automations?lang={lang}")
    _settle(page)
    page.get_by_test_id("add-automation").click()
    page.get_by_test_id("action-type").last.select_option("set_field")
    page.get_by_test_id("add-mapping").last.click()
    page.get_by_test_id("map-field").last.select_option("owner")
    page.get_by_test_id("map-kind").last.select_option("value")
    expect(page.get_by_role("combobox", name={"en": "User", "zh-CN": "成员"}[lang], exact=True).last).to_be_visible()
    assert failed == []
    assert errors == []
    assert page.js_errors == []
