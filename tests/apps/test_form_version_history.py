"""Version history (issue 21, point 4): each published version with who published it, when and what it changed (sentences
in en and zh-CN), and "restore as draft", which changes nothing published until the next publish. SQLite and PostgreSQL."""
from __future__ import annotations

import copy

import pytest

BASE = "/api/apps/crm/forms/customer"


@pytest.fixture
def crm(client):
    assert client.post("/api/app-templates/install", json={"template": "crm"}).status_code == 201
    return client


def _publish_v2(client) -> dict:
    """Rename the customer name, add a field and a rule, publish: the next version."""
    draft = client.get(BASE + "/draft").get_json()
    definition = copy.deepcopy(draft["definition"])
    for f in definition["fields"]:
        if f["id"] == "name":
            f["label"] = {"en": "Company", "zh-CN": "公司名称"}
    definition["fields"].append({"id": "vip_note", "name": "vip_note", "type": "text", "label": {"en": "VIP note", "zh-CN": "VIP 备注"}})
    definition["layout"]["sections"][0]["fields"].append("vip_note")
    saved = client.put(BASE + "/draft", json=definition, headers={"If-Match": f'"{draft["draft_revision"]}"'})
    assert saved.status_code == 200, saved.get_json()
    published = client.post(BASE + "/publish")
    assert published.status_code == 201, published.get_json()
    return published.get_json()


@pytest.mark.parametrize("locale, renamed, added, first", [
    ("en", "Field 'Customer name' renamed to 'Company'", "Field 'VIP note' added", "First publish"),
    ("zh-CN", "字段“客户名称”改名为“公司名称”", "新增字段“VIP 备注”", "首次发布")])
def test_history_lists_who_when_and_what_each_version_changed(crm, locale, renamed, added, first):
    before = crm.get(BASE + "/history", query_string={"locale": locale}).get_json()
    start = before["items"][0]["version"]
    assert before["draft"]["unpublished_changes"] is False
    v2 = _publish_v2(crm)["version"]
    answer = crm.get(BASE + "/history", query_string={"locale": locale})
    assert answer.status_code == 200, answer.get_json()
    history = answer.get_json()
    newest, previous = history["items"][0], history["items"][1]
    assert (newest["version"], previous["version"]) == (v2, start) and newest["current"] and not previous["current"]
    assert newest["published_by"]["name"] == "Admin"
    assert newest["published_at"].startswith("2026-03-09")
    texts = [i["text"] for g in newest["changes"] for i in g["items"]]
    assert renamed in texts
    assert any(t.startswith(added) for t in texts)
    oldest = history["items"][-1]
    assert [i["text"] for g in oldest["changes"] for i in g["items"]][0].startswith(first)
    assert history["draft"]["unpublished_changes"] is False


def test_restore_as_draft_changes_nothing_published(crm):
    v1 = crm.get(BASE + "/history").get_json()["items"][0]["version"]
    v2 = _publish_v2(crm)["version"]
    revision = crm.get(BASE + "/draft").get_json()["draft_revision"]
    restored = crm.post(f"{BASE}/versions/{v1}/restore", headers={"If-Match": f'"{revision}"'})
    assert restored.status_code == 200, restored.get_json()
    draft = restored.get_json()
    assert restored.headers["ETag"] == f'"{draft["draft_revision"]}"' and draft["draft_revision"] == revision + 1
    fields = {f["id"]: f for f in draft["definition"]["fields"]}
    assert fields["name"]["label"]["en"] == "Customer name"
    assert fields["vip_note"]["deleted"] is True  # published in v2: kept, deleted, its data readable
    assert draft["published_version"] == v2
    live = crm.get(f"{BASE}/versions/{v2}").get_json()["definition"]
    assert next(f for f in live["fields"] if f["id"] == "name")["label"]["en"] == "Company"
    history = crm.get(BASE + "/history").get_json()
    assert history["draft"]["unpublished_changes"] is True and history["items"][0]["version"] == v2
    # publishing the restored draft is the next version, reading as the way back
    assert crm.post(BASE + "/publish").status_code == 201
    back = crm.get(BASE + "/history").get_json()["items"][0]
    texts = [i["text"] for g in back["changes"] for i in g["items"]]
    assert "Field 'Company' renamed to 'Customer name'" in texts
    assert any(t.startswith("Field 'VIP note' deleted") for t in texts)


def test_bad_input_is_a_4xx_naming_the_path(crm):
    bad = crm.get(BASE + "/history", query_string={"locale": "fr"})
    assert bad.status_code == 422 and bad.get_json()["error"]["errors"][0]["path"] == "/locale"
    missing = crm.post(BASE + "/versions/99/restore")
    assert missing.status_code == 404 and "/version" in str(missing.get_json())
    v1 = crm.get(BASE + "/history").get_json()["items"][0]["version"]
    stale = crm.post(f"{BASE}/versions/{v1}/restore", headers={"If-Match": '"999"'})
    assert stale.status_code == 412
    assert crm.get("/api/apps/crm/forms/nope/history").status_code == 404


def test_the_history_routes_are_in_the_openapi_document(crm):
    paths = crm.get("/api/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/apps/{app_key}/forms/{form_key}/history"]
    assert "post" in paths["/api/apps/{app_key}/forms/{form_key}/versions/{version}/restore"]
