"""A member field limited to roles and teams (options.limit): the definition names role and team keys (publish refuses
an unknown one at its path), a save refuses a person outside the limit (422 at /data/<field>, en and zh-CN), an import
batch too, the user picker for the field lists only the people it may hold, /api/users/names still names anyone, and a
kanban's person lanes list the same people. Through the REST API on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from engine.runtime import Actor
from engine.services import credentials, permissions, records as record_service, users
from engine.storage.tables import records

FORM = "/api/apps/sales/forms/deal"
RECORDS = FORM + "/records"


def _definition(limit: dict | None = None, multiple: bool = False) -> dict:
    options = {"multiple": multiple, **({"limit": limit} if limit is not None else {})}
    return {"key": "deal", "label": {"en": "Deal", "zh-CN": "商机"}, "fields": [
        {"id": "name", "type": "text", "label": {"en": "Name", "zh-CN": "名称"}, "required": True},
        {"id": "owner", "type": "user", "label": {"en": "Owner", "zh-CN": "负责人"}, "options": options},
        {"id": "helper", "type": "user", "label": {"en": "Helper", "zh-CN": "协助人"}}]}


def _errors(response) -> dict:
    return {e["path"]: e for e in response.get_json()["error"]["errors"]}


@pytest.fixture
def people(app, client):
    """The app with a deal form limited to the role ``sales`` and the team ``east``; four people: sam (sales), ted (in
    team east), una (neither), vic (sales, deactivated). Returns their ids by name and the runtime."""
    rt = app.extensions["formflow"]
    permissions.save_role(rt, Actor.system(), "sales", label={"en": "Sales", "zh-CN": "销售"}, capabilities=[])
    ids = {}
    for name, roles in (("sam", ["member", "sales"]), ("ted", ["member"]), ("una", ["member"]), ("vic", ["member", "sales"])):
        ids[name] = users.create_user(rt, Actor.system(), name, display_name=name.title(), roles=roles, check=False)["id"]
    users.create_team(rt, Actor.system(), "east", "East", member_ids=[ids["ted"]])
    users.deactivate_user(rt, Actor.system(), ids["vic"])
    assert client.post("/api/apps", json={"key": "sales", "label": "Sales"}).status_code == 201
    assert client.post("/api/apps/sales/forms", json=_definition({"roles": ["sales"], "teams": ["east"]})).status_code == 201
    r = client.post(FORM + "/publish")
    assert r.status_code == 201, r.get_json()
    return rt, ids


def _put_draft(client, definition: dict):
    draft = client.get(FORM + "/draft").get_json()
    return client.put(FORM + "/draft", json=definition, headers={"If-Match": str(draft["draft_revision"])})


def test_publish_refuses_an_unknown_role_or_team_at_its_path(people, client):
    rt, ids = people
    r = _put_draft(client, _definition({"roles": ["sales", "nobody"], "teams": ["west"]}))
    assert r.status_code == 422, r.get_json()  # a draft save already says so
    items = _errors(r)
    assert items["/fields/1/options/limit/roles/1"]["message_code"] == "error.options.unknown_role"
    assert items["/fields/1/options/limit/roles/1"]["message"] == "there is no role 'nobody' in this workspace"
    assert items["/fields/1/options/limit/teams/0"]["message_code"] == "error.options.unknown_team"
    assert "/fields/1/options/limit/roles/0" not in items
    # a role deleted after the draft named it: the publish refuses it, in the reader's language
    permissions.save_role(rt, Actor.system(), "buyers", label="Buyers", capabilities=[])
    assert _put_draft(client, _definition({"roles": ["sales", "buyers"], "teams": ["east"]})).status_code == 200
    permissions.delete_role(rt, Actor.system(), "buyers")
    r = client.post(FORM + "/publish")
    assert r.status_code == 422, r.get_json()
    assert set(_errors(r)) == {"/fields/1/options/limit/roles/1"}
    assert _errors(r)["/fields/1/options/limit/roles/1"]["message"] == "there is no role 'buyers' in this workspace"
    zh = _errors(client.post(FORM + "/publish", headers={"Accept-Language": "zh-CN"}))
    assert zh["/fields/1/options/limit/roles/1"]["message"] == "此工作区中没有角色 'buyers'"
    zh = _errors(_put_draft(client, _definition({"teams": ["west"]})))
    assert zh["/fields/1/options/limit/teams/0"]["message"] == "there is no team 'west' in this workspace"
    # a built-in role is known before anyone opened the roles; a limit's shape is the schema's
    assert _put_draft(client, _definition({"roles": ["member"]})).status_code == 200
    assert client.post(FORM + "/publish").status_code == 201
    bad = _put_draft(client, _definition({"roles": "sales"}))
    assert bad.status_code == 422 and "/fields/1/options/limit/roles" in _errors(bad)
    bad = _put_draft(client, _definition({"groups": ["x"]}))
    assert bad.status_code == 422


def test_a_save_refuses_a_person_outside_the_limit(people, client):
    rt, ids = people
    for name in ("sam", "ted"):
        r = client.post(RECORDS, json={"data": {"name": f"deal of {name}", "owner": ids[name]}})
        assert r.status_code == 201, r.get_json()
    r = client.post(RECORDS, json={"data": {"name": "deal of una", "owner": ids["una"], "helper": ids["una"]}})
    assert r.status_code == 422
    items = _errors(r)
    assert list(items) == ["/data/owner"]  # the helper field is not limited
    assert items["/data/owner"]["message_code"] == "error.record.user_outside_limit"
    assert items["/data/owner"]["code"] == "outside_limit"
    assert items["/data/owner"]["message"] == f"{ids['una']} may not be chosen here: only people of the field's roles or teams may"
    zh = _errors(client.post(RECORDS, json={"data": {"name": "x", "owner": ids["una"]}}, headers={"Accept-Language": "zh-CN"}))
    assert zh["/data/owner"]["message"] == f"此处不能选择 {ids['una']}：只能选择该字段限定的角色或部门中的成员"
    # someone who does not exist is still "no user", not "outside"
    missing = _errors(client.post(RECORDS, json={"data": {"name": "x", "owner": 999999}}))
    assert missing["/data/owner"]["message_code"] == "error.record.no_user"

    # an update to someone outside is refused; a value stored before the limit is kept while the update leaves it
    deal = client.get(RECORDS).get_json()["items"][0]
    r = client.patch(f"{RECORDS}/{deal['id']}", json={"data": {"owner": ids["una"]}})
    assert r.status_code == 422 and _errors(r)["/data/owner"]["message_code"] == "error.record.user_outside_limit"
    with rt.db.transaction() as conn:  # stored before the limit was set
        old = record_service.create_record(rt, Actor.system(), "sales", "deal", {"name": "old"}, conn=conn)
    with rt.db.transaction() as conn:
        conn.execute(sa.update(records).where(records.c.id == old["id"]).values(data={"name": "old", "owner": ids["una"]}))
    r = client.patch(f"{RECORDS}/{old['id']}", json={"data": {"name": "old, renamed"}})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["data"]["owner"] == ids["una"]


def test_a_multiple_field_refuses_only_the_people_it_adds(people, client):
    rt, ids = people
    assert _put_draft(client, _definition({"roles": ["sales"]}, multiple=True)).status_code == 200
    assert client.post(FORM + "/publish").status_code == 201
    r = client.post(RECORDS, json={"data": {"name": "two", "owner": [ids["sam"], ids["ted"], ids["una"]]}})
    assert r.status_code == 422
    assert _errors(r)["/data/owner"]["message"].startswith(f"{ids['ted']}, {ids['una']} may not be chosen here")


def test_an_import_batch_refuses_the_rows_outside_the_limit(people):
    rt, ids = people
    admin = users.list_users(rt, Actor.system(), search="admin")[0]["id"]
    with rt.db.transaction() as conn:
        out = record_service.create_records(rt, Actor.user(admin, roles=("admin",)), "sales", "deal",
                                            [{"name": "a", "owner": ids["sam"]}, {"name": "b", "owner": ids["una"]},
                                             {"name": "c", "owner": ids["ted"]}, {"name": "d"}], conn=conn)
    assert [isinstance(x, dict) for x in out] == [True, False, True, True]
    assert [(e.path, e.message_code) for e in out[1].errors] == [("/data/owner", "error.record.user_outside_limit")]


def test_the_picker_lists_only_the_people_the_field_may_hold(people, client, app):
    rt, ids = people
    picked = client.get("/api/users?page=1&app=sales&form=deal&field=owner").get_json()
    assert sorted(u["id"] for u in picked["items"]) == sorted([ids["sam"], ids["ted"]]) and picked["total"] == 2
    searched = client.get("/api/users?search=te&app=sales&form=deal&field=owner").get_json()["items"]
    assert [u["id"] for u in searched] == [ids["ted"]]
    # a field without a limit: every active user; the admin's list without a field: everyone
    helper = client.get("/api/users?page=1&app=sales&form=deal&field=helper").get_json()
    assert {ids["sam"], ids["ted"], ids["una"]} <= {u["id"] for u in helper["items"]} and ids["vic"] not in {u["id"] for u in helper["items"]}
    assert ids["una"] in {u["id"] for u in client.get("/api/users?page=1").get_json()["items"]}
    # a member who is no admin sees the same list for the field
    member = users.create_user(rt, Actor.system(), "wes", display_name="Wes", roles=["member"], check=False)
    as_member = app.test_client()
    as_member.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {credentials.create_token(rt, Actor.user(member['id']), 't')['token']}"
    assert sorted(u["id"] for u in as_member.get("/api/users?page=1&app=sales&form=deal&field=owner").get_json()["items"]) \
        == sorted([ids["sam"], ids["ted"]])
    # the names of anyone stored are still given
    names = client.get(f"/api/users/names?ids={ids['una']},{ids['sam']}").get_json()["names"]
    assert names == {str(ids["una"]): "Una", str(ids["sam"]): "Sam"}
    # a field that is no member field, or an incomplete naming, is refused at its path
    r = client.get("/api/users?page=1&app=sales&form=deal&field=name")
    assert r.status_code == 422 and _errors(r)["/field"]["code"] == "unknown_field"
    r = client.get("/api/users?page=1&app=sales&form=deal")
    assert r.status_code == 422 and "/field" in _errors(r)
    assert client.get("/api/users?page=1&app=sales&form=nope&field=owner").status_code == 404


def test_person_lanes_offer_the_same_people(people, client):
    rt, ids = people
    assert client.post(RECORDS, json={"data": {"name": "a", "owner": ids["sam"]}}).status_code == 201
    lanes = client.get(FORM + "/records/lanes?by=owner").get_json()
    assert [lane["value"] for lane in lanes["lanes"]] == [ids["sam"], ids["ted"]], lanes
    unlimited = client.get(FORM + "/records/lanes?by=helper").get_json()
    assert ids["una"] in [lane["value"] for lane in unlimited["lanes"]]


def test_a_sub_tables_member_column_is_checked_row_by_row(people, client):
    rt, ids = people
    definition = _definition({"roles": ["sales"]})
    definition["fields"].append({"id": "visits", "type": "subtable", "label": "Visits", "options": {"fields": [
        {"id": "note", "type": "text", "label": "Note"},
        {"id": "by", "type": "user", "label": "By", "options": {"limit": {"teams": ["east", "nowhere"]}}}]}})
    bad = _put_draft(client, definition)
    assert bad.status_code == 422 and set(_errors(bad)) == {"/fields/3/options/fields/1/options/limit/teams/1"}
    definition["fields"][3]["options"]["fields"][1]["options"]["limit"]["teams"] = ["east"]
    assert _put_draft(client, definition).status_code == 200
    assert client.post(FORM + "/publish").status_code == 201
    r = client.post(RECORDS, json={"data": {"name": "v", "visits": [{"note": "a", "by": ids["ted"]}, {"note": "b", "by": ids["una"]}]}})
    assert r.status_code == 422
    assert {p: e["message_code"] for p, e in _errors(r).items()} == {"/data/visits/1/by": "error.record.user_outside_limit"}
    r = client.post(RECORDS, json={"data": {"name": "v", "visits": [{"note": "a", "by": ids["ted"]}]}})
    assert r.status_code == 201, r.get_json()
    picked = client.get("/api/users?page=1&app=sales&form=deal&field=by").get_json()
    assert [u["id"] for u in picked["items"]] == [ids["ted"]]


def test_a_role_a_published_limit_names_cant_be_deleted(people, client):
    """Deleting the role would leave the field limited to a group that no longer exists (and its next publish refused):
    409 naming the field, in the reader's language; once the limit no longer names it, the role goes."""
    rt, ids = people
    permissions.save_role(rt, Actor.system(), "buyers", label="Buyers", capabilities=[])
    assert _put_draft(client, _definition({"roles": ["sales", "buyers"]})).status_code == 200
    assert client.delete("/api/roles/buyers").status_code == 200  # only a draft names it: its publish will say so
    permissions.save_role(rt, Actor.system(), "buyers", label="Buyers", capabilities=[])
    assert client.post(FORM + "/publish").status_code == 201
    r = client.delete("/api/roles/buyers")
    assert r.status_code == 409, r.get_json()
    error = r.get_json()["error"]
    assert error["message"] == "the role 'buyers' limits who may be chosen in sales/deal.owner"
    assert [(e["path"], e["code"], e["fields"]) for e in error["errors"]] == [("/role", "role_in_use", ["sales/deal.owner"])]
    zh = client.delete("/api/roles/buyers", headers={"Accept-Language": "zh-CN"}).get_json()["error"]
    assert zh["message"] == "角色 'buyers' 仍用于限定可选成员：sales/deal.owner"
    assert _put_draft(client, _definition({"roles": ["sales"]})).status_code == 200
    assert client.post(FORM + "/publish").status_code == 201
    assert client.delete("/api/roles/buyers").status_code == 200


def _with_automation(*automations: dict) -> dict:
    """The deal form limited to sales and east, with before-save automations."""
    return {**_definition({"roles": ["sales"], "teams": ["east"]}), "automations": list(automations)}


#: copies the helper (a field anyone may hold) into the limited owner field, before the save
_OWNER_FROM_HELPER = {"id": "owner_from_helper", "name": {"en": "Owner from helper", "zh-CN": "协助人即负责人"},
                      "trigger": {"on": "create_or_update"}, "action": {"type": "set_field", "map": [{"field": "owner", "from": "helper"}]}}


def test_an_automation_may_not_put_an_outsider_in_a_limited_field(people, client):
    """The limit holds on the values stored, whoever wrote them: a before-save automation setting the owner to someone
    outside the limit refuses the save (422 at /data/owner, naming the automation, en and zh-CN), nothing is stored;
    an insider passes."""
    rt, ids = people
    assert _put_draft(client, _with_automation(_OWNER_FROM_HELPER)).status_code == 200
    assert client.post(FORM + "/publish").status_code == 201
    r = client.post(RECORDS, json={"data": {"name": "by sam", "helper": ids["sam"]}})
    assert r.status_code == 201, r.get_json()
    deal = r.get_json()
    assert deal["data"]["owner"] == ids["sam"]
    r = client.post(RECORDS, json={"data": {"name": "by una", "helper": ids["una"]}})
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert error["message_code"] == "error.record.invalid_because"
    item = _errors(r)["/data/owner"]
    assert (item["code"], item["message_code"], item["automation"]) == ("outside_limit", "error.record.user_outside_limit_automation",
                                                                      "owner_from_helper")
    assert item["message"] == f"{ids['una']} may not be put here by automation 'Owner from helper': only people of the field's roles or teams may"
    assert error["message"] == f"the deal record is not valid: {item['message']}"
    zh = client.post(RECORDS, json={"data": {"name": "by una", "helper": ids["una"]}}, headers={"Accept-Language": "zh-CN"})
    assert zh.status_code == 422
    assert _errors(zh)["/data/owner"]["message"] == f"自动化 '协助人即负责人' 不能在此处填入 {ids['una']}：只能选择该字段限定的角色或部门中的成员"
    assert zh.get_json()["error"]["message"].startswith("deal 记录无效：自动化 '协助人即负责人'")
    assert [d["data"]["name"] for d in client.get(RECORDS).get_json()["items"]] == ["by sam"]  # nothing of the refused one
    # an update whose automation puts an outsider there is refused, the record unchanged; an insider (of the team) passes
    r = client.patch(f"{RECORDS}/{deal['id']}", json={"data": {"helper": ids["una"], "name": "renamed"}})
    assert r.status_code == 422 and _errors(r)["/data/owner"]["automation"] == "owner_from_helper"
    kept = client.get(f"{RECORDS}/{deal['id']}").get_json()
    assert (kept["version"], kept["data"]["name"], kept["data"]["owner"], kept["data"]["helper"]) == (1, "by sam", ids["sam"], ids["sam"])
    r = client.patch(f"{RECORDS}/{deal['id']}", json={"data": {"helper": ids["ted"]}})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["data"]["owner"] == ids["ted"]
    # an import batch: the row whose automation puts an outsider there is refused alone
    admin = users.list_users(rt, Actor.system(), search="admin")[0]["id"]
    with rt.db.transaction() as conn:
        out = record_service.create_records(rt, Actor.user(admin, roles=("admin",)), "sales", "deal",
                                            [{"name": "a", "helper": ids["sam"]}, {"name": "b", "helper": ids["una"]}], conn=conn)
    assert isinstance(out[0], dict) and out[0]["data"]["owner"] == ids["sam"]
    assert [(e.path, e.message_code) for e in out[1].errors] == [("/data/owner", "error.record.user_outside_limit_automation")]


def test_an_automation_may_leave_a_value_stored_before_the_limit(people, client):
    """A person the record held before the limit may stay: an automation writing the same value again is no new choice.
    The automation that set the field last is the one named; its "$user" (the writer, no sales person) is refused like
    any other person."""
    rt, ids = people
    me = {"id": "owner_is_me", "name": "Owner is me", "trigger": {"on": "field_changed", "fields": ["helper"]},
          "action": {"type": "set_field", "map": [{"field": "owner", "from": "$user"}]}}
    assert _put_draft(client, _with_automation(_OWNER_FROM_HELPER, me)).status_code == 200
    assert client.post(FORM + "/publish").status_code == 201
    with rt.db.transaction() as conn:
        old = record_service.create_record(rt, Actor.system(), "sales", "deal", {"name": "old", "helper": ids["sam"]}, conn=conn)
    with rt.db.transaction() as conn:  # stored before the limit was set
        conn.execute(sa.update(records).where(records.c.id == old["id"]).values(data={"name": "old", "owner": ids["una"], "helper": ids["una"]}))
    r = client.patch(f"{RECORDS}/{old['id']}", json={"data": {"name": "old, renamed"}})  # the owner is set to una again
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["data"]["owner"] == ids["una"]
    r = client.patch(f"{RECORDS}/{old['id']}", json={"data": {"helper": ids["sam"]}})  # sam, then the admin
    assert r.status_code == 422 and _errors(r)["/data/owner"]["automation"] == "owner_is_me", r.get_json()
    assert client.get(f"{RECORDS}/{old['id']}").get_json()["data"] == {"name": "old, renamed", "owner": ids["una"], "helper": ids["una"]}


def test_a_named_owner_put_in_a_limited_owner_field_is_checked(people, client):
    """A create naming its owner (``owner_id``) puts them in the owner field after the save: that value holds the limit
    too (422 at /data/owner, nothing stored); a sales person passes."""
    rt, ids = people
    assert _put_draft(client, {**_definition({"roles": ["sales"]}), "settings": {"owner_field": "owner"}}).status_code == 200
    assert client.post(FORM + "/publish").status_code == 201
    r = client.post(RECORDS, json={"data": {"name": "for una"}, "owner_id": ids["una"]})
    assert r.status_code == 422, r.get_json()
    assert {p: e["message_code"] for p, e in _errors(r).items()} == {"/data/owner": "error.record.user_outside_limit"}
    assert client.get(RECORDS).get_json()["items"] == []
    r = client.post(RECORDS, json={"data": {"name": "for sam"}, "owner_id": ids["sam"]})
    assert r.status_code == 201, r.get_json()
    assert (r.get_json()["data"]["owner"], r.get_json()["owner_id"]) == (ids["sam"], ids["sam"])
