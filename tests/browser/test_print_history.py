"""Printing in Chromium (issue 22 point 6), on SQLite and PostgreSQL: Wang prints his customer's sales contract from
the record page's Print menu, a PDF reader finds the customer in it, and the record's history says who printed which
template. Without a print font on the server, the Print menu and the template editor's preview say what to install
or configure instead of offering a download that would fail. An admin writing a print template picks its paper and
orientation (Letter, landscape) and the PDF is laid out on that page.
"""
from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from engine.runtime import Actor
from engine.services import print_templates, templates
from tests.browser.signin import crm_with_people, sign_in

PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def crm(db_app):
    app, base = db_app
    people = (("wang", "Wang Fang", ["member"]), ("ada", "Ada Admin", ["admin"]))
    return crm_with_people(app, base, people, PASSWORD,
                           {"name": "长城贸易 Great Wall Trading", "level": "key", "phone": "13800000007"}, owner="wang")


def test_a_salesperson_prints_a_contract_and_the_history_says_so(page, crm, axe_check, tmp_path):
    base = crm["url"]
    sign_in(page, base, "wang", PASSWORD)
    page.goto(f"{base}/apps/crm/forms/customer/records/{crm['customer']}")
    menu = page.get_by_test_id("print-menu")
    menu.get_by_text("Print", exact=True).click()
    with page.expect_download() as download:
        menu.get_by_role("link", name="Sales contract").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    text = "\n".join(p.extract_text() for p in PdfReader(str(saved)).pages)
    assert "销售合同" in text and "长城贸易 Great Wall Trading" in text and "13800000007" in text
    page.reload()
    history = page.get_by_test_id("record-history")
    expect(history.get_by_role("listitem").first).to_contain_text("Wang Fang printed Sales contract")
    assert axe_check(page) == []
    page.goto(f"{base}/apps/crm/forms/customer/records/{crm['customer']}?lang=zh-CN")
    expect(page.get_by_test_id("record-history").get_by_role("listitem").first).to_contain_text("Wang Fang 打印了销售合同")
    assert page.js_errors == []


def test_without_a_print_font_the_menu_and_the_preview_say_what_to_install(page, crm, tmp_path):
    base, rt = crm["url"], crm["rt"]
    rt.config["PRINT_FONT"] = str(tmp_path / "gone.ttc")
    sign_in(page, base, "ada", PASSWORD)
    page.goto(f"{base}/apps/crm/forms/customer/records/{crm['customer']}")
    menu = page.get_by_test_id("print-menu")
    menu.get_by_text("Print", exact=True).click()
    expect(menu.get_by_role("alert")).to_contain_text("Printing is unavailable")
    expect(menu.get_by_role("alert")).to_contain_text("FORMFLOW_PRINT_FONT")
    expect(menu.get_by_role("link")).to_have_count(0)
    page.goto(f"{base}/apps/crm/notification-templates/editor?key=customer_contract")
    expect(page.get_by_test_id("preview-error")).to_contain_text("FORMFLOW_PRINT_FONT", timeout=20_000)
    expect(page.get_by_test_id("preview-error")).to_contain_text(str(tmp_path / "gone.ttc"))
    history = page.get_by_test_id("record-history")
    page.goto(f"{base}/apps/crm/forms/customer/records/{crm['customer']}")
    expect(history.get_by_role("listitem")).to_have_count(1)  # created; nothing printed
    assert page.js_errors == []


def test_an_admin_picks_the_paper_and_orientation_of_a_print_template(page, crm, axe_check):
    base, rt = crm["url"], crm["rt"]
    sign_in(page, base, "ada", PASSWORD)
    page.goto(f"{base}/apps/crm/notification-templates/editor?new=1")
    page.get_by_label("Kind", exact=True).select_option(label="Print template (PDF)")
    page.get_by_label("Key", exact=True).fill("wide_sheet")
    page.get_by_label("Name (English)", exact=True).fill("Wide sheet")
    page.get_by_label("Form", exact=True).select_option(label="Customer")
    expect(page.get_by_label("Paper", exact=True)).to_have_value("A4")
    page.get_by_label("Paper", exact=True).select_option("Letter")
    page.get_by_label("Orientation", exact=True).select_option(label="Landscape")
    page.get_by_label("Document (print markup)").fill("<h1>宽表 Wide sheet {{ display.name }}</h1>")
    page.get_by_role("button", name="Create draft").click()
    expect(page).to_have_url(f"{base}/apps/crm/notification-templates/editor?key=wide_sheet")
    expect(page.get_by_test_id("preview-body")).to_contain_text("PDF preview ready", timeout=30_000)
    expect(page.get_by_label("Orientation", exact=True)).to_have_value("landscape")
    assert axe_check(page) == []
    ada = Actor.user(crm["people"]["ada"], roles=("admin",))
    saved = templates.get_template(rt, "crm", "wide_sheet", ada)["content"]["print"]
    assert (saved["paper"], saved["orientation"]) == ("Letter", "landscape")
    pdf = print_templates.preview_print(rt, ada, "crm", "wide_sheet", crm["customer"]).pdf
    sheet = PdfReader(io.BytesIO(pdf)).pages[0]
    assert (round(float(sheet.mediabox.width)), round(float(sheet.mediabox.height))) == (792, 612)
    assert "长城贸易 Great Wall Trading" in sheet.extract_text()
    assert page.js_errors == []
