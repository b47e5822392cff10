"""A duplicate check compares each field type's own normal form (``FieldType.dedup_key``), not the text of its JSON:
the same value written differently matches, different values never do."""
from __future__ import annotations

from engine.dedup import compile_setting
from engine.dedup_normalizers import NORMALIZERS
from engine.fields import FIELD_TYPES


def _key(field: dict, value, normalize="text"):
    form = {"key": "f", "fields": [field], "settings": {"duplicate_check": {
        "mode": "refuse", "rules": [{"key": "k", "fields": [field["id"]], "normalize": normalize}]}}}
    return compile_setting(form).keys({field["id"]: value}).get("k")


def test_numbers_compare_as_numbers():
    money = {"id": "n", "type": "number"}
    assert _key(money, 12) == _key(money, 12.0) == _key(money, "12.00") == "12"
    assert _key(money, 12.5) != _key(money, 125)


def test_ids_compare_as_sets_of_whole_ids():
    ref = {"id": "r", "type": "reference", "options": {"form": "x", "multiple": True}}
    assert _key(ref, [3, 5]) == _key(ref, [5, 3])
    assert _key(ref, [3, 5]) != _key(ref, [35])
    team = {"id": "t", "type": "team"}
    assert _key(team, 7) == "7" and _key(team, None) is None


def test_new_types_normal_forms():
    region = {"id": "g", "type": "region"}
    assert _key(region, ["440000", "440100", "440106"]) == "440106"
    rich = {"id": "h", "type": "richtext"}
    assert _key(rich, "<p>Met <strong>Ann</strong></p>") == _key(rich, "<p>met ann</p>") == "metann"
    assert _key(rich, "<p></p>") is None
    assert _key({"id": "s", "type": "rating"}, 4) == "4"


def test_text_still_goes_through_the_rules_normalizer():
    phone = {"id": "p", "type": "phone"}
    assert _key(phone, "+86 138 0013 8000", "phone") == _key(phone, "13800138000", "phone")
    assert FIELD_TYPES.get("text").dedup_key("  ACME  ", {"id": "x"}, NORMALIZERS.get("exact").normalize) == "ACME"
