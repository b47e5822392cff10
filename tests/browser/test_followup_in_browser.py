"""The built-in CRM in Chromium, as a salesperson and an admin use it (issue 21, issue 23 "one owner").

A salesperson opens a customer, starts a follow-up from the customer's page and touches only what a person types
(content, method, reminder on, next time) and the Owner, picked by hand: the defaults ("$now") and the values fetched
from the customer fill themselves, it saves, the chosen Owner is kept, the reminder exists with its due events and its
notice reaches that Owner. A double click on Submit makes one record. The admin drops four fields from the palette in a
chosen order (one between two existing fields) and the saved draft has that order; a field moves three places by
keyboard, focus staying on its card.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from engine.notifications.tables import inbox_messages
from engine.runtime import Actor
from engine.scheduler import tick
from engine.services import app_templates, forms as form_service, records as record_service, users
from engine.workflows.tables import due_events
from tests.browser.signin import sign_in

PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def crm(live_app, live_server):
    rt = live_app.extensions["formflow"]
    people = {}
    for username, name, roles in (("lilei", "Li Lei", ["admin"]), ("wang", "Wang Fang", ["member"]), ("zhao", "Zhao Min", ["member"])):
        people[username] = users.create_user(rt, Actor.system(), username, password=PASSWORD, display_name=name, roles=roles,
                                             timezone="Asia/Shanghai", check=False)["id"]
    app_templates.install_template(rt, Actor.system(), "crm")
    wang = Actor.user(people["wang"])
    customers = {}
    for name, phone in (("Acosta-Payne Holdings", "13800000001"), ("Big Acosta-Payne", "13800000002"), ("Acosta-Payne", "13800000003")):
        customers[name] = record_service.create_record(rt, wang, "crm", "customer", {"name": name, "phone": phone})["id"]
    return {"url": live_server, "rt": rt, "people": people, "customers": customers}


def _all(rt, form_key):
    from engine.storage.tables import forms, records

    with rt.db.read() as conn:
        return conn.execute(sa.select(records.c.id, records.c.data, records.c.owner_id).join(forms, forms.c.id == records.c.form_id)
                            .where(forms.c.key == form_key).order_by(records.c.id)).all()


def test_salesperson_creates_a_follow_up_from_the_customers_page(page, crm, axe_check):
    rt, people = crm["rt"], crm["people"]
    sign_in(page, crm["url"], "wang", PASSWORD)
    page.goto(f"{crm['url']}/apps/crm/forms/customer/records/{crm['customers']['Acosta-Payne']}")
    page.get_by_role("link", name="New Follow-up record").click()

    # picked and fetched from the customer's page; the serial says when it comes; no "$now" anywhere
    expect(page.get_by_test_id("fill-customer")).to_contain_text("Acosta-Payne")
    expect(page.get_by_label("Customer name")).to_have_value("Acosta-Payne")
    expect(page.get_by_test_id("fill-owner")).to_contain_text("Wang Fang")
    expect(page.get_by_test_id("input-serial")).to_have_text("Assigned on save")
    assert page.get_by_label("Followed up at").input_value()  # the default, resolved by the server

    # the picker ranks the exact match first and shows the phone beside it
    picker = page.get_by_role("combobox", name="Customer")
    picker.fill("Acosta-Payne")
    options = page.get_by_role("option")
    expect(options.first).to_contain_text("13800000003")
    expect(options.first).to_have_text("Acosta-Payne 13800000003")
    page.keyboard.press("Escape")
    picker.fill("")

    # what a person types, and the Owner picked by hand
    page.get_by_label("Method").select_option("visit")
    page.get_by_label("Content").fill("Visited the head office, discussed the plan")
    page.get_by_role("switch", name="Enable follow-up reminder").check()
    when = (datetime.now(timezone.utc) + timedelta(days=3)).astimezone(timezone(timedelta(hours=8))).replace(hour=15, minute=0)
    page.get_by_label("Next follow-up time").fill(when.strftime("%Y-%m-%dT%H:%M"))
    owner = page.get_by_role("combobox", name="Owner")
    page.get_by_test_id("fill-owner").get_by_role("button").first.click()  # remove the fetched owner's chip
    owner.fill("Zhao")
    page.get_by_role("option", name="Zhao Min").click()
    assert axe_check(page) == []
    page.get_by_test_id("submit").dblclick()

    expect(page.get_by_test_id("form-success")).to_be_visible()
    page.wait_for_url("**/apps/crm/forms/follow_up/records/*")
    assert page.js_errors == []
    page.goto(f"{crm['url']}/apps/crm/forms/customer/records/{crm['customers']['Acosta-Payne']}")
    assert axe_check(page) == []

    saved = _all(rt, "follow_up")
    assert len(saved) == 1  # the double click made one record
    _, data, owner_id = saved[0]
    assert (data["owner"], owner_id) == (people["zhao"], people["zhao"])  # the choice was kept on save
    assert data["customer_name"] == "Acosta-Payne" and data["phone"].endswith("13800000003")
    assert data["followed_at"].endswith("Z")
    reminders = _all(rt, "follow_up_reminder")
    assert [(r.data["owner"], r.owner_id) for r in reminders] == [(people["zhao"], people["zhao"])]
    with rt.db.read() as conn:
        planned = conn.execute(sa.select(due_events.c.fire_at).where(due_events.c.record_id == reminders[0].id)).scalars().all()
    assert len(planned) == 2
    tick(rt, max(planned) + timedelta(seconds=1))
    with rt.db.read() as conn:
        notices = conn.execute(sa.select(inbox_messages.c.user_id).where(inbox_messages.c.title.contains("Acosta-Payne"))).scalars().all()
    assert notices and set(notices) == {people["zhao"]}


def _cards(page, section: str) -> list[str]:
    return page.get_by_test_id(f"section-{section}").locator(".field-card").evaluate_all("els => els.map(e => e.dataset.id)")


def test_admin_drops_fields_where_dropped_and_moves_one_by_keyboard(page, crm):
    sign_in(page, crm["url"], "lilei", PASSWORD)
    page.goto(crm["url"] + "/apps/crm/forms/follow_up/design")
    page.get_by_test_id("field-method").wait_for()
    assert _cards(page, "what") == ["method", "followed_at", "content", "result"]

    def drop(kind: str, onto: str, top: bool) -> None:  # top: before that card; else after it (the grid has two columns)
        target = page.get_by_test_id(f"field-{onto}")
        box = target.bounding_box()
        page.get_by_test_id(f"palette-{kind}").drag_to(target, target_position={"x": 6, "y": 4} if top else {"x": box["width"] - 6, "y": box["height"] - 4})

    drop("text", "followed_at", top=True)     # between method and followed_at
    drop("number", "result", top=False)       # after result
    drop("email", "method", top=True)         # first
    drop("url", "content", top=True)          # between followed_at and content
    order = _cards(page, "what")
    assert order == ["email", "method", "text", "followed_at", "url", "content", "result", "number"], order
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("status")).to_have_text("Draft saved")
    draft = form_service.get_draft(crm["rt"], "crm", "follow_up")["definition"]
    assert next(s for s in draft["layout"]["sections"] if s["id"] == "what")["fields"] == order

    # three places down by keyboard: focus stays on the card; the last move crosses into the next section
    card = page.get_by_test_id("field-content")
    expect(card).to_have_attribute("aria-keyshortcuts", "Alt+ArrowUp Alt+ArrowDown")
    expect(page.get_by_test_id("move-hint")).to_have_text("Alt+↑ / Alt+↓ move this field")
    card.focus()
    for _ in range(3):
        page.keyboard.press("Alt+ArrowDown")
        expect(page.get_by_test_id("field-content")).to_be_focused()
    assert _cards(page, "what") == ["email", "method", "text", "followed_at", "url", "result", "number"]
    assert _cards(page, "next")[0] == "content"
    page.keyboard.press("Control+z")
    assert _cards(page, "what")[-1] == "content"
    assert page.js_errors == []


@pytest.mark.parametrize("lang, owner, creator", [("en", "Record owner (field: Owner)", "Record owner (who created it)"),
                                                  ("zh-CN", "数据负责人（字段：负责人）", "数据负责人（创建人）")])
def test_workflow_recipients_name_the_owner_field_once(page, crm, lang, owner, creator):
    sign_in(page, crm["url"], "lilei", PASSWORD)
    page.goto(crm["url"] + f"/apps/crm/workflows/editor?new=1&lang={lang}")
    page.get_by_test_id("wf-form").select_option("follow_up_reminder")
    recipients = page.get_by_test_id("wf-to")
    expect(recipients.get_by_test_id("wf-to-owner").locator("xpath=..")).to_have_text(owner)
    labels = recipients.locator("label.check").all_inner_texts()
    assert sum("负责人" in x or "Owner" in x for x in labels) == 2, labels  # the owner, and the owner's manager
    page.get_by_test_id("wf-form").select_option("contact")  # no owner field: the one who created the record
    expect(recipients.get_by_test_id("wf-to-owner").locator("xpath=..")).to_have_text(creator)
    assert page.js_errors == []


def test_computed_values_follow_the_input_as_the_user_types(page, crm):
    sign_in(page, crm["url"], "wang", PASSWORD)
    page.goto(crm["url"] + "/apps/crm/forms/customer/new")
    grade = page.get_by_test_id("input-grade")
    expect(grade).to_have_text("D")  # no need stated yet: the formula's last branch, before anything is saved
    page.get_by_test_id("input-need").select_option("clear")
    expect(grade).to_have_text("B")
    page.get_by_test_id("input-industry").select_option("manufacturing")
    expect(grade).to_have_text("A")
    page.get_by_label("Name").fill("Live Grade Ltd")
    page.get_by_test_id("submit").click()
    page.wait_for_url("**/apps/crm/forms/customer/records/*")
    saved = [r for r in _all(crm["rt"], "customer") if r.data["name"] == "Live Grade Ltd"]
    assert [r.data["grade"] for r in saved] == ["A"]  # what the server stored is what the form showed
    assert page.js_errors == []


def test_the_follow_up_form_fits_a_phone(browser, crm):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    try:
        sign_in(page, crm["url"], "wang", PASSWORD)
        page.goto(f"{crm['url']}/apps/crm/forms/follow_up/new?customer={crm['customers']['Acosta-Payne']}&lang=zh-CN")
        expect(page.get_by_test_id("input-serial")).to_have_text("保存时自动生成")
        expect(page.get_by_test_id("fill-owner")).to_contain_text("Wang Fang")
        page.get_by_role("combobox", name="客户").fill("Acosta")
        expect(page.get_by_role("option").first).to_contain_text("1380000000")
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()
