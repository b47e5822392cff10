"""Undo after a destructive action, in Chromium against the real app with the CRM installed (no API, no JSON): archiving
a form or the app and withdrawing a public link each end with a toast whose Undo button takes it back through the same
services (the form and app are active again, the same link opens again); a delete stays final, behind its typed
confirmation, and says so. In English and in Chinese; axe-core: 0 serious/critical with the toast on screen."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from engine.services import app_admin, web_forms
from engine.runtime import Actor
from tests.browser.signin import crm_admin

ADMIN = {"username": "ann.admin", "password": "violet harbour engine 42", "display_name": "Ann Admin"}
TEXTS = {
    "en": {"archive_form": "Archive Contact", "form_archived": "The form Contact was archived.", "undo": "Undo", "undone": "Undone.",
           "archive_app": "Archive app", "app_archived": "was archived.", "final": "Deleting is final: there is no undo.",
           "delete_contact": "Delete Contact…", "link_name": "Link name", "publish": "Publish link",
           "withdraw": "Withdraw “Web leads”", "withdrawn": "The link “Web leads” was withdrawn: it no longer opens.",
           "restore_form": "Restore Contact"},
    "zh-CN": {"archive_form": "归档 联系人", "form_archived": "表单 联系人 已归档。", "undo": "撤销", "undone": "已撤销。",
              "archive_app": "归档应用", "app_archived": "已归档。", "final": "删除后无法撤销。",
              "delete_contact": "删除 联系人…", "link_name": "链接名称", "publish": "发布链接",
              "withdraw": "撤销“Web leads”", "withdrawn": "链接“Web leads”已撤销，无法再打开。", "restore_form": "恢复 联系人"},
}


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_archive_and_withdraw_are_undone_from_the_toast_and_delete_says_it_is_final(live_app, live_server, page, axe_check, lang):
    admin = crm_admin(live_app, live_server, page, ADMIN)
    rt, base, T = admin["rt"], admin["url"], TEXTS[lang]
    page.goto(base + f"/apps/crm/settings?lang={lang}")

    # a form archived, then back with Undo
    page.get_by_role("button", name=T["archive_form"], exact=True).click()
    toast = page.get_by_test_id("undo-toast")
    expect(toast).to_contain_text(T["form_archived"])
    expect(page.get_by_role("button", name=T["restore_form"], exact=True)).to_be_visible()
    assert axe_check(page) == []
    toast.get_by_role("button", name=T["undo"]).click()
    expect(page.get_by_role("button", name=T["archive_form"], exact=True)).to_be_visible()
    assert next(f for f in app_admin.get_app(rt, "crm")["forms"] if f["key"] == "contact")["archived"] is False

    # deleting is final: no undo, the typed confirmation stays and says so
    contact = page.get_by_test_id("settings-form-contact")
    contact.get_by_text(T["delete_contact"]).click()
    expect(contact.get_by_text(T["final"])).to_be_visible()

    # the app archived, then back with Undo
    page.get_by_role("button", name=T["archive_app"], exact=True).click()
    toast = page.get_by_test_id("undo-toast")
    expect(toast).to_contain_text(T["app_archived"])
    assert app_admin.get_app(rt, "crm")["archived"] is True
    toast.get_by_role("button", name=T["undo"]).click()
    expect(page.get_by_role("button", name=T["archive_app"], exact=True)).to_be_visible()
    assert app_admin.get_app(rt, "crm")["archived"] is False

    # a public link withdrawn, then open again at the same address with Undo
    page.goto(base + f"/apps/crm/links?lang={lang}")
    page.get_by_label(T["link_name"]).fill("Web leads")
    page.get_by_role("button", name=T["publish"]).click()
    url = page.get_by_test_id("link-published").locator("input").first.input_value()
    assert page.request.get(url).status == 200
    page.goto(base + f"/apps/crm/links?lang={lang}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=T["withdraw"]).click()
    toast = page.get_by_test_id("undo-toast")
    expect(toast).to_contain_text(T["withdrawn"])
    assert page.request.get(url).status == 404
    assert axe_check(page) == []
    toast.get_by_role("button", name=T["undo"]).click()
    expect(page.get_by_test_id("flashes")).to_contain_text(T["undone"])
    assert page.request.get(url).status == 200
    assert [link["active"] for link in web_forms.list_web_forms(rt, Actor.system(), "crm")] == [True]
    assert page.js_errors == []
