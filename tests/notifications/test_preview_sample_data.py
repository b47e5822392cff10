"""A template previews before its form has any record: with sample data built from the form's fields (each field
type's sample value), said so (``sample``), not a 422 naming an internal key. SQLite and PostgreSQL."""
from __future__ import annotations

from engine.fields import FIELD_TYPES

BASE = "/api/apps/sales/notification-templates"
FORM = {"key": "reminder", "label": "Reminder", "fields": [
    {"id": "content", "type": "text", "label": "Content"},
    {"id": "level", "type": "select", "label": "Level", "options": {"choices": [{"value": "key", "label": "Key"}]}},
    {"id": "amount", "type": "number", "label": "Amount"},
    {"id": "remind_at", "type": "datetime", "label": "Reminder time"},
    {"id": "owner", "type": "user", "label": "Owner"}]}


def test_a_template_previews_with_sample_data_before_any_record(client, clock):
    assert client.post("/api/apps", json={"key": "sales", "label": "Sales"}).status_code == 201
    assert client.post("/api/apps/sales/forms", json=FORM).status_code == 201
    assert client.post("/api/apps/sales/forms/reminder/publish").status_code == 201
    body = "{{ record.content }} | {{ record.level }} | {{ record.amount }} | {{ record.owner }} | {{ record.remind_at }}"
    made = client.post(BASE, json={"key": "notice", "form": "reminder", "label": "Notice",
                                   "content": {"default": {"subject": "About {{ record.content }}", "body": body}}})
    assert made.status_code == 201
    shown = client.post(f"{BASE}/notice/preview", json={})
    assert shown.status_code == 200, shown.get_json()
    answer = shown.get_json()
    assert answer["sample"] is True and answer["record_id"] is None and answer["link"] is None
    parts = answer["body"].split(" | ")
    assert parts[0] == FIELD_TYPES.get("text").sample and parts[2] == "42"
    assert parts[1] in ("key", "Key") and parts[3] and parts[4]            # a choice, the previewer, the clock's time
    assert answer["subject"] == "About " + FIELD_TYPES.get("text").sample
    # once a record exists, the preview renders it, not samples
    assert client.post("/api/apps/sales/forms/reminder/records", json={"data": {"content": "Call Acme"}}).status_code == 201
    real = client.post(f"{BASE}/notice/preview", json={}).get_json()
    assert real["sample"] is False and real["record_id"] and real["body"].startswith("Call Acme")
