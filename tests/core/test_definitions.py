"""Bad definitions are refused with the JSON path of each problem."""
import copy

import pytest

from engine.definitions import check_form, record_schema
from tests.core.sample import CUSTOMER, FOLLOW_UP


def paths(errors):
    return {e.path for e in errors}


def test_sample_forms_are_valid():
    assert check_form(CUSTOMER, {}) == []
    assert check_form(FOLLOW_UP, {"customer": CUSTOMER}) == []


def test_unknown_type_named():
    bad = copy.deepcopy(CUSTOMER)
    bad["fields"][1]["type"] = "telepathy"
    errors = check_form(bad, {})
    assert paths(errors) == {"/fields/1/type"}
    assert "unknown field type 'telepathy'" in errors[0].message


def test_duplicate_field_id():
    bad = copy.deepcopy(CUSTOMER)
    bad["fields"].append({"id": "name", "name": "name2", "type": "text"})
    assert "/fields/11/id" in paths(check_form(bad, {}))


def test_reference_to_missing_form():
    errors = check_form(FOLLOW_UP, {})
    assert paths(errors) == {"/fields/0/options/form"}
    assert "'customer'" in errors[0].message


@pytest.mark.parametrize("fmt,needle", [
    ("KH-{YYYYMMDD}-{xx}", "unknown token"),
    ("KH-{YYYYMMDD}", "exactly one counter"),
    ("KH-{0000}-{000}", "exactly one counter"),
    ("KH-{field:nope}-{0000}", "not in this form"),
    ("KH<script>-{0000}", "not allowed"),
])
def test_bad_serial_format(fmt, needle):
    bad = copy.deepcopy(CUSTOMER)
    bad["fields"][0]["options"]["format"] = fmt
    errors = check_form(bad, {})
    assert paths(errors) == {"/fields/0/options/format"}
    assert needle in errors[0].message


def test_layout_and_choices_checked():
    bad = copy.deepcopy(CUSTOMER)
    bad["layout"]["sections"][0]["fields"].append("ghost")
    bad["fields"][2]["options"]["choices"].append({"value": "retail"})
    assert paths(check_form(bad, {})) == {"/layout/sections/0/fields/6", "/fields/2/options/choices"}


def test_shape_errors_have_paths():
    errors = check_form({"key": "Bad Key", "label": "", "fields": [{"type": "text"}]}, {})
    assert {"/key", "/label", "/fields/0"} <= paths(errors)


def test_pattern_outside_re2_refused_with_its_position():
    bad = copy.deepcopy(CUSTOMER)
    bad["fields"][1]["options"] = {"pattern": "^(a)\\1$"}  # a back-reference: RE2 has none
    errors = check_form(bad, {})
    assert paths(errors) == {"/fields/1/options/pattern"}
    assert errors[0].to_dict()["position"] == 4


def test_nested_repetition_pattern_accepted_it_runs_on_re2():
    ok = copy.deepcopy(CUSTOMER)
    ok["fields"][1]["options"] = {"pattern": "((a+))+$"}
    assert check_form(ok, {}) == []


def test_record_schema_closed_and_engine_fields_excluded():
    schema = record_schema(CUSTOMER["fields"])
    assert schema["additionalProperties"] is False
    assert "serial" not in schema["properties"] and "name" in schema["properties"]


def test_unknown_subtable_column_is_an_error_on_its_path():
    from engine.definitions import CompiledForm
    from tests.core.sample import FOLLOW_UP

    form = CompiledForm(1, "follow_up", "crm", 1, FOLLOW_UP)
    _, errors = form.validate({"customer": 1, "items": [{"product": "x"}, {"ghost": 1, "product": "y"}]})
    assert [(e.path, e.field_id, e.code) for e in errors] == [("/data/items/1/ghost", "items", "unknown_field")]
