"""One owner (issue 23): the CRM follow-up's Owner field is the record's owner. Chosen by hand it is kept (a fetch from
the customer never overwrites it), fetched it follows the customer; the reminder the automation creates carries it, the
reminder's notification goes to it, and the "own" scope follows it. Through the REST API on SQLite and PostgreSQL."""
from __future__ import annotations

import sqlalchemy as sa

from engine.notifications.tables import inbox_messages
from engine.runtime import Actor
from engine.scheduler import tick
from engine.services import credentials, users
from engine.workflows.tables import due_events

RECORDS = "/api/apps/crm/forms/{}/records".format


def _member(rt, app, username):
    user = users.create_user(rt, Actor.system(), username, display_name=username.title(), roles=["member"],
                             timezone="Asia/Shanghai", check=False)
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {credentials.create_token(rt, Actor.user(user['id']), 'tests')['token']}"
    return user["id"], client


def test_the_follow_up_owner_chosen_or_fetched_is_the_record_owner(app, client, clock):
    rt = app.extensions["formflow"]
    assert client.post("/api/app-templates/install", json={"template": "crm"}).status_code == 201
    ann, as_ann = _member(rt, app, "ann")
    bob, as_bob = _member(rt, app, "bob")
    r = as_ann.post(RECORDS("customer"), json={"data": {"name": "Acosta-Payne", "phone": "+86 138 0013 8000"}})
    assert r.status_code == 201, r.get_json()
    customer = r.get_json()
    assert (customer["data"]["owner"], customer["owner_id"]) == (ann, ann)

    # fetched: the Owner comes from the customer, and so does the record owner
    r = as_ann.post(RECORDS("follow_up"), json={"data": {"customer": customer["id"], "method": "call", "content": "first call"}})
    assert r.status_code == 201, r.get_json()
    assert (r.get_json()["data"]["owner"], r.get_json()["owner_id"]) == (ann, ann)

    # chosen by hand: kept on save (the customer's owner is ann), and the record is bob's
    r = as_ann.post(RECORDS("follow_up"), json={"data": {
        "customer": customer["id"], "owner": bob, "method": "visit", "content": "visit the head office",
        "enable_reminder": True, "next_follow_up": "2026-03-10T15:00:00+08:00"}})
    assert r.status_code == 201, r.get_json()
    chosen = r.get_json()
    assert (chosen["data"]["owner"], chosen["owner_id"], chosen["data"]["customer_name"]) == (bob, bob, "Acosta-Payne")

    # scope "own" follows the field: bob reads it, ann (who typed it) no longer does
    assert as_bob.get(f"{RECORDS('follow_up')}/{chosen['id']}").status_code == 200
    assert as_ann.get(f"{RECORDS('follow_up')}/{chosen['id']}").status_code == 404
    assert [x["id"] for x in as_bob.get(RECORDS("follow_up")).get_json()["items"]] == [chosen["id"]]

    # the reminder carries the Owner; its due events are bob's, and the notice reaches bob, not ann
    reminders = client.get(RECORDS("follow_up_reminder")).get_json()["items"]
    assert [(x["data"]["owner"], x["owner_id"]) for x in reminders] == [(bob, bob)]
    with rt.db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(due_events)
                            .where(due_events.c.record_id == reminders[0]["id"])).scalar() == 2
    clock.set("2026-03-10T07:00:00Z")
    tick(rt)
    with rt.db.read() as conn:
        got = [(row.user_id, row.title) for row in conn.execute(sa.select(inbox_messages)) if "Acosta-Payne" in row.title]
        assert [u for u, _ in got] == [bob], got

    # an edit that changes the Owner hands the record over; one that leaves it keeps it
    r = client.patch(f"{RECORDS('follow_up')}/{chosen['id']}", json={"data": {"owner": ann, "enable_reminder": False}})
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["data"]["owner"], r.get_json()["owner_id"]) == (ann, ann)
    assert as_ann.get(f"{RECORDS('follow_up')}/{chosen['id']}").status_code == 200


def test_an_owner_field_must_be_a_single_user_field(client):
    assert client.post("/api/apps", json={"key": "s", "label": "S"}).status_code == 201
    r = client.post("/api/apps/s/forms", json={"key": "task", "label": "Task", "fields": [
        {"id": "title", "type": "text"}, {"id": "who", "type": "user", "options": {"multiple": True}}],
        "settings": {"owner_field": "title"}})
    assert r.status_code == 201, r.get_json()
    r = client.post("/api/apps/s/forms/task/publish")
    assert r.status_code == 422
    assert [e["path"] for e in r.get_json()["error"]["errors"]] == ["/settings/owner_field"]
