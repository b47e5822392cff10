"""A corpus of bad inputs driven through the API with ``Accept-Language: zh-CN``: every error item the UI shows comes with
its ``message_code`` and reads in Chinese (issue 21: "every server error message used by the UI has a zh-CN text").
Covers the definition's shape (the meta-schema's refusals), the field types' option checks (choices, stars, region depth, pattern, serial format, roll-up, sub-table), the
password policy, the template preview's language, saved views, record queries (a refused filter value's reason too),
web form links and roles. SQLite and PostgreSQL (``app`` is parametrised)."""
from __future__ import annotations

import json
import re

import pytest

from engine import i18n
from engine.errors import FormflowError
from engine.notifications.channels import get_channel
from engine.notifications.netguard import check_url
from engine.templating.filters import SAFE_FILTERS
from tests.core.sample import CUSTOMER
from tests.notifications.test_templating import DATA, compile_
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


# ---------------------------------------------------------------- no English word inside a Chinese refusal

#: ASCII words a Chinese message may keep: names of formats and protocols, setting names a reader types as they are,
#: the template language's own syntax and the product's name
TECHNICAL_WORDS = {"JSON", "ID", "URL", "UUID", "IP", "IPv4", "IPv6", "http", "https", "CIDR", "Webhook", "WEBHOOK_ALLOWLIST",
                   "ssl", "starttls", "is", "args", "kwargs", "attribute", "range", "sum", "start", "replace",
                   "YYYY", "YY", "MM", "DD", "YYYYMM", "YYYYMMDD", "field", "id", "T",
                   "true", "false", "null", "formflow"} | set(SAFE_FILTERS)  # the rule language's literals, the product
#: an ASCII word
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
#: a quoted part of a message: a key, an id or a value as the user typed it; a JSON path; template or format syntax;
#: a rule function ($is_empty)
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|“[^”]*”|(?<![\w])/[\w./-]+|\{%.*?%\}|\{\{.*?\}\}|\{[^{}]*\}|<[^<>]*>|\$\w+")

#: definitions refused at their shape or their options (the meta-schema's keywords, the types' own checks)
BAD_DEFINITIONS = [field for field, _, _ in BAD_FIELDS] + [
    {"id": "x", "type": "nosuch"},
    {"id": "x", "type": "text", "bogus": 1},
    {"id": "x", "type": "number", "options": {"precision": "two"}},
    {"id": "x", "type": "text", "label": 5},
    {"id": "x", "type": "subtable", "options": {"fields": [{"id": "y", "type": "subtable", "options": {"fields": []}}]}},
]
#: record values each field type refuses (wrong JSON type, a normalizer's refusal, a choice, an unknown field)
BAD_VALUES = [{"employees": "many"}, {"email": "nope"}, {"phone": "abc"}, {"phone": "1"}, {"revenue": "1.234"},
              {"revenue": "abc"}, {"level": "gold"}, {"since": "2026-13-45"}, {"active": "yes"}, {"bogus": 1},
              {"tags": "vip"}, {"name": 5}, {"employees": True}]
#: rule conditions the compiler refuses for the kinds of their values, one of each refusal that names a kind (a text
#: compared with a number, a date with a number, a list ordered, '? :' of two kinds, a text as a condition of 'and',
#: of '? :' and of a list's 'if', a text looked for among numbers, a number where true/false is needed)
BAD_RULES = ["name == 5", "since == 5", "tags == 1", "[1, 2] < [3]", "active ? 1 : 'a'", "name and true",
             "name ? true : false", "[x for x in tags if x]", "name in [1, 2]", "employees"]
#: request bodies marshmallow refuses
BAD_BODIES = [("POST", "/api/apps", {"key": "Bad Key", "label": 5, "extra": 1}),
              ("GET", "/api/apps/crm/forms/customer/records/table?per_page=0", None)]


def _typed(value) -> set[str]:
    """Every text a request carried (keys and values): what the user typed may come back in any language."""
    if isinstance(value, dict):
        return set().union(*(_typed(k) | _typed(v) for k, v in value.items())) if value else set()
    if isinstance(value, list):
        return set().union(*(_typed(v) for v in value)) if value else set()
    return {value if isinstance(value, str) else json.dumps(value)}


def english_words(message: str, typed: set[str] = frozenset()) -> list[str]:
    """The ASCII words left in a Chinese message once what the user typed and quoted keys, ids and values are out."""
    text = QUOTED.sub(" ", message)
    for value in sorted(typed, key=len, reverse=True):
        if value:
            text = re.sub(r"(?<![A-Za-z0-9_])" + re.escape(value) + r"(?![A-Za-z0-9_])", " ", text)
    return [w for w in WORD.findall(text) if w not in TECHNICAL_WORDS]


def _messages(error: dict) -> list[tuple[str, str]]:
    """(message code, message) of a refusal and each of its items."""
    return [(error.get("message_code", error["code"]), error["message"])] + [
        (e.get("message_code", e.get("code")), e["message"]) for e in error.get("errors", [])]


def _engine_refusals() -> list[tuple[str, str]]:
    """Refusals made below the API: the webhook address policy, channel settings, template syntax and rendering."""
    tries = [lambda url=url: check_url(url, resolver=lambda host, port: ["10.0.0.7"])
             for url in ("ftp://example.com/", "http://user:pw@example.com/", "http:///x", "http://exa mple.com/",
                         "http://example.com:99999/", "", "http://127.0.0.1/", "https://hooks.example.com/")]
    tries.append(lambda: get_channel("email", {"port": 99999, "colour": "red", "ssl": True, "starttls": True, "username": "u"}))
    tries += [lambda src=src: compile_(src).render(DATA) for src in (
        "{% if record.done %}", "{% for x in y %}{% endif %}", "{{ record.id ", "{{ }}", "{% %}", "{% frob %}",
        "{{ record.id ) }}", "{{ a.( }}", "{{ 'abc }}", "{{ 1 is number is odd }}", "{% set 1 = 2 %}", "{{ record.id|nofilter }}",
        "{% macro m() %}{% endmacro %}", "{{ 1 / 0 }}", "{{ '%s' % 1 }}", "{{ 2 ** 99999 }}", "{% include 'x' %}",
        "{{ record.content.upper() }}", "{{ record.lines.amount }}", "{{ now.year }}", "{{ record[0] }}")]
    out = []
    for attempt in tries:
        with pytest.raises(FormflowError) as info:
            attempt()
        out += _messages(info.value.to_dict("zh-CN"))
    return out


def test_no_english_word_in_a_chinese_refusal(client):
    """Every coded refusal of a corpus (definitions, record values, request bodies, webhook addresses, channel settings,
    templates) read in zh-CN keeps no English word but what the user typed, a quoted key or id, or a technical name: a
    field type, an object kind, a JSON type or Jinja's own words are said in Chinese."""
    _crm_with_customers(client)
    seen: list[tuple[str, str, set[str]]] = []
    for field in BAD_DEFINITIONS:
        body = {"key": "lead", "label": {"en": "Lead"}, "fields": [field]}
        r = client.post("/api/apps/crm/forms", json=body, headers=ZH)
        assert r.status_code == 422, r.get_json()
        seen += [(code, message, _typed(body)) for code, message in _messages(r.get_json()["error"])]
    for data in BAD_VALUES:
        r = client.post("/api/apps/crm/forms/customer/records", json={"data": {"name": "Acme", **data}}, headers=ZH)
        assert r.status_code == 422, (data, r.get_json())
        seen += [(code, message, _typed(data) | _typed(CUSTOMER)) for code, message in _messages(r.get_json()["error"])]
    for method, url, body in BAD_BODIES:
        r = client.open(url, method=method, json=body, headers=ZH)
        assert r.status_code == 422, r.get_json()
        seen += [(code, message, _typed(body) | set(re.findall(r"[a-z_]+", url.split("?")[-1])))
                 for code, message in _messages(r.get_json()["error"])]
    for i, text in enumerate(BAD_RULES):
        rule = {"id": "r1", "name": {"en": "Check", "zh-CN": "检查"}, "when": text, "effects": [{"field": "name", "required": True}]}
        body = {**CUSTOMER, "key": f"lead{i}", "rules": [rule]}
        assert client.post("/api/apps/crm/forms", json=body).status_code == 201
        r = client.post(f"/api/apps/crm/forms/lead{i}/publish", headers=ZH)  # rules compile at publish
        assert r.status_code == 422, (text, r.get_json())
        assert {e.get("detail_code") for e in r.get_json()["error"]["errors"]} & {"error.rule.compile." + c for c in (
            "never_equal", "order_kind", "ternary_mixed", "needs_boolean", "in_member_kind", "wrong_result")}, text
        seen += [(code, message, {text}) for code, message in _messages(r.get_json()["error"])]
    seen += [(code, message, {"Acme"}) for code, message in _duplicate_refusals(client)]
    seen += [(code, message, set()) for code, message in _engine_refusals()]
    assert len(seen) > 60
    left = {code: (message, words) for code, message, typed in seen if (words := english_words(message, typed))}
    assert left == {}, "say these in Chinese (catalogue texts, or params through i18n.texts / the catalogue): %r" % left


#: rules rule-engine itself refuses (its English exception text is never passed on): each with the code saying why, the
#: column it points at (None: the rule as a whole) and Chinese words the message must hold (a kind of value in zh-CN)
ENGINE_REFUSED_RULES = [
    ("employees @ 1", "illegal_character", 11, "字符"),                  # a syntax error: a character rules don't have
    ("name == 'Acme", "unclosed_text", 9, "没有结束"),                   # a syntax error: a text never closed
    ("$nosuch(1) > 0", "function_unavailable", 1, "不能使用"),          # calling an unknown function
    ("$abs(name) > 1", "argument_kind", 1, "应为数字，而不是文本"),     # a function's argument of the wrong kind
    ("$sum(tags) > 1", "argument_kind", 1, "应为数字列表，而不是文本列表"),
    ("$round(employees, 1, 2) > 1", "too_many_arguments", 1, "最多接受 2 个参数"),
    ("employees > name", "mixed_operands", 11, "数字和文本之间"),      # comparing a number with a text
    ("since + 1 > since", "mixed_operands", 7, "日期时间和数字之间"),
    ("name.nosuch == 'a'", "no_attribute", 5, "文本"),                   # an unknown attribute of a field's value
    ("employees.length > 1", "no_attribute", 10, "数字"),
    ("name['a'] == 'b'", "needs_whole_number", 1, "整数"),
    ("since == d'2024-13-01'", "invalid_date_literal", 12, "日期时间"),
]


@pytest.mark.parametrize("text,code,column,words", ENGINE_REFUSED_RULES, ids=[r[0] for r in ENGINE_REFUSED_RULES])
def test_a_rule_the_rule_engine_refuses_reads_in_chinese_at_its_place(client, text, code, column, words):
    """A rule refused by rule-engine's parser or type checks (a syntax error, an unknown or wrongly called function, two
    kinds compared, an unknown attribute) is said by its own code with what the admin typed and kinds in Chinese, at
    its line and column: no English sentence of rule-engine's inside the zh-CN message."""
    _crm_with_customers(client)
    rule = {"id": "r1", "name": {"en": "Check", "zh-CN": "检查"}, "when": text, "effects": [{"field": "name", "required": True}]}
    assert client.post("/api/apps/crm/forms", json={**CUSTOMER, "key": "lead", "rules": [rule]}).status_code == 201
    r = client.post("/api/apps/crm/forms/lead/publish", headers=ZH)  # rules compile at publish
    assert r.status_code == 422, (text, r.get_json())
    (item,) = [e for e in r.get_json()["error"]["errors"] if e.get("detail_code")]
    _assert_chinese(item)
    for code_, message in _messages(r.get_json()["error"]):
        assert english_words(message, {text}) == [], (text, code_, message)
    assert item["detail_code"] == "error.rule.compile." + code, (text, item)
    assert (item["line"], item["column"]) == (1, column), (text, item)
    assert words in item["message"] and "检查" in item["message"], (text, item["message"])


def _duplicate_refusals(client) -> list[tuple[str, str]]:
    """The duplicate check's refusal of a second 'Acme' by its rule named {en, zh-CN}: it names the form, the rule and
    the record (a form like the customer one, created with the check on)."""
    rules = [{"key": "same_name", "label": {"en": "Same customer name", "zh-CN": "客户名称相同"}, "fields": ["name"],
              "normalize": "company_name"}]
    body = {**CUSTOMER, "key": "account", "settings": {"duplicate_check": {"mode": "refuse", "rules": rules}}}
    assert client.post("/api/apps/crm/forms", json=body).status_code == 201
    assert client.post("/api/apps/crm/forms/account/publish").status_code == 201
    assert client.post("/api/apps/crm/forms/account/records", json={"data": {"name": "Acme"}}).status_code == 201
    r = client.post("/api/apps/crm/forms/account/records", json={"data": {"name": "Acme"}}, headers=ZH)
    assert r.status_code == 409, r.get_json()
    error = r.get_json()["error"]
    assert "客户" in error["message"] and "客户名称相同" in error["message"], error
    assert {e["path"]: e["label"] for e in error["errors"]} == {"/data/name": "名称"}
    assert "'客户名称相同'" in error["errors"][0]["message"]  # the item names the rule too, not its key
    return _messages(error)


def test_an_item_names_its_field_by_the_label_in_the_readers_language(client):
    """The automation editor and the generated form show an item's ``label``: a zh-CN reader reads the field's zh-CN
    label, an API client without a language the English one."""
    _crm_with_customers(client)
    for headers, label in ((ZH, "名称"), ({}, "Name")):
        r = client.post("/api/apps/crm/forms/customer/records", json={"data": {"name": 5}}, headers=headers)
        assert r.status_code == 422, r.get_json()
        assert _items(r)["/data/name"]["label"] == label
    r = client.post("/api/apps/crm/forms", json={**CUSTOMER, "key": "lead", "fields": [
        _field("kind", "select", choices=[{"value": "a"}, {"value": "a"}]) | {"label": {"en": "Kind", "zh-CN": "类型"}}]},
        headers=ZH)
    assert _items(r)["/fields/0/options/choices"]["label"] == "类型"  # a field type's option check


def test_the_english_word_check_sees_english_and_lets_typed_values_be():
    assert english_words("应为a number，收到的是 str \"x\"") == ["a", "number", "str"]
    assert english_words("'Acme' 不是可选项之一：gold, silver", {"gold", "silver"}) == []
    assert english_words("缺少 JSON 内容") == []
