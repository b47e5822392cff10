"""A workflow's webhook through the REST API: the documented payload (record, app, form, link, chosen fields,
text in the owner's language), signed with the write-only secret, delivered once; a template used, refused with a message."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading

import pytest
import sqlalchemy as sa
from tests.conftest import served
from werkzeug.wrappers import Request, Response

from engine.scheduler import tick
from engine.storage.tables import users
from tests.workflows.conftest import add_user, publish_reminder_app

SECRET = "s3cret-signing-key"


class SigningReceiver:
    """A local HTTP server keeping each call's raw body and headers."""

    def __init__(self):
        self.calls: list[tuple[bytes, dict]] = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        request = Request(environ)
        with self.lock:
            self.calls.append((request.get_data(), dict(request.headers)))
        return Response("ok")(environ, start_response)


@pytest.fixture
def hook():
    app = SigningReceiver()
    with served(app) as server:
        app.url = f"http://127.0.0.1:{server.server_port}/hook"
        yield app


@pytest.fixture
def api(app, client):
    rt = publish_reminder_app(app, client)
    sales = add_user(rt, "sales", "Asia/Shanghai")
    with rt.db.transaction() as conn:
        conn.execute(sa.update(users).where(users.c.id == sales).values(locale="zh-CN"))
    return rt, sales


def _workflow(url: str, **step) -> dict:
    return {"key": "tell_erp", "form": "reminder", "trigger": {"type": "record_event", "on": ["created"]},
            "steps": [{"id": "erp", "type": "webhook", "url": url, "secret": SECRET, "fields": ["customer", "status"],
                       "message": {"subject": "Follow up {{ record.customer }}", "body": "Call {{ record.customer }}"},
                       "messages": {"zh-CN": {"subject": "跟进 {{ record.customer }}", "body": "致电 {{ record.customer }}"}},
                       **step}]}


def test_webhook_payload_is_documented_signed_and_sent_once(api, client, clock, hook):
    rt, sales = api
    r = client.post("/api/apps/crm/workflows", json=_workflow(hook.url))
    assert r.status_code == 201, r.get_json()
    shown = client.get("/api/apps/crm/workflows/tell_erp").get_json()
    assert SECRET not in json.dumps(shown)  # write-only: a mask comes back, never the text
    assert client.post("/api/apps/crm/workflows/tell_erp/publish").status_code == 201
    rid = client.post("/api/apps/crm/forms/reminder/records", json={
        "data": {"customer": "ACME", "status": "pending", "content": "not sent"}, "owner_id": sales}).get_json()["id"]

    explained = client.post("/api/apps/crm/workflows/tell_erp/dry-run", json={"record_id": rid}).get_json()
    step = explained["steps"][0]
    assert step["signed"] is True and step["subject"] == "跟进 ACME" and step["data"]["record"]["fields"]["customer"] == "ACME"

    tick(rt)
    tick(rt)
    assert len(hook.calls) == 1
    body, headers = hook.calls[0]
    stamp = headers["X-Formflow-Timestamp"]
    expected = hmac.new(SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert headers["X-Formflow-Signature"] == f"sha256={expected}"
    doc = json.loads(body)
    assert doc["record"]["id"] == rid and doc["record"]["app"] == "crm" and doc["record"]["form"] == "reminder"
    assert doc["record"]["link"].endswith(f"/{rid}") and doc["link"] == doc["record"]["link"]
    assert doc["record"]["fields"] == {"customer": "ACME", "status": "pending"}  # only the chosen fields
    assert doc["language"] == "zh-CN" and doc["subject"] == "跟进 ACME" and doc["text"] == "致电 ACME"
    assert doc["workflow"] == {"app": "crm", "key": "tell_erp", "version": 1, "step": "erp"}
    assert doc["recipient"]["user_id"] == sales and doc["idempotency_key"]
    # the due views: fired rows leave the default list, ?status= shows them with their state
    assert client.get(f"/api/apps/crm/records/{rid}/due").get_json()["items"] == []
    done = client.get(f"/api/apps/crm/records/{rid}/due?status=done,cancelled").get_json()["items"]
    assert [d["status"] for d in done] == ["done"] and "reason" in done[0]
    assert client.get(f"/api/apps/crm/workflows/tell_erp/due?status=all&record_id={rid}").get_json()["items"] == done
    bad = client.get(f"/api/apps/crm/records/{rid}/due?status=gone")
    assert bad.status_code == 422 and bad.get_json()["error"]["errors"][0]["path"] == "/status"

    # the owner reads English: the default message
    with rt.db.transaction() as conn:
        conn.execute(sa.update(users).where(users.c.id == sales).values(locale="en"))
    client.post("/api/apps/crm/forms/reminder/records", json={"data": {"customer": "Globex"}, "owner_id": sales})
    tick(rt)
    doc = json.loads(hook.calls[1][0])
    assert doc["language"] == "en" and doc["subject"] == "Follow up Globex" and doc["text"] == "Call Globex"


def test_webhook_step_template_is_checked_and_fields_must_exist(api, client, hook):
    r = client.post("/api/apps/crm/workflows", json=_workflow(hook.url, template="no_such_template"))
    assert r.status_code == 422
    paths = [e["path"] for e in r.get_json()["error"]["errors"]]
    assert any(p.startswith("/steps/0/message") for p in paths), paths  # a template and a message: refused
    bad = _workflow(hook.url, template="no_such_template")
    bad["steps"][0].pop("message")
    bad["steps"][0].pop("messages")
    r = client.post("/api/apps/crm/workflows", json=bad)
    assert r.status_code == 422 and "/steps/0/template" in [e["path"] for e in r.get_json()["error"]["errors"]]
    r = client.post("/api/apps/crm/workflows", json=_workflow(hook.url, fields=["customer", "nope"]))
    assert r.status_code == 422 and "/steps/0/fields/1" in [e["path"] for e in r.get_json()["error"]["errors"]]
