"""The six field types of issue 19 in Chromium: the admin adds each from the designer's palette and publishes; the
generated form fills them (a region picked province -> city -> district, a star clicked, a signature drawn with the
mouse, rich text typed and made bold, a picture uploaded and its thumbnail shown, a team picked); the saved record
holds them and its page shows them. Controls are found by role and accessible name. SQLite and PostgreSQL.
"""
from __future__ import annotations

import io
import urllib.request

import pytest
from PIL import Image
from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from tests.browser.field_walk_support import LOADED_WIDTH, NEW_TYPES, call as _call, draw_signature, open_visit, png as _png


@pytest.fixture
def visit(db_app, page):
    """An admin signed in, a team, and an app whose "visit" form has only a title."""
    live_app, live_server = db_app
    return {"url": live_server, "token": open_visit(live_app, live_server, page)}


def test_new_field_types_from_palette_to_record_page(page, visit, axe_check):
    base = visit["url"]
    page.goto(base + "/apps/crm/forms/visit/design")
    page.get_by_test_id("field-title").wait_for()
    for name in NEW_TYPES:  # each from the palette (a click adds it to the current section)
        page.get_by_test_id(f"palette-{name}").click()
        expect(page.get_by_test_id(f"field-{name}")).to_be_visible()
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("status")).to_contain_text("Published")
    published = _call(base, visit["token"], "GET", "/api/apps/crm/forms/visit/versions/1")["definition"]
    assert [f["type"] for f in published["fields"]] == ["text", *NEW_TYPES]

    page.goto(base + "/apps/crm/forms/visit/new")
    page.get_by_test_id("fill-title").wait_for()
    page.get_by_label("Title").fill("Site visit")
    # region: province -> city -> district, each list filled from the one before
    page.get_by_role("combobox", name="Province").select_option(label="Guangdong")
    page.get_by_role("combobox", name="City").select_option(label="Guangzhou")
    page.get_by_role("combobox", name="District").select_option(label="Tianhequ")
    # rating: click the fourth star
    page.get_by_role("radio", name="4 of 5 stars").click()
    expect(page.get_by_role("radio", name="4 of 5 stars")).to_have_attribute("aria-checked", "true")
    # signature: draw with the mouse, then keep it
    draw_signature(page)
    # rich text: type, and make a word bold
    editor = page.get_by_role("textbox", name="Rich text")
    editor.click()
    page.keyboard.type("Met the buyer ")
    page.get_by_role("button", name="Bold").click()
    page.keyboard.type("today")
    # image: upload; the server's thumbnail shows
    page.get_by_label("Image").set_input_files({"name": "site.png", "mimeType": "image/png", "buffer": _png()})
    thumb = page.get_by_role("img", name="Picture 1")
    expect(thumb).to_be_visible()
    assert thumb.evaluate(LOADED_WIDTH) == 320
    # team
    page.get_by_label("Team").select_option(label="Sales")
    assert [(v["id"], [n["html"][:120] for n in v["nodes"]]) for v in axe_check(page)] == []
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("form-success")).to_be_visible()
    page.wait_for_url("**/forms/visit/records/*")  # the form opens the saved record itself: a goto before that races it

    items = _call(base, visit["token"], "GET", "/api/apps/crm/forms/visit/records")["items"]
    assert len(items) == 1
    data = items[0]["data"]
    teams = _call(base, visit["token"], "GET", "/api/field-types/team/choices")["items"]
    assert data["region"] == ["440000", "440100", "440106"] and data["rating"] == 4
    assert data["team"] == next(t["value"] for t in teams if t["label"] == "Sales")
    assert data["richtext"].startswith("Met the buyer ") and ("<b>today</b>" in data["richtext"] or "<strong>today</strong>" in data["richtext"])
    # the drawing and the picture are attachments of this record: a PNG each
    for field in ("signature", "image"):
        req = urllib.request.Request(base + f"/api/attachments/{data[field]}", headers={"Authorization": f"Bearer {visit['token']}"})
        with urllib.request.urlopen(req) as resp:
            assert Image.open(io.BytesIO(resp.read())).format == "PNG"

    # the record page shows each value
    page.goto(base + f"/apps/crm/forms/visit/records/{items[0]['id']}")
    expect(page.get_by_test_id("value-region")).to_have_text("Guangdong / Guangzhou / Tianhequ")
    expect(page.get_by_test_id("value-rating")).to_have_text("★★★★☆")
    expect(page.get_by_test_id("value-signature")).to_have_text("signature.png")
    expect(page.get_by_test_id("value-image")).to_have_text("site.png")
    # the drawing and the picture themselves, as thumbnails
    for name in ("Signature 1", "Image 1"):
        expect(page.get_by_role("img", name=name)).to_be_visible()
        assert page.get_by_role("img", name=name).evaluate(LOADED_WIDTH) > 0
    expect(page.get_by_test_id("value-richtext")).to_have_text("Met the buyer today")
    expect(page.get_by_test_id("value-team")).to_have_text("Sales")

    # editing starts from the stored values: the region's levels, the stars, the team, the text
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_role("combobox", name="District")).to_have_value("440106")
    expect(page.get_by_role("combobox", name="City")).to_have_value("440100")
    expect(page.get_by_role("radio", name="4 of 5 stars")).to_have_attribute("aria-checked", "true")
    expect(page.get_by_label("Team")).to_have_value(str(data["team"]))
    expect(page.get_by_role("textbox", name="Rich text")).to_have_text("Met the buyer today")
    page.get_by_role("radio", name="5 of 5 stars").click()
    page.get_by_role("combobox", name="City").select_option(label="Shenzhen")
    page.get_by_role("combobox", name="District").select_option(label="Futianqu")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("form-success")).to_be_visible()
    page.wait_for_url("**/forms/visit/records/*")  # the form opens the saved record itself: a goto before that races it
    page.goto(base + f"/apps/crm/forms/visit/records/{items[0]['id']}")
    expect(page.get_by_test_id("value-rating")).to_have_text("★★★★★")
    expect(page.get_by_test_id("value-region")).to_have_text("Guangdong / Shenzhen / Futianqu")
    saved = _call(base, visit["token"], "GET", f"/api/apps/crm/forms/visit/records/{items[0]['id']}")["data"]
    assert saved["rating"] == 5 and saved["region"] == ["440000", "440300", "440304"] and saved["signature"] == data["signature"]

    # in Chinese: the widgets' names and the region names
    page.goto(base + "/apps/crm/forms/visit/new?lang=zh-CN")
    page.get_by_role("combobox", name="省").select_option(label="广东")
    page.get_by_role("combobox", name="市").select_option(label="广州")
    expect(page.get_by_role("combobox", name="区县")).to_contain_text("天河区")
    expect(page.get_by_role("radio", name="4 星（共 5 星）")).to_be_visible()
    expect(page.get_by_role("button", name="使用此签名")).to_be_visible()
    expect(page.get_by_role("button", name="加粗")).to_be_visible()
    assert page.js_errors == []
