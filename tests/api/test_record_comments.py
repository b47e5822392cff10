"""Comments on a record through the REST API: readers only, @mentions reach the inbox of users who may read the record,
each comment in the record's history; SQLite and PostgreSQL."""
from __future__ import annotations

from engine.runtime import Actor
from engine.services import records as record_service
from engine.services.comments import MAX_COMMENT_LENGTH, mentioned_names
from tests.api.conftest import person


def test_a_mention_reaches_a_reader_and_not_someone_who_cannot_read_the_record(app, crm):
    alice, as_alice = person(crm, "alice", ["member"])
    bob, as_bob = person(crm, "bob", ["viewer"])        # reads every customer
    carol, as_carol = person(crm, "carol", ["member"])  # reads only her own customers
    rid = record_service.create_record(crm, Actor.user(alice, roles=("member",)), "crm", "customer",
                                       {"name": "Acme", "phone": "13800138000"})["id"]
    c = app.test_client()
    url = f"/api/apps/crm/forms/customer/records/{rid}/comments"
    posted = c.post(url, json={"body": "@bob please call, cc @carol and @nobody"}, headers=as_alice)
    assert posted.status_code == 201, posted.get_json()
    assert [m["id"] for m in posted.get_json()["mentions"]] == [bob]
    box = c.get("/api/inbox", headers=as_bob).get_json()
    assert [(m["record_id"], m["link"]) for m in box["items"]] == [(rid, f"/apps/crm/forms/customer/records/{rid}")]
    assert "Alice" in box["items"][0]["title"] and "@bob please call" in box["items"][0]["body"]
    assert c.get("/api/inbox", headers=as_carol).get_json()["items"] == []
    listed = c.get(url, headers=as_bob).get_json()["items"]
    assert [(x["body"], x["author_name"]) for x in listed] == [("@bob please call, cc @carol and @nobody", "Alice")]
    # carol cannot read alice's customer: its comments look like a missing record, and she cannot comment
    assert c.get(url, headers=as_carol).status_code == 404
    assert c.post(url, json={"body": "hi"}, headers=as_carol).status_code == 404
    history = record_service.record_history(crm, Actor.system(), "crm", "customer", rid)
    assert history[-1]["action"] == "comment" and history[-1]["changes"][0]["to"].startswith("@bob please call")


def test_a_picked_mention_and_a_repeat_mention_notify_once(app, crm):
    alice, as_alice = person(crm, "alice", ["member"])
    bob, as_bob = person(crm, "bob", ["viewer"])
    rid = record_service.create_record(crm, Actor.user(alice, roles=("member",)), "crm", "customer", {"name": "Acme"})["id"]
    c = app.test_client()
    url = f"/api/apps/crm/forms/customer/records/{rid}/comments"
    assert c.post(url, json={"body": "see @bob and @Bob.", "mentions": [bob]}, headers=as_alice).status_code == 201
    assert len(c.get("/api/inbox", headers=as_bob).get_json()["items"]) == 1


def test_bad_comments_are_refused_with_their_path(app, crm):
    alice, as_alice = person(crm, "alice", ["member"])
    rid = record_service.create_record(crm, Actor.user(alice, roles=("member",)), "crm", "customer", {"name": "Acme"})["id"]
    c = app.test_client()
    url = f"/api/apps/crm/forms/customer/records/{rid}/comments"
    for body, path in (({"body": "  "}, "/body"), ({"body": "x" * (MAX_COMMENT_LENGTH + 1)}, "/body"),
                       ({"body": "ok", "mentions": ["bob"]}, "/mentions"), ({"body": "ok", "mentions": [2 ** 63]}, "/mentions"), ({"body": "ok", "colour": 1}, "/colour"), ([], "/")):
        r = c.post(url, json=body, headers=as_alice)
        assert r.status_code == 422 and path in [e["path"] for e in r.get_json()["error"]["errors"]], (body, r.get_json())
    assert c.get(f"/api/apps/crm/forms/customer/records/{rid + 999}/comments", headers=as_alice).status_code == 404
    assert c.get(url, headers=as_alice).get_json()["items"] == []


def test_mentioned_names_skip_e_mail_addresses():
    assert mentioned_names("hi @bob, write to x@example.com and @li.wei.") == ["bob", "li.wei"]


def test_author_edits_and_deletes_own_comment_admin_deletes_any_history_records_both(app, crm, clock):
    alice, as_alice = person(crm, "alice", ["member"])
    bob, as_bob = person(crm, "bob", ["viewer"])
    boss, as_boss = person(crm, "boss", ["admin"])
    rid = record_service.create_record(crm, Actor.user(alice, roles=("member",)), "crm", "customer", {"name": "Acme"})["id"]
    c = app.test_client()
    url = f"/api/apps/crm/forms/customer/records/{rid}/comments"
    first = c.post(url, json={"body": "call on Monday"}, headers=as_alice).get_json()
    assert first["edited_at"] is None
    clock.advance(minutes=3)
    edited = c.patch(f"{url}/{first['id']}", json={"body": "call on Tuesday, @bob"}, headers=as_alice)
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["body"] == "call on Tuesday, @bob" and edited.get_json()["edited_at"]
    assert [m["id"] for m in edited.get_json()["mentions"]] == [bob]  # newly mentioned: told once
    assert len(c.get("/api/inbox", headers=as_bob).get_json()["items"]) == 1
    c.patch(f"{url}/{first['id']}", json={"body": "call on Tuesday, @bob!"}, headers=as_alice)
    assert len(c.get("/api/inbox", headers=as_bob).get_json()["items"]) == 1  # not told again
    # someone else's comment: neither edited nor deleted by a non-admin; the admin may delete it
    refused = c.patch(f"{url}/{first['id']}", json={"body": "mine now"}, headers=as_bob)
    assert refused.status_code == 403 and refused.get_json()["error"]["errors"][0]["path"] == "/comment"
    assert c.delete(f"{url}/{first['id']}", headers=as_bob).status_code == 403
    assert c.patch(f"{url}/{first['id']}", json={"body": ""}, headers=as_alice).status_code == 422
    second = c.post(url, json={"body": "second"}, headers=as_alice).get_json()
    assert c.delete(f"{url}/{second['id']}", headers=as_alice).status_code == 204
    assert c.delete(f"{url}/{first['id']}", headers=as_boss).status_code == 204
    assert c.delete(f"{url}/{first['id']}", headers=as_boss).status_code == 404
    assert c.get(url, headers=as_alice).get_json()["items"] == []
    history = record_service.record_history(crm, Actor.system(), "crm", "customer", rid)
    actions = [(h["action"], h["changes"][0]["from"], h["changes"][0]["to"]) for h in history if h["action"].startswith("comment")]
    assert actions == [("comment", None, "call on Monday"), ("comment_edit", "call on Monday", "call on Tuesday, @bob"),
                       ("comment_edit", "call on Tuesday, @bob", "call on Tuesday, @bob!"), ("comment", None, "second"),
                       ("comment_delete", "second", None), ("comment_delete", "call on Tuesday, @bob!", None)]
