"""The built-in sales dashboard and the public web form in Debian's Chromium, against the REAL app over SQLite.

The CRM template is installed with demo data; an admin signs in and opens the
sales dashboard. Every figure the page shows (the numbers drawn on each
canvas, the data tables, the big numbers) must equal the data endpoint's, and
those must equal hand-written SQL computed in the test (tests/dashboards/expected.py).
The page runs under the app's CSP with no JavaScript error and passes axe-core;
the screenshot docs/screenshots/dashboard.png comes from here.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from signin import crm_admin  # tests/browser/signin.py
from tests.dashboards.expected import engine_figures, expected_sales  # noqa: E402

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ADMIN = {"username": "wangfang", "password": "correct-horse-battery-7", "display_name": "王芳"}
#: demo customers behind the dashboard (with their opportunities and follow-ups)
DEMO_CUSTOMERS = 40


@pytest.fixture
def sales(live_app, live_server, page):
    return crm_admin(live_app, live_server, page, ADMIN, demo_customers=DEMO_CUSTOMERS)


def _number(text: str):
    return None if text in ("", None) else float(text)


def test_sales_dashboard_shows_the_numbers_sql_computes(sales, page, axe_check):
    base, rt = sales["url"], sales["rt"]
    page.goto(base + "/apps/crm/dashboards")
    page.get_by_test_id("dashboard-sales").get_by_role("link").first.click()
    expect(page.get_by_test_id("dashboard")).to_have_attribute("data-drawn", "1")
    api = page.request.get(base + "/api/apps/crm/dashboards/sales/data")
    assert api.ok
    data = api.json()
    with rt.db.read() as conn:
        want = expected_sales(conn, rt.clock.now(), rt.timezone)
    assert engine_figures(data) == want  # the endpoint against independent SQL
    assert sum(want["customers_by_industry"].values()) > 0 and sum(want["funnel"].values()) > 0
    for chart in data["charts"]:
        card = page.get_by_test_id(f"chart-{chart['key']}")
        expect(card).to_be_visible()
        if "groups" in chart:
            values = [g["value"] for g in chart["groups"]]
            if chart["type"] != "table":  # the canvas draws exactly these numbers
                canvas = page.get_by_test_id(f"canvas-{chart['key']}")
                expect(canvas).to_have_attribute("data-rendered", "1")
                drawn = json.loads(canvas.get_attribute("data-values"))
                assert drawn == [v if v is not None else 0 for v in values], chart["key"]
                if chart.get("target"):
                    assert float(canvas.get_attribute("data-target")) == chart["target"]["value"]
            rows = page.get_by_test_id(f"table-{chart['key']}").locator("tbody tr")
            expect(rows).to_have_count(len(values))
            shown = [_number(rows.nth(i).get_attribute("data-value")) for i in range(len(values))]
            assert shown == [None if v is None else float(v) for v in values], chart["key"]
        else:
            figure = page.get_by_test_id(f"figure-{chart['key']}")
            assert _number(figure.get_attribute("data-value")) == float(chart["value"] or 0), chart["key"]
    # a label a person reads: the sales people by name, the industries by their label
    assert page.get_by_test_id("table-customers_by_industry").get_by_text("Manufacturing").count() <= 1
    assert page.js_errors == []
    assert axe_check(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
    page.goto(base + "/apps/crm/dashboards/sales?lang=zh-CN")
    expect(page.get_by_test_id("dashboard")).to_have_attribute("data-drawn", "1")
    expect(page.get_by_role("heading", name="销售看板")).to_be_visible()
    assert page.js_errors == []


def test_public_web_form_in_the_browser(sales, page, browser, axe_check):
    """An admin publishes a link; a visitor with no account fills it; the customer arrives with source = web form."""
    base, rt = sales["url"], sales["rt"]
    from engine.runtime import Actor
    from engine.services import queries, web_forms

    link = web_forms.create_web_form(rt, Actor.system(), "crm", "customer", label="Website",
                                     settings={"fields": ["name", "phone", "email", "industry", "remarks"]})
    visitor = browser.new_context(viewport={"width": 800, "height": 900}, locale="zh-CN").new_page()
    try:
        visitor.goto(base + link["url"])
        expect(visitor.get_by_test_id("public-form")).to_be_visible()
        assert axe_check(visitor) == []
        expect(visitor.locator(f"[name={web_forms.HONEYPOT_FIELD}]")).not_to_be_in_viewport()
        visitor.locator("#pf-name").fill("星辰智能制造有限公司")
        visitor.locator("#pf-phone").fill("13912345678")
        visitor.locator("#pf-industry").select_option("manufacturing")
        visitor.get_by_test_id("public-submit").click()
        expect(visitor.get_by_test_id("public-thanks")).to_be_visible()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        visitor.screenshot(path=str(SCREENSHOTS / "public_form_sent.png"))
    finally:
        visitor.context.close()
    found = queries.list_records(rt, Actor.system(), "crm", "customer",
                                 queries.Query(filters=[queries.Filter("name", "eq", "星辰智能制造有限公司")]))
    assert [r["data"]["source"] for r in found["items"]] == ["web_form"]
