"""Kanban, calendar and gallery boards on the CRM with 2,000 demo customers (as `formflow demo --customers 2000`, the
scale issue 22 names), in Debian's Chromium against the real app over SQLite.

The kanban: each lane shows 20 cards and says how many it holds (the API's count for that lane), "Show more" reads the
next 20; an opportunity card dragged from "Initial contact" onto a card in the middle of the long "Proposal / quote"
lane is saved there, then dropped on the "Negotiation" lane's header (and moved on with the card's "Move to" select,
the keyboard's way), the lanes' counts following; a follow-up dragged to "Visit" with a two-word content is refused by the
form's validation and snaps back with the reason; a member whose stage field is read-only gets no "Move to" and a
drag refused by the server. The calendar: a follow-up reminder (a date-and-time) dragged one day later has its due
time and its two planned reminder firings moved by a day (read back on the page and through the API); a crowded day's
"+N more" opens the day's events; the browser's "now" and the app's are fixed (near January's end, the demo's year of
history ending there), so it runs the same on any day. The gallery: a form with an image field shows each record's
thumbnail. Every board: saved as a view with its settings, axe clean (no serious or critical finding), no horizontal overflow on a phone
(390 x 844), and zh-CN. The screenshots docs/screenshots/page_kanban.png, page_calendar.png and
page_gallery.png come from here."""
from __future__ import annotations

import io
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
from PIL import Image
from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from engine.runtime import Actor
from engine.services import credentials, forms, permissions, records, users
from tests.browser.signin import crm_admin, sign_in

ADMIN = {"username": "wangfang", "password": "correct-horse-battery-7", "display_name": "王芳"}
MEMBER = {"username": "zhaoliu", "password": "correct-horse-battery-9", "display_name": "赵六"}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
#: the calendar's "now" (the browser's and the app's): a Thursday near a month's end, so the reminder dragged (three or
#: more days on) is in the next month, the calendar opening on this one
MONTH_END = datetime(2026, 1, 29, 10, 0, tzinfo=timezone(timedelta(hours=8)))


@pytest.fixture
def crm(live_app, live_server, page):
    return crm_admin(live_app, live_server, page, ADMIN, demo_customers=2000)  # the scale the issue names



def _lane(page, name):
    return page.get_by_role("region", name=name, exact=True)


def _drag(page, source, target):
    """Press on ``source``, move in small steps to ``target``'s middle and let go (SortableJS and FullCalendar follow the pointer)."""
    a, b = source.bounding_box(), target.bounding_box()
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] - 6)
    page.mouse.down()
    page.mouse.move(a["x"] + a["width"] / 2 + 8, a["y"] + a["height"] - 6, steps=3)
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=20)
    page.mouse.up()


def _on_a_phone(page) -> bool:
    """At 390 x 844: nothing wider than the screen (the page scrolls only down)."""
    page.set_viewport_size({"width": 390, "height": 844})
    return page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def _no_overflow(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def _lane_total(page, base, form, field, value) -> int:
    """How many records the API counts in a lane (the read gate's answer for the signed-in reader)."""
    where = {"match": "all", "filters": [{"field": field, "op": "eq", "value": value}]}
    return page.request.get(f"{base}/api/apps/crm/forms/{form}/records/table", params={"per_page": 1, "where": json.dumps(where)}).json()["total"]


def _in_view(lane, *cards):
    """Scrolls each card into its lane's view, then the page to the lane's foot: lanes are no taller than the
    screen, so every lane's header and visible cards are on it."""
    for card in cards:
        card.evaluate("el => el.scrollIntoView({block: 'center'})")
    lane.evaluate("el => el.scrollIntoView({block: 'end'})")


def _saved(page):
    """Waits for the records API's answer to a card's move."""
    return page.expect_response(lambda r: r.request.method == "PATCH" and "/records/" in r.url)


def _lane_read(page):
    return page.expect_response(lambda r: "/records/table" in r.url and r.request.method == "GET")


def _axe_clean(axe_check, page):
    violations = axe_check(page)
    assert violations == [], [(v["id"], [(n["target"], n["html"][:150]) for n in v["nodes"]]) for v in violations]


def _record(page, base, form, rid):
    return page.request.get(f"{base}/api/apps/crm/forms/{form}/records/{rid}").json()


def _customer(page, base) -> int:
    return page.request.get(f"{base}/api/apps/crm/forms/customer/records?page_size=1").json()["items"][0]["id"]


def _quiet_day(page, base, now: datetime) -> datetime:
    """07:00Z (15:00 in Shanghai) on the first day from three days after ``now`` whose Shanghai day holds at most two
    reminders: the calendar shows four events a day (dayMaxEvents), so the new reminder is on the grid, not behind "+N more"."""
    shanghai = timedelta(hours=8)
    today = (now.astimezone(timezone.utc) + shanghai).date()
    for ahead in range(3, 40):
        day = today + timedelta(days=ahead)
        start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc) - shanghai
        where = {"match": "all", "filters": [{"field": "remind_at", "op": "between", "value": [
            start.strftime("%Y-%m-%dT%H:%M:%SZ"), (start + timedelta(days=1, seconds=-1)).strftime("%Y-%m-%dT%H:%M:%SZ")]}]}
        found = page.request.get(f"{base}/api/apps/crm/forms/follow_up_reminder/records/table",
                                 params={"per_page": 1, "where": json.dumps(where)}).json()["total"]
        if found <= 2:
            return start + timedelta(hours=15)
    raise AssertionError("no day with room for a reminder in the next 40 days")


def _sign_in(page, base, who):
    page.context.clear_cookies()
    sign_in(page, base, who["username"], who["password"])


def test_kanban_moves_a_card_through_the_write_path_and_a_refused_move_snaps_back(crm, page, axe_check):
    base, rt = crm["url"], crm["rt"]
    deal = records.create_record(rt, Actor.system(), "crm", "opportunity", {"name": "Kanban test deal", "stage": "initial", "amount": 5000,
                                                                           "customer": _customer(page, base)})
    page.goto(base + "/apps/crm/forms/opportunity/grid")
    page.get_by_role("navigation", name="Views of this form").get_by_role("link", name="Kanban").click()
    expect(page.get_by_label("Lanes by")).to_have_value("stage")
    card = _lane(page, "Initial contact").locator(f"[data-record='{deal['id']}']")
    expect(card).to_be_visible()  # the newest card comes first

    # 2,000 customers' opportunities: a lane shows 20 cards and says how many it holds, as the API counts them
    totals = {name: _lane_total(page, base, "opportunity", "stage", value)
              for name, value in (("Initial contact", "initial"), ("Proposal / quote", "proposal"), ("Negotiation", "negotiation"))}
    assert min(totals.values()) > 40, totals  # long lanes: more than two pages each
    for name, total in totals.items():
        expect(_lane(page, name).locator(".kanban-count")).to_have_text(f"{total} in all")
        expect(_lane(page, name).locator(".board-card")).to_have_count(20)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "page_kanban.png"))
    # "Show more" reads the next 20 of that lane, none twice
    proposal = _lane(page, "Proposal / quote")
    with _lane_read(page):
        proposal.get_by_role("button", name="Show more").click()
    expect(proposal.locator(".board-card")).to_have_count(40)
    ids = [li.get_attribute("data-record") for li in proposal.locator(".board-card").all()]
    assert len(set(ids)) == 40

    # drag the card onto a card in the middle of the long "Proposal / quote" lane: saved through PATCH with If-Match
    middle = proposal.locator(".board-card").nth(24)
    _in_view(proposal, middle, card)
    with _saved(page):
        _drag(page, card.locator("dl"), middle)
    expect(page.get_by_role("status")).to_contain_text("moved to Proposal / quote")
    expect(proposal.locator(f"[data-record='{deal['id']}']")).to_be_visible()
    saved = _record(page, base, "opportunity", deal["id"])
    assert saved["data"]["stage"] == "proposal" and saved["version"] == deal["version"] + 1
    expect(_lane(page, "Initial contact").locator(".kanban-count")).to_have_text(f"{totals['Initial contact'] - 1} in all")
    expect(proposal.locator(".kanban-count")).to_have_text(f"{totals['Proposal / quote'] + 1} in all")
    # dropped on the "Negotiation" lane's header, not on its cards: moved there too
    negotiation = _lane(page, "Negotiation")
    _in_view(proposal, proposal.locator(f"[data-record='{deal['id']}']"))
    with _saved(page):
        _drag(page, proposal.locator(f"[data-record='{deal['id']}'] dl"), negotiation.get_by_role("heading", name="Negotiation"))
    expect(page.get_by_role("status")).to_contain_text("moved to Negotiation")
    expect(negotiation.locator(f"[data-record='{deal['id']}']")).to_be_visible()
    assert _record(page, base, "opportunity", deal["id"])["data"]["stage"] == "negotiation"
    expect(negotiation.locator(".kanban-count")).to_have_text(f"{totals['Negotiation'] + 1} in all")
    # the keyboard's way: the card's own "Move to" select
    with _saved(page):
        negotiation.get_by_label("Move “Kanban test deal” to").select_option(label="Proposal / quote")
    expect(page.get_by_role("status")).to_contain_text("moved to Proposal / quote")
    assert _record(page, base, "opportunity", deal["id"])["data"]["stage"] == "proposal"
    expect(proposal.locator(f"[data-record='{deal['id']}']")).to_be_visible()
    expect(negotiation.locator(".kanban-count")).to_have_text(f"{totals['Negotiation']} in all")
    # reading on after a move neither repeats nor skips a card: the lane holds each of its records once
    with _lane_read(page):
        proposal.get_by_role("button", name="Show more").click()
    expect(proposal.locator(".board-card")).to_have_count(61)  # 40 read, the moved card, 20 more
    ids = [li.get_attribute("data-record") for li in proposal.locator(".board-card").all()]
    assert len(set(ids)) == 61
    _axe_clean(axe_check, page)
    assert _on_a_phone(page)
    page.set_viewport_size({"width": 1280, "height": 800})

    # a follow-up moved to "Visit" with two words of content: the form's validation refuses it, the card goes back
    follow = records.create_record(rt, Actor.system(), "crm", "follow_up", {"customer_name": "Refused move Ltd", "method": "call",
                                                                         "content": "short", "customer": _customer(page, base)})
    page.goto(base + "/apps/crm/forms/follow_up/kanban")
    page.get_by_label("Lanes by").select_option(label="Method")
    card = _lane(page, "Phone call").locator(f"[data-record='{follow['id']}']")
    expect(card).to_be_visible()
    expect(_lane(page, "Visit").locator(".board-card")).to_have_count(20)
    _in_view(_lane(page, "Visit"), card)
    with _saved(page):
        _drag(page, card.locator("dl"), _lane(page, "Visit").locator(".kanban-cards"))
    expect(page.get_by_role("status")).to_contain_text("was not moved: Describe a visit in at least 10 characters")
    back = _lane(page, "Phone call").locator(f"[data-record='{follow['id']}']")
    expect(back).to_have_class(re.compile("card-refused"))
    expect(back.locator(".card-error")).to_have_text("Describe a visit in at least 10 characters")
    expect(_lane(page, "Visit").locator(f"[data-record='{follow['id']}']")).to_have_count(0)
    assert _record(page, base, "follow_up", follow["id"])["data"]["method"] == "call"

    # saved as a kanban view with its lane field; it reopens as the kanban
    page.get_by_role("button", name="Save view as…").click()
    page.get_by_label("View name (English)", exact=True).fill("By method")
    page.get_by_role("button", name="Create view", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("saved")
    view = page.request.get(f"{base}/api/apps/crm/forms/follow_up/views").json()["items"][0]
    assert view["definition"]["type"] == "kanban" and view["definition"]["group_field"] == "method"
    page.goto(base + "/apps/crm/forms/follow_up/grid")  # picked on the grid, a kanban view opens its board
    page.get_by_label("View", exact=True).select_option(label="By method")
    expect(page).to_have_url(re.compile(r"/kanban\?view="))
    expect(page.get_by_label("Lanes by")).to_have_value("method")
    page.goto(base + f"/apps/crm/forms/follow_up/calendar?view={view['id']}")
    expect(page).to_have_url(re.compile(r"/kanban\?view="))
    expect(page.get_by_label("Lanes by")).to_have_value("method")
    expect(_lane(page, "Visit").locator(".board-card")).to_have_count(20)
    assert _on_a_phone(page)
    assert not page.js_errors, page.js_errors


def test_a_member_whose_stage_is_read_only_cannot_move_and_sees_only_own_cards(crm, page):
    base, rt = crm["url"], crm["rt"]
    member = users.create_user(rt, Actor.system(), MEMBER["username"], password=MEMBER["password"], display_name=MEMBER["display_name"],
                               roles=["member"], check=False)
    permissions.set_grant(rt, Actor.system(), "crm", "opportunity", "member",
                          {"create": True, "read": "own", "update": "own", "delete": "own", "fields": {"stage": "read", "amount": "hidden"}})
    customer = _customer(page, base)
    mine = records.create_record(rt, Actor.system(), "crm", "opportunity", {"name": "Member's deal", "stage": "needs", "amount": 777,
                                                                         "customer": customer}, owner_id=member["id"])
    theirs = records.create_record(rt, Actor.system(), "crm", "opportunity", {"name": "Someone else's deal", "stage": "needs",
                                                                           "customer": customer})
    _sign_in(page, base, MEMBER)
    page.goto(base + "/apps/crm/forms/opportunity/kanban")
    lane = _lane(page, "Needs confirmed")
    expect(lane.locator(f"[data-record='{mine['id']}']")).to_be_visible()
    expect(lane.locator(f"[data-record='{theirs['id']}']")).to_have_count(0)  # row scope: own records only
    # the lane's count and "Show more" are the member's too: one own deal among the demo's hundreds in that stage
    expect(page.locator(".kanban-count")).to_have_text(["0 in all", "1 in all"] + ["0 in all"] * 5)  # every lane read
    expect(page.get_by_role("button", name="Show more")).to_have_count(0)
    expect(lane.locator(".kanban-move")).to_have_count(0)  # a read-only lane field offers no move
    card_fields = page.locator("#board-card-list")
    page.get_by_text("Card fields").click()
    expect(card_fields.get_by_label("Stage")).to_have_count(1)
    expect(card_fields.get_by_label("Amount")).to_have_count(0)  # hidden from members: not even as a card field
    assert "777" not in page.content()
    # the server is the judge: the same move through the API is refused for the field
    r = page.request.patch(f"{base}/api/apps/crm/forms/opportunity/records/{mine['id']}", data={"data": {"stage": "won"}},
                           headers={"X-CSRFToken": page.evaluate("() => document.querySelector('meta[name=csrf-token]').content")})
    assert r.status == 422 and r.json()["error"]["errors"][0]["path"] == "/data/stage", r.text()
    assert r.json()["error"]["errors"][0]["message"] == "is read-only for your role"
    assert _record(page, base, "opportunity", mine["id"])["data"]["stage"] == "needs"


@pytest.fixture
def crm_at_month_end(app_at, page):
    """The CRM with 2,000 demo customers whose year of history ends at ``MONTH_END``, the browser's "now" fixed there too."""
    app, url = app_at(MONTH_END)
    page.clock.set_fixed_time(MONTH_END)  # the calendar opens on "today": January 2026
    return crm_admin(app, url, page, ADMIN, demo_customers=2000)


def test_calendar_drag_reschedules_a_reminder_and_replans_its_firings(crm_at_month_end, page, axe_check):
    base, rt = crm_at_month_end["url"], crm_at_month_end["rt"]
    at = _quiet_day(page, base, MONTH_END)  # 15:00 in Shanghai on a day with room for one more event (not under "+N more")
    reminder = records.create_record(rt, Actor.system(), "crm", "follow_up_reminder", {
        "customer": _customer(page, base), "customer_name": "Calendar drag Ltd", "remind_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "status": "pending",
        "content": "call about the quote"})
    before = page.request.get(f"{base}/api/apps/crm/records/{reminder['id']}/due").json()["items"]
    assert len(before) == 2
    page.goto(base + "/apps/crm/forms/follow_up_reminder/calendar")
    expect(page.get_by_label("Date field")).to_have_value("remind_at")
    event = page.locator(f".fc-event[data-record='{reminder['id']}']")
    local_day = page.evaluate("(iso) => { const d = new Date(iso); return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0'); }",
                              at.strftime("%Y-%m-%dT%H:%M:%SZ"))
    later = page.evaluate("(day) => { const d = new Date(day + 'T12:00:00'); d.setDate(d.getDate() + 1); return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0'); }",
                          local_day)
    expect(page.locator("td.fc-day").first).to_be_visible()
    for _ in range(2):  # the month shown is today's (January): move on to the reminder's when it is not in it
        if page.locator(f"td.fc-day[data-date='{local_day}']").count() and page.locator(f"td.fc-day[data-date='{later}']").count():
            break
        page.get_by_role("button", name="Next month", exact=True).click()
    expect(event).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "page_calendar.png"), full_page=True)
    target = page.locator(f"td.fc-day[data-date='{later}']")
    target.evaluate("el => el.scrollIntoView({block: 'center'})")  # the pointer acts on what is on screen: a last row may be below it
    _drag(page, event, target)
    expect(page.get_by_role("status")).to_contain_text("is now due")
    moved = at + timedelta(days=1)
    assert _record(page, base, "follow_up_reminder", reminder["id"])["data"]["remind_at"] == moved.strftime("%Y-%m-%dT%H:%M:%SZ")
    after = page.request.get(f"{base}/api/apps/crm/records/{reminder['id']}/due").json()["items"]
    shift = [datetime.fromisoformat(b["fire_at"].replace("Z", "+00:00")) + timedelta(days=1) for b in before]
    assert [datetime.fromisoformat(a["fire_at"].replace("Z", "+00:00")) for a in after] == shift
    planned = page.get_by_role("region", name=re.compile("Planned reminders"))
    expect(planned.locator("li")).to_have_count(2)
    assert [li.get_attribute("data-fire-at") for li in planned.locator("li").all()] == [a["fire_at"] for a in after]
    _axe_clean(axe_check, page)
    # 2,000 customers' reminders crowd some days: "+N more" opens that day's events in a dialog
    more = page.get_by_role("button", name=re.compile(r"^\+\d+ more$")).first
    if not more.count() and page.get_by_role("button", name="Today").is_enabled():  # a month ahead may have room on every day; this month's days are full (the demo's past year)
        page.get_by_role("button", name="Today").click()
    expect(more).to_be_visible()
    hidden = int(re.search(r"\d+", more.inner_text()).group())
    more.click()
    day = page.get_by_role("dialog")
    expect(day).to_be_visible()
    date = day.get_attribute("data-date")
    start = datetime.fromisoformat(date).replace(tzinfo=timezone.utc) - timedelta(hours=8)  # that day in Shanghai
    where = {"match": "all", "filters": [{"field": "remind_at", "op": "between", "value": [
        start.strftime("%Y-%m-%dT%H:%M:%SZ"), (start + timedelta(days=1, seconds=-1)).strftime("%Y-%m-%dT%H:%M:%SZ")]}]}
    total = page.request.get(f"{base}/api/apps/crm/forms/follow_up_reminder/records/table",
                             params={"per_page": 1, "where": json.dumps(where)}).json()["total"]
    assert 0 < hidden < total
    expect(day.locator(".fc-event")).to_have_count(total)  # every reminder of that day, the hidden ones too
    _axe_clean(axe_check, page)
    day.get_by_role("button", name="Close").press("Enter")
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert _on_a_phone(page)
    # in Chinese: the page's own words and the calendar's
    page.goto(base + "/apps/crm/forms/follow_up_reminder/calendar?lang=zh-CN")
    expect(page.get_by_label("日期字段")).to_have_value("remind_at")
    expect(page.get_by_role("button", name="今天")).to_be_visible()
    expect(page.get_by_role("button", name="下个月", exact=True)).to_be_visible()  # a month, not a page
    expect(page.locator(".fc-event").first).to_be_visible()
    assert _no_overflow(page)
    assert not page.js_errors, page.js_errors


def _png(color) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 420), color).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def small_crm(live_app, live_server, page):
    return crm_admin(live_app, live_server, page, ADMIN, demo_customers=12)  # the gallery's form is its own: no scale needed


def test_gallery_shows_thumbnails_and_speaks_chinese(small_crm, page, axe_check):
    base, rt = small_crm["url"], small_crm["rt"]
    admin = users.create_user(rt, Actor.system(), "photoadmin", display_name="Photo admin", roles=["admin"], check=False)
    token = credentials.create_token(rt, Actor.user(admin["id"], roles=["admin"]), "gallery test")["token"]
    forms.create_form(rt, Actor.system(), "crm", {"key": "site_photo", "label": {"en": "Site photo", "zh-CN": "现场照片"}, "fields": [
        {"id": "title", "type": "text", "label": {"en": "Title", "zh-CN": "标题"}},
        {"id": "photo", "type": "image", "label": {"en": "Photo", "zh-CN": "照片"}}]})
    forms.publish_form(rt, Actor.system(), "crm", "site_photo")
    auth = {"Authorization": f"Bearer {token}"}
    for title, color in (("North gate", (200, 40, 40)), ("Loading dock", (40, 90, 200))):
        up = requests.post(f"{base}/api/attachments", params={"app": "crm", "form": "site_photo", "field": "photo"}, headers=auth,
                           files={"file": (f"{title}.png", _png(color), "image/png")}, timeout=30)
        assert up.status_code == 201, up.text
        made = requests.post(f"{base}/api/apps/crm/forms/site_photo/records", headers=auth, timeout=30,
                             json={"data": {"title": title, "photo": up.json()["id"]}})
        assert made.status_code == 201, made.text
    page.goto(base + "/apps/crm/forms/site_photo/gallery")
    thumbs = page.get_by_role("img", name=re.compile("Picture of"))
    expect(thumbs).to_have_count(2)
    expect(page.get_by_role("img", name="Picture of North gate")).to_be_visible()
    page.wait_for_function("() => [...document.querySelectorAll('.gallery-thumb')].every(i => i.complete && i.naturalWidth > 0)")
    assert page.get_by_role("img", name="Picture of North gate").evaluate("i => i.naturalWidth") == 320
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "page_gallery.png"), full_page=True)
    _axe_clean(axe_check, page)
    assert _on_a_phone(page)
    # the same page in Chinese
    page.goto(base + "/apps/crm/forms/site_photo/gallery?lang=zh-CN")
    expect(page.get_by_role("img", name="North gate的图片")).to_be_visible()
    expect(page.get_by_label("图片字段")).to_have_value("photo")
    assert not page.js_errors, page.js_errors
