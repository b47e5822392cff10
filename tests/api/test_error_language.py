"""Errors in the caller's language: each item keeps its English ``message`` for API clients that ask for nothing, and
reads in Chinese for a caller whose Accept-Language (or, without one, saved profile language) is zh-CN; the message
code and params travel with it. SQLite and PostgreSQL (the ``app`` fixture is parametrised over both)."""
from __future__ import annotations

from engine.runtime import Actor
from engine.services import credentials, users
from tests.core.sample import CUSTOMER

RECORDS = "/api/apps/crm/forms/customer/records"


def _build(client):
    assert client.post("/api/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201
    assert client.post("/api/apps/crm/forms", json=CUSTOMER).status_code == 201
    assert client.post("/api/apps/crm/forms/customer/publish").status_code == 201


def _errors(response) -> dict[str, dict]:
    assert response.status_code == 422, response.get_json()
    return {e["path"]: e for e in response.get_json()["error"]["errors"]}


def test_english_without_a_language_and_chinese_when_asked(client):
    _build(client)
    bad = {"data": {"name": None, "employees": "many", "nope": 1}}
    plain = _errors(client.post(RECORDS, json=bad))
    assert plain["/data/name"]["message"] == "is required"
    assert plain["/data/name"]["message_code"] == "error.field.required"
    assert plain["/data/nope"]["message"] == "'nope' is not a field of this form"

    zh = client.post(RECORDS, json=bad, headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    items = _errors(zh)
    assert items["/data/name"]["message"] == "为必填项"
    assert items["/data/name"]["code"] == "required" and items["/data/name"]["field_id"] == "name"
    assert items["/data/nope"]["message"] == "'nope' 不是此表单的字段"
    assert items["/data/employees"]["message"].startswith("应为")
    # the record service's top-level text has no code yet: what kind of error, then the items in Chinese
    assert zh.get_json()["error"]["message"].startswith("部分内容填写有误。（")
    assert "为必填项" in zh.get_json()["error"]["message"]

    english = _errors(client.post(RECORDS, json=bad, headers={"Accept-Language": "en-US,en;q=0.9"}))
    assert english["/data/name"]["message"] == "is required"


def test_not_found_reads_in_chinese(client):
    _build(client)
    r = client.get(RECORDS + "/999999", headers={"Accept-Language": "zh-CN"})
    assert r.status_code == 404
    body = r.get_json()["error"]
    assert body["message"] == "表单 'customer' 中不存在记录 999999" and body["message_code"] == "error.record.not_in_form"
    assert client.get(RECORDS + "/999999").get_json()["error"]["message"] != "未找到：不存在或已被删除。"


def test_the_saved_language_applies_without_a_header(app, client):
    _build(client)
    rt = app.extensions["formflow"]
    wang = users.create_user(rt, Actor.system(), "wang", display_name="Wang", roles=["admin"], locale="zh-CN", check=False)
    token = credentials.create_token(rt, Actor.user(wang["id"]), "tests")["token"]
    r = app.test_client().post(RECORDS, json={"data": {"name": ""}}, headers={"Authorization": f"Bearer {token}"})
    assert _errors(r)["/data/name"]["message"] == "为必填项"


def test_an_item_labels_its_field_with_a_text_when_the_label_names_other_languages(client):
    """A definition may give a label in any language code; an error item's ``label`` is still one text (the spec's
    string), in every reader's language: schemathesis met {"nu": "", "tq": ""} coming back as the label."""
    form = {"key": "odd", "label": {"en": "Odd", "zh-CN": "怪"}, "fields": [
        {"id": "qty", "type": "number", "label": {"nu": "", "tq": "Qty"}},
        {"id": "blank", "type": "number", "label": {"nu": ""}}]}
    assert client.post("/api/apps", json={"key": "odd", "label": {"en": "Odd"}}).status_code == 201
    assert client.post("/api/apps/odd/forms", json=form).status_code == 201
    assert client.post("/api/apps/odd/forms/odd/publish").status_code == 201
    for language in ("en", "zh-CN"):
        items = _errors(client.post("/api/apps/odd/forms/odd/records", json={"data": {"qty": "abc", "blank": "x"}},
                                    headers={"Accept-Language": language}))
        assert (items["/data/qty"]["label"], items["/data/blank"]["label"]) == ("Qty", ""), items
