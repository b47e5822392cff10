"""Custom roles are deleted from the People screen in Chromium against the real app (no API, no JSON): a role some user
still holds is refused with the reason (who holds it) beside the role; an unused one goes after a confirmation, and
declining the confirmation keeps it. Built-in roles offer no delete. axe-core: 0 serious/critical."""
from __future__ import annotations

from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from engine.runtime import Actor
from engine.services import users
from tests.browser.signin import sign_in

ADMIN = {"username": "ann.admin", "password": "violet harbour engine 42", "display_name": "Ann Admin"}


def _new_role(page, name: str, key: str) -> None:
    form = page.get_by_test_id("new-role")
    form.get_by_label("Role name (English)").fill(name)
    form.get_by_label("Role key").fill(key)
    form.get_by_role("button", name="Create role").click()
    expect(page.get_by_text(f"The role {name} was saved.")).to_be_visible()


def test_a_held_role_is_refused_with_the_reason_and_an_unused_one_is_deleted_after_confirming(live_app, live_server, page, axe_check):
    rt = live_app.extensions["formflow"]
    users.create_user(rt, Actor.system(), ADMIN["username"], password=ADMIN["password"], display_name=ADMIN["display_name"],
                      roles=["admin"], check=False)
    sign_in(page, live_server, ADMIN["username"], ADMIN["password"])
    page.goto(live_server + "/admin/people")
    _new_role(page, "Sales lead", "sales_lead")
    _new_role(page, "Temp helper", "temp_helper")

    new_user = page.get_by_test_id("new-user")
    new_user.get_by_label("User name").fill("sam")
    new_user.get_by_label("Name", exact=True).fill("Sam Seller")
    new_user.get_by_label("Member").uncheck()
    new_user.get_by_label("Sales lead").check()
    new_user.get_by_role("button", name="Create user").click()
    expect(page.get_by_label("One-time password of Sam Seller")).to_be_visible()

    roles = page.get_by_test_id("role-list")
    expect(roles.get_by_role("button", name="Delete role Member")).to_have_count(0)  # built-in: no delete
    roles.get_by_text("Edit Sales lead").click()
    page.once("dialog", lambda dialog: dialog.accept())
    roles.get_by_role("button", name="Delete role Sales lead").click()
    refusal = page.get_by_test_id("delete-sales_lead-error")
    expect(refusal).to_contain_text("1 user still holds this role")
    expect(refusal).to_contain_text("Sam Seller")
    assert axe_check(page) == []

    roles = page.get_by_test_id("role-list")
    roles.get_by_text("Edit Temp helper").click()
    page.once("dialog", lambda dialog: dialog.dismiss())
    roles.get_by_role("button", name="Delete role Temp helper").click()
    expect(roles.get_by_text("Edit Temp helper")).to_have_count(1)  # declined: still there
    page.once("dialog", lambda dialog: dialog.accept())
    roles.get_by_role("button", name="Delete role Temp helper").click()
    expect(page.get_by_text("The role Temp helper was deleted.")).to_be_visible()
    expect(page.get_by_test_id("role-list").get_by_text("Edit Temp helper")).to_have_count(0)
    expect(page.get_by_test_id("role-list").get_by_text("Edit Sales lead")).to_have_count(1)
    assert axe_check(page) == []


def test_people_screen_pages_and_searches_two_thousand_users(live_app, live_server, page, axe_check):
    rt = live_app.extensions["formflow"]
    users.create_user(rt, Actor.system(), ADMIN["username"], password=ADMIN["password"], display_name=ADMIN["display_name"],
                      roles=["admin"], check=False)
    for i in range(2000):  # demo data: 2,000 people
        users.create_user(rt, Actor.system(), f"p{i:04d}", display_name=f"Person {i:04d}", email=f"p{i:04d}@corp.example", check=False)
    sign_in(page, live_server, ADMIN["username"], ADMIN["password"])
    page.goto(live_server + "/admin/people")
    expect(page.get_by_test_id("user-count")).to_have_text("Users: 2001")
    table = page.get_by_test_id("user-table")
    expect(table.locator("tbody tr")).to_have_count(50)
    pager = page.get_by_role("navigation", name="Pages of users")
    expect(pager).to_contain_text("Page 1 of 41")
    assert axe_check(page) == []
    pager.get_by_role("link", name="Next page").click()
    expect(page.get_by_role("navigation", name="Pages of users")).to_contain_text("Page 2 of 41")
    expect(page.get_by_test_id("user-table").get_by_role("link", name="Edit Person 0049")).to_be_visible()  # Ann Admin sorts first
    page.get_by_role("searchbox", name="Find users").fill("p1234@corp")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("user-count")).to_have_text("Users found: 1")
    expect(page.get_by_test_id("user-table").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("user-table").get_by_role("link", name="Edit Person 1234")).to_be_visible()
    expect(page.get_by_role("navigation", name="Pages of users")).to_have_count(0)
    page.get_by_role("searchbox", name="Find users").fill("Person 19")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("user-count")).to_have_text("Users found: 100")
    page.get_by_role("navigation", name="Pages of users").get_by_role("link", name="Next page").click()
    expect(page.get_by_role("searchbox", name="Find users")).to_have_value("Person 19")  # the search is kept across pages
    expect(page.get_by_test_id("user-table").get_by_role("link", name="Edit Person 1999")).to_be_visible()
    assert axe_check(page) == []
