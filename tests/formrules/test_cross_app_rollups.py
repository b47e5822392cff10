"""Roll-ups over the records of another app's form (issue 21, point 6), on SQLite and PostgreSQL.

A CRM account counts and sums the deals of the Sales app that name it (``options.app`` beside ``options.form``, as a
reference names its target): the value follows create, update, move, delete and restore of the other app's records,
a filter over the other app's fields holds, and publishing refuses a source that isn't there or doesn't point here.
"""
import pytest

from engine.errors import DefinitionInvalid
from engine.services import forms as fs, records as rs

ACCOUNT = {"key": "account", "label": "Account", "fields": [{"id": "name", "type": "text"}]}
DEAL = {"key": "deal", "label": "Deal", "fields": [
    {"id": "account", "type": "reference", "options": {"app": "crm", "form": "account"}},
    {"id": "stage", "type": "select", "options": {"choices": [{"value": "open"}, {"value": "won"}]}},
    {"id": "amount", "type": "money"}]}
ROLLUPS = [
    {"id": "deals", "type": "rollup", "options": {"app": "sales", "form": "deal", "via": "account", "aggregate": "count"}},
    {"id": "won", "type": "rollup", "options": {"app": "sales", "form": "deal", "via": "account", "aggregate": "sum", "field": "amount",
                                                 "filter": "stage == 'won'"}},
    {"id": "big", "type": "computed", "options": {"formula": "(won ?? 0) >= 100", "result_type": "boolean"}}]


def _two_apps(rt, system):
    """The CRM's accounts (no roll-ups yet) and the Sales app's deals naming them, both published."""
    fs.create_app(rt, system, "crm", "CRM")
    fs.create_app(rt, system, "sales", "Sales")
    fs.create_form(rt, system, "crm", ACCOUNT)
    fs.publish_form(rt, system, "crm", "account")
    fs.create_form(rt, system, "sales", DEAL)
    fs.publish_form(rt, system, "sales", "deal")


@pytest.fixture
def world(rt, system):
    _two_apps(rt, system)
    fs.save_draft(rt, system, "crm", "account", {**ACCOUNT, "fields": ACCOUNT["fields"] + ROLLUPS})
    fs.publish_form(rt, system, "crm", "account")
    a = rs.create_record(rt, system, "crm", "account", {"name": "ACME"})["id"]
    b = rs.create_record(rt, system, "crm", "account", {"name": "Globex"})["id"]
    return {"a": a, "b": b}


def _account(rt, system, rid):
    return rs.get_record(rt, system, "crm", "account", rid)["data"]


def test_a_rollup_over_another_apps_records_follows_their_saves(rt, system, world):
    a, b = world["a"], world["b"]
    assert _account(rt, system, a)["deals"] == 0
    one = rs.create_record(rt, system, "sales", "deal", {"account": a, "stage": "open", "amount": "500"})["id"]
    two = rs.create_record(rt, system, "sales", "deal", {"account": a, "stage": "won", "amount": "60.50"})["id"]
    data = _account(rt, system, a)
    assert (data["deals"], data["won"], data["big"]) == (2, 60.5, False)
    rs.update_record(rt, system, "sales", "deal", two, {"amount": "120"})
    data = _account(rt, system, a)
    assert (data["deals"], data["won"], data["big"]) == (2, 120, True)
    rs.update_record(rt, system, "sales", "deal", two, {"account": b})          # moved to another account
    assert (_account(rt, system, a)["deals"], _account(rt, system, b)["deals"], _account(rt, system, b)["won"]) == (1, 1, 120)
    assert "won" not in _account(rt, system, a)
    rs.delete_record(rt, system, "sales", "deal", one)
    assert _account(rt, system, a)["deals"] == 0
    rs.restore_record(rt, system, "sales", "deal", one)
    assert _account(rt, system, a)["deals"] == 1
    # the account's own save computes it again from the other app's records
    assert rs.update_record(rt, system, "crm", "account", a, {"name": "ACME Ltd"})["data"]["deals"] == 1
    # derived data: no new version of the account
    assert rs.get_record(rt, system, "crm", "account", b)["version"] == 1


def test_a_same_key_form_of_the_own_app_is_never_counted(rt, system, world):
    fs.create_form(rt, system, "crm", {**DEAL, "fields": [{"id": "account", "type": "reference", "options": {"form": "account"}}]})
    fs.publish_form(rt, system, "crm", "deal")
    rs.create_record(rt, system, "crm", "deal", {"account": world["a"]})
    assert _account(rt, system, world["a"])["deals"] == 0
    rs.create_record(rt, system, "sales", "deal", {"account": world["a"]})
    assert _account(rt, system, world["a"])["deals"] == 1


def test_publishing_a_new_rollup_fills_it_into_the_records_there_are(rt, system):
    _two_apps(rt, system)
    a = rs.create_record(rt, system, "crm", "account", {"name": "ACME"})["id"]
    b = rs.create_record(rt, system, "crm", "account", {"name": "Globex"})["id"]
    for who, stage, amount in ((a, "won", "70"), (a, "won", "40"), (b, "open", "5")):
        rs.create_record(rt, system, "sales", "deal", {"account": who, "stage": stage, "amount": amount})
    fs.save_draft(rt, system, "crm", "account", {**ACCOUNT, "fields": ACCOUNT["fields"] + ROLLUPS})
    fs.publish_form(rt, system, "crm", "account")
    assert {k: _account(rt, system, a).get(k) for k in ("deals", "won", "big")} == {"deals": 2, "won": 110, "big": True}
    assert {k: _account(rt, system, b).get(k) for k in ("deals", "won", "big")} == {"deals": 1, "won": None, "big": False}
    assert rs.get_record(rt, system, "crm", "account", a)["version"] == 1  # derived data: no new version


@pytest.mark.parametrize("options, path, code", [
    ({"app": "nope", "form": "deal", "via": "account", "aggregate": "count"}, "/fields/1/options/app", "error.definition.reference_app"),
    ({"app": "sales", "form": "ghost", "via": "account", "aggregate": "count"}, "/fields/1/options/form", "error.definition.reference_app_form"),
    ({"app": "sales", "form": "deal", "via": "stage", "aggregate": "count"}, "/fields/1/options/via", "error.options.not_reference_field"),
    ({"app": "sales", "form": "deal", "via": "other", "aggregate": "count"}, "/fields/1/options/via", "error.options.rollup_via_elsewhere"),
    ({"app": "sales", "form": "deal", "via": "account", "aggregate": "sum", "field": "ghost"}, "/fields/1/options/field",
     "error.options.not_field_of_form"),
])
def test_publish_refuses_a_source_that_is_not_there_or_does_not_point_here(rt, system, options, path, code):
    fs.create_app(rt, system, "crm", "CRM")
    fs.create_app(rt, system, "sales", "Sales")
    fs.create_form(rt, system, "crm", ACCOUNT)
    fs.create_form(rt, system, "crm", {"key": "lead", "label": "Lead", "fields": [{"id": "name", "type": "text"}]})
    fs.create_form(rt, system, "sales", {**DEAL, "fields": DEAL["fields"] + [
        {"id": "other", "type": "reference", "options": {"app": "crm", "form": "lead"}}]})
    with pytest.raises(DefinitionInvalid) as info:
        fs.save_draft(rt, system, "crm", "account", {**ACCOUNT, "fields": ACCOUNT["fields"] + [
            {"id": "deals", "type": "rollup", "options": options}]})
    assert [(e.path, e.message_code) for e in info.value.errors] == [(path, code)]


def test_the_other_apps_via_re_pointed_is_refused_at_its_publish_naming_both_rollups(rt, system, world):
    fs.create_form(rt, system, "crm", {"key": "contact", "label": "Contact", "fields": [{"id": "name", "type": "text"}]})
    fs.publish_form(rt, system, "crm", "contact")
    moved = {**DEAL, "fields": [{**DEAL["fields"][0], "options": {"app": "crm", "form": "contact"}}, *DEAL["fields"][1:]]}
    fs.save_draft(rt, system, "sales", "deal", moved)
    with pytest.raises(DefinitionInvalid) as refused:
        fs.publish_form(rt, system, "sales", "deal")
    places = [(e.path, e.extra["place"]["key"]) for e in refused.value.errors if e.message_code == "error.form.via_field_changed"]
    assert places == [("/fields/0", "crm/account.deals"), ("/fields/0", "crm/account.won")]
    fs.save_draft(rt, system, "sales", "deal", DEAL)  # pointing back: nothing breaks
    fs.publish_form(rt, system, "sales", "deal")
