"""The designer's History lists draft saves, not only publishes (issue 21): after two saves the panel names each save,
who saved it and when, and what it changed as a sentence (en and zh-CN); "restore as draft" from the older save brings
its label back on screen while nothing published changes."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from engine.services import forms as form_service
from tests.browser.signin import crm_admin

ADMIN = {"username": "lilei", "password": "correct-horse-battery-9", "display_name": "Li Lei"}


@pytest.fixture
def crm(live_app, live_server, page):
    return crm_admin(live_app, live_server, page, ADMIN)


def _save(page, en: str, zh: str, saved: str) -> None:
    page.get_by_test_id("field-name").click()
    page.locator("#p-label-en").fill(en)
    page.locator("#p-label-zh").fill(zh)
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("status")).to_have_text(saved)


@pytest.mark.parametrize("lang, history, saved, renamed, by, restore, restored", [
    ("en", "History", "Draft saved", "Field 'Company' renamed to 'Account'", "saved by Li Lei",
     "Restore draft save {n} as draft", "Draft save {n} is now the draft"),
    ("zh-CN", "历史版本", "草稿已保存", "字段“公司名称”改名为“账户”", "由 Li Lei 于", "将草稿保存 {n} 恢复为草稿",
     "草稿保存 {n} 已成为草稿")])
def test_history_lists_draft_saves_and_restores_one_as_the_draft(page, crm, axe_check, lang, history, saved, renamed, by,
                                                                   restore, restored):
    rt = crm["rt"]
    page.goto(crm["url"] + f"/apps/crm/forms/customer/design?lang={lang}")
    _save(page, "Company", "公司名称", saved)
    first = form_service.get_draft(rt, "crm", "customer")["draft_revision"]
    _save(page, "Account", "账户", saved)
    second = form_service.get_draft(rt, "crm", "customer")["draft_revision"]

    page.get_by_role("button", name=history, exact=True).click()
    panel = page.get_by_test_id("history-panel")
    newest, older = panel.get_by_test_id(f"save-{second}"), panel.get_by_test_id(f"save-{first}")
    expect(newest.get_by_role("listitem").filter(has_text=renamed)).to_have_count(1)
    expect(newest).to_contain_text(by)
    expect(older).to_be_visible()
    assert axe_check(page) == []

    older.get_by_role("button", name=restore.format(n=first)).click()
    expect(page.get_by_test_id("status")).to_contain_text(restored.format(n=first))
    page.get_by_test_id("field-name").click()
    expect(page.locator("#p-label-en")).to_have_value("Company")
    draft = form_service.get_draft(rt, "crm", "customer")
    assert next(f for f in draft["definition"]["fields"] if f["id"] == "name")["label"]["en"] == "Company"
    live = form_service.get_version(rt, "crm", "customer", draft["published_version"])["definition"]
    assert next(f for f in live["fields"] if f["id"] == "name")["label"]["en"] == "Customer name"  # nothing published changed
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert page.js_errors == []
