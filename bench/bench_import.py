"""Import speed: a generated customer XLSX (5% bad rows, 5% duplicates) through the whole import, vs a bare bulk insert.

Plain script; the figure is printed next to a baseline measured in the same run:

* import: upload (read the XLSX, store the rows) + preview (clean, the form's validation, duplicates within the file
  and against the database) + commit (every good row through the batch form of the record write path,
  ``records.create_records``: rules, serial, dedup keys, audit, roll-ups; automations off), in rows of the file per second;
* baseline: the same good rows, already clean, inserted into ``records`` 1,000 rows per transaction (SQLite one
  executemany, PostgreSQL multi-row INSERTs, so the dashboards' statement-level triggers fire per 1,000 rows as in the
  import's batch write, not per row);
* the ratio import / baseline (goal: at least 20%), and for reference the commit alone / baseline (same good rows).

It also checks the acceptance: the preview names every bad row, the commit imports exactly the good unique rows.

Run: ``python bench/bench_import.py [--rows N] [--skip-pg]`` (default 5,000 rows; the acceptance size is
``--rows 100000``). PostgreSQL comes from ``FORMFLOW_BENCH_PG`` (default postgresql+psycopg://postgres@127.0.0.1:5432/test);
a throwaway schema is created and dropped.
"""
from __future__ import annotations

import argparse
import io
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from engine.runtime import Actor, Runtime  # noqa: E402
from engine.services import app_templates, queries  # noqa: E402
from engine.services.forms import compiled_form  # noqa: E402
from engine.storage.tables import records  # noqa: E402

PG_URL = os.environ.get("FORMFLOW_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
HEADER = ["客户名称", "所属行业", "客户等级", "客户来源", "手机", "邮箱", "所在区域", "地址", "备注"]
INDUSTRIES = ["制造业", "Retail", "金融", "教育", "信息技术/互联网"]
LEVELS = ["重点", "Main", "普通"]
SOURCES = ["网页表单", "Phone", "线下活动"]
REGIONS = ["华北", "East China", "华南"]
#: the kinds of bad row generated, each with the problem the preview must name
BAD = [("email", "not-an-email"), ("industry", "外星产业"), ("name", ""), ("level", "VIP+")]


def generate(n: int, seed: int = 2026) -> tuple[bytes, dict]:
    """An XLSX of *n* data rows: 5% bad (one problem each), 5% duplicates of earlier rows; and what to expect."""
    from openpyxl import Workbook

    rnd = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("客户")
    sheet.append(HEADER)
    good: list[list] = []
    expect = {"good": 0, "bad": {}, "duplicate": set()}
    for i in range(n):
        line = i + 2
        roll = rnd.random()
        if roll < 0.05 and good:
            row = list(rnd.choice(good))
            row[0] = row[0].upper() + " 有限公司"  # same company, written differently
            expect["duplicate"].add(line)
        else:
            row = [f"客户{i:06d}科技", rnd.choice(INDUSTRIES), rnd.choice(LEVELS), rnd.choice(SOURCES),
                   13000000000 + i, f"c{i}@example.com", rnd.choice(REGIONS), f"{rnd.randint(1, 999)}号", ""]
            if roll < 0.10:
                column, value = rnd.choice(BAD)
                row[{"email": 5, "industry": 1, "name": 0, "level": 2}[column]] = value
                expect["bad"][line] = column
            else:
                good.append(row)
                expect["good"] += 1
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), expect


def bench(url: str, data: bytes, expect: dict, rows: int) -> dict:
    from engine.imports import jobs

    rt = Runtime.open(url, config={"TIMEZONE": "Asia/Shanghai"})
    system = Actor.system()
    try:
        app_templates.install_template(rt, system, "crm")
        t0 = time.perf_counter()
        job = jobs.create_job(rt, system, "crm", "customer", "customers.xlsx", data, run_automations=False)
        t1 = time.perf_counter()
        seen = jobs.preview(rt, system, "crm", "customer", job["id"], problems=rows)
        t2 = time.perf_counter()
        done = jobs.commit(rt, system, "crm", "customer", job["id"])
        t3 = time.perf_counter()
        problems = {p["line"]: p for p in seen["problems"]}
        named = all(problems.get(line, {}).get("errors", [{}])[0].get("field_id") == column for line, column in expect["bad"].items())
        dups = {line for line, p in problems.items() if p["state"] == "duplicate"}
        imported = done["counts"].get("committed", 0)
        # baseline: the same good rows, clean, in one executemany per 1,000 rows
        with rt.db.read() as conn:
            form = compiled_form(rt, conn, "crm", "customer")
            stored = [dict(d) for d in conn.execute(sa.select(records.c.data).where(records.c.form_id == form.form_id)).scalars()]
        now = rt.clock.now()
        bare = [{"form_id": form.form_id, "form_version": form.version, "data": d, "owner_id": None, "created_by": None,
                 "created_at": now, "updated_by": None, "updated_at": now, "version": 1, "deleted_at": None, "deleted_by": None}
                for d in stored]
        # SQLite: executemany; PostgreSQL: multi-row INSERT statements ("insertmanyvalues"), the fastest SQLAlchemy
        # insert there, and the one that fires the dashboards' statement-level triggers once per 1,000 rows, not per row
        bulk = sa.insert(records).returning(records.c.id) if rt.db.dialect == "postgresql" else sa.insert(records)
        b0 = time.perf_counter()
        for i in range(0, len(bare), 1000):
            with rt.db.transaction() as conn:
                conn.execute(bulk, bare[i:i + 1000])
        b1 = time.perf_counter()
        listed = queries.list_records(rt, system, "crm", "customer", queries.Query(page_size=1))
        return {"upload": t1 - t0, "preview": t2 - t1, "commit": t3 - t2, "imported": imported, "expected": expect["good"],
                "bad_named": named and set(expect["bad"]) <= set(problems), "duplicates_found": dups == expect["duplicate"],
                "bare_rows": len(bare), "bare": b1 - b0, "listed": listed["total"]}
    finally:
        rt.db.dispose()


def report(name: str, r: dict, rows: int) -> None:
    total = r["upload"] + r["preview"] + r["commit"]
    import_rate = rows / total
    bare_rate = r["bare_rows"] / r["bare"]
    print(f"\n{name}: {rows} rows in the file, {r['expected']} good and unique")
    print(f"  upload   {r['upload']:7.1f} s  ({rows / r['upload']:8.0f} rows/s)")
    print(f"  preview  {r['preview']:7.1f} s  ({rows / r['preview']:8.0f} rows/s)  clean + validate + dedup")
    print(f"  commit   {r['commit']:7.1f} s  ({r['imported'] / r['commit']:8.0f} rows/s)  batch write path, batches of 500")
    print(f"  import   {total:7.1f} s  ({import_rate:8.0f} rows/s)  with validation and dedup")
    print(f"  bare bulk insert of the same rows: {r['bare']:.2f} s ({bare_rate:.0f} rows/s)")
    print(f"  ratio import / bare: {import_rate / bare_rate:.1%} (goal: at least 20%)")
    print(f"  ratio commit alone / bare (the same good rows): {r['imported'] / r['commit'] / bare_rate:.1%}")
    print(f"  acceptance: every bad row named with its field: {r['bad_named']}; duplicates found exactly: {r['duplicates_found']}; "
          f"imported exactly the good unique rows: {r['imported'] == r['expected']}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    t = time.perf_counter()
    data, expect = generate(args.rows)
    print(f"generated {args.rows} rows ({len(data) / 1e6:.1f} MB XLSX, {len(expect['bad'])} bad, {len(expect['duplicate'])} duplicates) "
          f"in {time.perf_counter() - t:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        report("SQLite", bench(f"sqlite:///{tmp}/bench.db", data, expect, args.rows), args.rows)
    if args.skip_pg:
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        print(f"\nPostgreSQL not reachable ({exc.__class__.__name__}); skipped")
        return
    try:
        sep = "&" if "?" in PG_URL else "?"
        report("PostgreSQL", bench(f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}", data, expect, args.rows), args.rows)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
