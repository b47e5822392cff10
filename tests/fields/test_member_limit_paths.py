"""The member limit and the record's own value checks on the paths that write values besides the record's save:
a before-save ``set_field`` automation (its value goes through the target field type's shape check and normalisation,
a member value must name a person of the workspace and one the field's limit allows; a constant that can't is refused
at publish) and a live fetch written into records of another form after a save (a person outside the target field's
limit refuses the source's save, 422 naming the target form, record and field). Through the REST API on SQLite and
PostgreSQL."""
from __future__ import annotations

import pytest

from engine.runtime import Actor
from engine.services import permissions, users

APP = "/api/apps/sales"
DEAL = APP + "/forms/deal"


def _errors(response) -> dict:
    return {e["path"]: e for e in response.get_json()["error"]["errors"]}


def _deal(*automations: dict, limit: dict | None = None) -> dict:
    return {"key": "deal", "label": {"en": "Deal", "zh-CN": "商机"}, "fields": [
        {"id": "name", "type": "text", "label": {"en": "Name", "zh-CN": "名称"}},
        {"id": "amount", "type": "number", "label": {"en": "Amount", "zh-CN": "金额"}},
        {"id": "code", "type": "text", "label": {"en": "Code", "zh-CN": "代码"}},
        {"id": "who", "type": "number", "label": {"en": "Who", "zh-CN": "谁"}},
        {"id": "owner", "type": "user", "label": {"en": "Owner", "zh-CN": "负责人"},
         "options": {"limit": limit or {"roles": ["sales"], "teams": ["east"]}}},
        {"id": "helper", "type": "user", "label": {"en": "Helper", "zh-CN": "协助人"}}],
        "automations": list(automations)}


def _setting(aid: str, *mapping: dict) -> dict:
    return {"id": aid, "name": {"en": aid.title(), "zh-CN": aid}, "trigger": {"on": "create_or_update"},
            "action": {"type": "set_field", "map": list(mapping)}}


@pytest.fixture
def people(app, client):
    """An app ``sales``; sam (role sales), ted (team east), una (neither). Returns their ids and the runtime."""
    rt = app.extensions["formflow"]
    permissions.save_role(rt, Actor.system(), "sales", label={"en": "Sales", "zh-CN": "销售"}, capabilities=[])
    ids = {}
    for name, roles in (("sam", ["member", "sales"]), ("ted", ["member"]), ("una", ["member"])):
        ids[name] = users.create_user(rt, Actor.system(), name, display_name=name.title(), roles=roles, check=False)["id"]
    users.create_team(rt, Actor.system(), "east", "East", member_ids=[ids["ted"]])
    assert client.post("/api/apps", json={"key": "sales", "label": "Sales"}).status_code == 201
    return rt, ids


def _publish(client, form: str, definition: dict):
    if client.get(f"{APP}/forms/{form}/draft").status_code == 404:
        r = client.post(APP + "/forms", json=definition)
        assert r.status_code == 201, r.get_json()
    else:
        draft = client.get(f"{APP}/forms/{form}/draft").get_json()
        r = client.put(f"{APP}/forms/{form}/draft", json=definition, headers={"If-Match": str(draft["draft_revision"])})
        if r.status_code != 200:
            return r
    return client.post(f"{APP}/forms/{form}/publish")


def test_a_set_field_value_of_the_wrong_shape_is_refused_not_stored(people, client):
    """A text copied into a number field by a before-save automation refuses the save at the field's path, naming the
    automation and why (en and zh-CN); a value that fits is stored normalised."""
    assert _publish(client, "deal", _deal(_setting("amount_from_code", {"field": "amount", "from": "code"}))).status_code == 201
    r = client.post(DEAL + "/records", json={"data": {"name": "a", "code": "abc"}})
    assert r.status_code == 422, r.get_json()
    item = _errors(r)["/data/amount"]
    assert (item["message_code"], item["automation"]) == ("error.automation.set_value_refused", "amount_from_code")
    assert item["message"].startswith("automation 'Amount_From_Code' may not set this value: ")
    zh = client.post(DEAL + "/records", json={"data": {"name": "a", "code": "abc"}}, headers={"Accept-Language": "zh-CN"})
    assert _errors(zh)["/data/amount"]["message"].startswith("自动化 'amount_from_code' 不能填入此值：")
    assert client.get(DEAL + "/records").get_json()["items"] == []
    r = client.post(DEAL + "/records", json={"data": {"name": "b", "code": None}})
    assert r.status_code == 201, r.get_json()
    assert "amount" not in r.get_json()["data"]


def test_a_set_field_constant_of_the_wrong_shape_is_refused_at_publish(people, client):
    r = _publish(client, "deal", _deal(_setting("bad", {"field": "amount", "value": "abc"})))
    assert r.status_code == 422 and _errors(r)["/automations/0/action/map/0/value"]["message_code"] == "error.automation.value_does_not_fit"


def test_a_set_field_person_must_exist_in_the_workspace(people, client):
    """A member value naming nobody of the workspace is refused (the record's own "no such user" as the reason)."""
    rt, ids = people
    assert _publish(client, "deal", _deal(_setting("helper_from_who", {"field": "helper", "from": "who"}))).status_code == 201
    r = client.post(DEAL + "/records", json={"data": {"name": "a", "who": 987654}})
    assert r.status_code == 422, r.get_json()
    item = _errors(r)["/data/helper"]
    assert (item["message_code"], item["code"], item["automation"]) == ("error.automation.set_value_refused", "not_found", "helper_from_who")
    assert "987654" in item["message"]
    assert client.get(DEAL + "/records").get_json()["items"] == []
    r = client.post(DEAL + "/records", json={"data": {"name": "b", "who": ids["una"]}})
    assert r.status_code == 201 and r.get_json()["data"]["helper"] == ids["una"]
    # the same person again on an update is no new value: no look-up refuses it
    rid = r.get_json()["id"]
    assert client.patch(f"{DEAL}/records/{rid}", json={"data": {"name": "c"}}).status_code == 200
    # a person outside the owner field's limit, by the automation: the limit's own refusal naming it
    assert _publish(client, "deal", _deal(_setting("owner_from_who", {"field": "owner", "from": "who"}))).status_code == 201
    r = client.post(DEAL + "/records", json={"data": {"name": "d", "who": ids["una"]}})
    assert r.status_code == 422 and _errors(r)["/data/owner"]["message_code"] == "error.record.user_outside_limit_automation"
    r = client.post(DEAL + "/records", json={"data": {"name": "e", "who": ids["ted"]}})
    assert r.status_code == 201 and r.get_json()["data"]["owner"] == ids["ted"]


def _account() -> dict:
    return {"key": "account", "label": {"en": "Account", "zh-CN": "客户"}, "fields": [
        {"id": "title", "type": "text", "label": {"en": "Title", "zh-CN": "名称"}},
        {"id": "manager", "type": "user", "label": {"en": "Manager", "zh-CN": "客户经理"}}]}


def _deal_fetching(policy: str = "live") -> dict:
    """A deal whose limited owner is fetched live from its account's manager (who may be anyone)."""
    return {"key": "deal", "label": {"en": "Deal", "zh-CN": "商机"}, "fields": [
        {"id": "name", "type": "text", "label": {"en": "Name", "zh-CN": "名称"}},
        {"id": "account", "type": "reference", "label": {"en": "Account", "zh-CN": "客户"}, "options": {"form": "account"}},
        {"id": "owner", "type": "user", "label": {"en": "Owner", "zh-CN": "负责人"},
         "options": {"limit": {"roles": ["sales"], "teams": ["east"]}},
         "fetch": {"from": "account", "field": "manager", "policy": policy}}]}


def test_a_live_fetch_may_not_put_an_outsider_into_another_forms_limited_field(people, client):
    """An account's new manager is copied into the limited owner of its deals after the account's save: someone
    outside that limit refuses the account's save (422 at /data/manager naming the deal form, the records and the
    field, en and zh-CN) and nothing changes, neither the account nor its deals; an insider is copied."""
    rt, ids = people
    assert _publish(client, "account", _account()).status_code == 201
    assert _publish(client, "deal", _deal_fetching()).status_code == 201
    acme = client.post(APP + "/forms/account/records", json={"data": {"title": "Acme", "manager": ids["sam"]}}).get_json()
    r = client.post(DEAL + "/records", json={"data": {"name": "big", "account": acme["id"]}})
    assert r.status_code == 201 and r.get_json()["data"]["owner"] == ids["sam"], r.get_json()
    deal = r.get_json()["id"]
    r = client.patch(f"{APP}/forms/account/records/{acme['id']}", json={"data": {"manager": ids["una"]}})
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    item = _errors(r)["/data/manager"]
    assert (item["code"], item["message_code"], item["form"], item["field"], item["records"]) == (
        "outside_limit", "error.record.user_outside_limit_fetched", "deal", "owner", [deal])
    assert item["message"] == (f"{ids['una']} may not be filled into Owner of deal record {deal}: "
                               "only people of that field's roles or teams may")
    assert error["message"] == f"the account record is not valid: {item['message']}"
    zh = client.patch(f"{APP}/forms/account/records/{acme['id']}", json={"data": {"manager": ids["una"]}},
                      headers={"Accept-Language": "zh-CN"})
    assert _errors(zh)["/data/manager"]["message"] == f"不能将 {ids['una']} 填入 deal 记录 {deal} 的 负责人：该字段只能选择限定的角色或部门中的成员"
    kept = client.get(f"{APP}/forms/account/records/{acme['id']}").get_json()
    assert (kept["version"], kept["data"]["manager"]) == (1, ids["sam"])
    assert client.get(f"{DEAL}/records/{deal}").get_json()["data"]["owner"] == ids["sam"]
    # an insider (of the team) is copied; a change that leaves the manager as it is copies nothing new
    r = client.patch(f"{APP}/forms/account/records/{acme['id']}", json={"data": {"manager": ids["ted"]}})
    assert r.status_code == 200, r.get_json()
    assert client.get(f"{DEAL}/records/{deal}").get_json()["data"]["owner"] == ids["ted"]
    assert client.patch(f"{APP}/forms/account/records/{acme['id']}", json={"data": {"title": "Acme Ltd"}}).status_code == 200


def test_a_live_fetch_keeps_a_person_the_target_held_before_its_limit(people, client):
    """The limit refuses only people a write adds: a deal holding una from before the limit keeps being fed una."""
    rt, ids = people
    assert _publish(client, "account", _account()).status_code == 201
    unlimited = _deal_fetching()
    unlimited["fields"][2] = {**unlimited["fields"][2], "options": {}}
    assert _publish(client, "deal", unlimited).status_code == 201
    acme = client.post(APP + "/forms/account/records", json={"data": {"title": "Acme", "manager": ids["una"]}}).get_json()
    deal = client.post(DEAL + "/records", json={"data": {"name": "big", "account": acme["id"]}}).get_json()
    assert deal["data"]["owner"] == ids["una"]
    assert _publish(client, "deal", _deal_fetching()).status_code == 201
    r = client.patch(f"{APP}/forms/account/records/{acme['id']}", json={"data": {"title": "Acme Ltd"}})
    assert r.status_code == 200, r.get_json()
    assert client.get(f"{DEAL}/records/{deal['id']}").get_json()["data"]["owner"] == ids["una"]


def test_a_constant_person_is_refused_at_publish_when_no_save_could_take_it(people, client):
    """A set_field constant naming nobody of the workspace, or someone outside the field's limit, is refused at publish
    at the value's path (en and zh-CN); an insider or an unlimited field's person publishes."""
    rt, ids = people
    r = _publish(client, "deal", _deal(_setting("nobody", {"field": "helper", "value": 987654}),
                                       _setting("outsider", {"field": "name", "value": "x"}, {"field": "owner", "value": ids["una"]})))
    assert r.status_code == 422, r.get_json()
    items = _errors(r)
    assert (items["/automations/0/action/map/0/value"]["message_code"], items["/automations/0/action/map/0/value"]["code"]) == (
        "error.automation.value_no_user", "not_found")
    assert items["/automations/0/action/map/0/value"]["message"] == \
        "automation 'Nobody' sets 'helper' to 987654, who is not a person of this workspace"
    outsider = items["/automations/1/action/map/1/value"]
    assert (outsider["message_code"], outsider["automation"]) == ("error.automation.value_outside_limit", "outsider")
    zh = _errors(client.post(DEAL + "/publish", headers={"Accept-Language": "zh-CN"}))
    assert zh["/automations/1/action/map/1/value"]["message"] == \
        f"自动化 'outsider' 将 'owner' 设为 {ids['una']}，但该字段只能选择限定的角色或部门中的成员"
    r = _publish(client, "deal", _deal(_setting("insider", {"field": "owner", "value": ids["ted"]}, {"field": "helper", "value": ids["una"]})))
    assert r.status_code == 201, r.get_json()
    r = client.post(DEAL + "/records", json={"data": {"name": "a"}})
    assert r.status_code == 201 and (r.get_json()["data"]["owner"], r.get_json()["data"]["helper"]) == (ids["ted"], ids["una"])


def _set_steps(*steps: tuple[str, object]) -> dict:
    return {"key": "stamp", "form": "deal", "trigger": {"type": "record_event", "on": ["created"]},
            "steps": [{"id": f"s{i}", "type": "set_field", "field": fid, "value": value} for i, (fid, value) in enumerate(steps)]}


def _publish_workflow(client, definition: dict, language: str = "en"):
    headers = {"Accept-Language": language}
    made = client.post(APP + "/workflows", json=definition, headers=headers)
    if made.status_code != 201:
        return made
    return client.post(f"{APP}/workflows/{definition['key']}/publish", headers=headers)


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_a_workflow_set_field_constant_is_checked_at_publish_as_an_automations(people, client, language):
    """A workflow's set_field step writing a constant that doesn't fit the field, names nobody of the workspace or
    someone outside the field's limit is refused at the step's value path, coded, in the caller's language; an
    insider, a fitting value and $now publish."""
    rt, ids = people
    assert _publish(client, "deal", _deal()).status_code == 201
    r = _publish_workflow(client, _set_steps(("amount", "lots"), ("helper", 987654), ("owner", ids["una"]), ("owner", ids["sam"]),
                                             ("amount", 12)), language)
    assert r.status_code == 422, r.get_json()
    items = _errors(r)
    assert {p: (e["message_code"], e["code"]) for p, e in items.items()} == {
        "/steps/0/value": ("error.workflow.value_does_not_fit", "wrong_type"),
        "/steps/1/value": ("error.workflow.value_no_user", "not_found"),
        "/steps/2/value": ("error.workflow.value_outside_limit", "outside_limit")}
    said = {"en": f"set_field sets 'owner' to {ids['una']}, who may not be chosen there: only people of the field's roles or teams may",
            "zh-CN": f"设置字段将 'owner' 设为 {ids['una']}，但该字段只能选择限定的角色或部门中的成员"}
    assert items["/steps/2/value"]["message"] == said[language]
    fine = _set_steps(("owner", ids["sam"]), ("amount", 12), ("helper", ids["una"]))
    fine["key"] = "fine"
    assert _publish_workflow(client, fine, language).status_code in (200, 201)


def test_a_workflow_create_or_update_record_constant_is_checked_at_publish_the_same_way(people, client):
    """create_record and update_record steps' constant values go through the same check, at /steps/<i>/values/<field>/value."""
    rt, ids = people
    assert _publish(client, "deal", _deal()).status_code == 201
    definition = {"key": "copy", "form": "deal", "trigger": {"type": "record_event", "on": ["created"]}, "steps": [
        {"id": "make", "type": "create_record", "form": "deal",
         "values": {"name": {"from": "name"}, "owner": {"value": ids["una"]}, "amount": {"value": "lots"}}},
        {"id": "change", "type": "update_record", "values": {"helper": {"value": 987654}, "owner": {"value": ids["ted"]}}}]}
    r = _publish_workflow(client, definition)
    assert r.status_code == 422, r.get_json()
    assert {p: e["message_code"] for p, e in _errors(r).items()} == {
        "/steps/0/values/owner/value": "error.workflow.value_outside_limit",
        "/steps/0/values/amount/value": "error.workflow.value_does_not_fit",
        "/steps/1/values/helper/value": "error.workflow.value_no_user"}
