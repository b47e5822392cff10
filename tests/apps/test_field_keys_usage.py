"""Field keys from labels (pinyin for Chinese), unique in the form and fixed after the first publish; the
"used by" list of a field (rules, validations, automations, fields, templates, workflows, dashboards,
permissions) and a publish refused naming each place that still uses a deleted field. SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from engine.field_keys import key_for, key_from_label
from engine.services.field_usage import field_usage


def test_keys_from_chinese_and_english_labels():
    assert key_from_label("客户名称") == "kehu_mingcheng"
    assert key_from_label("Next follow-up") == "next_follow_up"
    assert key_from_label("下次跟进时间") == "xiaci_genjin_shijian"
    assert key_from_label("2nd phone") == "f_2nd_phone"
    assert key_from_label("!!!", "text") == "text"


def test_keys_are_unique_in_the_form():
    assert key_for("客户名称", []) == "kehu_mingcheng"
    assert key_for("客户名称", ["kehu_mingcheng"]) == "kehu_mingcheng_2"
    assert key_for("Phone", ["phone", "phone_2"]) == "phone_3"


@pytest.fixture
def crm(client):
    assert client.post("/api/app-templates/install", json={"template": "crm"}).status_code == 201
    return client


def _kinds(items):
    return {(p["kind"], p["key"]) for p in items}


def test_used_by_lists_each_kind_of_place(crm, app):
    rt = app.extensions["formflow"]
    assert {("rule", "show_next_follow_up"), ("validation", "next_follow_up_later"), ("automation", "create_reminder")} \
        <= _kinds(field_usage(rt, "crm", "follow_up", "next_follow_up"))
    reminder = field_usage(rt, "crm", "follow_up_reminder", "remind_at")
    assert {("automation", "follow_up.create_reminder"), ("template", "follow_up_reminder_notice"),
            ("workflow", "follow_up_reminder_notice")} <= _kinds(reminder)
    assert all(p["link"].startswith("/apps/crm/") for p in reminder)
    amount = _kinds(field_usage(rt, "crm", "opportunity", "amount"))
    assert {("field", "weighted_amount"), ("field", "customer.won_amount"), ("dashboard", "sales")} <= amount
    # a field nobody names is used nowhere; a quoted word in an expression is not a reference
    assert field_usage(rt, "crm", "follow_up", "attachments_none") == []
    assert ("validation", "visit_content") not in _kinds(field_usage(rt, "crm", "follow_up", "visit"))


def test_used_by_route_takes_the_definition_on_screen_and_grants(crm):
    draft = crm.get("/api/apps/crm/forms/follow_up/draft").get_json()["definition"]
    draft["rules"] = []
    answer = crm.post("/api/apps/crm/forms/follow_up/field-usage", json={"field": "next_follow_up", "definition": draft})
    assert answer.status_code == 200
    kinds = _kinds(answer.get_json()["items"])
    assert ("rule", "show_next_follow_up") not in kinds and ("validation", "next_follow_up_later") in kinds
    bad = crm.post("/api/apps/crm/forms/follow_up/field-usage", json={"field": 3})
    assert bad.status_code == 422 and "/field" in str(bad.get_json()["error"])
    roles = crm.get("/api/roles").get_json()
    role = next(r["key"] for r in (roles["items"] if isinstance(roles, dict) else roles) if r["key"] != "admin")
    granted = crm.put(f"/api/apps/crm/forms/follow_up/permissions/{role}", json={"create": True, "read": "all", "fields": {"content": "read"}})
    assert granted.status_code == 200, granted.get_json()
    got = crm.post("/api/apps/crm/forms/follow_up/field-usage", json={"field": "content"}).get_json()["items"]
    assert ("permission", role) in _kinds(got)


def test_key_route_unique_and_fixed_after_publish(crm):
    answer = crm.post("/api/apps/crm/forms/follow_up/field-key", json={"label": "客户名称", "taken": ["kehu_mingcheng"]})
    assert answer.status_code == 200 and answer.get_json()["key"] == "kehu_mingcheng_2"
    published = crm.post("/api/apps/crm/forms/follow_up/field-key", json={"label": "Customer"}).get_json()
    assert "customer" in published["fixed"] and published["key"] == "customer_2"
    bad = crm.post("/api/apps/crm/forms/follow_up/field-key", json={"label": ""})
    assert bad.status_code == 422 and "/label" in str(bad.get_json()["error"])


def test_publish_refused_names_each_broken_place(crm):
    got = crm.get("/api/apps/crm/forms/follow_up_reminder/draft")
    draft = got.get_json()["definition"]
    for f in draft["fields"]:
        if f["id"] == "remind_at":
            f["deleted"] = True
    saved = crm.put("/api/apps/crm/forms/follow_up_reminder/draft", json=draft, headers={"If-Match": got.headers["ETag"]})
    assert saved.status_code == 200, saved.get_json()
    refused = crm.post("/api/apps/crm/forms/follow_up_reminder/publish")
    assert refused.status_code == 422
    messages = str(refused.get_json()["error"])
    for place in ("automation 'follow_up.create_reminder'", "template 'follow_up_reminder_notice'", "workflow 'follow_up_reminder_notice'"):
        assert place in messages


def test_a_key_comes_from_the_english_label_whichever_language_was_typed_last():
    assert key_for({"en": "Customer no.", "zh-CN": "客户编号"}, []) == "customer_no"
    assert key_for({"zh-CN": "客户编号", "en": "Customer no."}, ["customer_no"]) == "customer_no_2"
    assert key_for({"en": " ", "zh-CN": "客户编号"}, []) == "kehu_bianhao"   # no English label: pinyin of the Chinese
    assert key_for({"zh-CN": "客户编号"}, []) == "kehu_bianhao"


def test_the_key_route_takes_the_label_in_both_languages(crm):
    url = "/api/apps/crm/forms/customer/field-key"
    both = crm.post(url, json={"label": {"zh-CN": "客户编号", "en": "Customer no."}, "taken": []})
    assert both.status_code == 200 and both.get_json()["key"] == "customer_no"
    assert crm.post(url, json={"label": {"zh-CN": "客户编号"}}).get_json()["key"] == "kehu_bianhao"
    assert crm.post(url, json={"label": "客户编号"}).get_json()["key"] == "kehu_bianhao"
    for bad in ({"label": {}}, {"label": {"en": 3}}, {"label": 3}):
        refused = crm.post(url, json=bad)
        assert refused.status_code == 422 and "/label" in str(refused.get_json()["error"])
