"""A new user's first designer visit: the draft of a form never published opens without a failed request or a console
error (it asked GET …/field-access, which answers 404 for a form with no published version, on every load)."""
from __future__ import annotations

from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from engine.runtime import Actor
from engine.services import forms, users

from tests.browser.admin_steps import designer_ready
from tests.browser.signin import sign_in

PASSWORD = "first-visit-Secret-2026"


def test_a_never_published_form_opens_in_the_designer_without_errors(live_app, live_server, page):
    rt, system = live_app.extensions["formflow"], Actor.system()
    forms.create_app(rt, system, "sales", {"en": "Sales", "zh-CN": "销售"})
    forms.create_form(rt, system, "sales", {"key": "customer", "label": {"en": "Customer", "zh-CN": "客户"},
                                            "fields": [{"id": "name", "type": "text", "label": {"en": "Name", "zh-CN": "名称"}}]})
    users.create_user(rt, system, "ann", password=PASSWORD, display_name="Ann", roles=["admin"], check=False)
    sign_in(page, live_server, "ann", PASSWORD)
    failed, console = [], []
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    page.on("console", lambda m: m.type == "error" and console.append(m.text))

    page.goto(live_server + "/apps/sales/forms/customer/design")
    designer_ready(page)
    page.get_by_test_id("field-name").click()
    expect(page.get_by_role("textbox", name="Label (English)", exact=True)).to_have_value("Name")
    page.wait_for_load_state("networkidle")
    assert failed == [] and console == [] and page.js_errors == []
