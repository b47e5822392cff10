"""After a submit the generated form names what it saved as a person reads it: the record's title first and its serial
number as the second name ("Saved Acme Ltd · KH-20261206-0001"), a link to the record page, never the internal id
("record #1"); in English and Chinese, the title read through the read gate as on every record page."""
from __future__ import annotations

import re

from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from tests.browser.signin import crm_admin, sign_in

ADMIN = {"username": "namer", "password": "correct-horse-battery-7", "display_name": "Nina Namer"}
#: the CRM customer's serial number (KH-<date>-<4 digits>)
SERIAL = r"KH-\d{8}-\d{4}"


def _submit_customer(page, base: str, name: str) -> None:
    page.goto(base + "/apps/crm/forms/customer/new")
    page.get_by_test_id("input-name").fill(name)
    page.get_by_test_id("submit").click()


def test_the_confirmation_links_the_saved_record_by_its_title_then_its_serial(live_app, live_server, page, browser):
    crm_admin(live_app, live_server, page, ADMIN)
    _submit_customer(page, live_server, "Acme Ltd")
    success = page.get_by_test_id("form-success")
    expect(success).to_contain_text("Saved")
    link = success.get_by_role("link", name=re.compile(rf"^Acme Ltd · {SERIAL}$"))
    expect(link).to_be_visible()
    assert "#" not in success.inner_text()  # no internal id
    record_url = link.get_attribute("href")
    assert re.search(r"/apps/crm/forms/customer/records/\d+$", record_url), record_url
    page.wait_for_url("**" + record_url)  # the form's setting: the record opens
    assert page.js_errors == []

    zh = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN")
    try:
        phone = zh.new_page()
        sign_in(phone, live_server, ADMIN["username"], ADMIN["password"])
        _submit_customer(phone, live_server, "华东贸易")
        success = phone.get_by_test_id("form-success")
        expect(success).to_contain_text("已保存")
        expect(success.get_by_role("link", name=re.compile(rf"^华东贸易 · {SERIAL}$"))).to_be_visible()
    finally:
        zh.close()


def test_the_submit_answer_names_the_record_only_when_asked(live_app, live_server):
    from engine.runtime import Actor
    from engine.services import app_templates, display, records as record_service

    rt = live_app.extensions["formflow"]
    app_templates.install_template(rt, Actor.system(), "crm")
    record = record_service.create_record(rt, Actor.system(), "crm", "contact", {"name": "Ann Lee", "customer": record_service.create_record(
        rt, Actor.system(), "crm", "customer", {"name": "Beta Co"})["id"]})
    named = display.saved_name(rt, Actor.system(), "crm", record, "en", "UTC")
    assert named == {"title": "Ann Lee", "serial": ""}  # a form without a serial number: its title alone


def test_a_form_with_a_serial_and_no_title_field_is_named_by_its_name(live_app, live_server):
    """Without a title field a typed name titles the record, the serial number is the second name (not "KH-… · KH-…",
    not the serial alone)."""
    from engine.runtime import Actor
    from engine.services import app_templates, display, forms, records as record_service

    rt = live_app.extensions["formflow"]
    app_templates.install_template(rt, Actor.system(), "crm")
    draft = forms.get_draft(rt, "crm", "customer")
    draft["definition"]["settings"].pop("title_field")
    forms.save_draft(rt, Actor.system(), "crm", "customer", draft["definition"])
    forms.publish_form(rt, Actor.system(), "crm", "customer")
    record = record_service.create_record(rt, Actor.system(), "crm", "customer", {"name": "Acme Ltd"})
    named = display.saved_name(rt, Actor.system(), "crm", record, "en", "UTC")
    assert named["title"] == "Acme Ltd" and re.fullmatch(SERIAL, named["serial"]), named
