"""Issue 23, point 1 in Debian's Chromium: a branch with an "otherwise" part, and one record's run log and reasons.

Ops build, without JSON, a record-event workflow whose branch (condition from the rule builder) has steps for when it
holds and, below an "otherwise" row, steps for when it does not; the engine's ``then``/``else`` is what is saved and
what comes back on reload. Each branch step is dry-run against a picked record (the other branch's step says it is
not reached). After publishing, a record the scheduler fired for (its ``tick``, no sleeps) shows its firing in
"Run log of this record" and in the fire times (done rows included); turned off, the record's dry-run says why it
will not fire.
"""
from __future__ import annotations

import re

from test_real_app import assert_accessible, call, crm, ok, published  # noqa: F401  (fixtures)

from engine.scheduler import tick
from playwright.sync_api import expect


def _step(page, step_id):
    return page.locator(f"li[data-step='{step_id}']")


def _add_step(page, kind):
    page.get_by_role("combobox", name="Add a step").select_option(label=kind)
    page.get_by_role("button", name="Add", exact=True).click()


def test_branch_with_otherwise_and_the_record_run_log(page, published, axe_check):
    base = published["url"]
    rt = published["app"].extensions["formflow"]
    call_acme = ok(call(base, "POST", "/api/apps/crm/forms/follow_up_reminder/records",
                        {"data": {"customer": published["acme"], "remind_at": "2030-03-10T09:00:00+08:00", "content": "Call Acme"}}))

    page.goto(base + "/apps/crm/workflows/editor?new=1")
    page.get_by_role("textbox", name="Key", exact=True).fill("call_or_visit")
    page.get_by_role("combobox", name="Form", exact=True).select_option("follow_up_reminder")
    page.get_by_role("combobox", name="Starts", exact=True).select_option(label="When a record is created or changed")
    _step(page, "notify_owner").get_by_role("textbox", name="Message", exact=True).fill("Noted: {{ record.content }}")
    _add_step(page, "Branch on a condition")
    branch = _step(page, "condition_1")
    branch.get_by_role("button", name="Add condition").click()
    branch.get_by_role("combobox", name="Field", exact=True).select_option(label="Content")
    branch.get_by_role("textbox", name="Set value").fill("Call Acme")
    expect(branch.get_by_test_id("cond-expression")).to_contain_text("content")
    _add_step(page, "Notify")
    _step(page, "notify_1").get_by_role("textbox", name="Message", exact=True).fill("Then: {{ record.content }}")
    branch.get_by_role("button", name=re.compile("^Add an otherwise branch to ")).click()
    expect(branch.get_by_role("button", name=re.compile("^Add an otherwise branch to "))).to_be_hidden()
    _add_step(page, "Notify")
    _step(page, "notify_2").get_by_role("textbox", name="Message", exact=True).fill("Else: {{ record.content }}")
    assert page.locator("textarea.mono:visible").count() == 0  # no JSON box anywhere
    page.get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(re.compile(r"\?key=call_or_visit$"))

    steps = ok(call(base, "GET", "/api/apps/crm/workflows/call_or_visit"))["definition"]["steps"]
    assert [s["id"] for s in steps] == ["notify_owner", "condition_1"]
    assert "content" in steps[1]["if"] and "Call Acme" in steps[1]["if"]
    assert [s["id"] for s in steps[1]["then"]] == ["notify_1"] and [s["id"] for s in steps[1]["else"]] == ["notify_2"]

    # reloaded from the engine's then/else: the otherwise row and which branch each step runs in
    page.reload()
    expect(page.locator("li[data-step]")).to_have_count(5)
    expect(_step(page, "condition_1__else")).to_contain_text("Otherwise (when 2. Branch on a condition does not hold)")
    expect(_step(page, "notify_1")).to_contain_text("Runs only when the branch condition above holds.")
    expect(_step(page, "notify_2")).to_contain_text("Runs only when the branch condition above does not hold.")

    # each branch step dry-run against the picked record ("Call Acme": the condition holds)
    page.get_by_role("combobox", name="Record", exact=True).select_option(str(call_acme["id"]))
    _step(page, "notify_1").get_by_role("button", name=re.compile("^Dry run step ")).click()
    expect(_step(page, "notify_1").get_by_role("status").filter(has_text="Then:")).to_contain_text("Then: Call Acme")
    _step(page, "notify_2").get_by_role("button", name=re.compile("^Dry run step ")).click()
    expect(_step(page, "notify_2").get_by_role("status").filter(has_text="Not reached")).to_contain_text("Not reached for this record.")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_test_id("status")).to_contain_text("Published")

    # a record the condition does not hold for: fired by the scheduler, its run log and fire times in the editor
    visit = ok(call(base, "POST", "/api/apps/crm/forms/follow_up_reminder/records",
                    {"data": {"customer": published["acme"], "remind_at": "2030-04-01T10:00:00+08:00", "content": "Visit Acme"}}))
    tick(rt)
    page.reload()
    page.get_by_role("combobox", name="Record", exact=True).select_option(str(visit["id"]))
    _step(page, "notify_2").get_by_role("button", name=re.compile("^Dry run step ")).click()
    expect(_step(page, "notify_2").get_by_role("status").filter(has_text="Else:")).to_contain_text("Else: Visit Acme")
    page.get_by_role("button", name="Run log of this record").click()
    runs = page.get_by_test_id("record-run-row")
    expect(runs).to_have_count(1)
    expect(runs.first).to_contain_text("done")
    page.get_by_test_id("wf-next-times").click()
    expect(page.get_by_test_id("due-empty")).to_be_visible()  # nothing left to fire...
    page.get_by_role("checkbox", name="With done and cancelled").check()
    expect(page.get_by_test_id("due-row").first).to_contain_text("done")  # ...and what already fired, with its state
    assert_accessible(page, axe_check)
    sent = ok(call(base, "GET", f"/api/apps/crm/workflows/call_or_visit/runs?record_id={visit['id']}"))["items"]
    assert len(sent) == 1 and sent[0]["status"] == "done"

    # why it will not fire: turned off, the record's dry-run says so
    page.get_by_test_id("wf-enabled").uncheck()
    expect(page.get_by_test_id("status")).to_contain_text("Workflow off")
    page.get_by_test_id("wf-dry-run").click()
    result = page.get_by_test_id("dry-result")
    expect(result).to_contain_text("It will not fire")
    expect(result).to_contain_text("the workflow is disabled")
    assert page.js_errors == []
