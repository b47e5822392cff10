"""Comments with @mentions on a customer's page, in Chromium (issue 22 point 6).

Wang (a member, the customer's owner) types "@li" in the Comment box, picks Li Lei from the people offered, writes
"please call" and posts; Li (a viewer, who may read every customer) signs in, finds the message in the inbox and opens
the customer from it, where the comment stands in Comments and in the history. Zhao (a member who may not read Wang's
customer) is offered too when typed, but is not told. The Chinese page names the box 评论.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from engine.runtime import Actor
from engine.services import users
from tests.browser.signin import crm_with_people, sign_in

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def crm(live_app, live_server):
    people = (("wang", "Wang Fang", ["member"]), ("li", "Li Lei", ["viewer"]), ("zhao", "Zhao Min", ["member"]))
    return crm_with_people(live_app, live_server, people, PASSWORD, {"name": "Acosta-Payne", "phone": "13800000003"}, owner="wang")


def test_a_mention_in_a_comment_reaches_the_other_users_inbox_with_a_link_to_the_record(browser, page, crm, axe_check):
    base, record_url = crm["url"], f"{crm['url']}/apps/crm/forms/customer/records/{crm['customer']}"
    sign_in(page, base, "wang", PASSWORD)
    page.goto(record_url)
    comments = page.get_by_test_id("record-comments")
    expect(comments).to_contain_text("No comments yet.")
    box = page.get_by_role("textbox", name="Comment")
    box.press_sequentially("@l")
    expect(page.get_by_role("listbox", name="People to mention").get_by_role("option", name="Li Lei @li")).to_be_visible()
    box.press("Enter")  # picks the first person offered
    expect(box).to_have_value("@li ")
    box.press_sequentially("please call, and @zhao")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Post").click()
    expect(page.get_by_role("status")).to_have_text("Told in their inbox: Li Lei")  # Zhao may not read the customer
    expect(comments.get_by_test_id("comment")).to_have_count(1)
    expect(comments.get_by_test_id("comment").first).to_contain_text("@li please call, and @zhao")
    expect(box).to_have_value("")
    # the time reads in the reader's saved zone (Asia/Shanghai), not the browser's (UTC here)
    when = comments.get_by_test_id("comment").first.locator("time")
    local = datetime.fromisoformat(when.get_attribute("datetime").replace("Z", "+00:00")).astimezone(ZoneInfo("Asia/Shanghai"))
    expect(when).to_contain_text(f"{local.hour % 12 or 12}:{local.minute:02d} {'PM' if local.hour >= 12 else 'AM'}")
    assert axe_check(page) == []
    comments.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "page_record_comments.png"))
    assert page.js_errors == []

    for username, told in (("li", True), ("zhao", False)):
        other = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US").new_page()
        try:
            sign_in(other, base, username, PASSWORD)
            other.get_by_test_id("nav-inbox").click()
            if not told:
                expect(other.get_by_test_id("inbox-empty")).to_be_visible()
                continue
            message = other.get_by_test_id("inbox-list").get_by_role("listitem").first
            expect(message).to_contain_text("Wang Fang mentioned you on Customer")
            expect(message).to_contain_text("@li please call")
            message.get_by_role("link", name="Open").click()
            expect(other).to_have_url(record_url)
            expect(other.get_by_test_id("record-comments").get_by_test_id("comment")).to_contain_text("@li please call")
            expect(other.get_by_test_id("record-history")).to_contain_text("Wang Fang commented")
        finally:
            other.context.close()


def test_the_comment_box_is_named_in_chinese(browser, crm):
    context = browser.new_context(viewport={"width": 390, "height": 800}, locale="zh-CN")
    page = context.new_page()
    try:
        users.update_own_profile(crm["rt"], Actor.user(crm["people"]["li"], roles=("viewer",)), {"locale": "zh-CN"})
        sign_in(page, crm["url"], "li", PASSWORD)
        page.goto(f"{crm['url']}/apps/crm/forms/customer/records/{crm['customer']}")
        page.get_by_role("textbox", name="评论").fill("看过了")
        page.get_by_role("button", name="发表").click()
        expect(page.get_by_role("status")).to_have_text("评论已发表。")
        expect(page.get_by_test_id("record-comments").get_by_test_id("comment")).to_contain_text("看过了")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()
