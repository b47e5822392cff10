"""A small sales CRM for the template and inbox tests: users with a manager, customers, reminders."""
from datetime import datetime, timezone

import sqlalchemy as sa

from engine.runtime import Actor
from engine.services import forms as fs
from engine.services import records as rs
from engine.services.permissions import ensure_builtin_roles
from engine.storage.tables import users

CUSTOMER = {
    "key": "customer", "label": {"en": "Customer", "zh-CN": "客户"},
    "settings": {"title_field": "name"},
    "fields": [
        {"id": "name", "type": "text", "required": True},
        {"id": "level", "type": "select", "options": {"choices": [{"value": "key"}, {"value": "main"}, {"value": "ordinary"}]}},
        {"id": "phone", "type": "phone"},
        {"id": "account_owner", "type": "user"},
    ],
}
REMINDER = {
    "key": "reminder", "label": {"en": "Follow-up reminder", "zh-CN": "跟进提醒"},
    "fields": [
        {"id": "customer", "type": "reference", "options": {"form": "customer"}},
        {"id": "reminder_time", "type": "datetime"},
        {"id": "content", "type": "textarea"},
        {"id": "done", "type": "boolean"},
    ],
}
TEXT = ("{{ owner.name }}: follow up {{ record.customer.name }} ({{ record.customer.level }}) "
        "at {{ record.reminder_time|datetime('%Y-%m-%d %H:%M') }}; manager {{ owner.manager.name }}")
CONTENT = {"default": {"subject": "Follow up {{ record.customer.name }}", "body": TEXT},
           "email": {"html": "<p>{{ record.content }}</p>"}}


def add_user(conn, rt, username, name, *, email=None, manager_id=None, tz=None):
    return conn.execute(sa.insert(users).values(
        workspace_id=rt.workspace_id, username=username, display_name=name, email=email, timezone=tz,
        manager_id=manager_id, is_active=True, created_at=datetime(2026, 1, 1, tzinfo=timezone.utc))).inserted_primary_key[0]


def build(rt):
    """The app, three users (owner Li reports to Han; Zhao reviews), one customer and one reminder."""
    system = Actor.system()
    fs.create_app(rt, system, "crm", {"en": "CRM"})
    for form in (CUSTOMER, REMINDER):
        fs.create_form(rt, system, "crm", form)
        fs.publish_form(rt, system, "crm", form["key"])
    with rt.db.transaction() as conn:
        ensure_builtin_roles(rt, conn)
        han = add_user(conn, rt, "han", "Han Meimei", email="han@example.com", tz="Asia/Shanghai")
        li = add_user(conn, rt, "li", "Li Lei", email="li@example.com", manager_id=han, tz="Asia/Shanghai")
        zhao = add_user(conn, rt, "zhao", "Zhao Reviewer", email="zhao@example.com")
    customer = rs.create_record(rt, system, "crm", "customer",
                                {"name": "ACME <Ltd>", "level": "key", "phone": "13800000000", "account_owner": li}, owner_id=li)
    reminder = rs.create_record(rt, system, "crm", "reminder",
                                {"customer": customer["id"], "reminder_time": "2026-03-10T07:00:00Z",
                                 "content": "Bring the <b>contract</b>", "done": False}, owner_id=li)
    return {"han": han, "li": li, "zhao": zhao, "customer": customer["id"], "reminder": reminder["id"],
            "author": Actor.user(li, roles=("ops",)), "reviewer": Actor.user(zhao, roles=("approver",)),
            "admin": Actor.user(han, roles=("admin",))}
