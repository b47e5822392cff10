"""The filter builder's server side: choices by label, relative periods, "me" / "my team", AND/OR groups, the deleted
records view (delete, list deleted, restore), row scope and hidden fields kept on these paths (SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest

from engine.errors import ValidationFailed
from engine.runtime import Actor
from engine.services import app_templates, records, users
from engine.services.queries import Filter, FilterGroup, Query, filters_from_json, list_records


@pytest.fixture
def crm(rt, clock):
    app_templates.install_template(rt, Actor.system(), "crm")
    people = {n: users.create_user(rt, Actor.system(), n, display_name=n, roles=["admin"], check=False)["id"] for n in ("ann", "bob")}
    rows = [("Old key", "key", "2026-01-01T00:00:00Z"), ("New key", "key", "2026-03-01T00:00:00Z"),
            ("New main", "main", "2026-03-05T00:00:00Z"), ("New ordinary", "ordinary", "2026-03-08T00:00:00Z")]
    for i, (name, level, at) in enumerate(rows):
        clock.set(at)
        owner = people["ann"] if i % 2 == 0 else people["bob"]
        records.create_record(rt, Actor.user(owner), "crm", "customer", {"name": name, "level": level, "owner": owner}, owner_id=owner)
    clock.set("2026-03-09T00:00:00Z")
    rt.people = people
    return rt


def _names(rt, actor, **q):
    return sorted(i["data"]["name"] for i in list_records(rt, actor, "crm", "customer", Query(**q))["items"])


def test_choices_are_found_by_their_label_in_any_language_and_case(crm):
    admin = Actor.system()
    assert _names(crm, admin, filters=[Filter("level", "eq", "KEY")]) == ["New key", "Old key"]
    assert _names(crm, admin, filters=[Filter("level", "eq", "重点")]) == ["New key", "Old key"]
    assert _names(crm, admin, filters=[Filter("level", "in", ["Main", "ordinary"])]) == ["New main", "New ordinary"]
    assert _names(crm, admin, filters=[Filter("level", "eq", "platinum")]) == []


def test_relative_periods_follow_the_runtime_clock(crm, clock):
    admin = Actor.system()
    assert _names(crm, admin, filters=[Filter("created_at", "last_days", 30)]) == ["New key", "New main", "New ordinary"]
    assert _names(crm, admin, filters=[Filter("created_at", "last_days", "5")]) == ["New main", "New ordinary"]
    clock.set("2026-04-20T00:00:00Z")
    assert _names(crm, admin, filters=[Filter("created_at", "last_days", 30)]) == []
    with pytest.raises(ValidationFailed) as exc:
        list_records(crm, admin, "crm", "customer", Query(filters=[Filter("created_at", "last_days", "soon")]))
    assert exc.value.errors[0].path == "/filters/0/value"
    with pytest.raises(ValidationFailed) as exc:
        list_records(crm, admin, "crm", "customer", Query(filters=[Filter("name", "last_days", 3)]))
    assert exc.value.errors[0].path == "/filters/0/value"


def test_level_is_key_and_created_in_the_last_30_days_with_and_or_groups(crm):
    admin = Actor.system()
    both = [Filter("level", "eq", "Key"), Filter("created_at", "last_days", 30)]
    assert _names(crm, admin, filters=both) == ["New key"]
    assert _names(crm, admin, filters=both, match="any") == ["New key", "New main", "New ordinary", "Old key"]
    grouped = [Filter("created_at", "last_days", 30), FilterGroup("any", [Filter("level", "eq", "Main"), Filter("level", "eq", "Ordinary")])]
    assert _names(crm, admin, filters=grouped) == ["New main", "New ordinary"]
    parsed = filters_from_json([{"field": "level", "op": "eq", "value": "Key"}, {"match": "any", "filters": [{"field": "name", "op": "contains", "value": "old"}]}])
    assert _names(crm, admin, filters=parsed) == ["Old key"]
    with pytest.raises(ValidationFailed) as exc:
        filters_from_json([{"match": "some", "filters": []}])
    assert exc.value.errors[0].path == "/filters/0/match"


def test_me_and_my_team_on_user_fields(crm):
    ann = Actor.user(crm.people["ann"])
    assert _names(crm, ann, filters=[Filter("owner", "eq", "$me")]) == ["New main", "Old key"]
    assert _names(crm, ann, filters=[Filter("owner_id", "eq", "$me")]) == ["New main", "Old key"]
    assert _names(crm, ann, filters=[Filter("owner", "in", "$my_team")]) == ["New main", "Old key"]  # ann has no team mates


def test_deleted_records_are_listed_apart_and_restored(crm):
    admin = Actor.system()
    items = list_records(crm, admin, "crm", "customer", Query(sort=[("name", "asc")]))["items"]
    for rec in items[:2]:
        records.delete_record(crm, admin, "crm", "customer", rec["id"])
    assert len(_names(crm, admin)) == 2
    deleted = _names(crm, admin, include_deleted=True, filters=[Filter("deleted_at", "not_empty")])
    assert deleted == ["New key", "New main"]
    records.restore_record(crm, admin, "crm", "customer", items[0]["id"])
    assert _names(crm, admin) == ["New key", "New ordinary", "Old key"]


def test_row_scope_holds_on_the_builder_paths(crm):
    member = users.create_user(crm, Actor.system(), "mo", display_name="mo", roles=["member"], check=False)
    mo = Actor.user(member["id"], roles=("member",))
    records.create_record(crm, mo, "crm", "customer", {"name": "Mine", "level": "key", "owner": member["id"]}, owner_id=member["id"])
    assert _names(crm, mo, filters=[Filter("level", "eq", "Key"), Filter("created_at", "last_days", 3650)]) == ["Mine"]
    assert _names(crm, mo, filters=[Filter("level", "eq", "Key")], match="any", include_deleted=True) == ["Mine"]
    assert _names(crm, Actor.system(), filters=[Filter("level", "eq", "Key")]) == ["Mine", "New key", "Old key"]


def test_the_grid_endpoint_takes_the_builders_groups_and_the_deleted_view(app, client):
    rt = app.extensions["formflow"]
    app_templates.install_template(rt, Actor.system(), "crm")
    base = "/api/apps/crm/forms/customer/records"
    ids = [client.post(base, json={"data": {"name": n, "level": lvl}}).get_json()["id"]
           for n, lvl in (("A", "key"), ("B", "main"), ("C", "ordinary"))]
    where = '{"match": "any", "filters": [{"field": "level", "op": "eq", "value": "Key"}, {"field": "level", "op": "eq", "value": "主要"}]}'
    r = client.get(f"{base}/table", query_string={"where": where, "sort": "name"})
    assert [i["data"]["name"] for i in r.get_json()["items"]] == ["A", "B"]
    r = client.post(f"{base}/query", json={"match": "any", "filters": [{"field": "name", "op": "eq", "value": "C"},
                                                                        {"match": "all", "filters": [{"field": "level", "op": "eq", "value": "Key"}]}]})
    assert sorted(i["data"]["name"] for i in r.get_json()["items"]) == ["A", "C"]
    assert client.get(f"{base}/table", query_string={"where": "{nope"}).get_json()["error"]["errors"][0]["path"] == "/where"
    assert client.delete(f"{base}/{ids[1]}", headers={"If-Match": '"1"'}).status_code in (200, 204)
    r = client.get(f"{base}/table", query_string={"deleted": "1"})
    assert [i["id"] for i in r.get_json()["items"]] == [ids[1]]
    assert client.post(f"{base}/{ids[1]}/restore").status_code == 200
    assert client.get(f"{base}/table", query_string={"deleted": "1"}).get_json()["items"] == []


def test_hidden_fields_stay_hidden_on_the_builder_and_view_paths(crm):
    from engine.services import permissions, saved_views

    permissions.set_grant(crm, Actor.system(), "crm", "customer", "viewer", {"read": "all", "fields": {"level": "hidden"}})
    viewer = Actor.user(users.create_user(crm, Actor.system(), "vi", display_name="vi", roles=["viewer"], check=False)["id"],
                        roles=("viewer",))
    for filters in ([Filter("level", "eq", "Key")], [FilterGroup("any", [Filter("name", "contains", "key"), Filter("level", "eq", "Key")])]):
        with pytest.raises(ValidationFailed) as exc:
            list_records(crm, viewer, "crm", "customer", Query(filters=filters))
        assert any(e.field_id == "level" for e in exc.value.errors)
    rows = list_records(crm, viewer, "crm", "customer", Query(filters=[Filter("created_at", "last_days", 30)]))["items"]
    assert len(rows) == 3 and all("level" not in r["data"] for r in rows)
    with pytest.raises(ValidationFailed) as exc:
        saved_views.create_view(crm, viewer, "crm", "customer", {"name": "peek", "definition": {"group_by": "level"}})
    assert exc.value.errors[0].path == "/definition/group_by"
