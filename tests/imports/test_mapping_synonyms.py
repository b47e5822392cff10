"""Import mapping by similarity and synonyms (行业 -> 所属行业, 客户级别 -> 客户等级, 地区 -> 所在区域), the columns
that will not be imported said before the import, and values the field type finds doubtful (a phone of five digits)
flagged in the preview; service and REST, on SQLite and PostgreSQL."""
import io

from engine.imports import jobs, mapping
from engine.runtime import Actor
from engine.services.form_lookup import compiled_form
from tests.imports.conftest import csv_bytes

HEADER = ["客户名称", "行业", "来源", "客户级别", "地区", "电话", "奇怪的列"]
ROWS = [HEADER,
        ["甲公司", "制造业", "网页表单", "重点", "华东", "13800138000", "x"],
        ["乙公司", "制造业", "网页表单", "重点", "华东", "12345", "y"]]
BASE = "/api/apps/crm/forms/customer"


def test_similar_and_synonym_titles_are_matched_against_the_crm_customer_form(crm):
    with crm.db.read() as conn:
        form = compiled_form(crm, conn, "crm", "customer")
    got = mapping.suggest_mapping(form, HEADER)
    assert got == {"0": "name", "1": "industry", "2": "source", "3": "level", "4": "region", "5": "phone"}
    assert mapping.core_key("客户级别") == mapping.core_key("客户等级")
    assert mapping.core_key("地区") == mapping.core_key("所在区域")
    # English titles: affixes and synonyms of the English table, ids and labels
    assert mapping.suggest_mapping(form, ["Client tier", "Territory", "Lead source"]) == {"0": "level", "1": "region", "2": "source"}
    # a title alike to no field (or alike to two fields equally) stays unmatched
    assert mapping.suggest_mapping(form, ["奇怪的列", "日期"]) == {}


def test_preview_names_the_skipped_columns_and_flags_a_five_digit_phone(crm):
    system = Actor.system()
    job = jobs.create_job(crm, system, "crm", "customer", "c.csv", csv_bytes(ROWS))
    assert job["not_imported"] == ["奇怪的列"]
    seen = jobs.preview(crm, system, "crm", "customer", job["id"])
    assert seen["counts"] == {"valid": 1, "invalid": 1}, seen
    (problem,) = seen["problems"]
    assert problem["line"] == 3
    (error,) = problem["errors"]
    assert error["field_id"] == "phone" and error["code"] == "doubtful" and "12345" in error["message"]


def test_rest_upload_reports_matches_and_not_imported_columns(api_crm, client):
    created = client.post(f"{BASE}/imports", data={"file": (io.BytesIO(csv_bytes(ROWS)), "c.csv")}, content_type="multipart/form-data")
    assert created.status_code == 201, created.get_json()
    job = created.get_json()
    assert [c["field"] for c in job["columns"]] == ["name", "industry", "source", "level", "region", "phone", None]
    assert job["not_imported"] == ["奇怪的列"]
    seen = client.post(f"{BASE}/imports/{job['id']}/preview").get_json()
    assert [e["code"] for p in seen["problems"] for e in p["errors"]] == ["doubtful"]
