"""The calendar's own labels are in the page's language (static/calendar.js), in Debian's Chromium.

FullCalendar was given the page's locale code ('zh-cn') but no zh-cn locale pack: the toolbar's texts, "+N more", the
all-day row and the empty list came from the catalogue, but what it did not say stayed FullCalendar's English on a
Chinese page: the day popover's close button ("Close") and the list view's column names ("Time", "Event", read by a
screen reader). Now the same version's zh-cn pack is vendored (vendor/fullcalendar-locales) and loaded by the calendar
page (its week: Monday first), and every text the calendar shows or names a control by comes from the catalogue.
A user on a zh-CN page finds the toolbar's buttons by their Chinese names (今天, 月, 周,
列表), a week that starts on Monday, "还有 N 项", 全天 and 没有记录。, and no English word in any calendar
label, title or accessible name in the month, week and list views or the day's popover; the same page in English
has the English names and a week from Sunday. The browser's "now" and the app's are fixed (Playwright's clock, the
app's clock), so the month shown is the same on any day the test runs.

Previous / next say what they go back and forth by, not a pager's words (they were 上一页 / 下一页, "previous / next
page"): 上个月 / 下个月 ("Previous month" / "Next month") in the month view, 上一周 / 下一周 ("Previous week" /
"Next week") in the week and list views, as their accessible names (found by role and name) and as their hints (title),
changed when the view is; the pager's words are on no calendar button."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from engine.runtime import Actor
from engine.services import records
from tests.browser.signin import crm_admin

ADMIN = {"username": "wangfang", "password": "correct-horse-battery-7", "display_name": "王芳"}
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 11, 10, 0, tzinfo=SHANGHAI)  # a Wednesday
BUSY = 6  # reminders on the 12th: more than the month view's 4 a day, so it shows "+2 more"

#: (lang, the buttons by name, previous / next by the view's unit, the month view's first weekday header, "+2 more",
#: the all-day row, an empty list)
LANGS = {
    "zh": ("zh-CN", ["今天", "月", "周", "列表"], {"month": ("上个月", "下个月"), "week": ("上一周", "下一周")},
           "周一", "还有 2 项", "全天", "没有记录。"),
    "en": ("en", ["Today", "Month", "Week", "List"], {"month": ("Previous month", "Next month"),
                                                      "week": ("Previous week", "Next week")},
           "Sun", "+2 more", "all-day", "No records."),
}
#: a pager's words, which a calendar's previous / next never say
PAGER = {"zh-CN": ("上一页", "下一页"), "en": ("Previous", "Next")}

#: every text in the calendar a person reads or hears, but the events' own titles (their records' data): text nodes,
#: titles, aria-labels and the list view's hidden column names
LABELS = """() => {
  const root = document.getElementById('calendar'), out = [];
  const own = (el) => !el.closest('.fc-event, .fc-list-event');
  const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    if (n.textContent.trim() && own(n.parentElement)) out.push(n.textContent.trim());
  }
  root.querySelectorAll('[title], [aria-label]').forEach((el) => {
    if (!own(el)) return;
    ['title', 'aria-label'].forEach((a) => { if (el.getAttribute(a)) out.push(el.getAttribute(a)); });
  });
  return out;
}"""
ENGLISH = re.compile(r"[A-Za-z]{2,}")


@pytest.fixture
def crm(app_at, page):
    app, url = app_at(NOW)
    page.clock.set_fixed_time(NOW)  # the calendar opens on "today": March 2026
    out = crm_admin(app, url, page, ADMIN, demo_customers=2)
    customer = page.request.get(f"{url}/api/apps/crm/forms/customer/records?page_size=1").json()["items"][0]["id"]
    for n in range(BUSY):
        at = datetime(2026, 3, 12, 9 + n, 0, tzinfo=SHANGHAI).astimezone(timezone.utc)
        records.create_record(out["rt"], Actor.system(), "crm", "follow_up_reminder", {
            "customer": customer, "customer_name": f"客户{n}", "remind_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "status": "pending", "content": "报价"})
    return out


def _english(page) -> list[str]:
    return [text for text in page.evaluate(LABELS) if ENGLISH.search(text)]


def _steps(page, lang, names):
    """previous / next are found by their names (role and accessible name) and hint the same; no pager's words"""
    for name in names:
        button = page.locator("#calendar").get_by_role("button", name=name, exact=True)
        expect(button).to_have_count(1)
        expect(button).to_have_attribute("title", name)
    for word in PAGER[lang]:
        expect(page.locator("#calendar").get_by_role("button", name=word, exact=True)).to_have_count(0)
        expect(page.locator(f'#calendar [title="{word}"]')).to_have_count(0)


@pytest.mark.parametrize("lang, buttons, steps, first_day, more, all_day, empty", list(LANGS.values()), ids=list(LANGS))
def test_the_calendar_labels_are_in_the_page_language(crm, page, lang, buttons, steps, first_day, more, all_day, empty):
    page.set_viewport_size({"width": 1280, "height": 1800})
    page.goto(crm["url"] + f"/apps/crm/forms/follow_up_reminder/calendar?lang={lang}")
    expect(page.locator("#calendar .fc-event")).not_to_have_count(0)
    for name in buttons:  # the toolbar's buttons, found by role and name as a user (or a screen reader) does
        expect(page.locator("#calendar").get_by_role("button", name=name, exact=True)).to_have_count(1)
    _steps(page, lang, steps["month"])
    expect(page.locator("#calendar th.fc-col-header-cell").first).to_have_text(first_day)  # zh: the pack's Monday first
    more_link = page.locator("#calendar").get_by_role("button", name=more, exact=True)
    expect(more_link).to_have_count(1)
    month, week, list_view = buttons[1], buttons[2], buttons[3]
    if lang == "zh-CN":
        assert _english(page) == []  # the month view, its buttons' hints and the "+2 more" link's hint
        more_link.click()
        expect(page.get_by_role("dialog")).to_be_visible()
        assert _english(page) == []  # the day's popover and its close button
        page.keyboard.press("Escape")
    else:
        expect(page.locator("#calendar").get_by_role("button", name=month, exact=True)).to_have_attribute("title", "Month view")
    page.locator("#calendar").get_by_role("button", name=week, exact=True).click()
    expect(page.locator("#calendar").get_by_text(all_day, exact=True)).to_have_count(1)  # the week view's all-day row
    _steps(page, lang, steps["week"])  # renamed with the view
    if lang == "zh-CN":
        assert _english(page) == []
    page.locator("#calendar").get_by_role("button", name=list_view, exact=True).click()
    expect(page.locator("#calendar .fc-list-event")).to_have_count(BUSY)
    if lang == "zh-CN":
        assert _english(page) == []  # the list's day headers and its hidden column names (时间, 事件)
    _steps(page, lang, steps["week"])  # the list goes by weeks too
    page.locator("#calendar").get_by_role("button", name=steps["week"][1], exact=True).click()  # next week: nothing planned
    expect(page.locator("#calendar").get_by_text(empty, exact=True)).to_be_visible()
    if lang == "zh-CN":
        assert _english(page) == []
    page.locator("#calendar").get_by_role("button", name=month, exact=True).click()  # back to a month: its names again
    expect(page.locator("#calendar th.fc-col-header-cell").first).to_have_text(first_day)
    _steps(page, lang, steps["month"])
    assert not page.js_errors, page.js_errors
