"""Regression tests, one per budget attack of issue 18 (points 1 and 13, request bodies and JSON depth), SQLite and PostgreSQL.

1: an XLSX whose sheet declares or holds a huge grid (cells at XFD1048576 or CV300000), inflates past its declared
size or ratio, or hides cells behind a namespace prefix or missing references, is refused with a 413 naming the
limit before any reader allocates; so is a CSV row of endless separators. 13: a template render has a wall-clock,
a built-text and a per-operation text budget: a long loop over big joins is a 422 naming the template and the
reason within the time budget. Bodies: each route class has a byte budget and JSON is scanned for depth before
it is parsed (a 3,000-deep body is a 413, never a RecursionError).
"""
from __future__ import annotations

import io
import time
import zipfile

import pytest

from engine.imports import budget
from engine.imports.reading import read_upload
from engine.errors import FormflowError
from engine.runtime import Actor
from engine.safety import MAX_JSON_DEPTH
from engine.templating import MAX_RENDER_SECONDS, TemplateError, VariableScope, compile_template
from tests.security import bombs

#: what the issue asks of every budget refusal: a 4xx within 2 s
ANSWER_WITHIN_SECONDS = 2.0
IMPORTS = "/api/apps/crm/forms/customer/imports"


def _timed(call):
    started = time.perf_counter()
    response = call()
    return response, time.perf_counter() - started


def _upload(client, data: bytes, name: str = "customers.xlsx"):
    return client.post(IMPORTS, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _limit(response) -> str:
    return response.get_json()["error"]["errors"][0]["limit"]


# -- 1: uploads ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, data, limit", [
    ("the issue's file: A1, A2 and XFD1048576 under dimension A1:XFD1048576", bombs.xlsx_bomb(), "MAX_IMPORT_COLUMNS"),
    ("one cell at CV300000 under an honest-looking dimension A1:A2",
     bombs.xlsx(bombs.sheet_xml([("A1", "name"), ("A2", "Acme"), ("CV300000", "far")], dimension="A1:A2")), "MAX_IMPORT_ROWS"),
    ("a sparse grid inside the row and column limits but over the cells",
     bombs.xlsx(bombs.sheet_xml([("A1", "name"), ("A2", "Acme"), ("GR190000", "far")])), "MAX_IMPORT_CELLS"),
    ("only the dimension is huge", bombs.xlsx(bombs.sheet_xml([("A1", "name"), ("A2", "Acme")], dimension="A1:Z1048576")),
     "MAX_IMPORT_ROWS"),
])
def test_attack_xlsx_bomb_upload_is_413_naming_the_limit_before_reading(crm, people, name, data, limit):
    assert len(data) < 5_000, name  # kilobytes, as in the report
    member = people["ann"].client
    response, took = _timed(lambda: _upload(member, data))
    assert response.status_code == 413 and took < ANSWER_WITHIN_SECONDS, (name, response.status_code, took)
    assert _limit(response) == limit and response.get_json()["error"]["errors"][0]["path"] == "/file", name
    assert member.get(IMPORTS).get_json()["items"] == []  # nothing was stored


def _refusal(data: bytes, name: str = "customers.xlsx") -> FormflowError:
    with pytest.raises(FormflowError) as caught:
        read_upload(name, data)
    return caught.value


def test_attack_xlsx_bomb_cells_behind_a_namespace_prefix_are_counted():
    sheet = bombs.sheet_xml([("A1", "name"), ("A2", "Acme"), ("XFD1048576", "boom")], prefix="x:")
    refused = _refusal(bombs.xlsx(sheet))
    assert refused.status == 413 and refused.details["limit"] == "MAX_IMPORT_COLUMNS"


@pytest.mark.parametrize("ref, limit", [("A123456789", "MAX_IMPORT_ROWS"), ("AAAAA1", "MAX_IMPORT_COLUMNS"),
                                        ("A" + "9" * 5000, "MAX_IMPORT_ROWS")])
def test_attack_xlsx_bomb_references_longer_than_any_sheet_are_refused(ref, limit):
    refused = _refusal(bombs.xlsx(bombs.sheet_xml([("A1", "name"), ("A2", "Acme"), (ref, "far")])))
    assert refused.status == 413 and refused.details["limit"] == limit


def test_attack_xlsx_bomb_cells_without_references_are_counted_by_position():
    row = "".join(f'<c t="inlineStr"><is><t>{i}</t></is></c>' for i in range(budget.MAX_IMPORT_COLUMNS + 5))
    sheet = (f'<?xml version="1.0"?><worksheet xmlns="{bombs.MAIN_NS}"><sheetData><row r="1">{row}</row>'
             f'</sheetData></worksheet>')
    refused = _refusal(bombs.xlsx(sheet))
    assert refused.status == 413 and refused.details["limit"] == "MAX_IMPORT_COLUMNS"


def test_attack_xlsx_bomb_far_cell_hidden_in_a_long_file_is_found():
    cells = [("A1", "name")] + [(f"A{r}", f"customer {r}") for r in range(2, 30_000)] + [("ZZ29999", "far")]
    refused = _refusal(bombs.xlsx(bombs.sheet_xml(cells)))
    assert refused.status == 413 and refused.details["limit"] == "MAX_IMPORT_COLUMNS"


def test_attack_xlsx_part_inflating_past_its_ratio_is_refused():
    data = bombs.xlsx(bombs.sheet_xml([("A1", "name"), ("A2", "Acme")]), extra={"xl/media/zeros.bin": b"\0" * (8 * 1024 * 1024)})
    refused = _refusal(data)
    assert refused.status == 413 and refused.details["limit"] == "MAX_COMPRESSION_RATIO"


def test_attack_xlsx_declaring_more_than_the_uncompressed_budget_is_refused():
    import os

    data = bombs.xlsx(bombs.sheet_xml([("A1", "name"), ("A2", "Acme")]),
                      extra={f"xl/media/noise{i}.bin": os.urandom(2 * 1024 * 1024) for i in range(3)})
    share = budget.MAX_UNCOMPRESSED_BYTES // 3 + 1  # each part within the ratio, the three together over the total
    for i in range(3):
        data = bombs.declare_size(data, f"xl/media/noise{i}.bin", share)
    refused = _refusal(data)
    assert refused.status == 413 and refused.details["limit"] == "MAX_UNCOMPRESSED_BYTES"


def test_attack_xlsx_part_larger_than_it_declares_is_refused_unread():
    sheet = bombs.sheet_xml([("A1", "name")] + [(f"A{r}", "x" * 50) for r in range(2, 20_000)])
    data = bombs.declare_size(bombs.xlsx(sheet), "xl/worksheets/sheet1.xml", 2_000)
    started = time.perf_counter()
    refused = _refusal(data)
    assert refused.status == 422 and "damaged" in refused.message and time.perf_counter() - started < ANSWER_WITHIN_SECONDS


def test_attack_xlsx_with_an_entity_declaration_is_refused():
    sheet = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
             f'<worksheet xmlns="{bombs.MAIN_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c>'
             '</row></sheetData></worksheet>')
    refused = _refusal(bombs.xlsx(sheet))
    assert refused.status == 422 and "document type" in refused.message


def test_attack_xlsx_with_too_many_parts_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for i in range(budget.MAX_ZIP_MEMBERS + 1):
            z.writestr(f"p{i}", b"")
    refused = _refusal(out.getvalue())
    assert refused.status == 413 and refused.details["limit"] == "MAX_ZIP_MEMBERS"


def test_attack_csv_row_of_endless_separators_is_413(crm, people):
    data = b"name,phone\n" + b"Acme" + b"," * (budget.MAX_CSV_DELIMITERS_PER_ROW + 1) + b"\n"
    response, took = _timed(lambda: _upload(people["ann"].client, data, "customers.csv"))
    assert response.status_code == 413 and took < ANSWER_WITHIN_SECONDS
    assert _limit(response) == "MAX_CSV_DELIMITERS_PER_ROW"


def test_an_ordinary_workbook_still_imports_within_the_budgets(crm, people):
    cells = [("A1", "name"), ("B1", "phone")] + [(ref, text) for r in range(2, 50)
                                                 for ref, text in ((f"A{r}", f"Customer {r}"), (f"B{r}", f"1380013{r:04d}"))]
    response = _upload(people["ann"].client, bombs.xlsx(bombs.sheet_xml(cells, dimension="A1:B49")))
    assert response.status_code == 201, response.get_json()
    assert sum(response.get_json()["counts"].values()) == 48, response.get_json()


# -- request bodies and JSON depth --------------------------------------------------------------------------------

def test_attack_json_nested_3000_deep_is_413_before_parsing(app, crm, people):
    from engine.services import web_forms

    link = web_forms.create_web_form(app.extensions["formflow"], people["root"].actor, "crm", "customer")
    body = bombs.deep_json(3000)
    anon = app.test_client()
    for who, client, path in (("member", people["ann"].client, "/api/apps/crm/forms/customer/records"),
                              ("member", people["ann"].client, "/api/apps/crm/forms/customer/records/query"),
                              ("admin", people["root"].client, "/api/apps"),
                              ("anonymous", anon, f"/f/{link['token']}")):
        response, took = _timed(lambda: client.post(path, data=body, content_type="application/json"))
        assert response.status_code == 413 and took < ANSWER_WITHIN_SECONDS, (who, path, response.status_code)
        error = response.get_json()["error"]
        assert error["code"] == "too_deeply_nested" and error["limit"] == "MAX_JSON_DEPTH", (who, path)
    shallow = {"data": {"name": "Shallow Ltd", "notes": [[["ok"]]]}}
    assert people["ann"].client.post("/api/apps/crm/forms/customer/records", json=shallow).status_code in (201, 422)


def test_json_depth_limit_is_exact():
    from engine.safety import json_too_deep

    assert not json_too_deep(bombs.deep_json(MAX_JSON_DEPTH))
    assert json_too_deep(bombs.deep_json(MAX_JSON_DEPTH + 1))
    assert not json_too_deep('["' + "[" * 5000 + '"]')  # brackets inside strings don't nest
    assert json_too_deep(b'{"a":' * 3000 + b"1" + b"}" * 3000)


def test_attack_oversized_json_body_is_413_naming_the_route_budget(app, crm, people):
    from engine.api.limits import MAX_REQUEST_BYTES

    body = b'{"data": {"name": "' + b"x" * (MAX_REQUEST_BYTES + 1) + b'"}}'
    response = people["ann"].client.post("/api/apps/crm/forms/customer/records", data=body, content_type="application/json")
    assert response.status_code == 413 and _limit(response) == "MAX_REQUEST_BYTES"


def test_attack_chunked_public_form_body_without_length_is_cut_at_its_budget(app, crm, people):
    from engine.services import web_forms

    link = web_forms.create_web_form(app.extensions["formflow"], people["root"].actor, "crm", "customer")
    payload = b'{"name": "' + b"x" * (web_forms.MAX_PUBLIC_BODY_BYTES * 4) + b'"}'
    response, took = _timed(lambda: app.test_client().post(
        f"/f/{link['token']}", input_stream=io.BytesIO(payload), content_type="application/json",
        headers={"Transfer-Encoding": "chunked"}, environ_overrides={"wsgi.input_terminated": True}))
    # werkzeug stops reading a chunked body at the route's budget (what it read is cut JSON: 422); nothing is stored
    assert response.status_code in (413, 422) and took < ANSWER_WITHIN_SECONDS, response.status_code
    assert people["root"].client.get("/api/apps/crm/forms/customer/records").get_json()["total"] == len(crm)


# -- 13: template renders ----------------------------------------------------------------------------------------

SCOPE = VariableScope.from_fields([{"id": "name", "type": "text"}])


def _render(source: str, kind: str = "text") -> str:
    return compile_template(source, SCOPE, name="attack", kind=kind).render({"record": {"name": "Acme"}})


def test_attack_template_loop_over_big_joins_stops_at_the_time_budget():
    started = time.perf_counter()
    with pytest.raises(TemplateError) as caught:
        _render(bombs.LONG_LOOP_TEMPLATE)
    took = time.perf_counter() - started
    assert "longer than" in caught.value.message and caught.value.template == "attack"
    assert took < MAX_RENDER_SECONDS + 1.0, took


@pytest.mark.parametrize("source, reason", [
    ('{{ range(1000)|join("x" * 1000) }}', "'join' would make text longer"),
    ('{% set a = "x" * 60000 %}{{ a ~ a }}', "'~' would make text longer"),
    ('{% set a = "x" * 60000 %}{{ a + a }}', "'+' would make text longer"),
    ('{% set a = ["x" * 1000] * 1000 %}{{ a|length }}', "repeating text"),
    ('{% set a = ["x" * 1000] * 90 %}{{ [a, a]|string }}', "'string' would make text longer"),
    ('{{ [[1]]|sum(start=[]) }}', "sum adds numbers"),
    ('{% set a = "%" * 50000 %}{{ a|urlencode }}', "a filter made text longer"),
    ('{% set a = "x" * 90000 %}{% set b %}{% for i in range(20) %}{{ a }}{% endfor %}{% endset %}{{ b|length }}',
     "builds more than"),
    ('{% set b %}{% for i in range(1000) %}' + "y" * 2000 + '{% endfor %}{% endset %}{{ b|length }}', "builds more than"),
])
def test_attack_template_text_builders_are_sized_before_the_text_is_made(source, reason):
    started = time.perf_counter()
    with pytest.raises(TemplateError) as caught:
        _render(source)
    assert reason in caught.value.message and time.perf_counter() - started < ANSWER_WITHIN_SECONDS


def test_attack_striptags_on_a_wall_of_brackets_is_linear():
    started = time.perf_counter()
    assert _render('{% set a = "<>" * 50000 %}{{ (a|striptags)|length }}') == "0"
    assert time.perf_counter() - started < 0.5
    assert _render('{{ "Main &raquo;\t<em>About</em> <!-- x > y -->"|striptags }}') == "Main » About"


def test_templates_within_the_budget_render_as_before():
    assert _render('Hi {{ record.name ~ "!" }} {% for i in range(3) %}{{ i }},{% endfor %} {{ [1, 2]|join("-") }}') == "Hi Acme! 0,1,2, 1-2"
    assert _render('<p>{{ record.name ~ "<b>" }}</p>', kind="html") == "<p>Acme&lt;b&gt;</p>"


def test_attack_template_preview_with_a_long_loop_is_422_in_time(app, crm, people):
    root = people["root"].client
    content = {"default": {"subject": "Loop", "body": bombs.LONG_LOOP_TEMPLATE}}
    created = root.post("/api/apps/crm/notification-templates", json={"key": "loop", "form": "customer", "label": "Loop",
                                                                       "content": content})
    assert created.status_code == 201, created.get_json()
    response, took = _timed(lambda: root.post("/api/apps/crm/notification-templates/loop/preview", json={"record_id": crm["ann"]}))
    assert response.status_code == 422 and took < ANSWER_WITHIN_SECONDS, (response.status_code, took)
    error = response.get_json()["error"]
    assert error["template"].startswith("loop") and "longer than" in error["message"]
