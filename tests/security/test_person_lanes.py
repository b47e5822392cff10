"""A kanban's lanes by a person field (GET …/records/lanes?by=<field>): the people the field's user picker offers
(active users) and the people holding records, a page at a time, each counted through the read gate. The reader's
own lane comes first, then who holds the most cards, then everyone else by name; a person with no records has a
lane (a card can be dragged to them); a member's counts are of the records they may read; a deactivated person has
a lane only while they hold records the reader sees. The grouped counts say when they were cut at their cap
(``truncated``), and a lane past the cap is recounted rather than shown empty."""
from __future__ import annotations

import json

from engine.runtime import Actor
from engine.services import forms as form_service, lane_counts, permissions, person_lanes, queries, records as record_service, users

SYSTEM = Actor.system()
LANES = "/api/apps/crm/forms/task/records/lanes"
COUNTS = "/api/apps/crm/forms/task/records/counts"


def _tasks(rt, people) -> int:
    """ann owns two tasks for bob and one for nobody, bob one for ann, root one for zed (deactivated since)."""
    form_service.create_form(rt, SYSTEM, "crm", {"key": "task", "label": "Task", "fields": [
        {"id": "title", "type": "text"}, {"id": "assignee", "type": "user"},
        {"id": "stage", "type": "select", "options": {"choices": [{"value": "open", "label": "Open"}]}}]})
    form_service.publish_form(rt, SYSTEM, "crm", "task")
    permissions.set_grant(rt, people["root"].actor, "crm", "task", "member", {"create": True, "read": "own", "update": "own"})
    zed = users.create_user(rt, SYSTEM, "zed", roles=["member"], check=False)["id"]
    for owner, assignee in (("ann", people["bob"].id), ("ann", people["bob"].id), ("ann", None), ("bob", people["ann"].id),
                            ("root", zed)):
        record_service.create_record(rt, SYSTEM, "crm", "task", {"title": f"{owner} task", "stage": "open",
                                                                 **({"assignee": assignee} if assignee else {})},
                                     owner_id=people[owner].id)
    users.deactivate_user(rt, people["root"].actor, zed)
    return zed


def _lanes(person, **args):
    r = person.client.get(LANES, query_string={"by": "assignee", **args})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_every_person_who_may_be_chosen_has_a_lane_the_reader_first_then_the_busiest_then_by_name(crm, people, rt):
    zed = _tasks(rt, people)
    got = _lanes(people["root"])
    ids = {p.username: p.id for p in people.values()}
    assert [(x["label"], x["count"]) for x in got["lanes"]] == [
        ("root", 0), ("bob", 2), ("ann", 1), ("zed", 1), ("bella", 0), ("mia", 0), ("otto", 0), ("vic", 0)]
    assert [x["value"] for x in got["lanes"][:3]] == [ids["root"], ids["bob"], ids["ann"]]
    assert got["lanes"][0]["me"] and not any(x["me"] for x in got["lanes"][1:])
    assert [x["active"] for x in got["lanes"] if x["value"] == zed] == [False]
    assert (got["empty"], got["total"], got["people"], got["has_more"], got["truncated"]) == (1, 5, 8, False, False)


def test_a_member_counts_only_the_records_they_may_read(crm, people, rt):
    _tasks(rt, people)
    got = _lanes(people["ann"])
    # ann reads her own three tasks: two for bob, one for nobody; bob's task for her is not hers to read, zed holds none she sees
    assert [(x["label"], x["count"]) for x in got["lanes"]] == [
        ("ann", 0), ("bob", 2), ("bella", 0), ("mia", 0), ("otto", 0), ("root", 0), ("vic", 0)]
    assert (got["empty"], got["total"]) == (1, 3)
    table = people["ann"].client.get("/api/apps/crm/forms/task/records/table", query_string={
        "per_page": 1, "where": json.dumps({"filters": [{"field": "assignee", "op": "eq", "value": people["bob"].id}]})}).get_json()
    assert table["total"] == 2
    # the board's filters and search apply to the counts as to the table
    narrowed = _lanes(people["root"], where=json.dumps({"match": "all", "filters": [
        {"field": "title", "op": "eq", "value": "bob task"}]}))
    assert {x["label"]: x["count"] for x in narrowed["lanes"]}["ann"] == 1 and narrowed["total"] == 1


def test_lanes_come_a_page_at_a_time_and_narrow_by_name(crm, people, rt):
    _tasks(rt, people)
    query = queries.Query()
    pages, page = [], 1
    while True:
        got = person_lanes.person_lanes(rt, people["root"].actor, "crm", "task", "assignee", query, page=page, per_page=3)
        pages.append([x["label"] for x in got["lanes"]])
        if not got["has_more"]:
            break
        page += 1
    assert pages == [["root", "bob", "ann"], ["zed", "bella", "mia"], ["otto", "vic"]]
    assert [x["label"] for x in _lanes(people["root"], people="MI")["lanes"]] == ["mia"]
    assert [x["label"] for x in _lanes(people["root"], people="o")["lanes"]] == ["root", "bob", "otto"]


def test_bad_lane_requests_are_refused_at_their_place(crm, people, rt):
    _tasks(rt, people)
    root = people["root"].client
    for args, path in (({"by": "stage"}, "/by"), ({}, "/by"), ({"by": "nope"}, "/by"), ({"by": "assignee", "page": "0"}, "/page"),
                       ({"by": "assignee", "people": "x" * 101}, "/people")):
        r = root.get(LANES, query_string=args)
        assert r.status_code == 422, (args, r.get_json())
        assert [e["path"] for e in r.get_json()["error"]["errors"]] == [path], r.get_json()


def test_counts_say_when_they_were_cut_and_lanes_past_the_cap_are_recounted(crm, people, rt, monkeypatch):
    _tasks(rt, people)
    root = people["root"].client
    whole = root.get(COUNTS, query_string={"by": "assignee"}).get_json()
    assert whole["truncated"] is False and whole["max_groups"] == lane_counts.MAX_GROUPS
    monkeypatch.setattr(lane_counts, "MAX_GROUPS", 1)
    cut = root.get(COUNTS, query_string={"by": "assignee"}).get_json()
    assert cut["truncated"] is True and cut["counts"] == {str(people["bob"].id): 2} and cut["others"] == 2
    got = _lanes(people["root"])
    assert got["truncated"] is True and got["max_groups"] == 1
    assert {x["label"]: x["count"] for x in got["lanes"]} == {"root": 0, "bob": 2, "ann": 1, "bella": 0, "mia": 0, "otto": 0, "vic": 0}


def test_people_are_named_by_id_without_the_user_list(crm, people, rt):
    ann = people["ann"].client
    got = ann.get("/api/users/names", query_string={"ids": f"{people['bob'].id},{people['root'].id}"}).get_json()
    assert got == {"names": {str(people["bob"].id): "bob", str(people["root"].id): "root"}}
    for bad in ("x", "0", ",".join(["1"] * 51)):
        r = ann.get("/api/users/names", query_string={"ids": bad})
        assert r.status_code == 422 and r.get_json()["error"]["errors"][0]["path"] == "/ids", r.get_json()
