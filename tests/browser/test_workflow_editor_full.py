"""Issue 23, point 1 and 5 in Debian's Chromium: ops build workflows without typing JSON.

A record-event workflow (a webhook to a receiver this test starts, moved above a notify step with a typed message) and
a cron workflow over a filter are built, a step is dry-run against a picked record, both are published; the scheduler
(driven by its ``tick`` function, no sleeps) sends the documented, signed payload exactly once. The editor fits a
390 px phone with Save and Publish on screen, and axe finds nothing serious.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re

import pytest
from test_real_app import REMINDER, assert_accessible, call, crm, ok, published  # noqa: F401  (fixtures)
from tests.conftest import served
from werkzeug.wrappers import Request, Response

from engine.scheduler import tick
from playwright.sync_api import expect

SECRET = "erp-signing-secret-81c2"


@pytest.fixture
def receiver():
    calls: list[tuple[bytes, dict]] = []

    def app(environ, start_response):
        request = Request(environ)
        calls.append((request.get_data(), dict(request.headers)))
        return Response("ok")(environ, start_response)

    with served(app) as server:
        yield {"url": f"http://127.0.0.1:{server.server_port}/erp/hook", "calls": calls}


def _step(page, step_id):
    return page.locator(f"li[data-step='{step_id}']")


def test_ops_build_dry_run_and_publish_workflows_without_json(page, published, receiver, axe_check):
    base = published["url"]
    rt = published["app"].extensions["formflow"]
    rt.config["WEBHOOK_ALLOWLIST"] = ["127.0.0.1/32"]
    sample = ok(call(base, "POST", "/api/apps/crm/forms/follow_up_reminder/records",
                     {"data": {"customer": published["acme"], "remind_at": "2030-03-10T09:00:00+08:00", "content": "Call Acme"}}))

    # -- a record-event workflow: webhook first (moved up), then notify with a typed message
    page.goto(base + "/apps/crm/workflows/editor?new=1")
    page.get_by_role("textbox", name="Key", exact=True).fill("tell_erp")
    page.get_by_role("textbox", name="Name (English)", exact=True).fill("Tell the ERP")
    page.get_by_role("combobox", name="Form", exact=True).select_option("follow_up_reminder")
    page.get_by_role("combobox", name="Starts", exact=True).select_option(label="When a record is created or changed")
    expect(page.get_by_role("checkbox", name="Created", exact=True)).to_be_checked()
    notify = _step(page, "notify_owner")
    notify.get_by_role("textbox", name="Subject").fill("Reminder for {{ record.content }}")
    notify.get_by_role("textbox", name="Message", exact=True).fill("Please {{ record.content }}")
    page.get_by_role("combobox", name="Add a step").select_option(label="Webhook")
    page.get_by_role("button", name="Add", exact=True).click()
    page.get_by_role("button", name="Move step 2. Webhook up").click()
    expect(page.locator("li[data-step]").first).to_have_attribute("data-step", "webhook_1")
    hook = _step(page, "webhook_1")
    hook.get_by_role("textbox", name="Webhook address").fill(receiver["url"])
    hook.get_by_label("Signing secret").fill(SECRET)
    hook.get_by_role("checkbox", name="Content").check()
    hook.get_by_role("checkbox", name="Reminder time").check()
    assert page.locator("textarea.mono:visible").count() == 0  # no JSON box anywhere
    page.get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(re.compile(r"\?key=tell_erp$"))

    stored = ok(call(base, "GET", "/api/apps/crm/workflows/tell_erp"))["definition"]
    assert stored["trigger"] == {"type": "record_event", "on": ["created"]}
    assert [s["id"] for s in stored["steps"]] == ["webhook_1", "notify_owner"]
    assert stored["steps"][0]["fields"] == ["content", "remind_at"] and SECRET not in json.dumps(stored)
    assert stored["steps"][1]["message"]["body"] == "Please {{ record.content }}"

    # dry-run one step against a picked record
    page.get_by_role("combobox", name="Record", exact=True).select_option(str(sample["id"]))
    _step(page, "webhook_1").get_by_role("button", name=re.compile("^Dry run step ")).click()
    result = _step(page, "webhook_1").get_by_role("status")
    expect(result).to_contain_text("POST to (the stored webhook address)")  # the address is a secret, never shown
    expect(result).to_contain_text("Call Acme")
    _step(page, "notify_owner").get_by_role("button", name=re.compile("^Dry run step ")).click()
    expect(_step(page, "notify_owner").locator("div[role=status]")).to_contain_text("Reminder for Call Acme")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_test_id("status")).to_contain_text("Published")
    assert_accessible(page, axe_check)

    # the scheduler, driven by its tick: the receiver gets the documented payload once
    made = ok(call(base, "POST", "/api/apps/crm/forms/follow_up_reminder/records",
                   {"data": {"customer": published["acme"], "remind_at": "2030-04-01T10:00:00+08:00", "content": "Visit Acme"}}))
    tick(rt)
    tick(rt)
    assert len(receiver["calls"]) == 1
    body, headers = receiver["calls"][0]
    digest = hmac.new(SECRET.encode(), headers["X-Formflow-Timestamp"].encode() + b"." + body, hashlib.sha256).hexdigest()
    assert headers["X-Formflow-Signature"] == f"sha256={digest}"
    doc = json.loads(body)
    assert doc["record"]["id"] == made["id"] and doc["record"]["form"] == "follow_up_reminder" and doc["record"]["app"] == "crm"
    assert doc["record"]["fields"] == {"content": "Visit Acme", "remind_at": made["data"]["remind_at"]}
    assert doc["record"]["link"].endswith(f"/apps/crm/forms/follow_up_reminder/records/{made['id']}")
    assert doc["language"] == "en" and doc["workflow"]["key"] == "tell_erp"

    # -- a cron workflow over a filter
    page.goto(base + "/apps/crm/workflows/editor?new=1")
    page.get_by_role("textbox", name="Key", exact=True).fill("weekly_digest")
    page.get_by_role("combobox", name="Form", exact=True).select_option("follow_up_reminder")
    page.get_by_role("combobox", name="Starts", exact=True).select_option(label="On a schedule, for the records matching a filter")
    page.get_by_role("textbox", name=re.compile("^Schedule")).fill("0 9 * * 1")
    page.get_by_role("button", name="Add a filter").click()
    page.get_by_role("combobox", name="Filter field").select_option(label="Content")
    page.get_by_test_id("wf-filters").get_by_role("combobox", name="Operator", exact=True).select_option(label="is not empty")
    _step(page, "notify_owner").get_by_role("textbox", name="Message", exact=True).fill("Still open: {{ record.content }}")
    page.get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(re.compile(r"\?key=weekly_digest$"))
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_test_id("status")).to_contain_text("Published")
    digest_def = ok(call(base, "GET", "/api/apps/crm/workflows/weekly_digest"))
    assert digest_def["published_version"] == 1
    assert digest_def["definition"]["trigger"] == {"type": "schedule", "cron": "0 9 * * 1",
                                                   "filters": [{"field": "content", "op": "not_empty"}]}

    # -- a 390 px phone: no sideways scrolling, Save and Publish on screen
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base + "/apps/crm/workflows/editor?key=tell_erp")
    expect(page.get_by_role("button", name="Publish")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    expect(page.get_by_role("button", name="Save draft")).to_be_in_viewport()
    expect(page.get_by_role("button", name="Publish")).to_be_in_viewport()
    page.mouse.wheel(0, 1500)
    expect(page.get_by_role("button", name="Publish")).to_be_in_viewport()
    assert_accessible(page, axe_check)
    assert page.js_errors == []
