"""The API's own refusals of a request's shape (issue 21, point 8) read in Chinese for a zh-CN caller, the top-level
message as well as each item, each with its message code; an English caller keeps the English words; the web layer's
own answers (no such address, wrong method) follow the caller's language too. SQLite and PostgreSQL."""
from __future__ import annotations

import re

import pytest
from marshmallow import fields, validate

from engine import i18n
from engine.api import refusals
from tests.api.test_error_codes_corpus import english_words
from tests.core.sample import CUSTOMER

ZH = {"Accept-Language": "zh-CN"}
#: a Chinese character: a message in Chinese has some
HAN = re.compile(r"[\u4e00-\u9fff]")
FORM = "/api/apps/crm/forms/customer"

#: (method, url, JSON body or None, the status, the top-level message code, the first item's path)
BAD_REQUESTS = [
    ("POST", FORM + "/field-usage", [1, 2], 422, "error.body.not_object", "/"),
    ("POST", FORM + "/field-usage", {"field": ""}, 422, "error.body.member_not_text", "/field"),
    ("POST", FORM + "/field-key", {"label": "Name", "taken": [1]}, 422, "error.body.member_not_keys", "/taken"),
    ("POST", FORM + "/diff/readable", {"locale": "fr"}, 422, "error.locale.unknown", "/locale"),
    ("POST", FORM + "/dry-run", {"data": {}, "as_submitted": "yes"}, 422, "error.body.member_not_boolean", "/as_submitted"),
    ("POST", FORM + "/dry-run", {"record_id": 0}, 422, "error.body.member_not_record_id", "/record_id"),
    ("GET", FORM + "/records/table?per_page=0", None, 422, "error.table.query_invalid", "/per_page"),
    ("GET", FORM + "/records/table?filter.nope=1", None, 422, "error.table.query_invalid", "/filter.nope"),
    ("GET", FORM + "/records/table?where=%7Bnot", None, 422, "error.table.where_not_json", "/where"),
    ("GET", "/api/admin/audit?limit=0&since=yesterday", None, 422, "error.audit.filters_invalid", "/limit"),
    ("GET", "/api/users?search=" + "x" * 101, None, 422, "error.body.search_too_long", "/search"),
    ("GET", FORM + "/field-access?role=Not-A-Key", None, 422, "error.role.not_a_key", "/role"),
    ("POST", "/api/apps", {"key": "Bad Key", "label": {"en": "X"}, "extra": 1}, 422, "error.body.invalid", "/key"),
]


@pytest.fixture
def crm(client):
    assert client.post("/api/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201
    assert client.post("/api/apps/crm/forms", json=CUSTOMER).status_code == 201
    assert client.post("/api/apps/crm/forms/customer/publish").status_code == 201
    return client


def _send(client, method, url, body, headers=None):
    return client.open(url, method=method, json=body, headers=headers or {})


@pytest.mark.parametrize("method,url,body,status,code,path", BAD_REQUESTS, ids=[r[4] + ":" + r[5] for r in BAD_REQUESTS])
def test_a_refused_request_reads_in_chinese_with_its_codes(crm, method, url, body, status, code, path):
    r = _send(crm, method, url, body, ZH)
    assert r.status_code == status, r.get_json()
    error = r.get_json()["error"]
    assert error["message_code"] == code and HAN.search(error["message"]), error
    assert error["message"] == i18n.render(code, "zh-CN", _params(error)), error
    items = {e["path"]: e for e in error["errors"]}
    assert path in items, error
    for item in error["errors"]:
        assert item.get("message_code") and i18n.has_text(item["message_code"], "zh-CN"), item
        assert HAN.search(item["message"]) and item["message"] != i18n.render(item["message_code"], "en", item["params"]), item
    english = _send(crm, method, url, body)
    assert english.get_json()["error"]["message"] == i18n.render(code, "en", _params(english.get_json()["error"]))


def _params(error: dict) -> dict:
    """The top-level message's params as the first item carries them (the refusals give both the same values)."""
    first = (error.get("errors") or [{}])[0]
    return {"name": first.get("path", "").strip("/"), **first.get("params", {})}


def test_the_web_layers_own_answers_follow_the_callers_language(crm):
    missing = crm.get("/api/no-such-thing", headers=ZH)
    assert missing.status_code == 404 and missing.get_json()["error"]["message"] == i18n.render("error.not_found", "zh-CN")
    assert crm.get("/api/no-such-thing").get_json()["error"]["message"] != i18n.render("error.not_found", "zh-CN")
    wrong = crm.open("/api/apps", method="PATCH", headers=ZH)
    assert wrong.status_code == 405 and wrong.get_json()["error"]["message"] == i18n.render("error.method_not_allowed", "zh-CN")
    stale = crm.put(FORM + "/draft", json=crm.get(FORM + "/draft").get_json()["definition"], headers={**ZH, "If-Match": "soon"})
    assert stale.status_code == 412 and stale.get_json()["error"]["message"] == i18n.render("error.headers.if_match", "zh-CN")


def _marshmallow_messages() -> list[str]:
    """Every refusal text marshmallow can give on load (each field's and each validator's default error messages), with
    its placeholders filled as marshmallow fills them."""
    fill = {"input": "x", "obj_type": "datetime", "awareness": "aware", "choices": "a, b", "values": "a, b", "other": "1",
            "min": 1, "max": 5, "equal": 3, "min_op": "greater than", "max_op": "less than"}
    texts = {text for cls in vars(fields).values() if isinstance(cls, type) and issubclass(cls, fields.Field)
             for klass in cls.__mro__ for text in getattr(klass, "default_error_messages", {}).values()}
    texts |= {"Invalid input type.", "Unknown field.", "is not a known setting"}
    for cls in (validate.ContainsNoneOf, validate.ContainsOnly, validate.Email, validate.Equal, validate.NoneOf, validate.OneOf,
                validate.Predicate, validate.Regexp, validate.URL):
        texts.add(cls.default_message)
    texts |= {validate.Length.message_all, validate.Length.message_equal, validate.Length.message_max, validate.Length.message_min}
    for low in ("greater than", "greater than or equal to"):
        for high in ("less than", "less than or equal to"):
            texts.add(validate.Range.message_all.format(min_op=low, max_op=high))
            texts |= {validate.Range.message_min.format(min_op=low), validate.Range.message_max.format(max_op=high)}
    return sorted({t.format(**fill) for t in texts})


@pytest.mark.parametrize("message", _marshmallow_messages())
def test_every_marshmallow_refusal_has_a_code_and_reads_in_chinese(message):
    item = refusals.library_item(message, "/x")
    generic = message in ("Invalid value.", "Invalid input.")
    assert item.message_code and (generic or item.message_code != "error.code.invalid"), message
    zh = item.localized("zh-CN")
    # the JSON literals an API caller sends (true, false, null) are said as they are typed
    assert HAN.search(zh) and english_words(zh, {"x", "a", "b", "datetime", "true", "false", "null"}) == [], (message, zh)
