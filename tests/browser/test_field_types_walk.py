"""The six field types of issue 19 walked in Chromium as an admin would, on one form holding all six, over SQLite and
then PostgreSQL (``db_app``: a fresh schema each run; the API walk is tests/fields/test_walk_api.py):

designer (each type dropped from the palette, its properties set by their labels, a rule built in the rule builder
that reads the rating) -> publish -> the generated form filled as a user (region cascade, a star by keyboard, a
signature drawn with the mouse, a picture uploaded, bold rich text, a team picked) and the rule refusing a low rating
without a title -> the record page -> the grid's filter builder on the rating and on the rich text -> CSV export
downloaded from the list -> that file imported through the import page (the picture columns are left out, saying why)
-> a notification template's preview rendering the values.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from tests.browser.field_walk_support import NEW_TYPES, call, draw_signature, open_visit, png

API = "/api/apps/crm/forms/visit"


def _fill_visit(page, title: str, stars: int, low_level: bool = False):
    """The generated form: every new type filled as a person does it."""
    page.get_by_label("Title").fill(title)
    page.get_by_role("combobox", name="Province").select_option(label="Guangdong")
    page.get_by_role("combobox", name="City").select_option(label="Guangzhou")
    page.get_by_role("combobox", name="District").select_option(label="Tianhequ")
    # rating by keyboard: focus the stars, each arrow press picks the next one; Space on the picked star keeps it
    page.get_by_role("radio", name="1 of 5 stars").focus()
    for _ in range(stars):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Space")
    expect(page.get_by_role("radio", name=f"{stars} of 5 stars")).to_have_attribute("aria-checked", "true")
    draw_signature(page)
    page.get_by_role("textbox", name="Rich text").click()
    page.keyboard.type("Met the buyer ")
    page.get_by_role("button", name="Bold").click()
    page.keyboard.type("today")
    page.get_by_label("Image").set_input_files({"name": "site.png", "mimeType": "image/png", "buffer": png()})
    expect(page.get_by_role("img", name="Picture 1")).to_be_visible()
    page.get_by_label("Team").select_option(label="Sales")


def test_all_six_types_from_designer_to_template(page, db_app, tmp_path):
    live_app, base = db_app
    token = open_visit(live_app, base, page, teams=("Sales", "售后支持"))

    # designer: drop each type from the palette; set the rating's stars and the region's depth by their labels
    page.goto(base + "/apps/crm/forms/visit/design")
    page.get_by_test_id("field-title").wait_for()
    for name in NEW_TYPES:
        page.get_by_test_id(f"palette-{name}").click()
        expect(page.get_by_test_id(f"field-{name}")).to_be_visible()
    page.get_by_test_id("field-rating").click()
    page.get_by_label("Stars").fill("5")
    page.get_by_test_id("field-region").click()
    page.get_by_label("Down to").select_option(label="District")

    # the rule builder: a rating of 2 or less needs a title
    page.get_by_test_id("tab-rules").click()
    page.get_by_test_id("add-rule").click()
    rule = page.get_by_test_id("rule-r1")
    rule.get_by_test_id("add-condition").first.click()
    rule.get_by_test_id("cond-field").select_option("rating")
    rule.get_by_test_id("cond-op").select_option("le")
    rule.get_by_test_id("cond-value").fill("2")
    expect(rule.get_by_test_id("rule-expression")).to_have_text("rating <= 2")
    rule.get_by_test_id("add-effect").click()
    rule.get_by_test_id("effect-field").select_option("title")
    rule.get_by_role("combobox", name="Visible").select_option("")  # a new effect shows the field: leave that alone
    rule.get_by_role("combobox", name="Required").select_option("true")
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("status")).to_contain_text("Published")
    published = call(base, token, "GET", f"{API}/versions/1")["definition"]
    assert [f["type"] for f in published["fields"]] == ["text", *NEW_TYPES]
    assert published["rules"][0]["when"] == "rating <= 2"
    assert published["rules"][0]["effects"] == [{"field": "title", "required": True}]
    assert next(f for f in published["fields"] if f["type"] == "region")["options"]["level"] == "district"

    # the generated form, twice; the rule refuses a low rating without a title (on the server too: the API says so)
    page.goto(base + "/apps/crm/forms/visit/new")
    page.get_by_test_id("fill-title").wait_for()
    _fill_visit(page, "Site visit", 4)
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("form-success")).to_be_visible()
    page.wait_for_url("**/forms/visit/records/*")  # the form opens the saved record itself: a goto before that races it
    page.goto(base + "/apps/crm/forms/visit/new")
    page.get_by_test_id("fill-title").wait_for()
    page.get_by_role("radio", name="2 of 5 stars").click()
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("fill-title").get_by_role("alert")).to_be_visible()
    page.get_by_label("Title").fill("Short call")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("form-success")).to_be_visible()
    page.wait_for_url("**/forms/visit/records/*")

    items = sorted(call(base, token, "GET", f"{API}/records")["items"], key=lambda r: r["id"])
    assert [r["data"].get("rating") for r in items] == [4, 2]
    site, short = items
    assert site["data"]["region"] == ["440000", "440100", "440106"] and "<b>today</b>" in site["data"]["richtext"] or \
        "<strong>today</strong>" in site["data"]["richtext"]

    # the record page
    page.goto(base + f"/apps/crm/forms/visit/records/{site['id']}")
    expect(page.get_by_test_id("value-region")).to_have_text("Guangdong / Guangzhou / Tianhequ")
    expect(page.get_by_test_id("value-rating")).to_have_text("★★★★☆")
    expect(page.get_by_test_id("value-richtext")).to_have_text("Met the buyer today")
    expect(page.get_by_test_id("value-team")).to_have_text("Sales")
    expect(page.get_by_role("img", name="Signature 1")).to_be_visible()
    expect(page.get_by_role("img", name="Image 1")).to_be_visible()

    # the grid's filter builder: rating at least 4, then rich text containing a word
    page.goto(base + "/apps/crm/forms/visit/grid")
    rows = page.locator("#grid .tabulator-row.tabulator-selectable")  # records, not the totals row
    expect(rows).to_have_count(2)
    page.locator("#grid-filter summary").click()
    page.get_by_role("button", name="Add condition").click()
    cond = page.locator("#grid-conditions li").nth(0)
    cond.get_by_label("Field").select_option(label="Rating")
    cond.get_by_label("Operator").select_option("ge")
    cond.get_by_label("Value").fill("4")
    page.get_by_role("button", name="Apply filter", exact=True).click()
    expect(rows).to_have_count(1)
    cond.get_by_label("Field").select_option(label="Rich text")
    assert sorted(cond.get_by_label("Operator").locator("option").evaluate_all("os => os.map(o => o.value)")) == \
        sorted(next(t for t in call(base, token, "GET", "/api/field-types")["items"] if t["type"] == "richtext")["filter_operators"])
    cond.get_by_label("Operator").select_option("contains")
    cond.get_by_label("Value").fill("buyer")
    page.get_by_role("button", name="Apply filter", exact=True).click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Site visit")

    # export from the list: the types' export texts
    page.goto(base + "/apps/crm/forms/visit/records")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8-sig")
    table = list(csv.reader(io.StringIO(exported)))
    header, first = table[0], next(r for r in table[1:] if r[0] == str(site["id"]))
    cells = dict(zip(header, first))
    assert (cells["Region"], cells["Rating"], cells["Rich text"], cells["Team"], cells["Image"], cells["Signature"]) == \
        ("广东/广州/天河区", "4", "Met the buyer today", "Sales", "site.png", "signature.png")

    # that file imported through the import page: the picture columns are left out, saying why
    source = tmp_path / "visits.csv"
    source.write_text(exported, encoding="utf-8")
    page.get_by_test_id("import-link").click()
    page.get_by_test_id("import-automations").uncheck()
    page.get_by_test_id("import-file").set_input_files(str(source))
    page.get_by_test_id("import-upload").click()
    expect(page.get_by_test_id("import-mapping")).to_be_visible()
    mapped = {h: page.get_by_test_id(f"map-{i}").input_value() for i, h in enumerate(header)}
    assert {h: mapped[h] for h in ("Region", "Rating", "Rich text", "Team", "Image", "Signature")} == \
        {"Region": "region", "Rating": "rating", "Rich text": "richtext", "Team": "team", "Image": "", "Signature": ""}
    left_out = page.get_by_test_id("import-not-imported").get_by_role("listitem")
    expect(left_out.filter(has_text="Image")).to_have_text(
        "Image: pictures are uploaded on the record page; a spreadsheet cell carries no file")
    expect(left_out.filter(has_text="Signature")).to_contain_text("uploaded on the record page")
    page.get_by_test_id("import-preview").click()
    expect(page.get_by_test_id("import-summary")).to_contain_text("2 rows checked: 2 ready")
    page.get_by_test_id("import-commit").click()
    expect(page.get_by_test_id("import-done")).to_contain_text("2 records created")
    again = [r for r in call(base, token, "GET", f"{API}/records?filter=title:eq:Site%20visit")["items"] if r["id"] != site["id"]]
    assert [(r["data"]["region"], r["data"]["rating"], r["data"]["team"]) for r in again] == \
        [(site["data"]["region"], 4, site["data"]["team"])]

    # a notification template's preview renders the values
    page.goto(base + "/")
    page.get_by_test_id("templates-crm").click()
    page.get_by_test_id("new-template").click()
    page.get_by_test_id("tpl-key").fill("visit_note")
    page.get_by_test_id("tpl-label").fill("Visit note")
    page.get_by_test_id("tpl-form").select_option("visit")
    page.get_by_test_id("tpl-subject").fill("Visit")
    page.get_by_test_id("tpl-body").fill("{{ record.region.text }} · {{ record.rating }} · {{ record.team }} · {{ record.richtext.text }}")
    page.get_by_test_id("tpl-create").click()
    expect(page.get_by_test_id("template-state")).to_have_text("Draft")
    page.get_by_test_id("preview-record").select_option(str(site["id"]))
    expect(page.get_by_test_id("preview-body")).to_contain_text("广东/广州/天河区 · 4 · Sales · Met the buyer today")
    assert page.js_errors == []
