"""Roll-ups over another app's records through the API (issue 21, point 6), on SQLite and PostgreSQL.

The refusals at save and publish (4xx, coded, naming the field's path), "used by" of the other app's reference field
and the refused publish that deletes it (the roll-up named as the broken place), the editor's links from other apps
(with the app's name), a designer-less token refused, and the read gate: a reader who may not read the other app's
form does not see the roll-up.
"""
from __future__ import annotations

import pytest

from engine import i18n
from engine.runtime import Actor
from engine.services import credentials, users as user_service

EMPLOYEE = {"key": "employee", "label": "Employee", "settings": {"title_field": "name"},
            "fields": [{"id": "name", "type": "text", "label": "Name"}]}
TICKET = {"key": "ticket", "label": "Ticket", "fields": [
    {"id": "title", "type": "text", "label": "Title"},
    {"id": "assignee", "type": "reference", "label": "Assignee", "options": {"app": "hr", "form": "employee"}},
    {"id": "hours", "type": "number", "label": "Hours"}]}
ROLLUP = {"id": "ticket_hours", "type": "rollup", "label": "Ticket hours",
          "options": {"app": "crm", "form": "ticket", "via": "assignee", "aggregate": "sum", "field": "hours"}}


def _ok(response, status=(200, 201)):
    assert response.status_code in status, response.get_json()
    return response.get_json()


@pytest.fixture
def world(client):
    for key, label in (("hr", {"en": "HR", "zh-CN": "人事"}), ("crm", {"en": "CRM", "zh-CN": "客户管理"})):
        _ok(client.post("/api/apps", json={"key": key, "label": label}))
    for app, form in (("hr", EMPLOYEE), ("crm", TICKET)):
        _ok(client.post(f"/api/apps/{app}/forms", json=form))
        _ok(client.post(f"/api/apps/{app}/forms/{form['key']}/publish"))
    _ok(client.put("/api/apps/hr/forms/employee/draft", json={**EMPLOYEE, "fields": EMPLOYEE["fields"] + [ROLLUP]}))
    _ok(client.post("/api/apps/hr/forms/employee/publish"))
    alice = _ok(client.post("/api/apps/hr/forms/employee/records", json={"data": {"name": "Alice"}}))["id"]
    for hours in (2, 3):
        _ok(client.post("/api/apps/crm/forms/ticket/records", json={"data": {"title": "t", "assignee": alice, "hours": hours}}))
    return {"alice": alice}


def test_the_value_reads_back_through_the_api(client, world):
    assert _ok(client.get(f"/api/apps/hr/forms/employee/records/{world['alice']}"))["data"]["ticket_hours"] == 5


@pytest.mark.parametrize("options, path, code", [
    ({"app": "nope"}, "/fields/2/options/app", "error.definition.reference_app"),
    ({"form": "ghost"}, "/fields/2/options/form", "error.definition.reference_app_form"),
    ({"via": "hours"}, "/fields/2/options/via", "error.options.not_reference_field"),
    ({"via": "title"}, "/fields/2/options/via", "error.options.not_reference_field"),
    ({"field": "ghost"}, "/fields/2/options/field", "error.options.not_field_of_form"),
])
def test_a_bad_source_is_refused_at_save_with_the_path_and_a_coded_message(client, world, options, path, code):
    bad = {**ROLLUP, "options": {**ROLLUP["options"], **options}}
    refused = client.put("/api/apps/hr/forms/employee/draft", json={**EMPLOYEE, "fields": EMPLOYEE["fields"] + [ROLLUP, bad | {"id": "bad"}]})
    assert refused.status_code == 422
    (error,) = refused.get_json()["error"]["errors"]
    assert (error["path"], error["field_id"], error["message_code"]) == (path, "bad", code)
    assert i18n.render(error["message_code"], "zh-CN", error["params"]) != error["message_code"]


def test_a_via_pointing_at_another_form_is_refused(client, world):
    _ok(client.post("/api/apps/hr/forms", json={"key": "team", "label": "Team", "fields": [{"id": "name", "type": "text"}]}))
    ticket = _ok(client.get("/api/apps/crm/forms/ticket/draft"))["definition"]
    ticket["fields"].append({"id": "team", "type": "reference", "label": "Team", "options": {"app": "hr", "form": "team"}})
    _ok(client.put("/api/apps/crm/forms/ticket/draft", json=ticket))
    bad = {**ROLLUP, "id": "bad", "options": {**ROLLUP["options"], "via": "team"}}
    refused = client.put("/api/apps/hr/forms/employee/draft", json={**EMPLOYEE, "fields": EMPLOYEE["fields"] + [ROLLUP, bad]})
    assert refused.status_code == 422
    (error,) = refused.get_json()["error"]["errors"]
    assert (error["path"], error["message_code"]) == ("/fields/2/options/via", "error.options.rollup_via_elsewhere")
    assert "crm/ticket" in error["message"] and "本表单" in i18n.render(error["message_code"], "zh-CN", error["params"])


def test_the_referencing_field_is_used_by_the_rollup_and_its_delete_is_refused_at_publish(client, world):
    usage = _ok(client.post("/api/apps/crm/forms/ticket/field-usage", json={"field": "assignee"}))["items"]
    assert ("field", "hr/employee.ticket_hours", "/fields/1/options/via", "/apps/hr/forms/employee/design") in \
        [(u["kind"], u["key"], u["path"], u["link"]) for u in usage]
    usage = _ok(client.post("/api/apps/crm/forms/ticket/field-usage", json={"field": "hours"}))["items"]
    assert [(u["key"], u["path"]) for u in usage] == [("hr/employee.ticket_hours", "/fields/1/options/field")]

    ticket = _ok(client.get("/api/apps/crm/forms/ticket/draft"))["definition"]
    ticket["fields"][1]["deleted"] = True
    _ok(client.put("/api/apps/crm/forms/ticket/draft", json=ticket))
    refused = client.post("/api/apps/crm/forms/ticket/publish")
    assert refused.status_code == 422
    places = [e for e in refused.get_json()["error"]["errors"] if e["message_code"] == "error.form.deleted_field_used"]
    assert [(e["path"], e["place"]["key"]) for e in places] == [("/fields/1", "hr/employee.ticket_hours")]


def test_the_source_form_and_its_app_cant_go_while_a_rollup_sums_them(client, world):
    # (the ticket's own reference to HR is no obstacle to deleting tickets: only what points *at* them counts)
    refused = client.delete("/api/apps/crm/forms/ticket", json={"confirm": "ticket"})
    assert refused.status_code == 409
    (error,) = refused.get_json()["error"]["errors"]
    assert error["message_code"] == "error.definition.referenced_elsewhere" and "hr/employee.ticket_hours" in error["message"]
    assert client.delete("/api/apps/crm", json={"confirm": "crm"}).status_code == 409


def test_the_editor_lists_the_other_apps_links_with_the_apps_name(client, world):
    links = _ok(client.get("/api/apps/hr/forms/employee/formula-sources"))["links"]
    (link,) = [k for k in links if k["app"] == "crm"]
    assert (link["form"], link["via"], link["app_label"]) == ("ticket", "assignee", {"en": "CRM", "zh-CN": "客户管理"})
    assert "hours" in [f["id"] for f in link["fields"]]


def _user_client(app, username: str, roles: list[str]):
    runtime = app.extensions["formflow"]
    user = user_service.create_user(runtime, Actor.system(), username, display_name=username.title(), roles=roles, check=False)
    token = credentials.create_token(runtime, Actor.user(user["id"]), "tests")["token"]
    other = app.test_client()
    other.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return other


def test_without_the_design_right_nothing_is_saved(app, client, world):
    member = _user_client(app, "mei", ["member"])
    refused = member.put("/api/apps/hr/forms/employee/draft", json={**EMPLOYEE, "fields": EMPLOYEE["fields"] + [ROLLUP]})
    assert refused.status_code == 403


def test_a_reader_who_may_not_read_the_other_apps_form_does_not_see_the_rollup(app, client, world):
    # members read employees; the CRM's tickets are closed to them: the hours summed from tickets stay out of sight
    _ok(client.put("/api/apps/hr/forms/employee/permissions/member",
                   json={"create": False, "read": "all", "update": "none", "delete": "none", "fields": {}}))
    _ok(client.put("/api/apps/crm/forms/ticket/permissions/member",
                   json={"create": False, "read": "none", "update": "none", "delete": "none", "fields": {}}))
    mia = _user_client(app, "mia", ["member"])
    data = _ok(mia.get(f"/api/apps/hr/forms/employee/records/{world['alice']}"))["data"]
    assert data.get("name") == "Alice" and "ticket_hours" not in data
    assert _ok(client.get(f"/api/apps/hr/forms/employee/records/{world['alice']}"))["data"]["ticket_hours"] == 5
    # once tickets may be read (their own rows only), the roll-up shows, over every ticket (as a same-app roll-up does)
    _ok(client.put("/api/apps/crm/forms/ticket/permissions/member",
                   json={"create": False, "read": "own", "update": "none", "delete": "none", "fields": {}}))
    assert _ok(mia.get(f"/api/apps/hr/forms/employee/records/{world['alice']}"))["data"]["ticket_hours"] == 5


def _via_changes(refused) -> list[tuple]:
    assert refused.status_code == 422, refused.get_json()
    errors = refused.get_json()["error"]["errors"]
    return [(e["path"], e["field_id"], e["place"]["key"], e["place"]["path"]) for e in errors
            if e["message_code"] == "error.form.via_field_changed"]


@pytest.mark.parametrize("change", [{"options": {"app": "hr", "form": "team"}}, {"options": {"form": "ticket"}},
                                    {"type": "text", "options": {}}])
def test_the_followed_reference_re_pointed_or_retyped_is_refused_at_its_publish(client, world, change):
    _ok(client.post("/api/apps/hr/forms", json={"key": "team", "label": "Team", "fields": [{"id": "name", "type": "text"}]}))
    _ok(client.post("/api/apps/hr/forms/team/publish"))
    ticket = _ok(client.get("/api/apps/crm/forms/ticket/draft"))["definition"]
    ticket["fields"][1].update(change)
    _ok(client.put("/api/apps/crm/forms/ticket/draft", json=ticket))  # the draft may change: its publish is what breaks
    refused = client.post("/api/apps/crm/forms/ticket/publish")
    assert _via_changes(refused) == [("/fields/1", "assignee", "hr/employee.ticket_hours", "/fields/1/options/via")]
    (error,) = [e for e in refused.get_json()["error"]["errors"] if e["message_code"] == "error.form.via_field_changed"]
    assert "hr/employee.ticket_hours" in error["message"]
    assert "关联" in i18n.render(error["message_code"], "zh-CN", error["params"])
    # the roll-up still sums the tickets: the published ticket form kept its reference
    assert _ok(client.get(f"/api/apps/hr/forms/employee/records/{world['alice']}"))["data"]["ticket_hours"] == 5


def test_a_change_that_keeps_the_reference_pointing_here_publishes(client, world):
    ticket = _ok(client.get("/api/apps/crm/forms/ticket/draft"))["definition"]
    ticket["fields"][1]["label"] = "Owner"
    _ok(client.put("/api/apps/crm/forms/ticket/draft", json=ticket))
    _ok(client.post("/api/apps/crm/forms/ticket/publish"))


def test_a_same_app_rollups_reference_re_pointed_is_refused_at_its_publish(client, world):
    _ok(client.post("/api/apps/hr/forms", json={"key": "team", "label": "Team", "fields": [{"id": "name", "type": "text"}]}))
    task = {"key": "task", "label": "Task", "fields": [
        {"id": "title", "type": "text", "label": "Title"},
        {"id": "owner", "type": "reference", "label": "Owner", "options": {"form": "employee"}}]}
    _ok(client.post("/api/apps/hr/forms", json=task))
    for form in ("team", "task"):
        _ok(client.post(f"/api/apps/hr/forms/{form}/publish"))
    count = {"id": "tasks", "type": "rollup", "label": "Tasks", "options": {"form": "task", "via": "owner", "aggregate": "count"}}
    _ok(client.put("/api/apps/hr/forms/employee/draft", json={**EMPLOYEE, "fields": EMPLOYEE["fields"] + [ROLLUP, count]}))
    _ok(client.post("/api/apps/hr/forms/employee/publish"))
    task["fields"][1]["options"] = {"form": "team"}
    _ok(client.put("/api/apps/hr/forms/task/draft", json=task))
    refused = client.post("/api/apps/hr/forms/task/publish")
    assert _via_changes(refused) == [("/fields/1", "owner", "employee.tasks", "/fields/2/options/via")]
    task["fields"][1]["options"] = {"app": "hr", "form": "employee"}  # the own app named: the same form, no change
    _ok(client.put("/api/apps/hr/forms/task/draft", json=task))
    _ok(client.post("/api/apps/hr/forms/task/publish"))
