"""A kanban's lane counts in one request (GET …/records/counts?by=<field>): every lane's count from one grouped
statement, through the read gate, on SQLite and PostgreSQL. A member counts only the records they may read (row scope),
can neither count by nor filter on a hidden field (refused like an unknown one), and the counts equal what the table
answers per lane for the same filters and search; a person field's lanes are keyed by the person's id on both databases."""
from __future__ import annotations

import json

from engine.runtime import Actor
from engine.services import forms as form_service, permissions, records as record_service
from tests.security.conftest import HIDDEN_MARKER

SYSTEM = Actor.system()
COUNTS = "/api/apps/crm/forms/customer/records/counts"
TABLE = "/api/apps/crm/forms/customer/records/table"


def _where(filters: list) -> str:
    return json.dumps({"match": "all", "filters": filters})


def _more_customers(rt, people) -> None:
    for who, industry, level in (("ann", "retail", "key"), ("ann", None, "main"), ("bob", "retail", "main"), ("bob", "software", "key")):
        data = {"name": f"{who} {industry} {level}", "level": level, **({"industry": industry} if industry else {})}
        record_service.create_record(rt, SYSTEM, "crm", "customer", data, owner_id=people[who].id)


def test_counts_per_lane_in_one_request_keep_the_row_scope_and_match_the_table(crm, people, rt):
    _more_customers(rt, people)
    root, ann = people["root"].client, people["ann"].client
    everyone = root.get(COUNTS, query_string={"by": "industry"}).get_json()
    assert everyone["counts"] == {"retail": 2, "software": 1} and everyone["empty"] == 3 and everyone["total"] == 6
    own = ann.get(COUNTS, query_string={"by": "industry"})
    assert own.status_code == 200, own.get_json()
    assert own.get_json() == {"field": "industry", "counts": {"retail": 1}, "empty": 2, "others": 0, "total": 3, "truncated": False,
                              "max_groups": 500}
    # the same filters and search the table takes: each lane's count is the table's total for that lane
    level = ann.get(COUNTS, query_string={"by": "level", "where": _where([{"field": "industry", "op": "empty"}]), "search": "ann"}).get_json()
    for value, n in level["counts"].items():
        lane = ann.get(TABLE, query_string={"where": _where([{"field": "industry", "op": "empty"}, {"field": "level", "op": "eq", "value": value}]),
                                            "search": "ann", "per_page": 1}).get_json()
        assert lane["total"] == n, (value, lane)
    assert level["counts"] == {"key": 1, "main": 1}
    assert HIDDEN_MARKER not in own.get_data(as_text=True)


def test_a_hidden_field_can_be_neither_counted_by_nor_filtered_on(crm, people, rt):
    ann = people["ann"].client
    for args, path in (({"by": "email"}, "/by"),
                       ({"by": "industry", "where": _where([{"field": "email", "op": "eq", "value": HIDDEN_MARKER}])}, "/filters/0/filters/0/field"),
                       ({"by": "nope"}, "/by"), ({"by": "name"}, "/by"), ({}, "/by")):
        r = ann.get(COUNTS, query_string=args)
        assert r.status_code == 422, (args, r.get_json())
        assert [e["path"] for e in r.get_json()["error"]["errors"]] == [path], r.get_json()
    # the admin sees the e-mail, but it is no lane field (a kanban lanes by one choice or one person): still refused
    assert people["root"].client.get(COUNTS, query_string={"by": "email"}).status_code == 422
    assert people["root"].client.get("/api/apps/crm/forms/nope/records/counts", query_string={"by": "level"}).status_code == 404


def test_a_person_fields_lanes_are_keyed_by_the_persons_id(crm, people, rt):
    form_service.create_form(rt, SYSTEM, "crm", {"key": "task", "label": "Task", "fields": [
        {"id": "title", "type": "text"}, {"id": "assignee", "type": "user"}]})
    form_service.publish_form(rt, SYSTEM, "crm", "task")
    permissions.set_grant(rt, people["root"].actor, "crm", "task", "member", {"create": True, "read": "own", "update": "own"})
    for who, assignee in (("ann", "bob"), ("ann", "bob"), ("ann", None), ("bob", "ann")):
        record_service.create_record(rt, SYSTEM, "crm", "task", {"title": "t", **({"assignee": people[assignee].id} if assignee else {})},
                                     owner_id=people[who].id)
    url = "/api/apps/crm/forms/task/records/counts"
    assert people["root"].client.get(url, query_string={"by": "assignee"}).get_json()["counts"] == {
        str(people["bob"].id): 2, str(people["ann"].id): 1}
    own = people["ann"].client.get(url, query_string={"by": "assignee"}).get_json()
    assert own["counts"] == {str(people["bob"].id): 2} and own["empty"] == 1


def test_a_person_fields_counts_name_the_people_counted_only(crm, people, rt):
    form_service.create_form(rt, SYSTEM, "crm", {"key": "task", "label": "Task", "fields": [
        {"id": "title", "type": "text"}, {"id": "assignee", "type": "user"},
        {"id": "stage", "type": "select", "options": {"choices": [{"value": "open", "label": "Open"}]}}]})
    form_service.publish_form(rt, SYSTEM, "crm", "task")
    permissions.set_grant(rt, people["root"].actor, "crm", "task", "member", {"create": True, "read": "own", "update": "own"})
    for who, assignee in (("ann", "bob"), ("bob", "root")):
        record_service.create_record(rt, SYSTEM, "crm", "task", {"title": "t", "stage": "open", "assignee": people[assignee].id},
                                     owner_id=people[who].id)
    url = "/api/apps/crm/forms/task/records/counts"
    everyone = people["root"].client.get(url, query_string={"by": "assignee"}).get_json()
    assert set(everyone["names"]) == set(everyone["counts"]) == {str(people["bob"].id), str(people["root"].id)}
    assert all(everyone["names"].values())
    # a reader is named only the people of the records they may read; a field that is no person's has no names
    own = people["ann"].client.get(url, query_string={"by": "assignee"}).get_json()
    assert set(own["names"]) == {str(people["bob"].id)}
    by_stage = people["root"].client.get(url, query_string={"by": "stage"})
    assert by_stage.status_code == 200 and by_stage.get_json()["counts"] == {"open": 2} and "names" not in by_stage.get_json()
