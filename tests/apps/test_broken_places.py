"""A refused publish names each place still using a deleted field, with its link (issue 21, point 5). SQLite and PostgreSQL."""
from __future__ import annotations

BASE = "/api/apps/crm/forms/customer"


def test_a_refused_publish_names_each_broken_place_with_a_link(client):
    assert client.post("/api/app-templates/install", json={"template": "crm"}).status_code == 201
    draft = client.get(BASE + "/draft").get_json()
    definition = draft["definition"]
    for f in definition["fields"]:
        if f["id"] == "region":
            f["deleted"] = True
    for s in definition["layout"]["sections"]:
        s["fields"] = [x for x in s["fields"] if x != "region"]
    assert client.put(BASE + "/draft", json=definition, headers={"If-Match": f'"{draft["draft_revision"]}"'}).status_code == 200
    refused = client.post(BASE + "/publish")
    assert refused.status_code == 422
    items = [e for e in refused.get_json()["error"]["errors"] if e.get("code") == "field_in_use"]
    assert items and all(e["field_id"] == "region" and e["path"].startswith("/fields/") for e in items)
    places = {(e["place"]["kind"], e["place"]["key"], e["place"]["link"]) for e in items}
    assert ("dashboard", "sales", "/apps/crm/dashboards/sales") in places
    assert client.get(BASE + "/draft").get_json()["published_version"] == draft["published_version"]
