"""Core speed: record validation, a full submit, and filter+sort+page over many records.

Plain script; every figure is printed next to a baseline measured in the same run:

1. validating a 20-field record with the engine (schema + normalization) vs a bare
   fastjsonschema validator and vs a reused jsonschema Draft 2020-12 validator
   (goal: within 3x of fastjsonschema);
2. a full submit through the service layer (defaults, validation, serial, audit) vs a
   bare SQLAlchemy insert of the same JSON (goal: within 3x);
3. filter + sort + page over ``--rows`` records (default 200,000) WITH the list's total (as the API
   answers by default: exact up to FORMFLOW_LIST_EXACT_TOTAL, an estimate beyond) with and without
   the automatic expression index, and the page alone, on SQLite and on PostgreSQL (goal: p50 under
   20 ms on PostgreSQL at 1M: ``--rows 1000000``).

Run: ``python bench/bench_core.py [--rows N] [--skip-pg] [--skip-sqlite] [--only validation|list]``; the 1M figure:
``--rows 1000000 --skip-sqlite --only list``. PostgreSQL comes from
``FORMFLOW_BENCH_PG`` (default postgresql+psycopg://postgres@127.0.0.1:5432/test); a
throwaway schema is created and dropped.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import timeit
import uuid
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import fastjsonschema  # noqa: E402
import jsonschema  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from engine.clock import FrozenClock  # noqa: E402
from engine.definitions import CompiledForm  # noqa: E402
from engine.runtime import Actor, Runtime  # noqa: E402
from engine.services import forms as fs, queries as qs, records as rs  # noqa: E402
from engine.storage.db import copy_rows  # noqa: E402
from engine.storage.indexes import wanted_indexes  # noqa: E402
from engine.storage.tables import records  # noqa: E402

PG_URL = os.environ.get("FORMFLOW_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CHOICES = [{"value": v} for v in ("manufacturing", "retail", "software", "finance", "logistics")]
LEVELS = [{"value": v} for v in ("key", "main", "ordinary")]

FORM = {
    "key": "customer", "label": "Customer",
    "fields": [
        {"id": "serial", "type": "serial", "options": {"format": "KH-{YYYYMMDD}-{0000}", "reset": "daily"}},
        {"id": "name", "type": "text", "required": True, "sortable": True},
        {"id": "industry", "type": "select", "filterable": True, "options": {"choices": CHOICES}},
        {"id": "level", "type": "select", "filterable": True, "options": {"choices": LEVELS}},
        {"id": "phone", "type": "phone"}, {"id": "email", "type": "email"}, {"id": "website", "type": "url"},
        {"id": "revenue", "type": "money", "sortable": True}, {"id": "employees", "type": "number", "sortable": True,
                                                               "filterable": True, "options": {"precision": 0}},
        {"id": "score", "type": "number"}, {"id": "since", "type": "date", "sortable": True},
        {"id": "last_contact", "type": "datetime"}, {"id": "active", "type": "boolean"},
        {"id": "tags", "type": "multiselect", "options": {"choices": [{"value": "vip"}, {"value": "new"}]}},
        {"id": "address", "type": "text"}, {"id": "city", "type": "text"}, {"id": "province", "type": "text"},
        {"id": "notes", "type": "textarea"}, {"id": "source", "type": "select", "options": {"choices": [{"value": "web"}, {"value": "phone"}]}},
        {"id": "title", "type": "text"},
    ],
}


def sample_record(i: int, rnd: random.Random) -> dict:
    return {"name": f"Customer {i}", "industry": rnd.choice(CHOICES)["value"], "level": rnd.choice(LEVELS)["value"],
            "phone": f"+86138{i % 100000000:08d}", "email": f"c{i}@example.com", "website": "https://example.com",
            "revenue": f"{rnd.randint(0, 10**7)}.00", "employees": rnd.randint(1, 50000), "score": rnd.random() * 100,
            "since": f"20{rnd.randint(10, 25)}-0{rnd.randint(1, 9)}-1{rnd.randint(0, 9)}",
            "last_contact": "2026-03-01T08:00:00Z", "active": rnd.random() < 0.5, "tags": ["vip"],
            "address": "No. 1 Road", "city": "Shanghai", "province": "Shanghai", "notes": "prefers email",
            "source": "web", "title": "Director"}


def best_per_call(fn, number: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=5)) / number


def bench_validation() -> None:
    form = CompiledForm(1, "customer", "crm", 1, FORM)
    rnd = random.Random(1)
    record = sample_record(1, rnd)
    fast = fastjsonschema.compile(form.schema)
    full = jsonschema.Draft202012Validator(form.schema)
    assert not form.validate(record)[1]
    ours = best_per_call(lambda: form.validate(record), 2000)
    t_fast = best_per_call(lambda: fast(record), 2000)
    t_full = best_per_call(lambda: full.validate(record), 500)
    print("1. validation of a 20-field record")
    print(f"   fastjsonschema (baseline)        {t_fast * 1e6:8.1f} us")
    print(f"   formflow validate + normalize    {ours * 1e6:8.1f} us   {ours / t_fast:5.2f}x fastjsonschema (goal <= 3x)")
    print(f"   jsonschema Draft202012 (reused)  {t_full * 1e6:8.1f} us   {t_full / t_fast:5.2f}x fastjsonschema")


def open_runtime(url: str) -> Runtime:
    rt = Runtime.open(url, clock=FrozenClock("2026-03-09T00:00:00Z"), config={"TIMEZONE": "Asia/Shanghai"})
    fs.create_app(rt, Actor.system(), "crm", "CRM")
    fs.create_form(rt, Actor.system(), "crm", FORM)
    fs.publish_form(rt, Actor.system(), "crm", "customer")
    return rt


def form_id(rt: Runtime) -> int:
    with rt.db.read() as conn:
        return fs.compiled_form(rt, conn, "crm", "customer").form_id


def bench_submit(rt: Runtime, label: str, n: int = 400) -> None:
    rnd = random.Random(2)
    actor = Actor.system()
    fid = form_id(rt)
    rows = [sample_record(i, rnd) for i in range(2 * n)]
    now = rt.clock.now()
    t0 = time.perf_counter()
    for i in range(n):
        with rt.db.transaction() as conn:
            conn.execute(sa.insert(records).values(form_id=fid, form_version=1, data=rows[i], created_at=now, updated_at=now, version=1))
    bare = (time.perf_counter() - t0) / n
    t0 = time.perf_counter()
    for i in range(n, 2 * n):
        rs.create_record(rt, actor, "crm", "customer", rows[i])
    ours = (time.perf_counter() - t0) / n
    print(f"2. submit on {label} (one transaction per record)")
    print(f"   bare SQLAlchemy insert (baseline) {bare * 1e3:7.2f} ms")
    print(f"   formflow create_record            {ours * 1e3:7.2f} ms   {ours / bare:5.2f}x bare insert (goal <= 3x)")


def fill(rt: Runtime, count: int) -> None:
    rnd = random.Random(3)
    fid = form_id(rt)
    now = rt.clock.now()
    batch = 5000
    with rt.db.transaction() as conn:
        have = conn.execute(sa.select(sa.func.count()).select_from(records)).scalar_one()
    for start in range(have, count, batch):
        rows = [{"form_id": fid, "form_version": 1, "data": sample_record(i, rnd), "created_at": now, "updated_at": now, "version": 1}
                for i in range(start, min(count, start + batch))]
        with rt.db.transaction() as conn:
            if conn.dialect.name == "postgresql":  # the bulk floor: 1M rows in minutes, not tens of them
                copy_rows(conn, records, _FILLED, (tuple(row[c] for c in _FILLED) for row in rows))
            else:
                conn.execute(sa.insert(records), rows)
    vacuum_analyze(rt)


_FILLED = ("form_id", "form_version", "data", "created_at", "updated_at", "version")


def vacuum_analyze(rt: Runtime) -> None:
    """The steady state autovacuum keeps: fresh statistics and a visibility map (index-only counts)."""
    with rt.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE records" if conn.dialect.name == "postgresql" else "ANALYZE")


def p50_ms(fn, runs: int = 31) -> float:
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def bench_query(rt: Runtime, label: str, rows: int) -> None:
    fill(rt, rows)
    actor = Actor.system()
    query = qs.Query(filters=[qs.Filter("industry", "eq", "software")], sort=[("employees", "desc")], page=3, page_size=50)
    fn = lambda: qs.list_records(rt, actor, "crm", "customer", query)  # noqa: E731
    page_query = qs.Query(filters=query.filters, sort=query.sort, page=3, page_size=50, count=False)
    page_fn = lambda: qs.list_records(rt, actor, "crm", "customer", page_query)  # noqa: E731
    with_index, page_only = p50_ms(fn), p50_ms(page_fn)
    answer = fn()
    total = f"total {answer['total']:,}" + (" (an estimate)" if answer["total_is_estimate"] else " (exact)")
    dialect = rt.db.engine.dialect.name
    with rt.db.read() as conn:
        definition = fs.compiled_form(rt, conn, "crm", "customer").definition
    names = list(wanted_indexes(dialect, form_id(rt), definition))
    with rt.db.transaction() as conn:
        for name in names:
            conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
    vacuum_analyze(rt)
    without, page_without = p50_ms(fn, runs=7), p50_ms(page_fn, runs=7)
    print(f"3. filter industry = software, sort employees desc, page 3 of 50 with the total, {rows:,} records on {label}")
    print(f"   without the automatic index (baseline) p50 {without:8.2f} ms")
    print(f"   with the automatic index               p50 {with_index:8.2f} ms   {without / with_index:6.1f}x faster"
          f"   (with its total: {total}; goal p50 <= 20 ms on PostgreSQL at 1M)")
    print(f"   page only (count=False), no index      p50 {page_without:8.2f} ms")
    print(f"   page only (count=False), with index    p50 {page_only:8.2f} ms   {page_without / page_only:6.1f}x faster")


def pg_schema() -> tuple[str, sa.Engine, str] | None:
    try:
        admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except Exception as exc:  # noqa: BLE001 — the bench reports and goes on without PostgreSQL
        print(f"   PostgreSQL not reachable ({exc.__class__.__name__}); skipped")
        return None
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}", admin, schema


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only (filling SQLite with 1M rows is slow)")
    parser.add_argument("--only", choices=("validation", "list"), help="one figure only (list: the submit figure is skipped)")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores (shared), Python {sys.version.split()[0]}")
    if args.only != "list":
        bench_validation()
    if args.only == "validation":
        return
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            rt = open_runtime(f"sqlite:///{tmp}/bench.db")
            if args.only is None:
                bench_submit(rt, "SQLite")
            bench_query(rt, "SQLite", args.rows)
            rt.db.dispose()
    if not args.skip_pg:
        found = pg_schema()
        if found:
            url, admin, schema = found
            try:
                rt = open_runtime(url)
                if args.only is None:
                    bench_submit(rt, "PostgreSQL")
                bench_query(rt, "PostgreSQL", args.rows)
                rt.db.dispose()
            finally:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
                admin.dispose()


if __name__ == "__main__":
    main()
