"""The readable diff (issue 21, point 4): what is on screen against the published version, as sentences grouped by
fields, rules, layout and settings, in English and Chinese, with the records each change touches; never an internal
code. SQLite and PostgreSQL."""
from __future__ import annotations

import copy
import json

import pytest

from engine.runtime import Actor
from engine.services import records as record_service

CODES = ("field_label_changed", "layout_changed", "first_publish", "_changed", "/layout")


@pytest.fixture
def crm(client, app):
    assert client.post("/api/app-templates/install", json={"template": "crm"}).status_code == 201
    rt = app.extensions["formflow"]
    for name, phone in (("Acosta-Payne", "13800000001"), ("Big Acosta", "13800000002"), ("No phone", None)):
        record_service.create_record(rt, Actor.system(), "crm", "customer", {"name": name, **({"phone": phone} if phone else {})})
    return client


def _on_screen(client):
    draft = copy.deepcopy(client.get("/api/apps/crm/forms/customer/draft").get_json()["definition"])
    for f in draft["fields"]:
        if f["id"] == "name":
            f["label"] = {"en": "Company", "zh-CN": "公司名称"}
        if f["id"] == "phone":
            f["deleted"] = True
    for s in draft["layout"]["sections"]:
        if "phone" in s["fields"]:
            s["fields"].remove("phone")
    draft["layout"]["sections"][0]["fields"].reverse()
    draft.setdefault("rules", []).append({"id": "r_vip", "name": "VIP only", "when": "level == 'key'",
                                          "effects": [{"field": "need", "visible": True}]})
    return draft


@pytest.mark.parametrize("locale, renamed, deleted, rule, layout", [
    ("en", "Field 'Customer name' renamed to 'Company'", "Field 'Phone' deleted — 2 records have a value",
     "Rule 'VIP only' added · applies to 3 records", "Field order changed in section 'Basic information'"),
    ("zh-CN", "字段“客户名称”改名为“公司名称”", "删除字段“电话”——2 条记录有值", "新增规则“VIP only” · 涉及 3 条记录",
     "分组“基本信息”中的字段顺序已修改")])
def test_the_diff_of_what_is_on_screen_reads_as_sentences(crm, locale, renamed, deleted, rule, layout):
    answer = crm.post("/api/apps/crm/forms/customer/diff/readable", json={"definition": _on_screen(crm), "locale": locale})
    assert answer.status_code == 200, answer.get_json()
    groups = {g["group"]: g for g in answer.get_json()["groups"]}
    fields = {i["text"]: i["records"] for i in groups["fields"]["items"]}
    assert fields[renamed] == 3
    assert fields[deleted] == 2
    assert [i["text"] for i in groups["rules"]["items"]] == [rule]
    assert layout in [i["text"] for i in groups["layout"]["items"]]
    assert not any(code in json.dumps(answer.get_json(), ensure_ascii=False) for code in CODES)
    # the saved draft has none of it: the same question without the screen's state says nothing changed
    saved = crm.post("/api/apps/crm/forms/customer/diff/readable", json={"locale": locale}).get_json()
    assert saved["groups"] == []


def test_bad_input_names_the_path(crm):
    bad = crm.post("/api/apps/crm/forms/customer/diff/readable", json={"locale": "fr"})
    assert bad.status_code == 422 and "/locale" in str(bad.get_json())
    bad = crm.post("/api/apps/crm/forms/customer/diff/readable", json={"definition": {"fields": "x"}})
    assert bad.status_code == 422 and "/definition" in str(bad.get_json())


@pytest.mark.parametrize("locale, added, retyped", [
    ("en", "Field 'WeChat ID' added (Single line text)", "Field 'Remarks' changes type from Multi-line text to Single line text"),
    ("zh-CN", "新增字段“客户微信”（单行文本）", "字段“备注”的类型由多行文本改为单行文本")])
def test_a_field_type_reads_as_the_palette_names_it(crm, locale, added, retyped):
    draft = copy.deepcopy(crm.get("/api/apps/crm/forms/customer/draft").get_json()["definition"])
    draft["fields"].append({"id": "wechat_id", "type": "text", "label": {"en": "WeChat ID", "zh-CN": "客户微信"}})
    draft["layout"]["sections"][0]["fields"].append("wechat_id")
    next(f for f in draft["fields"] if f["id"] == "remarks")["type"] = "text"
    answer = crm.post("/api/apps/crm/forms/customer/diff/readable", json={"definition": draft, "locale": locale})
    assert answer.status_code == 200, answer.get_json()
    texts = [i["text"] for g in answer.get_json()["groups"] for i in g["items"]]
    assert added in texts, texts
    assert any(t.startswith(retyped) for t in texts), texts
