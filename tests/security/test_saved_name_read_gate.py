"""The name a submit answers for the record it saved (``POST …/records?name=1``: its title and serial, shown by the
generated form's confirmation) is read through the read gate: a field hidden from the submitter's role names nothing."""
from __future__ import annotations

from engine.services import display, permissions, records as record_service


def test_a_field_hidden_from_the_submitter_does_not_name_the_saved_record(crm, people, rt):
    admin, member = people["root"].actor, people["mia"].actor
    permissions.set_grant(rt, admin, "crm", "customer", "member", {
        "create": True, "read": "own", "update": "own", "delete": "own", "fields": {"name": "hidden", "serial": "hidden"}})
    record = record_service.create_record(rt, admin, "crm", "customer", {"name": "Secret Holdings"}, owner_id=people["mia"].id)
    named = display.saved_name(rt, member, "crm", record, "en", "UTC")  # the stored data, the name in it
    assert "Secret" not in named["title"] and "KH-" not in named["title"] and named["serial"] == ""
    seen = display.saved_name(rt, admin, "crm", record, "en", "UTC")  # no title field: the typed name first, the serial second
    assert seen["title"] == "Secret Holdings" and seen["serial"].startswith("KH-")
    permissions.set_grant(rt, admin, "crm", "customer", "member", {
        "create": True, "read": "own", "update": "own", "delete": "own", "fields": {"name": "hidden"}})
    named = display.saved_name(rt, member, "crm", record, "en", "UTC")  # the name hidden: the serial names it
    assert named["title"].startswith("KH-") and named["serial"] == ""  # a serial that is the title is not said twice
