"""Approval flows through the REST API with real API tokens (SQLite and PostgreSQL): the spec's routes, codes and paths."""
from __future__ import annotations

from engine.runtime import Actor
from engine.services import credentials, users
from tests.core.sample import install

BASE = "/api/apps/crm/forms/customer"


def _person(app, rt, name, roles, manager_id=None):
    u = users.create_user(rt, Actor.system(), name, display_name=name.title(), roles=roles, check=False, manager_id=manager_id)
    token = credentials.create_token(rt, Actor(u["id"], f"user:{u['id']}", frozenset(roles)), "tests")["token"]
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return u["id"], c


def test_submit_lock_decide_and_queue_over_rest(app, client):
    rt = app.extensions["formflow"]
    install(rt, Actor.system())
    boss_id, boss = _person(app, rt, "boss", ["member"])
    sam_id, sam = _person(app, rt, "sam", ["member"], manager_id=boss_id)
    _, root = _person(app, rt, "root", ["admin"])

    # the flow is data in the definition; a bad one is refused with its path
    draft = client.get(f"{BASE}/draft").get_json()["definition"]
    bad = client.put(f"{BASE}/draft", json={**draft, "approval": {"approvers": [{"role": "ghost"}], "mode": "any"}})
    assert bad.status_code == 422 and bad.get_json()["error"]["errors"][0]["path"] == "/approval/approvers/0/role"
    assert client.put(f"{BASE}/draft", json={**draft, "approval": {"approvers": [{"owner_manager": True}]}}).status_code == 200
    assert client.post(f"{BASE}/publish").status_code == 201

    rid = sam.post(f"{BASE}/records", json={"data": {"name": "ACME"}}).get_json()["id"]
    url = f"{BASE}/records/{rid}/approval"
    assert sam.get(url).get_json()["status"] == "none"
    bad = sam.post(f"{url}/submit", json={"comment": 5})
    assert bad.status_code == 422 and bad.get_json()["error"]["errors"][0]["path"] == "/comment"
    bad = sam.post(f"{url}/submit", json={"note": "x"})
    assert bad.status_code == 422 and bad.get_json()["error"]["errors"][0]["path"] == "/note"
    submitted = sam.post(f"{url}/submit", json={"comment": "big discount"})
    assert submitted.status_code == 201 and submitted.get_json()["status"] == "pending"
    assert sam.post(f"{url}/submit").status_code == 409

    # locked: the API refuses edits and deletes with 409 and says why
    patched = sam.patch(f"{BASE}/records/{rid}", json={"data": {"phone": "13800138000"}})
    assert patched.status_code == 409 and "pending" in patched.get_json()["error"]["message"]
    assert sam.delete(f"{BASE}/records/{rid}").status_code == 409
    assert root.delete(f"{BASE}/records/{rid}").status_code == 409

    # the manager's queue and inbox; others may not decide
    queue = boss.get("/api/approvals/pending").get_json()["items"]
    assert [(q["record_id"], q["submitted_by_name"], q["comment"]) for q in queue] == [(rid, "Sam", "big discount")]
    assert boss.get("/api/inbox").get_json()["items"][0]["title"] == f"Sam asks you to approve Customer #{rid} ACME"
    assert root.post(f"{url}/approve", json={}).status_code == 403
    assert sam.post(f"{url}/approve").status_code == 403
    missing = boss.post(f"{url}/reject", json={"comment": " "})
    assert missing.status_code == 422 and missing.get_json()["error"]["errors"][0]["path"] == "/comment"
    rejected = boss.post(f"{url}/reject", json={"comment": "too cheap"})
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    assert boss.post(f"{url}/approve").status_code == 409
    assert boss.get("/api/approvals/pending").get_json()["items"] == []
    message = sam.get("/api/inbox").get_json()["items"][0]
    assert (message["title"], message["body"]) == (f"Boss rejected Customer #{rid} ACME", "too cheap")

    # unlocked again; resubmit, approve; the history shows every round and every action
    assert sam.patch(f"{BASE}/records/{rid}", json={"data": {"phone": "13800138000"}}).status_code == 200
    assert sam.post(f"{url}/submit", json={}).status_code == 201
    approved = boss.post(f"{url}/approve", json={"comment": "ok"}).get_json()
    assert approved["status"] == "approved" and [r["status"] for r in approved["history"]] == ["approved", "rejected"]
    actions = [h["action"] for h in sam.get(f"{BASE}/records/{rid}/history").get_json()["items"]]
    assert actions == ["create", "submit", "reject", "update", "submit", "approve"]
    assert sam.get(f"{BASE}/records/999999/approval").status_code == 404
    assert sam.post(f"{url}/withdraw").status_code == 409
