"""What the field-type walks share: one "visit" form of the "crm" app driven through the REST API (publish, records,
list filters, exports, imports, notification templates, dashboards), with the admin test client of tests/conftest.py."""
from __future__ import annotations

import csv
import io

import openpyxl
from PIL import Image

APP = "/api/apps/crm"
FORM = f"{APP}/forms/visit"


def png(size=(640, 480), colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def jpeg(size=(1200, 900)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 90, 200)).save(out, "JPEG")
    return out.getvalue()


def definition(field: dict, rules=(), validations=(), extra_fields=()) -> dict:
    return {"key": "visit", "label": {"en": "Visit", "zh-CN": "拜访"},
            "fields": [{"id": "title", "type": "text", "label": {"en": "Title", "zh-CN": "标题"}}, field, *extra_fields],
            "rules": list(rules), "validations": list(validations)}


def publish(client, form: dict) -> None:
    assert client.post("/api/apps", json={"key": "crm", "label": "CRM"}).status_code == 201
    created = client.post(f"{APP}/forms", json=form)
    assert created.status_code == 201, created.get_json()
    published = client.post(f"{FORM}/publish")
    assert published.status_code == 201, published.get_json()


def create(client, data: dict):
    return client.post(f"{FORM}/records", json={"data": data})


def upload(client, field: str, content: bytes, name: str, mimetype: str):
    return client.post(f"/api/attachments?app=crm&form=visit&field={field}", data={"file": (io.BytesIO(content), name, mimetype)},
                       content_type="multipart/form-data")


def ids(client, query: str) -> list[int]:
    r = client.get(f"{FORM}/records?{query}")
    assert r.status_code == 200, r.get_json()
    return sorted(item["id"] for item in r.get_json()["items"])


def shown(client, record_id: int, field: str) -> str:
    """The list's display text of one record's field."""
    items = client.get(f"{FORM}/records/table?per_page=200").get_json()["items"]
    return next(item["display"][field] for item in items if item["id"] == record_id)


def cell(rows: list[list], record_id: int, column: int):
    """An export's cell of one record (rows: the header, then one per record)."""
    return next(row[column] for row in rows[1:] if str(row[0]) == str(record_id))


def csv_rows(client) -> list[list[str]]:
    r = client.get(f"{FORM}/records/export.csv")
    assert r.status_code == 200
    return list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))


def xlsx_rows(client) -> list[list]:
    r = client.get(f"{FORM}/records/export.xlsx")
    assert r.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(r.data)).active
    return [[c.value for c in row] for row in sheet.iter_rows()]


def import_rows(client, rows: list[list[str]], mapping: dict | None = None) -> dict:
    """Upload *rows* as CSV, map by the suggested columns (or *mapping*), commit; the job's columns, preview and counts."""
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    job = client.post(f"{FORM}/imports", data={"file": (io.BytesIO(text.getvalue().encode()), "back.csv")},
                      content_type="multipart/form-data")
    assert job.status_code == 201, job.get_json()
    url = f"{FORM}/imports/{job.get_json()['id']}"
    if mapping is not None:
        mapped = client.put(f"{url}/mapping", json={"mapping": mapping})
        if mapped.status_code != 200:
            return {"refused": mapped}
    preview = client.post(f"{url}/preview").get_json()
    done = client.post(f"{url}/commit", json={}).get_json()
    return {"job": job.get_json(), "columns": [c.get("field") for c in job.get_json()["columns"]], "preview": preview, "done": done}


def template(client, body: str, record_id: int) -> str:
    base = f"{APP}/notification-templates"
    made = client.post(base, json={"key": "note", "form": "visit", "label": {"en": "Note"},
                                   "content": {"default": {"subject": "Visit", "body": body}}})
    assert made.status_code == 201, made.get_json()
    preview = client.post(f"{base}/note/preview", json={"record_id": record_id})
    assert preview.status_code == 200, preview.get_json()
    client.delete(f"{base}/note")
    return preview.get_json()["body"]


def chart(client, spec: dict):
    """One chart of a dashboard on the visit form: its value, or {group label: value}."""
    made = client.post(f"{APP}/dashboards", json={"key": "d", "label": "D", "charts": [{"key": "c", "title": "C", "form": "visit", **spec}]})
    assert made.status_code == 201, made.get_json()
    data = client.get(f"{APP}/dashboards/d/data").get_json()["charts"][0]
    client.delete(f"{APP}/dashboards/d")
    label = (lambda g: g["label"]["en"] if isinstance(g["label"], dict) else g["label"])
    return {label(g): g["value"] for g in data["groups"]} if "groups" in data else data["value"]


def errors(response) -> list[tuple[str, str]]:
    return [(e["path"], e.get("code")) for e in response.get_json()["error"]["errors"]]


def republish(client, change) -> None:
    """Publish the form again after ``change(definition)`` edited its draft (in place)."""
    draft = client.get(f"{FORM}/draft")
    assert draft.status_code == 200, draft.get_json()
    form = draft.get_json()["definition"]
    change(form)
    saved = client.put(f"{FORM}/draft", json=form, headers={"If-Match": draft.headers["ETag"]})
    assert saved.status_code == 200, saved.get_json()
    published = client.post(f"{FORM}/publish")
    assert published.status_code == 201, published.get_json()


def duplicates_of(client, data: dict) -> list[int]:
    """The records the duplicate check says *data* collides with."""
    found = client.post(f"{FORM}/duplicates", json={"data": data})
    assert found.status_code == 200, found.get_json()
    return [m["record_id"] for m in found.get_json()["matches"]]
