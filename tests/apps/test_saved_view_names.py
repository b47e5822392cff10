"""A saved view's name in English and Chinese: the API takes a text (as before) or {"en": .., "zh-CN": ..}, answers
the name as given, keeps both languages when the reader's one is sent back unchanged, and refuses a bad name at its
path (SQLite and PostgreSQL: the column holds two names of 100 characters)."""
from __future__ import annotations

import pytest

from engine.runtime import Actor
from engine.services import app_templates

BASE = "/api/apps/crm/forms/customer/views"
NAME = {"en": "Key customers", "zh-CN": "重点客户"}


@pytest.fixture
def crm_client(app, client):
    app_templates.install_template(app.extensions["formflow"], Actor.system(), "crm")
    return client


def test_a_view_named_in_both_languages_is_answered_as_given_and_listed(crm_client):
    r = crm_client.post(BASE, json={"name": NAME, "definition": {"columns": ["name", "level"]}})
    assert r.status_code == 201, r.get_json()
    vid = r.get_json()["id"]
    assert r.get_json()["name"] == NAME
    assert crm_client.post(BASE, json={"name": "Alpha", "definition": {}}).get_json()["name"] == "Alpha"  # a text stays a text
    assert [v["name"] for v in crm_client.get(BASE).get_json()["items"]] == ["Alpha", NAME]  # by the English name
    # the name in the reader's language sent back unchanged (a rename form that shows one language) keeps both
    assert crm_client.patch(f"{BASE}/{vid}", json={"name": "重点客户"}).get_json()["name"] == NAME
    renamed = {"en": "Key accounts", "zh-CN": "重点客户（大客户）"}
    assert crm_client.patch(f"{BASE}/{vid}", json={"name": renamed}).get_json()["name"] == renamed
    assert crm_client.patch(f"{BASE}/{vid}", json={"name": "Key accounts only"}).get_json()["name"] == "Key accounts only"
    assert crm_client.patch(f"{BASE}/{vid}", json={"name": {"zh-CN": "只有中文"}}).get_json()["name"] == {"zh-CN": "只有中文"}


def test_each_language_may_be_100_characters(crm_client):
    longest = {"en": "\"" * 100, "zh-CN": "客" * 100}  # quoting doubles the English one in the stored JSON text
    r = crm_client.post(BASE, json={"name": longest, "definition": {}})
    assert r.status_code == 201, r.get_json()
    assert crm_client.get(BASE).get_json()["items"][0]["name"] == longest


@pytest.mark.parametrize("name, path", [
    ({"en": "x" * 101, "zh-CN": "重点"}, "/name/en"), ({"zh-CN": 7}, "/name/zh-CN"), ({"en": " ", "zh-CN": ""}, "/name"),
    ({"fr": "Clients"}, "/name"), ({}, "/name"), (["Key"], "/name"), ("", "/name")])
def test_a_bad_name_is_a_422_at_its_path(crm_client, name, path):
    r = crm_client.post(BASE, json={"name": name, "definition": {}}, headers={"Accept-Language": "zh-CN"})
    assert r.status_code == 422, r.get_json()
    item = r.get_json()["error"]["errors"][0]
    assert item["path"] == path and item["message"] == "名称须为 1 到 100 个字符"
