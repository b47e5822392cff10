"""The built-in CRM template: valid data, installed on first run only, installed again as a new app, edited,
updated to a newer template version without losing the admin's edits, reset; serial numbers in format."""
import copy
import json
from importlib import resources

import pytest
import sqlalchemy as sa

from engine.definitions import meta_errors
from engine.errors import Conflict, DefinitionInvalid, PreconditionFailed
from engine.notifications.tables import notification_templates
from engine.services import app_templates as at, forms as fs, records as rs
from engine.storage.tables import apps

LOCALES = {"en", "zh-CN"}
#: the shipped template's version, and a newer one the update tests write into TEMPLATE_DIRS
CURRENT = "1.1.0"
NEXT = "1.2.0"


def builtin(name="crm"):
    return json.loads(resources.files("builtin_apps").joinpath(f"{name}.json").read_text("utf-8"))


def labels_of(app):
    """Every user-facing label in an app definition, with where it is."""
    yield "/label", app["label"]
    for form in app["forms"]:
        yield f"{form['key']}/label", form["label"]
        for f in form["fields"]:
            yield f"{form['key']}/{f['id']}", f.get("label")
            for c in (f.get("options") or {}).get("choices", []):
                yield f"{form['key']}/{f['id']}/{c['value']}", c.get("label")
        for s in form.get("layout", {}).get("sections", []):
            yield f"{form['key']}/layout/{s['id']}", s.get("label")


# -- the template as data -----------------------------------------------------------

def test_every_builtin_template_passes_the_meta_schemas_and_checks():
    names = [p.name[:-5] for p in resources.files("builtin_apps").iterdir() if p.name.endswith(".json")]
    assert "crm" in names
    for name in names:
        app = builtin(name)
        assert meta_errors(app, "app") == []
        for form in app["forms"]:
            assert meta_errors(form, "form") == [], form["key"]
        assert at.check_app_definition(app) == []
        assert app["template"]["key"] and app["template"]["version"]


def test_crm_has_the_apps_of_the_scenario_labelled_in_both_languages():
    app = builtin()
    assert [f["key"] for f in app["forms"]] == ["customer", "contact", "opportunity", "follow_up", "follow_up_reminder",
                                               "service_category", "service_ticket", "contract"]
    missing = [where for where, label in labels_of(app) if not isinstance(label, dict) or set(label) != LOCALES]
    assert missing == []
    forms = {f["key"]: f for f in app["forms"]}
    customer = {f["id"]: f for f in forms["customer"]["fields"]}
    assert customer["serial"]["options"] == {"format": "KH-{YYYYMMDD}-{0000}", "reset": "daily"}
    assert [c["label"]["zh-CN"] for c in customer["level"]["options"]["choices"]] == ["重点", "主要", "普通"]
    assert {f["id"]: f["options"]["form"] for f in forms["follow_up"]["fields"] if f["type"] == "reference"} == \
        {"customer": "customer", "opportunity": "opportunity"}
    assert {f["id"] for f in forms["opportunity"]["fields"]} >= {"stage", "amount"}
    assert forms["follow_up"]["automations"][0]["action"]["form"] == "follow_up_reminder"


@pytest.mark.parametrize("mutate, path", [
    (lambda app: app["forms"][3]["fields"][1]["options"].update(form="client"), "/forms/3/fields/1/options/form"),
    (lambda app: app["forms"][3]["fields"][3]["fetch"].update(field="nickname"), "/forms/3/fields/3/fetch/field"),
    (lambda app: app["forms"][0]["layout"]["sections"][0]["fields"].append("ghost"), "/forms/0/layout/sections/0/fields/8"),
    (lambda app: app["forms"][0]["settings"]["duplicate_check"]["rules"][0]["fields"].append("nope"),
     "/forms/0/settings/duplicate_check/rules/0/fields/1"),
    (lambda app: app["forms"][0]["fields"].__setitem__(13, {**app["forms"][0]["fields"][13], "options": {
        **app["forms"][0]["fields"][13]["options"], "form": "deals"}}), "/forms/0/fields/13/options/form"),
    (lambda app: app["workflows"][0]["steps"][0].update(template="no_such_template"), "/workflows/0/steps/0/template"),
    (lambda app: app["workflows"][0]["trigger"].update(field="remind_on"), "/workflows/0/trigger/field"),
    (lambda app: app["templates"][0].update(form="reminders"), "/templates/0/form"),
])
def test_a_broken_reference_is_refused_with_its_path(mutate, path):
    app = builtin()
    mutate(app)
    assert path in [e.path for e in at.check_app_definition(app)]


def test_install_refuses_a_template_whose_automation_targets_a_missing_form(rt, system):
    app = builtin()
    app["forms"][3]["automations"][0]["action"]["form"] = "reminder"
    with pytest.raises(DefinitionInvalid) as info:
        at.install_template(rt, system, definition=app)
    assert "/forms/3/automations/0/action/form" in [e.path for e in info.value.errors]
    assert fs.list_apps(rt) == []  # nothing half-installed


# -- installing -------------------------------------------------------------------------

def test_first_run_installs_once_and_never_over_the_admins_edits(db_url, clock, tmp_path):
    from formflow import create_app

    config = {"DATABASE_URL": db_url, "CLOCK": clock, "TESTING": True, "INSTANCE_PATH": str(tmp_path / "i"), "INSTALL_TEMPLATES": True}
    first = create_app(config)
    rt = first.extensions["formflow"]
    listed = fs.list_apps(rt)
    assert [a["key"] for a in listed] == ["crm"]
    assert listed[0]["template"] == {"key": "crm", "version": CURRENT}
    assert all(f["published_version"] == 1 for f in listed[0]["forms"])
    fs.update_app(rt, at.Actor.system(), "crm", label={"en": "Our sales", "zh-CN": "我们的销售"})
    first.extensions["formflow"].db.dispose()

    again = create_app(config)
    listed = fs.list_apps(again.extensions["formflow"])
    assert [a["key"] for a in listed] == ["crm"]
    assert listed[0]["label"]["en"] == "Our sales"
    again.extensions["formflow"].db.dispose()


def test_first_run_is_per_workspace_and_survives_a_second_call(rt):
    assert at.install_on_first_run(rt) == ["crm"]
    assert at.install_on_first_run(rt) == []
    assert at.installed_from(rt, "crm")["origin"] == "first_run"


def test_install_again_makes_a_new_app_through_the_api(client):
    listed = client.get("/api/app-templates").get_json()["items"]
    assert [(t["key"], t["version"]) for t in listed] == [("crm", CURRENT)]
    first = client.post("/api/app-templates/install", json={"template": "crm"})
    second = client.post("/api/app-templates/install", json={"template": "crm"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert (first.get_json()["key"], second.get_json()["key"]) == ("crm", "crm_2")
    assert len(second.get_json()["forms"]) == len(builtin()["forms"])
    named = client.post("/api/app-templates/install", json={"template": "crm", "app_key": "crm_2"})
    assert named.status_code == 409
    missing = client.post("/api/app-templates/install", json={"template": "erp"})
    assert missing.status_code == 404
    broken = builtin()
    broken["forms"][3]["fields"][1]["options"]["form"] = "client"
    refused = client.post("/api/app-templates/install", json={"definition": broken})
    assert refused.status_code == 422
    assert "/forms/3/fields/1/options/form" in [e["path"] for e in refused.get_json()["error"]["errors"]]


def test_load_templates_command_installs_as_a_new_app(runner, app):
    from formflow.cli import cli

    result = runner.invoke(cli, args=["load-templates"])
    assert result.exit_code == 0, result.output
    assert "as app 'crm'" in result.output
    result = runner.invoke(cli, args=["load-templates", "--template", "crm"])
    assert "as app 'crm_2'" in result.output
    assert [a["key"] for a in fs.list_apps(app.extensions["formflow"])] == ["crm", "crm_2"]


# -- editing, updating, resetting ------------------------------------------------------------

def _edit_customer(rt, actor):
    """What an admin does in the designer: rename a field, add a field, add a submit validation, then publish."""
    draft = fs.get_draft(rt, "crm", "customer")["definition"]
    fields = {f["id"]: f for f in draft["fields"]}
    fields["name"]["label"] = {"en": "Company", "zh-CN": "公司名称"}
    draft["fields"].append({"id": "wechat_id", "type": "text", "label": {"en": "WeChat ID", "zh-CN": "微信号"}})
    draft["validations"] = [{"id": "name_long_enough", "name": "name", "condition": "name.length >= 2", "fields": ["name"],
                             "message": "at least 2 characters"}]
    fs.save_draft(rt, actor, "crm", "customer", draft)
    fs.publish_form(rt, actor, "crm", "customer")


def _newer_template(tmp_path):
    """Version NEXT: relabels industry (untouched by the admin) and name (edited by the admin), adds a field."""
    app = builtin()
    app["template"]["version"] = NEXT
    customer = app["forms"][0]
    fields = {f["id"]: f for f in customer["fields"]}
    fields["industry"]["label"] = {"en": "Sector", "zh-CN": "行业"}
    fields["name"]["label"] = {"en": "Customer", "zh-CN": "客户"}
    customer["fields"].append({"id": "website", "type": "url", "label": {"en": "Website", "zh-CN": "网站"}})
    customer["layout"]["sections"][1]["fields"].append("website")
    app["templates"].append({"key": "customer_welcome", "form": "customer", "label": {"en": "Welcome", "zh-CN": "欢迎"},
                             "content": {"default": {"subject": "Welcome {{ record.name }}", "body": "Hello {{ record.name }}"}}})
    app["workflows"][0]["trigger"]["offsets"][1]["amount"] = 2
    (tmp_path / "crm.json").write_text(json.dumps(app, ensure_ascii=False), encoding="utf-8")
    return app


def test_an_installed_app_is_edited_like_any_other(rt, system):
    at.install_template(rt, system, "crm")
    _edit_customer(rt, system)
    rec = rs.create_record(rt, system, "crm", "customer", {"name": "ACME", "wechat_id": "acme_cn"})
    assert rec["data"]["wechat_id"] == "acme_cn" and rec["form_version"] == 2
    with pytest.raises(Exception) as info:
        rs.create_record(rt, system, "crm", "customer", {"name": "X"})
    assert "at least 2 characters" in str(info.value.to_dict())


def test_a_newer_template_is_offered_and_applied_without_overwriting_edits(rt, system, tmp_path):
    at.install_template(rt, system, "crm")
    _edit_customer(rt, system)
    kept = rs.create_record(rt, system, "crm", "customer", {"name": "ACME Ltd", "wechat_id": "acme"})
    assert at.template_update(rt, "crm")["update_available"] is False

    _newer_template(tmp_path)
    rt.config["TEMPLATE_DIRS"] = [str(tmp_path)]
    offer = at.template_update(rt, "crm")
    assert (offer["installed_version"], offer["available_version"], offer["update_available"]) == (CURRENT, NEXT, True)
    customer = next(f for f in offer["forms"] if f["form"] == "customer")
    applied = {(c["change"], c.get("field_id")) for c in customer["applied"]}
    assert {("field_changed", "industry"), ("field_added", "website")} <= applied
    assert ("field_changed", "name") in {(c["change"], c.get("field_id")) for c in customer["kept"]}
    assert all(f["action"] == "none" for f in offer["forms"] if f["form"] != "customer")
    assert {(p["part"], p["key"], p["action"]) for p in offer["parts"]} == {
        ("templates", "customer_welcome", "create"), ("workflows", "follow_up_reminder_notice", "review")}
    assert fs.get_draft(rt, "crm", "customer")["published_version"] == 2  # offering changes nothing

    with pytest.raises(PreconditionFailed):
        at.apply_template_update(rt, system, "crm", expected_version="9.9.9")
    at.apply_template_update(rt, system, "crm", expected_version=NEXT)
    draft = fs.get_draft(rt, "crm", "customer")
    fields = {f["id"]: f for f in draft["definition"]["fields"]}
    assert draft["published_version"] == 3
    assert fields["name"]["label"]["en"] == "Company"          # the admin's rename survives
    assert fields["industry"]["label"]["en"] == "Sector"       # the template's change arrives
    assert "website" in fields and "wechat_id" in fields
    assert draft["definition"]["validations"][0]["id"] == "name_long_enough"
    assert "website" in [fid for s in draft["definition"]["layout"]["sections"] for fid in s["fields"]]
    assert rs.get_record(rt, system, "crm", "customer", kept["id"])["data"]["wechat_id"] == "acme"
    assert fs.get_app(rt, "crm")["template"] == {"key": "crm", "version": NEXT}
    from engine.services import templates, workflows

    assert templates.get_template(rt, "crm", "customer_welcome")["state"] == "published"
    offsets = workflows.get_workflow(rt, "crm", "follow_up_reminder_notice")["definition"]["trigger"]["offsets"]
    assert offsets[1]["amount"] == 1  # a workflow is reviewed by the admin, not merged
    assert at.template_update(rt, "crm")["update_available"] is False
    with pytest.raises(Conflict):
        at.apply_template_update(rt, system, "crm")


def test_load_templates_update_keeps_edits(runner, app, tmp_path):
    from formflow.cli import cli

    rt = app.extensions["formflow"]
    at.install_template(rt, at.Actor.system(), "crm")
    _edit_customer(rt, at.Actor.system())
    assert f"crm: up to date ({CURRENT})" in runner.invoke(cli, args=["load-templates", "--update"]).output
    _newer_template(tmp_path)
    rt.config["TEMPLATE_DIRS"] = [str(tmp_path)]
    result = runner.invoke(cli, args=["load-templates", "--update"])
    assert result.exit_code == 0, result.output
    assert f"crm: {CURRENT} -> {NEXT}" in result.output and "keep your edit (changed field name)" in result.output
    fields = {f["id"]: f for f in fs.get_draft(rt, "crm", "customer")["definition"]["fields"]}
    assert fields["name"]["label"]["en"] == "Company" and "website" in fields and "wechat_id" in fields


def test_template_update_through_the_api(client, app, tmp_path):
    client.post("/api/app-templates/install", json={"template": "crm"})
    _newer_template(tmp_path)
    app.extensions["formflow"].config["TEMPLATE_DIRS"] = [str(tmp_path)]
    offer = client.get("/api/apps/crm/template-update").get_json()
    assert offer["available_version"] == NEXT and offer["update_available"]
    done = client.post("/api/apps/crm/template-update", json={"version": NEXT})
    assert done.status_code == 200, done.get_json()
    assert client.get("/api/apps/crm").get_json()["template"]["version"] == NEXT
    assert client.post("/api/apps/crm/template-update", json={}).status_code == 409


def test_the_update_offer_says_why_an_edit_is_kept_in_the_callers_language(client, app, tmp_path):
    """Each kept edit carries a stable reason_code and its reason rendered from the catalogue in the caller's language."""
    from engine.services import app_admin

    rt = app.extensions["formflow"]
    client.post("/api/app-templates/install", json={"template": "crm"})
    _edit_customer(rt, at.Actor.system())
    app_admin.delete_form(rt, at.Actor.system(), "crm", "contract", confirm="contract")
    newer = _newer_template(tmp_path)  # and it brings a submit validation of its own, where the admin has one
    newer["forms"][0]["validations"] = [{"id": "name_given", "name": "name", "condition": "name.length >= 1", "fields": ["name"],
                                         "message": "a name is required"}]
    (tmp_path / "crm.json").write_text(json.dumps(newer, ensure_ascii=False), encoding="utf-8")
    rt.config["TEMPLATE_DIRS"] = [str(tmp_path)]

    def reasons(language):
        offer = client.get("/api/apps/crm/template-update", headers={"Accept-Language": language}).get_json()
        forms = {f["form"]: f for f in offer["forms"]}
        kept = {(k["change"], k.get("field_id")): (k["reason_code"], k["reason"]) for k in forms["customer"]["kept"]}
        kept |= {(k["change"], "contract"): (k["reason_code"], k["reason"]) for k in forms["contract"]["kept"]}
        return kept | {(p["part"], p["key"]): (p["reason_code"], p["reason"]) for p in offer["parts"] if p["action"] == "review"}

    assert reasons("en") == {
        ("field_changed", "name"): ("field_edited", "you edited this field"),
        ("validations_changed", None): ("part_edited", "you edited the form's validations"),
        ("form_removed_by_you", "contract"): ("form_removed", "you removed this form; the update does not bring it back"),
        ("workflows", "follow_up_reminder_notice"): ("template_changed", "the template changed this workflow; edit yours to take the change")}
    assert reasons("zh-CN") == {
        ("field_changed", "name"): ("field_edited", "您修改过此字段"),
        ("validations_changed", None): ("part_edited", "您修改过表单的提交校验"),
        ("form_removed_by_you", "contract"): ("form_removed", "您删除了此表单，更新不会恢复它"),
        ("workflows", "follow_up_reminder_notice"): ("template_changed", "模板修改了此工作流；如需采用，请自行修改您的版本")}
    done = client.post("/api/apps/crm/template-update", json={"version": NEXT}, headers={"Accept-Language": "zh-CN"})
    assert done.status_code == 200, done.get_json()
    customer = next(f for f in done.get_json()["forms"] if f["form"] == "customer")
    assert {k["reason"] for k in customer["kept"]} == {"您修改过此字段", "您修改过表单的提交校验"}


def test_what_an_imported_app_leaves_to_do_reads_in_the_callers_language(client):
    """An imported definition's notification templates wait for a reviewer, and the workflows that send them wait for
    those: each pending item has a stable todo_code and its todo in the caller's language."""
    definition = builtin()
    definition["template"] = {"key": "crm_copy", "version": CURRENT}
    done = client.post("/api/app-templates/install", json={"definition": definition, "app_key": "crm_zh"},
                       headers={"Accept-Language": "zh-CN"})
    assert done.status_code == 201, done.get_json()
    pending = {(p["part"], p["todo_code"]): p["todo"] for p in done.get_json()["pending"]}
    assert pending[("templates", "review_then_publish")] == "审核人批准后即发布"
    waiting = next(p for p in done.get_json()["pending"] if p["todo_code"] == "publish_templates_first")
    assert waiting["todo"] == "请在这些通知模板发布后再创建并发布它：" + ", ".join(waiting["templates"])
    english = client.post("/api/app-templates/install", json={"definition": definition, "app_key": "crm_en"}).get_json()
    assert {p["todo"] for p in english["pending"] if p["todo_code"] == "review_then_publish"} == {
        "a reviewer approves it, then it is published"}


def test_reset_puts_the_template_back_and_keeps_added_fields_as_deleted(rt, system):
    at.install_template(rt, system, "crm")
    _edit_customer(rt, system)
    at.reset_app(rt, system, "crm", ["customer"])
    draft = fs.get_draft(rt, "crm", "customer")
    fields = {f["id"]: f for f in draft["definition"]["fields"]}
    assert fields["name"]["label"]["en"] == "Customer name"
    assert fields["wechat_id"]["deleted"] is True
    assert "validations" not in draft["definition"]
    assert draft["published_version"] == 3


def test_apps_not_from_a_template_have_no_update(rt, system):
    fs.create_app(rt, system, "mine", "Mine")
    with pytest.raises(Exception) as info:
        at.template_update(rt, "mine")
    assert info.value.status == 404


# -- serial numbers ---------------------------------------------------------------------------

def test_customer_serials_restart_daily_in_the_workspace_time_zone(rt, system, clock):
    at.install_template(rt, system, "crm")
    made = [rs.create_record(rt, system, "crm", "customer", {"name": f"Customer {i}"})["data"]["serial"] for i in range(3)]
    assert made == ["KH-20260309-0001", "KH-20260309-0002", "KH-20260309-0003"]
    clock.set("2026-03-09T15:59:59Z")  # 23:59:59 in Shanghai: still the 9th
    assert rs.create_record(rt, system, "crm", "customer", {"name": "Late"})["data"]["serial"] == "KH-20260309-0004"
    clock.set("2026-03-09T16:00:00Z")  # midnight in Shanghai
    assert rs.create_record(rt, system, "crm", "customer", {"name": "Early"})["data"]["serial"] == "KH-20260310-0001"
    customer = rs.create_record(rt, system, "crm", "customer", {"name": "Next"})
    follow_up = rs.create_record(rt, system, "crm", "follow_up", {"customer": customer["id"], "method": "call", "content": "first call"})
    assert follow_up["data"]["serial"] == "GJ-20260310-0001"
    assert follow_up["data"]["customer_name"] == "Next"


def test_installed_app_rows_record_the_template(rt, system):
    at.install_template(rt, system, "crm")
    with rt.db.read() as conn:
        row = conn.execute(sa.select(apps.c.template_key, apps.c.template_version).where(apps.c.key == "crm")).one()
    assert tuple(row) == ("crm", CURRENT)
    assert copy.deepcopy(at.installed_from(rt, "crm"))["version"] == CURRENT


@pytest.mark.parametrize("language, said", [("en", "shipped with the app template"), ("zh-CN", "随应用模板提供")])
def test_a_shipped_templates_review_comment_reads_in_the_callers_language(client, app, language, said):
    """The installer approves the templates an app template ships with: the comment is stored as a code and read in the
    caller's language; a row stored before (the English words) reads the same."""
    assert client.post("/api/app-templates/install", json={"template": "crm"}).status_code == 201
    url = "/api/apps/crm/notification-templates/follow_up_reminder_notice"
    rt = app.extensions["formflow"]
    with rt.db.read() as conn:
        stored = conn.execute(sa.select(notification_templates.c.review_comment).where(
            notification_templates.c.key == "follow_up_reminder_notice")).scalar_one()
    assert stored == "template.review.shipped"
    headers = {"Accept-Language": language}
    one = client.get(url, headers=headers).get_json()
    assert (one["review_comment"], one["review_comment_code"]) == (said, "shipped")
    [revision] = client.get(url + "/revisions", headers=headers).get_json()["items"]
    assert revision["review_comment"] == said
    listed = client.get("/api/apps/crm/notification-templates", headers=headers).get_json()["items"]
    assert {t["review_comment"] for t in listed} == {said}
    with rt.db.transaction() as conn:  # as installs before the code stored it
        conn.execute(sa.update(notification_templates).values(review_comment="shipped with the app template"))
    assert client.get(url, headers=headers).get_json()["review_comment"] == said
