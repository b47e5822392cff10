"""The designer and the generated forms against the REAL app (formflow.create_app
over SQLite), driven in Debian's Chromium.

An admin builds the follow-up record form in the designer (drag from the
palette, the keyboard alternative, a rule from the rule builder, save, publish);
an end user fills the generated form (the compiled rule shows and hides the
next follow-up time), submits, finds the record in the list, filters it and
opens its history and related records. Every page is checked with axe-core
and under the app's own CSP; the screenshots in docs/screenshots come from here.
"""
from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest

from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

CUSTOMER = {
    "key": "customer", "label": {"en": "Customer", "zh-CN": "客户"},
    "fields": [{"id": "name", "type": "text", "label": {"en": "Name", "zh-CN": "名称"}, "required": True},
               {"id": "phone", "type": "phone", "label": {"en": "Phone", "zh-CN": "电话"}}],
    "settings": {"title_field": "name"},
}
METHODS = [{"value": "call", "label": {"en": "Call", "zh-CN": "电话"}},
           {"value": "visit", "label": {"en": "Visit", "zh-CN": "拜访"}}]
#: the follow-up form as the admin starts it: the switch and the time come from the designer
FOLLOW_UP_START = {
    "key": "follow_up", "label": {"en": "Follow-up record", "zh-CN": "跟进记录"},
    "fields": [
        {"id": "customer", "type": "reference", "label": {"en": "Customer", "zh-CN": "客户"}, "required": True,
         "options": {"form": "customer"}},
        {"id": "method", "type": "select", "label": {"en": "Method", "zh-CN": "跟进方式"}, "options": {"choices": METHODS}},
        {"id": "content", "type": "textarea", "label": {"en": "Content", "zh-CN": "跟进内容"}},
    ],
}
#: the finished form (what the designer test produces), for the end-user tests
FOLLOW_UP = {
    **FOLLOW_UP_START,
    "fields": FOLLOW_UP_START["fields"] + [
        {"id": "enable_reminder", "type": "boolean", "label": {"en": "Enable follow-up reminder", "zh-CN": "开启跟进提醒"}},
        {"id": "next_follow_up", "type": "datetime", "label": {"en": "Next follow-up time", "zh-CN": "下次跟进时间"}}],
    "rules": [{"id": "r1", "name": "Show next follow-up when the reminder is on", "when": "enable_reminder == true",
               "effects": [{"field": "next_follow_up", "visible": True, "required": True}]}],
    "validations": [  # 提交校验, re-checked by the server on every submit
        {"id": "next_follow_up_later", "name": "next follow-up is in the future", "when": "enable_reminder == true",
         "condition": "next_follow_up > $now", "fields": ["next_follow_up"],
         "message": {"en": "The next follow-up time must be later than now", "zh-CN": "下次跟进时间必须晚于当前时间"}},
        {"id": "visit_content", "name": "a visit is described", "when": "method == 'visit'",
         "condition": "content != null and content.length >= 10", "fields": ["content"],
         "message": {"en": "Describe a visit in at least 10 characters", "zh-CN": "拜访的跟进内容至少10个字"}}],
}


#: the admin who builds the app in these tests (a real user, signed in through the login page)
ADMIN = {"username": "lilei", "password": "correct-horse-battery-9", "display_name": "Li Lei"}
#: API token of that admin for the set-up calls (set by the `crm` fixture)
TOKEN: dict = {}


def call(base: str, method: str, path: str, body=None, headers=None):
    """The REST API, as any client uses it (with the admin's bearer token): (status, JSON body, headers)."""
    data = json.dumps(body).encode() if body is not None else None
    auth = {"Authorization": f"Bearer {TOKEN['token']}"} if TOKEN else {}
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json", "Accept": "application/json", **auth, **(headers or {})})
    try:
        with urllib.request.urlopen(req) as resp:
            raw = resp.read()
            return resp.status, (json.loads(raw) if raw else None), resp.headers
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null"), exc.headers


def ok(result, *statuses):
    status, body, _ = result
    assert status in (statuses or (200, 201)), body
    return body


@pytest.fixture
def crm(live_app, live_server, page):
    """An admin signed in, an app with a published customer form and two customers; the follow-up form is not there yet."""
    from engine.runtime import Actor
    from engine.services import credentials, users

    rt = live_app.extensions["formflow"]
    admin = users.create_user(rt, Actor.system(), ADMIN["username"], password=ADMIN["password"], display_name=ADMIN["display_name"],
                              roles=["admin"], timezone="Asia/Shanghai", check=False)
    TOKEN["token"] = credentials.create_token(rt, Actor.user(admin["id"]), "browser tests")["token"]
    page.goto(live_server + "/")                            # the sign-in wall
    page.locator("#login-username").fill(ADMIN["username"])
    page.locator("#login-password").fill(ADMIN["password"])
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("nav-apps").wait_for()
    ok(call(live_server, "POST", "/api/apps", {"key": "crm", "label": {"en": "Sales CRM", "zh-CN": "销售CRM"},
                                               "description": "Customers and follow-ups"}))
    ok(call(live_server, "POST", "/api/apps/crm/forms", CUSTOMER))
    ok(call(live_server, "POST", "/api/apps/crm/forms/customer/publish"))
    acme = ok(call(live_server, "POST", "/api/apps/crm/forms/customer/records", {"data": {"name": "Acme Trading", "phone": "13800000000"}}))
    ok(call(live_server, "POST", "/api/apps/crm/forms/customer/records", {"data": {"name": "Beta Works"}}))
    yield {"url": live_server, "acme": acme["id"], "admin": admin, "app": live_app}
    TOKEN.clear()


#: the reminder the follow-up's automation creates (跟进提醒)
REMINDER = {
    "key": "follow_up_reminder", "label": {"en": "Follow-up reminder", "zh-CN": "跟进提醒"},
    "fields": [
        {"id": "customer", "type": "reference", "label": {"en": "Customer", "zh-CN": "客户"}, "options": {"form": "customer"}},
        {"id": "remind_at", "type": "datetime", "label": {"en": "Reminder time", "zh-CN": "提醒时间"}, "required": True},
        {"id": "content", "type": "textarea", "label": {"en": "Content", "zh-CN": "提醒内容"}},
        {"id": "follow_up", "type": "reference", "label": {"en": "Follow-up record", "zh-CN": "来源跟进记录"},
         "options": {"form": "follow_up"}}],
}
#: on submit with the reminder on, create (and on later edits update) the reminder (自动操作)
CREATE_REMINDER = {
    "id": "create_reminder", "name": "create the follow-up reminder",
    "trigger": {"on": "create_or_update", "when": "enable_reminder == true"},
    "action": {"type": "create_record", "form": "follow_up_reminder", "map": [
        {"field": "customer", "from": "customer"}, {"field": "remind_at", "from": "next_follow_up"},
        {"field": "content", "template": "Follow up: {{ record.content }}"}, {"field": "follow_up", "from": "$id"}]},
}


@pytest.fixture
def published(crm):
    """The finished follow-up form with its reminder automation, and the reminder form, published."""
    base = crm["url"]
    ok(call(base, "POST", "/api/apps/crm/forms", FOLLOW_UP))
    ok(call(base, "POST", "/api/apps/crm/forms", REMINDER))
    draft = ok(call(base, "GET", "/api/apps/crm/forms/follow_up/draft"))
    ok(call(base, "PUT", "/api/apps/crm/forms/follow_up/draft", {**draft["definition"], "automations": [CREATE_REMINDER]}))
    ok(call(base, "POST", "/api/apps/crm/forms/follow_up_reminder/publish"))
    ok(call(base, "POST", "/api/apps/crm/forms/follow_up/publish"))
    return crm


def _csp_watch(page):
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    return violations


def assert_accessible(page, axe_check, csp=None):
    """0 serious/critical axe violations; first, no CSP violation so far (injecting axe itself trips the CSP)."""
    if csp is not None:
        assert csp == []
    violations = axe_check(page)
    assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations] == []
    if csp is not None:
        csp.clear()


def shot(page, name, full_page=True):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=full_page)


def card_order(page, section="main"):
    return page.evaluate("s => [...document.querySelectorAll('[data-testid=section-' + s + '] .field-card')].map(e => e.dataset.id)",
                         section)


def test_every_page_sends_the_strict_csp(published):
    for path in ("/", "/apps/crm/forms/follow_up/design", "/apps/crm/forms/follow_up/new", "/apps/crm/forms/follow_up/records",
                 "/inbox", "/rules/runtime.js"):
        req = urllib.request.Request(published["url"] + path, headers={"Authorization": f"Bearer {TOKEN['token']}"})
        with urllib.request.urlopen(req) as resp:
            csp = resp.headers["Content-Security-Policy"]
            assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, path
            assert resp.headers["X-Content-Type-Options"] == "nosniff"
            assert resp.headers["Referrer-Policy"]


def test_admin_builds_the_follow_up_form_in_the_designer(page, crm, axe_check):
    base = crm["url"]
    ok(call(base, "POST", "/api/apps/crm/forms", FOLLOW_UP_START))
    csp = _csp_watch(page)
    page.goto(base + "/")
    page.get_by_test_id("form-crm-follow_up").get_by_role("link", name="Design").click()
    page.get_by_test_id("field-customer").wait_for()

    # drag the switch from the palette onto the canvas, after "content"
    page.get_by_test_id("palette-boolean").drag_to(page.get_by_test_id("field-content"), target_position={"x": 40, "y": 40})
    expect(page.get_by_test_id("field-boolean")).to_be_visible()
    page.get_by_test_id("field-boolean").click()
    page.locator("#p-label-en").fill("Enable follow-up reminder")
    page.locator("#p-name").fill("enable_reminder")

    # the keyboard alternative: add from the palette with Enter, then move the card with Alt+Arrow
    page.get_by_test_id("palette-datetime").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("field-datetime")).to_be_visible()
    page.locator("#p-label-en").fill("Next follow-up time")
    page.locator("#p-name").fill("next_follow_up")
    order = card_order(page)
    assert sorted(order) == ["content", "customer", "enable_reminder", "method", "next_follow_up"] and order[-1] == "next_follow_up"
    page.get_by_test_id("field-next_follow_up").focus()
    page.keyboard.press("Alt+ArrowUp")
    moved = order[:-2] + ["next_follow_up", order[-2]]
    assert card_order(page) == moved
    page.get_by_test_id("field-next_follow_up").get_by_test_id("move-down").click()
    assert card_order(page) == order

    # an invalid value is refused by the server and shown at the field; what was typed stays
    page.get_by_test_id("field-next_follow_up").click()
    page.locator("#p-name").fill("Next Follow-up")
    page.get_by_test_id("save-draft").click()
    card = page.get_by_test_id("field-next_follow_up")
    expect(card).to_have_class(re.compile("has-error"))
    expect(page.locator("#p-name")).to_have_class(re.compile("has-error"))
    assert page.locator("#p-name").input_value() == "Next Follow-up"
    page.locator("#p-name").fill("next_follow_up")
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("status")).to_have_text("Draft saved")
    expect(card).not_to_have_class(re.compile("has-error"))
    shot(page, "designer.png", full_page=False)

    # the rule, built with the rule builder: show (and require) the time only when the switch is on
    page.get_by_test_id("tab-rules").click()
    page.get_by_test_id("add-rule").click()
    rule = page.get_by_test_id("rule-r1")
    rule.get_by_test_id("add-condition").first.click()
    rule.get_by_test_id("cond-field").select_option("enable_reminder")
    expect(rule.get_by_test_id("rule-expression")).to_have_text("enable_reminder == true")
    rule.get_by_test_id("add-effect").click()
    rule.get_by_test_id("effect-field").select_option("next_follow_up")
    rule.get_by_test_id("effect-visible").select_option("true")
    rule.get_by_test_id("effect-required").select_option("true")
    assert_accessible(page, axe_check, csp)

    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("status")).to_contain_text("Published")
    version = ok(call(base, "GET", "/api/apps/crm/forms/follow_up/versions/1"))
    definition = version["definition"]
    assert definition["layout"]["sections"][0]["fields"] == order
    assert definition["rules"][0]["when"] == "enable_reminder == true"
    assert definition["rules"][0]["effects"] == [{"field": "next_follow_up", "visible": True, "required": True}]
    assert page.js_errors == []
    assert csp == []

    # the published form runs the rule the admin just built
    page.goto(base + "/apps/crm/forms/follow_up/new")
    page.get_by_test_id("fill-customer").wait_for()
    expect(page.get_by_test_id("fill-next_follow_up")).to_be_hidden()
    page.get_by_test_id("input-enable_reminder").check()
    expect(page.get_by_test_id("fill-next_follow_up")).to_be_visible()


def test_designer_keeps_work_on_a_stale_draft(page, crm):
    base = crm["url"]
    ok(call(base, "POST", "/api/apps/crm/forms", FOLLOW_UP_START))
    page.goto(base + "/apps/crm/forms/follow_up/design")
    page.get_by_test_id("field-customer").wait_for()
    page.get_by_test_id("palette-text").click()
    page.locator("#p-label-en").fill("Result")
    expect(page.locator("#p-name")).to_have_value("result")  # the new field's key (and card) follow its label
    # another tab saves the draft meanwhile
    draft = ok(call(base, "GET", "/api/apps/crm/forms/follow_up/draft"))
    ok(call(base, "PUT", "/api/apps/crm/forms/follow_up/draft", {**draft["definition"], "label": "Renamed elsewhere"},
            {"If-Match": f'"{draft["draft_revision"]}"'}))
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("status")).to_contain_text("changed in another tab")
    expect(page.get_by_test_id("field-result")).to_contain_text("Result")    # nothing typed is lost
    assert ok(call(base, "GET", "/api/apps/crm/forms/follow_up/draft"))["definition"]["label"] == "Renamed elsewhere"
    assert page.js_errors == []


def test_the_property_panel_is_built_from_the_field_types(page, crm):
    """Type-specific properties come from each type's descriptors (GET /api/field-types): label, input, default, save."""
    base = crm["url"]
    ok(call(base, "POST", "/api/apps/crm/forms", FOLLOW_UP_START))
    page.goto(base + "/apps/crm/forms/follow_up/design")
    page.get_by_test_id("field-customer").wait_for()
    page.get_by_test_id("palette-money").click()
    expect(page.get_by_label("Decimals")).to_have_value("2")                # the type's default options
    page.get_by_label("Currency").fill("USD")
    expect(page.get_by_label("Target form")).to_have_count(0)                # another type's property is not offered
    page.get_by_test_id("palette-reference").click()
    page.get_by_label("Target form").select_option("customer")
    page.get_by_label("Allow several").check()
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("status")).to_have_text("Draft saved")
    fields = {f["type"]: f for f in ok(call(base, "GET", "/api/apps/crm/forms/follow_up/draft"))["definition"]["fields"]}
    assert fields["money"]["options"]["currency"] == "USD" and fields["money"]["options"]["precision"] == 2
    assert fields["reference"]["options"] == {"form": "customer", "multiple": True}
    assert page.js_errors == []


def test_publish_refused_shows_reasons_in_place(page, crm, axe_check):
    base = crm["url"]
    ok(call(base, "POST", "/api/apps/crm/forms", FOLLOW_UP))
    page.goto(base + "/apps/crm/forms/follow_up/design")
    page.get_by_test_id("field-customer").wait_for()
    page.get_by_test_id("tab-rules").click()
    rule = page.get_by_test_id("rule-r1")
    rule.get_by_test_id("rule-raw-mode").click()
    rule.get_by_test_id("rule-raw").fill("enable_reminder == nope")
    page.get_by_test_id("publish").click()
    expect(rule.get_by_test_id("rule-error")).to_contain_text("nope")          # at the rule, with its position
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    assert rule.get_by_test_id("rule-raw").input_value() == "enable_reminder == nope"
    assert ok(call(base, "GET", "/api/apps/crm/forms/follow_up/versions"))["items"] == []   # nothing was published
    rule.get_by_test_id("rule-raw").fill("enable_reminder == true")
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("status")).to_contain_text("Published")
    expect(rule.get_by_test_id("rule-error")).to_have_count(0)
    assert page.js_errors == []


def test_attachment_upload_with_the_field_limits(page, crm):
    base = crm["url"]
    ok(call(base, "POST", "/api/apps/crm/forms", {"key": "visit_report", "label": "Visit report", "fields": [
        {"id": "title", "type": "text", "label": "Title", "required": True},
        {"id": "photo", "type": "attachment", "label": "Photo or notes", "options": {"max_size": 2048, "accept": [".txt", "image/*"]}}]}))
    ok(call(base, "POST", "/api/apps/crm/forms/visit_report/publish"))
    page.goto(base + "/apps/crm/forms/visit_report/new")
    page.get_by_test_id("input-title").fill("Plant visit")
    page.get_by_test_id("input-photo").set_input_files({"name": "big.txt", "mimeType": "text/plain", "buffer": b"x" * 5000})
    expect(page.get_by_test_id("error-photo")).to_contain_text("larger than 2 KB")
    page.get_by_test_id("input-photo").set_input_files({"name": "run.exe", "mimeType": "application/octet-stream", "buffer": b"MZ"})
    expect(page.get_by_test_id("error-photo")).to_contain_text("accepts .txt, image/*")
    page.get_by_test_id("input-photo").set_input_files({"name": "notes.txt", "mimeType": "text/plain", "buffer": b"samples delivered"})
    expect(page.get_by_test_id("error-photo")).to_be_hidden()
    page.get_by_test_id("submit").click()
    page.get_by_test_id("form-success").get_by_role("link").click()
    expect(page.get_by_test_id("value-photo")).to_have_text("notes.txt")
    attachment_id = ok(call(base, "GET", "/api/apps/crm/forms/visit_report/records"))["items"][0]["data"]["photo"]
    with urllib.request.urlopen(urllib.request.Request(base + f"/api/attachments/{attachment_id}",
                                                       headers={"Authorization": f"Bearer {TOKEN['token']}"})) as resp:
        assert resp.read() == b"samples delivered" and "attachment" in resp.headers["Content-Disposition"]
    assert page.js_errors == []


def test_record_list_columns_pages_and_safe_csv(page, crm, axe_check):
    base = crm["url"]
    names = ["=HYPERLINK(\"http://evil\")", "+86 sales", "-1 lead", "@import", "\tTabbed"] + [f"Customer {i:02d}" for i in range(20)]
    for name in names:
        ok(call(base, "POST", "/api/apps/crm/forms/customer/records", {"data": {"name": name}}))
    page.goto(base + "/apps/crm/forms/customer/records")
    rows = page.get_by_test_id("records-table").locator("tbody tr")
    expect(rows).to_have_count(20)
    expect(page.get_by_test_id("records")).to_contain_text("27 records")
    page.get_by_test_id("next-page").click()
    expect(rows).to_have_count(7)
    expect(page.get_by_test_id("records")).to_contain_text("Page 2 of 2")
    # column choice, remembered for this form
    header = page.get_by_test_id("records-table").locator("thead tr").first
    expect(header).to_contain_text("Phone")
    page.get_by_test_id("columns-button").click()
    page.locator("#columns-menu").get_by_label("Phone").uncheck()
    expect(header).not_to_contain_text("Phone")
    page.reload()
    expect(page.get_by_test_id("records-table").locator("thead tr").first).not_to_contain_text("Phone")
    assert page.js_errors == []

    with urllib.request.urlopen(urllib.request.Request(base + "/api/apps/crm/forms/customer/records/export.csv?sort=id",
                                                       headers={"Authorization": f"Bearer {TOKEN['token']}"})) as resp:
        assert resp.headers["Content-Type"].startswith("text/csv")
        text = resp.read().decode("utf-8-sig")
    import csv
    import io
    cells = [row[1] for row in csv.reader(io.StringIO(text))][1:]
    assert cells[:2] == ["Acme Trading", "Beta Works"]
    assert cells[2:6] == ["'" + n for n in names[:4]]                   # a spreadsheet never runs them as formulas
    assert cells[6] == "Tabbed"                                          # the text type stored it trimmed
    assert len(cells) == 27


def test_member_fills_forms_but_is_not_offered_the_designer(page, browser, published):
    from engine.runtime import Actor
    from engine.services import users

    rt = published["app"].extensions["formflow"]
    users.create_user(rt, Actor.system(), "hanmeimei", password="another-horse-battery-7", display_name="Han Meimei",
                      roles=["member"], check=False)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    member = context.new_page()
    try:
        member.goto(published["url"] + "/")
        member.locator("#login-username").fill("hanmeimei")
        member.locator("#login-password").fill("another-horse-battery-7")
        member.get_by_test_id("login-submit").click()
        form = member.get_by_test_id("form-crm-follow_up")
        expect(form.get_by_role("link", name="New record")).to_be_visible()
        expect(form.get_by_role("link", name="Design")).to_have_count(0)
        response = member.goto(published["url"] + "/apps/crm/forms/follow_up/design")
        assert response.status == 403
        expect(member.get_by_test_id("error-message")).to_contain_text("Design apps and forms")
    finally:
        context.close()


def test_unknown_pages_answer_with_a_page(page, crm):
    response = page.goto(crm["url"] + "/apps/crm/forms/nope/records")
    assert response.status == 404
    expect(page.get_by_test_id("error-message")).to_contain_text("nope")


def test_end_user_fills_the_form_and_finds_the_record(page, published, axe_check):
    base = published["url"]
    csp = _csp_watch(page)
    page.goto(base + "/apps/crm/forms/follow_up/new")
    page.get_by_test_id("fill-customer").wait_for()
    next_wrap = page.get_by_test_id("fill-next_follow_up")

    # the compiled rule shows and hides the time as the switch flips
    expect(next_wrap).to_be_hidden()
    page.get_by_test_id("input-enable_reminder").check()
    expect(next_wrap).to_be_visible()
    expect(next_wrap.locator(".req")).to_be_visible()
    page.get_by_test_id("input-enable_reminder").uncheck()
    expect(next_wrap).to_be_hidden()
    page.get_by_test_id("input-enable_reminder").check()

    # refused submits: the server's errors are shown at each field, nothing typed is lost
    page.get_by_test_id("input-method").select_option("visit")
    page.get_by_test_id("input-content").fill("Visited")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("error-customer")).to_have_text("is required")
    expect(page.get_by_test_id("error-next_follow_up")).to_contain_text("required")        # required exactly when shown
    page.get_by_test_id("input-customer").fill("acme")
    page.get_by_role("option", name="Acme Trading").click()
    page.get_by_test_id("input-next_follow_up").fill("2020-05-06T10:30")
    page.get_by_test_id("input-next_follow_up").dispatch_event("change")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("error-next_follow_up")).to_have_text("The next follow-up time must be later than now")
    expect(page.get_by_test_id("error-content")).to_have_text("Describe a visit in at least 10 characters")
    assert page.get_by_test_id("input-content").input_value() == "Visited"
    assert page.get_by_test_id("input-next_follow_up").input_value() == "2020-05-06T10:30"
    expect(page.get_by_test_id("fill-customer")).to_contain_text("Acme Trading")
    page.get_by_test_id("input-content").fill("Visited the plant; they need 20 units next quarter")
    page.get_by_test_id("input-next_follow_up").fill("2030-05-06T10:30")
    page.get_by_test_id("input-next_follow_up").dispatch_event("change")

    expect(page.get_by_test_id("error-content")).to_be_hidden()
    expect(page.get_by_test_id("form-error")).to_be_hidden()                 # every marked field fixed
    expect(page.get_by_test_id("fill-next_follow_up")).to_contain_text("Asia/Shanghai")
    shot(page, "form_fill.png")
    assert_accessible(page, axe_check, csp)
    page.get_by_test_id("submit").click()
    page.get_by_test_id("form-success").wait_for()
    stored = ok(call(base, "GET", "/api/apps/crm/forms/follow_up/records"))["items"]
    assert len(stored) == 1 and stored[0]["data"]["customer"] == published["acme"]
    assert stored[0]["data"]["enable_reminder"] is True
    assert stored[0]["data"]["next_follow_up"] == "2030-05-06T02:30:00Z"     # typed in the admin's zone, Asia/Shanghai

    # a second record with the reminder off: the hidden time is not saved
    page.goto(base + "/apps/crm/forms/follow_up/new")
    page.get_by_test_id("input-customer").fill("beta")
    page.get_by_role("option", name="Beta Works").click()
    page.get_by_test_id("input-method").select_option("call")
    page.get_by_test_id("input-content").fill("Phone call, will decide next month")
    page.get_by_test_id("input-enable_reminder").check()
    page.get_by_test_id("input-next_follow_up").fill("2030-01-01T09:00")
    page.get_by_test_id("input-next_follow_up").dispatch_event("change")
    page.get_by_test_id("input-enable_reminder").uncheck()
    page.get_by_test_id("submit").click()
    page.get_by_test_id("form-success").wait_for()
    second = ok(call(base, "GET", "/api/apps/crm/forms/follow_up/records"))["items"][0]
    assert "next_follow_up" not in second["data"]

    # the list: both records, display text, sort, filter, search, export link
    page.goto(base + "/apps/crm/forms/follow_up/records")
    rows = page.get_by_test_id("records-table").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Beta Works")                          # references shown by title
    expect(page.get_by_test_id("records-table")).to_contain_text("Visit")     # choices shown by label
    page.get_by_test_id("sort-customer").click()
    expect(rows.first).to_contain_text("Acme Trading")
    page.get_by_test_id("filter-content").fill("plant")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Acme Trading")
    href = page.get_by_test_id("export-csv").get_attribute("href")
    assert href.startswith("/api/apps/crm/forms/follow_up/records/export.csv?") and "filter.content=plant" in href
    with urllib.request.urlopen(urllib.request.Request(base + href, headers={"Authorization": f"Bearer {TOKEN['token']}"})) as resp:
        text = resp.read().decode("utf-8-sig")
    assert text.splitlines()[0].startswith("id,Customer,Method") and "Acme Trading" in text and "Beta Works" not in text
    page.get_by_test_id("filter-content").fill("")
    page.get_by_test_id("records-search").fill("decide")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Beta Works")
    page.get_by_test_id("records-search").fill("")
    expect(rows).to_have_count(2)
    shot(page, "page_records.png")
    assert_accessible(page, axe_check, csp)

    # the detail: values in the reader's zone, history, then an edit shows up in the history
    first_id = stored[0]["id"]
    page.goto(base + f"/apps/crm/forms/follow_up/records/{first_id}")
    expect(page.get_by_test_id("value-customer")).to_have_text("Acme Trading")
    expect(page.get_by_test_id("value-method")).to_have_text("Visit")
    expect(page.get_by_test_id("value-next_follow_up")).to_have_text(re.compile(r"^May 6, 2030, 10:30\sAM$"))  # in the admin's zone
    expect(page.get_by_test_id("record-history")).to_contain_text("Li Lei created")
    page.get_by_role("link", name="Edit").click()
    page.get_by_test_id("fill-customer").wait_for()
    assert page.get_by_test_id("input-next_follow_up").input_value() == "2030-05-06T10:30"
    expect(page.get_by_test_id("fill-customer")).to_contain_text("Acme Trading")
    page.get_by_test_id("input-content").fill("Visited the plant; order of 25 units confirmed")
    page.get_by_test_id("submit").click()
    page.get_by_test_id("form-success").wait_for()
    page.goto(base + f"/apps/crm/forms/follow_up/records/{first_id}")
    history = page.get_by_test_id("record-history")
    expect(history).to_contain_text("Content")
    expect(history).to_contain_text("order of 25 units confirmed")
    expect(page.get_by_test_id("record-related")).to_contain_text("Follow-up reminder")   # the auto-created reminder points back
    expect(page.get_by_test_id("record-related").get_by_role("table").get_by_role("link")).to_contain_text("Acme Trading")
    shot(page, "page_record.png")
    assert_accessible(page, axe_check, csp)

    # the reminder the automation created on submit, updated (not duplicated) by the edit; none for the second record
    page.goto(base + "/apps/crm/forms/follow_up_reminder/records")
    reminders = page.get_by_test_id("records-table").locator("tbody tr")
    expect(reminders).to_have_count(1)
    expect(reminders.first).to_contain_text("Acme Trading")
    expect(reminders.first).to_contain_text("Follow up: Visited the plant; order of 25 units confirmed")
    shot(page, "page_reminders.png")

    # the customer's page lists its follow-ups as related records
    page.goto(base + f"/apps/crm/forms/customer/records/{published['acme']}")
    related = page.get_by_test_id("record-related")
    expect(related).to_contain_text("Follow-up record")
    related.get_by_test_id("related-follow_up-customer").get_by_role("table").get_by_role("link").first.click()
    expect(page.get_by_test_id("value-method")).to_have_text("Visit")
    assert page.js_errors == []
    assert csp == []


def test_stale_edit_is_refused_in_place_and_keeps_the_input(page, published):
    base = published["url"]
    rec = ok(call(base, "POST", "/api/apps/crm/forms/follow_up/records",
                  {"data": {"customer": published["acme"], "method": "call", "content": "First call"}}))
    page.goto(base + f"/apps/crm/forms/follow_up/records/{rec['id']}/edit")
    page.get_by_test_id("fill-customer").wait_for()
    # someone else changes the record meanwhile
    ok(call(base, "PATCH", f"/api/apps/crm/forms/follow_up/records/{rec['id']}", {"data": {"content": "Changed elsewhere"}}))
    page.get_by_test_id("input-content").fill("My own notes")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("changed by someone else")
    assert page.get_by_test_id("input-content").input_value() == "My own notes"
    assert ok(call(base, "GET", f"/api/apps/crm/forms/follow_up/records/{rec['id']}"))["data"]["content"] == "Changed elsewhere"
    assert page.js_errors == []


def test_index_lists_apps_and_forms(page, published, axe_check):
    csp = _csp_watch(page)
    page.goto(published["url"] + "/")
    form = page.get_by_test_id("form-crm-follow_up")
    expect(form).to_contain_text("Follow-up record")
    expect(form).to_contain_text("v1")
    assert_accessible(page, axe_check, csp)
    shot(page, "page_index.png")
    form.get_by_role("link", name="Records").click()
    expect(page.get_by_test_id("records-table")).to_be_visible()
    assert page.js_errors == []


def test_inbox_with_unread_count(page, published, axe_check):
    """Messages the inbox channel delivered: the unread count in the navigation, open, mark read."""
    from engine.services import inbox

    rt = published["app"].extensions["formflow"]
    with rt.db.transaction() as conn:
        for i, title in enumerate(["Follow up Acme Trading tomorrow 10:30", "Template 'visit reminder' approved"]):
            inbox.store_message(conn, rt, user_id=published["admin"]["id"], title=title, body="Visit planned: bring the samples",
                                idempotency_key=f"test:{i}", link=f"/apps/crm/forms/customer/records/{published['acme']}")
    csp = _csp_watch(page)
    page.goto(published["url"] + "/")
    expect(page.get_by_test_id("unread-badge")).to_have_text("2")
    page.get_by_test_id("nav-inbox").click()
    items = page.get_by_test_id("inbox-list").locator("li")
    expect(items).to_have_count(2)
    shot(page, "page_inbox.png")
    assert_accessible(page, axe_check, csp)
    first = items.first
    first_id = first.get_attribute("data-testid").split("-")[1]
    page.get_by_test_id(f"mark-read-{first_id}").click()
    expect(page.get_by_test_id("unread-badge")).to_have_text("1")
    expect(page.get_by_test_id(f"message-{first_id}")).to_have_class(re.compile("read"))
    page.get_by_test_id("mark-all-read").click()
    expect(page.get_by_test_id("unread-badge")).to_have_count(0)
    page.get_by_test_id("inbox-list").get_by_role("link", name="Open").first.click()
    expect(page.get_by_test_id("record-title")).to_have_text("Acme Trading")
    assert page.js_errors == []


def test_switching_to_chinese(page, published, axe_check):
    base = published["url"]
    csp = _csp_watch(page)
    page.goto(base + "/apps/crm/forms/follow_up/new")
    page.get_by_test_id("fill-customer").wait_for()
    page.get_by_test_id("lang-zh").click()
    page.get_by_test_id("fill-customer").wait_for()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_test_id("fill-customer")).to_contain_text("客户")
    expect(page.get_by_test_id("submit")).to_have_text("提交")
    expect(page.get_by_test_id("nav-apps")).to_contain_text("应用")
    # the choice stays with the cookie on the next page
    page.goto(base + "/apps/crm/forms/follow_up/design")
    page.get_by_test_id("field-customer").wait_for()
    expect(page.get_by_test_id("tab-rules")).to_have_text("规则")
    assert_accessible(page, axe_check, csp)
    shot(page, "page_designer-zh.png", full_page=False)
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_test_id("tab-preview").click()
    page.get_by_test_id("preview-phone").click()
    shot(page, "designer_phone_preview.png", full_page=False)
    assert page.js_errors == []
