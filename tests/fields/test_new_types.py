"""The six field types of issue 19 (region, rating, signature, image, rich text, team), each walked through the API:
designer (definition accepted, offered by GET /api/field-types) -> record -> list filter -> export (CSV, XLSX) ->
import back -> a rule on it -> a template rendering it; plus what each type refuses. SQLite and PostgreSQL.
"""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from engine.fields import FIELD_TYPES
from tests.fields.walk import FORM
from tests.fields.walk import (cell as _cell, chart as _chart, create as _create, csv_rows as _csv_rows, definition as _definition,
                               errors as _errors, ids as _ids, import_rows as _import, jpeg as _jpeg, png as _png,
                               publish as _publish, shown as _shown, template as _template, upload as _upload,
                               xlsx_rows as _xlsx_rows)

NEW_TYPES = ("region", "rating", "signature", "image", "richtext", "team")
WIDGETS = Path(__file__).resolve().parents[2] / "designer_ui" / "static" / "widgets"


def test_every_new_type_is_offered_to_the_designer_with_its_widget_module(client):
    offered = {t["type"] for t in client.get("/api/field-types").get_json()["items"]}
    for name in NEW_TYPES:
        described = FIELD_TYPES.get(name).describe()
        assert name in offered and described["widget"] == name and (WIDGETS / f"{name}.js").is_file()
        assert described["label"]["en"] and described["label"]["zh-CN"]


# -- region ---------------------------------------------------------------------

def test_region_walk(client):
    field = {"id": "where", "type": "region", "label": {"en": "Region", "zh-CN": "地区"}, "filterable": True}
    _publish(client, _definition(field, validations=[{
        "condition": '("110000" in where) == false', "message": {"en": "We do not visit Beijing"}, "fields": ["where"]}]))
    # the cascade, one level at a time, from the shipped GB/T 2260 data
    provinces = client.get("/api/field-types/region/choices").get_json()["items"]
    assert {"value": "440000", "label": {"en": "Guangdong", "zh-CN": "广东"}} in provinces and len(provinces) == 34
    cities = [c["value"] for c in client.get("/api/field-types/region/choices?parent=440000").get_json()["items"]]
    assert "440100" in cities and "110100" not in cities
    assert client.get("/api/field-types/region/choices?parent=999999").status_code == 422

    tianhe = _create(client, {"title": "Tianhe", "where": ["440000", "440100", "440106"]})
    assert tianhe.status_code == 201, tianhe.get_json()
    shenzhen = _create(client, {"title": "Futian", "where": ["440000", "440300", "440304"]})
    chengdu = _create(client, {"title": "Chengdu", "where": ["510000", "510100"]})
    ids = [r.get_json()["id"] for r in (tianhe, shenzhen, chengdu)]

    # a city outside its province, a district outside its city: refused at the level at fault
    wrong = _create(client, {"where": ["440000", "510100"]})
    assert wrong.status_code == 422 and _errors(wrong) == [("/data/where/1", "invalid")]
    assert _errors(_create(client, {"where": ["440000", "440100", "440304"]})) == [("/data/where/2", "invalid")]
    assert _create(client, {"where": ["440000", "44010"]}).status_code == 422

    # list filter: within a province, within a city
    assert _ids(client, "filter=where:contains:440000") == ids[:2]
    assert _ids(client, "filter=where:contains:440100") == ids[:1]
    assert _ids(client, "filter=where:contains:510000") == ids[2:]
    assert _shown(client, ids[0], "where") == "Guangdong / Guangzhou / Tianhequ"

    # export as names, import the names back: the same codes
    rows = _csv_rows(client)
    assert rows[0] == ["id", "Title", "Region"] and _cell(rows, ids[0], 2) == "广东/广州/天河区"
    assert _cell(_xlsx_rows(client), ids[2], 2) == "四川/成都"
    back = _import(client, [["Title", "Region"]] + [[r[1], r[2]] for r in rows[1:]] + [["Nowhere", "广东/成都"]])
    assert back["columns"] == ["title", "where"]
    assert back["done"]["counts"]["committed"] == 3 and back["done"]["counts"]["invalid"] == 1
    imported = client.get(f"{FORM}/records?filter=title:eq:Tianhe").get_json()["items"]
    assert [r["data"]["where"] for r in imported] == [["440000", "440100", "440106"]] * 2

    # rule: the validation reads the codes
    beijing = _create(client, {"title": "Chaoyang", "where": ["110000", "110105"]})
    assert beijing.status_code == 422 and _errors(beijing)[0][0] == "/data/where"

    # template: the names and the codes
    assert _template(client, "{{ record.where.text }} ({{ record.where.codes | join(',') }})", ids[0]) == \
        "广东/广州/天河区 (440000,440100,440106)"


# -- rating ---------------------------------------------------------------------

def test_rating_walk(client):
    field = {"id": "score", "type": "rating", "label": {"en": "Score", "zh-CN": "评分"}, "options": {"max": 5}, "filterable": True}
    _publish(client, _definition(field, rules=[{"when": "score <= 2", "effects": [{"field": "title", "required": True}]}]))
    ids = [_create(client, {"title": t, "score": s}).get_json()["id"] for t, s in (("a", 5), ("b", 3), ("c", 4))]
    # bounds
    assert _errors(_create(client, {"score": 6})) == [("/data/score", "invalid")]
    assert _errors(_create(client, {"score": 0, "title": "t"})) == [("/data/score", "invalid")]
    assert _create(client, {"score": 2.5}).status_code == 422
    # filter and sort as numbers
    ranked = client.get(f"{FORM}/records?filter=score:ge:4&sort=-score").get_json()["items"]
    assert [r["id"] for r in ranked] == [ids[0], ids[2]]
    assert _shown(client, ids[1], "score") == "★★★☆☆"
    # export the number, import it back (and stars too)
    rows = _csv_rows(client)
    assert [_cell(rows, i, 2) for i in ids] == ["5", "3", "4"]
    assert _cell(_xlsx_rows(client), ids[0], 2) == "5"
    back = _import(client, [["Title", "Score"], ["d", "4"], ["e", "★★☆☆☆"], ["f", "9"]])
    assert back["columns"] == ["title", "score"] and back["done"]["counts"] == {"committed": 2, "invalid": 1}
    assert sorted(r["data"]["score"] for r in client.get(f"{FORM}/records?filter=title:in:d,e").get_json()["items"]) == [2, 4]
    # rule: a low score needs a title
    low = _create(client, {"score": 1})
    assert low.status_code == 422 and _errors(low) == [("/data/title", "required")]
    assert _create(client, {"score": 1, "title": "why"}).status_code == 201
    # template: a number
    assert _template(client, "{{ record.score * 2 }}/10", ids[1]) == "6/10"
    # dashboards: the average, and records grouped by stars
    assert _chart(client, {"type": "number", "aggregate": {"op": "avg", "field": "score"}}) == pytest.approx(19 / 6, abs=1e-5)
    assert _chart(client, {"type": "pie", "group_by": {"field": "score"}, "aggregate": {"op": "count"}}) == \
        {"1": 1, "2": 1, "3": 1, "4": 2, "5": 1}


# -- rich text ------------------------------------------------------------------

def test_richtext_walk(client):
    field = {"id": "notes", "type": "richtext", "label": {"en": "Notes", "zh-CN": "纪要"}}
    _publish(client, _definition(field, validations=[{
        "condition": 'notes == null or not (notes =~~ "secret")', "message": {"en": "No secrets"}, "fields": ["notes"]}]))
    sent = ('<p onclick="steal()">Met <strong>Ann</strong><script>alert(1)</script><img src=x onerror=alert(2)>'
            '<a href="javascript:alert(3)">bad</a> <a href="https://example.com/x">site</a></p><ul><li>one</li></ul>')
    made = _create(client, {"title": "a", "notes": sent})
    assert made.status_code == 201, made.get_json()
    stored = made.get_json()["data"]["notes"]
    for gone in ("script", "onerror", "onclick", "javascript:", "<img", "alert"):
        assert gone not in stored
    assert '<strong>Ann</strong>' in stored and '<a href="https://example.com/x" rel="noopener noreferrer">site</a>' in stored
    other = _create(client, {"title": "b", "notes": "<p>Called Bob</p>"}).get_json()["id"]
    # filter by the words, list and export as plain text
    assert _ids(client, "filter=notes:contains:ann") == [made.get_json()["id"]]
    assert _shown(client, made.get_json()["id"], "notes") == "Met Annbad site\none"
    assert _cell(_csv_rows(client), other, 2) == "Called Bob" and _cell(_xlsx_rows(client), other, 2) == "Called Bob"
    back = _import(client, [["Title", "Notes"], ["c", "Line <one>\nLine two"]])
    assert back["done"]["counts"]["committed"] == 1
    imported = client.get(f"{FORM}/records?filter=title:eq:c").get_json()["items"][0]["data"]["notes"]
    assert imported == "<p>Line &lt;one&gt;</p><p>Line two</p>"
    # rule on the text
    secret = _create(client, {"notes": "<p>a <em>secret</em> plan</p>"})
    assert secret.status_code == 422 and [e["message"] for e in secret.get_json()["error"]["errors"]] == ["No secrets"]
    # template: html (already sanitized) and text
    assert _template(client, "{{ record.notes.text }}", other) == "Called Bob"


# -- team -----------------------------------------------------------------------

def test_team_walk(client):
    sales = client.post("/api/teams", json={"key": "sales", "name": "Sales"}).get_json()
    support = client.post("/api/teams", json={"key": "support", "name": "售后支持"}).get_json()
    teams = {t["label"]: t["value"] for t in client.get("/api/field-types/team/choices").get_json()["items"]}
    assert set(teams) == {"Sales", "售后支持"}
    sales_id, support_id = teams["Sales"], teams["售后支持"]
    assert sales and support
    field = {"id": "dept", "type": "team", "label": {"en": "Department", "zh-CN": "部门"}, "filterable": True}
    _publish(client, _definition(field, validations=[{
        "condition": f"dept != {support_id}", "message": {"en": "Support does not visit"}, "fields": ["dept"]}]))
    a = _create(client, {"title": "a", "dept": sales_id}).get_json()["id"]
    # a team that does not exist
    assert _errors(_create(client, {"dept": 9999})) == [("/data/dept", "not_found")]
    # rule
    assert _create(client, {"dept": support_id}).status_code == 422
    # filter, list, export by name, import by name
    assert _ids(client, f"filter=dept:eq:{sales_id}") == [a]
    assert _shown(client, a, "dept") == "Sales"
    assert _cell(_csv_rows(client), a, 2) == "Sales" and _cell(_xlsx_rows(client), a, 2) == "Sales"
    back = _import(client, [["Title", "Department"], ["b", "sales"], ["c", "Marketing"]])
    assert back["done"]["counts"] == {"committed": 1, "invalid": 1}
    assert client.get(f"{FORM}/records?filter=title:eq:b").get_json()["items"][0]["data"]["dept"] == sales_id
    # template: the team's name
    assert _template(client, "Team: {{ record.dept }}", a) == "Team: Sales"
    # dashboards: records grouped by team, named
    assert _chart(client, {"type": "bar", "group_by": {"field": "dept"}, "aggregate": {"op": "count"}}) == {"Sales": 2}


# -- image and signature ------------------------------------------------------------

def test_image_walk(client, app):
    field = {"id": "photo", "type": "image", "label": {"en": "Photo", "zh-CN": "照片"}, "options": {"multiple": True}}
    _publish(client, _definition(field, rules=[{"when": 'title == "site visit"', "effects": [{"field": "photo", "required": True}]}]))
    # not a picture, or a picture in disguise: refused at the upload, naming the field
    fake = _upload(client, "photo", b"<svg onload=alert(1)>", "x.png", "image/png")
    assert fake.status_code == 422 and fake.get_json()["error"]["errors"][0]["field_id"] == "photo"
    assert _upload(client, "photo", b"%PDF-1.4", "x.pdf", "application/pdf").status_code == 422
    up = _upload(client, "photo", _jpeg(), "site.jpg", "image/jpeg")
    assert up.status_code == 201, up.get_json()
    pid = up.get_json()["id"]
    thumb = client.get(f"/api/attachments/{pid}/thumbnail")
    assert thumb.status_code == 200 and thumb.mimetype == "image/png"
    small = Image.open(io.BytesIO(thumb.data))
    assert max(small.size) <= 320 and small.size == (320, 240)
    # rule: a site visit needs a photo
    assert _errors(_create(client, {"title": "site visit"})) == [("/data/photo", "required")]
    made = _create(client, {"title": "site visit", "photo": [pid]})
    assert made.status_code == 201, made.get_json()
    rid = made.get_json()["id"]
    assert _create(client, {"title": "x", "photo": ["0" * 32]}).status_code == 422  # no such upload
    # filter, list, export: the file name
    assert _ids(client, f"filter=photo:contains:{pid}") == [rid]
    assert _ids(client, "filter=photo:not_empty") == [rid]
    assert _shown(client, rid, "photo") == "site.jpg"
    assert _cell(_csv_rows(client), rid, 2) == "site.jpg" and _cell(_xlsx_rows(client), rid, 2) == "site.jpg"
    # import: a spreadsheet carries no picture, so the column is not a target
    back = _import(client, [["Title", "Photo"], ["y", "site.jpg"]])
    assert back["columns"] == ["title", None]
    # template: the attachment
    assert _template(client, "{{ record.photo | length }} photo", rid) == "1 photo"


def test_signature_walk(client):
    field = {"id": "sign", "type": "signature", "label": {"en": "Signature", "zh-CN": "签名"}}
    _publish(client, _definition(field, rules=[{"when": 'title == "contract"', "effects": [{"field": "sign", "required": True}]}]))
    # only a PNG drawing is a signature
    assert _upload(client, "sign", _jpeg(), "s.jpg", "image/jpeg").status_code == 422
    assert _upload(client, "sign", b"not a png", "s.png", "image/png").status_code == 422
    up = _upload(client, "sign", _png((480, 160)), "signature.png", "image/png")
    assert up.status_code == 201, up.get_json()
    sid = up.get_json()["id"]
    assert client.get(f"/api/attachments/{sid}/thumbnail").status_code == 200
    assert _errors(_create(client, {"title": "contract"})) == [("/data/sign", "required")]
    made = _create(client, {"title": "contract", "sign": sid})
    assert made.status_code == 201, made.get_json()
    rid = made.get_json()["id"]
    # stored as an image attachment of this record
    download = client.get(f"/api/attachments/{sid}")
    assert download.status_code == 200 and Image.open(io.BytesIO(download.data)).format == "PNG"
    assert _create(client, {"title": "again", "sign": [sid]}).status_code == 422  # one signature, not a list
    assert _create(client, {"title": "theft", "sign": sid}).status_code == 422  # bound to the first record now
    assert _ids(client, "filter=sign:not_empty") == [rid]
    assert _cell(_csv_rows(client), rid, 2) == "signature.png" and _cell(_xlsx_rows(client), rid, 2) == "signature.png"
    assert _import(client, [["Title", "Signature"], ["z", "x"]])["columns"] == ["title", None]
    assert _template(client, "signed: {{ record.sign is not none }}", rid) == "signed: True"
