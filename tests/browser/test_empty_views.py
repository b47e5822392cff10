"""An empty form's grid, kanban, calendar and gallery (the very first page a new user sees), in Debian's Chromium
against the real app over SQLite, read in English and in Chinese, on a desktop and on a phone (390 x 844): axe finds
nothing serious or critical (the "no records" text's contrast, a scroll box a keyboard can reach and that is named in
the reader's language), the page never scrolls sideways, and the empty state says so with a "New record" action (only
for a reader who may add records); a search that finds nothing on the grid says "No records match." in view."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from engine.runtime import Actor
from engine.services import forms, permissions, users
from tests.browser.signin import crm_admin, sign_in

ADMIN = {"username": "lina", "password": "correct-horse-battery-5", "display_name": "李娜"}
READER = {"username": "zhouqi", "password": "correct-horse-battery-8", "display_name": "周七"}
TEXTS = {"en": {"empty": "No records yet", "new": "New record", "none_match": "No records match.", "lanes": "Kanban lanes"},
         "zh-CN": {"empty": "还没有记录", "new": "新增记录", "none_match": "没有符合条件的记录。", "lanes": "看板泳道"}}


@pytest.fixture
def crm(live_app, live_server, page):
    made = crm_admin(live_app, live_server, page, ADMIN)
    forms.create_form(made["rt"], Actor.system(), "crm", {"key": "site_photo", "label": {"en": "Site photo", "zh-CN": "现场照片"}, "fields": [
        {"id": "title", "type": "text", "label": {"en": "Title", "zh-CN": "标题"}},
        {"id": "photo", "type": "image", "label": {"en": "Photo", "zh-CN": "照片"}}]})
    forms.publish_form(made["rt"], Actor.system(), "crm", "site_photo")
    return made


def _axe_clean(axe_check, page, where):
    violations = axe_check(page)
    assert violations == [], (where, [(v["id"], [(n["target"], n["html"][:150], [a.get("message") for a in n.get("any", [])]) for n in v["nodes"]]) for v in violations])


def _no_overflow(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


PAGES = (("grid", "customer", "grid"), ("kanban", "opportunity", "kanban"), ("calendar", "follow_up_reminder", "calendar"),
         ("gallery", "site_photo", "gallery"))


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_empty_views_are_accessible_helpful_and_fit_a_phone(crm, page, axe_check, lang):
    base, words = crm["url"], TEXTS[lang]
    for board, form, testid in PAGES:
        for size in ({"width": 1280, "height": 800}, {"width": 390, "height": 844}):
            page.set_viewport_size(size)
            page.goto(f"{base}/apps/crm/forms/{form}/{board}?lang={lang}")
            page.get_by_test_id(testid).wait_for(state="attached")
            page.wait_for_load_state("networkidle")
            where = (board, lang, size["width"])
            _axe_clean(axe_check, page, where)
            assert _no_overflow(page), where
            empty = page.get_by_test_id("empty-state")
            expect(empty).to_be_visible()
            expect(empty).to_contain_text(words["empty"])
            new = empty.get_by_role("link", name=words["new"])
            expect(new).to_have_attribute("href", f"/apps/crm/forms/{form}/new")
            # every box that scrolls is reachable by keyboard (axe's scrollable-region-focusable, by hand, wider than axe's
            # own view of the page) and a box that is a tab stop of its own is named
            unreachable = page.evaluate("""() => [...document.querySelectorAll('body *')].filter(el => {
                const s = getComputedStyle(el);
                const scrolls = (/(auto|scroll)/.test(s.overflowX) && el.scrollWidth > el.clientWidth)
                             || (/(auto|scroll)/.test(s.overflowY) && el.scrollHeight > el.clientHeight);
                if (!scrolls || el.offsetParent === null) return false;
                if (el.tabIndex >= 0) return !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby');
                return !el.querySelector('a[href],button,input,select,textarea,[tabindex]');
            }).map(el => el.id || el.className)""")
            assert unreachable == [], (where, unreachable)
            if board == "kanban":  # the lanes' box: a tab stop named in the reader's language
                lanes = page.get_by_role("region", name=words["lanes"], exact=True)
                expect(lanes).to_have_attribute("tabindex", "0")
                lanes.focus()
                expect(lanes).to_be_focused()
            if board == "grid":  # a search that finds nothing: Tabulator's "No records match." in view, not "No records yet"
                page.locator("#grid-search").fill("zzz")
                expect(empty).to_be_hidden()
                placeholder = page.locator(".tabulator-placeholder-contents")
                expect(placeholder).to_have_text(words["none_match"])
                expect(placeholder).to_be_visible()
                box, holder = placeholder.bounding_box(), page.locator(".tabulator-tableholder").bounding_box()
                assert holder["x"] <= box["x"] and box["x"] + box["width"] <= holder["x"] + holder["width"] + 1, (where, box, holder)
                _axe_clean(axe_check, page, where + ("search",))
    assert not page.js_errors, page.js_errors


def test_a_reader_who_may_not_add_records_is_offered_no_new_record(crm, page):
    """A member whose role reads customers and opportunities but adds none: "No records yet" alone, no "New record"."""
    rt = crm["rt"]
    users.create_user(rt, Actor.system(), READER["username"], password=READER["password"], display_name=READER["display_name"],
                      roles=["member"], check=False)
    for form in ("customer", "opportunity"):
        permissions.set_grant(rt, Actor.system(), "crm", form, "member",
                              {"create": False, "read": "all", "update": "none", "delete": "none", "fields": {}})
    page.context.clear_cookies()
    sign_in(page, crm["url"], READER["username"], READER["password"])
    for board, form in (("grid", "customer"), ("kanban", "opportunity")):
        page.goto(f"{crm['url']}/apps/crm/forms/{form}/{board}")
        empty = page.get_by_test_id("empty-state")
        expect(empty).to_contain_text("No records yet")
        expect(empty.get_by_role("link")).to_have_count(0)
    assert not page.js_errors, page.js_errors
