"""Fixtures of the workflow tests: a reminder app, users with managers and time zones, a webhook receiver."""
from __future__ import annotations

import json
import threading

import pytest
import sqlalchemy as sa
from tests.conftest import served
from werkzeug.wrappers import Request, Response

from engine.services import forms as form_service
from engine.storage.tables import users

REMINDER = {
    "key": "reminder",
    "label": {"en": "Follow-up reminder", "zh-CN": "跟进提醒"},
    "fields": [
        {"id": "customer", "type": "text", "required": True},
        {"id": "remind_at", "type": "datetime"},
        {"id": "due_day", "type": "date"},
        {"id": "content", "type": "textarea"},
        {"id": "status", "type": "select", "options": {"choices": [{"value": "pending"}, {"value": "done"}]}},
        {"id": "assignee", "type": "user"},
        {"id": "touched", "type": "text"},
    ],
}

NOTE = {"key": "note", "label": "Note", "fields": [{"id": "text", "type": "text"}, {"id": "when", "type": "datetime"}]}


class Receiver:
    """A real local HTTP server counting webhook calls by idempotency key."""

    def __init__(self):
        self.calls: list[dict] = []
        self.lock = threading.Lock()
        self.fail_next = 0

    def __call__(self, environ, start_response):
        request = Request(environ)
        body = json.loads(request.get_data() or b"{}")
        with self.lock:
            if self.fail_next:
                self.fail_next -= 1
                return Response("busy", status=503)(environ, start_response)
            self.calls.append(body)
        return Response("ok")(environ, start_response)

    def keys(self) -> list[str]:
        with self.lock:
            return [c.get("idempotency_key") for c in self.calls]


@pytest.fixture
def receiver():
    app = Receiver()
    with served(app) as server:
        app.url = f"http://127.0.0.1:{server.server_port}/hook"
        yield app


def add_user(rt, username: str, tz: str | None = None, manager_id: int | None = None, role: str = "member") -> int:
    """A user holding ``role``: messages leave out the fields their role hides, and a user without a role sees none."""
    from engine.services.permissions import ensure_builtin_roles, role_row
    from engine.storage.access_tables import user_roles

    with rt.db.transaction() as conn:
        uid = conn.execute(sa.insert(users).values(workspace_id=rt.workspace_id, username=username, display_name=username.title(),
                                                   email=f"{username}@example.com", timezone=tz, manager_id=manager_id,
                                                   is_active=True, created_at=rt.clock.now())).inserted_primary_key[0]
        ensure_builtin_roles(rt, conn)
        conn.execute(sa.insert(user_roles).values(user_id=uid, role_id=role_row(rt, conn, role)["id"]))
        return uid


@pytest.fixture
def crm(rt, system):
    """The reminder app, a sales person in Shanghai and their manager; loopback webhooks allowed."""
    rt.config["WEBHOOK_ALLOWLIST"] = ["127.0.0.1/32"]
    form_service.create_app(rt, system, "crm", {"en": "CRM"})
    for form in (REMINDER, NOTE):
        form_service.create_form(rt, system, "crm", form)
        form_service.publish_form(rt, system, "crm", form["key"])
    boss = add_user(rt, "boss", "Asia/Shanghai")
    sales = add_user(rt, "sales", "Asia/Shanghai", manager_id=boss)
    return {"boss": boss, "sales": sales}


def publish_reminder_app(app, client):
    """The reminder and note forms published through the REST API, loopback webhooks allowed; the runtime."""
    rt = app.extensions["formflow"]
    rt.config["WEBHOOK_ALLOWLIST"] = ["127.0.0.1/32"]
    assert client.post("/api/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201
    for form in (REMINDER, NOTE):
        assert client.post("/api/apps/crm/forms", json=form).status_code == 201
        assert client.post(f"/api/apps/crm/forms/{form['key']}/publish").status_code == 201
    return rt


def reminder_workflow(url: str, **trigger) -> dict:
    """The scenario's timed workflow: 1 day before at 09:00 (owner's zone) and 1 hour before; CC the manager."""
    return {
        "key": "follow_up_reminder",
        "label": {"en": "Follow-up reminder", "zh-CN": "跟进提醒"},
        "form": "reminder",
        "trigger": {"type": "date_relative", "field": "remind_at", "tz": "owner", "condition": "status == 'pending'",
                    "offsets": [{"amount": 1, "unit": "days", "direction": "before", "at_time": "09:00"},
                                {"amount": 1, "unit": "hours", "direction": "before"}], **trigger},
        "steps": [{"id": "notify_owner", "type": "notify", "to": [{"owner": True}], "cc": [{"manager_of": "owner"}],
                   "channels": ["inbox", "webhook"], "channel_config": {"webhook": {"url": url}},
                   "message": {"subject": "Follow up {{ record.customer }}",
                               "body": "{{ record.customer }} at {{ record.remind_at | datetime }} ({{ user.name }})"}}],
    }
