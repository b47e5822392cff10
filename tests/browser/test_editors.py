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
from test_real_app import FOLLOW_UP, REMINDER, _csp_watch, assert_accessible, call, crm, ok, published, shot  # noqa: F401  (fixtures)

from playwright.sync_api import expect

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
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "automation_editor.png")
    assert_accessible(page, axe_check, csp)

    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("status")).to_contain_text("Published")
    saved = ok(call(base, "GET", "/api/apps/crm/forms/follow_up/draft"))["definition"]["automations"]
    assert saved[0]["trigger"] == {"on": "create_or_update", "when": "enable_reminder == true"}
    assert saved[0]["action"]["form"] == "follow_up_reminder"
    assert {"field": "follow_up", "from": "$id"} in saved[0]["action"]["map"]

    # a follow-up submitted with the reminder on brings its reminder
    ok(call(base, "POST", "/api/apps/crm/forms/follow_up/records", {"data": {
        "customer": crm["acme"], "method": "call", "content": "Quote sent", "enable_reminder": True, "next_follow_up": _in_days(3)}}))
    ok(call(base, "POST", "/api/apps/crm/forms/follow_up/records", {"data": {
        "customer": crm["acme"], "method": "visit", "content": "Visited the plant", "enable_reminder": False}}))
    assert ok(call(base, "GET", "/api/apps/crm/forms/follow_up_reminder/records"))["total"] == 1

    # dry-run the DRAFT (an unsaved change of the fill rule) on a record picked by search: no JSON typed, nothing saved
    page.reload()
    auto = page.get_by_test_id("automation-0")
    auto.get_by_test_id("map-row").nth(2).get_by_test_id("map-text").fill("Draft: {{ record.content }}")
    expect(page.get_by_test_id("status")).to_contain_text("Unsaved changes")
    page.get_by_role("searchbox", name="Find a record").fill("Quote")
    picker = page.get_by_role("combobox", name="Record to run on")
    expect(picker.get_by_role("option")).to_have_count(1)
    expect(picker.get_by_role("option")).to_contain_text("Quote sent")
    page.get_by_role("button", name="Dry run", exact=True).click()
    # the record already has its reminder: the automation would update that one, with the draft's text
    expect(page.get_by_test_id("dry-result")).to_contain_text("would update a record in follow_up_reminder")
    expect(page.get_by_test_id("dry-result")).to_contain_text("Draft: Quote sent")
    assert ok(call(base, "GET", "/api/apps/crm/forms/follow_up_reminder/records"))["total"] == 1      # nothing written
    saved = ok(call(base, "GET", "/api/apps/crm/forms/follow_up/draft"))["definition"]["automations"]
    assert {"field": "content", "template": "Follow up: {{ record.content }}"} in saved[0]["action"]["map"]  # draft not saved
    # a draft that doesn't compile is refused, naming where
    auto.get_by_test_id("map-row").nth(2).get_by_test_id("map-text").fill("Draft: {{ record.contnt }}")
    page.get_by_role("button", name="Dry run", exact=True).click()
    expect(page.get_by_test_id("dry-error")).to_contain_text("/automations/0/action/map/2")

    page.goto(base + "/apps/crm/forms/follow_up_reminder/records")
    expect(page.get_by_test_id("records-table")).to_contain_text("Follow up: Quote sent")
    assert page.js_errors == []


@pytest.fixture
def with_reminder(published):
    """A submitted follow-up and the reminder its automation created (reminder time in 3 days)."""
    base = published["url"]
    ok(call(base, "POST", "/api/apps/crm/forms/follow_up/records", {"data": {
        "customer": published["acme"], "method": "call", "content": "Bring <b>samples</b> {{ 7*7 }}",
        "enable_reminder": True, "next_follow_up": _in_days(3)}}))
    reminder = ok(call(base, "GET", "/api/apps/crm/forms/follow_up_reminder/records"))["items"][0]
    return {**published, "reminder": reminder["id"]}


def _reviewer(live_app):
    from engine.runtime import Actor
    from engine.services import users

    rt = live_app.extensions["formflow"]
    return users.create_user(rt, Actor.system(), REVIEWER["username"], password=REVIEWER["password"],
                             display_name=REVIEWER["display_name"], roles=["admin"], check=False)


def _sign_in(browser, base, who):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    pg.goto(base + "/")
    pg.locator("#login-username").fill(who["username"])
    pg.locator("#login-password").fill(who["password"])
    pg.get_by_test_id("login-submit").click()
    pg.get_by_test_id("nav-apps").wait_for()
    return context, pg


def test_template_editor_preview_review_by_a_second_person_and_publish(page, browser, with_reminder, axe_check):
    crm = with_reminder
    base = crm["url"]
    _reviewer(crm["app"])
    csp = _csp_watch(page)
    page.goto(base + "/")
    assert_accessible(page, axe_check, csp)                   # the app card links to the editors
    page.get_by_test_id("templates-crm").click()
    page.get_by_test_id("new-template").click()
    page.get_by_test_id("tpl-key").fill("follow_up_reminder")
    page.get_by_test_id("tpl-label").fill("Follow-up reminder")
    page.get_by_test_id("tpl-form").select_option("follow_up_reminder")
    page.get_by_test_id("tpl-subject").fill("Follow up ")
    page.get_by_test_id("var-record.customer.name").click()      # inserted at the cursor of the last field used
    expect(page.get_by_test_id("tpl-subject")).to_have_value("Follow up {{ record.customer.name }}")
    page.get_by_test_id("tpl-body").click()
    page.get_by_test_id("tpl-body").fill("Visit at {{ record.remind_at|datetime('%m-%d %H:%M') }}: ")
    page.get_by_test_id("var-record.content").click()
    page.get_by_test_id("tpl-create").click()
    expect(page.get_by_test_id("template-state")).to_have_text("Draft")

    # live preview with a real record (the reminder); what users typed stays text
    page.get_by_test_id("preview-record").select_option(str(crm["reminder"]))
    expect(page.get_by_test_id("preview-subject")).to_have_text("Follow up Acme Trading")
    expect(page.get_by_test_id("preview-body")).to_contain_text("Follow up: Bring <b>samples</b> {{ 7*7 }}")
    # a mistake is shown at its line and column, in place; fixing it brings the preview back
    page.get_by_test_id("tpl-body").fill("Visit at {{ record.remind_at|datetime('%m-%d %H:%M') }}\n{{ record.custmer.name }}")
    expect(page.get_by_test_id("body-error")).to_contain_text("Line 2, column")
    expect(page.get_by_test_id("body-error")).to_contain_text("custmer")
    page.get_by_test_id("tpl-body").fill("Visit {{ record.customer.name }} at {{ record.remind_at|datetime('%m-%d %H:%M') }}")
    expect(page.get_by_test_id("body-error")).to_have_count(0)
    expect(page.get_by_test_id("preview-body")).to_contain_text("Visit Acme Trading at ")
    assert_accessible(page, axe_check, csp)

    # submit; the author cannot approve their own revision (four eyes), and the page says so
    page.get_by_test_id("tpl-submit").click()
    expect(page.get_by_test_id("template-state")).to_have_text("Submitted for review")
    expect(page.get_by_test_id("four-eyes")).to_contain_text("another person must approve")
    expect(page.get_by_test_id("tpl-approve")).to_be_disabled()

    # test send to yourself goes to the inbox
    page.get_by_test_id("test-send").click()
    expect(page.get_by_test_id("test-sent")).to_be_visible()

    # a second person approves, then publishes
    context, reviewer = _sign_in(browser, base, REVIEWER)
    try:
        reviewer.goto(base + "/apps/crm/notification-templates/editor?key=follow_up_reminder")
        expect(reviewer.get_by_test_id("four-eyes")).to_contain_text("You may approve or reject it")
        reviewer.get_by_test_id("review-comment-input").fill("Clear and short")
        reviewer.get_by_test_id("tpl-approve").click()
        expect(reviewer.get_by_test_id("template-state")).to_have_text("Approved")
        reviewer.get_by_test_id("tpl-publish").click()
        expect(reviewer.get_by_test_id("template-state")).to_have_text("Published")
        expect(reviewer.get_by_test_id("four-eyes")).to_contain_text("Published by Han Meimei")
    finally:
        context.close()
    page.reload()
    expect(page.get_by_test_id("template-state")).to_have_text("Published")
    expect(page.get_by_test_id("template-link-follow_up_reminder")).to_contain_text("Published")
    expect(page.get_by_test_id("preview-body")).to_contain_text("Visit Acme Trading at ")
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "template_editor.png")
    assert_accessible(page, axe_check, csp)
    page.get_by_test_id("nav-inbox").click()
    expect(page.get_by_test_id("inbox-list")).to_contain_text("Follow up Acme Trading")
    assert page.js_errors == []


@pytest.fixture
def with_template(with_reminder):
    """A published reminder template (written by the admin, approved by a second person)."""
    from engine.runtime import Actor
    from engine.services import templates

    crm = with_reminder
    base = crm["url"]
    reviewer = _reviewer(crm["app"])
    ok(call(base, "POST", "/api/apps/crm/notification-templates", {
        "key": "follow_up_reminder", "form": "follow_up_reminder", "label": {"en": "Follow-up reminder", "zh-CN": "跟进提醒"},
        "content": {"default": {"subject": "Follow up {{ record.customer.name }}", "body": "{{ record.content }}"}}}))
    ok(call(base, "POST", "/api/apps/crm/notification-templates/follow_up_reminder/submit"))
    templates.approve(crm["app"].extensions["formflow"], Actor.user(reviewer["id"]), "crm", "follow_up_reminder", "ok")
    ok(call(base, "POST", "/api/apps/crm/notification-templates/follow_up_reminder/publish"))
    return crm


def test_workflow_editor_builds_the_timed_reminder_and_shows_next_fire_times(page, with_template, axe_check):
    crm = with_template
    base = crm["url"]
    csp = _csp_watch(page)
    page.goto(base + "/")
    page.get_by_test_id("workflows-crm").click()
    page.get_by_test_id("new-workflow").click()
    assert_accessible(page, axe_check, csp)
    page.get_by_test_id("wf-key").fill("follow_up_reminder")
    page.get_by_test_id("wf-label").fill("Remind the owner before the visit")
    page.get_by_test_id("wf-form").select_option("follow_up_reminder")
    page.get_by_test_id("wf-date-field").select_option("remind_at")
    page.get_by_test_id("wf-tz").select_option("owner")
    # offsets: 1 day before at 09:00 (the default row), and 1 hour before
    first = page.get_by_test_id("offset-row").nth(0)
    expect(first.get_by_test_id("offset-amount")).to_have_value("1")
    expect(first.get_by_test_id("offset-unit")).to_have_value("days")
    expect(first.get_by_test_id("offset-time")).to_have_value("09:00")
    page.get_by_test_id("add-offset").click()
    second = page.get_by_test_id("offset-row").nth(1)
    second.get_by_test_id("offset-amount").fill("1")
    second.get_by_test_id("offset-unit").select_option("hours")
    second.get_by_test_id("offset-direction").select_option("before")
    # recipients: the owner (default); CC: the owner's manager (抄送); inbox; the published template
    expect(page.get_by_test_id("wf-to-owner")).to_be_checked()
    page.get_by_test_id("wf-cc-manager").check()
    expect(page.get_by_test_id("channel-inbox")).to_be_checked()
    page.get_by_test_id("wf-use-template").check()
    page.get_by_test_id("wf-template").select_option("follow_up_reminder")
    page.get_by_test_id("wf-save").click()
    expect(page).to_have_url(re.compile(r"\?key=follow_up_reminder$"))
    expect(page.get_by_test_id("wf-version")).to_have_text("Not published")

    page.get_by_test_id("wf-publish").click()
    expect(page.get_by_test_id("status")).to_contain_text("Published")
    expect(page.get_by_test_id("wf-enabled")).to_be_checked()
    saved = ok(call(base, "GET", "/api/apps/crm/workflows/follow_up_reminder"))["definition"]
    assert saved["trigger"]["offsets"] == [{"amount": 1, "unit": "days", "direction": "before", "at_time": "09:00"},
                                           {"amount": 1, "unit": "hours", "direction": "before"}]
    assert saved["steps"][0]["cc"] == [{"manager_of": "owner"}] and saved["steps"][0]["template"] == "follow_up_reminder"

    # next fire times for the reminder record: two, 1 day before at 09:00 and 1 hour before
    page.get_by_test_id("wf-record").select_option(str(crm["reminder"]))
    page.get_by_test_id("wf-next-times").click()
    expect(page.get_by_test_id("due-row")).to_have_count(2)
    # shown in the admin's zone (Asia/Shanghai, also the owner's): the first at 09:00 local
    expect(page.get_by_test_id("due-row").nth(0)).to_contain_text("09:00")
    due = ok(call(base, "GET", f"/api/apps/crm/workflows/follow_up_reminder/due?record_id={crm['reminder']}"))["items"]
    assert [d["occurrence"].split("@")[0] for d in due] == ["offset0", "offset1"]
    page.get_by_test_id("wf-dry-run").click()
    expect(page.get_by_test_id("dry-result")).to_contain_text("It will fire")
    expect(page.get_by_test_id("runs-empty")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "workflow_editor.png")
    assert_accessible(page, axe_check, csp)

    # off cancels the pending firings, on plans them again
    page.get_by_test_id("wf-enabled").uncheck()
    expect(page.get_by_test_id("status")).to_contain_text("Workflow off")
    page.get_by_test_id("wf-next-times").click()
    expect(page.get_by_test_id("due-empty")).to_be_visible()
    page.get_by_test_id("wf-enabled").check()
    expect(page.get_by_test_id("status")).to_have_text("Workflow on")
    page.get_by_test_id("wf-next-times").click()
    expect(page.get_by_test_id("due-row")).to_have_count(2)

    # the scheduler reaches the first fire time: the run log shows the firing, the owner's inbox the message
    from engine import scheduler

    due = ok(call(base, "GET", f"/api/apps/crm/workflows/follow_up_reminder/due?record_id={crm['reminder']}"))["items"]
    fire_at = datetime.fromisoformat(due[0]["fire_at"].replace("Z", "+00:00"))
    scheduler.tick(crm["app"].extensions["formflow"], now=fire_at + timedelta(minutes=1))
    page.get_by_test_id("wf-refresh-runs").click()
    expect(page.get_by_test_id("runs-table").locator("tbody tr").first).to_contain_text(due[0]["occurrence"])
    page.get_by_test_id("wf-next-times").click()
    expect(page.get_by_test_id("due-row")).to_have_count(1)
    page.get_by_test_id("nav-inbox").click()
    expect(page.get_by_test_id("inbox-list")).to_contain_text("Follow up Acme Trading")
    assert page.js_errors == []


def test_automation_publish_refusals_are_shown_where_they_point(page, forms_without_automation, axe_check):
    base = forms_without_automation["url"]
    page.goto(base + "/apps/crm/forms/follow_up/automations")
    page.get_by_test_id("add-automation").click()
    auto = page.get_by_test_id("automation-0")
    auto.get_by_test_id("auto-name").fill("bad one")
    auto.get_by_test_id("cond-raw-mode").click()
    auto.get_by_test_id("cond-raw").fill("enable_remindr == true")          # a typo in the condition
    auto.get_by_test_id("target-form").select_option("follow_up_reminder")
    auto.get_by_test_id("add-mapping").click()
    row = auto.get_by_test_id("map-row").nth(0)
    row.get_by_test_id("map-field").select_option("content")
    row.get_by_test_id("map-kind").select_option("formula")
    row.get_by_test_id("map-text").fill("1 +")                               # an unfinished formula
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("status")).to_contain_text("can't be published")
    expect(auto.get_by_test_id("cond-error")).to_contain_text("did you mean 'enable_reminder'")
    expect(row.get_by_test_id("map-error")).to_contain_text("ends too early")
    # nothing typed is lost; fixing both publishes
    expect(auto.get_by_test_id("cond-raw")).to_have_value("enable_remindr == true")
    auto.get_by_test_id("cond-raw").fill("enable_reminder == true")
    row.get_by_test_id("map-text").fill("'visit ' + content")
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("status")).to_contain_text("Published")
    expect(auto.get_by_test_id("cond-error")).to_have_count(0)
    expect(row.get_by_test_id("map-error")).to_have_count(0)
    assert_accessible(page, axe_check)
    assert page.js_errors == []


def test_workflow_refusals_are_shown_at_the_field_and_the_page_speaks_chinese(page, with_reminder, axe_check):
    base = with_reminder["url"]
    page.goto(base + "/apps/crm/workflows/editor?new=1")
    page.get_by_test_id("wf-key").fill("draft_one")
    page.get_by_test_id("wf-form").select_option("follow_up_reminder")
    page.get_by_test_id("wf-use-template").check()              # a template, but none published yet
    page.get_by_test_id("wf-save").click()                      # no date field, no template yet
    expect(page.get_by_test_id("wf-date-field").locator("xpath=..").get_by_role("alert")).to_contain_text("is not a field")
    expect(page.get_by_test_id("wf-steps").get_by_role("alert").first).to_contain_text("needs a template")
    expect(page).to_have_url(re.compile(r"new=1"))               # nothing saved, nothing lost
    expect(page.get_by_test_id("wf-key")).to_have_value("draft_one")
    page.goto(base + "/apps/crm/workflows/editor?new=1&lang=zh-CN")
    expect(page.get_by_role("heading", level=1)).to_contain_text("智能工作流")
    expect(page.get_by_test_id("wf-offsets")).to_contain_text("天")
    assert_accessible(page, axe_check)
    page.goto(base + "/apps/crm/notification-templates/editor?lang=zh-CN")
    expect(page.get_by_role("heading", level=1)).to_contain_text("消息通知模板")
    page.goto(base + "/apps/crm/forms/follow_up/automations?lang=zh-CN")
    expect(page.get_by_test_id("automation-0")).to_contain_text("触发条件")
    expect(page.get_by_test_id("automation-0").get_by_test_id("cond-expression")).to_have_text("enable_reminder == true")
    assert_accessible(page, axe_check)
    assert page.js_errors == []


def test_a_reviewer_rejects_with_a_comment_and_the_author_sees_it(page, browser, with_reminder):
    crm = with_reminder
    base = crm["url"]
    _reviewer(crm["app"])
    ok(call(base, "POST", "/api/apps/crm/notification-templates", {
        "key": "visit", "form": "follow_up_reminder", "label": "Visit reminder",
        "content": {"default": {"subject": "Visit", "body": "{{ record.content }}"}}}))
    ok(call(base, "POST", "/api/apps/crm/notification-templates/visit/submit"))
    context, reviewer = _sign_in(browser, base, REVIEWER)
    try:
        reviewer.goto(base + "/apps/crm/notification-templates/editor?key=visit")
        reviewer.get_by_test_id("tpl-reject").click()             # a rejection needs a comment: said in place
        expect(reviewer.get_by_test_id("general-error")).to_contain_text("comment")
        reviewer.get_by_test_id("review-comment-input").fill("Name the customer in the subject")
        reviewer.get_by_test_id("tpl-reject").click()
        expect(reviewer.get_by_test_id("template-state")).to_have_text("Rejected")
    finally:
        context.close()
    page.goto(base + "/apps/crm/notification-templates/editor?key=visit")
    expect(page.get_by_test_id("template-state")).to_have_text("Rejected")
    expect(page.get_by_test_id("review-comment")).to_contain_text("Name the customer in the subject")
    page.get_by_test_id("tpl-subject").fill("Visit {{ record.customer.name }}")
    expect(page.get_by_test_id("preview-subject")).to_have_text("Visit Acme Trading")
    expect(page.get_by_test_id("tpl-submit")).to_be_visible()
    page.get_by_test_id("tpl-submit").click()
    expect(page.get_by_test_id("template-state")).to_have_text("Submitted for review")
    assert page.js_errors == []


def test_a_stale_automation_save_keeps_the_work_and_members_get_no_editors(page, browser, published):
    base = published["url"]
    page.goto(base + "/apps/crm/forms/follow_up/automations")
    page.get_by_test_id("automation-0").get_by_test_id("auto-name").fill("renamed here")
    draft = ok(call(base, "GET", "/api/apps/crm/forms/follow_up/draft"))          # another tab saves meanwhile
    ok(call(base, "PUT", "/api/apps/crm/forms/follow_up/draft", {**draft["definition"], "label": "Follow-up (renamed)"}))
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("status")).to_contain_text("someone else saved this meanwhile")
    expect(page.get_by_test_id("automation-0").get_by_test_id("auto-name")).to_have_value("renamed here")

    from engine.runtime import Actor
    from engine.services import users

    users.create_user(published["app"].extensions["formflow"], Actor.system(), "lihua", password="member-horse-battery-3",
                      display_name="Li Hua", roles=["member"], check=False)
    context, member = _sign_in(browser, base, {"username": "lihua", "password": "member-horse-battery-3"})
    try:
        for path in ("/apps/crm/forms/follow_up/automations", "/apps/crm/workflows/editor", "/apps/crm/notification-templates/editor"):
            assert member.goto(base + path).status == 403, path
    finally:
        context.close()
    # a template approver (approve_templates only) opens the template editor to review, but not the others
    users.create_user(published["app"].extensions["formflow"], Actor.system(), "wangfang", password="approver-horse-battery-5",
                      display_name="Wang Fang", roles=["approver"], check=False)
    context, approver = _sign_in(browser, base, {"username": "wangfang", "password": "approver-horse-battery-5"})
    try:
        assert approver.goto(base + "/apps/crm/notification-templates/editor").status == 200
        assert approver.goto(base + "/apps/crm/workflows/editor").status == 403
    finally:
        context.close()
