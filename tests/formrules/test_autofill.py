"""Auto-fill on SQLite and PostgreSQL: formula defaults, fetch policies (on_create, on_change, live),
computed fields, and roll-ups kept current through create, update, move, delete and restore."""
import copy

import pytest

from engine.errors import DefinitionInvalid
from engine.runtime import Actor
from engine.services import forms as fs, records as rs
from tests.formrules import scenario


@pytest.fixture
def crm(rt, system):
    follow_up = copy.deepcopy(scenario.FOLLOW_UP)
    follow_up["fields"] += [
        {"id": "level_at_create", "type": "text", "fetch": {"from": "customer", "field": "level", "policy": "on_create"}},
        {"id": "due", "type": "date", "default": {"formula": "$add_days($today, 7)"}},
    ]
    scenario.install(rt, system, follow_up=follow_up)
    uid = scenario.add_user(rt, "li")
    other = scenario.add_user(rt, "zhao")
    a = rs.create_record(rt, system, "crm", "customer", {"name": "ACME", "phone": "13800138000", "owner": uid, "level": "key"})
    b = rs.create_record(rt, system, "crm", "customer", {"name": "Globex", "phone": "13900139000", "owner": other, "level": "main"})
    return {"rt": rt, "a": a["id"], "b": b["id"], "uid": uid, "other": other}


def get(rt, form, rid):
    return rs.get_record(rt, Actor.system(), "crm", form, rid)["data"]


def test_defaults_fetch_and_computed(crm, system):
    rt = crm["rt"]
    rec = rs.create_record(rt, system, "crm", "follow_up", {"customer": crm["a"], "method": "call"})
    d = rec["data"]
    assert d["due"] == "2026-03-16"                                  # formula default, today in Shanghai + 7
    assert (d["customer_name"], d["owner"], d["phone"], d["level_at_create"]) == ("ACME", crm["uid"], "13800138000", "key")
    assert d["title"] == "ACME / call"                               # computed on save
    d = rs.update_record(rt, system, "crm", "follow_up", rec["id"], {"method": "visit", "content": "a long visit report"})["data"]
    assert d["title"] == "ACME / visit"


def test_fetch_policies_when_the_reference_or_the_source_changes(crm, system):
    rt = crm["rt"]
    rec = rs.create_record(rt, system, "crm", "follow_up", {"customer": crm["a"], "method": "call"})
    rs.update_record(rt, system, "crm", "customer", crm["a"], {"name": "ACME Ltd", "phone": "13800138001", "level": "main"})
    d = get(rt, "follow_up", rec["id"])
    assert d["phone"] == "13800138001"            # live: reads through
    assert d["customer_name"] == "ACME"           # on_change: only when the reference changes
    assert d["level_at_create"] == "key"          # on_create: copied once
    d = rs.update_record(rt, system, "crm", "follow_up", rec["id"], {"customer": crm["b"]})["data"]
    assert (d["customer_name"], d["owner"], d["phone"], d["level_at_create"]) == ("Globex", crm["other"], "13900139000", "key")


def test_rollups_follow_create_update_move_delete_restore(crm, system, clock):
    rt = crm["rt"]
    assert get(rt, "customer", crm["a"])["follow_ups"] == 0
    one = rs.create_record(rt, system, "crm", "follow_up", {"customer": crm["a"], "method": "call"})
    clock.advance(days=1)
    two = rs.create_record(rt, system, "crm", "follow_up", {"customer": crm["a"], "method": "call"})
    a = get(rt, "customer", crm["a"])
    assert (a["follow_ups"], a["last_visit"]) == (2, "2026-03-10T00:00:00Z")
    rs.update_record(rt, system, "crm", "follow_up", two["id"], {"customer": crm["b"]})       # moved to another customer
    a, b = get(rt, "customer", crm["a"]), get(rt, "customer", crm["b"])
    assert (a["follow_ups"], a["last_visit"], b["follow_ups"]) == (1, "2026-03-09T00:00:00Z", 1)
    rs.delete_record(rt, system, "crm", "follow_up", one["id"])
    a = get(rt, "customer", crm["a"])
    assert a["follow_ups"] == 0 and "last_visit" not in a
    rs.restore_record(rt, system, "crm", "follow_up", one["id"])
    assert get(rt, "customer", crm["a"])["follow_ups"] == 1
    # roll-ups are derived data: no new version, so a concurrent edit of the customer is not refused
    assert rs.get_record(rt, system, "crm", "customer", crm["a"])["version"] == 1


def test_bad_formulas_are_refused_at_publish(rt, system):
    scenario.install(rt, system)
    follow_up = copy.deepcopy(scenario.FOLLOW_UP)
    follow_up["fields"][-1]["options"]["formula"] = "customer_name + 1"
    follow_up["fields"].append({"id": "due", "type": "date", "default": {"formula": "$today + 'x'"}})
    fs.save_draft(rt, system, "crm", "follow_up", follow_up)
    with pytest.raises(DefinitionInvalid) as info:
        fs.publish_form(rt, system, "crm", "follow_up")
    assert {e.path for e in info.value.errors} == {"/fields/9/options/formula", "/fields/10/default/formula"}


def test_filtered_rollup_and_computed_fields_that_read_it(rt, system):
    fs.create_app(rt, system, "s", "S")
    fs.create_form(rt, system, "s", {"key": "account", "label": "Account", "fields": [{"id": "name", "type": "text"}]})
    fs.create_form(rt, system, "s", {"key": "deal", "label": "Deal", "fields": [
        {"id": "account", "type": "reference", "options": {"form": "account"}},
        {"id": "stage", "type": "select", "options": {"choices": [{"value": "open"}, {"value": "won"}]}},
        {"id": "amount", "type": "money"}]})
    fs.save_draft(rt, system, "s", "account", {"key": "account", "label": "Account", "fields": [
        {"id": "name", "type": "text"},
        {"id": "won", "type": "rollup", "options": {"form": "deal", "via": "account", "aggregate": "sum", "field": "amount", "filter": "stage == 'won'"}},
        {"id": "big", "type": "computed", "options": {"formula": "(won ?? 0) >= 100", "result_type": "boolean"}}]})
    fs.publish_form(rt, system, "s", "deal")
    fs.publish_form(rt, system, "s", "account")
    acc = rs.create_record(rt, system, "s", "account", {"name": "ACME"})["id"]
    rs.create_record(rt, system, "s", "deal", {"account": acc, "stage": "open", "amount": "500"})
    won = rs.create_record(rt, system, "s", "deal", {"account": acc, "stage": "won", "amount": "60.50"})["id"]
    data = rs.get_record(rt, system, "s", "account", acc)["data"]
    assert data["won"] == 60.5 and data["big"] is False
    rs.update_record(rt, system, "s", "deal", won, {"amount": "120"})
    data = rs.get_record(rt, system, "s", "account", acc)["data"]
    assert data["won"] == 120 and data["big"] is True
