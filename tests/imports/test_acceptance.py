"""The acceptance of issue 9 at test size: a generated customer XLSX with 5% bad rows and 5% duplicates, the preview
names each bad row's problem, the commit imports exactly the good unique rows, and a crash mid-import followed by a
re-run ends with the same result. 5,000 rows by default (``FORMFLOW_IMPORT_ROWS`` changes it); the 100,000-row run
is ``bench/bench_import.py --rows 100000``."""
import io
import os
import random

import pytest
import sqlalchemy as sa

from engine.imports import jobs
from engine.runtime import Actor
from engine.services import queries
from engine.storage.tables import records

ROWS = int(os.environ.get("FORMFLOW_IMPORT_ROWS", "5000"))
SYSTEM = Actor.system()
#: bad cells: (column index, value, the field the preview must name)
BAD = [(5, "not-an-email", "email"), (1, "外星产业", "industry"), (0, "", "name"), (2, "VIP+", "level")]


def generate(n: int, seed: int = 9):
    from openpyxl import Workbook

    rnd = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("客户")
    sheet.append(["客户名称", "所属行业", "客户等级", "客户来源", "手机", "邮箱"])
    good, bad, dups = [], {}, set()
    for i in range(n):
        line, roll = i + 2, rnd.random()
        if roll < 0.05 and good:
            row = list(rnd.choice(good))
            row[0] = f"  {row[0].lower()}有限公司 "  # the same company, typed differently
            row[5] = f"other{i}@example.com"
            dups.add(line)
        else:
            row = [f"Customer {i:06d}", rnd.choice(["制造业", "Retail", "金融"]), rnd.choice(["重点", "Main", "普通"]),
                   rnd.choice(["网页表单", "Phone"]), 15000000000 + i, f"c{i}@example.com"]
            if roll < 0.10:
                column, value, fid = rnd.choice(BAD)
                row[column] = value
                bad[line] = fid
            else:
                good.append(row)
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), [r[0] for r in good], bad, dups


@pytest.mark.slow
def test_generated_xlsx_with_bad_rows_and_duplicates_imports_exactly_the_good_unique_rows_across_a_crash(crm):
    data, good, bad, dups = generate(ROWS)
    assert len(bad) > ROWS * 0.03 and len(dups) > ROWS * 0.03
    job = jobs.create_job(crm, SYSTEM, "crm", "customer", "customers.xlsx", data, run_automations=False)
    assert job["rows"] == ROWS

    seen = jobs.preview(crm, SYSTEM, "crm", "customer", job["id"], problems=ROWS)
    problems = {p["line"]: p for p in seen["problems"]}
    assert seen["counts"] == {"valid": len(good), "invalid": len(bad), "duplicate": len(dups)}
    for line, fid in bad.items():  # each bad row named with its problem
        assert problems[line]["state"] == "invalid" and problems[line]["errors"][0]["field_id"] == fid, problems[line]
    assert {line for line, p in problems.items() if p["state"] == "duplicate"} == dups
    assert all(p["errors"][0]["code"] == "duplicate_in_file" for p in problems.values() if p["state"] == "duplicate")

    def crash(batch_no):
        if batch_no == 3:
            raise KeyboardInterrupt("killed")

    with pytest.raises(KeyboardInterrupt):
        jobs.commit(crm, SYSTEM, "crm", "customer", job["id"], batch_size=500, before_commit=crash)
    assert jobs.get_job(crm, SYSTEM, "crm", "customer", job["id"])["progress"]["done"] == 1000
    done = jobs.commit(crm, SYSTEM, "crm", "customer", job["id"], batch_size=500)
    assert done["counts"] == {"committed": len(good), "invalid": len(bad), "duplicate": len(dups)}

    with crm.db.read() as conn:
        names = conn.execute(sa.select(records.c.data["name"].as_string())).scalars().all()
    assert sorted(names) == sorted(good)  # exactly the good unique rows, each once
    listed = queries.list_records(crm, SYSTEM, "crm", "customer", queries.Query(filters=[queries.Filter("name", "eq", good[-1])]))
    assert listed["items"][0]["data"]["serial"].startswith("KH-")
