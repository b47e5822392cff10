"""The dashboard builder in Debian's Chromium against the REAL app over SQLite, never calling the API or typing JSON:
the admin builds a dashboard with two charts (a refusal at its control first), reorders them, watches the live
preview, saves, applies a period filter above the dashboard, clicks a bar and lands on the record list showing exactly
that bar's records (checked against the records computed here from the service, not from the page). axe-core clean,
fits 390 px; the builder in zh-CN; the screenshot docs/screenshots/dashboard_builder.png comes from here."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from engine.fields.temporal import parse_datetime
from engine.runtime import Actor
from engine.services.display import form_definition
from engine.services import queries
from tests.browser.signin import crm_admin

expect = pytest.importorskip("playwright.sync_api").expect

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ADMIN = {"username": "liuyang", "password": "amber meadow lantern 41", "display_name": "Liu Yang"}
PHONE_WIDTH = 390
#: the period picked above the dashboard: the last DAYS days
DAYS = 400


@pytest.fixture
def admin(live_app, live_server, page):
    return crm_admin(live_app, live_server, page, ADMIN, demo_customers=15)


def _fits(page) -> int:
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 844})
    used = page.evaluate("() => document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 800})
    return used


def _expected_by_stage(rt) -> dict[str, set[int]]:
    """Opportunities created in the last DAYS local days, by stage: computed from every record, not from the dashboard."""
    items = queries.list_records(rt, Actor.system(), "crm", "opportunity", queries.Query(page_size=queries.MAX_PAGE_SIZE))["items"]
    tz = ZoneInfo(rt.timezone)
    first = rt.clock.now().astimezone(tz).date() - timedelta(days=DAYS - 1)
    out: dict[str, set[int]] = {}
    for r in items:
        if parse_datetime(r["created_at"]).astimezone(tz).date() >= first:
            out.setdefault(r["data"].get("stage"), set()).add(r["id"])
    return out


def test_admin_builds_a_dashboard_filters_it_and_drills_into_a_bar(admin, page, axe_check):
    base, rt = admin["url"], admin["rt"]
    page.goto(base + "/apps/crm/dashboards")
    page.get_by_role("link", name="New dashboard").click()
    builder = page.get_by_test_id("dash-builder")
    expect(builder).to_have_attribute("data-ready", "1")

    page.get_by_role("button", name="Add chart").click()
    one = page.get_by_role("group", name="Chart 1")
    one.get_by_label("Title (English)").fill("Opportunities by stage")
    one.get_by_label("Form").select_option(label="Opportunity")
    one = page.get_by_role("group", name="Chart 1")
    one.get_by_label("Group by").select_option(label="Stage")
    expect(one.get_by_test_id("preview-canvas-0")).to_have_attribute("data-rendered", "1")  # the live preview drew it

    page.get_by_role("button", name="Add chart").click()
    two = page.get_by_role("group", name="Chart 2")
    two.get_by_label("Title (English)").fill("Amount by owner")
    two.get_by_label("Form").select_option(label="Opportunity")
    two = page.get_by_role("group", name="Chart 2")
    two.get_by_label("Chart type").select_option(label="Pie")
    two = page.get_by_role("group", name="Chart 2")
    two.get_by_label("Group by").select_option(value="owner_id")
    two = page.get_by_role("group", name="Chart 2")
    two.get_by_label("Measure", exact=True).select_option(label="Sum of")
    two = page.get_by_role("group", name="Chart 2")
    two.get_by_label("Number field").select_option(label="Amount")
    expect(page.get_by_test_id("preview-canvas-1")).to_have_attribute("data-rendered", "1")

    # the key is missing: refused at its control, nothing typed is lost
    page.get_by_role("button", name="Save dashboard").click()
    key = page.get_by_label("Key")
    expect(key).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("dash-error")).to_be_visible()
    expect(page.get_by_role("group", name="Chart 2").get_by_label("Title (English)")).to_have_value("Amount by owner")

    # reorder by keyboard: chart 2 up, then back down
    page.get_by_role("button", name="Move chart 2 up").click()
    expect(page.get_by_role("group", name="Chart 1").get_by_label("Title (English)")).to_have_value("Amount by owner")
    page.get_by_role("button", name="Move chart 1 down").click()
    expect(page.get_by_role("group", name="Chart 1").get_by_label("Title (English)")).to_have_value("Opportunities by stage")

    key.fill("pipeline_board")
    page.get_by_label("Name (English)", exact=True).fill("Pipeline board")
    expect(page.get_by_test_id("preview-canvas-1")).to_have_attribute("data-rendered", "1")
    assert axe_check(page) == []
    assert _fits(page) <= PHONE_WIDTH
    page.screenshot(path=str(SCREENSHOTS / "dashboard_builder.png"), full_page=True)
    page.get_by_role("button", name="Save dashboard").click()

    # the saved dashboard, with a period filter over every chart
    expect(page.get_by_role("heading", name="Pipeline board", level=1)).to_be_visible()
    page.get_by_label("Period").select_option(label="Last N days")
    page.get_by_label("Days").fill(str(DAYS))
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_test_id("dashboard")).to_have_attribute("data-drawn", "1")
    assert axe_check(page) == []
    assert _fits(page) <= PHONE_WIDTH

    expected = _expected_by_stage(rt)
    canvas = page.get_by_test_id("canvas-chart_1")
    labels = canvas.get_attribute("data-labels")
    # the first bar with records (and at most a page of them)
    index, stage = page.evaluate("""(canvas) => {
        const chart = canvas._ffChart; const data = JSON.parse(document.getElementById('ff-dashboard').textContent)[0];
        const rows = data.rows; for (let i = 0; i < rows.length; i++) { if (rows[i].count > 0 && rows[i].count <= 20 && data.drills[i]) return [i, rows[i].label]; }
        return [-1, null]; }""", canvas.element_handle())
    assert index >= 0, labels
    point = page.evaluate("(c) => { const b = c._ffChart.getDatasetMeta(0).data[%d]; return [b.x, (b.y + b.base) / 2]; }" % index,
                          canvas.element_handle())
    canvas.click(position={"x": point[0], "y": point[1]})
    expect(page).to_have_url(re.compile(r"/apps/crm/forms/opportunity/records\?where="))
    table = page.get_by_test_id("records-table")
    links = table.locator("tbody a[href*='/records/']")
    expect(links.first).to_be_visible()
    shown = {int(re.search(r"/records/(\d+)", h).group(1)) for h in links.evaluate_all("(as) => as.map(a => a.getAttribute('href'))")}
    by_label = {choice_label: ids for choice_label, ids in _labelled(rt, expected).items()}
    assert shown == by_label[stage]

    # the builder speaks Chinese too
    page.goto(base + "/apps/crm/dashboards/new?lang=zh-CN")
    expect(page.get_by_role("button", name="添加图表")).to_be_visible()
    page.get_by_role("button", name="添加图表").click()
    expect(page.get_by_role("group", name="图表 1").get_by_label("图表类型")).to_be_visible()
    assert axe_check(page) == []


def _labelled(rt, by_stage: dict[str, set[int]]) -> dict[str, set[int]]:
    """The stage values as the page labels them in English (the choice labels of the published form)."""
    definition = form_definition(rt, "crm", "opportunity")
    choices = {c["value"]: c.get("label") for c in definition["fields"][[f["id"] for f in definition["fields"]].index("stage")]["options"]["choices"]}
    out = {}
    for value, ids in by_stage.items():
        lab = choices.get(value, value)
        out[lab.get("en") if isinstance(lab, dict) else lab] = ids
    return out
