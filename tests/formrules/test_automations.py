"""Automations beyond the scenario: update the referenced record, set fields before save, watched-field
triggers, the runtime depth limit; the dry-run; the browser's copy of the rules under node."""
import copy
import json
import shutil
import subprocess

import pytest

from engine import automations
from engine.errors import ValidationFailed
from engine.rules import JS_RUNTIME
from engine.services import forms as fs, records as rs
from tests.formrules import scenario


@pytest.fixture
def crm(rt, system):
    follow_up = copy.deepcopy(scenario.FOLLOW_UP)
    follow_up["automations"] += [
        {"id": "a2", "name": "visits make key customers", "trigger": {"on": "field_changed", "fields": ["method"], "when": "method == 'visit'"},
         "action": {"type": "update_record", "reference": "customer", "map": [{"field": "level", "value": "key"}]}},
        {"id": "a3", "name": "default content", "trigger": {"on": "create", "when": "content == null"},
         "action": {"type": "set_field", "map": [{"field": "content", "template": "Call with {{ record.customer.name }}"}]}},
    ]
    scenario.install(rt, system, follow_up=follow_up)
    cid = rs.create_record(rt, system, "crm", "customer", {"name": "ACME", "level": "ordinary"})["id"]
    return {"rt": rt, "customer": cid}


def test_update_referenced_record_and_set_field(crm, system):
    rt = crm["rt"]
    rec = rs.create_record(rt, system, "crm", "follow_up", {"customer": crm["customer"], "method": "call"})
    assert rec["data"]["content"] == "Call with ACME"
    assert rs.get_record(rt, system, "crm", "customer", crm["customer"])["data"]["level"] == "ordinary"
    rs.update_record(rt, system, "crm", "customer", crm["customer"], {"level": "main"})
    rs.update_record(rt, system, "crm", "follow_up", rec["id"], {"content": "changed only the content"})  # method not changed
    assert rs.get_record(rt, system, "crm", "customer", crm["customer"])["data"]["level"] == "main"
    rs.update_record(rt, system, "crm", "follow_up", rec["id"], {"method": "visit", "content": "went there in person"})
    assert rs.get_record(rt, system, "crm", "customer", crm["customer"])["data"]["level"] == "key"
    history = rs.record_history(rt, system, "crm", "customer", crm["customer"])
    assert history[-1]["actor"] == "automation:visits make key customers"


def test_runtime_depth_limit_stops_long_chains(rt, system, monkeypatch):
    fs.create_app(rt, system, "chain", "Chain")
    for i in range(4):
        fs.create_form(rt, system, "chain", {"key": f"f{i}", "label": f"F{i}", "fields": [{"id": "name", "type": "text"}]})
    for i in range(3):
        d = {"key": f"f{i}", "label": f"F{i}", "fields": [{"id": "name", "type": "text"}],
             "automations": [{"id": "next", "name": f"copy to f{i + 1}", "trigger": {"on": "create"},
                              "action": {"type": "create_record", "form": f"f{i + 1}", "map": [{"field": "name", "from": "name"}]}}]}
        fs.save_draft(rt, system, "chain", f"f{i}", d)
    for i in range(4):
        fs.publish_form(rt, system, "chain", f"f{i}")
    monkeypatch.setattr(automations, "MAX_AUTOMATION_DEPTH", 2)
    with pytest.raises(ValidationFailed) as info:
        rs.create_record(rt, system, "chain", "f0", {"name": "x"})
    assert any(e.code == "automation_depth" for e in info.value.errors)
    monkeypatch.setattr(automations, "MAX_AUTOMATION_DEPTH", 5)
    rs.create_record(rt, system, "chain", "f0", {"name": "x"})
    [last] = scenario.records_of(rt, "f3")
    assert last["data"] == {"name": "x"}


def test_dry_run_says_what_and_why_without_writing(client, app):
    rt = app.extensions["formflow"]
    from engine.runtime import Actor

    scenario.install(rt, Actor.system())
    h = scenario.api_headers(rt)
    url = "/api/apps/crm/forms/follow_up/dry-run"
    cid = rs.create_record(rt, Actor.system(), "crm", "customer", {"name": "ACME"})["id"]
    off = client.post(url, json={"data": {"customer": cid, "enable_reminder": False, "next_follow_up": "2026-03-10T01:00:00Z"}}, headers=h).get_json()
    assert off["valid"] and off["fields"]["next_follow_up"] == {"visible": False, "required": False, "readonly": False}
    assert off["dropped"] == ["next_follow_up"] and off["values"]["customer_name"] == "ACME"
    assert off["rules"][0]["matched"] is False and off["rules"][0]["why"] == [{"clause": "enable_reminder == true", "value": False}]
    [auto] = off["automations"]
    assert auto["triggered"] is False and auto["clauses"] == [{"clause": "enable_reminder == true", "value": False}]

    bad = client.post(url, json={"data": {"customer": cid, "method": "visit", "content": "short", "enable_reminder": True,
                                          "next_follow_up": "2026-03-01T01:00:00Z"}}, headers=h).get_json()
    assert not bad["valid"] and {e["path"] for e in bad["errors"]} == {"/data/next_follow_up", "/data/content"}
    assert [v["passed"] for v in bad["validations"]] == [False, False]

    on = client.post(url, json={"data": {"customer": cid, "enable_reminder": True, "next_follow_up": "2026-03-10T01:00:00Z"}}, headers=h).get_json()
    assert on["valid"] and on["fields"]["next_follow_up"]["required"] is True
    [auto] = on["automations"]
    assert auto["triggered"] and auto["mode"] == "create" and auto["form"] == "follow_up_reminder"
    assert auto["values"]["remind_at"] == "2026-03-10T01:00:00Z" and auto["values"]["content"] == "Follow up ACME: "
    assert client.get("/api/apps/crm/forms/follow_up/records", headers=h).get_json()["total"] == 0   # nothing written

    rec = rs.create_record(rt, Actor.system(), "crm", "follow_up", {"customer": cid, "enable_reminder": True, "next_follow_up": "2026-03-10T01:00:00Z"})
    edit = client.post(url, json={"record_id": rec["id"], "data": {"next_follow_up": "2026-03-11T01:00:00Z"}}, headers=h).get_json()
    assert edit["action"] == "update" and edit["automations"][0]["mode"] == "update"
    assert edit["automations"][0]["target_record"] == rec["id"] + 1


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_rules_js_runs_in_node_like_the_server(client, app):
    rt = app.extensions["formflow"]
    from engine.runtime import Actor

    scenario.install(rt, Actor.system())
    js = client.get("/api/apps/crm/forms/follow_up/rules.js", headers=scenario.api_headers(rt)).get_data(as_text=True)
    script = ("var window = globalThis;\n" + JS_RUNTIME + "\n" + js + "\n"
              "var ctx = FormflowRules.context({now: new Date('2026-03-09T00:00:00Z'), tz: 'Asia/Shanghai', user_id: null});\n"
              "var r = window.formflowRules[0];\n"
              "console.log(JSON.stringify([r.id, r.when({enable_reminder: true}, ctx), r.when({enable_reminder: false}, ctx), r.effects]));\n")
    out = subprocess.run(["node", "-"], input=script, capture_output=True, text=True, timeout=60)  # too big for -e
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == ["r1", True, False, [{"field": "next_follow_up", "visible": True, "required": True}]]


def test_update_matching_records(rt, system):
    fs.create_app(rt, system, "m", "M")
    fs.create_form(rt, system, "m", {"key": "task", "label": "Task", "fields": [
        {"id": "project", "type": "text"}, {"id": "owner", "type": "text"}, {"id": "state", "type": "text"}]})
    fs.create_form(rt, system, "m", {"key": "project", "label": "Project", "fields": [
        {"id": "code", "type": "text"}, {"id": "state", "type": "text"}],
        "automations": [{"id": "close", "name": "close tasks", "trigger": {"on": "field_changed", "fields": ["state"], "when": "state == 'closed'"},
                         "action": {"type": "update_matching", "form": "task", "match": [{"field": "project", "from": "code"}],
                                    "map": [{"field": "state", "value": "closed"}]}}]})
    fs.publish_form(rt, system, "m", "task")
    fs.publish_form(rt, system, "m", "project")
    for project in ("P1", "P1", "P2"):
        rs.create_record(rt, system, "m", "task", {"project": project, "state": "open"})
    p = rs.create_record(rt, system, "m", "project", {"code": "P1", "state": "open"})
    rs.update_record(rt, system, "m", "project", p["id"], {"state": "closed"})
    assert [(r["data"]["project"], r["data"]["state"]) for r in scenario.records_of(rt, "task")] == \
        [("P1", "closed"), ("P1", "closed"), ("P2", "open")]


def test_bad_automations_are_refused_at_publish_with_paths(rt, system):
    scenario.install(rt, system)
    follow_up = copy.deepcopy(scenario.FOLLOW_UP)
    follow_up["automations"] = [
        {"id": "x1", "name": "nowhere", "action": {"type": "create_record", "form": "ghost", "map": []}},
        {"id": "x2", "name": "bad map", "trigger": {"on": "field_changed", "fields": ["nope"], "when": "enable_reminder = true"},
         "action": {"type": "create_record", "form": "follow_up_reminder", "map": [
             {"field": "ghost", "from": "customer"}, {"field": "remind_at", "from": "nope"},
             {"field": "status", "value": "maybe"}, {"field": "content", "template": "{{ record.nope }}"},
             {"field": "owner", "formula": "content + 1"}]}},
        {"id": "x3", "name": "unknown action", "action": {"type": "send_fax"}},
    ]
    fs.save_draft(rt, system, "crm", "follow_up", follow_up)
    with pytest.raises(ValidationFailed) as info:
        fs.publish_form(rt, system, "crm", "follow_up")
    paths = {e.path for e in info.value.errors}
    assert paths == {"/automations/0/action/form", "/automations/1/trigger/when", "/automations/1/trigger/fields/0",
                     "/automations/1/action/map/0/field", "/automations/1/action/map/1/from", "/automations/1/action/map/2/value",
                     "/automations/1/action/map/3/template", "/automations/1/action/map/4/formula", "/automations/2/action/type"}
