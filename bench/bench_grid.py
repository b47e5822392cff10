"""The records grid at 50,000 records, in a real browser: time to first rows and to each page's answer, SQLite and PostgreSQL.

For each database: the CRM template's customer form gets ``--records`` customers, inserted straight into ``records``
through the storage layer 1,000 rows a transaction (the import bench's bare insert), then the statistics an import's
commit refreshes (SQLite: indexes.refresh_statistics; PostgreSQL: ANALYZE, as autovacuum would), `formflow serve` (gunicorn, 2 workers) starts on it, and Debian's Chromium (Playwright, the browser
tests' flags) signs in and opens the grid. Measured in the page with performance.now():

* first rows: navigation start -> the first grid row in the DOM (a MutationObserver set before the page loads);
* next page: a click on the pager's "next" -> the first row replaced;
* jump: a page number typed in "Go to page" -> the first row replaced;
* sort: a click on a column header -> the first row replaced;
* baseline: the same list API call alone (fetch + JSON in the same page, page 20 of 20 rows), so a grid answer is
  also given as a multiple of the call it is built on.

Prints p50 / p95 (ms) per measure and database, and the machine's load average before and after (the machine is shared).
Goals (issue 22): first rows < 1 s, paging answers < 300 ms.

    python bench/bench_grid.py [--records 50000] [--rounds 15] [--db postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.runtime import Actor  # noqa: E402
from engine.services import app_templates, users  # noqa: E402
from engine.services.forms import compiled_form  # noqa: E402
from engine.storage.indexes import refresh_statistics  # noqa: E402
from engine.storage.tables import records  # noqa: E402
from formflow import create_app  # noqa: E402
from bench.pg_schemas import drop_schema, new_schema  # noqa: E402
from bench.served import free_port, start, wait_up  # noqa: E402

CHROMIUM_PATH = "/usr/bin/chromium"
#: the browser tests' flags (tests/browser/conftest.py)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "bench-grid-password-7"
INDUSTRIES = ["manufacturing", "it", "retail", "finance", "education", "healthcare", "other"]
SOURCES = ["web_form", "social", "email", "phone", "offline_event"]
LEVELS = ["key", "main", "ordinary"]
REGIONS = ["north", "east", "south", "central", "southwest", "northwest", "northeast", "overseas"]

#: in the page before anything loads: the moment the first grid row appears
FIRST_ROW_OBSERVER = """
window.__firstRow = null;
new MutationObserver(function (m, obs) {
  if (document.querySelector('#grid .tabulator-row')) { window.__firstRow = performance.now(); obs.disconnect(); }
}).observe(document, { childList: true, subtree: true });
"""
#: act (a JS snippet) and wait for the grid's first row to change: milliseconds
TIMED_ACTION = """(act) => new Promise((resolve, reject) => {
  const first = () => { const r = document.querySelector('#grid .tabulator-row'); return r ? r.textContent : null; };
  const before = first();
  const t0 = performance.now();
  (new Function(act))();
  const until = t0 + 20000;
  (function poll() {
    const now = first();
    if (now !== null && now !== before) { resolve(performance.now() - t0); return; }
    if (performance.now() > until) { reject(new Error('no change after ' + act)); return; }
    requestAnimationFrame(poll);
  })();
})"""
API_CALL = """(url) => { const t0 = performance.now(); return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
  .then(r => r.json()).then(() => performance.now() - t0); }"""


def rows(n: int, owners: list[int], form_id: int, version: int) -> list[dict]:
    rng = random.Random(22)
    now = datetime.now(timezone.utc)
    out = []
    for i in range(n):
        when = now - timedelta(minutes=i)
        data = {"serial": f"KH-{i:06d}", "name": f"Customer {i:05d} {rng.choice(['Trading', 'Tech', 'Foods', 'Logistics'])}",
                "industry": rng.choice(INDUSTRIES), "source": rng.choice(SOURCES), "level": rng.choice(LEVELS),
                "need": rng.choice(["clear", "vague", "none"]), "owner": rng.choice(owners), "phone": f"138{rng.randrange(10**8):08d}",
                "email": f"c{i}@example.com", "region": rng.choice(REGIONS), "address": f"{rng.randrange(1, 999)} Road {i % 97}"}
        out.append({"form_id": form_id, "form_version": version, "data": data, "owner_id": data["owner"], "created_by": data["owner"],
                    "created_at": when, "updated_by": None, "updated_at": when, "version": 1, "deleted_at": None, "deleted_by": None})
    return out


def fill(url: str, tmp: str, n: int) -> float:
    """The CRM, a bench admin and ``n`` customers; seconds the bulk insert took."""
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": f"{tmp}/setup", "INSTALL_TEMPLATES": False, "TESTING": True})
    rt = app.extensions["formflow"]
    system = Actor.system()
    app_templates.install_template(rt, system, "crm")
    admin = users.create_user(rt, system, "bench", password=PASSWORD, display_name="Bench", roles=["admin"], check=False)
    owners = [admin["id"]] + [users.create_user(rt, system, f"sales{i}", display_name=f"Sales {i}", roles=["member"], check=False)["id"]
                              for i in range(5)]
    with rt.db.read() as conn:
        form = compiled_form(rt, conn, "crm", "customer")
    batch = rows(n, owners, form.form_id, form.version)
    bulk = sa.insert(records).returning(records.c.id) if rt.db.dialect == "postgresql" else sa.insert(records)
    t0 = time.perf_counter()
    for i in range(0, len(batch), 1000):
        with rt.db.transaction() as conn:
            conn.execute(bulk, batch[i:i + 1000])
    took = time.perf_counter() - t0
    with rt.db.transaction() as conn:  # what an import's commit does after its rows (SQLite); PostgreSQL: as autovacuum would
        if rt.db.dialect == "postgresql":
            conn.execute(sa.text("ANALYZE records"))
        else:
            refresh_statistics(conn)
    rt.db.dispose()
    return took


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def measure(base: str, rounds: int, n: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"first rows": [], "next page": [], "jump to page": [], "sort by header": [], "API call alone": []}
    pages = max(2, n // 20)
    rng = random.Random(7)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(base + "/login")
        page.locator("#login-username").fill("bench")
        page.locator("#login-password").fill(PASSWORD)
        page.get_by_test_id("login-submit").click()
        page.get_by_test_id("nav-apps").wait_for()
        page.add_init_script(FIRST_ROW_OBSERVER)
        grid = base + "/apps/crm/forms/customer/grid"
        page.goto(grid)  # warm: static files cached, the server's first compile done
        page.wait_for_selector("#grid .tabulator-row")
        for _ in range(rounds):
            page.goto(grid)
            page.wait_for_function("() => window.__firstRow !== null", timeout=30000)
            out["first rows"].append(page.evaluate("() => window.__firstRow"))
            page.wait_for_timeout(300)  # the views and users calls settle
            out["next page"].append(page.evaluate(TIMED_ACTION, "document.querySelector('#grid-pages [data-page=next]').click()"))
            target = rng.randrange(3, pages)
            out["jump to page"].append(page.evaluate(TIMED_ACTION, "var j = document.getElementById('grid-jump'); j.value = '%d';"
                                                                   "j.dispatchEvent(new Event('change'));" % target))
            out["sort by header"].append(page.evaluate(TIMED_ACTION, "document.querySelector('#grid .tabulator-col[tabulator-field=v_name] "
                                                                     ".tabulator-col-title').click()"))
            api = f"/api/apps/crm/forms/customer/records/table?page={rng.randrange(3, pages)}&per_page=20"
            out["API call alone"].append(page.evaluate(API_CALL, api))
        browser.close()
    return out


def report(name: str, inserted: float, n: int, figures: dict[str, list[float]]) -> None:
    api = statistics.median(figures["API call alone"])
    print(f"\n{name}: {n:,} customers (bulk insert {inserted:.1f} s)")
    print(f"  {'measure':<16} {'p50 ms':>8} {'p95 ms':>8}  {'x API p50':>9}  goal")
    for key, values in figures.items():
        goal = "" if key == "API call alone" else ("< 1000" if key == "first rows" else "< 300")
        ratio = "" if key == "API call alone" else f"{statistics.median(values) / api:9.1f}"
        print(f"  {key:<16} {statistics.median(values):8.0f} {pct(values, 0.95):8.0f}  {ratio:>9}  {goal}")


def run(name: str, url: str, tmp: str, args) -> None:
    inserted = fill(url, tmp, args.records)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("FORMFLOW_", "PROMETHEUS_"))}
    port = free_port()
    env = {**base_env, "DATABASE_URL": url, "FORMFLOW_INSTANCE": f"{tmp}/instance-{name}", "FORMFLOW_INSTALL_TEMPLATES": "0",
           "SECRET_KEY": "bench-secret-key-bench-secret-key-bench", "PYTHONPATH": str(ROOT),
           "PROMETHEUS_MULTIPROC_DIR": f"{tmp}/metrics-{name}"}
    os.makedirs(f"{tmp}/metrics-{name}", exist_ok=True)
    proc = start([sys.executable, "-m", "formflow", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"], env, tmp)
    try:
        wait_up(port, "/healthz", proc, seconds=180)
        report(name, inserted, args.records, measure(f"http://127.0.0.1:{port}", args.rounds, args.records))
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--db", default=os.environ.get("FORMFLOW_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # a stopped bench still stops its server and drops its schema
    print("load average before:", " ".join(f"{x:.2f}" for x in os.getloadavg()), f"({os.cpu_count()} cores)")
    tmp = tempfile.mkdtemp(prefix="bench_grid_")
    if args.only != "postgresql":
        run("SQLite", f"sqlite:///{tmp}/grid.db", tmp, args)
    if args.only != "sqlite":
        schema, url = new_schema(args.db, "bench_grid")
        try:
            run("PostgreSQL", url, tmp, args)
        finally:
            drop_schema(args.db, schema)
    shutil.rmtree(tmp, ignore_errors=True)
    print("\nload average after:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
