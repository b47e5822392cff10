"""A wrong address under the app is the app's own page, not a bare one (issue 21): a 404 (and a 405) renders with the
app's stylesheet, its header and navigation, in the reader's language, on a desktop and a phone (no horizontal
overflow), axe clean; signed in and not."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from tests.browser.signin import crm_admin, sign_in

ADMIN = {"username": "lost", "password": "correct-horse-battery-7", "display_name": "Lou Lost"}
#: addresses no route matches: an app page that does not exist, an unknown app, anything
UNMATCHED = ("/apps/crm/workflows", "/apps/nope", "/nope/at/all")
#: pages of things that do not exist (signed out, these ask to sign in first)
MISSING = ("/apps/crm/forms/nope/records", "/apps/crm/forms/customer/records/999999")
DESKTOP = {"viewport": {"width": 1440, "height": 900}, "locale": "en-US"}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "zh-CN"}
#: what the page looks like: the app's stylesheet applied (the header is laid out by it), the width it takes
LOOK = """() => {
  const bar = document.querySelector('header.topbar');
  const rules = s => { try { return s.cssRules.length; } catch (e) { return -1; } };
  const sheets = [...document.styleSheets].map(s => [s.href, rules(s)]);
  const sheet = sheets.some(([href, n]) => (href || '').includes('/static/') && n > 0);
  return {sheet, sheets, barDisplay: bar ? getComputedStyle(bar).display : null,
          bodyFont: getComputedStyle(document.body).fontFamily,
          overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth};
}"""


def _check(page, base: str, path: str, words: dict, axe_check) -> None:
    response = page.goto(base + path)
    assert response.status == 404, path
    expect(page.get_by_role("heading", level=1)).to_contain_text(words["heading"])
    said = page.get_by_role("alert").inner_text()
    assert words["says"].search(said), (path, said)  # in the reader's language (a refusal may name what is missing)
    expect(page.get_by_role("link", name=words["home"])).to_be_visible()
    look = page.evaluate(LOOK)
    assert look["sheet"], (path, look["sheets"])  # the app's stylesheet loaded and applied
    assert look["barDisplay"] not in (None, "block", "inline"), (path, look)  # the header is the styled one (flex)
    assert "serif" != look["bodyFont"].strip().lower() and "Times" not in look["bodyFont"], look
    assert look["overflow"] <= 0, (path, look)
    assert axe_check(page) == [], path


EN = {"heading": "404", "says": re.compile(r"^[^\u4e00-\u9fff]*(not found|does not exist|not been published)", re.I), "home": "Go to the start page"}
ZH = {"heading": "404", "says": re.compile(r"(未找到|不存在|未发布|尚未发布)"), "home": "返回首页"}


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "signed-in"])
def test_wrong_addresses_show_the_apps_own_page(live_app, live_server, browser, axe_check, signed_in):
    seed = browser.new_context(**DESKTOP)
    try:
        crm_admin(live_app, live_server, seed.new_page(), ADMIN)
    finally:
        seed.close()
    for options, words in ((DESKTOP, EN), (PHONE, ZH)):
        context = browser.new_context(**options)
        try:
            page = context.new_page()
            errors = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            if signed_in:
                sign_in(page, live_server, ADMIN["username"], ADMIN["password"])
            for path in UNMATCHED + (MISSING if signed_in else ()):
                _check(page, live_server, path, words, axe_check)
                if signed_in:
                    expect(page.get_by_test_id("nav-apps")).to_be_attached()  # the app's navigation
            assert errors == []
        finally:
            context.close()


#: the pages of a form: each names a form key the app does not have, or one not published yet
FORM_PAGES = ("/apps/crm/forms/{form}/records", "/apps/crm/forms/{form}/new", "/apps/crm/forms/{form}/records/1",
              "/apps/crm/forms/{form}/records/1/edit", "/apps/crm/forms/{form}/grid", "/apps/crm/forms/{form}/kanban",
              "/apps/crm/forms/{form}/calendar", "/apps/crm/forms/{form}/gallery")
NO_FORM = {"en": ("404", re.compile(r"^form 'nope' does not exist in app 'crm'$"), "Go to the start page"),
           "zh-CN": ("404", re.compile(r"^应用 'crm' 中不存在表单 'nope'$"), "返回首页")}
NOT_PUBLISHED = {"en": re.compile(r"^form 'draft_only' has not been published yet$"), "zh-CN": re.compile(r"^表单 'draft_only' 尚未发布$")}


def test_a_form_key_that_does_not_exist_is_a_404_saying_so_not_unpublished(live_app, live_server, browser, axe_check):
    from engine.runtime import Actor
    from engine.services import forms as form_service

    seed = browser.new_context(**DESKTOP)
    try:
        crm_admin(live_app, live_server, seed.new_page(), ADMIN)
    finally:
        seed.close()
    form_service.create_form(live_app.extensions["formflow"], Actor.system(), "crm",
                             {"key": "draft_only", "label": "Draft only", "fields": [{"id": "title", "type": "text"}]})
    for options, lang in ((DESKTOP, "en"), (PHONE, "zh-CN")):
        heading, says, home = NO_FORM[lang]
        context = browser.new_context(**options)
        try:
            page = context.new_page()
            sign_in(page, live_server, ADMIN["username"], ADMIN["password"])
            for path in FORM_PAGES:
                _check(page, live_server, path.format(form="nope"),
                       {"heading": heading, "says": says, "home": home}, axe_check)
                expect(page.locator("html")).to_have_attribute("lang", lang)
            # a form that exists but has no published version yet still says that
            response = page.goto(live_server + FORM_PAGES[0].format(form="draft_only"))
            assert response.status == 404
            assert NOT_PUBLISHED[lang].search(page.get_by_role("alert").inner_text())
        finally:
            context.close()
