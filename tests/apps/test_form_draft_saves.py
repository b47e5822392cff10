"""Version history lists draft saves too (issue 21, point 6 follow-up): each save with who saved it, when and what it
changed against the save before it (sentences in en and zh-CN), and "restore as draft" from any listed save, which
changes nothing published. SQLite and PostgreSQL."""
from __future__ import annotations

import copy

import pytest

BASE = "/api/apps/crm/forms/customer"


@pytest.fixture
def crm(client):
    assert client.post("/api/app-templates/install", json={"template": "crm"}).status_code == 201
    return client


def _save(client, change) -> dict:
    draft = client.get(BASE + "/draft").get_json()
    definition = copy.deepcopy(draft["definition"])
    change(definition)
    saved = client.put(BASE + "/draft", json=definition, headers={"If-Match": f'"{draft["draft_revision"]}"'})
    assert saved.status_code == 200, saved.get_json()
    return saved.get_json()


def _rename(label: dict):
    def change(definition):
        next(f for f in definition["fields"] if f["id"] == "name")["label"] = label
    return change


def _add_note(definition):
    definition["fields"].append({"id": "vip_note", "name": "vip_note", "type": "text", "label": {"en": "VIP note", "zh-CN": "VIP 备注"}})
    definition["layout"]["sections"][0]["fields"].append("vip_note")


def _texts(entry) -> list[str]:
    return [i["text"] for g in entry["changes"] for i in g["items"]]


@pytest.mark.parametrize("locale, renamed, added", [
    ("en", "Field 'Customer name' renamed to 'Company'", "Field 'VIP note' added"),
    ("zh-CN", "字段“客户名称”改名为“公司名称”", "新增字段“VIP 备注”")])
def test_history_lists_each_draft_save_with_who_when_and_what(crm, locale, renamed, added):
    one = _save(crm, _rename({"en": "Company", "zh-CN": "公司名称"}))
    two = _save(crm, _add_note)
    answer = crm.get(BASE + "/history", query_string={"locale": locale})
    assert answer.status_code == 200, answer.get_json()
    saves = answer.get_json()["saves"]
    newest, previous = saves[0], saves[1]
    assert (newest["revision"], previous["revision"]) == (two["draft_revision"], one["draft_revision"])
    assert newest["saved_by"]["name"] == "Admin" and newest["saved_at"].startswith("2026-03-09")
    assert any(t.startswith(added) for t in _texts(newest)) and renamed not in _texts(newest)
    assert renamed in _texts(previous)


def test_restore_a_draft_save_as_draft_changes_nothing_published(crm):
    published = crm.get(BASE + "/history").get_json()["items"][0]["version"]
    one = _save(crm, _rename({"en": "Company", "zh-CN": "公司名称"}))
    two = _save(crm, _rename({"en": "Account", "zh-CN": "账户"}))
    restored = crm.post(f"{BASE}/saves/{one['draft_revision']}/restore", headers={"If-Match": f'"{two["draft_revision"]}"'})
    assert restored.status_code == 200, restored.get_json()
    draft = restored.get_json()
    assert restored.headers["ETag"] == f'"{draft["draft_revision"]}"' and draft["draft_revision"] == two["draft_revision"] + 1
    assert next(f for f in draft["definition"]["fields"] if f["id"] == "name")["label"]["en"] == "Company"
    assert draft["published_version"] == published
    live = crm.get(f"{BASE}/versions/{published}").get_json()["definition"]
    assert next(f for f in live["fields"] if f["id"] == "name")["label"]["en"] == "Customer name"
    history = crm.get(BASE + "/history").get_json()
    assert history["saves"][0]["revision"] == draft["draft_revision"]  # the restore is itself a save, reading as the way back
    assert "Field 'Account' renamed to 'Company'" in _texts(history["saves"][0])


def test_the_audit_list_does_not_carry_saved_definitions(crm):
    _save(crm, _add_note)
    entries = crm.get("/api/admin/audit", query_string={"action": "form.save"}).get_json()
    rows = entries["items"] if isinstance(entries, dict) else entries
    assert rows and all("definition" not in e["details"] for e in rows)


def test_bad_input_is_a_4xx_naming_the_path(crm):
    missing = crm.post(BASE + "/saves/999/restore")
    assert missing.status_code == 404 and "/revision" in str(missing.get_json())
    one = _save(crm, _add_note)
    stale = crm.post(f"{BASE}/saves/{one['draft_revision']}/restore", headers={"If-Match": '"999"'})
    assert stale.status_code == 412
    paths = crm.get("/api/openapi.json").get_json()["paths"]
    assert "post" in paths["/api/apps/{app_key}/forms/{form_key}/saves/{revision}/restore"]
