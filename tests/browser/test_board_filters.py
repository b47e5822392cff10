"""The boards filter with the grid's filter builder (static/filterbuilder.js), in Debian's Chromium against the real app.

On the opportunities' kanban the admin opens Filter, picks Amount -> "greater than" -> 50000 and applies: only the big
deal stays on the board (read through the list API's `where`, the read gate). Saved as a view, the condition comes back
in the builder when the view is opened again, and the board stays filtered; Clear brings every card back."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from engine.runtime import Actor
from engine.services import records
from tests.browser.signin import crm_admin

ADMIN = {"username": "wangfang", "password": "correct-horse-battery-7", "display_name": "王芳"}


@pytest.fixture
def crm(live_app, live_server, page):
    return crm_admin(live_app, live_server, page, ADMIN, demo_customers=4)


def test_kanban_filters_with_the_grids_builder_and_keeps_it_in_a_saved_view(crm, page):
    base, rt = crm["url"], crm["rt"]
    customer = page.request.get(f"{base}/api/apps/crm/forms/customer/records?page_size=1").json()["items"][0]["id"]
    small = records.create_record(rt, Actor.system(), "crm", "opportunity", {"name": "Small filter deal", "stage": "initial",
                                                                            "amount": 1000, "customer": customer})
    big = records.create_record(rt, Actor.system(), "crm", "opportunity", {"name": "Big filter deal", "stage": "initial",
                                                                          "amount": 90000, "customer": customer})
    page.goto(base + "/apps/crm/forms/opportunity/kanban")
    board = page.get_by_test_id("kanban")
    expect(board.locator(f"[data-record='{small['id']}']")).to_be_visible()

    page.get_by_text("Filter", exact=True).click()
    page.get_by_role("button", name="Add condition").click()
    page.get_by_label("Field, condition 1", exact=True).select_option(label="Amount")
    page.get_by_label("Operator, condition 1", exact=True).select_option(label="greater than / after")
    page.get_by_label("Value, condition 1", exact=True).fill("50000")
    page.get_by_role("button", name="Apply filter", exact=True).click()
    expect(board.locator(f"[data-record='{small['id']}']")).to_have_count(0)
    expect(board.locator(f"[data-record='{big['id']}']")).to_be_visible()

    page.get_by_role("button", name="Save view as…").click()
    page.get_by_label("View name (English)", exact=True).fill("Big deals")
    page.get_by_role("button", name="Create view", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("saved")
    view = page.request.get(f"{base}/api/apps/crm/forms/opportunity/views").json()["items"][0]
    assert view["definition"]["filters"] == [{"field": "amount", "op": "gt", "value": "50000"}]

    page.goto(base + f"/apps/crm/forms/opportunity/kanban?view={view['id']}")
    expect(board.locator(f"[data-record='{big['id']}']")).to_be_visible()
    expect(board.locator(f"[data-record='{small['id']}']")).to_have_count(0)
    page.get_by_text("Filter", exact=True).click()
    expect(page.get_by_label("Field, condition 1", exact=True)).to_have_value("amount")
    expect(page.get_by_label("Value, condition 1", exact=True)).to_have_value("50000")
    page.get_by_role("button", name="Clear", exact=True).click()
    expect(board.locator(f"[data-record='{small['id']}']")).to_be_visible()
    assert not page.js_errors, page.js_errors
