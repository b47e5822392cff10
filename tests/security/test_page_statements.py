"""A list page's statement is built once per form version and query shape (engine.services.page_statements): what it
remembers must never show one reader's rows, fields or filter values to another, nor a stale page or total.

Through the REST API with real tokens, on SQLite and PostgreSQL: ann and bob (members, "own" rows, ``email`` hidden)
and vic (viewer, every row) ask the very same query; each gets their own rows and total. A changed filter value, a
new record and a ``$me`` filter are answered as they are now.
"""
from __future__ import annotations

from engine.runtime import Actor
from engine.services import page_statements, records as record_service, served_forms

LIST = "/api/apps/crm/forms/customer/records?sort=-created_at&page_size=1"


def _statements(rt) -> dict:
    form = served_forms.last_served(rt, "crm", "customer")
    return form.memo.get(page_statements.STATEMENTS_MEMO, {})


def _names(person, url=LIST) -> tuple[list[str], int]:
    response = person.client.get(url)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    return [item["data"]["name"] for item in body["items"]], body["total"]


def test_the_same_query_by_other_readers_shows_each_their_own_rows(rt, people, crm):
    ann, bob, vic = people["ann"], people["bob"], people["vic"]
    for _ in range(2):  # the second round runs the remembered statements
        assert _names(ann) == (["ann customer"], 1)
        assert _names(bob) == (["bob customer"], 1)
        assert _names(vic) == (["bob customer"], 2)
    scopes = {key[4] for key in _statements(rt)}  # (dialect, checked, folded, cap, scope, ...)
    assert scopes == {("own", ann.id), ("own", bob.id), None}, scopes  # one per row scope: ann's, bob's, every row
    item = ann.client.get(LIST).get_json()["items"][0]
    assert "email" not in item["data"] and vic.client.get(LIST).get_json()["items"][0]["data"].get("email") is None


def test_a_remembered_statement_answers_with_todays_rows_and_values(rt, people, crm):
    vic = people["vic"]
    url = "/api/apps/crm/forms/customer/records?filter=name:eq:{}&sort=-created_at&page_size=1"
    assert _names(vic, url.format("ann customer")) == (["ann customer"], 1)
    assert _names(vic, url.format("bob customer")) == (["bob customer"], 1)  # another value: not the first one's rows
    assert _names(vic, url.format("ann customer")) == (["ann customer"], 1)
    record_service.create_record(rt, Actor.system(), "crm", "customer", {"name": "ann customer"}, owner_id=people["bob"].id)
    assert _names(vic, url.format("ann customer")) == (["ann customer"], 2)  # the new record counted, the page still 1 row
    assert _names(vic, url.format("ann customer").replace("page_size=1", "page_size=1&page=2")) == (["ann customer"], 2)


def test_a_query_naming_the_reader_is_built_for_each_reader(rt, people, crm):
    url = "/api/apps/crm/forms/customer/records?filter=owner_id:eq:$me&sort=-created_at"
    _names(people["ann"])  # the form served, one statement remembered
    before = dict(_statements(rt))
    assert _names(people["ann"], url) == (["ann customer"], 1)
    assert _names(people["vic"], url) == ([], 0)
    assert _names(people["root"], url) == ([], 0)
    assert _statements(rt) == before  # nothing remembered for "$me"
