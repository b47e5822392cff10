"""Names of rules, validations and automations in the caller's language, through the API (engine/bilingual_text.py).

The built-in CRM gives them as {"en", "zh-CN"}: a zh-CN caller's dry-run names them in Chinese, a refused submit
says the validation's message and names its rule in Chinese, a refused publish names the broken rule in Chinese; an
English caller reads English, and an API client that asks for no language gets both. SQLite and PostgreSQL.
"""
from __future__ import annotations

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en-US"}
FOLLOW_UP = "/api/apps/crm/forms/follow_up"


def _install(client) -> int:
    assert client.post("/api/app-templates/install", json={"template": "crm"}).status_code == 201
    r = client.post("/api/apps/crm/forms/customer/records", json={"data": {"name": "华为技术有限公司"}})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def _follow_up(customer: int, **data) -> dict:
    return {"customer": customer, "method": "visit", "content": "拜访客户，沟通了明年的采购计划。", **data}


def test_a_chinese_reader_gets_chinese_rule_validation_and_automation_names(client):
    customer = _install(client)
    late = _follow_up(customer, enable_reminder=True, next_follow_up="2020-01-01T09:00:00Z")
    zh = client.post(FOLLOW_UP + "/dry-run", json={"data": late}, headers=ZH).get_json()
    assert {r["id"]: r["name"] for r in zh["rules"]} == {"show_next_follow_up": "开启跟进提醒时显示下次跟进时间"}
    assert {v["id"]: v["name"] for v in zh["validations"]} == {"next_follow_up_later": "下次跟进时间晚于当前时间",
                                                                "visit_content": "拜访需填写跟进内容"}
    assert [e["message"] for e in zh["errors"]] == ["下次跟进时间必须晚于当前时间"]

    fine = _follow_up(customer, enable_reminder=True, next_follow_up="2099-01-01T09:00:00Z")
    autos = client.post(FOLLOW_UP + "/dry-run", json={"data": fine}, headers=ZH).get_json()["automations"]
    assert [(a["id"], a["name"], a["triggered"]) for a in autos] == [("create_reminder", "自动创建跟进提醒", True)]
    english = client.post(FOLLOW_UP + "/dry-run", json={"data": fine}, headers=EN).get_json()["automations"]
    assert english[0]["name"] == "Create the follow-up reminder"
    plain = client.post(FOLLOW_UP + "/dry-run", json={"data": fine}).get_json()["automations"]
    assert plain[0]["name"] == {"en": "Create the follow-up reminder", "zh-CN": "自动创建跟进提醒"}


def test_a_refused_submit_reads_in_chinese_naming_the_validation(client):
    customer = _install(client)
    late = {"data": _follow_up(customer, enable_reminder=True, next_follow_up="2020-01-01T09:00:00Z")}
    r = client.post(FOLLOW_UP + "/records", json=late, headers=ZH)
    assert r.status_code == 422, r.get_json()
    (item,) = r.get_json()["error"]["errors"]
    assert (item["field_id"], item["message"], item["rule"]) == ("next_follow_up", "下次跟进时间必须晚于当前时间", "下次跟进时间晚于当前时间")
    (item,) = client.post(FOLLOW_UP + "/records", json=late, headers=EN).get_json()["error"]["errors"]
    assert (item["message"], item["rule"]) == ("The next follow-up time must be later than now", "Next follow-up is in the future")


def test_a_refused_publish_names_the_broken_rule_in_the_readers_language(client):
    _install(client)
    draft = client.get(FOLLOW_UP + "/draft").get_json()["definition"]
    draft["rules"].append({"id": "broken", "name": {"en": "Broken rule", "zh-CN": "有误的规则"}, "when": "no_such_field == 1",
                           "effects": [{"field": "next_follow_up", "visible": True}]})
    assert client.put(FOLLOW_UP + "/draft", json=draft).status_code == 200
    zh = client.post(FOLLOW_UP + "/publish", headers=ZH)
    assert zh.status_code == 422, zh.get_json()
    (item,) = [e for e in zh.get_json()["error"]["errors"] if e["path"].startswith("/rules/1")]
    assert "有误的规则" in item["message"] and "Broken rule" not in item["message"]
    (item,) = [e for e in client.post(FOLLOW_UP + "/publish", headers=EN).get_json()["error"]["errors"]
               if e["path"].startswith("/rules/1")]
    assert "'Broken rule'" in item["message"]


def test_a_template_description_is_kept_in_both_languages(client):
    _install(client)
    tpl = client.get("/api/apps/crm/notification-templates/follow_up_reminder_notice").get_json()
    assert tpl["description"]["zh-CN"] == "在提醒时间之前发送给负责人，并抄送其上级。"
    assert tpl["description"]["en"].startswith("Sent to the owner ahead of the reminder time")
    r = client.patch("/api/apps/crm/notification-templates/follow_up_reminder_notice",
                     json={"description": {"en": "To the owner", "zh-CN": "发给负责人"}})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["description"] == {"en": "To the owner", "zh-CN": "发给负责人"}


def test_the_app_description_is_typed_in_both_languages_on_the_settings_page(client):
    _install(client)
    page = client.get("/apps/crm/settings?lang=zh-CN").get_data(as_text=True)
    assert 'value="客户管理、联系人、商机、跟进记录与跟进提醒' in page and 'value="Customers, contacts, opportunities' in page
    saved = client.post("/apps/crm/settings", data={"label_en": "Sales CRM", "label_zh": "销售跟进CRM", "description_en": "Sales follow-up",
                                                    "description_zh": "销售跟进", "icon": "", "color": ""})
    assert saved.status_code == 303, saved.get_data(as_text=True)[:500]
    assert client.get("/api/apps/crm").get_json()["description"] == {"en": "Sales follow-up", "zh-CN": "销售跟进"}
