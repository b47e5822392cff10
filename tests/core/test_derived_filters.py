"""Filters and sorts on computed and roll-up fields compare as their result type (numbers as numbers, dates as dates).

The built-in CRM on SQLite and PostgreSQL, as an admin: opportunities with known amounts and stages give the
customers' roll-ups (won_amount, last_won_on) and the opportunities' weighted_amount; lead_score follows from
industry, need and source.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from engine.runtime import Actor

BASE = "/api/apps/crm/forms"


@pytest.fixture
def crm(app, client):
    from engine.services import app_templates

    app_templates.install_template(app.extensions["formflow"], Actor.system(), "crm")

    def post(form, data):
        r = client.post(f"{BASE}/{form}/records", json={"data": data})
        assert r.status_code == 201, r.json
        return r.json["id"]

    # lead scores: 30+40+15+0 = 85, 20+15+5+0 = 40, 10+0+5+0 = 15 (so "9" > "10" style text order would differ)
    ids = {"acme": post("customer", {"name": "Acme", "industry": "manufacturing", "need": "clear", "source": "phone"}),
           "beta": post("customer", {"name": "Beta", "industry": "it", "need": "vague", "source": "web_form"}),
           "gamma": post("customer", {"name": "Gamma", "industry": "retail", "need": "none", "source": "email"})}
    for name, customer, stage, amount, closed in [
            ("a1", "acme", "won", "900", "2026-03-01"), ("a2", "acme", "won", "10000", "2026-11-20"),
            ("b1", "beta", "won", "95", "2026-09-15"), ("b2", "beta", "negotiation", "2000", None),
            ("g1", "gamma", "initial", "50000", None)]:
        data = {"name": name, "customer": ids[customer], "stage": stage, "amount": amount}
        if closed:
            data["closed_on"] = closed
        ids[name] = post("opportunity", data)
    return ids


def _names(client, form, query):
    r = client.get(f"{BASE}/{form}/records?{query}")
    assert r.status_code == 200, r.json
    return [item["data"]["name"] for item in r.json["items"]]


def _query(client, form, body):
    r = client.post(f"{BASE}/{form}/records/query", json=body)
    assert r.status_code == 200, r.json
    return [item["data"]["name"] for item in r.json["items"]]


def test_computed_numbers_filter_and_sort_as_numbers(crm, client):
    # weighted: a1 900, a2 10000, b1 95, b2 1400 (70%), g1 5000 (10%)
    assert sorted(_names(client, "opportunity", "filter=weighted_amount:gt:1000")) == ["a2", "b2", "g1"]
    assert _names(client, "opportunity", "filter=weighted_amount:gt:1000&sort=weighted_amount") == ["b2", "g1", "a2"]
    assert _names(client, "opportunity", "sort=-weighted_amount") == ["a2", "g1", "b2", "a1", "b1"]
    assert _names(client, "opportunity", "filter=weighted_amount:eq:1400") == ["b2"]
    assert _query(client, "opportunity", {"filters": [{"field": "weighted_amount", "op": "between", "value": [95, 1400]}],
                                          "sort": [{"field": "weighted_amount", "direction": "asc"}]}) == ["b1", "a1", "b2"]
    assert sorted(_names(client, "customer", "filter=lead_score:gt:1")) == ["Acme", "Beta", "Gamma"]
    assert _names(client, "customer", "filter=lead_score:lt:40") == ["Gamma"]
    assert _names(client, "customer", "sort=lead_score") == ["Gamma", "Beta", "Acme"]
    assert _query(client, "customer", {"filters": [{"field": "lead_score", "op": "ge", "value": 40}],
                                       "sort": [{"field": "lead_score", "direction": "desc"}]}) == ["Acme", "Beta"]


def test_rollups_filter_and_sort_as_their_aggregate(crm, client):
    # won_amount (sum of won): Acme 10900, Beta 95, Gamma none; last_won_on (max of a date): Acme 2026-11-20, Beta 2026-09-15
    assert sorted(_names(client, "customer", "filter=won_amount:gt:1")) == ["Acme", "Beta"]
    assert _names(client, "customer", "filter=won_amount:gt:100") == ["Acme"]
    assert _names(client, "customer", "sort=won_amount") == ["Beta", "Acme", "Gamma"]  # empty sorts last
    assert _names(client, "customer", "sort=-won_amount") == ["Gamma", "Acme", "Beta"]
    assert _query(client, "customer", {"filters": [{"field": "won_amount", "op": "between", "value": ["90", "11000"]}],
                                       "sort": [{"field": "won_amount", "direction": "desc"}]}) == ["Acme", "Beta"]
    assert _names(client, "customer", "filter=last_won_on:gt:2026-10-01") == ["Acme"]
    assert _names(client, "customer", "filter=last_won_on:not_empty&sort=last_won_on") == ["Beta", "Acme"]


def test_wrongly_typed_values_are_refused_with_the_path(crm, client):
    r = client.get(f"{BASE}/customer/records?filter=lead_score:gt:abc")
    assert r.status_code == 422
    assert [e["path"] for e in r.json["error"]["errors"]] == ["/filters/0/value"]
    r = client.post(f"{BASE}/opportunity/records/query", json={"filters": [{"field": "weighted_amount", "op": "lt", "value": "lots"}]})
    assert r.status_code == 422 and r.json["error"]["errors"][0]["path"] == "/filters/0/value"
    r = client.get(f"{BASE}/customer/records?filter=won_amount:between:1,x")
    assert r.status_code == 422 and r.json["error"]["errors"][0]["path"] == "/filters/0/value"


def test_derived_indexes_follow_the_result_type(crm, app):
    from engine.fields import FIELD_TYPES
    from engine.storage import indexes

    number = FIELD_TYPES.get("number")
    lead_score = {"id": "lead_score", "type": "computed", "sortable": True, "options": {"result_type": "number"}}
    grade = {"id": "grade", "type": "computed", "filterable": True, "options": {"result_type": "text"}}
    won = {"id": "won_amount", "type": "rollup", "sortable": True, "options": {"form": "opportunity", "aggregate": "sum", "field": "amount"}}
    latest = {"id": "top", "type": "rollup", "sortable": True, "options": {"form": "opportunity", "aggregate": "max", "field": "amount"}}
    resolve = {"opportunity": [{"id": "amount", "type": "money"}, {"id": "closed_on", "type": "date"}]}.get
    wanted = indexes.wanted_indexes("postgresql", 7, {"fields": [lead_score, grade, won, latest]}, resolve)
    ddl = " ".join(wanted.values())
    for fid in ("lead_score", "won_amount", "top"):
        assert number.sql_expression("postgresql", fid) in ddl
    assert "formflow_num((data ->> 'grade'))" not in ddl and "(data ->> 'grade')" in ddl
    sqlite = " ".join(indexes.wanted_indexes("sqlite", 7, {"fields": [lead_score, won]}, resolve).values())
    assert "CAST(json_extract(data, '$.\"lead_score\"') AS REAL)" in sqlite
    with app.extensions["formflow"].db.read() as conn:  # the installed CRM's own indexes are the typed ones
        if conn.dialect.name == "postgresql":
            built = " ".join(conn.execute(sa.text(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE :p"), {"p": "ix_rec_%"}).scalars())
        else:
            built = " ".join(conn.execute(sa.text(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name LIKE :p"), {"p": "ix_rec_%"}).scalars())
    assert "formflow_num((data ->> 'lead_score'::text))" in built or "CAST(json_extract(data, '$.\"lead_score\"') AS REAL)" in built
    assert "formflow_num((data ->> 'won_amount'::text))" in built or "CAST(json_extract(data, '$.\"won_amount\"') AS REAL)" in built
