"""Print templates and comment edits in Chromium (issue 22 point 6).

Olga (operations) opens the template editor, chooses the kind "Print template (PDF)" for customers, names it, writes
a heading, picks the customer's name from the variable picker and creates the draft, then submits it for review.
Rita (template approver) approves and publishes it. Wang (a salesperson) opens his customer's page, opens the Print
menu and downloads the new visit sheet and the shipped sales contract; a PDF reader finds the customer's name, the
choice label and the Chinese text in both. Then Wang edits his comment (shown as edited) and deletes it; the
history says both.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from engine.runtime import Actor
from engine.services import comments
from tests.browser.signin import crm_with_people, sign_in

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def crm(live_app, live_server):
    people = (("olga", "Olga Ops", ["ops"]), ("rita", "Rita Review", ["approver"]), ("wang", "Wang Fang", ["member"]))
    return crm_with_people(live_app, live_server, people, PASSWORD,
                           {"name": "华夏贸易 Huaxia Trading", "level": "key", "phone": "13800000003"}, owner="wang")


def _pdf_text(path: str) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(path).pages)


def _other(browser, base, username):
    other = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US", accept_downloads=True).new_page()
    other.set_default_timeout(10_000)
    other.js_errors = []
    other.on("pageerror", lambda exc: other.js_errors.append(str(exc)))
    sign_in(other, base, username, PASSWORD)
    return other


def test_ops_writes_a_print_template_a_reviewer_publishes_it_a_salesperson_prints_it(browser, page, crm, axe_check, tmp_path):
    base = crm["url"]
    sign_in(page, base, "olga", PASSWORD)
    page.goto(f"{base}/apps/crm/notification-templates/editor?new=1")
    page.get_by_label("Kind", exact=True).select_option(label="Print template (PDF)")
    page.get_by_label("Key", exact=True).fill("visit_sheet")
    page.get_by_label("Name (English)", exact=True).fill("Visit sheet 拜访单")
    page.get_by_label("Form", exact=True).select_option(label="Customer")
    expect(page.get_by_test_id("print-markup-help")).to_be_visible()
    page.get_by_label("Title and file name (English)", exact=True).fill("拜访单 Visit sheet")
    body = page.get_by_label("Document (print markup)")
    body.fill("<h1>拜访单 Visit sheet</h1><p>客户 Customer: <b></b></p><p>等级 Level: {{ display.level }}</p>")
    body.evaluate("el => { const at = el.value.indexOf('</b>'); el.focus(); el.setSelectionRange(at, at); }")
    page.get_by_test_id("variable-picker").get_by_role("button", name="display.name").click()
    expect(body).to_have_value("<h1>拜访单 Visit sheet</h1><p>客户 Customer: <b>{{ display.name }}</b></p><p>等级 Level: {{ display.level }}</p>")
    page.get_by_role("button", name="Create draft").click()
    expect(page).to_have_url(f"{base}/apps/crm/notification-templates/editor?key=visit_sheet")
    expect(page.get_by_test_id("template-state")).to_have_text("Draft")
    expect(page.get_by_test_id("preview-body")).to_contain_text("PDF preview ready", timeout=30_000)  # laid out by the server
    expect(page.get_by_role("link", name="Open the PDF preview")).to_be_visible()
    expect(page.get_by_label("Document (print markup)")).to_have_value(
        "<h1>拜访单 Visit sheet</h1><p>客户 Customer: <b>{{ display.name }}</b></p><p>等级 Level: {{ display.level }}</p>")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_test_id("template-state")).to_have_text("Submitted for review")
    assert axe_check(page) == []
    page.screenshot(path=str(SCREENSHOTS / "template_editor_print.png"))
    assert page.js_errors == []

    rita = _other(browser, base, "rita")
    try:
        rita.goto(f"{base}/apps/crm/notification-templates/editor?key=visit_sheet")
        rita.get_by_role("button", name="Approve").click()
        expect(rita.get_by_test_id("template-state")).to_have_text("Approved")
        rita.get_by_role("button", name="Publish").click()
        expect(rita.get_by_test_id("template-state")).to_have_text("Published")
    finally:
        rita.context.close()

    wang = _other(browser, base, "wang")
    try:
        wang.goto(f"{base}/apps/crm/forms/customer/records/{crm['customer']}")
        menu = wang.get_by_test_id("print-menu")
        menu.get_by_text("Print", exact=True).click()
        expect(menu.get_by_role("link")).to_have_count(2)
        wang.screenshot(path=str(SCREENSHOTS / "page_record_print.png"))
        texts = {}
        for name in ("Visit sheet 拜访单", "Sales contract"):
            with wang.expect_download() as download:
                menu.get_by_role("link", name=name).click()
            saved = tmp_path / download.value.suggested_filename
            download.value.save_as(saved)
            assert saved.suffix == ".pdf"
            texts[name] = _pdf_text(str(saved))
        assert "拜访单 Visit sheet" in texts["Visit sheet 拜访单"] and "华夏贸易 Huaxia Trading" in texts["Visit sheet 拜访单"]
        assert "Key" in texts["Visit sheet 拜访单"]  # the level's label in the reader's language, not a code
        assert "销售合同" in texts["Sales contract"] and "华夏贸易 Huaxia Trading" in texts["Sales contract"]
        assert "13800000003" in texts["Sales contract"] and "Wang Fang" in texts["Sales contract"]
        assert axe_check(wang) == []
        assert wang.js_errors == []
    finally:
        wang.context.close()


def test_the_author_edits_and_deletes_a_comment_and_the_history_says_so(page, crm):
    base, rt = crm["url"], crm["rt"]
    wang = Actor.user(crm["people"]["wang"], roles=("member",))
    comments.add_comment(rt, wang, "crm", "customer", crm["customer"], {"body": "call on Monday"})
    sign_in(page, base, "wang", PASSWORD)
    page.goto(f"{base}/apps/crm/forms/customer/records/{crm['customer']}")
    section = page.get_by_test_id("record-comments")
    comment = section.get_by_test_id("comment")
    expect(comment).to_contain_text("call on Monday")
    comment.get_by_role("button", name="Edit · call on Monday").click()
    edit = comment.get_by_role("textbox", name="Edit your comment")
    edit.fill("call on Tuesday")
    comment.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Comment saved.")
    expect(comment).to_contain_text("call on Tuesday")
    expect(comment.get_by_test_id("comment-edited")).to_have_text(" · edited")
    page.once("dialog", lambda dialog: dialog.accept())
    comment.get_by_role("button", name="Delete · call on Tuesday").click()
    expect(page.get_by_role("status")).to_have_text("Comment deleted.")
    expect(section).to_contain_text("No comments yet.")
    page.reload()
    history = page.get_by_test_id("record-history")
    expect(history).to_contain_text("Wang Fang edited a comment")
    expect(history).to_contain_text("Wang Fang deleted a comment")
    assert page.js_errors == []
