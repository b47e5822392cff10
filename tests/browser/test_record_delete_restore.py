"""Delete and restore from the record page (issue 22: "no Delete button anywhere in the UI, and so no restore").

A person on a customer's page presses Delete, accepts the browser's confirmation, and the page says the record is
deleted and offers Restore; the record leaves the list. Restore brings it back, with its Edit and Delete. The same in
zh-CN, and on a phone without horizontal overflow; axe-core clean.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from engine.runtime import Actor
from engine.services import records as record_service
from signin import crm_admin  # tests/browser/signin.py

ADMIN = {"username": "wangfang", "password": "correct-horse-battery-9", "display_name": "王芳"}
WORDS = {"en": {"delete": "Delete", "restore": "Restore", "deleted": "Deleted", "edit": "Edit"},
         "zh-CN": {"delete": "删除", "restore": "恢复", "deleted": "已删除", "edit": "编辑"}}


@pytest.mark.parametrize("lang, width", [("en", 1440), ("zh-CN", 390)])
def test_a_record_is_deleted_and_restored_from_its_page(live_app, live_server, page, axe_check, lang, width):
    page.set_viewport_size({"width": width, "height": 900 if width > 500 else 844})
    crm = crm_admin(live_app, live_server, page, ADMIN)
    rt, words = crm["rt"], WORDS[lang]
    admin = Actor.system()
    record = record_service.create_record(rt, admin, "crm", "customer", {"name": "Gone Soon Ltd"})
    page.goto(f"{crm['url']}/apps/crm/forms/customer/records/{record['id']}?lang={lang}")
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name=words["delete"], exact=True).click()

    expect(page.get_by_role("status").filter(has_text=words["deleted"])).to_have_text(words["deleted"])
    restore = page.get_by_role("button", name=words["restore"], exact=True)
    expect(restore).to_be_focused()
    expect(page.get_by_role("link", name=words["edit"], exact=True)).to_be_hidden()
    with pytest.raises(Exception):
        record_service.get_record(rt, admin, "crm", "customer", record["id"])  # gone from the lists and the API
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert axe_check(page) == []

    restore.click()
    expect(page.get_by_role("button", name=words["delete"], exact=True)).to_be_focused()
    expect(page.get_by_role("link", name=words["edit"], exact=True)).to_be_visible()
    assert record_service.get_record(rt, admin, "crm", "customer", record["id"])["data"]["name"] == "Gone Soon Ltd"
    assert page.js_errors == []
