"""What the generated form relies on, through the REST API on SQLite and PostgreSQL: an idempotent create (the same
``Idempotency-Key`` twice makes one record), fetched values as soon as a reference is picked (through the read gate),
the new-record page starting from resolved defaults (never "$now"), and a fetch that never overwrites a chosen value."""
from __future__ import annotations

import re
import json
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from engine.runtime import Actor
from engine.services import credentials, users
from engine.storage.idempotency_tables import idempotency_keys

RECORDS = "/api/apps/crm/forms/{}/records".format


def _member(rt, app, username):
    user = users.create_user(rt, Actor.system(), username, display_name=username.title(), roles=["member"], check=False)
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {credentials.create_token(rt, Actor.user(user['id']), 'tests')['token']}"
    return user["id"], client


def _crm(app, client):
    assert client.post("/api/app-templates/install", json={"template": "crm"}).status_code == 201
    return app.extensions["formflow"]


def test_the_same_idempotency_key_makes_one_record(app, client):
    rt = _crm(app, client)
    ann, as_ann = _member(rt, app, "ann")
    body = {"data": {"name": "Acosta-Payne"}}
    first = as_ann.post(RECORDS("customer"), json=body, headers={"Idempotency-Key": "load-1"})
    again = as_ann.post(RECORDS("customer"), json=body, headers={"Idempotency-Key": "load-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert len(client.get(RECORDS("customer")).get_json()["items"]) == 1
    # another load is another record (the duplicate check then speaks), and another user's key is theirs
    other = as_ann.post(RECORDS("customer"), json={"data": {"name": "Globex"}}, headers={"Idempotency-Key": "load-2"})
    assert other.status_code == 201 and other.get_json()["id"] != first.get_json()["id"]
    bob, as_bob = _member(rt, app, "bob")
    assert as_bob.post(RECORDS("customer"), json={"data": {"name": "Initech"}}, headers={"Idempotency-Key": "load-1"}).status_code == 201
    with rt.db.read() as conn:
        assert sorted(conn.execute(sa.select(idempotency_keys.c.actor_id, idempotency_keys.c.key)).all()) == [
            (ann, "load-1"), (ann, "load-2"), (bob, "load-1")]
    # a key that can't be one is refused, naming the header
    r = as_ann.post(RECORDS("customer"), json={"data": {"name": "Umbrella"}}, headers={"Idempotency-Key": "has space"})
    assert r.status_code == 422 and r.get_json()["error"]["errors"][0]["path"] == "/headers/Idempotency-Key"
    # a failed create keeps no key: the corrected submit of the same load is saved
    r = as_ann.post(RECORDS("follow_up"), json={"data": {"method": "call"}}, headers={"Idempotency-Key": "load-3"})
    assert r.status_code == 422
    r = as_ann.post(RECORDS("follow_up"), json={"data": {"customer": first.get_json()["id"], "method": "call", "content": "hello"}},
                    headers={"Idempotency-Key": "load-3"})
    assert r.status_code == 201, r.get_json()


def test_two_concurrent_submits_of_one_load_make_one_record(app, client):
    rt = _crm(app, client)
    _, as_ann = _member(rt, app, "ann")
    customer = as_ann.post(RECORDS("customer"), json={"data": {"name": "Acosta-Payne"}}).get_json()
    body = {"data": {"customer": customer["id"], "method": "call", "content": "double click"}}

    def submit(_):
        c = app.test_client()
        c.environ_base.update(as_ann.environ_base)
        r = c.post(RECORDS("follow_up"), json=body, headers={"Idempotency-Key": "double-click"})
        return r.status_code, r.get_json()["id"]

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(submit, range(2)))
    assert sorted(code for code, _ in results) == [200, 201]
    assert len({rid for _, rid in results}) == 1
    assert len(client.get(RECORDS("follow_up")).get_json()["items"]) == 1


def test_fetched_values_on_pick_through_the_read_gate(app, client):
    rt = _crm(app, client)
    ann, as_ann = _member(rt, app, "ann")
    bob, as_bob = _member(rt, app, "bob")
    customer = as_ann.post(RECORDS("customer"), json={"data": {"name": "Acosta-Payne", "phone": "+86 138 0013 8000"}}).get_json()
    r = as_ann.get(f"/api/apps/crm/forms/follow_up/fetch?field=customer&id={customer['id']}")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["values"] == {"customer_name": "Acosta-Payne", "owner": ann, "phone": "+8613800138000"}
    assert r.get_json()["titles"] == {"owner": [{"id": ann, "title": "Ann"}]}
    # bob may not read ann's customer: it answers as a missing one
    assert as_bob.get(f"/api/apps/crm/forms/follow_up/fetch?field=customer&id={customer['id']}").status_code == 404
    assert as_ann.get("/api/apps/crm/forms/follow_up/fetch?field=method&id=1").status_code == 422
    assert as_ann.get("/api/apps/crm/forms/follow_up/fetch?field=customer&id=x").status_code == 422


def test_a_chosen_value_is_kept_and_an_untouched_one_refilled(app, client):
    rt = _crm(app, client)
    ann, as_ann = _member(rt, app, "ann")
    a = client.post(RECORDS("customer"), json={"data": {"name": "Acosta-Payne", "owner": ann}}).get_json()
    b = client.post(RECORDS("customer"), json={"data": {"name": "Globex"}}).get_json()
    admin = b["data"]["owner"]
    # the form sends what the user chose (customer_name typed over) and what it fetched (owner): one is kept
    r = client.post(RECORDS("follow_up"), json={"data": {"customer": a["id"], "customer_name": "Acosta (HQ)", "owner": ann,
                                                         "method": "call", "content": "x"}})
    rec = r.get_json()
    assert (rec["data"]["customer_name"], rec["data"]["owner"]) == ("Acosta (HQ)", ann)
    # another customer: values left as they were follow it; one changed in the same edit stays the user's
    r = client.patch(f"{RECORDS('follow_up')}/{rec['id']}", json={"data": {"customer": b["id"], "owner": ann}})
    assert (r.get_json()["data"]["customer_name"], r.get_json()["data"]["owner"]) == ("Globex", admin)
    r = client.patch(f"{RECORDS('follow_up')}/{rec['id']}", json={"data": {"customer": a["id"], "owner": admin, "phone": "+86 139 0000 0000"}})
    assert (r.get_json()["data"]["owner"], r.get_json()["data"]["phone"]) == (ann, "+8613900000000")


def test_the_new_record_page_starts_from_resolved_defaults(app, client, clock):
    rt = _crm(app, client)
    admin_id = client.get("/api/me").get_json()["user"]["id"]
    page = client.get("/apps/crm/forms/follow_up/new")
    assert page.status_code == 200
    config = json.loads(re.search(r'<script type="application/json" id="form-config">(.*?)</script>', page.get_data(as_text=True), re.S).group(1))
    assert config["values"]["followed_at"] == "2026-03-09T00:00:00Z" and config["values"]["enable_reminder"] is False
    assert "$now" not in json.dumps(config["values"])
    assert config["fetch_url"] == "/api/apps/crm/forms/follow_up/fetch" and config["ref_second"]["customer"] == "phone"
    customer = client.get("/apps/crm/forms/customer/new")
    config = json.loads(re.search(r'id="form-config">(.*?)</script>', customer.get_data(as_text=True), re.S).group(1))
    assert config["values"]["owner"] == admin_id and config["ref_titles"]["owner"][0]["id"] == admin_id
