"""References to a form of another app (issue 21, point 6): a CRM ticket names an employee of the HR app.

Through the API on SQLite and PostgreSQL: the save/publish checks (coded, with the field path), saving and fetching
across apps, titles, "used by" and the delete guards; and the read gate of the *target* app for a reader without
rights there (ids at most) and one with them (titles and fetched values).
"""
from __future__ import annotations

import pytest

from engine import i18n
from engine.runtime import Actor
from engine.services import credentials, users as user_service

EMPLOYEE = {"key": "employee", "label": {"en": "Employee", "zh-CN": "员工"}, "settings": {"title_field": "name"}, "fields": [
    {"id": "name", "type": "text", "label": "Name", "required": True},
    {"id": "phone", "type": "phone", "label": "Phone"}]}
#: an HR-less CRM form of the same key as the HR one: a reference to hr/employee must never read it
CRM_EMPLOYEE = {"key": "employee", "label": "CRM contact", "settings": {"title_field": "name"}, "fields": [
    {"id": "name", "type": "text", "label": "Name"}]}
TICKET = {"key": "ticket", "label": "Ticket", "settings": {"title_field": "title"}, "fields": [
    {"id": "title", "type": "text", "label": "Title", "required": True},
    {"id": "assignee", "type": "reference", "label": "Assignee", "options": {"app": "hr", "form": "employee"}},
    {"id": "assignee_phone", "type": "phone", "label": "Assignee phone", "fetch": {"from": "assignee", "field": "phone"}},
    {"id": "assignee_name", "type": "computed", "label": "Assignee name", "options": {"result_type": "text", "formula": "assignee.name"}},
    {"id": "note", "type": "text", "label": "Note"}],
    "automations": [{"id": "a1", "name": "note who", "trigger": {"on": "create", "when": "note == null"},
                     "action": {"type": "set_field", "map": [{"field": "note", "template": "For {{ record.assignee.name }}"}]}}]}


def _published(client, app_key: str, form: dict) -> None:
    made = client.post(f"/api/apps/{app_key}/forms", json=form)
    assert made.status_code == 201, made.get_json()
    published = client.post(f"/api/apps/{app_key}/forms/{form['key']}/publish")
    assert published.status_code == 201, published.get_json()


@pytest.fixture
def world(client):
    for key, label in (("hr", "HR"), ("crm", "CRM")):
        assert client.post("/api/apps", json={"key": key, "label": label}).status_code == 201
    _published(client, "hr", EMPLOYEE)
    _published(client, "crm", CRM_EMPLOYEE)
    _published(client, "crm", TICKET)
    alice = client.post("/api/apps/hr/forms/employee/records", json={"data": {"name": "Alice", "phone": "+8613800000001"}})
    assert alice.status_code == 201, alice.get_json()
    contact = client.post("/api/apps/crm/forms/employee/records", json={"data": {"name": "Not an HR employee"}})
    return {"alice": alice.get_json()["id"], "contact": contact.get_json()["id"]}


def _user_client(app, username: str, roles: list[str]):
    runtime = app.extensions["formflow"]
    user = user_service.create_user(runtime, Actor.system(), username, display_name=username.title(), roles=roles, check=False)
    token = credentials.create_token(runtime, Actor.user(user["id"]), "tests")["token"]
    other = app.test_client()
    other.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return other


def test_save_refuses_a_missing_app_or_form_with_the_field_path_and_a_coded_message(client, world):
    bad_app = {**TICKET, "key": "bad_app", "fields": [TICKET["fields"][0],
                                                       {"id": "who", "type": "reference", "label": "Who", "options": {"app": "nope", "form": "employee"}}]}
    refused = client.post("/api/apps/crm/forms", json=bad_app)
    assert refused.status_code == 422
    (error,) = refused.get_json()["error"]["errors"]
    assert (error["path"], error["field_id"], error["message_code"]) == ("/fields/1/options/app", "who", "error.definition.reference_app")
    assert error["params"] == {"app": "'nope'"}
    assert "工作区" in i18n.render(error["message_code"], "zh-CN", error["params"])

    draft = client.get("/api/apps/crm/forms/ticket/draft").get_json()["definition"]
    draft["fields"][1]["options"]["form"] = "ghost"
    refused = client.put("/api/apps/crm/forms/ticket/draft", json=draft)
    assert refused.status_code == 422
    codes = {(e["path"], e.get("message_code")) for e in refused.get_json()["error"]["errors"]}
    assert ("/fields/1/options/form", "error.definition.reference_app_form") in codes
    # the fetched field's source is checked against the other app's form too
    assert any(e["path"] == "/fields/2/fetch/field" for e in refused.get_json()["error"]["errors"])

    # a value fetched from another app can't be kept live (that app's saves don't reach back)
    draft = client.get("/api/apps/crm/forms/ticket/draft").get_json()["definition"]
    draft["fields"][2]["fetch"]["policy"] = "live"
    refused = client.put("/api/apps/crm/forms/ticket/draft", json=draft)
    assert refused.status_code == 422
    assert [(e["path"], e.get("message_code")) for e in refused.get_json()["error"]["errors"]] == \
        [("/fields/2/fetch/policy", "error.definition.fetch_live_other_app")]

    # automations don't write into another app's records
    draft = client.get("/api/apps/crm/forms/ticket/draft").get_json()["definition"]
    draft["automations"].append({"id": "a2", "name": "touch", "trigger": {"on": "create"},
                                 "action": {"type": "update_record", "reference": "assignee", "map": [{"field": "name", "value": "x"}]}})
    assert client.put("/api/apps/crm/forms/ticket/draft", json=draft).status_code == 200
    refused = client.post("/api/apps/crm/forms/ticket/publish")
    assert refused.status_code == 422
    assert [(e["path"], e.get("message_code")) for e in refused.get_json()["error"]["errors"]] == \
        [("/automations/1/action/reference", "error.definition.reference_write_other_app")]


def test_a_record_names_another_apps_record_and_reads_it_back_with_its_title_and_fetched_value(client, world):
    made = client.post("/api/apps/crm/forms/ticket/records", json={"data": {"title": "Printer", "assignee": world["alice"]}})
    assert made.status_code == 201, made.get_json()
    data = made.get_json()["data"]
    assert data["assignee_phone"] == "+8613800000001"  # fetched from hr/employee on save
    assert data["assignee_name"] == "Alice" and data["note"] == "For Alice"  # a formula and a template read it too

    # the CRM's own "employee" form is not the target, whatever its key: its record id is no employee
    wrong = client.post("/api/apps/crm/forms/ticket/records", json={"data": {"title": "x", "assignee": world["contact"]}})
    assert wrong.status_code == 422 and wrong.get_json()["error"]["errors"][0]["field_id"] == "assignee"

    table = client.get("/api/apps/crm/forms/ticket/records/table").get_json()
    (row,) = table["items"]
    assert row["display"]["assignee"] == "Alice"
    fetched = client.get(f"/api/apps/crm/forms/ticket/fetch?field=assignee&id={world['alice']}").get_json()
    assert fetched["values"] == {"assignee_phone": "+8613800000001"}

    # the picker searches the target app's form through its own table
    found = client.get("/api/apps/hr/forms/employee/records/table?search=Ali").get_json()
    assert [r["title"] for r in found["items"]] == ["Alice"]


def test_used_by_and_deletes_see_references_from_other_apps(client, world):
    usage = client.post("/api/apps/hr/forms/employee/field-usage", json={"field": "phone"}).get_json()["items"]
    assert [(u["kind"], u["key"], u["link"]) for u in usage] == [("field", "crm/ticket.assignee_phone", "/apps/crm/forms/ticket/design")]

    refused = client.delete("/api/apps/hr/forms/employee", json={"confirm": "employee"})
    assert refused.status_code == 409
    (error,) = refused.get_json()["error"]["errors"]
    assert error["message_code"] == "error.definition.referenced_elsewhere" and "crm/ticket.assignee" in error["message"]
    assert client.delete("/api/apps/hr", json={"confirm": "hr"}).status_code == 409
    assert client.get("/api/apps/hr/forms/employee/records").get_json()["total"] == 1  # nothing went

    # the CRM's own "employee" form is not referenced (the ticket points at HR's): it can go
    assert client.delete("/api/apps/crm/forms/employee", json={"confirm": "employee"}).status_code == 200


def test_a_reader_without_rights_on_the_other_app_sees_ids_only(app, client, world):
    # members may work with tickets; the HR form is closed to them
    assert client.put("/api/apps/crm/forms/ticket/permissions/member",
                      json={"create": True, "read": "all", "update": "all", "delete": "none", "fields": {}}).status_code == 200
    assert client.put("/api/apps/hr/forms/employee/permissions/member",
                      json={"create": False, "read": "none", "update": "none", "delete": "none", "fields": {}}).status_code == 200
    # (a note given: the automation copying the name into it, an ordinary value from then on, stays out of this)
    ticket = client.post("/api/apps/crm/forms/ticket/records",
                         json={"data": {"title": "Printer", "assignee": world["alice"], "note": "jammed"}}).get_json()
    mia = _user_client(app, "mia", ["member"])
    ops = _user_client(app, "otto", ["ops"])  # reads every form by default, HR's too

    (row,) = mia.get("/api/apps/crm/forms/ticket/records/table").get_json()["items"]
    assert row["data"]["assignee"] == world["alice"] and row["display"]["assignee"] == f"#{world['alice']}"
    assert "assignee_phone" not in row["data"] and "assignee_phone" not in row["display"]  # fetched from a form she can't read
    assert "assignee_name" not in row["data"]  # computed from it
    one = mia.get(f"/api/apps/crm/forms/ticket/records/{ticket['id']}").get_json()
    assert "assignee_phone" not in one["data"] and "Alice" not in repr(one) and "+8613800000001" not in repr(one)
    assert mia.get("/api/apps/hr/forms/employee/records/table?search=Ali").status_code == 403  # the picker finds nothing
    fetched = mia.get(f"/api/apps/crm/forms/ticket/fetch?field=assignee&id={world['alice']}")
    assert fetched.status_code in (403, 404) or fetched.get_json()["values"] == {}  # nothing of Alice either way
    refused = mia.post("/api/apps/crm/forms/ticket/records", json={"data": {"title": "Mine", "assignee": world["alice"]}})
    assert refused.status_code == 422 and refused.get_json()["error"]["errors"][0]["field_id"] == "assignee"

    (row,) = ops.get("/api/apps/crm/forms/ticket/records/table").get_json()["items"]
    assert row["display"]["assignee"] == "Alice" and row["data"]["assignee_phone"] == "+8613800000001"

    # a field of the HR form hidden from ops stays hidden in what the CRM fetched from it
    assert client.put("/api/apps/hr/forms/employee/permissions/ops",
                      json={"create": False, "read": "all", "update": "none", "delete": "none", "fields": {"phone": "hidden"}}).status_code == 200
    (row,) = ops.get("/api/apps/crm/forms/ticket/records/table").get_json()["items"]
    assert row["display"]["assignee"] == "Alice" and "assignee_phone" not in row["data"]


def test_the_editors_offer_the_other_apps_forms_and_fields(client, world):
    designer = client.get("/apps/crm/forms/ticket/design").get_data(as_text=True)
    assert '"key": "hr"' in designer and '"key": "employee"' in designer  # the target app and its forms, for the panel
    editor = client.get("/apps/crm/notification-templates/editor").get_data(as_text=True)
    assert "record.assignee.name" in editor and "record.assignee.phone" in editor  # one hop into the HR form's fields
