"""One record title: the title field, else the first text or serial field, never a linked or hidden one, else #id."""
from engine.services.titles import record_title, title_fields

FORM = {"settings": {}, "fields": [
    {"id": "customer", "type": "reference", "options": {"form": "customer"}},
    {"id": "note", "type": "textarea"},
    {"id": "old", "type": "text", "deleted": True},
    {"id": "no", "type": "serial", "options": {"prefix": "KH-"}},
    {"id": "name", "type": "text"},
]}


def test_the_first_text_or_serial_field_names_a_record_when_the_form_names_none():
    assert [f["id"] for f in title_fields(FORM)] == ["no", "name"]
    assert record_title(FORM, 7, {"no": "KH-0001", "name": "ACME", "note": "call back"}) == "KH-0001"
    assert record_title(FORM, 7, {"no": "", "name": "ACME"}) == "ACME"
    assert record_title(FORM, 7, {"old": "gone", "note": "call back", "customer": 3}) == "#7"


def test_the_title_field_comes_first_and_hidden_or_linked_fields_never_name_a_record():
    chosen = {**FORM, "settings": {"title_field": "name"}}
    assert record_title(chosen, 7, {"no": "KH-0001", "name": "ACME"}) == "ACME"
    assert record_title(chosen, 7, {"no": "KH-0001", "name": "ACME"}, hidden={"name"}) == "KH-0001"
    linked = {**FORM, "settings": {"title_field": "customer"}}
    assert record_title(linked, 7, {"customer": 3}) == "#7"
