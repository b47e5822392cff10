"""The calendar runs in the reader's saved time zone, not the browser's (static/calendar.js), in Debian's Chromium.

The admin's zone is Asia/Shanghai; the browser and the machine are in UTC. A follow-up reminder stored at 07:00Z shows
at 15:00 in the week view; dragged to 09:00 of the same day it is stored 01:00Z (09:00 in Shanghai), and the page
says the new time as the reader reads it. The same for a reader in Europe/Berlin on the Sunday its clocks go forward
(a week that runs over March's end) and on the Sunday they go back: 15:00 there is 13:00Z then 14:00Z, 09:00 is
07:00Z then 08:00Z. The browser's "now" and the app's are fixed (Playwright's clock, the app's clock) in the
reminder's week, so the week shown is known on any day the test runs."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from engine.runtime import Actor
from engine.services import records
from tests.browser.signin import crm_admin

ADMIN = {"username": "wangfang", "password": "correct-horse-battery-7", "display_name": "王芳"}
#: (the reader's zone, "now" there (browser and app), the reminder's day, its 15:00 there in UTC, 09:00 there in UTC)
CASES = {
    "shanghai": ("Asia/Shanghai", datetime(2026, 3, 11, 10, 0), date(2026, 3, 13), "07:00", "01:00"),  # a Wednesday; the Friday
    "berlin_clocks_forward": ("Europe/Berlin", datetime(2026, 3, 31, 10, 0), date(2026, 3, 29), "13:00", "07:00"),
    "berlin_clocks_back": ("Europe/Berlin", datetime(2026, 10, 27, 10, 0), date(2026, 10, 25), "14:00", "08:00"),
}


@pytest.mark.parametrize("zone, now, day, shown_utc, nine_utc", list(CASES.values()), ids=list(CASES))
def test_a_reader_drags_a_reminder_to_nine_their_time_and_that_moment_is_stored(app_at, page, zone, now, day, shown_utc, nine_utc):
    now = now.replace(tzinfo=ZoneInfo(zone))
    app, base = app_at(now)
    page.clock.set_fixed_time(now)  # the calendar opens on "today": the reminder's week
    rt = crm_admin(app, base, page, ADMIN, demo_customers=2, timezone=zone)["rt"]
    assert page.evaluate("() => Intl.DateTimeFormat().resolvedOptions().timeZone") in ("UTC", "Etc/UTC")
    at = datetime(day.year, day.month, day.day, 15, 0, tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)
    assert at.strftime("%H:%M") == shown_utc  # the zone's offset that day, as the case says
    customer = page.request.get(f"{base}/api/apps/crm/forms/customer/records?page_size=1").json()["items"][0]["id"]
    reminder = records.create_record(rt, Actor.system(), "crm", "follow_up_reminder", {
        "customer": customer, "customer_name": "Zone drag Ltd", "remind_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "status": "pending",
        "content": "call about the quote"})
    page.set_viewport_size({"width": 1280, "height": 1800})  # the whole day of the week view on screen, for the pointer
    page.goto(base + "/apps/crm/forms/follow_up_reminder/calendar")
    expect(page.get_by_label("Date field")).to_have_value("remind_at")
    page.get_by_role("button", name="Week", exact=True).click()
    column = page.locator(f"td.fc-timegrid-col[data-date='{day.isoformat()}']")
    expect(column).to_have_count(1)  # today's week holds it
    event = page.locator(f".fc-event[data-record='{reminder['id']}']")
    expect(event).to_be_visible()
    # shown at 15:00 (the reader's zone), not at the browser's UTC
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
    assert stored == f"{day.isoformat()}T{nine_utc}:00Z"
    # said in the reader's zone and language (formflow.moment): 9:00 AM, not the UTC hour
    expect(page.get_by_role("status")).to_contain_text("9:00")
    assert not page.js_errors, page.js_errors
