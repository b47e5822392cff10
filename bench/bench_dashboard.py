"""Bench: the CRM sales dashboard's aggregates over N records, in the database vs loading the rows into Python.

    python bench/bench_dashboard.py                  # 200,000 records, PostgreSQL and SQLite
    python bench/bench_dashboard.py --rows 1000000 --db postgresql

Records are bulk-inserted straight into ``records`` (30% customers, 30%
opportunities, 40% follow-ups, believable values) for the installed CRM
template, the forms' automatic indexes exist (created at publish) and the
tables are ANALYZEd. On PostgreSQL the COPY fires the chart cells' triggers
(engine/dashboards/rollups.py), so the cells are kept as by any write. Then, R
times each: ``dashboard_data`` (PostgreSQL: every chart from its pre-aggregated
cells; SQLite: one GROUP BY per chart over the records), the same over the
records on PostgreSQL (``live=True``: the GROUP BY path, for comparison) and the
baseline, which selects the same rows of the three forms into Python and
computes the same charts there. Both database figures are checked against the
baseline's. Prints the p50 per dashboard, per chart, the ratios, and what the
cells cost a save (an opportunity save with the triggers vs without them).
Goal: p50 under 200 ms at 1M on PostgreSQL.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from engine.clock import FrozenClock, utc_iso  # noqa: E402
from engine.dashboards.definition import check_dashboard  # noqa: E402
from engine.dashboards.sql import chart_period  # noqa: E402
from engine.runtime import Actor, Runtime  # noqa: E402
from engine.services import app_templates, dashboards  # noqa: E402
from engine.storage.tables import forms, records  # noqa: E402
from bench.pg_schemas import drop_schema, new_schema  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NOW = "2026-03-09T02:00:00Z"
TZ = "Asia/Shanghai"
BATCH = 20_000
INDUSTRIES = ["manufacturing", "it", "retail", "finance", "education", "healthcare", "other"]
REGIONS = ["north", "east", "south", "central", "southwest", "northwest", "northeast", "overseas"]
LEVELS = ["key", "main", "ordinary"]
SEGMENTS = ["strong_active", "strong_intent", "weak_intent", "no_intent"]
STAGES = ["initial", "needs", "proposal", "negotiation", "won", "lost"]
METHODS = ["call", "visit", "wechat", "email"]


def fill(rt: Runtime, rows: int, seed: int = 2026) -> dict[str, int]:
    """Bulk-insert ``rows`` records over the CRM's customer, opportunity and follow-up forms."""
    rng = random.Random(seed)
    now = rt.clock.now()
    with rt.db.transaction() as conn:
        form_ids = dict(conn.execute(sa.select(forms.c.key, forms.c.id)).all())
        versions = dict(conn.execute(sa.select(forms.c.key, forms.c.published_version)).all())
        from engine.demo import ensure_sales_team
    owners = list(ensure_sales_team(rt).values())
    plan = [("customer", int(rows * 0.3)), ("opportunity", int(rows * 0.3))]
    plan.append(("follow_up", rows - sum(n for _, n in plan)))
    counts = {}
    for form_key, n in plan:
        done = 0
        while done < n:
            batch = []
            for i in range(done, min(n, done + BATCH)):
                owner = rng.choice(owners)
                if form_key == "customer":
                    data = {"name": f"Customer {i}", "industry": rng.choice(INDUSTRIES), "region": rng.choice(REGIONS),
                            "level": rng.choices(LEVELS, [10, 30, 60])[0], "rfm_segment": rng.choice(SEGMENTS), "owner": owner,
                            "source": "web_form"}
                elif form_key == "opportunity":
                    stage = rng.choices(STAGES, [15, 15, 15, 10, 30, 15])[0]
                    data = {"name": f"Deal {i}", "stage": stage, "amount": f"{rng.randrange(2000, 150000)}.{rng.randrange(100):02d}",
                            "owner": owner, "expected_close": (now - timedelta(days=rng.randrange(-60, 400))).date().isoformat()}
                    if stage == "won":
                        data["closed_on"] = (now - timedelta(days=rng.randrange(0, 400))).date().isoformat()
                else:
                    data = {"owner": owner, "method": rng.choice(METHODS),
                            "followed_at": utc_iso(now - timedelta(seconds=rng.randrange(0, 400 * 86400)))}
                batch.append({"form_id": form_ids[form_key], "form_version": versions[form_key], "data": data, "owner_id": owner,
                              "created_by": owner, "created_at": now, "updated_by": owner, "updated_at": now, "version": 1})
            _insert(rt, batch)
            done += len(batch)
        counts[form_key] = n
    with rt.db.transaction() as conn:
        conn.exec_driver_sql("ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE")
    return counts


COPY_COLUMNS = ("form_id", "form_version", "data", "owner_id", "created_by", "created_at", "updated_by", "updated_at", "version")


def _insert(rt: Runtime, batch: list[dict]) -> None:
    """PostgreSQL: COPY (the indexes are maintained as for any insert); SQLite: executemany."""
    if rt.db.dialect != "postgresql":
        with rt.db.transaction() as conn:
            conn.execute(sa.insert(records), batch)
        return
    import json

    with rt.db.transaction() as conn:
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY records ({', '.join(COPY_COLUMNS)}) FROM STDIN") as copy:
            for row in batch:
                copy.write_row([json.dumps(row[c]) if c == "data" else row[c] for c in COPY_COLUMNS])


# -- the baseline: the same charts over rows loaded into Python ---------------------------

def _bucket(value: str, bucket: str | None, kind: str, tz: str) -> str:
    if kind == "datetime":
        value = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d")
    if bucket in (None, "day"):
        return value[:10]
    if bucket == "month":
        return value[:7]
    if bucket == "year":
        return value[:4]
    d = date.fromisoformat(value[:10])
    return (d - timedelta(days=d.weekday())).isoformat()


def python_chart(chart, rows: list[tuple[dict, int]], now, tz: str):
    period = chart_period(chart, now, tz)
    out: dict = {}
    for data, owner in rows:
        ok = True
        for f in chart.filters:
            v = data.get(f.field)
            if f.op == "eq":
                ok = v == f.value
            elif f.op == "ne":
                ok = v != f.value
            elif f.op == "in":
                ok = v in f.value
            else:
                raise ValueError(f.op)
            if not ok:
                break
        if not ok:
            continue
        if period is not None:
            v = data.get(chart.period["field"])
            if v is None:
                continue
            if chart.period["kind"] == "date":
                if not (period.start.isoformat() <= v < period.end.isoformat()):
                    continue
            else:
                lo = utc_iso(datetime.combine(period.start, datetime.min.time(), ZoneInfo(tz)))
                hi = utc_iso(datetime.combine(period.end, datetime.min.time(), ZoneInfo(tz)))
                if not (lo <= v < hi):
                    continue
        key = None
        if chart.group:
            v = data.get(chart.group.field)
            key = None if v is None else _bucket(v, chart.group.bucket, chart.group.kind, tz) if chart.group.bucket else v
        agg = out.setdefault(key, [0, 0.0])
        agg[0] += 1
        if chart.value_field:
            agg[1] += float(data.get(chart.value_field) or 0)
    if chart.group is None:
        agg = out.get(None, [0, 0.0])
        return agg[0] if chart.op == "count" else round(agg[1], 2)
    return {k: (a[0] if chart.op == "count" else round(a[1], 2)) for k, a in out.items()}


def python_dashboard(rt: Runtime, charts, form_ids: dict[str, int], now) -> dict:
    by_form: dict[str, list] = {}
    with rt.db.read() as conn:
        for key in {c.form for c in charts}:
            by_form[key] = conn.execute(sa.select(records.c.data, records.c.owner_id).where(
                records.c.form_id == form_ids[key], records.c.deleted_at.is_(None))).all()
    return {c.key: python_chart(c, by_form[c.form], now, rt.timezone) for c in charts}


def db_figures(data: dict) -> dict:
    out = {}
    for c in data["charts"]:
        if "groups" in c:
            out[c["key"]] = {g["key"]: (g["value"] if isinstance(g["value"], int) else round(g["value"], 2)) for g in c["groups"] if g["count"]}
        else:
            out[c["key"]] = c["value"] if isinstance(c["value"], int) else round(c["value"] or 0, 2)
    return out


def run(url: str, rows: int, repeat: int, live_repeat: int, baseline_repeat: int) -> dict:
    rt = Runtime.open(url, clock=FrozenClock(NOW), config={"TIMEZONE": TZ})
    system = Actor.system()
    app_templates.install_template(rt, system, "crm")
    t = time.perf_counter()
    counts = fill(rt, rows)
    fill_s = time.perf_counter() - t
    with rt.db.read() as conn:
        form_ids = dict(conn.execute(sa.select(forms.c.key, forms.c.id)).all())
        compiled = dashboards.published_forms(rt, conn, conn.execute(sa.text("SELECT id FROM apps WHERE key = 'crm'")).scalar(), "crm")
        definition = conn.execute(sa.text("SELECT definition FROM dashboards WHERE key = 'sales'")).scalar()
    if isinstance(definition, str):
        import json

        definition = json.loads(definition)
    _, charts = check_dashboard(definition, compiled)
    dashboards.dashboard_data(rt, system, "crm", "sales")  # warm: caches, plans, pages (PostgreSQL: merges the fill's cells)
    times, per_chart = [], {}
    for _ in range(repeat):
        t = time.perf_counter()
        data = dashboards.dashboard_data(rt, system, "crm", "sales")
        times.append((time.perf_counter() - t) * 1000)
        for c in data["charts"]:
            per_chart.setdefault(c["key"], []).append(c["ms"])
    live_times = []
    for _ in range(live_repeat):
        t = time.perf_counter()
        live = dashboards.dashboard_data(rt, system, "crm", "sales", live=True)
        live_times.append((time.perf_counter() - t) * 1000)
    base_times = []
    for _ in range(baseline_repeat):
        t = time.perf_counter()
        expected = python_dashboard(rt, charts, form_ids, rt.clock.now())
        base_times.append((time.perf_counter() - t) * 1000)
    got, got_live = db_figures(data), db_figures(live)
    mismatched = [k for k in expected if expected[k] != got.get(k) or expected[k] != got_live.get(k)]
    with rt.db.read() as conn:
        cells = conn.execute(sa.text("SELECT count(*) FROM chart_cells")).scalar() if rt.db.dialect == "postgresql" else 0
    saves = save_cost(rt, system, form_ids) if rt.db.dialect == "postgresql" else None
    rt.db.dispose()
    return {"counts": counts, "fill_s": fill_s, "p50": statistics.median(times), "p95": sorted(times)[int(0.95 * (len(times) - 1))],
            "live_p50": statistics.median(live_times), "sources": sorted({c["source"] for c in data["charts"]}),
            "baseline_p50": statistics.median(base_times), "per_chart": {k: statistics.median(v) for k, v in per_chart.items()},
            "mismatched": mismatched, "cells": cells, "saves": saves}


def save_cost(rt: Runtime, system: Actor, form_ids: dict[str, int], n: int = 100, rounds: int = 3) -> tuple[float, float]:
    """Mean ms of an opportunity save with the cells' triggers and with them removed (same table), rounds interleaved."""
    from engine.dashboards import rollups
    from engine.services import records as record_service

    with rt.db.read() as conn:
        customer = conn.execute(sa.select(records.c.id).where(records.c.form_id == form_ids["customer"]).limit(1)).scalar()

    def saves(tag: str) -> float:
        t = time.perf_counter()
        for i in range(n):
            record_service.create_record(rt, system, "crm", "opportunity", {"name": f"Bench {tag} {i}", "customer": customer,
                                                                            "stage": STAGES[i % len(STAGES)], "amount": f"{1000 + i}.00"})
        return (time.perf_counter() - t) * 1000 / n

    with_cells, without = [], []
    for _ in range(rounds):
        with_cells.append(saves("with"))
        with rt.db.transaction() as conn:
            rollups.sync(conn, {}, rt.clock.now())  # no rollups: the triggers are dropped
        without.append(saves("without"))
        with rt.db.transaction() as conn:
            dashboards.sync_rollups(rt, conn)  # back, rebuilt from the records
    return statistics.median(with_cells), statistics.median(without)


def main() -> None:
    import os

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--db", choices=["postgresql", "sqlite", "both"], default="both")
    ap.add_argument("--repeat", type=int, default=11, help="dashboard runs measured (after one warm-up)")
    ap.add_argument("--live-repeat", type=int, default=5, help="runs over the records (live GROUP BY), for comparison")
    ap.add_argument("--baseline-repeat", type=int, default=3)
    ap.add_argument("--pg", default=os.environ.get("FORMFLOW_BENCH_PG", PG_URL))
    args = ap.parse_args()
    targets = ["postgresql", "sqlite"] if args.db == "both" else [args.db]
    print(f"sales dashboard (12 charts) over {args.rows:,} records; clock {NOW}, workspace zone {TZ}")
    for target in targets:
        schema = None
        if target == "postgresql":
            schema, url = new_schema(args.pg, "bench_dash")
        else:
            url = f"sqlite:///{tempfile.mkdtemp(prefix='dash_bench_')}/bench.db"
        try:
            r = run(url, args.rows, args.repeat, args.live_repeat, args.baseline_repeat)
        finally:
            if schema:
                drop_schema(args.pg, schema)
        print(f"\n[{target}] {r['counts']} inserted in {r['fill_s']:.1f}s")
        print(f"  dashboard in the database: p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms  ({args.repeat} runs; read from {'/'.join(r['sources'])})")
        if target == "postgresql":
            print(f"  the same over the records (live GROUP BY): p50 {r['live_p50']:.1f} ms  ({args.live_repeat} runs); "
                  f"cells / live: {r['live_p50'] / r['p50']:.1f}x faster; {r['cells']:,} cell rows")
            w, wo = r["saves"]
            print(f"  an opportunity save with the cells' triggers {w:.2f} ms vs without {wo:.2f} ms ({w / wo:.2f}x)")
        print(f"  baseline, rows loaded into Python: p50 {r['baseline_p50']:.1f} ms  ({args.baseline_repeat} runs)")
        print(f"  ratio baseline / database: {r['baseline_p50'] / r['p50']:.1f}x")
        print("  per chart p50 (ms): " + ", ".join(f"{k} {v:.1f}" for k, v in r["per_chart"].items()))
        print(f"  figures (cells and live) equal to the baseline's: {'yes' if not r['mismatched'] else 'NO: ' + ', '.join(r['mismatched'])}")
        if target == "postgresql":
            print(f"  goal p50 < 200 ms: {'met' if r['p50'] < 200 else 'NOT met'} at {args.rows:,} records")


if __name__ == "__main__":
    main()
