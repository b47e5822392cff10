"""The follow-up scenario (../shared/SCENARIO.md) as form definitions: customer, follow-up record with
show/hide + required rule, submit validations, fetched and computed values, and the auto-create of the
follow-up reminder; customers roll up their follow-ups."""
import copy

import sqlalchemy as sa

from engine.services import forms as fs
from engine.storage.tables import users

CUSTOMER = {
    "key": "customer", "label": {"en": "Customer", "zh-CN": "客户"},
    "fields": [
        {"id": "name", "type": "text", "required": True},
        {"id": "phone", "type": "phone"},
        {"id": "owner", "type": "user"},
        {"id": "level", "type": "select", "options": {"choices": [{"value": "key"}, {"value": "main"}, {"value": "ordinary"}]}},
    ],
}
CUSTOMER_ROLLUPS = [
    {"id": "follow_ups", "type": "rollup", "options": {"form": "follow_up", "via": "customer", "aggregate": "count"}},
    {"id": "last_visit", "type": "rollup", "options": {"form": "follow_up", "via": "customer", "aggregate": "max", "field": "visited_at"}},
]

FOLLOW_UP = {
    "key": "follow_up", "label": {"en": "Follow-up record", "zh-CN": "跟进记录"},
    "fields": [
        {"id": "customer", "type": "reference", "required": True, "options": {"form": "customer"}},
        {"id": "customer_name", "type": "text", "fetch": {"from": "customer", "field": "name", "policy": "on_change"}},
        {"id": "owner", "type": "user", "fetch": {"from": "customer", "field": "owner", "policy": "on_change"}},
        {"id": "phone", "type": "phone", "fetch": {"from": "customer", "field": "phone", "policy": "live"}},
        {"id": "method", "type": "select", "options": {"choices": [{"value": "call"}, {"value": "visit"}, {"value": "wechat"}, {"value": "email"}]}},
        {"id": "content", "type": "textarea"},
        {"id": "enable_reminder", "type": "boolean", "label": {"en": "Enable follow-up reminder", "zh-CN": "开启跟进提醒"}},
        {"id": "next_follow_up", "type": "datetime", "label": {"en": "Next follow-up time", "zh-CN": "下次跟进时间"}},
        {"id": "visited_at", "type": "datetime", "default": "$now"},
        {"id": "title", "type": "computed", "options": {"formula": "(customer_name ?? '') + ' / ' + (method ?? '')", "result_type": "text"}},
    ],
    "rules": [
        {"id": "r1", "name": "reminder time when reminder on", "when": "enable_reminder == true",
         "effects": [{"field": "next_follow_up", "visible": True, "required": True}]},
    ],
    "validations": [
        {"id": "v1", "name": "reminder in the future", "when": "enable_reminder == true", "condition": "next_follow_up > $now",
         "message": {"en": "must be later than now", "zh-CN": "必须晚于当前时间"}, "fields": ["next_follow_up"]},
        {"id": "v2", "name": "visit content", "when": "method == 'visit'", "condition": "content != null and content.length >= 10",
         "message": "a visit needs at least 10 characters of content", "fields": ["content"]},
    ],
    "automations": [
        {"id": "a1", "name": "create reminder", "trigger": {"on": "create_or_update", "when": "enable_reminder == true"},
         "action": {"type": "create_record", "form": "follow_up_reminder", "map": [
             {"field": "customer", "from": "customer"},
             {"field": "owner", "from": "owner"},
             {"field": "remind_at", "from": "next_follow_up"},
             {"field": "content", "template": "Follow up {{ record.customer.name }}: {{ record.content }}"},
             {"field": "status", "value": "pending"},
             {"field": "follow_up", "from": "$id"},
         ]}},
    ],
}

REMINDER = {
    "key": "follow_up_reminder", "label": {"en": "Follow-up reminder", "zh-CN": "跟进提醒"},
    "fields": [
        {"id": "customer", "type": "reference", "options": {"form": "customer"}},
        {"id": "owner", "type": "user"},
        {"id": "remind_at", "type": "datetime", "required": True},
        {"id": "content", "type": "textarea"},
        {"id": "status", "type": "select", "options": {"choices": [{"value": "pending"}, {"value": "done"}]}},
        {"id": "follow_up", "type": "reference", "options": {"form": "follow_up"}},
    ],
}


def add_user(rt, username: str) -> int:
    with rt.db.transaction() as conn:
        return conn.execute(sa.insert(users).values(workspace_id=rt.workspace_id, username=username, display_name=username.title(),
                                                    is_active=True, created_at=rt.clock.now())).inserted_primary_key[0]


def install(rt, actor, *, rollups: bool = True, follow_up: dict | None = None) -> None:
    """The scenario's app; *follow_up* replaces FOLLOW_UP (a test's copy with extra fields or automations)."""
    fs.create_app(rt, actor, "crm", {"en": "Sales CRM", "zh-CN": "销售CRM"})
    fs.create_form(rt, actor, "crm", CUSTOMER)
    fs.create_form(rt, actor, "crm", FOLLOW_UP if follow_up is None else follow_up)
    fs.create_form(rt, actor, "crm", REMINDER)
    if rollups:
        customer = copy.deepcopy(CUSTOMER)
        customer["fields"] += CUSTOMER_ROLLUPS
        fs.save_draft(rt, actor, "crm", "customer", customer)
    for key in ("customer", "follow_up_reminder", "follow_up"):
        fs.publish_form(rt, actor, "crm", key)


def api_headers(rt) -> dict:
    """Bearer headers of a new admin user, for REST tests."""
    from engine.runtime import Actor
    from engine.services import credentials, users as user_service

    admin = user_service.create_user(rt, Actor.system(), "rules_admin", roles=["admin"], check=False)
    with rt.db.read() as conn:
        actor = user_service.actor_for(conn, rt, admin["id"])
    return {"Authorization": f"Bearer {credentials.create_token(rt, actor, 'tests')['token']}"}


def records_of(rt, form_key: str) -> list[dict]:
    """Every stored row of a form (including deleted ones), oldest first."""
    from engine.storage.tables import forms, records

    with rt.db.read() as conn:
        return [dict(r) for r in conn.execute(sa.select(records).join(forms, forms.c.id == records.c.form_id)
                                                .where(forms.c.key == form_key).order_by(records.c.id)).mappings()]
