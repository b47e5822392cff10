"""GET /api/field-types: each registered type described from its own facts, in the designer's palette order, and in
the OpenAPI document; the designer page gets the same descriptions."""
from __future__ import annotations

import json
import re

import pytest

from engine.fields import FIELD_TYPES
from engine.services.field_types import field_types


@pytest.fixture
def db_url(tmp_path):  # the answer does not depend on the database: SQLite is enough
    return f"sqlite:///{tmp_path / 'ft.db'}"


def test_every_type_is_described_with_labels_properties_operators_and_widget(client):
    answer = client.get("/api/field-types")
    assert answer.status_code == 200
    items = answer.get_json()["items"]
    assert sorted(t["type"] for t in items) == FIELD_TYPES.names()
    for t in items:
        ftype = FIELD_TYPES.get(t["type"])
        assert t["label"]["en"] and t["label"]["zh-CN"], t["type"]
        assert t["widget"] == ftype.widget and t["groupable"] == ftype.groupable
        assert t["filter_operators"] == list(ftype.filter_operators) and t["filter_operators"]
        for prop in t["properties"]:
            assert prop["key"] and prop["kind"] and prop["label"]["en"] and prop["label"]["zh-CN"], (t["type"], prop)
    by_type = {t["type"]: t for t in items}
    # a few facts as the types state them
    assert [p["key"] for p in by_type["reference"]["properties"]] == ["options.app", "options.form", "options.multiple"]
    assert "is_reference" in by_type["reference"]["capabilities"]
    assert by_type["subtable"]["groupable"] is False and by_type["number"]["measurable"] is True
    assert "contains" in by_type["text"]["filter_operators"] and "lt" in by_type["date"]["filter_operators"]


def test_palette_order_follows_the_types_rank_then_registration():
    ranks = [(FIELD_TYPES.get(t["type"]).palette_rank) for t in field_types()]
    assert ranks == sorted(ranks)
    assert field_types()[0]["type"] == min(FIELD_TYPES, key=lambda n: FIELD_TYPES.get(n).palette_rank)


def test_the_route_is_in_the_openapi_document(client):
    doc = client.get("/api/openapi.json").get_json()
    operation = doc["paths"]["/api/field-types"]["get"]
    schema = json.dumps(operation)
    for key in ("filter_operators", "groupable", "widget", "properties"):
        assert key in schema


def test_the_designer_page_carries_the_descriptions(client):
    assert client.post("/api/apps", json={"key": "ft", "label": {"en": "FT"}}).status_code == 201
    assert client.post("/api/apps/ft/forms", json={"key": "f", "label": {"en": "F"}, "fields": []}).status_code == 201
    page = client.get("/apps/ft/forms/f/design")
    assert page.status_code == 200
    config = json.loads(re.search(r'<script type="application/json" id="designer-config">(.*?)</script>', page.get_data(as_text=True), re.S).group(1))
    assert [t["type"] for t in config["field_types"]] == [t["type"] for t in field_types()]
