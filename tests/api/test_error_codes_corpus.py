"""A corpus of bad inputs driven through the API with ``Accept-Language: zh-CN``: every error item the UI shows comes with
its ``message_code`` and reads in Chinese (issue 21: "every server error message used by the UI has a zh-CN text").
Covers the definition's shape (the meta-schema's refusals), the field types' option checks (choices, stars, region depth, pattern, serial format, roll-up, sub-table), the
password policy, the template preview's language, saved views, record queries (a refused filter value's reason too),
web form links and roles. SQLite and PostgreSQL (``app`` is parametrised)."""
from __future__ import annotations

import re

import pytest

from engine import i18n
from engine.runtime import Actor
from engine.services import users

ZH = {"Accept-Language": "zh-CN"}
#: a Chinese character: a message in Chinese has some
HAN = re.compile(r"[\u4e00-\u9fff]")


def _field(fid: str, ftype: str, **options) -> dict:
    return {"id": fid, "type": ftype, "label": {"en": fid, "zh-CN": fid}, **({"options": options} if options else {})}


#: (field definition, the path of its refusal under the field, the message code expected there)
BAD_FIELDS = [
    (_field("kind", "select", choices=[{"value": "a"}, {"value": "a"}]), "options/choices", "error.options.duplicate_choice"),
    (_field("stars", "rating", max=99), "options/max", "error.schema.maximum"),  # the meta-schema says it first
    (_field("place", "region", level="street"), "options/level", "error.schema.enum"),
    (_field("stars", "rating", max=True), "options/max", "error.schema.type"),
    ({"type": "text", "label": "no id"}, "", "error.schema.required"),
    (_field("code", "text", pattern="(?=a)b"), "options/pattern", "error.pattern.refused_at"),
    (_field("no", "serial", format="A-{XX}-{0000}"), "options/format", "error.serial.unknown_token"),
    (_field("no2", "serial", format="A-{0000}-{0000}"), "options/format", "error.serial.one_counter"),
    (_field("total", "rollup", form="nowhere", via="customer", field="amount", aggregate="sum"), "options/form",
     "error.options.unknown_form"),
    (_field("lines", "subtable", fields=[_field("a", "text"), _field("a", "text")]), "options/fields/1/id",
     "error.definition.duplicate_id"),
    (_field("lines2", "subtable", fields=[_field("inner", "subtable", fields=[_field("x", "text")])]), "options/fields/0/type",
     "error.options.subtable_type"),
]


def _assert_chinese(item: dict) -> None:
    assert item.get("message_code"), item
    assert i18n.has_text(item["message_code"], "zh-CN"), item
    assert HAN.search(item["message"]), item
    assert item["message"] != i18n.render(item["message_code"], "en", item.get("params")), item


@pytest.mark.parametrize("field,suffix,code", BAD_FIELDS, ids=[f[0]["type"] + ":" + f[2] for f in BAD_FIELDS])
def test_a_refused_field_option_reads_in_chinese_with_its_code(client, field, suffix, code):
    assert client.post("/api/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201
    r = client.post("/api/apps/crm/forms", json={"key": "lead", "label": {"en": "Lead"}, "fields": [field]}, headers=ZH)
    assert r.status_code == 422, r.get_json()
    items = {e["path"]: e for e in r.get_json()["error"]["errors"]}
    path = "/fields/0" + (f"/{suffix}" if suffix else "")
    item = items[path]
    assert item["message_code"] == code
    _assert_chinese(item)
    assert HAN.search(r.get_json()["error"]["message"])
    english = client.post("/api/apps/crm/forms", json={"key": "lead", "label": {"en": "Lead"}, "fields": [field]})
    assert {e["path"]: e for e in english.get_json()["error"]["errors"]}[path]["message"] == \
        i18n.render(code, "en", item["params"])


@pytest.mark.parametrize("password,reason", [("short", "too_short"), ("password123", "common")])
def test_a_refused_password_reads_in_chinese_with_its_code(app, client, password, reason):
    member = users.create_user(app.extensions["formflow"], Actor.system(), "wang", display_name="Wang", check=False)
    r = client.put(f"/api/users/{member['id']}/password", json={"password": password}, headers=ZH)
    assert r.status_code == 422, r.get_json()
    (item,) = r.get_json()["error"]["errors"]
    assert item["message_code"] == f"error.password.{reason}" and item["reason"] == reason
    _assert_chinese(item)


@pytest.mark.parametrize("body,path,code", [
    ({"username": "x", "display_name": "X"}, "/username", "error.user.username"),
    ({"username": "zhou", "display_name": "  ", "email": "nope"}, "/email", "error.user.email"),
    ({"username": "zhou", "display_name": "  "}, "/display_name", "error.value.blank"),
    ({"username": "zhou", "display_name": "Zhou", "locale": "fr"}, "/locale", "error.options.one_of"),
])
def test_a_refused_user_reads_in_chinese_with_its_code(client, body, path, code):
    r = client.post("/api/users", json={**body, "password": "lantern meadow copper 31"}, headers=ZH)
    assert r.status_code == 422, r.get_json()
    item = {e["path"]: e for e in r.get_json()["error"]["errors"]}[path]
    assert item["message_code"] == code
    _assert_chinese(item)


def test_a_refused_template_names_its_language_part_and_reads_in_chinese(client):
    from tests.core.sample import CUSTOMER

    assert client.post("/api/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201
    assert client.post("/api/apps/crm/forms", json=CUSTOMER).status_code == 201
    assert client.post("/api/apps/crm/forms/customer/publish").status_code == 201
    content = {"default": {"body": "{{ record.name }}"}, "default.zh-CN": {"body": "请联系 {{ record.nope }}"},
               "default.fr": {"body": "x"}}
    r = client.post("/api/apps/crm/notification-templates", json={"key": "nudge", "form": "customer", "label": "Nudge",
                                                                  "content": content}, headers=ZH)
    assert r.status_code == 422, r.get_json()
    (item,) = r.get_json()["error"]["errors"]
    assert (item["path"], item["message_code"]) == ("/content/default.fr", "error.template.unknown_language")
    _assert_chinese(item)
    del content["default.fr"]
    r = client.post("/api/apps/crm/notification-templates", json={"key": "nudge", "form": "customer", "label": "Nudge",
                                                                  "content": content}, headers=ZH)
    (item,) = r.get_json()["error"]["errors"]
    assert (item["path"], item["message_code"], item["line"]) == ("/content/default.zh-CN/body", "error.template.no_field", 1)
    _assert_chinese(item)
    assert "nope" in item["message"]


def _crm_with_customers(client) -> None:
    from tests.core.sample import CUSTOMER

    assert client.post("/api/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201
    assert client.post("/api/apps/crm/forms", json=CUSTOMER).status_code == 201
    assert client.post("/api/apps/crm/forms/customer/publish").status_code == 201


def _items(r) -> dict[str, dict]:
    return {e["path"]: e for e in r.get_json()["error"]["errors"]}


def test_a_refused_saved_view_reads_in_chinese_with_its_codes(client):
    _crm_with_customers(client)
    definition = {"type": "chart", "page_size": 0, "filters": [{"field": "nope", "op": "eq", "value": 1}], "extra": 1}
    r = client.post("/api/apps/crm/forms/customer/views", json={"name": "Mine", "definition": definition}, headers=ZH)
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["error"]["message"] == "视图无效"
    items = _items(r)
    for path, code in (("/definition/type", "error.view.type"), ("/definition/page_size", "error.view.page_size"),
                       ("/definition/filters/0/field", "error.field.unknown"), ("/definition/extra", "error.view.unknown_key")):
        assert items[path]["message_code"] == code
        _assert_chinese(items[path])
    r = client.delete("/api/apps/crm/forms/customer/views/999", headers=ZH)
    assert r.status_code == 404 and r.get_json()["error"]["message"] == "视图 999 不存在"


def test_a_refused_record_query_says_why_in_chinese(client):
    _crm_with_customers(client)
    r = client.get("/api/apps/crm/forms/customer/records?filter=name:bogus:1", headers=ZH)
    assert r.status_code == 422, r.get_json()
    item = _items(r)["/filters/0/op"]
    assert item["message_code"] == "error.query.unknown_operator"
    _assert_chinese(item)
    r = client.get("/api/apps/crm/forms/customer/records?filter=id:gt:abc", headers=ZH)
    item = _items(r)["/filters/0/value"]
    assert item["message_code"] == "error.query.bad_value" and "不是整数" in item["message"]  # the value's reason too


def test_a_refused_web_form_link_and_role_read_in_chinese(client):
    _crm_with_customers(client)
    r = client.post("/api/apps/crm/web-forms", json={"form": "customer", "settings": {"bogus": 1, "fields": ["nope"]}}, headers=ZH)
    assert r.status_code == 422, r.get_json()
    items = _items(r)
    assert items["/settings/bogus"]["message_code"] == "error.web_form.unknown_setting"
    assert items["/settings/fields/0"]["message_code"] == "error.options.not_field_of_form"
    for item in items.values():
        _assert_chinese(item)
    assert r.get_json()["error"]["message"] == "网页表单设置无效"
    r = client.delete("/api/roles/admin", headers=ZH)
    assert r.status_code == 409, r.get_json()
    assert r.get_json()["error"]["message"] == "内置角色 'admin' 不能删除"
    _assert_chinese(_items(r)["/role"])
