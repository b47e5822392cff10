"""Each new field type walked through the REST API, on SQLite and PostgreSQL (the acceptance walk of issue 19).

One parametrised test per type: the type as ``GET /api/field-types`` describes it -> a form holding it (definitions
API, published) -> records -> the list filtered with EVERY operator the type declares (the operators come from the
API, so a type that gains one without a case here fails) -> the list's text -> CSV and XLSX export (the type's export
text) -> that export imported back (the same value; the picture types refuse the column, saying why) -> a rule reading
the field, evaluated on the server -> a notification template rendering it -> a dashboard grouped by it when the type
says it is groupable -> a duplicate check on it when it is matchable (the type's normal form: the same value matches).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable
from urllib.parse import quote

import pytest

from tests.fields.walk import (FORM, cell, chart, create, csv_rows, definition, duplicates_of, errors, ids, import_rows, png,
                               publish, republish, shown, template, upload, xlsx_rows)

LABEL = {"en": "Value", "zh-CN": "取值"}


@dataclass
class Walk:
    """What one type's walk needs: its field, three values (a, b, c; a fourth record stays empty) and what each step expects.

    ``operands`` holds, per filter operator, the operand and the records it must list (names among a, b, c, e).
    """
    field: dict
    values: Callable  # client, teams -> {"a": value, "b": value, "c": value}
    operands: Callable  # values -> {op: (operand, {names})}
    shown_a: str
    export_a: str
    rule: str  # a condition over the field that a's value meets and b's does not
    template: str
    rendered_a: str
    groups: dict | None = None  # {group label: count} of a dashboard grouped by the field
    again: Callable | None = None  # client, values -> a new value equal to a's (a duplicate of a), None: not matchable
    #: the export carries the whole value (rich text exports its words: the formatting does not travel through a cell)
    lossless: bool = True


def _pictures(name, multiple):
    def values(client, teams):
        out = {}
        for key, colour in (("a", (200, 0, 0)), ("b", (0, 200, 0)), ("c", (0, 0, 200))):
            made = upload(client, "value", png((300, 120), colour), f"{key}.png", "image/png")
            assert made.status_code == 201, made.get_json()
            out[key] = [made.get_json()["id"]] if multiple else made.get_json()["id"]
        return out
    return values


def _one(v):
    return v[0] if isinstance(v, list) else v


WALKS = {
    "region": Walk(
        field={"type": "region", "options": {"level": "district"}},
        values=lambda client, teams: {"a": ["440000", "440100", "440106"], "b": ["440000", "440300", "440304"],
                                      "c": ["510000", "510100"]},
        operands=lambda v: {"contains": ("440100", {"a"}), "empty": (None, {"e"}), "not_empty": (None, {"a", "b", "c"})},
        shown_a="Guangdong / Guangzhou / Tianhequ", export_a="广东/广州/天河区",
        rule='"440100" in value', template="{{ record.value.text }}", rendered_a="广东/广州/天河区",
        again=lambda client, v: ["440000", "440100", "440106"]),
    "rating": Walk(
        field={"type": "rating", "options": {"max": 5}},
        values=lambda client, teams: {"a": 5, "b": 3, "c": 4},
        operands=lambda v: {"eq": (3, {"b"}), "ne": (3, {"a", "c", "e"}), "lt": (4, {"b"}), "le": (4, {"b", "c"}),
                            "gt": (4, {"a"}), "ge": (4, {"a", "c"}), "in": ([3, 5], {"a", "b"}),
                            "between": ([3, 4], {"b", "c"}), "empty": (None, {"e"}), "not_empty": (None, {"a", "b", "c"})},
        shown_a="★★★★★", export_a="5", rule="value >= 5", template="{{ record.value }} of 5", rendered_a="5 of 5",
        groups={"5": 1, "3": 1, "4": 1}, again=lambda client, v: 5),
    "richtext": Walk(
        field={"type": "richtext"},
        values=lambda client, teams: {"a": "<p>Met <strong>Ann</strong> &amp; Co</p>", "b": "<p>Called Bob</p>",
                                      "c": "<ul><li>one</li><li>two</li></ul>"},
        operands=lambda v: {"contains": ("& co", {"a"}), "empty": (None, {"e"}), "not_empty": (None, {"a", "b", "c"})},
        shown_a="Met Ann & Co", export_a="Met Ann & Co", rule='value.as_lower =~~ "ann & co"', template="{{ record.value.text }}",
        rendered_a="Met Ann & Co", lossless=False, again=lambda client, v: "<p>met  <em>ANN</em> &amp; co</p>"),
    "team": Walk(
        field={"type": "team"},
        values=lambda client, teams: {"a": teams["Sales"], "b": teams["售后支持"], "c": teams["Sales"]},
        operands=lambda v: {"eq": (v["a"], {"a", "c"}), "ne": (v["a"], {"b", "e"}), "in": ([v["a"], v["b"]], {"a", "b", "c"}),
                            "contains": (v["b"], {"b"}), "empty": (None, {"e"}), "not_empty": (None, {"a", "b", "c"})},
        shown_a="Sales", export_a="Sales", rule="value == {a}", template="Team: {{ record.value }}", rendered_a="Team: Sales",
        groups={"Sales": 2, "售后支持": 1}, again=lambda client, v: v["a"]),
    "image": Walk(
        field={"type": "image", "options": {"multiple": True}},
        values=_pictures("image", True),
        operands=lambda v: {"contains": (v["b"][0], {"b"}), "empty": (None, {"e"}), "not_empty": (None, {"a", "b", "c"})},
        shown_a="a.png", export_a="a.png", rule="value != null", template="{{ record.value | length }} picture",
        rendered_a="1 picture"),
    "signature": Walk(
        field={"type": "signature"},
        values=_pictures("signature", False),
        operands=lambda v: {"contains": (v["b"], {"b"}), "empty": (None, {"e"}), "not_empty": (None, {"a", "b", "c"})},
        shown_a="a.png", export_a="a.png", rule="value != null", template="signed: {{ record.value is not none }}",
        rendered_a="signed: True"),
}


def _operands_match_the_type(client, name: str, cases: dict) -> dict:
    described = next(t for t in client.get("/api/field-types").get_json()["items"] if t["type"] == name)
    assert sorted(cases) == sorted(described["filter_operators"]), "every operator the type declares has a case here"
    return described


def _query(op: str, operand) -> str:
    if operand is None:
        return f"filter=value:{op}"
    text = ",".join(str(o) for o in operand) if isinstance(operand, list) else str(operand)
    return "filter=" + quote(f"value:{op}:{text}")


@pytest.mark.parametrize("name", sorted(WALKS))
def test_walk(client, name):
    walk = WALKS[name]
    teams = {}
    for key, team in (("sales", "Sales"), ("support", "售后支持")):
        made = client.post("/api/teams", json={"key": key, "name": team})
        assert made.status_code == 201, made.get_json()
    teams = {t["label"]: t["value"] for t in client.get("/api/field-types/team/choices").get_json()["items"]}
    field = {"id": "value", "label": LABEL, "filterable": True, **walk.field}
    note = {"id": "note", "type": "text", "label": {"en": "Note", "zh-CN": "备注"}}
    matchable = walk.again is not None
    form = definition(field, rules=[{"when": walk.rule.format(a=teams["Sales"]), "effects": [{"field": "note", "required": True}]}],
                      extra_fields=[note])
    publish(client, form)

    values = walk.values(client, teams)
    rec = {}
    for key in ("a", "b", "c"):
        made = create(client, {"title": key, "value": values[key], "note": "noted"})
        assert made.status_code == 201, made.get_json()
        rec[key] = made.get_json()["id"]
    rec["e"] = create(client, {"title": "e"}).get_json()["id"]

    # list filters: every operator the type declares
    cases = walk.operands(values)
    described = _operands_match_the_type(client, name, cases)
    for op, (operand, expected) in cases.items():
        assert ids(client, _query(op, operand)) == sorted(rec[k] for k in expected), (op, operand)
    # an operator the type does not declare is refused with the path, not answered
    foreign = next(op for op in ("lt", "contains", "between") if op not in described["filter_operators"])
    refused = client.get(f"{FORM}/records?" + _query(foreign, "1" if foreign != "between" else ["1", "2"]))
    assert refused.status_code == 422 and errors(refused)[0][0] == "/filters/0/op"

    # a dashboard grouped by it, where the type says it can be
    assert described["groupable"] == (walk.groups is not None)
    if walk.groups is not None:
        groups = chart(client, {"type": "bar", "group_by": {"field": "value"}, "aggregate": {"op": "count"}})
        assert {k: v for k, v in groups.items() if k in walk.groups} == walk.groups

    # the list's text, the export's text (CSV and XLSX)
    assert shown(client, rec["a"], "value") == walk.shown_a
    rows = csv_rows(client)
    column = rows[0].index("Value")
    assert cell(rows, rec["a"], column) == walk.export_a and cell(rows, rec["e"], column) == ""
    assert str(cell(xlsx_rows(client), rec["a"], column)) == walk.export_a

    # the export imported back
    back = [["Title", "Value", "Note"]] + [[r[rows[0].index(c)] for c in ("Title", "Value", "Note")] for r in rows[1:] if r[column]]
    if described["importable"]:
        done = import_rows(client, back)
        assert done["columns"] == ["title", "value", "note"] and done["done"]["counts"] == {"committed": 3}
        again = client.get(f"{FORM}/records?filter=title:eq:a&sort=id").get_json()["items"]
        assert [shown(client, r["id"], "value") for r in again] == [walk.shown_a] * 2
        assert walk.lossless == (again[1]["data"]["value"] == values["a"])
    else:
        suggested = import_rows(client, back)
        assert suggested["columns"] == ["title", None, "note"]
        why = next(c for c in suggested["job"]["columns"] if c["header"] == "Value")["reason"]
        assert "upload" in why["en"] and why["zh-CN"]
        refused = import_rows(client, back, mapping={"0": "title", "1": "value", "2": "note"})["refused"]
        assert refused.status_code == 422 and errors(refused) == [("/mapping/1", "not_importable")]
        assert "upload" in refused.get_json()["error"]["errors"][0]["message"]

    # a rule reading the field, on the server: a's value makes the note required, b's does not
    like_a = walk.again(client, values) if matchable else _pictures(name, isinstance(values["a"], list))(client, teams)["a"]
    needs_note = create(client, {"title": "rule", "value": like_a})
    assert needs_note.status_code == 422 and errors(needs_note) == [("/data/note", "required")]
    free = create(client, {"title": "rule", "value": values["b"] if matchable else None})
    assert free.status_code == 201, free.get_json()

    # a template rendering it
    assert template(client, walk.template, rec["a"]) == walk.rendered_a

    # a duplicate check on it compares the type's normal form: the same value in other words is found
    assert described["dedup_matchable"] == matchable
    if matchable:
        republish(client, lambda form: form.setdefault("settings", {}).update(
            duplicate_check={"mode": "flag", "rules": [{"key": "same", "fields": ["value"]}]}))
        assert rec["a"] in duplicates_of(client, {"value": walk.again(client, values)})
        assert rec["a"] not in duplicates_of(client, {"value": values["b"]})
