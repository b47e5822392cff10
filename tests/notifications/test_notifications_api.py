"""REST API for notification templates and the inbox: status codes, error paths, OpenAPI (SQLite + PostgreSQL)."""
import pytest
from flask import g
from openapi_spec_validator import validate

from engine.runtime import Actor
from tests.notifications.crm_sample import CONTENT, build

BASE = "/api/apps/crm/notification-templates"


@pytest.fixture
def crm(app):
    return build(app.extensions["formflow"])


@pytest.fixture
def acting(app):
    """Choose who the next requests act as (auth is its own area; this sets g.actor after it)."""
    who = {"actor": None}

    @app.before_request
    def _as():
        if who["actor"] is not None:
            g.actor = who["actor"]

    def use(actor):
        who["actor"] = actor
    return use


def test_openapi_lists_the_routes_and_stays_valid(client):
    spec = client.get("/api/openapi.json").get_json()
    validate(spec)
    for path in ("/api/apps/{app_key}/notification-templates/{template_key}/approve", "/api/inbox/{message_id}/read",
                 "/api/inbox/unread-count", "/api/inbox/read-all", "/api/apps/{app_key}/notification-templates/{template_key}/preview"):
        assert path in spec["paths"]


def test_lifecycle_over_rest(client, crm, acting):
    acting(crm["author"])
    r = client.post(BASE, json={"key": "follow_up", "form": "reminder", "label": {"en": "Follow-up"}, "content": CONTENT})
    assert r.status_code == 201 and r.get_json()["state"] == "draft"
    assert client.post(f"{BASE}/follow_up/publish").status_code == 409
    assert client.post(f"{BASE}/follow_up/submit").get_json()["state"] == "submitted"
    assert client.post(f"{BASE}/follow_up/approve").status_code == 403  # author is no reviewer
    acting(crm["reviewer"])
    r = client.post(f"{BASE}/follow_up/reject", json={})
    assert r.status_code == 422 and r.get_json()["error"]["errors"][0]["path"] == "/comment"
    r = client.post(f"{BASE}/follow_up/reject", json={"comment": "Add the customer level"})
    assert r.get_json()["review_comment"] == "Add the customer level"
    acting(crm["author"])
    assert client.patch(f"{BASE}/follow_up", json={"label": "Follow-up reminder"}).get_json()["state"] == "draft"
    client.post(f"{BASE}/follow_up/submit")
    acting(crm["reviewer"])
    assert client.post(f"{BASE}/follow_up/approve").get_json()["state"] == "approved"
    acting(crm["author"])
    live = client.post(f"{BASE}/follow_up/publish").get_json()
    assert (live["state"], live["published_revision"]) == ("published", 1)
    edit = client.patch(f"{BASE}/follow_up", json={"content": {"default": {"body": "v2 {{ record.content }}"}}}).get_json()
    assert (edit["revision"], edit["state"], edit["published_revision"]) == (2, "draft", 1)
    items = client.get(BASE).get_json()["items"]
    assert [(t["key"], t["revision"], t["published_revision"]) for t in items] == [("follow_up", 2, 1)]
    revisions = client.get(f"{BASE}/follow_up/revisions").get_json()["items"]
    assert [(x["revision"], x["status"]) for x in revisions] == [(1, "published"), (2, "draft")]
    assert client.get(f"{BASE}/follow_up/revisions/1").get_json()["content"] == CONTENT
    assert client.get(f"{BASE}/follow_up/revisions/9").status_code == 404
    preview = client.post(f"{BASE}/follow_up/preview", json={"record_id": crm["reminder"]}).get_json()
    assert preview["body"] == "v2 Bring the <b>contract</b>" and preview["revision"] == 2
    old = client.post(f"{BASE}/follow_up/preview", json={"record_id": crm["reminder"], "revision": 1}).get_json()
    assert old["body"].startswith("Li Lei: follow up ACME <Ltd> (key) at 2026-03-10 15:00")


@pytest.mark.parametrize("body, path", [
    ("Hello {{ record.nope }}", "/content/default/body"),
    ("{{ ''.__class__ }}", "/content/default/body"),
    ("{{ record|attr('__class__') }}", "/content/default/body"),
    ("{% for x in %}", "/content/default/body"),
])
def test_bad_templates_are_422_with_a_path(client, crm, body, path):
    r = client.post(BASE, json={"key": "bad", "form": "reminder", "label": "Bad", "content": {"default": {"body": body}}})
    assert r.status_code == 422
    error = r.get_json()["error"]
    assert error["errors"][0]["path"] == path and error["errors"][0]["line"] == 1
    assert client.get(f"{BASE}/bad").status_code == 404


def test_request_shape_errors(client, crm):
    r = client.post(BASE, json={"key": "Bad Key", "form": "reminder", "label": "x", "content": CONTENT, "colour": "red"})
    assert r.status_code == 422
    assert {e["path"] for e in r.get_json()["error"]["errors"]} == {"/key", "/colour"}
    assert client.post("/api/apps/nope/notification-templates", json={"key": "a", "form": "reminder", "label": "x",
                                                                       "content": CONTENT}).status_code == 404
    client.post(BASE, json={"key": "follow_up", "form": "reminder", "label": "x", "content": CONTENT})
    assert client.post(BASE, json={"key": "follow_up", "form": "reminder", "label": "x", "content": CONTENT}).status_code == 409
    assert client.post(f"{BASE}/follow_up/preview", json={"record_id": 999}).status_code == 404
    loop = client.patch(f"{BASE}/follow_up", json={"content": {"default": {"body": "{% for i in range(10**9) %}x{% endfor %}"}}})
    assert loop.status_code == 200
    capped = client.post(f"{BASE}/follow_up/preview", json={"record_id": crm["reminder"]})
    assert capped.status_code == 422 and "range" in capped.get_json()["error"]["message"]


def test_inbox_over_rest(client, crm, acting, smtp_server, app):
    client.post(BASE, json={"key": "follow_up", "form": "reminder", "label": "x", "content": CONTENT})
    anonymous = app.test_client()
    assert anonymous.get("/api/inbox").status_code == 401
    acting(Actor.system())  # the system actor has no inbox and nobody to send a test to
    assert client.get("/api/inbox").status_code == 401
    assert client.post(f"{BASE}/follow_up/test-send", json={}).status_code == 401
    acting(Actor.user(crm["li"], roles=("member",)))
    assert client.get("/api/inbox/unread-count").get_json() == {"unread": 0}
    app.extensions["formflow"].config["NOTIFICATION_EMAIL"] = {"host": "127.0.0.1", "port": smtp_server.port,
                                                               "from_address": "crm@example.com"}
    sent = client.post(f"{BASE}/follow_up/test-send", json={"record_id": crm["reminder"]}).get_json()
    assert sent["inbox"]["ok"] and sent["email"]["ok"] and len(smtp_server.envelopes) == 1
    client.post(f"{BASE}/follow_up/test-send")
    listing = client.get("/api/inbox?page_size=1").get_json()
    assert (listing["total"], listing["unread"], len(listing["items"])) == (2, 2, 1)
    first = listing["items"][0]
    r = client.post(f"/api/inbox/{first['id']}/read")
    assert r.status_code == 200 and r.get_json()["read"] is True
    assert client.get("/api/inbox/unread-count").get_json() == {"unread": 1}
    assert client.get("/api/inbox").get_json()["items"][-1]["id"] == first["id"]  # read ones last
    assert client.get("/api/inbox?page_size=0").status_code == 422
    acting(Actor.user(crm["han"], roles=("member",)))
    assert client.post(f"/api/inbox/{first['id']}/read").status_code == 404  # not Han's message
    acting(Actor.user(crm["li"], roles=("member",)))
    assert client.post("/api/inbox/read-all").get_json()["marked"] == 1
    assert client.get("/api/inbox/unread-count").get_json() == {"unread": 0}


def test_stale_template_edit_is_412_and_overwrites_nothing(client, crm):
    created = client.post(BASE, json={"key": "stale_check", "label": "Stale", "form": "reminder", "content": CONTENT})
    assert created.status_code == 201, created.get_json()
    loaded = client.get(f"{BASE}/stale_check").get_json()
    first = client.patch(f"{BASE}/stale_check", json={"label": "Stale, renamed"},
                         headers={"If-Match": loaded["etag"]})
    assert first.status_code == 200, first.get_json()
    stale = client.patch(f"{BASE}/stale_check", json={"label": "Stale, overwritten"},
                         headers={"If-Match": loaded["etag"]})
    assert stale.status_code == 412 and stale.get_json()["error"]["current_etag"] == first.get_json()["etag"]
    assert client.get(f"{BASE}/stale_check").get_json()["label"] == "Stale, renamed"


def test_an_approver_approves_and_publishes_over_rest_and_admins_set_who_publishes(client, crm, acting):
    acting(crm["author"])
    client.post(BASE, json={"key": "follow_up", "form": "reminder", "label": "Follow-up", "content": CONTENT})
    assert client.post(f"{BASE}/follow_up/submit").get_json()["allowed_actions"] == ["withdraw"]
    acting(crm["reviewer"])
    approved = client.post(f"{BASE}/follow_up/approve").get_json()
    assert approved["allowed_actions"] == ["publish"]  # not "edit": an approver writes no templates
    assert client.post(f"{BASE}/follow_up/publish").get_json()["state"] == "published"
    assert client.get("/api/notification-templates/review-settings").get_json() == {"self_review": False, "publisher": "both"}
    r = client.patch("/api/notification-templates/review-settings", json={"publisher": "approver"})
    assert r.status_code == 403
    acting(crm["admin"])
    r = client.patch("/api/notification-templates/review-settings", json={"publisher": "someone"})
    assert r.status_code == 422 and r.get_json()["error"]["errors"][0]["path"] == "/publisher"
    r = client.patch("/api/notification-templates/review-settings", json={"publisher": "approver"})
    assert r.get_json() == {"self_review": False, "publisher": "approver"}
    acting(crm["author"])
    client.patch(f"{BASE}/follow_up", json={"label": "v2"})
    client.post(f"{BASE}/follow_up/submit")
    acting(crm["reviewer"])
    client.post(f"{BASE}/follow_up/approve")
    acting(crm["author"])
    assert "publish" not in client.get(f"{BASE}/follow_up").get_json()["allowed_actions"]
    r = client.post(f"{BASE}/follow_up/publish")
    assert r.status_code == 403 and "its approver" in r.get_json()["error"]["message"]
