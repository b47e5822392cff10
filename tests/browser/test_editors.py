"""The automation, timed workflow and notification template editors against the
REAL app (formflow.create_app over SQLite), driven in Debian's Chromium.

The scenario's three automations are built in the editors, not through the API:
automation 1 (create the follow-up reminder on submit) is assembled with the
rule builder and the fill-rule table, published and dry-run, and a submitted
follow-up brings its reminder; a template is written with the variable picker,
previewed with a real record, submitted, approved by a second person (four
eyes) and published; the timed workflow (1 day before at 09:00, 1 hour before)
shows the next fire times of a reminder. Every editor page is checked with
axe-core and under the app's CSP; screenshots go to docs/screenshots.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from test_real_app import (ADMIN, CREATE_REMINDER, FOLLOW_UP, REMINDER, _csp_watch, assert_accessible, call,  # noqa: F401
                           crm, ok, published, shot)

expect = pytest.importorskip("playwright.sync_api").expect

#: the second person who reviews templates (four eyes)
REVIEWER = {"username": "hanmeimei", "password": "another-horse-battery-7", "display_name": "Han Meimei"}


def _in_days(days: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@pytest.fixture
def forms_without_automation(crm):
    """The follow-up and reminder forms published, with no automation yet: the editor adds it."""
    base = crm["url"]
    ok(call(base, "POST", "/api/apps/crm/forms", FOLLOW_UP))
    ok(call(base, "POST", "/api/apps/crm/forms", REMINDER))
    ok(call(base, "POST", "/api/apps/crm/forms/follow_up_reminder/publish"))
    ok(call(base, "POST", "/api/apps/crm/forms/follow_up/publish"))
    return crm


def _select_by_value(locator, value):
    locator.select_option(value=value)


def test_automation_editor_builds_publishes_and_dry_runs_automation_1(page, forms_without_automation, axe_check):
    crm = forms_without_automation
    base = crm["url"]
    csp = _csp_watch(page)
    page.goto(base + "/apps/crm/forms/follow_up/design")
    page.get_by_test_id("open-automations").click()
    expect(page.get_by_test_id("no-automations")).to_be_visible()
    assert_accessible(page, axe_check, csp)

    page.get_by_test_id("add-automation").click()
    auto = page.get_by_test_id("automation-0")
    auto.get_by_test_id("auto-name").fill("create the follow-up reminder")
    auto.get_by_test_id("auto-trigger").select_option("create_or_update")
    # trigger condition from the rule builder: "enable follow-up reminder" is on
    auto.get_by_test_id("add-condition").click()
    auto.get_by_test_id("cond-field").select_option("enable_reminder")
    expect(auto.get_by_test_id("cond-expression")).to_have_text("enable_reminder == true")
    auto.get_by_test_id("action-type").select_option("create_record")
    auto.get_by_test_id("target-form").select_option("follow_up_reminder")
    # fill rules (填写规则)
    rows = auto.get_by_test_id("map-row")
    for i, (target, kind, source) in enumerate([("customer", "from", "customer"), ("remind_at", "from", "next_follow_up"),
                                                ("content", "template", "Follow up: {{ record.content }}"),
                                                ("follow_up", "from", "$id")]):
        auto.get_by_test_id("add-mapping").click()
        row = rows.nth(i)
        row.get_by_test_id("map-field").select_option(target)
        row.get_by_test_id("map-kind").select_option(kind)
        if kind == "from":
            row.get_by_test_id("map-from").select_option(source)
        else:
            row.get_by_test_id("map-text").fill(source)
    shot(page, "automation_editor.png")
    assert_accessible(page, axe_check, csp)

    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("status")).to_contain_text("Published")
    saved = ok(call(base, "GET", "/api/apps/crm/forms/follow_up/draft"))["definition"]["automations"]
    assert saved[0]["trigger"] == {"on": "create_or_update", "when": "enable_reminder == true"}
    assert saved[0]["action"]["form"] == "follow_up_reminder"
    assert {"field": "follow_up", "from": "$id"} in saved[0]["action"]["map"]

    # dry-run with a sample payload: what would be created, nothing saved
    page.get_by_test_id("dry-payload").fill(
        '{"customer": %d, "method": "call", "content": "Call about the order", "enable_reminder": true, "next_follow_up": "%s"}'
        % (crm["acme"], _in_days(3)))
    page.get_by_test_id("run-dry-run").click()
    expect(page.get_by_test_id("dry-result")).to_contain_text("would create a record in follow_up_reminder")
    expect(page.get_by_test_id("dry-result")).to_contain_text("Follow up: Call about the order")
    assert ok(call(base, "GET", "/api/apps/crm/forms/follow_up_reminder/records"))["total"] == 0

    # a follow-up submitted with the reminder on brings its reminder
    ok(call(base, "POST", "/api/apps/crm/forms/follow_up/records", {"data": {
        "customer": crm["acme"], "method": "call", "content": "Quote sent", "enable_reminder": True, "next_follow_up": _in_days(3)}}))
    page.goto(base + "/apps/crm/forms/follow_up_reminder/records")
    expect(page.get_by_test_id("records-table")).to_contain_text("Follow up: Quote sent")
    assert page.js_errors == []
