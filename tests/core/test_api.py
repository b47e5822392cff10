"""The REST API over the services: envelopes, ETags, OpenAPI."""
import pytest
from openapi_spec_validator import validate

from tests.core.sample import CUSTOMER, FOLLOW_UP


def build(client):
    assert client.post("/api/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201
    for form in (CUSTOMER, FOLLOW_UP):
        assert client.post("/api/apps/crm/forms", json=form).status_code == 201
        assert client.post(f"/api/apps/crm/forms/{form['key']}/publish").status_code == 201


def test_openapi_is_valid(client):
    spec = client.get("/api/openapi.json").get_json()
    validate(spec)
    assert spec["openapi"].startswith("3.1")
    assert "/api/apps/{app_key}/forms/{form_key}/records/{record_id}" in spec["paths"]


def test_record_lifecycle_with_etag(client):
    build(client)
    r = client.post("/api/apps/crm/forms/customer/records", json={"data": {"name": "ACME", "level": "key"}})
    assert r.status_code == 201 and r.headers["ETag"] == '"1"'
    rid = r.get_json()["id"]
    r = client.patch(f"/api/apps/crm/forms/customer/records/{rid}", json={"data": {"level": "main"}}, headers={"If-Match": '"1"'})
    assert r.status_code == 200 and r.headers["ETag"] == '"2"'
    stale = client.patch(f"/api/apps/crm/forms/customer/records/{rid}", json={"data": {"level": "ordinary"}}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412 and stale.get_json()["error"]["code"] == "precondition_failed"
    assert client.get(f"/api/apps/crm/forms/customer/records/{rid}").get_json()["data"]["level"] == "main"
    assert client.delete(f"/api/apps/crm/forms/customer/records/{rid}").status_code == 204
    assert client.get(f"/api/apps/crm/forms/customer/records/{rid}").status_code == 404
    assert client.post(f"/api/apps/crm/forms/customer/records/{rid}/restore").status_code == 200
    hist = client.get(f"/api/apps/crm/forms/customer/records/{rid}/history").get_json()["items"]
    assert [h["action"] for h in hist] == ["create", "update", "delete", "restore"]
    page = client.get("/api/apps/crm/forms/customer/records?filter=level:eq:main&sort=-name&page_size=10").get_json()
    assert page["total"] == 1


@pytest.mark.parametrize("body,path", [
    ({"data": {"name": 5}}, "/data/name"),
    ({"data": {"name": "x" * 256}}, "/data/name"),
    ({"data": {"name": "A", "nope": 1}}, "/data/nope"),
    ({"data": {"name": "A", "since": "yesterday"}}, "/data/since"),
    ({"data": "not an object"}, "/data"),
    ({"dat": {}}, "/dat"),
])
def test_bad_records_are_4xx_with_path(client, body, path):
    build(client)
    r = client.post("/api/apps/crm/forms/customer/records", json=body)
    assert r.status_code == 422, r.get_json()
    assert path in {e["path"] for e in r.get_json()["error"]["errors"]}


@pytest.mark.parametrize("mutate,path", [
    (lambda d: d["fields"][1].update(type="hologram"), "/fields/1/type"),
    (lambda d: d["fields"].append(dict(d["fields"][1])), "/fields/11/id"),
    (lambda d: d["fields"][0]["options"].update(format="KH-{YYYY}"), "/fields/0/options/format"),
    (lambda d: d["fields"].append({"id": "ref", "type": "reference", "options": {"form": "ghost"}}), "/fields/11/options/form"),
])
def test_bad_definitions_are_422_with_path(client, mutate, path):
    import copy

    client.post("/api/apps", json={"key": "crm", "label": "CRM"})
    bad = copy.deepcopy(CUSTOMER)
    mutate(bad)
    r = client.post("/api/apps/crm/forms", json=bad)
    assert r.status_code == 422
    assert path in {e["path"] for e in r.get_json()["error"]["errors"]}


def test_not_json_and_unknown_routes_use_the_envelope(client):
    r = client.post("/api/apps", data="{", content_type="application/json")
    assert r.status_code == 422 and "error" in r.get_json()
    r = client.get("/api/nothing-here")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    r = client.put("/api/apps")
    assert r.status_code == 405 and "error" in r.get_json()


def test_draft_revision_conflict_is_412(client):
    client.post("/api/apps", json={"key": "crm", "label": "CRM"})
    client.post("/api/apps/crm/forms", json=CUSTOMER)
    draft = client.get("/api/apps/crm/forms/customer/draft")
    etag = draft.headers["ETag"]
    assert client.put("/api/apps/crm/forms/customer/draft", json=CUSTOMER, headers={"If-Match": etag}).status_code == 200
    assert client.put("/api/apps/crm/forms/customer/draft", json=CUSTOMER, headers={"If-Match": etag}).status_code == 412
