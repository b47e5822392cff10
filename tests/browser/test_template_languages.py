"""Issue 21, point 8: an ops person writes a notification's Chinese text beside the default in the template editor
(Debian's Chromium, the real app over SQLite), and each recipient reads their own language.

In the editor: the language tabs (Default / 中文 (zh-CN) / English (en)); the Chinese subject and body typed on their
tab are saved as the template's ``default.zh-CN`` part and previewed in Chinese, the Default tab previews the default
text; an unknown variable on the Chinese tab is refused naming that language's text; a language's text can be removed.
Then a workflow sends the published template to a zh-CN user and an English user: each inbox shows its own language
only. axe-core finds nothing serious on the editor, and on a 390 px phone it has no horizontal overflow.
"""
from __future__ import annotations

import re

from test_editors import _reviewer, with_reminder  # noqa: F401  (fixture)
from test_real_app import FOLLOW_UP, _csp_watch, assert_accessible, call, crm, ok, published  # noqa: F401  (fixtures)

from playwright.sync_api import expect

PHONE = {"width": 390, "height": 844}
#: the two recipients, one per language
READERS = {"zh-CN": {"username": "zhangwei", "password": "lantern-meadow-copper-31", "display_name": "Zhang Wei"},
           "en": {"username": "emma", "password": "quiet-harbour-walnut-58", "display_name": "Emma Stone"}}
DEFAULT = {"subject": "Follow up {{ record.customer.name }}", "body": "Please call {{ record.customer.name }}."}


def _readers(rt) -> dict:
    from engine.runtime import Actor
    from engine.services import users

    return {lang: users.create_user(rt, Actor.system(), who["username"], password=who["password"],
                                    display_name=who["display_name"], locale=lang, check=False)
            for lang, who in READERS.items()}


def _saved_content(base: str) -> dict:
    return ok(call(base, "GET", "/api/apps/crm/notification-templates/nudge"))["content"]


def _inbox_of(browser, base: str, who: dict) -> str:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        pg = context.new_page()
        pg.set_default_timeout(10_000)
        pg.goto(base + "/")
        pg.locator("#login-username").fill(who["username"])
        pg.locator("#login-password").fill(who["password"])
        pg.get_by_test_id("login-submit").click()
        pg.get_by_test_id("nav-inbox").click()
        listed = pg.get_by_test_id("inbox-list")
        expect(listed.locator("li")).to_have_count(1)
        return listed.inner_text()
    finally:
        context.close()


def test_a_chinese_text_written_in_the_editor_reaches_the_chinese_reader_only(page, browser, with_reminder, axe_check):
    from engine.runtime import Actor
    from engine.scheduler import tick
    from engine.services import templates
    from engine.services import workflows as wf_service

    crm = with_reminder
    base, rt = crm["url"], crm["app"].extensions["formflow"]
    reviewer = _reviewer(crm["app"])
    readers = _readers(rt)
    ok(call(base, "POST", "/api/apps/crm/notification-templates", {
        "key": "nudge", "form": "follow_up_reminder", "label": {"en": "Nudge", "zh-CN": "提醒"}, "content": {"default": DEFAULT}}))
    csp = _csp_watch(page)
    page.goto(base + "/apps/crm/notification-templates/editor?key=nudge")
    tabs = page.get_by_role("tablist", name="Language of the text")
    default_tab, chinese_tab = tabs.get_by_role("tab", name="Default"), tabs.get_by_role("tab", name="中文 (zh-CN)")
    expect(default_tab).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("preview-subject")).to_have_text("Follow up Acme Trading")

    # the Chinese text, on its own tab; the preview speaks Chinese
    chinese_tab.click()
    expect(chinese_tab).to_have_attribute("aria-selected", "true")
    subject, body = page.get_by_role("textbox", name="Subject"), page.get_by_role("textbox", name="Body")
    expect(subject).to_have_value("")
    subject.fill("跟进 {{ record.customer.name }}")
    body.fill("请致电 {{ record.customer.name }}。")
    expect(page.get_by_role("heading", name="Preview · 中文 (zh-CN)")).to_be_visible()
    expect(page.get_by_test_id("preview-subject")).to_have_text("跟进 Acme Trading")
    expect(page.get_by_test_id("preview-body")).to_have_text("请致电 Acme Trading。")
    expect(page.get_by_test_id("status")).to_have_text("Draft saved")
    assert _saved_content(base) == {"default": DEFAULT, "default.zh-CN": {"subject": "跟进 {{ record.customer.name }}",
                                                                          "body": "请致电 {{ record.customer.name }}。"}}
    assert_accessible(page, axe_check, csp)

    # the Default tab keeps (and previews) the default text
    default_tab.click()
    expect(subject).to_have_value(DEFAULT["subject"])
    expect(page.get_by_test_id("preview-subject")).to_have_text("Follow up Acme Trading")

    # an unknown variable in the Chinese text is refused naming that text, at its box when its tab is open
    chinese_tab.click()
    body.fill("请致电 {{ record.nope }}。")
    expect(page.get_by_test_id("body-error")).to_contain_text("中文 (zh-CN) text:")
    expect(page.get_by_test_id("body-error")).to_contain_text("nope")
    default_tab.click()
    expect(tabs.get_by_role("tab", name=re.compile("中文 \\(zh-CN\\).*has errors"))).to_be_visible()
    expect(page.get_by_test_id("general-error")).to_contain_text("中文 (zh-CN) text:")
    chinese_tab.click()
    body.fill("请致电 {{ record.customer.name }}。")
    expect(page.get_by_test_id("preview-body")).to_have_text("请致电 Acme Trading。")
    expect(page.get_by_test_id("body-error")).to_have_count(0)

    # an English text written and removed again: it is no part of the template
    english_tab = tabs.get_by_role("tab", name="English (en)")
    english_tab.click()
    page.get_by_role("textbox", name="Subject").fill("Nudge: {{ record.customer.name }}")
    expect(page.get_by_test_id("preview-subject")).to_have_text("Nudge: Acme Trading")
    assert "default.en" in _saved_content(base)
    page.get_by_role("button", name="Remove the English (en) text").click()
    expect(page.get_by_test_id("status")).to_have_text("The English (en) text is removed")
    assert sorted(_saved_content(base)) == ["default", "default.zh-CN"]

    # on a phone the editor, its tabs included, fits the screen
    page.set_viewport_size(PHONE)
    chinese_tab.click()
    expect(chinese_tab).to_be_in_viewport()
    used = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert used[0] <= used[1] == PHONE["width"], used
    assert_accessible(page, axe_check, csp)
    assert page.js_errors == []

    # published (four eyes), then a workflow sends it to both readers when a reminder is added
    ok(call(base, "POST", "/api/apps/crm/notification-templates/nudge/submit"))
    templates.approve(rt, Actor.user(reviewer["id"]), "crm", "nudge", "ok")
    ok(call(base, "POST", "/api/apps/crm/notification-templates/nudge/publish"))
    wf_service.create_workflow(rt, Actor.system(), "crm", {
        "key": "tell_both", "form": "follow_up_reminder", "trigger": {"type": "record_event", "on": ["created"]},
        "steps": [{"id": "tell", "type": "notify", "to": [{"users": [readers["zh-CN"]["id"], readers["en"]["id"]]}],
                   "channels": ["inbox"], "template": "nudge"}]})
    wf_service.publish_workflow(rt, Actor.system(), "crm", "tell_both")
    ok(call(base, "POST", "/api/apps/crm/forms/follow_up_reminder/records",
            {"data": {"customer": crm["acme"], "remind_at": "2030-03-10T09:00:00+08:00", "content": "Call Acme"}}))
    assert tick(rt).delivery.sent == 2

    chinese = _inbox_of(browser, base, READERS["zh-CN"])
    assert "跟进 Acme Trading" in chinese and "请致电 Acme Trading。" in chinese
    assert "Follow up" not in chinese and "Please call" not in chinese
    english = _inbox_of(browser, base, READERS["en"])
    assert "Follow up Acme Trading" in english and "Please call Acme Trading." in english
    assert "跟进" not in english and "请致电" not in english
