"""The records grid and boards as a person uses them, in Debian's Chromium against the real app over SQLite, with a
workspace of 300 people beside the CRM's demo customers:
- an Owner cell is edited with the user picker (it searches the server as one types): the 287th person, far past the
  first page of people, is found by typing and chosen with the keyboard, saved, and read by name in the cell; the filter
  builder's Owner value picks "A person…" with the same picker, and the grid then lists that person's customers;
- on the grid, the kanban and the calendar no two controls (buttons, links, text boxes, selects, check boxes) share
  an accessible name unless they do the same thing (links to the same address), in en and zh-CN; a column moves by
  keyboard with buttons named by it ("Move Name down"); three filter conditions are named by their rows
  ("Field, condition 2", "Person for Owner, condition 3");
- the kanban's lanes by Owner are the people the Owner picker offers, a page at a time (…/records/lanes), the people
  holding records first (the 287th person included), then the rest by name;
- the kanban asks every lane's count in one request (…/records/counts) and its lanes read their cards uncounted, each
  lane's count equal to the table's total for that lane;
- a calendar event of a follow-up reminder (whose title is its customer's name) reads that name once.
axe: no serious or critical finding on the changed pages; no horizontal overflow at 390 x 844. The browser's "now" and
the app's are fixed (the month the calendar opens on and the demo's dates are the same whatever day the tests run)."""
from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from designer_ui.i18n import gettext
from engine.runtime import Actor
from engine.services import records, users
from tests.browser.signin import crm_admin
from tests.browser.user_picker_steps import pick_user

ADMIN = {"username": "wangfang", "password": "correct-horse-battery-7", "display_name": "王芳"}
PEOPLE = 300
FAR = 287  # well past the first page (50) of the people list, and past the 200 the pages once loaded
#: "now" for the browser and the app (a Wednesday): the calendar opens on its month whatever day the tests run
NOW = datetime(2026, 3, 11, 2, 0, tzinfo=timezone.utc)
#: the roles whose controls carry a name a person reads
NAMED_ROLES = ("button", "link", "textbox", "searchbox", "combobox", "checkbox", "spinbutton", "radio")


@pytest.fixture
def crm(app_at, page):
    app, url = app_at(NOW)  # the demo's history ends at NOW, the calendar opens on its month: the same page any day
    page.clock.set_fixed_time(NOW)
    world = crm_admin(app, url, page, ADMIN, demo_customers=60)
    rt = world["rt"]
    world["people"] = {i: users.create_user(rt, Actor.system(), f"person{i:03d}", display_name=f"Person {i:03d}", roles=["member"],
                                            check=False)["id"] for i in range(1, PEOPLE + 1)}
    return world


def _on_a_phone(page) -> bool:
    page.set_viewport_size({"width": 390, "height": 844})
    ok = page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    return ok


def _record(page, base, form, record_id):
    return page.request.get(f"{base}/api/apps/crm/forms/{form}/records/{record_id}").json()


def test_an_owner_past_the_first_page_is_found_by_typing_in_the_cell_and_the_filter(crm, page, axe_check):
    base = crm["url"]
    far_id, far_name = crm["people"][FAR], f"Person {FAR:03d}"
    page.goto(base + "/apps/crm/forms/customer/grid")
    rows = page.locator("#grid .tabulator-row")
    expect(rows.first).to_be_visible()
    first = rows.first
    record_id = int(first.locator(".tabulator-cell[tabulator-field=id]").inner_text().lstrip("#"))
    title = page.request.get(f"{base}/api/apps/crm/forms/customer/records/table", params={
        "where": json.dumps({"filters": [{"field": "id", "op": "eq", "value": record_id}]})}).json()["items"][0]["title"]

    # the Owner cell: Enter on the focused cell opens the picker named by the column and the record; type, Down, Enter
    cell = first.locator(".tabulator-cell[tabulator-field=v_owner]")
    cell.focus()
    cell.press("Enter")
    box = page.get_by_role("combobox", name=f"Owner of {title}", exact=True)
    expect(box).to_be_focused()
    assert not axe_check(page), axe_check(page)
    box.press_sequentially(f"{FAR:03d}", delay=30)
    option = page.get_by_role("option", name=re.compile("^" + far_name + " · "))
    expect(option).to_be_visible()
    box.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    with page.expect_response(lambda r: r.request.method == "PATCH" and f"/records/{record_id}" in r.url) as saved:
        box.press("Enter")
    assert saved.value.ok
    expect(box).to_have_count(0)
    expect(first.locator(".tabulator-cell[tabulator-field=v_owner]")).to_have_text(far_name)
    assert _record(page, base, "customer", record_id)["data"]["owner"] == far_id

    # Escape leaves a cell's picker without a change
    cell.focus()
    cell.press("Enter")
    expect(box).to_be_focused()
    box.press("Escape")
    expect(box).to_have_count(0)
    assert _record(page, base, "customer", record_id)["data"]["owner"] == far_id

    # the filter: Owner is "a person…", picked by typing; the grid lists that person's customers only
    page.locator("#grid-filter summary").click()
    page.get_by_role("button", name="Add condition").click()
    cond = page.locator("#grid-conditions li").nth(0)
    cond.get_by_label("Field").select_option(label="Owner")
    cond.get_by_role("combobox", name="Value, condition 1", exact=True).select_option(label="A person…")
    expect(cond.get_by_role("combobox", name="Person for Owner, condition 1", exact=True)).to_be_focused()
    pick_user(cond, "Person for Owner, condition 1", f"{FAR:03d}", far_name)
    with page.expect_response(lambda r: "/records/table" in r.url and "where=" in r.url):
        page.get_by_role("button", name="Apply filter", exact=True).click()
    expect(rows).to_have_count(1)
    expect(page.locator("#grid-total")).to_contain_text("1")
    assert not axe_check(page), axe_check(page)
    assert _on_a_phone(page)


def _named_controls(page) -> list[tuple[str, str, str]]:
    """(role, name, what it does) of every visible control a person reads by name: a link does its address."""
    out = []
    for role in NAMED_ROLES:
        for el in page.get_by_role(role).all():
            if not el.is_visible():
                continue
            name = el.evaluate("e => e.getAttribute('aria-label') || (e.labels && e.labels[0] ? e.labels[0].innerText : '') || e.innerText || e.value || ''")
            out.append((role, " ".join(name.split()), el.get_attribute("href") or "" if role == "link" else str(id(el))))
    return out


def _collisions(page) -> dict:
    controls = _named_controls(page)
    by_name = Counter((role, name) for role, name, _ in controls)
    doing = {}
    for role, name, does in controls:
        doing.setdefault((role, name), set()).add(does)
    # the same name twice is fine only when both do the same thing (two links to one address)
    return {key: n for key, n in by_name.items() if n > 1 and len(doing[key]) > 1}


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_no_two_controls_share_a_name_on_the_grid_kanban_and_calendar(crm, page, axe_check, lang):
    base = crm["url"]
    page.context.add_cookies([{"name": "formflow_lang", "value": lang, "url": base}])
    page.goto(base + "/apps/crm/forms/opportunity/grid")
    expect(page.locator("#grid .tabulator-row").first).to_be_visible()
    page.locator("#grid-filter summary").click()
    for _ in range(3):  # each condition's controls are named with its row ("Field, condition 2" / "字段（第 2 个条件）")
        page.locator("#grid-add-condition").click()
    field_2, person_3 = {"en": ("Field, condition 2", "Person for Owner, condition 3"),
                         "zh-CN": ("字段（第 2 个条件）", "负责人：指定人员（第 3 个条件）")}[lang]
    expect(page.get_by_role("combobox", name=field_2, exact=True)).to_be_visible()
    for row in (1, 2):  # two rows pick a person: their pickers carry their rows too
        cond = page.locator("#grid-conditions li").nth(row)
        cond.locator(".cond-field").select_option("owner")
        cond.locator(".cond-op").select_option("eq")
        cond.locator(".cond-person select").select_option(value="")
    expect(page.get_by_role("combobox", name=person_3, exact=True)).to_be_visible()
    page.locator("#grid-save-view").click()
    page.locator("#grid-columns summary").click()
    assert _collisions(page) == {}, _collisions(page)
    if lang == "en":  # a column moves by keyboard: its buttons are named by it
        names = page.locator("#grid-column-list label").all_inner_texts()
        page.get_by_role("button", name=f"Move {names[0].strip()} down", exact=True).click()
        expect(page.locator("#grid-column-list label").first).to_have_text(re.compile(re.escape(names[1].strip())))
        expect(page.get_by_role("button", name=f"Move {names[0].strip()} down", exact=True)).to_be_focused()
        headers = page.locator("#grid .tabulator-col[tabulator-field^=v_] .tabulator-col-title").all_inner_texts()
        assert headers.index(names[0].strip()) == headers.index(names[1].strip()) + 1
    assert not axe_check(page), axe_check(page)
    for board in ("kanban", "calendar"):
        page.goto(f"{base}/apps/crm/forms/{'opportunity' if board == 'kanban' else 'follow_up_reminder'}/{board}")
        page.wait_for_load_state("networkidle")
        page.locator("#board-filter summary").click()
        for _ in range(3):
            page.locator("#board-add-condition").click()
        page.locator("#board-save-view").click()
        assert _collisions(page) == {}, (board, _collisions(page))
        assert not axe_check(page), (board, axe_check(page))


def test_the_kanban_counts_every_lane_in_one_request(crm, page):
    base = crm["url"]
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/records/" in r.url else None)
    page.goto(base + "/apps/crm/forms/opportunity/kanban")
    lanes = page.locator("#kanban .kanban-lane")
    expect(lanes.first.locator(".kanban-count")).not_to_have_text("")
    page.wait_for_load_state("networkidle")
    counts = [u for u in asked if "/records/counts" in u]
    tables = [u for u in asked if "/records/table" in u]
    assert len(counts) == 1, counts
    assert tables and all("count=0" in u for u in tables), tables
    field = page.locator("#board-field").input_value()
    for i in range(lanes.count()):
        ul = lanes.nth(i).locator(".kanban-cards")
        value = ul.get_attribute("data-value")
        flt = {"field": field, "op": "empty"} if value == "" else {"field": field, "op": "eq", "value": value}
        total = page.request.get(f"{base}/api/apps/crm/forms/opportunity/records/table",
                                 params={"per_page": 1, "where": json.dumps({"filters": [flt]})}).json()["total"]
        assert int(ul.get_attribute("data-total")) == total, (value, total)
        expect(lanes.nth(i).locator(".kanban-count")).to_contain_text(f"{total:,}" if total >= 1000 else str(total))
    assert _on_a_phone(page)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_kanban_lanes_by_person_are_the_people_who_may_be_chosen(crm, page, axe_check, lang):
    """Lanes by Owner are the people the Owner picker offers, a page at a time (…/records/lanes): "No Owner" first, the
    reader, the people holding cards (the 287th person, far past any page of the user list, with their customer), then
    the rest by name (Person 001 has a lane without a record); "Show N more people" says how many are left."""
    base, rt = crm["url"], crm["rt"]
    far_name = f"Person {FAR:03d}"
    mine = records.create_record(rt, Actor.system(), "crm", "customer", {"name": "Far Owner Trading", "owner": crm["people"][FAR]})
    nobodys = records.create_record(rt, Actor.system(), "crm", "customer", {"name": "Ownerless Trading"})
    records.update_record(rt, Actor.system(), "crm", "customer", nobodys["id"], {"owner": None})
    page.context.add_cookies([{"name": "formflow_lang", "value": lang, "url": base}])
    page.goto(base + "/apps/crm/forms/customer/kanban")
    page.get_by_label({"en": "Lanes by", "zh-CN": gettext("records.board.group_field", "zh-CN")}[lang], exact=True).select_option("owner")
    far = page.get_by_role("region", name=far_name, exact=True)
    expect(far.locator(f"[data-record='{mine['id']}']")).to_be_visible()
    expect(far.locator(".kanban-count")).to_have_text(gettext("records.board.lane_count", lang, count=1))
    expect(page.get_by_role("region", name="Person 001", exact=True).locator(".kanban-count")).to_have_text(
        gettext("records.board.lane_count", lang, count=0))
    lanes = page.locator("#kanban .kanban-lane-title").all_inner_texts()
    no_owner = gettext("records.board.no_person", lang, field={"en": "Owner", "zh-CN": "负责人"}[lang])
    assert lanes[0] == no_owner and lanes[1] == ADMIN["display_name"] and far_name in lanes and "Person 002" in lanes, lanes
    listed = page.request.get(f"{base}/api/apps/crm/forms/customer/records/lanes", params={"by": "owner"}).json()
    assert len(lanes) == len(listed["lanes"]) + 1 == 21, lanes
    expect(page.get_by_role("button", name=gettext("records.board.more_people", lang, count=listed["people"] - 20), exact=True)).to_be_visible()
    expect(page.get_by_role("region", name=no_owner, exact=True).locator(f"[data-record='{nobodys['id']}']")).to_be_visible()
    assert not axe_check(page), axe_check(page)
    assert not page.js_errors, page.js_errors


def test_a_reminders_event_reads_its_customer_once(crm, page, axe_check):
    base, rt = crm["url"], crm["rt"]
    customer = records.create_record(rt, Actor.system(), "crm", "customer", {"name": "Zephyr Lamps Ltd"})
    when = NOW + timedelta(days=1)  # 10:00 on the 12th in Shanghai
    records.create_record(rt, Actor.system(), "crm", "follow_up_reminder", {
        "customer": customer["id"], "remind_at": when.isoformat().replace("+00:00", "Z"), "content": "Call about the order"})
    page.goto(base + "/apps/crm/forms/follow_up_reminder/calendar")
    event = page.locator("#calendar .fc-event", has_text="Zephyr Lamps Ltd")
    expect(event).to_have_count(1)
    text = event.inner_text()
    assert text.count("Zephyr Lamps Ltd") == 1, text
    assert "Call about the order" in text, text
    assert not axe_check(page), axe_check(page)
