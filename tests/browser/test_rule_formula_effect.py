"""A rule that sets a field by a formula works in the browser as on the server (issue 21: "computed values through the
compiled JS"): the browser's rules ignored a "formula" effect, so the value appeared only after saving.

An admin's rule on the customer form: when the level is Key, Remarks becomes "VIP: " + the name. Filling in, the
remark follows the name as it is typed, goes when the level changes, and what the server stores is what the form showed.
"""
from __future__ import annotations

import sqlalchemy as sa
from playwright.sync_api import expect

from engine.runtime import Actor
from engine.services import forms as form_service
from engine.storage.tables import forms, records
from signin import crm_admin  # tests/browser/signin.py

ADMIN = {"username": "wangfang", "password": "correct-horse-battery-9", "display_name": "王芳"}
RULE = {"id": "vip_remark", "name": "VIP remark", "when": "level == 'key'",
        "effects": [{"field": "remarks", "formula": "'VIP: ' + (name ?? '')"}]}


def test_a_rule_setting_a_value_by_formula_runs_as_the_user_types(live_app, live_server, page):
    crm = crm_admin(live_app, live_server, page, ADMIN)
    rt = crm["rt"]
    draft = form_service.get_draft(rt, "crm", "customer")
    definition = draft["definition"]
    definition.setdefault("rules", []).append(RULE)
    form_service.save_draft(rt, Actor.system(), "crm", "customer", definition)
    form_service.publish_form(rt, Actor.system(), "crm", "customer")

    page.goto(crm["url"] + "/apps/crm/forms/customer/new")
    remarks = page.get_by_label("Remarks")
    page.get_by_label("Customer level").select_option(label="Key")
    page.get_by_label("Customer name").fill("Formula Effect Ltd")
    expect(remarks).to_have_value("VIP: Formula Effect Ltd")
    page.get_by_label("Customer level").select_option(label="Main")
    page.get_by_label("Customer level").select_option(label="Key")
    page.get_by_label("Customer name").fill("Formula Effect Co")
    expect(remarks).to_have_value("VIP: Formula Effect Co")
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url("**/apps/crm/forms/customer/records/*")

    with rt.db.read() as conn:
        stored = conn.execute(sa.select(records.c.data).join(forms, forms.c.id == records.c.form_id)
                              .where(forms.c.key == "customer")).scalars().all()
    assert [d["remarks"] for d in stored if d["name"] == "Formula Effect Co"] == ["VIP: Formula Effect Co"]
    assert page.js_errors == []
