"""The formula and roll-up editors' API (issue 21, point 6): what a formula can insert (functions with one line of
help in en and zh-CN) and which links a roll-up can follow (reference fields of other forms pointing at this form,
with their fields and each field's aggregates); the live check compiles an expression against the draft on screen
and answers the result type or the error with its position, and the value against a sample record (the latest
record, else the fields' defaults). Bad bodies are 422 naming the path. SQLite and PostgreSQL."""
from __future__ import annotations

import copy

import pytest

BASE = "/api/apps/crm/forms/customer"


@pytest.fixture
def crm(client):
    assert client.post("/api/app-templates/install", json={"template": "crm"}).status_code == 201
    return client


def test_sources_list_functions_with_help_and_reverse_links_with_aggregates(crm):
    answer = crm.get(BASE + "/formula-sources")
    assert answer.status_code == 200, answer.get_json()
    sources = answer.get_json()
    days = next(f for f in sources["functions"] if f["name"] == "days_between")
    assert days["signature"].startswith("$days_between(") and days["insert"] == "$days_between("
    assert days["help"]["en"] and days["help"]["zh-CN"] and days["help"]["en"] != days["help"]["zh-CN"]
    assert next(f for f in sources["functions"] if f["name"] == "now")["insert"] == "$now"
    link = next(k for k in sources["links"] if (k["form"], k["via"]) == ("opportunity", "customer"))
    assert link["form_label"]["zh-CN"] == "商机" and link["via_label"]["en"]
    by_id = {f["id"]: f for f in link["fields"]}
    assert by_id["amount"]["aggregates"] == ["sum", "min", "max", "latest"]      # money: a number
    assert by_id["closed_on"]["aggregates"] == ["min", "max", "latest"]          # a date: no sum
    assert by_id["name"]["aggregates"] == ["latest"]
    assert "customer" not in by_id                                               # the link itself
    assert {(k["form"], k["via"]) for k in sources["links"]} >= {("follow_up", "customer"), ("contract", "customer")}
    assert all(k["via"] != "possible_duplicate" for k in sources["links"])       # a contact -> contact link is not this form's


def test_check_answers_the_type_and_a_value_from_defaults_then_from_the_latest_record(crm):
    ok = crm.post(BASE + "/formula-check", json={"expression": "1 + 2", "result_type": "number"}).get_json()
    assert ok["ok"] is True and ok["type"] == "number" and ok["value"] == 3
    assert ok["sample"]["source"] == "defaults"
    created = crm.post("/api/apps/crm/forms/customer/records", json={"data": {"name": "Acme Trading", "phone": "13800000000"}})
    assert created.status_code == 201, created.get_json()
    answer = crm.post(BASE + "/formula-check", json={"expression": "$upper(name)"}).get_json()
    assert answer["ok"] is True and answer["type"] == "text" and answer["value"] == "ACME TRADING"
    assert answer["sample"] == {"source": "record", "record_id": created.get_json()["id"]}


def test_check_uses_the_draft_on_screen_and_names_the_error_position(crm):
    draft = copy.deepcopy(crm.get(BASE + "/draft").get_json()["definition"])
    draft["fields"].append({"id": "discount", "name": "discount", "type": "number", "label": {"en": "Discount"}, "default": 5})
    on_screen = crm.post(BASE + "/formula-check", json={"expression": "discount * 2", "definition": draft}).get_json()
    assert on_screen["ok"] is True and on_screen["type"] == "number"
    saved = crm.post(BASE + "/formula-check", json={"expression": "discount * 2"}).get_json()
    assert saved["ok"] is False and "discount" in saved["error"]["message"]
    draft["fields"].append({"id": "met_at", "name": "met_at", "type": "datetime", "label": {"en": "Met at"}, "default": "$now"})
    dynamic = crm.post(BASE + "/formula-check", json={"expression": "met_at.year + discount", "definition": draft}).get_json()
    assert dynamic["ok"] is True and dynamic["value"] == 2031  # $now read as a create reads it (the clock: 2026), not "$now"
    bad = crm.post(BASE + "/formula-check", json={"expression": "name + + "}).get_json()
    assert bad["ok"] is False and bad["error"]["message"] and bad["error"]["column"] is not None
    wrong_type = crm.post(BASE + "/formula-check", json={"expression": "name", "result_type": "number"}).get_json()
    assert wrong_type["ok"] is False


def test_the_check_speaks_the_editors_language(crm):
    """The live check's refusal reads in the caller's language, with its code (the designer shows it as it is)."""
    english = crm.post(BASE + "/formula-check", json={"expression": "nosuchfield * 2"}).get_json()
    chinese = crm.post(BASE + "/formula-check", json={"expression": "nosuchfield * 2"},
                       headers={"Accept-Language": "zh-CN"}).get_json()
    assert english["ok"] is chinese["ok"] is False
    assert english["error"]["message_code"] == chinese["error"]["message_code"] and chinese["error"]["message_code"]
    assert "nosuchfield" in chinese["error"]["message"] and chinese["error"]["message"] != english["error"]["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese["error"]["message"])


@pytest.mark.parametrize("body, path", [
    ({}, "/expression"), ({"expression": 3}, "/expression"), ({"expression": "x" * 2001}, "/expression"),
    ({"expression": "1", "definition": []}, "/definition"), ({"expression": "1", "result_type": "nope"}, "/result_type")])
def test_a_bad_body_is_a_422_naming_the_path(crm, body, path):
    answer = crm.post(BASE + "/formula-check", json=body)
    assert answer.status_code == 422 and answer.get_json()["error"]["errors"][0]["path"] == path


def test_unknown_forms_are_404_and_the_routes_are_documented(crm):
    assert crm.get("/api/apps/crm/forms/nope/formula-sources").status_code == 404
    assert crm.post("/api/apps/crm/forms/nope/formula-check", json={"expression": "1"}).status_code == 404
    paths = crm.get("/api/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/apps/{app_key}/forms/{form_key}/formula-sources"]
    assert "post" in paths["/api/apps/{app_key}/forms/{form_key}/formula-check"]
