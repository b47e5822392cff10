"""REST: the import steps end to end (multipart upload, mapping, preview, commit, progress, refused rows) and the
CSV / XLSX exports of a list view (filters, sort, display text, field permissions, formulas neutralized)."""
import csv
import io

import pytest
from openpyxl import load_workbook

from engine.runtime import Actor
from engine.services import credentials, permissions, records as record_service, users
from tests.imports.conftest import xlsx_bytes

BASE = "/api/apps/crm/forms/customer"
ROWS = [["Customer name", "Industry", "Customer level", "Mobile", "E-mail", "Remarks"],
        ["Acme Trading", "Manufacturing", "Key", 13800138000, "sales@acme.com", "=HYPERLINK(\"http://evil\")"],
        ["Beta Works", "零售", "普通", "13800138001", "bad-email", ""],
        ["ACME trading co., ltd.", "Retail", "Main", "13800138002", "x@acme.com", "duplicate of line 2"],
        ["Gamma", "Finance", "Ordinary", "13800138003", "g@gamma.com", "@SUM(1)"]]


def upload(client, data: bytes, name="customers.xlsx", **form):
    return client.post(f"{BASE}/imports", data={"file": (io.BytesIO(data), name), **form}, content_type="multipart/form-data")


def test_import_through_the_api(api_crm, client):
    data = xlsx_bytes(ROWS)  # once: a workbook saved a second later has another timestamp, so is another file
    created = upload(client, data, run_automations="false")
    assert created.status_code == 201, created.get_json()
    job = created.get_json()
    assert job["format"] == "xlsx" and job["rows"] == 4 and job["options"] == {"run_automations": False}
    assert [c["field"] for c in job["columns"]] == ["name", "industry", "level", "phone", "email", "remarks"]
    assert upload(client, data).get_json()["id"] == job["id"]  # the same file again: the same job (200)
    url = f"{BASE}/imports/{job['id']}"

    bad = client.put(f"{url}/mapping", json={"mapping": {"Remarks": "serial", "nope": "name"}})
    assert bad.status_code == 422 and {e["path"] for e in bad.get_json()["error"]["errors"]} == {"/mapping/Remarks", "/mapping/nope"}
    assert client.put(f"{url}/mapping", json={"mapping": {"Customer name": "name", "Industry": "industry", "Customer level": "level",
                                                          "Mobile": "phone", "E-mail": "email", "Remarks": "remarks"}}).status_code == 200

    seen = client.post(f"{url}/preview")
    assert seen.status_code == 200
    body = seen.get_json()
    assert body["counts"] == {"valid": 2, "invalid": 1, "duplicate": 1}
    assert [(p["line"], p["errors"][0]["column"], p["errors"][0]["code"]) for p in body["problems"]] == [
        (3, "E-mail", "invalid"), (4, "Customer name", "duplicate_in_file")]

    done = client.post(f"{url}/commit", json={"batch_size": 1})
    assert done.status_code == 200 and done.get_json()["counts"] == {"committed": 2, "invalid": 1, "duplicate": 1}
    progress = client.get(url).get_json()
    assert progress["status"] == "done" and progress["progress"] == {"done": 2, "total": 2}
    assert [j["id"] for j in client.get(f"{BASE}/imports").get_json()["items"]] == [job["id"]]

    refused = client.get(f"{url}/refused.csv")
    assert refused.status_code == 200 and refused.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(refused.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r[:3] for r in rows[1:]] == [["3", "invalid", "E-mail: is not an email address"],
                                        ["4", "duplicate", "Customer name: the same Customer name as line 2"]]


@pytest.mark.parametrize("path, method, body, status", [
    ("/imports/999", "get", None, 404),
    ("/imports/999/preview", "post", None, 404),
    ("/imports/999/refused.csv", "get", None, 404),
    ("/imports/999/commit", "post", {"batch_size": 0}, 422),
    ("/imports/999/mapping", "put", {"mapping": "name"}, 422),
])
def test_refused_requests_are_4xx_with_a_path(api_crm, client, path, method, body, status):
    response = getattr(client, method)(BASE + path, json=body) if body is not None else getattr(client, method)(BASE + path)
    assert response.status_code == status
    assert response.get_json()["error"]["code"]


def test_uploads_that_cant_be_imported_are_refused(api_crm, client):
    assert client.post(f"{BASE}/imports", data={}, content_type="multipart/form-data").status_code == 422
    assert upload(client, b"just,titles\n", "c.csv").get_json()["error"]["errors"][0]["code"] == "empty"
    assert upload(client, b"PK\x03\x04 broken", "c.xlsx").status_code == 422
    assert client.post("/api/apps/crm/forms/nope/imports", data={"file": (io.BytesIO(b"a\n1\n"), "c.csv")},
                       content_type="multipart/form-data").status_code == 404


def _customers(rt):
    for name, level, email in [("Acme", "key", "a@acme.com"), ("=cmd|' /C calc'!A0", "main", "evil@x.com"),
                               ("-2+3", "ordinary", "m@x.com"), ("Zeta", "key", "z@x.com")]:
        record_service.create_record(rt, Actor.system(), "crm", "customer", {"name": name, "level": level, "email": email})


def test_xlsx_export_is_readable_by_openpyxl_with_display_text_filters_and_sort(api_crm, client):
    _customers(api_crm)
    response = client.get(f"{BASE}/records/export.xlsx?filter.level=key&sort=-name&lang=zh-CN")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows[0]
    assert header[:3] == ["id", "客户编号", "客户名称"] and "客户等级" in header
    assert [r[header.index("客户名称")] for r in rows[1:]] == ["Zeta", "Acme"]  # the filter and the sort apply
    assert {r[header.index("客户等级")] for r in rows[1:]} == {"重点"}  # display text, in the reader's language


def test_csv_and_xlsx_exports_neutralize_formulas(api_crm, client):
    _customers(api_crm)
    text = client.get(f"{BASE}/records/export.csv?sort=id").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    name = rows[0].index("Customer name")
    assert [r[name] for r in rows[1:]] == ["Acme", "'=cmd|' /C calc'!A0", "'-2+3", "Zeta"]
    book = load_workbook(io.BytesIO(client.get(f"{BASE}/records/export.xlsx?sort=id").data))  # not read-only: cell types
    cells = [row[name] for row in book.worksheets[0].iter_rows(min_row=2)]
    assert [c.value for c in cells] == ["Acme", "'=cmd|' /C calc'!A0", "'-2+3", "Zeta"]
    assert all(c.data_type == "s" for c in cells)  # text, never a formula


def test_exports_leave_out_fields_the_reader_may_not_see_and_rows_outside_their_scope(app, api_crm, client):
    admin = Actor.system()
    ann = users.create_user(api_crm, admin, "ann", roles=["member"], check=False)
    permissions.set_grant(api_crm, admin, "crm", "customer", "member",
                          {"create": True, "read": "own", "update": "own", "delete": "own", "fields": {"email": "hidden"}})
    record_service.create_record(api_crm, admin, "crm", "customer", {"name": "Ann's", "email": "secret@x.com"}, owner_id=ann["id"])
    record_service.create_record(api_crm, admin, "crm", "customer", {"name": "Someone else's", "email": "other@x.com"})
    token = credentials.create_token(api_crm, Actor(ann["id"], f"user:{ann['id']}", frozenset({"member"})), "t")["token"]
    reader = app.test_client()
    reader.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    text = reader.get(f"{BASE}/records/export.csv").get_data(as_text=True)
    assert "Email" not in text and "secret@x.com" not in text and "Someone else" not in text and "Ann's" in text
    sheet = load_workbook(io.BytesIO(reader.get(f"{BASE}/records/export.xlsx").data), read_only=True).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert "Email" not in rows[0] and len(rows) == 2
    assert reader.get(f"{BASE}/records/export.xlsx?sort=email").status_code == 422  # can't even sort by it
    full = client.get(f"{BASE}/records/export.csv").get_data(as_text=True)
    assert "secret@x.com" in full  # the admin sees it
