"""A workflow step's own name, typed per language in the workflow editor (Chromium).

An admin adds a webhook step: unnamed, it is headed by its place and kind ("2. Webhook"). The first step is named in
English and in 中文 in inputs labelled with its place ("Step 1 name (English)", "Step 1 name (中文)"); its header and
its buttons then say the English name, the saved definition keeps both ({"en", "zh-CN"}), and a zh-CN reader of the
saved workflow sees the Chinese name in the header and both names in their inputs. An emptied name drops the label.
axe: nothing serious.
"""
from __future__ import annotations

import re

from playwright.sync_api import expect

from designer_ui.i18n import gettext
from engine.runtime import Actor
from engine.services import workflows as workflow_service
from tests.browser.signin import crm_admin

ADMIN = {"username": "hanmeimei", "password": "correct-horse-battery-7", "display_name": "Han Meimei"}


def _step(page, step_id):
    return page.locator(f"li[data-step='{step_id}']")


def _saved_steps(rt) -> list:
    return workflow_service.get_workflow(rt, "crm", "named_steps", Actor.system())["definition"]["steps"]


def test_steps_are_named_per_language_and_headed_in_the_readers(page, live_app, live_server, axe_check):
    crm = crm_admin(live_app, live_server, page, ADMIN)
    page.goto(crm["url"] + "/apps/crm/workflows/editor?new=1")
    page.get_by_role("textbox", name="Key", exact=True).fill("named_steps")
    page.get_by_role("combobox", name="Form", exact=True).select_option("follow_up_reminder")
    page.get_by_role("combobox", name="Starts", exact=True).select_option(label="When a record is created or changed")
    notify = _step(page, "notify_owner")
    notify.get_by_role("textbox", name="Message", exact=True).fill("Noted: {{ record.content }}")
    page.get_by_role("combobox", name="Add a step").select_option(label="Webhook")
    page.get_by_role("button", name="Add", exact=True).click()
    hook = _step(page, "webhook_1")
    expect(hook.locator(".step-head strong")).to_have_text("2. Webhook")
    expect(hook.get_by_role("textbox", name="Step 2 name (English)", exact=True)).to_have_value("")
    expect(hook.get_by_role("textbox", name="Step 2 name (中文)", exact=True)).to_have_value("")

    notify.get_by_role("textbox", name="Step 1 name (English)", exact=True).fill("Tell the owner")
    notify.get_by_role("textbox", name="Step 1 name (中文)", exact=True).fill("通知负责人")
    expect(notify.locator(".step-head strong")).to_have_text("Tell the owner")
    expect(notify.get_by_role("button", name="Move step Tell the owner down")).to_be_visible()
    assert axe_check(page) == []
    page.get_by_role("button", name="Remove step 2. Webhook").click()
    page.get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(re.compile(r"\?key=named_steps$"))
    assert _saved_steps(crm["rt"])[0]["label"] == {"en": "Tell the owner", "zh-CN": "通知负责人"}

    page.goto(crm["url"] + "/apps/crm/workflows/editor?key=named_steps&lang=zh-CN")
    notify = _step(page, "notify_owner")
    expect(notify.locator(".step-head strong")).to_have_text("通知负责人")
    expect(notify.get_by_role("textbox", name="步骤 1 名称（English）", exact=True)).to_have_value("Tell the owner")
    expect(notify.get_by_role("textbox", name="步骤 1 名称（中文）", exact=True)).to_have_value("通知负责人")
    # an emptied name: the step is read by its place and kind again, and the saved step has no label
    notify.get_by_role("textbox", name="步骤 1 名称（English）", exact=True).fill("")
    notify.get_by_role("textbox", name="步骤 1 名称（中文）", exact=True).fill("")
    expect(notify.locator(".step-head strong")).to_have_text(re.compile(r"^1\. "))
    page.get_by_role("button", name=gettext("designer.save_draft", "zh-CN")).click()
    expect(page.get_by_test_id("status")).to_have_text(gettext("designer.saved_at", "zh-CN"))
    assert "label" not in _saved_steps(crm["rt"])[0]
    assert page.js_errors == []
