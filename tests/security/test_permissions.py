"""Record and field permissions, enforced in the services: every endpoint, list, export and history obeys them."""
from __future__ import annotations

import re

import pytest

from engine.errors import NotFound, PermissionDenied, ValidationFailed
from engine.services import permissions, queries, records as record_service
from tests.security.conftest import HIDDEN_MARKER


# -- own vs all, IDOR -------------------------------------------------------------

def test_member_sees_only_own_records_viewer_sees_all(crm, people):
    ann, vic = people["ann"].client, people["vic"].client
    mine = ann.get("/api/apps/crm/forms/customer/records").get_json()
    assert [r["id"] for r in mine["items"]] == [crm["ann"]] and mine["total"] == 1
    assert {r["id"] for r in vic.get("/api/apps/crm/forms/customer/records").get_json()["items"]} == set(crm.values())
    assert ann.post("/api/apps/crm/forms/customer/records/query", json={}).get_json()["total"] == 1


def test_attack_idor_another_members_record_is_404(crm, people):
    ann = people["ann"].client
    base = f"/api/apps/crm/forms/customer/records/{crm['bob']}"
    assert ann.get(base).status_code == 404
    assert ann.get(base + "/history").status_code == 404
    assert ann.patch(base, json={"data": {"name": "mine now"}}).status_code == 404
    assert ann.delete(base).status_code == 404
    assert ann.post(base + "/restore").status_code == 404
    # the same answer as an id that doesn't exist at all
    assert ann.get(base).get_json()["error"]["code"] == ann.get("/api/apps/crm/forms/customer/records/999999").get_json()["error"]["code"]
    assert people["bob"].client.get(base).status_code == 200


def test_attack_idor_record_id_through_another_form_is_404(crm, people):
    root = people["root"].client
    assert root.get(f"/api/apps/crm/forms/follow_up/records/{crm['ann']}").status_code == 404
    assert root.get(f"/api/apps/crm/forms/customer/records/{crm['ann']}").status_code == 200


def test_member_updates_and_deletes_own_record(crm, people):
    ann = people["ann"].client
    base = f"/api/apps/crm/forms/customer/records/{crm['ann']}"
    assert ann.patch(base, json={"data": {"name": "Ann's best customer"}}).status_code == 200
    assert ann.delete(base).status_code == 204


def test_team_scope_covers_team_mates_and_reports(crm, people, rt):
    from engine.services import users

    root = people["root"].actor
    users.create_team(rt, root, "east", "East", [people["ann"].id, people["mia"].id])
    permissions.set_grant(rt, root, "crm", "customer", "member", {"create": True, "read": "team", "update": "own", "delete": "none"})
    seen = {r["id"] for r in people["mia"].client.get("/api/apps/crm/forms/customer/records").get_json()["items"]}
    assert seen == {crm["ann"]}
    assert people["mia"].client.patch(f"/api/apps/crm/forms/customer/records/{crm['ann']}", json={"data": {"name": "x"}}).status_code == 403
    # a manager sees the direct report's records
    users.set_manager(rt, root, people["bob"].id, people["mia"].id)
    seen = {r["id"] for r in people["mia"].client.get("/api/apps/crm/forms/customer/records").get_json()["items"]}
    assert seen == {crm["ann"], crm["bob"]}


# -- cross-role 403 -----------------------------------------------------------------

def test_cross_role_refusals_are_403_json(crm, people):
    vic, ann, bella = people["vic"].client, people["ann"].client, people["bella"].client
    cases = [
        (vic, "POST", "/api/apps/crm/forms/customer/records", {"data": {"name": "viewer writes"}}),
        (vic, "PATCH", f"/api/apps/crm/forms/customer/records/{crm['ann']}", {"data": {"name": "viewer edits"}}),
        (vic, "DELETE", f"/api/apps/crm/forms/customer/records/{crm['ann']}", None),
        (ann, "POST", "/api/apps", {"key": "mine", "label": "Mine"}),
        (ann, "PUT", "/api/apps/crm/forms/customer/draft", {"key": "customer", "fields": []}),
        (ann, "POST", "/api/apps/crm/forms/customer/publish", None),
        (ann, "PUT", "/api/apps/crm/forms/customer/permissions/member", {"read": "all"}),
        (ann, "POST", "/api/users", {"username": "sneaky"}),
        (ann, "PATCH", f"/api/users/{people['ann'].id}", {"roles": ["admin"]}),
        (ann, "PUT", "/api/roles/member", {"capabilities": ["design"]}),
        (ann, "GET", "/api/admin/audit", None),
        (ann, "GET", "/api/apps/crm/forms/customer/permissions", None),
        (bella, "POST", "/api/users", {"username": "sneaky"}),
        (bella, "PUT", "/api/apps/crm/forms/customer/permissions/member", {"read": "all"}),
    ]
    for client, method, path, body in cases:
        response = client.open(path, method=method, json=body)
        assert response.status_code == 403, (method, path, response.status_code, response.get_data(as_text=True)[:200])
        assert response.get_json()["error"]["code"] == "forbidden"


def test_builder_designs_forms_member_does_not(crm, people):
    assert people["bella"].client.post("/api/apps", json={"key": "hr", "label": "HR"}).status_code == 201
    assert people["ann"].client.get("/api/apps").status_code == 200  # reading definitions is fine


def test_form_without_rights_is_403_for_lists(crm, people, rt):
    permissions.set_grant(rt, people["root"].actor, "crm", "follow_up", "member", {"create": False, "read": "none"})
    response = people["ann"].client.get("/api/apps/crm/forms/follow_up/records")
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"


def test_attack_mass_assignment_of_owner(crm, people):
    ann = people["ann"].client
    response = ann.post("/api/apps/crm/forms/customer/records", json={"data": {"name": "given away"}, "owner_id": people["bob"].id})
    assert response.status_code == 403
    made = ann.post("/api/apps/crm/forms/customer/records", json={"data": {"name": "kept"}})
    assert made.status_code == 201 and made.get_json()["owner_id"] == people["ann"].id


# -- fields -----------------------------------------------------------------------------

def _assert_no_marker(text: str, where: str):
    assert HIDDEN_MARKER not in text, f"hidden value leaked through {where}"


def _text(response) -> str:
    """What a response says, binary exports included (an Excel workbook is read cell by cell)."""
    if "spreadsheetml" in (response.content_type or ""):
        import io

        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
        return "\n".join(str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v is not None)
    return response.data.decode("utf-8", errors="replace")


def test_hidden_field_never_appears_in_reads_lists_history_export(crm, people):
    ann = people["ann"].client
    base = "/api/apps/crm/forms/customer/records"
    one = ann.get(f"{base}/{crm['ann']}")
    assert one.status_code == 200 and "email" not in one.get_json()["data"] and one.get_json()["data"]["name"] == "ann customer"
    history = ann.get(f"{base}/{crm['ann']}/history")
    assert history.status_code == 200 and len(history.get_json()["items"]) == 3
    assert all(c["field_id"] != "email" for item in history.get_json()["items"] for c in item["changes"])
    for path in (f"{base}/{crm['ann']}", f"{base}/{crm['ann']}/history", base, f"{base}?fields=name", f"{base}/table", f"{base}/export.csv",
                 f"{base}/export.xlsx"):
        response = ann.get(path)
        assert response.status_code == 200, path
        _assert_no_marker(_text(response), path)
    _assert_no_marker(ann.post(f"{base}/query", json={}).get_data(as_text=True), "query")
    # the admin still sees it (so the checks above would catch a leak)
    assert people["root"].client.get(f"{base}/{crm['ann']}").get_json()["data"]["email"] == HIDDEN_MARKER
    for path in (f"{base}/export.csv", f"{base}/export.xlsx", f"{base}/table", f"{base}/{crm['ann']}/history"):
        assert HIDDEN_MARKER in _text(people["root"].client.get(path)), path


def test_attack_probe_hidden_field_through_filter_sort_search(crm, people):
    ann = people["ann"].client
    base = "/api/apps/crm/forms/customer/records"
    assert ann.get(f"{base}?filter=email:eq:{HIDDEN_MARKER}").status_code == 422
    assert ann.get(f"{base}?sort=email").status_code == 422
    assert ann.get(f"{base}?fields=email").status_code == 422
    assert ann.post(f"{base}/query", json={"filters": [{"field": "email", "op": "contains", "value": "hidden"}]}).status_code == 422
    found = ann.get(f"{base}?search=hidden-marker").get_json()
    assert found["total"] == 0  # search skips fields the role can't see
    assert ann.get(f"{base}?search=ann").get_json()["total"] == 1


def test_attack_write_to_read_only_or_hidden_field_is_refused(crm, people):
    ann = people["ann"].client
    base = "/api/apps/crm/forms/customer/records"
    for data in ({"name": "n", "level": "main"}, {"name": "n", "email": "me@example.com"}):
        response = ann.post(base, json={"data": data})
        assert response.status_code == 422
        assert [e["code"] for e in response.get_json()["error"]["errors"]] == ["forbidden_field"]
    own = f"{base}/{crm['ann']}"
    assert ann.patch(own, json={"data": {"level": "ordinary"}}).status_code == 422
    assert ann.patch(own, json={"data": {"email": None}}).status_code == 422  # can't blank what you can't see
    assert ann.patch(own, json={"data": {"email": HIDDEN_MARKER}}).status_code == 422  # no oracle: same answer for the right value
    # sending a read-only field back unchanged (as a form does) is fine
    assert ann.patch(own, json={"data": {"level": "key", "name": "renamed"}}).status_code == 200
    record = people["root"].client.get(own).get_json()["data"]
    assert record["level"] == "key" and record["email"] == HIDDEN_MARKER and record["name"] == "renamed"


def test_attack_system_and_engine_set_fields_in_payload_are_refused(crm, people):
    ann = people["ann"].client
    response = ann.post("/api/apps/crm/forms/customer/records", json={"data": {"name": "n", "serial": "KH-FAKE-0001"}})
    assert response.status_code == 422
    response = ann.post("/api/apps/crm/forms/customer/records", json={"data": {"name": "n", "created_by": 1, "owner_id": 1}})
    assert response.status_code == 422


def test_enforced_in_the_services_not_only_the_api(crm, people, rt):
    ann = people["ann"].actor
    with pytest.raises(NotFound):
        record_service.get_record(rt, ann, "crm", "customer", crm["bob"])
    assert "email" not in record_service.get_record(rt, ann, "crm", "customer", crm["ann"])["data"]
    listed = queries.list_records(rt, ann, "crm", "customer", queries.Query())
    assert [r["id"] for r in listed["items"]] == [crm["ann"]] and all("email" not in r["data"] for r in listed["items"])
    with pytest.raises(ValidationFailed):
        record_service.update_record(rt, ann, "crm", "customer", crm["ann"], {"level": "main"})
    with pytest.raises(PermissionDenied):
        record_service.create_record(rt, people["vic"].actor, "crm", "customer", {"name": "v"})
    history = record_service.record_history(rt, ann, "crm", "customer", crm["ann"])
    assert HIDDEN_MARKER not in repr(history)


def test_form_definition_permissions_slot_sets_defaults(crm, people, rt):
    """A published form may carry per-role rights (templates ship them); a stored grant still wins."""
    from engine.services import forms

    root = people["root"].actor
    draft = forms.get_draft(rt, "crm", "follow_up")["definition"]
    draft["permissions"] = {"member": {"create": True, "read": "all", "fields": {"content": "hidden"}}}
    forms.save_draft(rt, root, "crm", "follow_up", draft)
    forms.publish_form(rt, root, "crm", "follow_up")
    grants = {g["role"]: g for g in permissions.get_grants(rt, root, "crm", "follow_up")}
    assert grants["member"]["source"] == "form" and grants["member"]["rights"]["fields"] == {"content": "hidden"}
    made = people["ann"].client.post("/api/apps/crm/forms/follow_up/records",
                                      json={"data": {"customer": crm["ann"], "method": "call"}})
    assert made.status_code == 201, made.get_json()
    assert people["ann"].client.post("/api/apps/crm/forms/follow_up/records",
                                     json={"data": {"customer": crm["ann"], "content": "x"}}).status_code == 422


def test_bad_rights_are_422(crm, people):
    root = people["root"].client
    assert root.put("/api/apps/crm/forms/customer/permissions/member", json={"read": "everything"}).status_code == 422
    assert root.put("/api/apps/crm/forms/customer/permissions/member", json={"fields": {"email": "peek"}}).status_code == 422
    assert root.put("/api/apps/crm/forms/customer/permissions/nobody", json={"read": "all"}).status_code == 404


def test_admin_actions_are_audited(crm, people):
    root = people["root"].client
    assert root.put("/api/apps/crm/forms/customer/permissions/viewer", json={"read": "own"}).status_code == 200
    assert root.post("/api/users", json={"username": "newbie", "roles": ["member"]}).status_code == 201
    entries = root.get("/api/admin/audit").get_json()["items"]
    actions = [(e["action"], e["target"]) for e in entries]
    assert ("grant.set", "crm/customer:viewer") in actions and ("user.create", actions[0][1]) in actions
    assert entries[0]["actor"] == f"user:{people['root'].id}"
    published = root.get("/api/admin/audit?action=form.publish").get_json()["items"]
    assert {e["target"] for e in published} == {"crm/customer", "crm/follow_up"} and all(e["action"] == "form.publish" for e in published)


# -- the acceptance walk ---------------------------------------------------------------

def _fill(path: str, crm, people) -> str:
    values = {"app_key": "crm", "form_key": "customer", "record_id": str(crm["ann"]), "version": "1", "user_id": str(people["ann"].id),
              "token_id": "1", "role_key": "member", "revision": "1"}
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "x"), path)


def test_member_cannot_read_a_hidden_field_through_any_get_route(crm, people):
    """Walks every GET operation of the OpenAPI document as a member: the hidden value appears nowhere."""
    ann = people["ann"].client
    spec = ann.get("/api/openapi.json").get_json()
    walked = 0
    for path, item in spec["paths"].items():
        if "get" not in item:
            continue
        for form_key in ("customer", "follow_up"):
            url = _fill(path, crm, people).replace("/forms/customer", f"/forms/{form_key}")
            response = ann.get(url)
            assert response.status_code < 500, url
            _assert_no_marker(_text(response), url)
            walked += 1
    assert walked >= 20
    # and the walk did reach the member's own record
    assert ann.get(_fill("/api/apps/{app_key}/forms/{form_key}/records/{record_id}", crm, people)).status_code == 200


def test_member_cannot_read_a_hidden_field_through_any_page(app, crm, people):
    """Walks every GET page of the designer as a member: the hidden value appears nowhere."""
    ann = people["ann"].client
    values = {"app_key": "crm", "form_key": "customer", "record_id": str(crm["ann"]), "message_id": "1", "version": "1"}
    walked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith("/api") or "static" in rule.endpoint:
            continue
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values.get(m.group(1), "x"), rule.rule)
        response = ann.get(url)
        assert response.status_code < 500, url
        _assert_no_marker(_text(response), url)
        walked += 1
    assert walked >= 2


def test_permissions_slot_in_a_definition_is_checked(crm, people):
    root = people["root"].client
    draft = root.get("/api/apps/crm/forms/follow_up/draft").get_json()["definition"]
    draft["permissions"] = {"member": {"read": "everyone"}}
    response = root.put("/api/apps/crm/forms/follow_up/draft", json=draft)
    assert response.status_code == 422
    assert any(e["path"].startswith("/permissions") for e in response.get_json()["error"]["errors"])


def test_rights_schema_matches_the_form_meta_schema():
    from engine.definitions import meta_schema

    slot = meta_schema("form")["$defs"]["rights"]
    for action in ("create", "read", "update", "delete"):
        assert slot["properties"][action] == permissions.RIGHTS_SCHEMA["properties"][action]
    assert slot["properties"]["fields"]["additionalProperties"] == permissions.RIGHTS_SCHEMA["properties"]["fields"]["additionalProperties"]


def test_member_cannot_read_a_hidden_field_through_any_write_route(crm, people):
    """Every POST / PUT / PATCH / DELETE operation, called as a member on the member's own record: the hidden value never comes back."""
    ann = people["ann"].client
    spec = ann.get("/api/openapi.json").get_json()
    for path, item in spec["paths"].items():
        for method in ("post", "put", "patch", "delete"):
            if method not in item:
                continue
            url = _fill(path, crm, people)
            for body in ({}, {"data": {"name": "ann customer 2"}, "record_id": crm["ann"]}):
                response = ann.open(url, method=method.upper(), json=body)
                assert response.status_code < 500, (method, url)
                _assert_no_marker(_text(response), f"{method.upper()} {url}")


def test_attack_reference_to_an_unreadable_record_is_refused_like_a_missing_one(crm, people):
    """Pointing a follow-up at another member's customer would pull its values in through smart references."""
    ann = people["ann"].client
    theirs = ann.post("/api/apps/crm/forms/follow_up/records", json={"data": {"customer": crm["bob"], "method": "call"}})
    missing = ann.post("/api/apps/crm/forms/follow_up/records", json={"data": {"customer": 999999, "method": "call"}})
    assert theirs.status_code == missing.status_code == 422
    assert [e["code"] for e in theirs.get_json()["error"]["errors"]] == ["not_found"]
    assert ann.post("/api/apps/crm/forms/follow_up/records", json={"data": {"customer": crm["ann"], "method": "call"}}).status_code == 201
