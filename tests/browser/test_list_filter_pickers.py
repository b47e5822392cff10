"""The records grid's filter builder picks a region and a team the way the form does, by their names: the value of a
region condition is the province -> city -> district cascade of the region widget, a team's is the list of teams, each
offered by the widget module of the field's type (filterInput); the operators are the ones the type declares
(GET /api/field-types). SQLite and PostgreSQL (``db_app``). Controls by role and accessible name.
"""
from __future__ import annotations

from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from tests.browser.field_walk_support import call, open_visit

API = "/api/apps/crm/forms/site"
VISITS = {  # title: (region path, team name)
    "Canton visit": (["440000", "440100", "440106"], "Sales"),
    "Shenzhen visit": (["440000", "440300", "440304"], "售后支持"),
    "Beijing visit": (["110000", "110105"], "Sales"),
}


def _site_form(base: str, token: str) -> None:
    """A published "site" form (title, region, team) holding the three visits."""
    call(base, token, "POST", "/api/apps/crm/forms", {"key": "site", "label": {"en": "Site"}, "fields": [
        {"id": "title", "type": "text", "label": {"en": "Title"}},
        {"id": "region", "type": "region", "label": {"en": "Region"}},
        {"id": "team", "type": "team", "label": {"en": "Team"}}]})
    call(base, token, "POST", f"{API}/publish")
    teams = {t["label"]: t["value"] for t in call(base, token, "GET", "/api/field-types/team/choices")["items"]}
    for title, (region, team) in VISITS.items():
        call(base, token, "POST", f"{API}/records", {"data": {"title": title, "region": region, "team": teams[team]}})


def _titles(page) -> list[str]:
    """The titles of the records the grid shows (its rows, less the header and totals rows)."""
    cells = page.get_by_role("gridcell").filter(has_text=" visit")
    return sorted(cells.all_inner_texts())


def test_grid_filters_by_region_and_team_picked_by_name(page, db_app):
    live_app, base = db_app
    token = open_visit(live_app, base, page, teams=("Sales", "售后支持"))
    _site_form(base, token)
    declared = {t["type"]: t["filter_operators"] for t in call(base, token, "GET", "/api/field-types")["items"]}

    page.goto(base + "/apps/crm/forms/site/grid")
    expect(page.get_by_role("gridcell", name="Beijing visit")).to_be_visible()
    assert _titles(page) == ["Beijing visit", "Canton visit", "Shenzhen visit"]
    page.get_by_text("Filter", exact=True).click()
    page.get_by_role("button", name="Add condition").click()
    cond = page.get_by_role("listitem").filter(has=page.get_by_role("combobox", name="Field"))

    # a region: the province picked by its name; the operators are the region type's own
    cond.get_by_role("combobox", name="Field").select_option(label="Region")
    ops = cond.get_by_role("combobox", name="Operator").locator("option").evaluate_all("os => os.map(o => o.value)")
    assert ops == list(declared["region"])
    cond.get_by_role("combobox", name="Operator").select_option("contains")
    cond.get_by_role("combobox", name="Province").select_option(label="Guangdong")
    page.get_by_role("button", name="Apply filter", exact=True).click()
    expect(page.get_by_role("gridcell", name="Beijing visit")).to_have_count(0)
    assert _titles(page) == ["Canton visit", "Shenzhen visit"]
    # narrowed to a city of that province (its list filled from the province)
    cond.get_by_role("combobox", name="City").select_option(label="Shenzhen")
    page.get_by_role("button", name="Apply filter", exact=True).click()
    expect(page.get_by_role("gridcell", name="Canton visit")).to_have_count(0)
    assert _titles(page) == ["Shenzhen visit"]

    # a team, by its name: the team type's operators, the teams of the workspace to pick from
    cond.get_by_role("combobox", name="Field").select_option(label="Team")
    ops = cond.get_by_role("combobox", name="Operator").locator("option").evaluate_all("os => os.map(o => o.value)")
    assert ops == list(declared["team"])
    cond.get_by_role("combobox", name="Operator").select_option("eq")
    team = cond.get_by_role("combobox", name="Value")
    expect(team.locator("option", has_text="售后支持")).to_have_count(1)  # the teams arrive from the server
    assert sorted(team.locator("option").all_inner_texts())[1:] == ["Sales", "售后支持"]  # after the blank choice
    team.select_option(label="Sales")
    page.get_by_role("button", name="Apply filter", exact=True).click()
    expect(page.get_by_role("gridcell", name="Shenzhen visit")).to_have_count(0)
    assert _titles(page) == ["Beijing visit", "Canton visit"]

    # both at once: Sales in Guangdong
    page.get_by_role("button", name="Add condition").click()
    second = cond.nth(1)
    second.get_by_role("combobox", name="Field").select_option(label="Region")
    second.get_by_role("combobox", name="Province").select_option(label="Guangdong")
    page.get_by_role("button", name="Apply filter", exact=True).click()
    expect(page.get_by_role("gridcell", name="Beijing visit")).to_have_count(0)
    assert _titles(page) == ["Canton visit"]
    assert page.js_errors == []
