"""A record's moment (a date-and-time) is an instant on the calendar (static/calendar.js), in Debian's Chromium.

A follow-up reminder at 23:29 (the admin's zone, Asia/Shanghai; the browser is in UTC) is drawn as a short mark that
ends at its day's end: in the week view it sits in its own day's column only (FullCalendar drew it an hour long, into
the next day's column), in the month view in its own day's cell, in the list under its own day; every view says its
start only ("11:29 PM", no end). One at 23:10 dragged half an hour down is stored at 23:40 and its mark, moved with
it, still ends at its day's end (Wednesday's column only). The browser's "now" is fixed (Playwright's clock) and so is
the app's, so the week shown is known."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from engine.runtime import Actor
from engine.services import records
from tests.browser.signin import crm_admin

ADMIN = {"username": "wangfang", "password": "correct-horse-battery-7", "display_name": "王芳"}
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 11, 10, 0, tzinfo=SHANGHAI)  # a Wednesday: its week (Sunday to Saturday in en-US) holds the 12th and 13th
LATE = datetime(2026, 3, 12, 23, 29, tzinfo=SHANGHAI)  # 15:29Z
EVENING = datetime(2026, 3, 11, 23, 10, tzinfo=SHANGHAI)  # dragged half an hour on: 23:40, its mark still ends at midnight


@pytest.fixture
def crm(app_at, page):
    app, url = app_at(NOW)  # the app's clock too: its demo records are dated from that Wednesday
    return crm_admin(app, url, page, ADMIN, demo_customers=2)


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _x_range(locator):
    box = locator.bounding_box()
    return box["x"], box["x"] + box["width"]


def test_a_reminder_at_23_29_shows_in_its_own_day_only_in_every_view(crm, page):
    base, rt = crm["url"], crm["rt"]
    customer = page.request.get(f"{base}/api/apps/crm/forms/customer/records?page_size=1").json()["items"][0]["id"]
    reminder = records.create_record(rt, Actor.system(), "crm", "follow_up_reminder", {
        "customer": customer, "customer_name": "Late call Ltd", "remind_at": _utc(LATE),
        "status": "pending", "content": "call before midnight"})
    evening = records.create_record(rt, Actor.system(), "crm", "follow_up_reminder", {
        "customer": customer, "customer_name": "Evening call Ltd", "remind_at": _utc(EVENING), "status": "pending",
        "content": "call after dinner"})
    page.clock.set_fixed_time(NOW)  # the calendar opens on "today": the week of the 11th
    page.set_viewport_size({"width": 1280, "height": 1800})  # the whole day of the week view on screen
    page.goto(base + "/apps/crm/forms/follow_up_reminder/calendar")
    expect(page.get_by_label("Date field")).to_have_value("remind_at")
    page.get_by_role("button", name="Week", exact=True).click()

    event = page.get_by_role("link", name=re.compile("Late call Ltd"))
    expect(event).to_have_count(1)  # one mark, not one per day it touches
    expect(event).to_be_visible()
    expect(event).to_contain_text("11:29")
    expect(event).not_to_contain_text("12:")  # its start only: no "– 12:29 AM" of an hour's end
    # under Thursday's heading, not Friday's, and not past the day's end (the grid's foot)
    thursday, friday = page.get_by_role("columnheader", name="March 12, 2026"), page.get_by_role("columnheader", name="March 13, 2026")
    (t0, t1), (f0, f1), (e0, e1) = _x_range(thursday), _x_range(friday), _x_range(event)
    assert t0 - 1 <= e0 < e1 <= t1 + 1 and e1 <= f0 + 1, ((t0, t1), (f0, f1), (e0, e1))
    box = event.bounding_box()
    foot = page.locator("td.fc-timegrid-slot-lane[data-time='23:30:00']").bounding_box()
    assert box["y"] + box["height"] <= foot["y"] + foot["height"] + 1, (box, foot)
    # the columns themselves: the event's one part is in the 12th's, none in the 13th's
    expect(page.locator("td.fc-timegrid-col[data-date='2026-03-12']").locator(f".fc-event[data-record='{reminder['id']}']")).to_have_count(1)
    expect(page.locator("td.fc-timegrid-col[data-date='2026-03-13']").locator(f".fc-event[data-record='{reminder['id']}']")).to_have_count(0)

    # dragged half an hour down (one slot): stored at 23:40, the mark in Wednesday's column only
    moved = page.get_by_role("link", name=re.compile("Evening call Ltd"))
    a = moved.bounding_box()
    slot = page.locator("td.fc-timegrid-slot-lane[data-time='23:00:00']").bounding_box()["height"]
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + 4)
    page.mouse.down()
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + 12, steps=3)
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + 4 + slot, steps=10)
    page.mouse.up()
    expect(page.get_by_role("status")).to_contain_text("is now due")
    stored = page.request.get(f"{base}/api/apps/crm/forms/follow_up_reminder/records/{evening['id']}").json()["data"]["remind_at"]
    assert stored == _utc(EVENING + timedelta(minutes=30)), stored
    expect(moved).to_have_count(1)
    expect(moved).to_contain_text("11:40")
    expect(page.locator("td.fc-timegrid-col[data-date='2026-03-11']").locator(f".fc-event[data-record='{evening['id']}']")).to_have_count(1)
    expect(page.locator("td.fc-timegrid-col[data-date='2026-03-12']").locator(f".fc-event[data-record='{evening['id']}']")).to_have_count(0)

    # the month: in the 12th's cell only
    page.get_by_role("button", name="Month", exact=True).click()
    expect(page.locator(f".fc-event[data-record='{reminder['id']}']")).to_have_count(1)
    expect(page.locator("td.fc-day[data-date='2026-03-12']").locator(f".fc-event[data-record='{reminder['id']}']")).to_have_count(1)
    expect(page.get_by_role("link", name=re.compile("Late call Ltd"))).to_contain_text("11:29")

    # the list: under Thursday, said at its start only
    page.get_by_role("button", name="List", exact=True).click()
    row = page.get_by_role("row", name=re.compile("Late call Ltd"))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("11:29")
    expect(row).not_to_contain_text("12:")
    heading = page.locator("tr.fc-list-day[data-date='2026-03-12']")
    expect(heading).to_be_visible()
    assert row.evaluate("(tr, id) => { let r = tr.previousElementSibling; while (r && !r.classList.contains('fc-list-day')) r = r.previousElementSibling; return r && r.getAttribute('data-date'); }") == "2026-03-12"
    assert not page.js_errors, page.js_errors
