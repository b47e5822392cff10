"""Filter operators come from the field type alone: the query layer refuses any other, so the operator a record
table's column filter uses must be one the type declares."""
from __future__ import annotations

from engine.fields import FIELD_TYPES
from tests.fields.walk import FORM, create, publish


def test_every_types_column_filter_uses_one_of_its_operators():
    assert {name: t.table_filter_op for name, t in FIELD_TYPES.items() if t.table_filter_op not in t.filter_operators} == {}


def test_a_date_column_filter_still_finds_a_month(client):
    publish(client, {"key": "visit", "label": {"en": "Visit"}, "fields": [
        {"id": "title", "type": "text", "label": {"en": "Title"}}, {"id": "day", "type": "date", "label": {"en": "Day"}}]})
    march = create(client, {"title": "a", "day": "2026-03-09"}).get_json()["id"]
    create(client, {"title": "b", "day": "2026-04-01"})
    found = client.get(f"{FORM}/records/table?filter.day=2026-03")
    assert found.status_code == 200, found.get_json()
    assert [r["id"] for r in found.get_json()["items"]] == [march]
    refused = client.get(f"{FORM}/records?filter=title:lt:b")
    assert refused.status_code == 422 and refused.get_json()["error"]["errors"][0]["path"] == "/filters/0/op"
