"""SCENARIO.md end to end on the installed CRM template, through the REST API, on SQLite and PostgreSQL, the clock moved:
customer with serial and grade, duplicate refused naming the record, follow-up with fetched values, hidden next
follow-up dropped, submit validation messages, reminder auto-created and updated (not duplicated), the notification
template reviewed (four eyes) and published before use, the timed workflow 1 day before at 09:00 and 1 hour before,
owner + manager on CC, inbox + chat webhook, each once, cancelled when done. The same steps run on the app
installed from the template and on the app rebuilt from nothing through the public API."""
from __future__ import annotations

import json
from importlib import resources

import pytest
import sqlalchemy as sa

from engine.notifications.tables import inbox_messages
from engine.runtime import Actor
from engine.scheduler import tick
from engine.services import credentials, users
from tests.workflows.conftest import receiver  # noqa: F401  (a real local webhook receiver)


def _person(rt, app, username, manager_id=None):
    user = users.create_user(rt, Actor.system(), username, display_name=username.title(), roles=["admin"], manager_id=manager_id,
                             timezone="Asia/Shanghai", check=False)
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {credentials.create_token(rt, Actor.user(user['id']), 'tests')['token']}"
    return user["id"], client


def _inbox(rt):
    with rt.db.read() as conn:
        # the reminders; a template's reviewers are told in their inbox too, counted apart
        reminders = sa.or_(inbox_messages.c.source.is_(None), ~inbox_messages.c.source.like("template-review:%"))
        return sorted((r.user_id, r.title) for r in conn.execute(sa.select(inbox_messages).where(reminders)))


def _rebuild_through_the_public_api(client, reviewer):
    """What a business admin does from an empty workspace with the REST API alone: every piece of the CRM is sent to
    the ordinary endpoints (apps, forms, drafts, publish, notification templates with review, workflows); nothing goes
    through the template installer, so the template can hold nothing an admin couldn't build."""
    source = json.loads(resources.files("builtin_apps").joinpath("crm.json").read_text("utf-8"))
    assert client.post("/api/apps", json={"key": "crm", "label": source["label"]}).status_code == 201
    for form in source["forms"]:  # every form first (they refer to each other), then their full drafts
        r = client.post("/api/apps/crm/forms", json={"key": form["key"], "label": form["label"], "fields": []})
        assert r.status_code == 201, r.get_json()
    for form in source["forms"]:  # roll-ups count other forms' fields: they come once those fields exist
        rollups = {f["id"] for f in form["fields"] if f["type"] == "rollup"}
        first = {**form, "fields": [f for f in form["fields"] if f["id"] not in rollups],
                 "layout": {"sections": [{**sec, "fields": [x for x in sec["fields"] if x not in rollups]}
                                         for sec in form["layout"]["sections"]]}}
        r = client.put(f"/api/apps/crm/forms/{form['key']}/draft", json=first)
        assert r.status_code == 200, r.get_json()
    for form in source["forms"]:
        r = client.put(f"/api/apps/crm/forms/{form['key']}/draft", json=form)
        assert r.status_code == 200, r.get_json()
    for form in source["forms"]:
        r = client.post(f"/api/apps/crm/forms/{form['key']}/publish")
        assert r.status_code == 201, r.get_json()
    for item in source["templates"]:
        base = f"/api/apps/crm/notification-templates/{item['key']}"
        r = client.post("/api/apps/crm/notification-templates", json={
            "key": item["key"], "form": item["form"], "label": item["label"], "content": item["content"],
            "purpose": item.get("purpose", "notification")})
        assert r.status_code == 201, r.get_json()
        assert client.post(f"{base}/submit").status_code == 200
        assert reviewer.post(f"{base}/approve", json={"comment": "ok"}).status_code == 200
        assert client.post(f"{base}/publish").status_code == 200
    for wf in source["workflows"]:
        assert client.post("/api/apps/crm/workflows", json=wf).status_code == 201
        assert client.post(f"/api/apps/crm/workflows/{wf['key']}/publish").status_code == 201


@pytest.fixture(params=["installed", "rebuilt"])
def crm(request, app, client):
    rt = app.extensions["formflow"]
    rt.config["WEBHOOK_ALLOWLIST"] = ["127.0.0.1/32"]
    boss, boss_client = _person(rt, app, "boss")
    sales, sales_client = _person(rt, app, "sales", manager_id=boss)
    if request.param == "installed":
        assert client.post("/api/app-templates/install", json={"template": "crm"}).status_code == 201
    else:
        _rebuild_through_the_public_api(client, boss_client)
    return rt, {"boss": boss, "sales": sales}, {"boss": boss_client, "sales": sales_client}


def test_the_sales_follow_up_scenario(crm, client, clock, receiver):  # noqa: F811
    rt, people, as_ = crm
    sales = as_["sales"]
    records = "/api/apps/crm/forms/{}/records".format

    # 1. customer: serial in format, owner defaults to the submitter, grade by rule; a duplicate is refused naming it
    r = sales.post(records("customer"), json={"data": {"name": "华为技术有限公司", "industry": "manufacturing", "need": "clear",
                                                       "phone": "+86 138 0013 8000"}})
    assert r.status_code == 201, r.get_json()
    customer = r.get_json()
    assert customer["data"]["serial"] == "KH-20260309-0001"
    assert (customer["data"]["owner"], customer["data"]["grade"], customer["data"]["level"]) == (people["sales"], "A", "key")
    dup = sales.post(records("customer"), json={"data": {"name": "华为技术 股份有限公司"}})
    assert dup.status_code == 409
    assert dup.get_json()["error"]["errors"][0]["record_id"] == customer["id"]
    assert "华为技术有限公司" in dup.get_json()["error"]["message"]

    # 2. follow-up without a reminder: smart reference fills name/owner/phone; the hidden next follow-up is dropped
    r = sales.post(records("follow_up"), json={"data": {"customer": customer["id"], "method": "call", "content": "first call",
                                                        "enable_reminder": False, "next_follow_up": "2026-03-12T10:00:00+08:00"}})
    assert r.status_code == 201, r.get_json()
    quiet = r.get_json()["data"]
    assert quiet["serial"] == "GJ-20260309-0001"
    assert (quiet["customer_name"], quiet["owner"], quiet["phone"]) == ("华为技术有限公司", people["sales"], "+8613800138000")
    assert "next_follow_up" not in quiet

    # 3. submit validation: messages an admin wrote, on the field
    r = sales.post(records("follow_up"), json={"data": {"customer": customer["id"], "method": "visit", "content": "短",
                                                        "enable_reminder": True, "next_follow_up": "2026-03-08T10:00:00+08:00"}})
    assert r.status_code == 422
    messages = {e["field_id"]: e["message"] for e in r.get_json()["error"]["errors"]}
    assert "later than now" in messages["next_follow_up"] and "10 characters" in messages["content"]
    r = sales.post(records("follow_up"), json={"data": {"customer": customer["id"], "method": "call", "content": "call again",
                                                        "enable_reminder": True}})
    assert r.status_code == 422 and [e["field_id"] for e in r.get_json()["error"]["errors"]] == ["next_follow_up"]

    # 4. with a reminder: the reminder is created with the mapped fields, and an edit updates that same reminder
    r = sales.post(records("follow_up"), json={"data": {"customer": customer["id"], "method": "visit", "content": "拜访客户总部，讨论方案",
                                                        "enable_reminder": True, "next_follow_up": "2026-03-10T15:00:00+08:00"}})
    assert r.status_code == 201, r.get_json()
    follow_up = r.get_json()
    reminders = client.get(records("follow_up_reminder")).get_json()["items"]
    assert len(reminders) == 1
    reminder = reminders[0]
    assert {k: reminder["data"][k] for k in ("customer", "owner", "remind_at", "status", "follow_up")} == {
        "customer": customer["id"], "owner": people["sales"], "remind_at": "2026-03-10T07:00:00Z", "status": "pending",
        "follow_up": follow_up["id"]}
    assert "华为技术有限公司" in reminder["data"]["content"]
    r = sales.patch(f"{records('follow_up')}/{follow_up['id']}", json={"data": {"next_follow_up": "2026-03-10T16:00:00+08:00"}})
    assert r.status_code == 200, r.get_json()
    reminders = client.get(records("follow_up_reminder")).get_json()["items"]
    assert [(x["id"], x["data"]["remind_at"]) for x in reminders] == [(reminder["id"], "2026-03-10T08:00:00Z")]
    customer_now = client.get(f"{records('customer')}/{customer['id']}").get_json()["data"]
    assert customer_now["follow_up_count"] == 2

    # 5. the notification template: an edit is a new revision that serves only after review (four eyes) and publish
    base = "/api/apps/crm/notification-templates/follow_up_reminder_notice"
    assert client.get(base).get_json()["state"] == "published"
    r = client.patch(base, json={"content": {"default": {"subject": "请跟进 {{ record.customer.name }}",
                                                         "body": "{{ user.name }}：{{ record.remind_at | datetime }} 跟进 {{ record.customer.name }}"}}})
    assert r.status_code == 200, r.get_json()
    assert client.post(f"{base}/submit").status_code == 200
    assert client.post(f"{base}/approve", json={}).status_code == 403  # the author can't approve their own text
    assert as_["boss"].post(f"{base}/approve", json={"comment": "ok"}).status_code == 200
    assert client.post(f"{base}/publish").status_code == 200

    # 6. the chat channel: the admin adds a webhook robot to the shipped workflow (edited like any other)
    wf = "/api/apps/crm/workflows/follow_up_reminder_notice"
    definition = client.get(wf).get_json()["definition"]
    definition["steps"][0]["channels"] = ["inbox", "webhook"]
    definition["steps"][0]["channel_config"] = {"webhook": {"url": receiver.url}}
    assert client.put(f"{wf}/draft", json=definition).status_code == 200
    assert client.post(f"{wf}/publish").status_code == 201
    due = client.get(f"/api/apps/crm/records/{reminder['id']}/due").get_json()["items"]
    assert [d["fire_at"] for d in due] == ["2026-03-09T01:00:00Z", "2026-03-10T07:00:00Z"]  # 09:00 the day before; 1 hour before

    # 7. the clock moves: each notification once, to the owner with the manager on CC, inbox + webhook
    clock.set("2026-03-09T00:59:00Z")
    assert tick(rt).claimed == 0
    clock.set("2026-03-09T01:00:00Z")
    tick(rt)
    assert _inbox(rt) == sorted([(people["sales"], "请跟进 华为技术有限公司"), (people["boss"], "请跟进 华为技术有限公司")])
    assert len(receiver.calls) == 1 and receiver.calls[0]["cc"][0]["user_id"] == people["boss"]
    tick(rt)
    assert len(_inbox(rt)) == 2 and len(receiver.calls) == 1

    # 8. done cancels what is left
    r = sales.patch(f"{records('follow_up_reminder')}/{reminder['id']}", json={"data": {"status": "done"}})
    assert r.status_code == 200
    assert client.get(f"/api/apps/crm/records/{reminder['id']}/due").get_json()["items"] == []
    clock.set("2026-03-10T07:00:00Z")
    tick(rt)
    assert len(_inbox(rt)) == 2 and len(receiver.calls) == 1
