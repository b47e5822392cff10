"""Issue 20's acceptance run: a business admin runs a workspace from nothing in Debian's Chromium against the REAL app over
SQLite, never calling the API and never typing JSON, in English and again in Chinese (the language picked on the
Profile page and with the sign-in page's language switch, as people pick it).

From an empty workspace (no built-in templates) the admin makes an app with "New app", two forms with a reference from
Visit to Customer (fields added from the designer's palette by keyboard, a choice field's options typed in), publishes
both, creates a member with a one-time password and a team, lets members read every customer and hides the phone from
them in the field matrix, publishes a public link to the Customer form and enters customers. The member signs in in a
browser of their own and finds no phone on any screen: the list, the grid, the record page, the kanban and the CSV
export. An anonymous visitor submits through the public link; the admin sees the submission arrive. The admin builds a
dashboard with two charts, orders them by dragging with the mouse (kept after a reload), applies a period filter above
the dashboard and clicks a bar: the record list shows exactly the customers of that bar.

With the CRM installed, the admin installs the CRM template a second time from New app (under a new key; the same key
again is refused at the field with the typing kept) and updates the original from a newer template version, reading
what changes and what is kept before confirming.
"""
from __future__ import annotations

import re

import pytest

from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from engine.services import app_templates, forms as form_service
from tests.browser.admin_steps import (add_field, bar_position, designer_ready, first_admin, new_team, pick_language_on_profile,
                                       publish_form, publish_newer_crm)
from tests.browser.signin import crm_admin, sign_in

ADMIN = {"username": "ann.admin", "password": "violet harbour engine 42", "display_name": "Ann Admin"}
PHONE = "13800138000"
VISITOR_PHONE = "13900139000"
#: the customers the admin enters (name, level), the member's own, and the visitor's
CUSTOMERS = (("Acme Trading", "Key"), ("Beta Works", "Ordinary"), ("Gamma Foods", "Key"))
VISITOR = "Delta Robotics"
#: the level choices, English and Chinese labels
LEVELS = {"Key": "重点", "Ordinary": "普通"}
#: the template version the CRM is updated to
NEXT = "9.0.0"
#: UI texts of the run, per language (the zh-CN ones are the catalogue's, written out so that a lost translation fails)
TEXT = {
    "en": {"lang": "en", "new_app": "New app", "blank": "Blank app", "name": "Name (English)", "app_key": "App key",
           "create_app": "Create app", "new_form": "New form", "form_name": "Form name (English)", "form_key": "Form key",
           "create_form": "Create form", "design": "Design {}", "published": "Published", "publish": "Publish", "label_en": "Label (English)",
           "label_zh": "Label (中文)", "field_key": "Name (used in rules)", "add_choice": "Add choice",
           "choice_en": "Choice {} label (English)", "choice_zh": "Choice {} label (Chinese)", "target_form": "Target form", "people": "People and permissions",
           "username": "User name", "display_name": "Name", "create_user": "Create user", "issued": "One-time password of {}",
           "team_name": "Team name", "team_key": "Team key", "members": "Members", "create_team": "Create team",
           "access": "Access", "read_for": "Read for Member", "save_rights": "Save record rights",
           "level_for": "Phone for Member", "save_fields": "Save field permissions", "user_menu": "User menu",
           "profile": "Profile", "language": "Language", "save_details": "Save details",
           "public_links": "Public links", "link_name": "Link name", "publish_link": "Publish link", "link": "Link",
           "submit": "Submit", "records": "Records", "grid_open": "Grid", "kanban": "Kanban", "export": "Export CSV",
           "dashboards": "Dashboards", "new_dashboard": "New dashboard", "add_chart": "Add chart", "chart": "Chart {}",
           "title": "Title (English)", "form": "Form", "chart_type": "Chart type", "pie": "Pie", "group_by": "Group by",
           "key": "Key", "dash_name": "Name (English)", "save_dashboard": "Save dashboard", "drag": "Drag to reorder chart {}",
           "edit": "Edit dashboard", "period": "Period", "last_days": "Last N days", "days": "Days", "apply": "Apply",
           "template": "Template", "install": "Install template", "update_to": "Update to version {}",
           "adds": "Field “Website” added to “Customer”.",
           "changes": "Field “Industry” of “Customer” changed: renamed “Sector”."},
    "zh-CN": {"lang": "zh-CN", "new_app": "新建应用", "blank": "空白应用", "name": "名称（英文）", "app_key": "应用标识",
              "create_app": "创建应用", "new_form": "新建表单", "form_name": "表单名称（英文）", "form_key": "表单标识",
              "create_form": "创建表单", "design": "设计 {}", "published": "已发布", "publish": "发布", "label_en": "标题（English）",
              "label_zh": "标题（中文）", "field_key": "名称（规则中使用）", "add_choice": "添加选项",
              "choice_en": "第 {} 个选项标题（英文）", "choice_zh": "第 {} 个选项标题（中文）", "target_form": "关联表单", "people": "成员与权限",
              "username": "用户名", "display_name": "姓名", "create_user": "创建用户", "issued": "{} 的一次性密码",
              "team_name": "团队名称", "team_key": "团队标识", "members": "成员", "create_team": "创建团队",
              "access": "访问权限", "read_for": "成员 的查看权限", "save_rights": "保存数据权限",
              "level_for": "成员 对 电话 的权限", "save_fields": "保存字段权限", "user_menu": "用户菜单",
              "profile": "个人资料", "language": "语言", "save_details": "保存信息",
              "public_links": "公开链接", "link_name": "链接名称", "publish_link": "发布链接", "link": "链接",
              "submit": "提交", "records": "数据", "grid_open": "表格视图", "kanban": "看板", "export": "导出 CSV",
              "dashboards": "仪表盘", "new_dashboard": "新建仪表盘", "add_chart": "添加图表", "chart": "图表 {}",
              "title": "标题（English）", "form": "表单", "chart_type": "图表类型", "pie": "饼图", "group_by": "分组字段",
              "key": "标识", "dash_name": "名称（English）", "save_dashboard": "保存仪表盘", "drag": "拖动以调整图表 {} 的顺序",
              "edit": "编辑仪表盘", "period": "时间范围", "last_days": "最近 N 天", "days": "天数", "apply": "应用",
              "template": "模板", "install": "安装模板", "update_to": "更新到版本 {}",
              "adds": "在“客户”中新增字段“网站”。",
              "changes": "“客户”的字段“所属行业”有修改：改名为“行业类别”。"},
}
#: the designer's palette and its field types, per language
for _lang, _texts in {"en": {"palette": "Fields", "type.text": "Single line text", "type.phone": "Phone", "type.select": "Single choice",
                             "type.reference": "Reference", "type.textarea": "Multi-line text"},
                      "zh-CN": {"palette": "字段", "type.text": "单行文本", "type.phone": "手机号", "type.select": "单选",
                                "type.reference": "关联数据", "type.textarea": "多行文本"}}.items():
    TEXT[_lang].update(_texts)
TEXT["en"]["language_name"] = "English"
TEXT["zh-CN"]["language_name"] = "中文（简体）"


@pytest.fixture
def admin(live_app, live_server, page):
    return first_admin(live_app, live_server, page, ADMIN)


def _build_forms(page, base: str, t: dict) -> str:
    """New app, Customer and Visit forms, their fields, both published; returns the app's settings URL."""
    page.get_by_role("link", name=re.compile(t["new_app"])).click()
    blank = page.get_by_role("region", name=t["blank"])
    blank.get_by_label(t["name"]).fill("Sales")
    blank.get_by_label(t["app_key"]).fill("sales")
    blank.get_by_role("button", name=t["create_app"]).click()
    expect(page.get_by_test_id("flashes")).to_be_visible()
    settings_url = page.url
    for label, key in (("Customer", "customer"), ("Visit", "visit")):
        new_form = page.get_by_role("region", name=t["new_form"])
        new_form.get_by_label(t["form_name"]).fill(label)
        new_form.get_by_label(t["form_key"]).fill(key)
        new_form.get_by_role("button", name=t["create_form"]).click()
        expect(page.get_by_test_id(f"settings-form-{key}")).to_be_visible()

    page.get_by_role("link", name=t["design"].format("Customer")).click()
    designer_ready(page)
    add_field(page, t, "text", "Name", "name", label_zh="名称")
    add_field(page, t, "phone", "Phone", "phone", label_zh="电话")
    add_field(page, t, "select", "Level", "level", label_zh="级别")
    page.get_by_role("button", name=t["add_choice"]).click()
    for n, en in enumerate(LEVELS, start=1):
        page.get_by_label(t["choice_en"].format(n)).fill(en)
        page.get_by_label(t["choice_zh"].format(n)).fill(LEVELS[en])
    publish_form(page, t)

    page.goto(settings_url)
    page.get_by_role("link", name=t["design"].format("Visit")).click()
    designer_ready(page)
    add_field(page, t, "reference", "Customer", "customer", label_zh="客户")
    page.get_by_label(t["target_form"]).select_option(label="Customer")
    add_field(page, t, "textarea", "Note", "note", label_zh="备注")
    publish_form(page, t)
    return settings_url


def _people(page, base: str, t: dict) -> str:
    """A member with a one-time password, a team with them in it; members read every customer, the phone hidden."""
    page.goto(base + "/")
    page.get_by_role("link", name=t["people"]).click()
    new_user = page.get_by_test_id("new-user")
    new_user.get_by_label(t["username"]).fill("lily")
    new_user.get_by_label(t["display_name"], exact=True).fill("Lily")
    new_user.get_by_role("button", name=t["create_user"]).click()
    password = page.get_by_label(t["issued"].format("Lily")).input_value()
    new_team(page, t, "East", "east", "Lily")

    page.get_by_role("link", name=t["access"], exact=True).click()
    page.get_by_role("navigation").get_by_role("link", name="Customer").first.click()
    page.get_by_label(t["read_for"]).select_option("all")
    page.get_by_role("button", name=t["save_rights"]).click()
    expect(page.get_by_test_id("flashes")).to_be_visible()
    page.get_by_label(t["level_for"]).select_option("hidden")
    page.get_by_role("button", name=t["save_fields"]).click()
    expect(page.get_by_label(t["level_for"])).to_have_value("hidden")
    return password


def _public_link(page, settings_url: str, t: dict) -> str:
    page.goto(settings_url)
    page.get_by_role("link", name=t["public_links"]).click()
    page.get_by_label(t["link_name"]).fill("Website enquiries")
    page.get_by_role("button", name=t["publish_link"]).click()
    url = page.get_by_label(t["link"], exact=True).input_value()
    assert "/f/" in url
    return url


def _enter_customers(page, base: str, t: dict) -> None:
    for name, level in CUSTOMERS:
        page.goto(base + "/apps/sales/forms/customer/new")
        zh = t["lang"] != "en"
        page.get_by_role("textbox", name="名称" if zh else "Name", exact=True).fill(name)
        page.get_by_role("textbox", name="电话" if zh else "Phone", exact=True).fill(PHONE)
        page.get_by_role("combobox", name="级别" if zh else "Level", exact=True).select_option(label=level if not zh else LEVELS[level])
        page.get_by_role("button", name=t["submit"]).click()
        page.get_by_test_id("form-success").wait_for()


def _enter_visit(page, base: str, t: dict) -> None:
    """A visit whose customer is picked by typing in the reference's search box: the reference between the forms works."""
    zh = t["lang"] != "en"
    page.goto(base + "/apps/sales/forms/visit/new")
    customer = page.get_by_role("combobox", name="客户" if zh else "Customer", exact=True)
    customer.fill("Acme")
    page.get_by_role("option", name=re.compile("Acme Trading")).click()
    page.get_by_role("textbox", name="备注" if zh else "Note", exact=True).fill("First visit, samples left.")
    page.get_by_role("button", name=t["submit"]).click()
    page.get_by_test_id("form-success").wait_for()
    page.goto(base + "/apps/sales/forms/visit/records")
    expect(page.get_by_test_id("records-table")).to_contain_text("Acme Trading")


def _member_sees_no_phone(browser, base: str, password: str, lang: str) -> None:
    """The member, in a browser of their own: the sign-in page's language switch, then every screen without the phone."""
    t = TEXT[lang]
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US", accept_downloads=True)
    try:
        them = context.new_page()
        them.set_default_timeout(10_000)
        errors: list[str] = []
        them.on("pageerror", lambda exc: errors.append(str(exc)))
        them.goto(base + "/login")
        if lang != "en":
            them.get_by_role("group", name="Language").get_by_role("link", name="中文").click()
            expect(them.locator("html")).to_have_attribute("lang", "zh-CN")
        sign_in(them, base, "lily", password)
        expect(them.locator("html")).to_have_attribute("lang", lang)
        them.goto(base + "/apps/sales/forms/customer/records")
        table = them.get_by_test_id("records-table")
        expect(table).to_contain_text("Acme Trading")
        expect(table).not_to_contain_text(PHONE)
        expect(table.get_by_role("columnheader", name=re.compile("Phone|电话"))).to_have_count(0)
        with them.expect_download() as download:
            them.get_by_role("link", name=t["export"]).click()
        exported = download.value.path().read_text("utf-8-sig")
        assert "Acme Trading" in exported and PHONE not in exported and "phone" not in exported.lower() and "电话" not in exported

        them.get_by_role("link", name=t["grid_open"], exact=True).click()
        grid = them.get_by_role("grid")
        expect(grid).to_contain_text("Acme Trading")
        expect(grid).not_to_contain_text(PHONE)
        expect(grid.get_by_role("columnheader", name=re.compile("Phone|电话"))).to_have_count(0)

        them.get_by_role("navigation", name=re.compile("Views of this form|本表单的视图")).get_by_role("link", name=t["kanban"]).click()
        expect(them.get_by_text("Acme Trading").first).to_be_visible()
        assert PHONE not in them.content()

        them.goto(base + "/apps/sales/forms/customer/records")
        them.get_by_test_id("records-table").get_by_role("link").filter(has_text="Acme Trading").first.click()
        expect(them.get_by_test_id("record-fields")).to_contain_text("Acme Trading")
        expect(them.get_by_test_id("value-phone")).to_have_count(0)
        assert PHONE not in them.content()
        assert errors == []
    finally:
        context.close()


def _visitor_submits(browser, url: str, lang: str) -> None:
    """An anonymous visitor whose browser speaks the run's language fills the public form."""
    zh = lang != "en"
    visitor = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN" if zh else "en-US")
    try:
        form = visitor.new_page()
        form.goto(url)
        form.get_by_role("textbox", name="名称" if zh else "Name", exact=True).fill(VISITOR)
        form.get_by_role("textbox", name="电话" if zh else "Phone", exact=True).fill(VISITOR_PHONE)
        form.get_by_role("combobox", name="级别" if zh else "Level", exact=True).select_option(label=LEVELS["Key"] if zh else "Key")
        form.get_by_role("button", name="提交" if zh else "Send").click()
        expect(form.get_by_test_id("public-thanks")).to_contain_text("感谢提交" if zh else "Thank you")
    finally:
        visitor.close()


def _dashboard(page, settings_url: str, t: dict) -> None:
    """Two charts, the second dragged above the first (kept after a reload), a period filter, a bar drilled into."""
    page.goto(settings_url.replace("/settings", "/dashboards"))
    page.get_by_role("link", name=t["new_dashboard"]).click()
    expect(page.get_by_test_id("dash-builder")).to_have_attribute("data-ready", "1")
    for n, (title, kind) in enumerate((("Share by level", t["pie"]), ("Customers by level", None)), start=1):
        page.get_by_role("button", name=t["add_chart"]).click()
        chart = page.get_by_role("group", name=t["chart"].format(n))
        chart.get_by_label(t["title"]).fill(title)
        chart.get_by_label(t["form"], exact=True).select_option(label="Customer")
        if kind:
            page.get_by_role("group", name=t["chart"].format(n)).get_by_label(t["chart_type"]).select_option(label=kind)
        page.get_by_role("group", name=t["chart"].format(n)).get_by_label(t["group_by"]).select_option(label="Level" if t["lang"] == "en" else "级别")
        expect(page.get_by_test_id(f"preview-canvas-{n - 1}")).to_have_attribute("data-rendered", "1")
    _drag(page, page.get_by_role("button", name=t["drag"].format(2)), page.get_by_role("group", name=t["chart"].format(1)))
    expect(page.get_by_role("group", name=t["chart"].format(1)).get_by_label(t["title"])).to_have_value("Customers by level")
    page.get_by_label(t["key"], exact=True).fill("customers")
    page.get_by_label(t["dash_name"], exact=True).fill("Customers")
    page.get_by_role("button", name=t["save_dashboard"]).click()
    expect(page.get_by_role("heading", name="Customers", level=1)).to_be_visible()
    page.get_by_role("link", name=t["edit"], exact=True).click()
    expect(page.get_by_test_id("dash-builder")).to_have_attribute("data-ready", "1")
    expect(page.get_by_role("group", name=t["chart"].format(1)).get_by_label(t["title"])).to_have_value("Customers by level")
    page.reload()
    expect(page.get_by_role("group", name=t["chart"].format(1)).get_by_label(t["title"])).to_have_value("Customers by level")
    expect(page.get_by_role("group", name=t["chart"].format(2)).get_by_label(t["title"])).to_have_value("Share by level")
    page.go_back()

    page.get_by_label(t["period"]).select_option(label=t["last_days"])
    page.get_by_label(t["days"]).fill("7")
    page.get_by_role("button", name=t["apply"]).click()
    dashboard = page.get_by_test_id("dashboard")
    expect(dashboard).to_have_attribute("data-drawn", "1")
    bars = dashboard.get_by_role("img", name="Customers by level")
    key_label = "Key" if t["lang"] == "en" else LEVELS["Key"]
    x, y = bar_position(page, bars, key_label)
    bars.click(position={"x": x, "y": y})
    expect(page).to_have_url(re.compile(r"/apps/sales/forms/customer/records\?where="))
    table = page.get_by_test_id("records-table")
    expected = {name for name, level in CUSTOMERS if level == "Key"} | {VISITOR}
    expect(table.locator("tbody tr")).to_have_count(len(expected))
    shown = set(table.locator("tbody tr").evaluate_all("(rows) => rows.map(r => r.innerText)"))
    assert {name for name in expected if any(name in row for row in shown)} == expected


def _drag(page, handle, target) -> None:
    """A mouse drag: press on the handle, move in small steps onto the target's top, release."""
    a, b = handle.bounding_box(), target.bounding_box()
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2 - 10, steps=4)
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + 10, steps=20)
    page.mouse.up()


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_admin_runs_an_empty_workspace_from_the_browser(admin, page, browser, lang):
    base, t = admin["url"], TEXT[lang]
    if lang != "en":
        pick_language_on_profile(page, TEXT["en"], t)
        page.goto(base + "/")
    settings_url = _build_forms(page, base, t)
    password = _people(page, base, t)
    url = _public_link(page, settings_url, t)
    _enter_customers(page, base, t)
    _enter_visit(page, base, t)
    _member_sees_no_phone(browser, base, password, lang)

    _visitor_submits(browser, url, lang)
    page.goto(settings_url)
    page.get_by_role("link", name=t["public_links"]).click()
    row = page.get_by_test_id("link-row").filter(has_text="Website enquiries")
    expect(row.get_by_test_id("link-submissions")).to_have_text("1")
    row.get_by_test_id("link-record").click()
    expect(page.get_by_text(VISITOR).first).to_be_visible()

    _dashboard(page, settings_url, t)
    assert page.js_errors == []


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_with_the_crm_installed_the_admin_installs_it_again_and_updates_it(live_app, live_server, page, tmp_path, lang):
    crm_admin(live_app, live_server, page, ADMIN)
    rt, t = live_app.extensions["formflow"], TEXT[lang]
    if lang != "en":
        pick_language_on_profile(page, TEXT["en"], t)
    page.goto(live_server + "/")
    page.get_by_role("link", name=re.compile(t["new_app"])).click()
    from_template = page.get_by_test_id("new-app-template")
    from_template.get_by_label(t["template"]).select_option("crm")
    from_template.get_by_label(t["name"]).fill("CRM East")
    from_template.get_by_label(t["app_key"]).fill("crm_east")
    from_template.get_by_role("button", name=t["install"]).click()
    expect(page).to_have_url(live_server + "/apps/crm_east/settings")
    expect(page.get_by_test_id("settings-form-customer")).to_be_visible()
    assert {a["key"] for a in form_service.list_apps(rt)} >= {"crm", "crm_east"}

    # the same key again is refused at the key, with what was typed kept
    page.goto(live_server + "/apps/new")
    from_template = page.get_by_test_id("new-app-template")
    from_template.get_by_label(t["name"]).fill("CRM again")
    from_template.get_by_label(t["app_key"]).fill("crm_east")
    from_template.get_by_role("button", name=t["install"]).click()
    expect(page.get_by_test_id("template-key-error")).to_be_visible()
    expect(page.get_by_test_id("new-app-template").get_by_label(t["name"])).to_have_value("CRM again")

    publish_newer_crm(tmp_path, NEXT)
    rt.config["TEMPLATE_DIRS"] = [str(tmp_path)]
    page.goto(live_server + "/apps/crm/settings")
    update = page.get_by_test_id("template-update")
    changes = update.get_by_test_id("update-changes")
    expect(changes.get_by_role("listitem").filter(has_text=t["adds"])).to_have_count(1)
    expect(changes.get_by_role("listitem").filter(has_text=t["changes"])).to_have_count(1)
    expect(update.get_by_test_id("update-kept")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    update.get_by_role("button", name=t["update_to"].format(NEXT)).click()
    expect(page.get_by_test_id("up-to-date")).to_be_visible()
    assert app_templates.template_update(rt, "crm")["installed_version"] == NEXT
    assert "website" in [f["id"] for f in form_service.get_draft(rt, "crm", "customer")["definition"]["fields"]]
    assert page.js_errors == []
