"""One record title: the title field, else a name a person types (a required one first), else the serial number, never
a linked or hidden field, else #id."""
from engine.services.titles import record_title, title_fields

FORM = {"settings": {}, "fields": [
    {"id": "customer", "type": "reference", "options": {"form": "customer"}},
    {"id": "note", "type": "textarea"},
    {"id": "old", "type": "text", "deleted": True},
    {"id": "no", "type": "serial", "options": {"prefix": "KH-"}},
    {"id": "name", "type": "text"},
]}


def test_a_typed_name_names_a_record_before_the_serial_when_the_form_names_none():
    assert [f["id"] for f in title_fields(FORM)] == ["name", "no"]
    assert record_title(FORM, 7, {"no": "KH-0001", "name": "ACME", "note": "call back"}) == "ACME"
    assert record_title(FORM, 7, {"no": "KH-0001", "name": ""}) == "KH-0001"  # the serial is the secondary name
    assert record_title(FORM, 7, {"old": "gone", "note": "call back", "customer": 3}) == "#7"


def test_a_required_name_comes_before_an_optional_text_field():
    form = {"settings": {}, "fields": [
        {"id": "no", "type": "serial"},
        {"id": "nickname", "type": "text"},
        {"id": "name", "type": "text", "required": True},
        {"id": "address", "type": "text", "required": True},
    ]}
    assert [f["id"] for f in title_fields(form)] == ["name", "address", "nickname", "no"]
    assert record_title(form, 7, {"no": "KH-0001", "nickname": "Ace", "name": "Acme Ltd", "address": "1 Road"}) == "Acme Ltd"
    assert record_title(form, 7, {"no": "KH-0001", "nickname": "Ace"}) == "Ace"


def test_the_title_field_comes_first_and_hidden_or_linked_fields_never_name_a_record():
    chosen = {**FORM, "settings": {"title_field": "name"}}
    assert record_title(chosen, 7, {"no": "KH-0001", "name": "ACME"}) == "ACME"
    assert record_title(chosen, 7, {"no": "KH-0001", "name": "ACME"}, hidden={"name"}) == "KH-0001"
    numbered = {**FORM, "settings": {"title_field": "no"}}  # a serial chosen to name the record does
    assert record_title(numbered, 7, {"no": "KH-0001", "name": "ACME"}) == "KH-0001"
    linked = {**FORM, "settings": {"title_field": "customer"}}
    assert record_title(linked, 7, {"customer": 3}) == "#7"
