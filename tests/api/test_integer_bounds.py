"""Integers past what the database holds (ids, owners, pages) are refused with a 4xx naming the field, never a 500.

Found by the schemathesis run: a 35-digit version number in a path and a 31-digit page overflowed the
database driver.
"""
from __future__ import annotations

import pytest

from engine.runtime import Actor
from engine.safety import MAX_PAGE
from engine.services import records as rs
from tests.core.sample import install

HUGE = 10**30


@pytest.fixture
def crm(app):
    rt = app.extensions["formflow"]
    install(rt, Actor.system())
    rs.create_record(rt, Actor.system(), "crm", "customer", {"name": "ACME"})
    return rt


@pytest.mark.parametrize("path", [f"/api/apps/crm/forms/customer/versions/{HUGE}", f"/api/apps/crm/forms/customer/records/{HUGE}",
                                  f"/api/apps/crm/forms/customer/records/{2**31}/history"])
def test_ids_past_bigint_are_not_found(crm, client, path):
    response = client.get(path)
    assert response.status_code == 404, response.get_data(as_text=True)
    assert response.json["error"]["code"] == "not_found"


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_writes_to_ids_past_bigint_are_not_found_not_405(crm, client, method):
    paths = [f"/api/apps/crm/forms/customer/records/{2**31}"] + ([f"/api/users/{2**31}"] if method == "patch" else [])
    for path in paths:
        response = getattr(client, method)(path, json={"data": {}})
        assert response.status_code == 404, (path, response.get_data(as_text=True))


@pytest.mark.parametrize("page", [HUGE, MAX_PAGE + 1, 0])
def test_pages_out_of_range_are_refused_at_page(crm, client, page):
    response = client.post("/api/apps/crm/forms/customer/records/query", json={"page": page})
    assert response.status_code == 422
    assert "/page" in {e.get("path") for e in response.json["error"]["errors"]} or "page" in str(response.json["error"]["errors"])
    inbox = client.get(f"/api/inbox?page={page}")
    assert inbox.status_code == 422 and "page" in str(inbox.json["error"]["errors"])


def test_deepest_allowed_page_answers_empty(crm, client):
    response = client.post("/api/apps/crm/forms/customer/records/query", json={"page": MAX_PAGE, "page_size": 500})
    assert response.status_code == 200 and response.json["items"] == [] and response.json["total"] == 1


@pytest.mark.parametrize("owner", [HUGE, 2**62, 2**31, 999_999])
def test_owner_must_be_an_active_user(crm, client, owner):
    response = client.post("/api/apps/crm/forms/customer/records", json={"data": {"name": "Globex"}, "owner_id": owner})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.json["error"]["errors"][0]["path"] == "/owner_id"
    listed = client.post("/api/apps/crm/forms/customer/records/query", json={"search": "Globex"}).json
    assert listed["total"] == 0  # nothing half-written


def test_owner_may_be_another_real_user(crm, client):
    from engine.services import users

    sales = users.create_user(crm, Actor.system(), "sales1", display_name="Sales", roles=["member"], check=False)
    response = client.post("/api/apps/crm/forms/customer/records", json={"data": {"name": "Globex"}, "owner_id": sales["id"]})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.json["owner_id"] == sales["id"]


@pytest.mark.parametrize("value", [HUGE, 2**40, 2**31])
def test_huge_numbers_in_bodies_are_4xx_on_every_database(crm, client, value):
    """Reference values, filters on references, managers and team members past the id range: a 4xx each."""
    answers = [
        client.post("/api/apps/crm/forms/follow_up/records", json={"data": {"customer": value, "content": "x"}}),
        client.post("/api/apps/crm/forms/follow_up/records/query", json={"filters": [{"field": "customer", "op": "eq", "value": value}]}),
        client.post("/api/apps/crm/forms/customer/records/query", json={"filters": [{"field": "employees", "op": "gt", "value": value}]}),
        client.post("/api/users", json={"username": f"u{value % 997}", "display_name": "U", "manager_id": value}),
        client.post("/api/teams", json={"key": "east", "name": "East", "members": [value]}),
    ]
    for response in answers:
        assert response.status_code < 500, response.get_data(as_text=True)
        if response.status_code >= 400:
            assert response.json["error"]["code"] != "out_of_range", "bounded by the services, with a field path"
    assert answers[0].status_code == 422 and answers[4].status_code == 422
    assert answers[4].json["error"]["errors"][0]["path"] == "/members/0"
