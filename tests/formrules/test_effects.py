"""Field effects enforced by the server on every write (visible, required, read-only, allowed options,
set value, sub-table rows), and bad rules refused at publish with the rule, path and position."""
import copy

import pytest

from engine.errors import DefinitionInvalid, ValidationFailed
from engine.services import forms as fs, records as rs

DEAL = {
    "key": "deal", "label": "Deal",
    "fields": [
        {"id": "stage", "type": "select", "options": {"choices": [{"value": "lead"}, {"value": "won"}, {"value": "lost"}]}},
        {"id": "amount", "type": "number"},
        {"id": "reason", "type": "text", "label": "Lost reason"},
        {"id": "locked", "type": "boolean"},
        {"id": "note", "type": "text"},
        {"id": "score", "type": "number"},
        {"id": "priority", "type": "select", "options": {"choices": [{"value": "low"}, {"value": "mid"}, {"value": "high"}]}},
        {"id": "old", "type": "text", "deleted": True},
        {"id": "items", "type": "subtable", "options": {"fields": [
            {"id": "product", "type": "text"}, {"id": "qty", "type": "number"}, {"id": "discount", "type": "number"}]}},
    ],
    "rules": [
        {"id": "r1", "name": "lost needs a reason", "when": "stage == 'lost'", "effects": [{"field": "reason", "visible": True, "required": True}]},
        {"id": "r2", "name": "lock amount", "when": "locked == true", "effects": [{"field": "amount", "readonly": True}]},
        {"id": "r3", "name": "won is high priority", "when": "stage == 'won'", "effects": [
            {"field": "priority", "options": ["high"]}, {"field": "note", "value": "closed"}, {"field": "score", "formula": "(amount ?? 0) * 2"}]},
        {"id": "r4", "name": "bulk discount", "subtable": "items", "when": "qty != null and qty > 10",
         "effects": [{"field": "discount", "visible": True, "required": True}]},
        {"id": "r5", "name": "big deal", "when": "amount > 1000", "effects": [{"field": "note", "readonly": True}]},
    ],
    "validations": [
        {"id": "v1", "name": "positive", "condition": "amount == null or amount >= 0", "message": "no negative deals"},
    ],
}


def publish(rt, actor, definition):
    fs.create_app(rt, actor, "sales", "Sales")
    fs.create_form(rt, actor, "sales", definition)
    return fs.publish_form(rt, actor, "sales", definition["key"])


@pytest.fixture
def deals(rt, system):
    publish(rt, system, DEAL)
    return rt


def test_visible_and_required_follow_the_rule(deals, system):
    rec = rs.create_record(deals, system, "sales", "deal", {"stage": "lead", "reason": "too pricey"})
    assert "reason" not in rec["data"]
    with pytest.raises(ValidationFailed) as info:
        rs.create_record(deals, system, "sales", "deal", {"stage": "lost"})
    assert [(e.path, e.code, e.label) for e in info.value.errors] == [("/data/reason", "required", "Lost reason")]
    assert rs.create_record(deals, system, "sales", "deal", {"stage": "lost", "reason": "price"})["data"]["reason"] == "price"


def test_read_only_field_changed_through_the_api_is_refused(deals, system):
    with pytest.raises(ValidationFailed) as info:  # a new record counts as a change from empty
        rs.create_record(deals, system, "sales", "deal", {"amount": 5, "locked": True})
    assert [(e.path, e.code) for e in info.value.errors] == [("/data/amount", "read_only")]
    rec = rs.create_record(deals, system, "sales", "deal", {"amount": 5})
    rs.update_record(deals, system, "sales", "deal", rec["id"], {"locked": True})
    rs.update_record(deals, system, "sales", "deal", rec["id"], {"amount": 5, "stage": "lead"})  # unchanged value is fine
    with pytest.raises(ValidationFailed) as info:
        rs.update_record(deals, system, "sales", "deal", rec["id"], {"amount": 6})
    assert [(e.path, e.code) for e in info.value.errors] == [("/data/amount", "read_only")]
    rs.update_record(deals, system, "sales", "deal", rec["id"], {"locked": False})
    assert rs.update_record(deals, system, "sales", "deal", rec["id"], {"amount": 6})["data"]["amount"] == 6


def test_allowed_options_and_set_values(deals, system):
    with pytest.raises(ValidationFailed) as info:
        rs.create_record(deals, system, "sales", "deal", {"stage": "won", "priority": "low", "amount": 10})
    assert [(e.path, e.code) for e in info.value.errors] == [("/data/priority", "not_allowed")]
    rec = rs.create_record(deals, system, "sales", "deal", {"stage": "won", "priority": "high", "amount": 10, "note": "typed"})
    assert rec["data"]["note"] == "closed" and rec["data"]["score"] == 20


def test_rules_apply_inside_sub_table_rows(deals, system):
    with pytest.raises(ValidationFailed) as info:
        rs.create_record(deals, system, "sales", "deal", {"items": [{"product": "a", "qty": 2}, {"product": "b", "qty": 20}]})
    assert [(e.path, e.code) for e in info.value.errors] == [("/data/items/1/discount", "required")]
    rec = rs.create_record(deals, system, "sales", "deal", {"items": [{"product": "a", "qty": 2, "discount": 5},
                                                                       {"product": "b", "qty": 20, "discount": 3}]})
    assert rec["data"]["items"] == [{"product": "a", "qty": 2, "discount": None}, {"product": "b", "qty": 20, "discount": 3}]


def test_hidden_values_kept_when_the_form_says_so(rt, system):
    keep = copy.deepcopy(DEAL)
    keep["settings"] = {"hidden_values": "keep"}
    publish(rt, system, keep)
    assert rs.create_record(rt, system, "sales", "deal", {"stage": "lead", "reason": "kept"})["data"]["reason"] == "kept"


def test_a_rule_that_cannot_be_evaluated_is_false_not_a_500(deals, system):
    rec = rs.create_record(deals, system, "sales", "deal", {"note": "x"})  # amount > 1000 on an empty amount: not evaluable
    assert rec["data"]["note"] == "x"
    with pytest.raises(ValidationFailed) as info:
        rs.create_record(deals, system, "sales", "deal", {"amount": -1})
    assert [(e.path, e.message) for e in info.value.errors] == [("/data", "no negative deals")]


BAD_RULES = [
    ("unknown field", {"when": "stag == 'lost'"}, "/rules/0/when", "did you mean 'stage'", 0),
    ("deleted field", {"when": "old == 'x'"}, "/rules/0/when", "deleted", 0),
    ("wrong types", {"when": "amount == 'ten'"}, "/rules/0/when", "", None),
    ("too long", {"when": "amount > 1 or " * 200 + "true"}, "/rules/0/when", "longer than 2000", 2000),
    ("catastrophic regex", {"when": "note =~ '(a+)+$'"}, "/rules/0/when", "nested repetition", 9),
    ("deep nesting", {"when": "(" * 40 + "true" + ")" * 40}, "/rules/0/when", "nests deeper", 32),
]


@pytest.mark.parametrize("what,change,path,words,position", BAD_RULES, ids=[b[0] for b in BAD_RULES])
def test_bad_rules_are_refused_at_publish_with_path_and_position(rt, system, what, change, path, words, position):
    bad = copy.deepcopy(DEAL)
    bad["rules"] = [{"id": "x", "name": "broken", "effects": [{"field": "reason", "visible": True}], **change}]
    fs.create_app(rt, system, "sales", "Sales")
    fs.create_form(rt, system, "sales", bad)
    with pytest.raises(DefinitionInvalid) as info:
        fs.publish_form(rt, system, "sales", "deal")
    [error] = info.value.errors
    assert error.path == path and "'broken'" in error.message and words in error.message
    assert error.extra.get("rule") == "broken"
    if position is not None:
        assert error.extra["position"] == position


def test_effect_on_an_unknown_field_is_refused(rt, system):
    bad = copy.deepcopy(DEAL)
    bad["rules"][2]["effects"][0] = {"field": "ghost", "visible": False}
    bad["validations"][0]["fields"] = ["old"]
    fs.create_app(rt, system, "sales", "Sales")
    fs.create_form(rt, system, "sales", bad)
    with pytest.raises(DefinitionInvalid) as info:
        fs.publish_form(rt, system, "sales", "deal")
    assert {e.path for e in info.value.errors} == {"/rules/2/effects/0/field", "/validations/0/fields/0"}


def test_bad_rule_over_rest_is_a_422_naming_rule_and_position(client, app):
    from tests.formrules.scenario import api_headers

    h = api_headers(app.extensions["formflow"])
    assert client.post("/api/apps", json={"key": "sales", "label": "Sales"}, headers=h).status_code == 201
    bad = copy.deepcopy(DEAL)
    bad["rules"] = [{"id": "x", "name": "broken", "when": "amount > 1 and stag == 'x'", "effects": [{"field": "reason", "visible": True}]}]
    assert client.post("/api/apps/sales/forms", json=bad, headers=h).status_code == 201
    resp = client.post("/api/apps/sales/forms/deal/publish", headers=h)
    assert resp.status_code == 422
    [error] = resp.get_json()["error"]["errors"]
    assert error["path"] == "/rules/0/when" and error["rule"] == "broken" and error["position"] == 15 and error["column"] == 16


def test_rules_see_what_records_see_the_published_referenced_form(rt, system):
    from tests.formrules import scenario

    scenario.install(rt, system)
    customer = copy.deepcopy(scenario.CUSTOMER)
    customer["fields"] += scenario.CUSTOMER_ROLLUPS + [{"id": "vip", "type": "boolean"}]
    fs.save_draft(rt, system, "crm", "customer", customer)  # saved, not published
    follow_up = copy.deepcopy(scenario.FOLLOW_UP)
    follow_up["rules"].append({"id": "r2", "name": "vip", "when": "customer&.vip == true", "effects": [{"field": "content", "required": True}]})
    fs.save_draft(rt, system, "crm", "follow_up", follow_up)
    with pytest.raises(DefinitionInvalid) as info:
        fs.publish_form(rt, system, "crm", "follow_up")
    assert [e.path for e in info.value.errors] == ["/rules/1/when"]
    fs.publish_form(rt, system, "crm", "customer")
    fs.publish_form(rt, system, "crm", "follow_up")
    cid = rs.create_record(rt, system, "crm", "customer", {"name": "V", "vip": True})["id"]
    with pytest.raises(ValidationFailed) as info:
        rs.create_record(rt, system, "crm", "follow_up", {"customer": cid})
    assert [e.path for e in info.value.errors] == ["/data/content"]


def test_dry_run_reports_sub_table_rows(deals, system):
    from engine.dryrun import dry_run

    out = dry_run(deals, system, "sales", "deal", {"items": [{"product": "a", "qty": 2}, {"product": "b", "qty": 20}]})
    assert not out["valid"] and [e["path"] for e in out["errors"]] == ["/data/items/1/discount"]
    assert [row["visible"] for row in out["rows"]["items"]] == [{"discount": False}, {"discount": True}]
    assert [r["matched"] for row in out["rows"]["items"] for r in row["rules"]] == [False, True]
