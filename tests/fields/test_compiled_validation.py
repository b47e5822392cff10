"""The compiled validation path (shape checks from each field's schema fragment + per-field normalizers) gives exactly
what the schema path gives: the same normalized values and the same errors (path, field, reason), for valid values,
for values out of shape, and for values of the right shape that a normalizer refuses."""
from __future__ import annotations

import itertools
import math

import fastjsonschema
import pytest

from engine.definitions import CompiledForm
from engine.fields import FIELD_TYPES
from engine.fields.shape_checks import shape_check

CHOICES = [{"value": v} for v in ("a", "b", "c")]
FIELDS = [
    {"id": "name", "type": "text", "required": True, "options": {"max_length": 10}},
    {"id": "code", "type": "text", "options": {"pattern": "[A-Z]{2}[0-9]{2}", "pattern_message": "two letters, two digits"}},
    {"id": "short", "type": "text", "options": {"min_length": 2}},
    {"id": "notes", "type": "textarea"},
    {"id": "kind", "type": "select", "options": {"choices": CHOICES}},
    {"id": "tags", "type": "multiselect", "options": {"choices": CHOICES, "max_items": 2}},
    {"id": "phone", "type": "phone"}, {"id": "email", "type": "email"}, {"id": "site", "type": "url"},
    {"id": "price", "type": "money", "options": {"precision": 2, "min": 0, "max": 1000}},
    {"id": "amount", "type": "money"},
    {"id": "count", "type": "number", "options": {"precision": 0, "min": 0, "max": 100}},
    {"id": "ratio", "type": "number"}, {"id": "rounded", "type": "number", "options": {"precision": 1}},
    {"id": "day", "type": "date"}, {"id": "moment", "type": "datetime"}, {"id": "flag", "type": "boolean"},
    {"id": "serial", "type": "serial", "options": {"format": "X{0000}"}},
]

#: per field: values of the right shape, values a normalizer refuses, and values out of shape
VALUES = {
    "name": ["Acme", "  padded  ", "", "x" * 10, "x" * 11, 5, None, "line\n"],
    "code": ["AB12", "ab12", "AB123", "  AB12 ", ""],
    "short": ["ab", "a", "", "  "],
    "notes": ["long\ntext", "", 3.5],
    "kind": ["a", "c", "d", "", ["a"], 1, True],
    "tags": [["a"], ["a", "b"], ["a", "b", "c"], ["a", "a"], [], "a", ["d"], [1], [None]],
    "phone": ["+86 138 0000 0000", "(010) 1234-5678", "12", "abc", "   ", "1" * 33, 13800000000],
    "email": ["A@Example.com", "not an email", " x@y.cn ", ""],
    "site": ["https://example.com", "ftp://example.com", "example.com", ""],
    "price": ["12.50", "12.505", 12.5, 12, "-1", "1000.01", "1,000", "abc", "NaN", "1e20", True, "9" * 41],
    "amount": ["0.1", 0.1, "1e3", " 7 ", "1" * 16],
    "count": [0, 100, 101, -1, 5.0, 5.5, "7", True, math.nan],
    "ratio": [1.5, -2, 10 ** 16, "3.25", math.inf, math.nan, False],
    "rounded": [1.25, 3, "2.75"],
    "day": ["2026-03-10", "2026-02-30", "2026-3-1", "2026-03-10T01:00:00Z", 20260310],
    "moment": ["2026-03-10T15:00:00Z", "2026-03-10T15:00:00+08:00", "2026-03-10 15:00Z", "2026-03-10T15:00:00.123456z",
               "2026-02-30T15:00:00Z", "2026-03-10T25:00:00Z", "2026-03-10T15:00:00", "2026-03-10T15:00:00Z\n", 0],
    "flag": [True, False, 1, "yes"],
    "serial": ["X0001"],
}


@pytest.fixture(scope="module")
def form() -> CompiledForm:
    return CompiledForm(1, "probe", "crm", 1, {"key": "probe", "label": "Probe", "fields": FIELDS})


def _same(form: CompiledForm, values) -> None:
    compiled, reference = form.validate(values), form.validate_by_schema(values)
    assert compiled[0] == reference[0], values
    assert compiled[1] == reference[1], values


def test_each_value_alone_gives_what_the_schema_path_gives(form):
    for fid, values in VALUES.items():
        for value in values:
            _same(form, {"name": "Acme", fid: value})


def test_values_together_give_what_the_schema_path_gives(form):
    """Several fields at once: a refused value next to one out of shape, in every order of the record's keys."""
    good = {"name": "Acme", "kind": "a", "price": "1.00", "moment": "2026-03-10T15:00:00Z", "phone": "010 1234 5678"}
    _same(form, good)
    for (f1, v1), (f2, v2) in itertools.combinations([(f, v) for f, vs in VALUES.items() for v in vs[:4]], 2):
        if f1 != f2:
            _same(form, {**good, f1: v1, f2: v2})
            _same(form, {f2: v2, **good, f1: v1})


def test_unknown_and_engine_set_keys_and_non_objects(form):
    for values in ({"name": "Acme", "nope": 1}, {"name": "Acme", "serial": "X1"}, {"name": None}, {}):
        _same(form, values)


def test_shape_checks_never_accept_what_the_schema_refuses():
    """The compiled check says yes only where the schema validator does too, for every type's fragment."""
    probes = [None, True, False, 0, 1, -1, 1.5, 5.0, math.nan, math.inf, 10 ** 16, "", "a", "ab\n", "2026-03-10",
              "2026-03-10T15:00:00Z", "+86 138", "x" * 300, [], ["a"], ["a", "a"], ["a", 1], {}, {"a": 1}]
    seen = 0
    for name in FIELD_TYPES:
        ftype = FIELD_TYPES.get(name)
        field = next((f for f in FIELDS if f["type"] == name), {"id": "x", "type": name, "options": {"choices": CHOICES}})
        try:
            fragment = ftype.schema(field)
        except Exception:  # noqa: BLE001 — a type that needs more options than this probe gives
            continue
        check = shape_check(fragment)
        if check is None:
            continue
        seen += 1
        validate = fastjsonschema.compile(fragment)
        for value in probes:
            if check(value):
                validate(value)  # raises if the schema refuses what the check accepted
    assert seen >= 10
