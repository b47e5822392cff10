"""The follow-up scenario through the service and the REST API, on SQLite and PostgreSQL:
show/hide + required, hidden value dropped, validations, the auto-created reminder, edit -> same reminder."""
import copy

import pytest
import sqlalchemy as sa

from engine.errors import DefinitionInvalid, ValidationFailed
from engine.runtime import Actor
from engine.services import forms as fs, records as rs
from engine.storage.automation_tables import automation_links
from tests.formrules import scenario


@pytest.fixture
def crm(rt, system):
    scenario.install(rt, system)
    uid = scenario.add_user(rt, "li")
    customer = rs.create_record(rt, Actor.user(uid), "crm", "customer", {"name": "ACME", "phone": "13800138000", "owner": uid})
    return {"rt": rt, "uid": uid, "actor": Actor.user(uid), "customer": customer["id"]}




def test_reminder_off_hides_drops_and_does_not_require(crm):
    rt, me = crm["rt"], crm["actor"]
    rec = rs.create_record(rt, me, "crm", "follow_up", {"customer": crm["customer"], "method": "call", "content": "called",
                                                       "enable_reminder": False, "next_follow_up": "2026-03-10T09:00:00+08:00"})
    assert "next_follow_up" not in rec["data"]          # hidden value never saved
    rec = rs.create_record(rt, me, "crm", "follow_up", {"customer": crm["customer"], "method": "call"})
    assert "next_follow_up" not in rec["data"]          # not required while hidden
    assert scenario.records_of(rt, "follow_up_reminder") == []     # no reminder without the switch


def test_reminder_on_requires_a_future_time_and_checks_content(crm):
    rt, me = crm["rt"], crm["actor"]
    with pytest.raises(ValidationFailed) as info:
        rs.create_record(rt, me, "crm", "follow_up", {"customer": crm["customer"], "method": "visit", "enable_reminder": True})
    assert {(e.path, e.code) for e in info.value.errors} == {("/data/next_follow_up", "required")}
    with pytest.raises(ValidationFailed) as info:  # every validation error at once, on its field
        rs.create_record(rt, me, "crm", "follow_up", {"customer": crm["customer"], "method": "visit", "content": "short",
                                                       "enable_reminder": True, "next_follow_up": "2026-03-08T09:00:00Z"})
    errors = {e.path: e for e in info.value.errors}
    assert set(errors) == {"/data/next_follow_up", "/data/content"}
    assert errors["/data/next_follow_up"].message == "must be later than now"
    assert errors["/data/next_follow_up"].label == "Next follow-up time"
    assert "10 characters" in errors["/data/content"].message
    assert scenario.records_of(rt, "follow_up") == [] and scenario.records_of(rt, "follow_up_reminder") == []


def test_submit_creates_one_reminder_and_edit_updates_the_same(crm, clock):
    rt, me, uid = crm["rt"], crm["actor"], crm["uid"]
    rec = rs.create_record(rt, me, "crm", "follow_up", {"customer": crm["customer"], "method": "visit", "content": "visited the plant",
                                                       "enable_reminder": True, "next_follow_up": "2026-03-10T09:00:00+08:00"})
    assert rec["data"]["customer_name"] == "ACME" and rec["data"]["owner"] == uid   # smart reference fill
    [reminder] = scenario.records_of(rt, "follow_up_reminder")
    assert reminder["data"] == {"customer": crm["customer"], "owner": uid, "remind_at": "2026-03-10T01:00:00Z",
                                "content": "Follow up ACME: visited the plant", "status": "pending", "follow_up": rec["id"]}
    history = rs.record_history(rt, me, "crm", "follow_up_reminder", reminder["id"])
    assert history[0]["actor"] == "automation:create reminder"

    clock.advance(hours=1)
    rs.update_record(rt, me, "crm", "follow_up", rec["id"], {"next_follow_up": "2026-03-11T10:00:00+08:00", "content": "visited again"})
    [again] = scenario.records_of(rt, "follow_up_reminder")
    assert again["id"] == reminder["id"]
    assert again["data"]["remind_at"] == "2026-03-11T02:00:00Z"
    assert again["data"]["content"] == "Follow up ACME: visited again"
    assert [h["action"] for h in rs.record_history(rt, me, "crm", "follow_up_reminder", reminder["id"])] == ["create", "update"]
    with rt.db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(automation_links)).scalar() == 1


def test_turning_the_switch_on_later_creates_the_reminder_once(crm):
    rt, me = crm["rt"], crm["actor"]
    rec = rs.create_record(rt, me, "crm", "follow_up", {"customer": crm["customer"], "method": "call"})
    assert scenario.records_of(rt, "follow_up_reminder") == []
    rs.update_record(rt, me, "crm", "follow_up", rec["id"], {"enable_reminder": True, "next_follow_up": "2026-03-12T01:00:00Z"})
    rs.update_record(rt, me, "crm", "follow_up", rec["id"], {"content": "still on"})
    assert len(scenario.records_of(rt, "follow_up_reminder")) == 1


def test_a_failing_automation_rolls_the_submit_back(crm):
    rt, me = crm["rt"], crm["actor"]
    with pytest.raises(ValidationFailed) as info:  # the reminder needs remind_at; a hidden-value keep policy isn't set, so it's required
        rs.create_record(rt, me, "crm", "follow_up", {"customer": crm["customer"], "method": "call", "enable_reminder": True,
                                                       "next_follow_up": None})
    assert info.value.errors[0].path == "/data/next_follow_up"
    assert scenario.records_of(rt, "follow_up") == []


def test_automation_loop_between_two_forms_is_refused_naming_both(crm, system):
    rt = crm["rt"]
    reminder = copy.deepcopy(scenario.REMINDER)
    reminder["automations"] = [{"id": "back", "name": "mark follow-up", "trigger": {"on": "update"},
                                "action": {"type": "update_record", "reference": "follow_up", "map": [{"field": "content", "from": "content"}]}}]
    before = fs.get_draft(rt, "crm", "follow_up_reminder")
    with pytest.raises(DefinitionInvalid) as info:  # refused when the draft is saved, not only at publish
        fs.save_draft(rt, system, "crm", "follow_up_reminder", reminder)
    [error] = [e for e in info.value.errors if e.code == "automation_loop"]
    assert error.path == "/automations/0/action/reference"
    assert "follow_up_reminder -> follow_up -> follow_up_reminder" in error.message
    assert "'mark follow-up'" in error.message and "'create reminder'" in error.message
    assert fs.get_draft(rt, "crm", "follow_up_reminder") == before  # nothing was saved


def test_automation_loop_is_refused_at_save_through_the_api(client, app):
    from engine.runtime import Actor as A

    rt = app.extensions["formflow"]
    scenario.install(rt, A.system())
    draft = client.get("/api/apps/crm/forms/follow_up_reminder/draft").get_json()
    definition = copy.deepcopy(draft["definition"])
    definition["automations"] = [{"id": "back", "name": "mark follow-up", "trigger": {"on": "update"},
                                  "action": {"type": "update_record", "reference": "follow_up",
                                             "map": [{"field": "content", "from": "content"}]}}]
    res = client.put("/api/apps/crm/forms/follow_up_reminder/draft", json=definition)
    assert res.status_code == 422
    [error] = [e for e in res.get_json()["error"]["errors"] if e.get("code") == "automation_loop"]
    assert "follow_up" in error["message"] and "follow_up_reminder" in error["message"]


def test_scenario_through_the_api(client, app):
    from engine.runtime import Actor as A

    rt = app.extensions["formflow"]
    scenario.install(rt, A.system())
    uid = scenario.add_user(rt, "wang")
    h = scenario.api_headers(rt)
    base = "/api/apps/crm/forms"
    cust = client.post(f"{base}/customer/records", json={"data": {"name": "Globex", "owner": uid}}, headers=h)
    assert cust.status_code == 201, cust.get_json()
    cid = cust.get_json()["id"]
    off = client.post(f"{base}/follow_up/records", json={"data": {"customer": cid, "enable_reminder": False,
                                                                  "next_follow_up": "2026-03-10T09:00:00+08:00"}}, headers=h)
    assert off.status_code == 201 and "next_follow_up" not in off.get_json()["data"]
    missing = client.post(f"{base}/follow_up/records", json={"data": {"customer": cid, "enable_reminder": True}}, headers=h)
    assert missing.status_code == 422
    assert [e["path"] for e in missing.get_json()["error"]["errors"]] == ["/data/next_follow_up"]
    on = client.post(f"{base}/follow_up/records", json={"data": {"customer": cid, "enable_reminder": True, "content": "call back",
                                                                 "next_follow_up": "2026-03-10T09:00:00+08:00"}}, headers=h)
    assert on.status_code == 201, on.get_json()
    fid = on.get_json()["id"]
    items = client.get(f"{base}/follow_up_reminder/records", headers=h).get_json()["items"]
    assert len(items) == 1 and items[0]["data"]["remind_at"] == "2026-03-10T01:00:00Z"
    edit = client.patch(f"{base}/follow_up/records/{fid}", json={"data": {"next_follow_up": "2026-03-12T09:00:00+08:00"}},
                        headers={**h, "If-Match": on.headers["ETag"]})
    assert edit.status_code == 200, edit.get_json()
    items = client.get(f"{base}/follow_up_reminder/records", headers=h).get_json()["items"]
    assert len(items) == 1 and items[0]["data"]["remind_at"] == "2026-03-12T01:00:00Z"
    js = client.get(f"{base}/follow_up/rules.js", headers=h)
    assert js.status_code == 200 and js.mimetype == "application/javascript"
    assert "window.formflowRules" in js.get_data(as_text=True)
