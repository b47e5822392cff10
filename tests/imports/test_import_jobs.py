"""Import jobs on SQLite and PostgreSQL: preview names each bad row's problem, duplicates within the file and against
the database, commit imports exactly the good unique rows, a crash mid-import and a re-run end with the same result,
and automations run or not as the job says."""
import csv
import io

import pytest
import sqlalchemy as sa

from engine.errors import Conflict, NotFound, ValidationFailed
from engine.imports import jobs
from engine.imports.tables import import_rows
from engine.runtime import Actor
from engine.services import queries, records as record_service
from tests.imports.conftest import csv_bytes, xlsx_bytes

SYSTEM = Actor.system()
HEADER = ["客户名称", "所属行业", "客户等级", "手机", "Email", "备注"]
FILE = [
    HEADER,
    ["华为技术有限公司", "制造业", "重点", "１３８００１３８０００", "hw@huawei.com", "good"],          # 2 good (full-width phone)
    ["坏邮箱公司", "制造业", "普通", "13800000001", "not-an-email", "bad email"],                     # 3 invalid
    ["", "制造业", "普通", "13800000002", "x@y.com", "no name"],                                      # 4 invalid: required
    ["华为技术", "零售", "重点", "+86 138-0013-8000", "other@x.com", "same name and phone as 2"],      # 5 duplicate in file
    ["Acme Co., Ltd.", "制造业", "重点", "13800000003", "acme@x.com", "same as the record in the DB"],  # 6 duplicate in DB
    ["外星公司", "外星", "重点", "13800000004", "a@b.com", "unknown industry"],                        # 7 invalid
    ["好公司", "信息技术/互联网", "Main", "13800000005", "GOOD@X.COM", "good, labels in en"],          # 8 good
]


def names(rt) -> list[str]:
    found = queries.list_records(rt, SYSTEM, "crm", "customer", queries.Query(page_size=500, sort=[("id", "asc")]))
    return [r["data"]["name"] for r in found["items"]]


def test_preview_names_each_bad_row_and_commit_imports_exactly_the_good_unique_rows(crm):
    record_service.create_record(crm, SYSTEM, "crm", "customer", {"name": "ACME", "phone": "13900000000"})
    job = jobs.create_job(crm, SYSTEM, "crm", "customer", "客户.csv", csv_bytes(FILE, "gb18030"))
    assert job["encoding"] == "gb18030" and job["rows"] == 7 and not job["unmapped_required"]
    assert job["mapping"] == {"0": "name", "1": "industry", "2": "level", "3": "phone", "4": "email", "5": "remarks"}

    seen = jobs.preview(crm, SYSTEM, "crm", "customer", job["id"])
    assert seen["counts"] == {"valid": 2, "invalid": 3, "duplicate": 2}
    problems = {p["line"]: p["errors"] for p in seen["problems"]}
    assert sorted(problems) == [3, 4, 5, 6, 7]
    assert problems[3] == [{"column": "Email", "field_id": "email", "label": "Email", "message": "is not an email address", "code": "invalid",
                           "message_code": "error.value.email", "params": {}}]  # coded: the preview reads it in the reader's language
    assert problems[4][0]["code"] == "required" and problems[4][0]["column"] == "客户名称"
    assert {(e["code"], e["line"], e["rule"]) for e in problems[5]} == {("duplicate_in_file", 2, "name"), ("duplicate_in_file", 2, "phone")}
    assert problems[6] == [{"column": "客户名称", "field_id": "name", "label": "Customer name", "message": "same as record #1 'ACME'",
                            "code": "duplicate", "message_code": "error.import.same_as_record", "params": {"id": 1, "title": "'ACME'"},
                            "record_id": 1, "title": "ACME", "rule": "name"}]
    assert problems[7][0]["column"] == "所属行业" and "'外星' is not one of the choices" in problems[7][0]["message"]
    assert names(crm) == ["ACME"]  # a preview saves nothing

    done = jobs.commit(crm, SYSTEM, "crm", "customer", job["id"], batch_size=1)
    assert done["status"] == "done" and done["counts"] == {"committed": 2, "invalid": 3, "duplicate": 2}
    assert done["progress"] == {"done": 2, "total": 2}
    assert names(crm) == ["ACME", "华为技术有限公司", "好公司"]
    imported = queries.list_records(crm, SYSTEM, "crm", "customer", queries.Query(filters=[queries.Filter("name", "eq", "好公司")]))["items"][0]
    assert imported["data"]["industry"] == "it" and imported["data"]["level"] == "main" and imported["data"]["email"] == "good@x.com"
    assert imported["data"]["serial"].startswith("KH-")  # the whole write path ran: serial, dedup keys, audit

    refused = list(csv.reader(io.StringIO("".join(jobs.refused_csv(crm, SYSTEM, "crm", "customer", job["id"])).lstrip("\ufeff"))))
    assert refused[0] == ["line", "state", "reason"] + HEADER
    assert [r[0] for r in refused[1:]] == ["3", "4", "5", "6", "7"]
    assert refused[1][2] == "Email: is not an email address" and refused[1][3:] == FILE[2]
    assert refused[4][2] == "客户名称: same as record #1 'ACME'"
    assert refused[3][6] == "'+86 138-0013-8000"  # the original cell, neutralized for spreadsheets

    again = jobs.commit(crm, SYSTEM, "crm", "customer", job["id"])  # committing a done job again changes nothing
    assert again["counts"] == done["counts"] and len(names(crm)) == 3


def test_the_same_file_uploaded_again_resumes_its_unfinished_job_and_a_finished_one_is_refused_as_duplicates(crm):
    data = xlsx_bytes(FILE)
    first = jobs.create_job(crm, SYSTEM, "crm", "customer", "c.xlsx", data)
    assert first["format"] == "xlsx" and not first["resumed"]
    assert jobs.create_job(crm, SYSTEM, "crm", "customer", "c.xlsx", data)["id"] == first["id"]
    jobs.commit(crm, SYSTEM, "crm", "customer", first["id"])  # previews first when needed
    second = jobs.create_job(crm, SYSTEM, "crm", "customer", "c.xlsx", data)
    assert second["id"] != first["id"]
    checked = jobs.preview(crm, SYSTEM, "crm", "customer", second["id"])
    assert checked["counts"].get("valid", 0) == 0  # everything good is already in: duplicates against the database
    assert {p["line"] for p in checked["problems"] if p["state"] == "duplicate"} >= {2, 8}


def test_mapping_can_be_changed_until_the_commit_starts(crm):
    job = jobs.create_job(crm, SYSTEM, "crm", "customer", "c.csv", csv_bytes(FILE))
    changed = jobs.set_mapping(crm, SYSTEM, "crm", "customer", job["id"], {"客户名称": "name", "备注": None, "手机": "phone"})
    assert changed["mapping"] == {"0": "name", "3": "phone"} and changed["status"] == "uploaded"
    assert [c["field"] for c in changed["columns"]] == ["name", None, None, "phone", None, None]
    seen = jobs.preview(crm, SYSTEM, "crm", "customer", job["id"])
    assert seen["counts"] == {"valid": 5, "invalid": 1, "duplicate": 1}  # email and industry no longer read: lines 3 and 7 pass
    with pytest.raises(ValidationFailed):
        jobs.set_mapping(crm, SYSTEM, "crm", "customer", job["id"], {"客户名称": "serial"})
    jobs.commit(crm, SYSTEM, "crm", "customer", job["id"])
    with pytest.raises(Conflict):
        jobs.set_mapping(crm, SYSTEM, "crm", "customer", job["id"], {"客户名称": "name"})
    with pytest.raises(NotFound):
        jobs.get_job(crm, SYSTEM, "crm", "contact", job["id"])  # a job belongs to its form


def many_rows(n: int) -> list[list]:
    return [HEADER] + [[f"公司{i:04d}", "制造业", "普通", f"139{i:08d}", f"c{i}@example.com", ""] for i in range(n)]


def imported_state(rt, job_id):
    with rt.db.read() as conn:
        rows = conn.execute(sa.select(import_rows.c.line, import_rows.c.state, import_rows.c.record_id)
                            .where(import_rows.c.job_id == job_id).order_by(import_rows.c.line)).all()
    return rows


def test_a_crash_in_the_middle_of_a_batch_loses_that_batch_only_and_a_rerun_ends_with_the_same_result(crm):
    job = jobs.create_job(crm, SYSTEM, "crm", "customer", "c.csv", csv_bytes(many_rows(45)))
    jobs.preview(crm, SYSTEM, "crm", "customer", job["id"])

    def crash(batch_no):
        if batch_no == 3:
            raise KeyboardInterrupt("killed")  # not a FormflowError: nothing retries it

    with pytest.raises(KeyboardInterrupt):
        jobs.commit(crm, SYSTEM, "crm", "customer", job["id"], batch_size=10, before_commit=crash)
    assert len(names(crm)) == 20  # batches 1 and 2 committed, batch 3 rolled back with its row states
    halfway = jobs.get_job(crm, SYSTEM, "crm", "customer", job["id"])
    assert halfway["status"] == "committing" and halfway["progress"] == {"done": 20, "total": 45}

    done = jobs.commit(crm, SYSTEM, "crm", "customer", job["id"], batch_size=10)
    assert done["counts"] == {"committed": 45}
    assert sorted(names(crm)) == [f"公司{i:04d}" for i in range(45)]  # each once
    rows = imported_state(crm, job["id"])
    assert len({r.record_id for r in rows}) == 45 and all(r.state == "committed" for r in rows)


def test_a_row_that_became_a_duplicate_after_the_preview_is_refused_at_commit_and_the_rest_of_its_batch_still_imports(crm):
    job = jobs.create_job(crm, SYSTEM, "crm", "customer", "c.csv", csv_bytes(many_rows(6)))
    jobs.preview(crm, SYSTEM, "crm", "customer", job["id"])
    record_service.create_record(crm, SYSTEM, "crm", "customer", {"name": "someone else", "phone": "13900000003"})
    done = jobs.commit(crm, SYSTEM, "crm", "customer", job["id"], batch_size=10)
    assert done["counts"] == {"committed": 5, "refused": 1}
    refused = [r for r in imported_state(crm, job["id"]) if r.state == "refused"]
    assert [r.line for r in refused] == [5]
    text = "".join(jobs.refused_csv(crm, SYSTEM, "crm", "customer", job["id"]))
    assert "5,refused," in text and "someone else" in text


FOLLOW_UPS = [["客户", "跟进方式", "跟进内容", "开启跟进提醒", "下次跟进时间"],
              ["华为", "电话", "电话沟通了新的采购需求", "是", "2026/3/20 10:00"],
              ["华为", "拜访", "短", "否", ""],                                     # visit content too short (a submit validation)
              ["不存在的客户", "电话", "问候一下客户的近况", "否", ""],              # reference by title not found
              ["华为", "微信", "发了产品资料给采购经理", "是", "2026-03-01 10:00"]]  # next follow-up must be later than now


@pytest.mark.parametrize("run_automations", [True, False])
def test_references_by_title_the_forms_own_rules_and_automations_run_or_not_as_asked(crm, run_automations):
    record_service.create_record(crm, SYSTEM, "crm", "customer", {"name": "华为"})
    job = jobs.create_job(crm, SYSTEM, "crm", "follow_up", "f.csv", csv_bytes(FOLLOW_UPS), run_automations=run_automations)
    assert job["mapping"] == {"0": "customer", "1": "method", "2": "content", "3": "enable_reminder", "4": "next_follow_up"}
    seen = jobs.preview(crm, SYSTEM, "crm", "follow_up", job["id"])
    problems = {p["line"]: p["errors"][0] for p in seen["problems"]}
    assert problems[3]["field_id"] == "content" and "at least 10 characters" in problems[3]["message"]
    assert problems[4]["column"] == "客户" and "no Customer record named '不存在的客户'" in problems[4]["message"]  # the field's label
    assert problems[5]["field_id"] == "next_follow_up" and "later than now" in problems[5]["message"]
    jobs.commit(crm, SYSTEM, "crm", "follow_up", job["id"])
    follow_ups = queries.list_records(crm, SYSTEM, "crm", "follow_up", queries.Query())["items"]
    assert len(follow_ups) == 1 and follow_ups[0]["data"]["next_follow_up"] == "2026-03-20T02:00:00Z"  # 10:00 Shanghai
    reminders = queries.list_records(crm, SYSTEM, "crm", "follow_up_reminder", queries.Query())["items"]
    assert len(reminders) == (1 if run_automations else 0)


def test_two_commits_of_the_same_job_at_once_take_turns_and_import_each_row_once(crm):
    import threading

    job = jobs.create_job(crm, SYSTEM, "crm", "customer", "c.csv", csv_bytes(many_rows(40)))
    jobs.preview(crm, SYSTEM, "crm", "customer", job["id"])
    results, errors = [], []

    def run():
        try:
            results.append(jobs.commit(crm, SYSTEM, "crm", "customer", job["id"], batch_size=5))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors and len(results) == 2
    assert jobs.get_job(crm, SYSTEM, "crm", "customer", job["id"])["counts"] == {"committed": 40}
    assert sorted(names(crm)) == [f"公司{i:04d}" for i in range(40)]


@pytest.mark.parametrize("run_automations", [True, False])
def test_timed_workflows_plan_imported_records_only_when_automations_run(crm, run_automations):
    from engine.workflows.tables import due_events

    record_service.create_record(crm, SYSTEM, "crm", "customer", {"name": "华为"})
    rows = [["客户", "提醒时间", "状态", "提醒内容"], ["华为", "2026-03-20 10:00", "待跟进", "回访"]]
    job = jobs.create_job(crm, SYSTEM, "crm", "follow_up_reminder", "r.csv", csv_bytes(rows), run_automations=run_automations)
    done = jobs.commit(crm, SYSTEM, "crm", "follow_up_reminder", job["id"])
    assert done["counts"] == {"committed": 1}
    with crm.db.read() as conn:
        planned = conn.execute(sa.select(sa.func.count()).select_from(due_events)).scalar_one()
    assert (planned > 0) == run_automations


@pytest.fixture
def sqlite_rt(tmp_path, clock):
    from engine.runtime import Runtime

    runtime = Runtime.open(f"sqlite:///{tmp_path / 'nan.db'}", clock=clock, config={"TIMEZONE": "Asia/Shanghai"})
    yield runtime
    runtime.db.dispose()


def test_nan_and_infinite_numbers_are_previewed_and_imported_as_before(sqlite_rt):
    """"nan" and "inf" clean to floats strict JSON has no word for: the bulk statements carry each row's JSON as text,
    so SQLite stores them as it always did (SQLite only: PostgreSQL's jsonb never could hold them)."""
    from engine.services import forms as form_service

    rt = sqlite_rt
    form_service.create_app(rt, SYSTEM, "ops", "Ops")
    form_service.create_form(rt, SYSTEM, "ops", {"key": "visit", "label": "Visit", "fields": [
        {"id": "place", "type": "text", "label": "Place", "required": True}, {"id": "hours", "type": "number", "label": "Hours"}]})
    form_service.publish_form(rt, SYSTEM, "ops", "visit")
    job = jobs.create_job(rt, SYSTEM, "ops", "visit", "v.csv", csv_bytes([["Place", "Hours"], ["a", "3"], ["b", "inf"], ["c", "nan"]]))
    seen = jobs.preview(rt, SYSTEM, "ops", "visit", job["id"])
    assert seen["counts"] == {"valid": 2, "invalid": 1} and [p["line"] for p in seen["problems"]] == [3]
    done = jobs.commit(rt, SYSTEM, "ops", "visit", job["id"])
    assert done["counts"] == {"committed": 2, "invalid": 1}
    history = record_service.record_history(rt, SYSTEM, "ops", "visit", 2)
    assert history[0]["action"] == "create" and [c["field_id"] for c in history[0]["changes"]] == ["hours", "place"]
