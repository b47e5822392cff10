"""What a member's create and update answer shows of the record is built by the read gate for that member: a field
hidden from their role (one they type nothing into, like the email, and one the engine fills, like the serial number)
is in no answer: not the 201 of a create (plain, ``?name=1``, or the replay of the same Idempotency-Key), not the 200
of a change, not their ETag'd bodies."""
from __future__ import annotations

from engine.services import permissions, records as record_service
from tests.security.conftest import HIDDEN_MARKER

URL = "/api/apps/crm/forms/customer/records"


def _hide_more(rt, people):
    """Members may not see the customer's email nor its serial number (the engine fills it on create)."""
    permissions.set_grant(rt, people["root"].actor, "crm", "customer", "member", {
        "create": True, "read": "own", "update": "own", "delete": "own",
        "fields": {"email": "hidden", "serial": "hidden", "level": "read"}})


def _shows_nothing_hidden(answer) -> None:
    body = answer.get_json()
    assert "email" not in body["data"] and "serial" not in body["data"], body
    text = answer.get_data(as_text=True)
    assert HIDDEN_MARKER not in text and "KH-" not in text, text


def test_a_members_create_answer_leaves_out_the_fields_hidden_from_them(app, rt, people, crm):
    _hide_more(rt, people)
    ann = people["ann"].client
    made = ann.post(URL, json={"data": {"name": "Gate Ltd"}})
    assert made.status_code == 201, made.get_json()
    _shows_nothing_hidden(made)
    assert made.get_json()["data"]["name"] == "Gate Ltd"
    stored = record_service.get_record(rt, people["root"].actor, "crm", "customer", made.get_json()["id"])
    assert stored["data"]["serial"].startswith("KH-")  # it was numbered: the answer left it out

    named = ann.post(URL + "?name=1", json={"data": {"name": "Named Gate Ltd"}}, headers={"Idempotency-Key": "load-1"})
    assert named.status_code == 201
    _shows_nothing_hidden(named)
    assert named.get_json()["title"] == "Named Gate Ltd" and named.get_json()["serial"] == ""
    again = ann.post(URL + "?name=1", json={"data": {"name": "Named Gate Ltd"}}, headers={"Idempotency-Key": "load-1"})
    assert again.status_code == 200 and again.get_json()["id"] == named.get_json()["id"]
    _shows_nothing_hidden(again)


def test_a_members_update_answer_leaves_out_the_fields_hidden_from_them(app, rt, people, crm):
    _hide_more(rt, people)
    ann = people["ann"].client
    own = crm["ann"]  # the admin stored HIDDEN_MARKER in its email
    changed = ann.patch(f"{URL}/{own}", json={"data": {"name": "ann customer, renamed"}})
    assert changed.status_code == 200, changed.get_json()
    _shows_nothing_hidden(changed)
    assert changed.get_json()["data"]["name"] == "ann customer, renamed"
    # the admin still sees both
    assert ann.get(f"{URL}/{own}").get_json()["data"].keys().isdisjoint({"email", "serial"})
    full = people["root"].client.get(f"{URL}/{own}").get_json()["data"]
    assert full["email"] == HIDDEN_MARKER and full["serial"].startswith("KH-")
