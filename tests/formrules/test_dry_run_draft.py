"""Dry-run of the automations as edited on screen (the unsaved draft) against a picked record (issue 23, point 1)."""
import copy

from engine.runtime import Actor
from engine.services import credentials, forms as fs, permissions, records as rs, users as user_service
from tests.formrules import scenario

URL = "/api/apps/crm/forms/follow_up/dry-run"


def _headers(rt, username: str, roles: list[str]) -> tuple[dict, int]:
    user = user_service.create_user(rt, Actor.system(), username, roles=roles, check=False)
    with rt.db.read() as conn:
        actor = user_service.actor_for(conn, rt, user["id"])
    return {"Authorization": f"Bearer {credentials.create_token(rt, actor, 'tests')['token']}"}, user["id"]


def _counts(client, h) -> tuple[int, int, dict]:
    reminders = client.get("/api/apps/crm/forms/follow_up_reminder/records", headers=h).get_json()["total"]
    follow_ups = client.get("/api/apps/crm/forms/follow_up/records", headers=h).get_json()
    return reminders, follow_ups["total"], {r["id"]: r["data"] for r in follow_ups["items"]}


def test_draft_automation_runs_on_a_picked_record_without_writing(client, app):
    rt = app.extensions["formflow"]
    system = Actor.system()
    scenario.install(rt, system)
    h = scenario.api_headers(rt)
    cid = rs.create_record(rt, system, "crm", "customer", {"name": "ACME"})["id"]
    rec = rs.create_record(rt, system, "crm", "follow_up", {"customer": cid, "content": "Quote sent", "enable_reminder": True,
                                                           "next_follow_up": "2026-03-10T01:00:00Z"})
    draft = fs.get_draft(rt, "crm", "follow_up", system)["definition"]
    on_screen = copy.deepcopy(draft)
    [mapping] = [m for m in on_screen["automations"][0]["action"]["map"] if m["field"] == "content"]
    mapping["template"] = "DRAFT {{ record.content }}"
    before = _counts(client, h)

    seen = client.post(URL, json={"record_id": rec["id"], "as_submitted": True, "definition": on_screen}, headers=h)
    assert seen.status_code == 200, seen.get_json()
    [auto] = seen.get_json()["automations"]
    assert auto["triggered"] and auto["values"]["content"] == "DRAFT Quote sent"
    assert auto["values"]["follow_up"] == rec["id"] and auto["values"]["remind_at"] == "2026-03-10T01:00:00Z"
    edit = client.post(URL, json={"record_id": rec["id"], "definition": on_screen}, headers=h).get_json()
    assert edit["action"] == "update" and edit["automations"][0]["why"] == "nothing changed"   # as an edit: unchanged

    # no definition: the published version
    published = client.post(URL, json={"record_id": rec["id"], "as_submitted": True}, headers=h).get_json()
    assert published["automations"][0]["values"]["content"] == "Follow up ACME: Quote sent"
    assert _counts(client, h) == before                                                              # nothing written
    assert fs.get_draft(rt, "crm", "follow_up", system)["definition"] == draft               # the saved draft untouched

    broken = copy.deepcopy(on_screen)
    broken["automations"][0]["trigger"]["when"] = "enable_remindr == true"
    refused = client.post(URL, json={"record_id": rec["id"], "definition": broken}, headers=h)
    assert refused.status_code == 422
    assert any(e["path"].startswith("/automations/0/trigger/when") for e in refused.get_json()["error"]["errors"])
    bad_body = client.post(URL, json={"record_id": rec["id"], "definition": []}, headers=h)
    assert bad_body.status_code == 422 and bad_body.get_json()["error"]["errors"][0]["path"] == "/definition"


def test_a_record_out_of_the_callers_row_scope_is_404(client, app):
    rt = app.extensions["formflow"]
    system = Actor.system()
    scenario.install(rt, system)
    admin = user_service.create_user(rt, system, "scope_admin", roles=["admin"], check=False)
    with rt.db.read() as conn:
        admin_actor = user_service.actor_for(conn, rt, admin["id"])
    # a designer (the dry-run is a design tool) whose row scope on follow-ups is their own records
    permissions.set_grant(rt, admin_actor, "crm", "follow_up", "builder", {"create": True, "read": "own", "update": "own"})
    permissions.set_grant(rt, admin_actor, "crm", "customer", "builder", {"read": "all"})
    ann, ann_id = _headers(rt, "ann", ["builder"])
    _, bob_id = _headers(rt, "bob", ["builder"])
    cid = rs.create_record(rt, system, "crm", "customer", {"name": "ACME"})["id"]
    values = {"customer": cid, "content": "Secret plan 4471", "enable_reminder": False}
    bobs = rs.create_record(rt, system, "crm", "follow_up", values, owner_id=bob_id)["id"]
    anns = rs.create_record(rt, system, "crm", "follow_up", values, owner_id=ann_id)["id"]
    on_screen = fs.get_draft(rt, "crm", "follow_up", system)["definition"]

    hidden = client.post(URL, json={"record_id": bobs, "as_submitted": True, "definition": on_screen}, headers=ann)
    absent = client.post(URL, json={"record_id": 10_000_000, "as_submitted": True, "definition": on_screen}, headers=ann)
    assert hidden.status_code == absent.status_code == 404, (hidden.get_json(), absent.get_json())
    assert "Secret plan" not in hidden.get_data(as_text=True)
    own = client.post(URL, json={"record_id": anns, "as_submitted": True, "definition": on_screen}, headers=ann)
    assert own.status_code == 200 and own.get_json()["values"]["content"] == "Secret plan 4471"
