"""The calendar runs in the reader's saved time zone, not the browser's (static/calendar.js), in Debian's Chromium.

The admin's zone is Asia/Shanghai; the browser and the machine are in UTC. A follow-up reminder stored at 07:00Z shows
at 15:00 in the week view; dragged to 09:00 of the same day it is stored 01:00Z (09:00 in Shanghai), and the page
says the new time as the reader reads it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from engine.runtime import Actor
from engine.services import records
from tests.browser.signin import crm_admin

ADMIN = {"username": "wangfang", "password": "correct-horse-battery-7", "display_name": "王芳"}
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def crm(live_app, live_server, page):
    return crm_admin(live_app, live_server, page, ADMIN, demo_customers=2)


def test_a_shanghai_reader_drags_a_reminder_to_nine_and_it_is_stored_one_utc(crm, page):
    base, rt = crm["url"], crm["rt"]
    assert page.evaluate("() => Intl.DateTimeFormat().resolvedOptions().timeZone") in ("UTC", "Etc/UTC")
    day = (datetime.now(timezone.utc).astimezone(SHANGHAI) + timedelta(days=2)).date()
    at = datetime(day.year, day.month, day.day, 15, 0, tzinfo=SHANGHAI).astimezone(timezone.utc)  # 07:00Z
    customer = page.request.get(f"{base}/api/apps/crm/forms/customer/records?page_size=1").json()["items"][0]["id"]
    reminder = records.create_record(rt, Actor.system(), "crm", "follow_up_reminder", {
        "customer": customer, "customer_name": "Zone drag Ltd", "remind_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "status": "pending",
        "content": "call about the quote"})
    page.set_viewport_size({"width": 1280, "height": 1800})  # the whole day of the week view on screen, for the pointer
    page.goto(base + "/apps/crm/forms/follow_up_reminder/calendar")
    expect(page.get_by_label("Date field")).to_have_value("remind_at")
    page.get_by_role("button", name="Week", exact=True).click()
    column = page.locator(f"td.fc-timegrid-col[data-date='{day.isoformat()}']")
    for _ in range(2):  # this week or the next
        if column.count():
            break
        page.get_by_role("button", name="Next").click()
    event = page.locator(f".fc-event[data-record='{reminder['id']}']")
    expect(event).to_be_visible()
    # shown at 15:00 (Shanghai), not at 07:00 (the browser's UTC)
    box, fifteen = event.bounding_box(), page.locator("td.fc-timegrid-slot-lane[data-time='15:00:00']").bounding_box()
    assert abs(box["y"] - fifteen["y"]) < 4, (box, fifteen)

    nine, col = page.locator("td.fc-timegrid-slot-lane[data-time='09:00:00']").bounding_box(), column.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 4)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 12, steps=3)
    page.mouse.move(col["x"] + col["width"] / 2, nine["y"] + 4, steps=20)
    page.mouse.up()
    expect(page.get_by_role("status")).to_contain_text("is now due")
    stored = page.request.get(f"{base}/api/apps/crm/forms/follow_up_reminder/records/{reminder['id']}").json()["data"]["remind_at"]
    assert stored == f"{day.isoformat()}T01:00:00Z"
    # said in the reader's zone and language (formflow.moment): 9:00 AM, not 1:00 AM
    expect(page.get_by_role("status")).to_contain_text("9:00")
    assert not page.js_errors, page.js_errors
