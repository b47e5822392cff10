"""The record store on SQLite and PostgreSQL: validation, concurrency, audit, delete/restore, versions."""
import copy

import pytest

from engine.errors import DefinitionInvalid, NotFound, PreconditionFailed, ValidationFailed
from engine.services import forms as fs, queries as qs, records as rs
from tests.core.sample import CUSTOMER, FOLLOW_UP, install


@pytest.fixture
def crm(rt, system):
    install(rt, system)
    return rt


def test_create_normalizes_and_numbers(crm, system, clock):
    rec = rs.create_record(crm, system, "crm", "customer", {
        "name": "  ACME 有限公司 ", "phone": "+86 138-0013-8000", "email": "Sales@ACME.com", "revenue": "1,234.5",
        "employees": 12, "tags": ["vip"], "since": "2020-01-02", "active": True})
    data = rec["data"]
    assert data["name"] == "ACME 有限公司"
    assert data["phone"] == "+8613800138000"
    assert data["email"] == "sales@acme.com"
    assert data["revenue"] == "1234.50"
    assert data["serial"] == "KH-20260309-0001"  # 00:00Z is 08:00 in Shanghai
    assert rec["version"] == 1 and rec["form_version"] == 1


def test_every_error_at_once_with_paths(crm, system):
    with pytest.raises(ValidationFailed) as info:
        rs.create_record(crm, system, "crm", "customer", {
            "name": "x" * 300, "level": "vip", "employees": "many", "email": "nope", "ghost": 1, "serial": "KH-1"})
    errors = {e.path: e for e in info.value.errors}
    assert set(errors) == {"/data/name", "/data/level", "/data/employees", "/data/email", "/data/ghost", "/data/serial"}
    assert errors["/data/name"].label == "Name"
    assert "too long" in errors["/data/name"].message
    assert errors["/data/serial"].code == "read_only"


def test_required_and_naive_datetime(crm, system):
    cust = rs.create_record(crm, system, "crm", "customer", {"name": "A"})
    with pytest.raises(ValidationFailed) as info:
        rs.create_record(crm, system, "crm", "follow_up", {"next_follow_up": "2026-03-10T15:00:00"})
    paths = {e.path: e.message for e in info.value.errors}
    assert "is required" in paths["/data/customer"]
    assert "time zone" in paths["/data/next_follow_up"]
    ok = rs.create_record(crm, system, "crm", "follow_up", {"customer": cust["id"], "next_follow_up": "2026-03-10T15:00:00+08:00",
                                                             "items": [{"product": "Widget", "qty": 2}]})
    assert ok["data"]["next_follow_up"] == "2026-03-10T07:00:00Z"


def test_reference_must_exist_in_target_form(crm, system):
    fu = rs.create_record(crm, system, "crm", "customer", {"name": "A"})
    with pytest.raises(ValidationFailed) as info:
        rs.create_record(crm, system, "crm", "follow_up", {"customer": fu["id"] + 100})
    assert info.value.errors[0].path == "/data/customer"


def test_stale_edit_gets_412_and_overwrites_nothing(crm, system):
    rec = rs.create_record(crm, system, "crm", "customer", {"name": "A"})
    rs.update_record(crm, system, "crm", "customer", rec["id"], {"level": "key"}, if_match=1)
    with pytest.raises(PreconditionFailed):
        rs.update_record(crm, system, "crm", "customer", rec["id"], {"level": "main"}, if_match=1)
    assert rs.get_record(crm, system, "crm", "customer", rec["id"])["data"]["level"] == "key"


def test_audit_row_for_every_write(crm, system, clock):
    rec = rs.create_record(crm, system, "crm", "customer", {"name": "A"})
    clock.advance(minutes=5)
    rs.update_record(crm, system, "crm", "customer", rec["id"], {"name": "B", "level": "main"})
    rs.delete_record(crm, system, "crm", "customer", rec["id"])
    rs.restore_record(crm, system, "crm", "customer", rec["id"])
    history = rs.record_history(crm, system, "crm", "customer", rec["id"])
    assert [h["action"] for h in history] == ["create", "update", "delete", "restore"]
    update = {c["field_id"]: (c["from"], c["to"]) for c in history[1]["changes"]}
    assert update == {"name": ("A", "B"), "level": (None, "main")}
    assert history[1]["at"] == "2026-03-09T00:05:00Z"


def test_delete_and_restore(crm, system):
    rec = rs.create_record(crm, system, "crm", "customer", {"name": "A"})
    rs.delete_record(crm, system, "crm", "customer", rec["id"])
    with pytest.raises(NotFound):
        rs.get_record(crm, system, "crm", "customer", rec["id"])
    assert qs.list_records(crm, system, "crm", "customer", qs.Query())["total"] == 0
    restored = rs.restore_record(crm, system, "crm", "customer", rec["id"])
    assert restored["deleted_at"] is None and restored["data"]["name"] == "A"


def test_rename_keeps_data_and_delete_field_is_restorable(crm, system):
    rec = rs.create_record(crm, system, "crm", "customer", {"name": "A", "phone": "123456"})
    draft = fs.get_draft(crm, "crm", "customer")["definition"]
    draft["fields"][1]["label"] = {"en": "Company name", "zh-CN": "公司名称"}
    draft["fields"][4]["deleted"] = True  # phone
    fs.save_draft(crm, system, "crm", "customer", draft)
    assert fs.publish_form(crm, system, "crm", "customer")["version"] == 2
    got = rs.get_record(crm, system, "crm", "customer", rec["id"])
    assert got["data"]["name"] == "A" and got["data"]["phone"] == "123456"
    with pytest.raises(ValidationFailed):
        rs.update_record(crm, system, "crm", "customer", rec["id"], {"phone": "999"})
    updated = rs.update_record(crm, system, "crm", "customer", rec["id"], {"level": "key"})
    assert updated["data"]["phone"] == "123456" and updated["form_version"] == 2
    draft["fields"][4]["deleted"] = False
    fs.save_draft(crm, system, "crm", "customer", draft)
    fs.publish_form(crm, system, "crm", "customer")
    assert rs.update_record(crm, system, "crm", "customer", rec["id"], {"phone": "888"})["data"]["phone"] == "888"


def test_published_field_cannot_vanish(crm, system):
    draft = fs.get_draft(crm, "crm", "customer")["definition"]
    del draft["fields"][4]
    with pytest.raises(DefinitionInvalid) as info:
        fs.save_draft(crm, system, "crm", "customer", draft)
    assert any("mark it deleted" in e.message and e.field_id == "phone" for e in info.value.errors)


def test_type_change_refused_with_count(crm, system):
    for name in ("A", "B", "C"):
        rs.create_record(crm, system, "crm", "customer", {"name": name, "email": f"{name}@x.io"})
    draft = fs.get_draft(crm, "crm", "customer")["definition"]
    draft["fields"][1] = {**draft["fields"][1], "type": "number"}
    fs.save_draft(crm, system, "crm", "customer", draft)
    with pytest.raises(DefinitionInvalid) as info:
        fs.publish_form(crm, system, "crm", "customer")
    err = info.value.errors[0]
    assert err.path == "/fields/1/type" and err.extra["affected_records"] == 3
    assert fs.get_version(crm, "crm", "customer", 1)["definition"]["fields"][1]["type"] == "text"
    # a compatible change publishes
    draft["fields"][1] = {**draft["fields"][1], "type": "textarea"}
    fs.save_draft(crm, system, "crm", "customer", draft)
    assert fs.publish_form(crm, system, "crm", "customer")["version"] == 2


def test_diff_and_draft_revision_guard(crm, system):
    draft = fs.get_draft(crm, "crm", "customer")
    d = copy.deepcopy(draft["definition"])
    d["fields"].append({"id": "website", "type": "url"})
    fs.save_draft(crm, system, "crm", "customer", d, if_revision=draft["draft_revision"])
    with pytest.raises(PreconditionFailed):
        fs.save_draft(crm, system, "crm", "customer", d, if_revision=draft["draft_revision"])
    changes = fs.diff_form(crm, "crm", "customer")["changes"]
    assert {"change": "field_added", "field_id": "website", "type": "url"} in changes


def test_queries_filter_sort_search_page(crm, system):
    for i in range(30):
        rs.create_record(crm, system, "crm", "customer", {
            "name": f"Company {i:02d}", "employees": i * 10, "level": "key" if i % 3 == 0 else "main",
            "revenue": str(1000 - i), "active": i % 2 == 0, "tags": ["vip"] if i < 5 else []})
    Q = qs.Query
    F = qs.Filter
    res = qs.list_records(crm, system, "crm", "customer", Q(filters=[F("level", "eq", "key"), F("employees", "ge", 100)],
                                                           sort=[("employees", "desc")], page_size=3))
    assert res["total"] == 6 and [r["data"]["employees"] for r in res["items"]] == [270, 240, 210]
    res = qs.list_records(crm, system, "crm", "customer", Q(sort=[("revenue", "asc")], page=2, page_size=5, fields=["name"]))
    assert [r["data"] for r in res["items"]][0] == {"name": "Company 24"}
    assert qs.list_records(crm, system, "crm", "customer", Q(search="company 1"))["total"] == 10
    assert qs.list_records(crm, system, "crm", "customer", Q(filters=[F("active", "eq", True)]))["total"] == 15
    assert qs.list_records(crm, system, "crm", "customer", Q(filters=[F("tags", "contains", "vip")]))["total"] == 5
    assert qs.list_records(crm, system, "crm", "customer", Q(filters=[F("employees", "between", [50, 80])]))["total"] == 4
    assert qs.list_records(crm, system, "crm", "customer", Q(filters=[F("level", "in", ["key", "main"])]))["total"] == 30
    assert qs.list_records(crm, system, "crm", "customer", Q(filters=[F("email", "empty")]))["total"] == 30
    assert qs.list_records(crm, system, "crm", "customer", Q(filters=[F("name", "contains", "ANY 2")]))["total"] == 10
    with pytest.raises(ValidationFailed) as info:
        qs.list_records(crm, system, "crm", "customer", Q(filters=[F("ghost", "eq", 1), F("name", "like", "x")], sort=[("nope", "asc")]))
    assert {e.path for e in info.value.errors} == {"/filters/0/field", "/filters/1/op", "/sort/0"}


def test_empty_values_sort_last_ascending_first_descending_on_both_databases(crm, system, monkeypatch):
    for name, employees in (("a", 5), ("b", None), ("c", 1)):
        rs.create_record(crm, system, "crm", "customer", {"name": name, "employees": employees})
    Q = qs.Query
    asc = qs.list_records(crm, system, "crm", "customer", Q(sort=[("employees", "asc")]))
    desc = qs.list_records(crm, system, "crm", "customer", Q(sort=[("employees", "desc")]))
    assert [r["data"]["name"] for r in asc["items"]] == ["c", "a", "b"]
    assert [r["data"]["name"] for r in desc["items"]] == ["b", "a", "c"]
    # counting is optional and capped; has_more tells whether another page exists
    page = qs.list_records(crm, system, "crm", "customer", Q(page_size=2, count=False))
    assert page["total"] is None and page["has_more"] is True and len(page["items"]) == 2
    last = qs.list_records(crm, system, "crm", "customer", Q(page=2, page_size=2))
    assert last["has_more"] is False and last["total"] == 3 and last["total_exact"] is True
    monkeypatch.setattr(qs, "MAX_EXACT_TOTAL", 2)
    capped = qs.list_records(crm, system, "crm", "customer", Q())
    assert capped["total"] >= 3 and capped["total_exact"] is False and capped["total_is_estimate"] is True


def test_automatic_indexes_exist(crm):
    import sqlalchemy as sa

    with crm.db.read() as conn:
        if conn.dialect.name == "postgresql":
            names = set(conn.execute(sa.text("select indexname from pg_indexes where tablename = 'records'")).scalars())
        else:
            names = set(conn.execute(sa.text("select name from sqlite_master where type = 'index' and tbl_name = 'records'")).scalars())
    assert any("_name_" in n for n in names) and any("_employees_" in n for n in names)
