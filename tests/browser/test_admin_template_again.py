"""With the CRM installed, the admin installs the CRM template a second time from the UI (New app → From a template, under
a new key) and then updates the original from a newer template version, reading the list of what changes and what of
theirs is kept, by form and field labels in the UI language (en and zh-CN; in zh-CN the section, the kept edit and the
update button found by role and accessible name) — in Chromium against the real app, no API, no JSON. axe-core: 0
serious/critical on both screens."""
from __future__ import annotations

import json
from importlib import resources

from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from engine.runtime import Actor
from engine.services import app_templates, forms as form_service
from tests.browser.signin import crm_admin

ADMIN = {"username": "ann.admin", "password": "violet harbour engine 42", "display_name": "Ann Admin"}
NEXT = "9.0.0"


def _publish_newer_crm(directory) -> None:
    """The template publisher's newer CRM: two relabelled fields (one the admin renamed too) and a new one."""
    app = json.loads(resources.files("builtin_apps").joinpath("crm.json").read_text("utf-8"))
    app["template"]["version"] = NEXT
    customer = app["forms"][0]
    next(f for f in customer["fields"] if f["id"] == "industry")["label"] = {"en": "Sector", "zh-CN": "行业"}
    next(f for f in customer["fields"] if f["id"] == "name")["label"] = {"en": "Client", "zh-CN": "客户名"}
    customer["fields"].append({"id": "website", "type": "url", "label": {"en": "Website", "zh-CN": "网站"}})
    customer["layout"]["sections"][1]["fields"].append("website")
    (directory / "crm.json").write_text(json.dumps(app, ensure_ascii=False), encoding="utf-8")


def test_install_the_crm_again_under_a_new_key_and_update_the_original(live_app, live_server, page, axe_check, tmp_path):
    crm_admin(live_app, live_server, page, ADMIN)
    rt = live_app.extensions["formflow"]
    page.goto(live_server + "/apps/new")
    from_template = page.get_by_test_id("new-app-template")
    from_template.get_by_label("Template").select_option("crm")
    from_template.get_by_label("Name (English)").fill("CRM East")
    from_template.get_by_label("App key").fill("crm_east")
    from_template.get_by_role("button", name="Install template").click()
    expect(page).to_have_url(live_server + "/apps/crm_east/settings")
    expect(page.get_by_test_id("settings-form-customer")).to_be_visible()
    assert axe_check(page) == []
    assert {a["key"] for a in form_service.list_apps(rt)} >= {"crm", "crm_east"}

    # the same key again is refused at the key, with what was typed kept
    page.goto(live_server + "/apps/new")
    from_template = page.get_by_test_id("new-app-template")
    from_template.get_by_label("Name (English)").fill("CRM again")
    from_template.get_by_label("App key").fill("crm_east")
    from_template.get_by_role("button", name="Install template").click()
    expect(page.get_by_test_id("template-key-error")).to_be_visible()
    expect(page.get_by_test_id("new-app-template").get_by_label("Name (English)")).to_have_value("CRM again")

    draft = form_service.get_draft(rt, "crm", "customer")["definition"]  # the admin renames a field the update renames too
    next(f for f in draft["fields"] if f["id"] == "name")["label"] = {"en": "Company", "zh-CN": "公司名称"}
    form_service.save_draft(rt, Actor.system(), "crm", "customer", draft)
    form_service.publish_form(rt, Actor.system(), "crm", "customer")
    _publish_newer_crm(tmp_path)
    rt.config["TEMPLATE_DIRS"] = [str(tmp_path)]
    page.goto(live_server + "/apps/crm/settings")
    update = page.get_by_test_id("template-update")
    changes = update.get_by_test_id("update-changes")
    expect(changes).to_contain_text("Field “Website” added to “Customer”.")     # labels in the UI language, never ids
    expect(changes).to_contain_text("Field “Industry” of “Customer” changed: renamed “Sector”.")
    expect(changes).not_to_contain_text("“website”")
    expect(update.get_by_test_id("update-kept")).to_contain_text(
        "Your edit of field “Company” in “Customer” is kept; the template's change to it is not applied.")
    assert axe_check(page) == []
    page.goto(live_server + "/apps/crm/settings?lang=zh-CN")
    changes = page.get_by_test_id("template-update").get_by_test_id("update-changes")
    expect(changes).to_contain_text("在“客户”中新增字段“网站”。")
    expect(changes).to_contain_text("“客户”的字段“所属行业”有修改：改名为“行业”。")
    template = page.get_by_role("region", name="模板")
    expect(template.get_by_role("heading", name="保留您的修改")).to_be_visible()
    expect(template.get_by_role("listitem").filter(has_text="保留您对“客户”中字段“公司名称”的修改，不采用模板对它的改动。")).to_have_count(1)
    expect(template.get_by_role("button", name=f"更新到版本 {NEXT}")).to_be_visible()
    expect(template).not_to_contain_text("kept")
    assert axe_check(page) == []
    page.goto(live_server + "/apps/crm/settings?lang=en")
    update = page.get_by_test_id("template-update")
    page.once("dialog", lambda dialog: dialog.accept())
    update.get_by_role("button", name=f"Update to version {NEXT}").click()
    expect(page.get_by_test_id("up-to-date")).to_be_visible()
    assert app_templates.template_update(rt, "crm")["installed_version"] == NEXT
    assert "website" in [f["id"] for f in form_service.get_draft(rt, "crm", "customer")["definition"]["fields"]]
    assert axe_check(page) == []
