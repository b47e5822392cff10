"""Saved views of a form: private or shared with roles, a default per role, fields checked against the read gate (SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest

from engine.errors import NotFound, PermissionDenied, ValidationFailed
from engine.runtime import Actor
from engine.services import app_templates, permissions, saved_views, users

VIP_VIEW = {"type": "grid", "filters": [{"field": "level", "op": "eq", "value": "key"},
                                        {"field": "created_at", "op": "ge", "value": "2026-02-07"}],
            "sort": [{"field": "name", "dir": "asc"}, {"field": "created_at", "dir": "desc"}], "group_by": "owner",
            "columns": ["name", "level", "owner"]}


@pytest.fixture
def crm(rt):
    app_templates.install_template(rt, Actor.system(), "crm")
    return rt


def _user(rt, name, roles):
    u = users.create_user(rt, Actor.system(), name, display_name=name, roles=list(roles), check=False)
    return Actor.user(u["id"], roles=roles)


def test_a_private_view_is_seen_by_its_owner_only_and_a_shared_one_by_the_role(crm):
    builder, member, viewer = _user(crm, "bea", ["builder"]), _user(crm, "mo", ["member"]), _user(crm, "vi", ["viewer"])
    mine = saved_views.create_view(crm, member, "crm", "customer", {"name": "My keys", "definition": VIP_VIEW})
    shared = saved_views.create_view(crm, builder, "crm", "customer", {"name": "Key customers", "shared_roles": ["member"],
                                                                         "definition": VIP_VIEW})
    assert shared["definition"]["sort"][1] == {"field": "created_at", "dir": "desc"} and shared["definition"]["group_by"] == "owner"
    assert [v["name"] for v in saved_views.list_views(crm, member, "crm", "customer")["items"]] == ["Key customers", "My keys"]
    assert [v["name"] for v in saved_views.list_views(crm, viewer, "crm", "customer")["items"]] == []
    assert [v["name"] for v in saved_views.list_views(crm, builder, "crm", "customer")["items"]] == ["Key customers"]
    with pytest.raises(NotFound):
        saved_views.delete_view(crm, builder, "crm", "customer", mine["id"])
    with pytest.raises(PermissionDenied):
        saved_views.update_view(crm, member, "crm", "customer", shared["id"], {"name": "mine now"})


def test_sharing_and_defaults_need_design_and_one_default_per_role(crm):
    builder, member = _user(crm, "bea", ["builder"]), _user(crm, "mo", ["member"])
    with pytest.raises(PermissionDenied):
        saved_views.create_view(crm, member, "crm", "customer", {"name": "x", "shared_roles": ["member"], "definition": {}})
    a = saved_views.create_view(crm, builder, "crm", "customer", {"name": "A", "shared_roles": ["member", "viewer"], "definition": {}})
    b = saved_views.create_view(crm, builder, "crm", "customer", {"name": "B", "shared_roles": ["member"], "definition": {}})
    saved_views.set_default(crm, builder, "crm", "customer", a["id"], "member")
    assert saved_views.list_views(crm, member, "crm", "customer")["default_id"] == a["id"]
    saved_views.set_default(crm, builder, "crm", "customer", b["id"], "member")
    listed = saved_views.list_views(crm, member, "crm", "customer")
    assert listed["default_id"] == b["id"] and next(v for v in listed["items"] if v["id"] == a["id"])["default_roles"] == []
    with pytest.raises(ValidationFailed) as exc:
        saved_views.set_default(crm, builder, "crm", "customer", b["id"], "viewer")
    assert exc.value.errors[0].path == "/role"


def test_a_view_naming_unknown_fields_operators_or_roles_is_refused_with_each_path(crm):
    builder = _user(crm, "bea", ["builder"])
    bad = {"type": "pie", "filters": [{"field": "nope", "op": "eq", "value": 1}, {"field": "level", "op": "like", "value": "x"},
                                      {"match": "any", "filters": [{"field": "ghost", "op": "eq"}]}],
           "sort": [{"field": "name", "dir": "sideways"}], "columns": ["name", "zzz"], "page_size": 0, "extra": 1}
    with pytest.raises(ValidationFailed) as exc:
        saved_views.create_view(crm, builder, "crm", "customer", {"name": "bad", "definition": bad})
    paths = {e.path for e in exc.value.errors}
    assert paths == {"/definition/extra", "/definition/type", "/definition/filters/0/field", "/definition/filters/1/op",
                     "/definition/filters/2/filters/0/field", "/definition/sort", "/definition/columns/1", "/definition/page_size"}
    with pytest.raises(ValidationFailed) as exc:
        saved_views.create_view(crm, builder, "crm", "customer", {"name": "x", "shared_roles": ["nosuchrole"], "definition": {}})
    assert exc.value.errors[0].path == "/shared_roles"
    with pytest.raises(ValidationFailed):
        saved_views.create_view(crm, builder, "crm", "customer", {"name": " ", "definition": {}})


def test_views_over_the_api(app, client):
    rt = app.extensions["formflow"]
    app_templates.install_template(rt, Actor.system(), "crm")
    base = "/api/apps/crm/forms/customer/views"
    r = client.post(base, json={"name": "Key customers", "shared_roles": ["member"], "definition": VIP_VIEW})
    assert r.status_code == 201, r.get_json()
    vid = r.get_json()["id"]
    assert client.post(f"{base}/{vid}/default", json={"role": "member"}).get_json()["default_roles"] == ["member"]
    assert client.patch(f"{base}/{vid}", json={"name": "Keys"}).get_json()["name"] == "Keys"
    r = client.post(base, json={"name": "x", "definition": {"columns": ["nope"]}})
    assert r.status_code == 422 and r.get_json()["error"]["errors"][0]["path"] == "/definition/columns/0"
    assert [v["name"] for v in client.get(base).get_json()["items"]] == ["Keys"]
    assert client.delete(f"{base}/{vid}").status_code == 204
    assert client.get(base).get_json()["items"] == []


def test_board_views_keep_their_type_and_settings_and_refuse_fields_their_type_cannot_hold(crm):
    builder = _user(crm, "bea", ["builder"])
    kanban = saved_views.create_view(crm, builder, "crm", "opportunity", {"name": "Pipeline", "shared_roles": ["member"], "definition": {
        "type": "kanban", "group_field": "stage", "card_fields": ["amount", "owner"]}})
    assert kanban["definition"]["type"] == "kanban" and kanban["definition"]["group_field"] == "stage"
    assert kanban["definition"]["card_fields"] == ["amount", "owner"]
    calendar = saved_views.create_view(crm, builder, "crm", "follow_up_reminder", {"name": "Reminders", "definition": {
        "type": "calendar", "date_field": "remind_at"}})
    assert calendar["definition"]["date_field"] == "remind_at"
    saved_views.set_default(crm, builder, "crm", "opportunity", kanban["id"], "member")
    member = _user(crm, "mo", ["member"])
    listed = saved_views.list_views(crm, member, "crm", "opportunity")
    assert listed["default_id"] == kanban["id"] and listed["items"][0]["definition"]["type"] == "kanban"
    # lanes need a single choice or person (the type's groups_kanban), a calendar a date or time, a gallery pictures
    bad = [({"type": "kanban"}, "/definition/group_field"), ({"type": "kanban", "group_field": "amount"}, "/definition/group_field"),
           ({"type": "kanban", "group_field": "nope"}, "/definition/group_field"), ({"type": "calendar", "date_field": "stage"}, "/definition/date_field"),
           ({"type": "gallery"}, "/definition/image_field"), ({"type": "grid", "card_fields": ["ghost"]}, "/definition/card_fields/0")]
    for definition, path in bad:
        with pytest.raises(ValidationFailed) as exc:
            saved_views.create_view(crm, builder, "crm", "opportunity", {"name": "bad", "definition": definition})
        assert [e.path for e in exc.value.errors] == [path], definition


def test_a_board_view_cannot_lane_or_show_a_field_hidden_from_its_author(crm):
    permissions.set_grant(crm, Actor.system(), "crm", "opportunity", "member",
                          {"create": True, "read": "own", "update": "own", "delete": "own", "fields": {"owner": "hidden"}})
    member = _user(crm, "mo", ["member"])
    for definition, path in (({"type": "kanban", "group_field": "owner"}, "/definition/group_field"),
                             ({"type": "kanban", "group_field": "stage", "card_fields": ["owner"]}, "/definition/card_fields/0")):
        with pytest.raises(ValidationFailed) as exc:
            saved_views.create_view(crm, member, "crm", "opportunity", {"name": "x", "definition": definition})
        assert [e.path for e in exc.value.errors] == [path]
