"""A drop that would change what the calendar's date field holds is refused (static/calendar.js), in Debian's Chromium.

A follow-up reminder's "Reminder time" is a date and a time. Dragged from its 15:00 slot in the week view into the all-day
row, it used to be stored at 00:00 as an all-day event. Now the drop is refused: the event goes back to its slot, the
page says why (in English, and in Chinese on a zh-CN page), nothing is written, and the record is unchanged through
the API and in the database. The reverse: an opportunity's "Expected close" is a date only. Dragged from the all-day
row into a timed slot, it would get a time it can't hold, so that drop is refused the same way. The browser's "now" and
the app's are fixed (Playwright's clock, the app's clock), so the week shown is the same on any day the test runs."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from engine.runtime import Actor
from engine.services import records
from tests.browser.signin import crm_admin

ADMIN = {"username": "wangfang", "password": "correct-horse-battery-7", "display_name": "王芳"}
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 11, 10, 0, tzinfo=SHANGHAI)  # a Wednesday: its week (Sunday to Saturday in en-US) holds the 12th and 13th
AT = datetime(2026, 3, 12, 15, 0, tzinfo=SHANGHAI)  # 07:00Z
CLOSE = date(2026, 3, 12)


@pytest.fixture
def crm(app_at, page):
    app, url = app_at(NOW)
    page.clock.set_fixed_time(NOW)  # the calendar opens on "today": the week of the 11th
    return crm_admin(app, url, page, ADMIN, demo_customers=2)


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _middle(box):
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _drag_to(page, event, x, y):
    """Press on the event, move a little (FullCalendar starts a drag past a few pixels), then to (x, y) and let go."""
    a = event.bounding_box()
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + 4)
    page.mouse.down()
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + 12, steps=3)
    page.mouse.move(x, y, steps=20)
    page.mouse.up()


def _writes(page) -> list[str]:
    sent: list[str] = []
    page.on("request", lambda r: sent.append(f"{r.method} {r.url}") if r.method in ("PATCH", "PUT", "POST") and "/records/" in r.url else None)
    return sent


def _week(page, week_button: str):
    page.get_by_role("button", name=week_button, exact=True).click()
    expect(page.locator("td.fc-timegrid-col[data-date='2026-03-12']")).to_have_count(1)  # today's week


def test_a_timed_reminder_dropped_in_the_all_day_row_stays_where_it_was_and_the_page_says_why(crm, page):
    base, rt = crm["url"], crm["rt"]
    customer = page.request.get(f"{base}/api/apps/crm/forms/customer/records?page_size=1").json()["items"][0]["id"]
    reminder = records.create_record(rt, Actor.system(), "crm", "follow_up_reminder", {
        "customer": customer, "customer_name": "All-day drop Ltd", "remind_at": _utc(AT), "status": "pending",
        "content": "call about the quote"})
    api = f"{base}/api/apps/crm/forms/follow_up_reminder/records/{reminder['id']}"
    sent = _writes(page)
    page.set_viewport_size({"width": 1280, "height": 1800})  # the whole day of the week view on screen, for the pointer
    page.goto(base + "/apps/crm/forms/follow_up_reminder/calendar")
    expect(page.get_by_label("Date field")).to_have_value("remind_at")
    _week(page, "Week")
    event = page.get_by_role("link", name=re.compile("All-day drop Ltd"))
    expect(event).to_have_count(1)
    expect(event).to_contain_text("3:00")
    column = page.locator("td.fc-timegrid-col[data-date='2026-03-12']")
    expect(column.locator(f".fc-event[data-record='{reminder['id']}']")).to_have_count(1)

    # into Friday's all-day cell: the all-day row's height, Friday's column
    x, _ = _middle(page.get_by_role("columnheader", name="March 13, 2026").bounding_box())
    _, y = _middle(page.get_by_text("all-day", exact=True).bounding_box())
    _drag_to(page, event, x, y)
    status = page.get_by_role("status")
    expect(status).to_have_text(re.compile(r"^“All-day drop Ltd[^”]*” was not moved: Reminder time holds a date and a time, so it can't be all-day\.$"))
    expect(status).to_have_class(re.compile("alert-error"))
    # back in its 15:00 slot on Thursday, timed, not in the all-day row
    expect(event).to_have_count(1)
    expect(event).to_contain_text("3:00")
    expect(column.locator(f".fc-event[data-record='{reminder['id']}']")).to_have_count(1)
    expect(page.locator(f".fc-daygrid-body .fc-event[data-record='{reminder['id']}']")).to_have_count(0)
    box, fifteen = event.bounding_box(), page.locator("td.fc-timegrid-slot-lane[data-time='15:00:00']").bounding_box()
    assert abs(box["y"] - fifteen["y"]) < 4, (box, fifteen)
    # nothing written: the record is as it was, through the API and in the database
    assert sent == [], sent
    stored = page.request.get(api).json()
    assert stored["data"]["remind_at"] == _utc(AT) and stored["version"] == reminder["version"], stored
    held = records.get_record(rt, Actor.system(), "crm", "follow_up_reminder", reminder["id"])
    assert held["data"]["remind_at"] == _utc(AT) and held["version"] == reminder["version"], held
    # a later drag still works: the refused one left the event movable (one day on, same time)
    x, _ = _middle(page.get_by_role("columnheader", name="March 13, 2026").bounding_box())
    a = event.bounding_box()
    _drag_to(page, event, x, a["y"] + 4)
    expect(status).to_contain_text("is now due")
    assert page.request.get(api).json()["data"]["remind_at"] == _utc(AT.replace(day=13))

    # the same refusal on a Chinese page, in Chinese
    page.goto(base + "/apps/crm/forms/follow_up_reminder/calendar?lang=zh-CN")
    expect(page.get_by_label("日期字段")).to_have_value("remind_at")
    _week(page, "周")
    event = page.get_by_role("link", name=re.compile("All-day drop Ltd"))
    expect(event).to_have_count(1)
    x, _ = _middle(page.locator("th.fc-col-header-cell[data-date='2026-03-12']").bounding_box())
    _, y = _middle(page.get_by_text("全天", exact=True).bounding_box())  # the all-day row, named in Chinese
    _drag_to(page, event, x, y)
    expect(page.get_by_role("status")).to_have_text(re.compile(r"^“All-day drop Ltd[^”]*”未移动：.+是日期时间字段，不能设为全天。$"))
    assert page.request.get(api).json()["data"]["remind_at"] == _utc(AT.replace(day=13))
    assert [s for s in sent if not s.startswith("PATCH")] == [] and len(sent) == 1, sent  # the one allowed move only
    assert not page.js_errors, page.js_errors


def test_a_day_dropped_in_a_timed_slot_stays_a_day_and_the_page_says_why(crm, page):
    base, rt = crm["url"], crm["rt"]
    customer = page.request.get(f"{base}/api/apps/crm/forms/customer/records?page_size=1").json()["items"][0]["id"]
    deal = records.create_record(rt, Actor.system(), "crm", "opportunity", {
        "name": "Timed drop deal", "stage": "initial", "customer": customer, "expected_close": CLOSE.isoformat()})
    api = f"{base}/api/apps/crm/forms/opportunity/records/{deal['id']}"
    sent = _writes(page)
    page.set_viewport_size({"width": 1280, "height": 1800})
    page.goto(base + "/apps/crm/forms/opportunity/calendar")
    page.get_by_label("Date field").select_option("expected_close")
    _week(page, "Week")
    event = page.get_by_role("link", name=re.compile("Timed drop deal"))
    expect(event).to_have_count(1)
    expect(page.locator(f".fc-daygrid-body .fc-event[data-record='{deal['id']}']")).to_have_count(1)  # in the all-day row

    x, _ = _middle(page.get_by_role("columnheader", name="March 12, 2026").bounding_box())
    _, y = _middle(page.locator("td.fc-timegrid-slot-lane[data-time='10:00:00']").bounding_box())
    _drag_to(page, event, x, y)
    status = page.get_by_role("status")
    expect(status).to_have_text(re.compile(r"^“Timed drop deal[^”]*” was not moved: Expected close holds a date only, so it can't be put at a time of day\.$"))
    expect(page.locator(f".fc-daygrid-body .fc-event[data-record='{deal['id']}']")).to_have_count(1)  # still all day
    expect(page.locator(f".fc-timegrid-col .fc-event[data-record='{deal['id']}']")).to_have_count(0)
    assert sent == [], sent
    stored = page.request.get(api).json()
    assert stored["data"]["expected_close"] == CLOSE.isoformat() and stored["version"] == deal["version"], stored
    held = records.get_record(rt, Actor.system(), "crm", "opportunity", deal["id"])
    assert held["data"]["expected_close"] == CLOSE.isoformat() and held["version"] == deal["version"], held
    assert not page.js_errors, page.js_errors
