"""The workflow editor with a robot address that is a secret (issue 18, point 3), in Debian's Chromium.

The page never holds the address: the field is empty with "Set (http://127.0.0.1/••••…)" beside it; saving other
changes keeps the stored secret, and typing a new address replaces it.
"""
from __future__ import annotations

import sqlalchemy as sa
from test_real_app import REMINDER, call, crm, ok, published  # noqa: F401  (fixtures)

from playwright.sync_api import expect

ROBOT_KEY = "wecom-key-3f9d2c71aa"


def test_workflow_editor_shows_a_secret_address_as_set_and_keeps_it_on_save(page, published):
    from engine.workflows.tables import workflows

    base = published["url"]
    rt = published["app"].extensions["formflow"]
    rt.config["WEBHOOK_ALLOWLIST"] = ["127.0.0.1/32"]
    definition = {"key": "robot_reminder", "form": "follow_up_reminder",
                  "trigger": {"type": "date_relative", "field": "remind_at", "tz": "owner",
                              "offsets": [{"amount": 1, "unit": "days", "direction": "before", "at_time": "09:00"}]},
                  "steps": [{"id": "notify_owner", "type": "notify", "to": [{"owner": True}], "channels": ["inbox", "wecom"],
                             "channel_config": {"wecom": {"url": f"http://127.0.0.1:9/cgi-bin/webhook/send?key={ROBOT_KEY}"}},
                             "message": {"body": "{{ record.content }}"}}]}
    ok(call(base, "POST", "/api/apps/crm/workflows", definition))
    with rt.db.read() as conn:
        stored = conn.execute(sa.select(workflows.c.draft)).scalar_one()["steps"][0]["channel_config"]["wecom"]["url"]

    page.goto(base + "/apps/crm/workflows/editor?key=robot_reminder")
    url_field = page.locator("#url-0-wecom")
    expect(url_field).to_have_value("")
    expect(page.get_by_test_id("secret-wecom")).to_contain_text("http://127.0.0.1/••••")
    assert ROBOT_KEY not in page.content()

    page.get_by_test_id("wf-label").fill("Robot reminder")
    with page.expect_response(lambda r: "/api/apps/crm/workflows/robot_reminder" in r.url and r.request.method != "GET") as first:
        page.get_by_test_id("wf-save").click()
    assert first.value.ok, first.value.text()
    saved = ok(call(base, "GET", "/api/apps/crm/workflows/robot_reminder"))
    assert saved["definition"]["label"] == "Robot reminder"
    with rt.db.read() as conn:
        kept = conn.execute(sa.select(workflows.c.draft)).scalar_one()["steps"][0]["channel_config"]["wecom"]["url"]
    assert kept == stored  # the same encrypted secret, untouched

    url_field.fill(f"http://127.0.0.1:9/cgi-bin/webhook/send?key=another-{ROBOT_KEY}")
    # the secret note was on screen before this save too: wait for the save's answer, not for the note
    with page.expect_response(lambda r: "/api/apps/crm/workflows/robot_reminder" in r.url and r.request.method != "GET"):
        page.get_by_test_id("wf-save").click()
    expect(page.get_by_test_id("secret-wecom")).to_be_visible()
    with rt.db.read() as conn:
        replaced = conn.execute(sa.select(workflows.c.draft, workflows.c.draft_revision)).one()
    assert replaced[1] == 3 and replaced[0]["steps"][0]["channel_config"]["wecom"]["url"] != stored
