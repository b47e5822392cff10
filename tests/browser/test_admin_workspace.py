"""A business admin runs an empty workspace from the browser (no API call, no JSON), in Debian's Chromium against the
REAL app over SQLite (FORMFLOW_INSTALL_TEMPLATES off), by role and accessible name.

The admin makes an app with "New app", two forms on its settings page, fields in the designer (a reference from
Visit to Customer), publishes both, creates a member with a one-time password and a team, lets members read every
customer and hides the phone from them in the field matrix, then enters a customer. The member signs in with that
password and sees the customer on the list and the record page, without the phone. Bad input on these screens
(a taken app key, a role without a name, the last admin taking the admin role from themselves) is refused at its
field with what was typed kept. Every new screen: axe-core clean, fits 390 px; screenshots go to docs/screenshots.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip
from tests.browser.admin_steps import designer_ready, first_admin
from tests.browser.signin import sign_in
from tests.browser.user_picker_steps import pick_user

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ADMIN = {"username": "ann.admin", "password": "violet harbour engine 42", "display_name": "Ann Admin"}
PHONE = "13800138000"
#: the phone width the new screens must fit without sideways scrolling
PHONE_WIDTH = 390
#: UI texts of the run, per language
TEXT = {
    "en": {"new_app": "New app", "blank": "Blank app", "name": "Name (English)", "app_key": "App key", "create_app": "Create app",
           "new_form": "New form", "form_name": "Form name (English)", "form_key": "Form key", "create_form": "Create form",
           "design": "Design {}", "publish_done": "Published", "people": "People and permissions", "username": "User name",
           "display_name": "Name", "create_user": "Create user", "issued": "One-time password of {}", "team_name": "Team name",
           "team_key": "Team key", "members": "Members", "create_team": "Create team", "access": "Access",
           "read_for": "Read for Member", "save_rights": "Save record rights", "level_for": "Phone for Member", "hidden": "Hidden",
           "save_fields": "Save field permissions", "user_name": "User name", "password": "Password", "sign_in": "Sign in",
           "user_menu": "User menu", "sign_out": "Sign out", "all": "All"},
    "zh-CN": {"new_app": "新建应用", "blank": "空白应用", "name": "名称（英文）", "app_key": "应用标识", "create_app": "创建应用",
              "new_form": "新建表单", "form_name": "表单名称（英文）", "form_key": "表单标识", "create_form": "创建表单",
              "design": "设计 {}", "publish_done": "发布", "people": "成员与权限", "username": "用户名", "display_name": "姓名",
              "create_user": "创建用户", "issued": "{} 的一次性密码", "team_name": "团队名称", "team_key": "团队标识",
              "members": "成员", "create_team": "创建团队", "access": "访问权限", "read_for": "成员 的查看权限",
              "save_rights": "保存数据权限", "level_for": "成员 对 Phone 的权限", "hidden": "隐藏", "save_fields": "保存字段权限",
              "user_name": "用户名", "password": "密码", "sign_in": "登录", "user_menu": "用户菜单", "sign_out": "退出登录",
              "all": "全部"},
}


@pytest.fixture
def admin(live_app, live_server, page):
    """The first admin (made as `formflow create-admin` makes one), signed in on ``page``; an otherwise empty workspace."""
    return first_admin(live_app, live_server, page, ADMIN)


def _fits(page, width: int = PHONE_WIDTH) -> int:
    page.set_viewport_size({"width": width, "height": 844})
    try:
        return page.evaluate("() => document.documentElement.scrollWidth")
    finally:
        page.set_viewport_size({"width": 1280, "height": 800})


def _check_screen(page, axe_check, shot: str | None = None) -> None:
    """No serious/critical axe finding, no sideways scrolling on a phone, and (once) the README's screenshot."""
    violations = axe_check(page)
    assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations] == []
    assert _fits(page) <= PHONE_WIDTH, page.url
    if shot:
        page.evaluate("() => window.scrollTo(0, 0)")   # the sticky top bar where it belongs
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / shot), full_page=True)


def _add_field(page, type_name: str, label: str, name: str) -> None:
    page.get_by_test_id(f"palette-{type_name}").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id(f"field-{type_name}")).to_be_visible()
    page.locator("#p-label-en").fill(label)
    page.locator("#p-label-zh").fill(label)
    page.locator("#p-name").fill(name)


def _run(page, base: str, axe_check, lang: str, shots: bool) -> None:
    T = TEXT[lang]
    app_key = "sales" if lang == "en" else "sales_zh"
    member = "lily" if lang == "en" else "lei"
    # -- an app, from the Apps page
    page.goto(base + f"/?lang={lang}")
    page.get_by_role("link", name=re.compile(T["new_app"])).click()
    blank = page.get_by_role("region", name=T["blank"])
    blank.get_by_label(T["name"]).fill("Sales")
    blank.get_by_label(T["app_key"]).fill(app_key)
    if shots:
        _check_screen(page, axe_check, "admin_new_app.png")
    blank.get_by_role("button", name=T["create_app"]).click()
    expect(page.get_by_test_id("flashes")).to_be_visible()
    settings_url = page.url

    # -- two forms, then their fields in the designer
    for label, key in (("Customer", "customer"), ("Visit", "visit")):
        new_form = page.get_by_role("region", name=T["new_form"])
        new_form.get_by_label(T["form_name"]).fill(label)
        new_form.get_by_label(T["form_key"]).fill(key)
        new_form.get_by_role("button", name=T["create_form"]).click()
        expect(page.get_by_test_id(f"settings-form-{key}")).to_be_visible()
    if shots:
        _check_screen(page, axe_check, "admin_app_settings.png")

    page.get_by_role("link", name=T["design"].format("Customer")).click()
    page.get_by_test_id("palette-text").wait_for()
    designer_ready(page)
    _add_field(page, "text", "Name", "name")
    _add_field(page, "phone", "Phone", "phone")
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("status")).to_contain_text(T["publish_done"])

    page.goto(settings_url)
    page.get_by_role("link", name=T["design"].format("Visit")).click()
    page.get_by_test_id("palette-reference").wait_for()
    designer_ready(page)
    _add_field(page, "reference", "Customer", "customer")
    page.locator("select[data-prop=\"options.form\"]").select_option("customer")   # the reference's target form
    _add_field(page, "textarea", "Note", "note")
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("status")).to_contain_text(T["publish_done"])

    # -- a member with a one-time password, and a team
    page.goto(base + "/")
    page.get_by_role("link", name=T["people"]).click()
    new_user = page.get_by_test_id("new-user")
    new_user.get_by_label(T["username"]).fill(member)
    new_user.get_by_label(T["display_name"], exact=True).fill(member.title())
    new_user.get_by_role("button", name=T["create_user"]).click()
    password = page.get_by_label(T["issued"].format(member.title())).input_value()
    assert len(password) >= 12
    new_team = page.get_by_test_id("new-team")
    new_team.get_by_label(T["team_name"]).fill("East " + lang)
    new_team.get_by_label(T["team_key"]).fill("east_" + lang.replace("-", "_").lower())
    pick_user(new_team, T["members"], member, member.title())
    new_team.get_by_role("button", name=T["create_team"]).click()
    expect(page.get_by_test_id("flashes")).to_contain_text("East " + lang)
    if shots:
        _check_screen(page, axe_check, "admin_people.png")
        page.get_by_role("link", name=re.compile(member.title())).first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(member.title())
        _check_screen(page, axe_check, "admin_user.png")
        page.go_back()

    # -- members read every customer; the phone is hidden from them
    page.get_by_role("link", name=T["access"], exact=True).click()
    page.get_by_role("navigation").get_by_role("link", name="Customer").first.click()
    page.get_by_label(T["read_for"]).select_option("all")
    page.get_by_role("button", name=T["save_rights"]).click()
    expect(page.get_by_test_id("flashes")).to_be_visible()
    page.get_by_label(T["level_for"]).select_option("hidden")
    page.get_by_role("button", name=T["save_fields"]).click()
    expect(page.get_by_label(T["level_for"])).to_have_value("hidden")
    if shots:
        _check_screen(page, axe_check, "admin_access.png")

    # -- the admin enters a customer
    page.goto(base + f"/apps/{app_key}/forms/customer/new")
    page.get_by_test_id("input-name").fill("Acme Trading")
    page.get_by_test_id("input-phone").fill(PHONE)
    page.get_by_test_id("submit").click()
    page.get_by_test_id("form-success").wait_for()

    # -- the member signs in and doesn't see the phone on the list or the record
    page.locator("summary", has_text=T["user_menu"]).click()
    page.get_by_role("button", name=T["sign_out"], exact=True).click()
    sign_in(page, base, member, password)
    page.goto(base + f"/apps/{app_key}/forms/customer/records")
    table = page.get_by_test_id("records-table")
    expect(table).to_contain_text("Acme Trading")
    expect(table).not_to_contain_text(PHONE)
    expect(table.get_by_role("columnheader", name="Phone")).to_have_count(0)
    table.get_by_role("link").filter(has_text="Acme Trading").first.click()
    expect(page.get_by_test_id("record-fields")).to_contain_text("Acme Trading")
    expect(page.get_by_test_id("value-phone")).to_have_count(0)
    assert PHONE not in page.content()
    page.goto(base + f"/apps/{app_key}/forms/customer/new")              # no input for it on a new record either
    page.get_by_test_id("input-name").fill("Beta Works")
    expect(page.get_by_test_id("input-phone")).to_have_count(0)
    page.get_by_test_id("submit").click()
    page.get_by_test_id("form-success").wait_for()
    page.locator("summary", has_text=T["user_menu"]).click()
    page.get_by_role("button", name=T["sign_out"], exact=True).click()
    assert page.js_errors == []


def test_admin_builds_the_workspace_and_hides_a_field_from_members(admin, page, axe_check):
    _run(page, admin["url"], axe_check, "en", shots=True)


def test_the_same_in_chinese(admin, page, axe_check):
    _run(page, admin["url"], axe_check, "zh-CN", shots=False)


def test_bad_input_is_refused_at_its_field_and_kept(admin, page, axe_check):
    from engine.runtime import Actor
    from engine.services import forms as form_service

    base, rt = admin["url"], admin["rt"]
    form_service.create_app(rt, Actor.system(), "crm", "CRM")
    page.goto(base + "/apps/new")
    blank = page.get_by_role("region", name="Blank app")
    blank.get_by_label("Name (English)").fill("Second CRM")
    blank.get_by_label("App key").fill("crm")
    page.keyboard.press("Tab")                                 # by keyboard: from the key to the button, Enter
    expect(blank.get_by_role("button", name="Create app")).to_be_focused()
    page.keyboard.press("Enter")
    key = page.get_by_role("region", name="Blank app").get_by_label("App key")
    expect(key).to_have_attribute("aria-invalid", "true")
    expect(key).to_have_accessible_description(re.compile("This key is taken"))
    expect(key).to_have_value("crm")
    expect(page.get_by_role("region", name="Blank app").get_by_label("Name (English)")).to_have_value("Second CRM")
    _check_screen(page, axe_check)

    # a role with no name
    page.goto(base + "/admin/people")
    role = page.get_by_test_id("new-role")
    role.get_by_label("Role key").fill("field_sales")
    role.get_by_label("Design apps and forms").check()
    role.get_by_role("button", name="Create role").click()
    name = page.get_by_test_id("new-role").get_by_label("Role name (English)")
    expect(name).to_have_accessible_description(re.compile("Enter a name"))
    expect(page.get_by_test_id("new-role").get_by_label("Role key")).to_have_value("field_sales")
    expect(page.get_by_test_id("new-role").get_by_label("Design apps and forms")).to_be_checked()
    _check_screen(page, axe_check)

    # the only admin can't take the admin role from themselves: nobody could give it back
    page.get_by_role("link", name=f"Edit {ADMIN['display_name']}").click()
    roles = page.get_by_role("group", name="Roles")
    roles.get_by_label("Workspace admin").uncheck()
    roles.get_by_label("Member").check()
    page.get_by_label("Name", exact=True).fill("Ann A.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("user-roles-error")).to_be_visible()
    expect(page.get_by_role("group", name="Roles").get_by_label("Workspace admin")).not_to_be_checked()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Ann A.")
    _check_screen(page, axe_check)

    # deleting an app needs its key typed; a wrong one is refused at the field and nothing is lost
    page.goto(base + "/apps/crm/settings")
    danger = page.get_by_role("region", name="Archive or delete the app")
    danger.get_by_label("Type crm to confirm").fill("CRM")
    danger.get_by_role("button", name="Delete app for good").click()
    confirm = page.get_by_role("region", name="Archive or delete the app").get_by_label("Type crm to confirm")
    expect(confirm).to_have_accessible_description(re.compile("Type crm exactly"))
    expect(confirm).to_have_value("CRM")
    assert form_service.get_app(rt, "crm")["key"] == "crm"
    page.once("dialog", lambda dialog: dialog.accept())
    confirm.fill("crm")
    page.get_by_role("region", name="Archive or delete the app").get_by_role("button", name="Delete app for good").click()
    expect(page.get_by_test_id("flashes")).to_contain_text("The app crm and its 0 records were deleted.")
    assert page.js_errors == []
