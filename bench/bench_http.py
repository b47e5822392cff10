"""HTTP cost against the floor: `formflow serve` vs a minimal Flask + SQLAlchemy app on the same server and database.

Both run under gunicorn with the same workers and threads on the same PostgreSQL (a throwaway schema each). The
floor app inserts the same JSON into one table per form and returns it, reads one row by id, and lists a page of 20 with a
count of the table. Before the list cells the side with fewer rows is topped up (through its own API, 8 clients) to the
other's count, so both count the same number of rows. Each cell drives each server for ``--seconds`` (in alternating one-second turns) with 1 and then 8 keep-alive clients and prints req/s, p50 and
p99, and formflow's req/s as a share of the floor's. Two forms, both through a token-authenticated API client: a plain
12-field form (text, textarea, number, money, date, datetime, select, multiselect, boolean, email, phone, url; no
rules, automations or dedup) and the CRM customer form. Goals (issue 25): plain create >= 50% of the floor, read-one
>= 70%, list >= 80%; CRM customer create >= 33%.

    python bench/bench_http.py [--db postgresql+psycopg://postgres@127.0.0.1:5432/test] [--seconds 10] [--forms plain,CRM]
                               [--ops "create,read one,list"]
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.runtime import Actor  # noqa: E402
from engine.services import app_templates, credentials, forms, users  # noqa: E402
from formflow import create_app  # noqa: E402
from bench.pg_schemas import drop_schema, new_schema  # noqa: E402
from bench.served import free_port, start, wait_up  # noqa: E402

FLOOR_APP = '''
import os
import sqlalchemy as sa
from flask import Flask, abort, jsonify, request

engine = sa.create_engine(os.environ["DATABASE_URL"], pool_size=8)
meta = sa.MetaData()
tables = {form: sa.Table(f"floor_{form}", meta, sa.Column("id", sa.Integer, primary_key=True), sa.Column("data", sa.JSON))
          for form in os.environ["FLOOR_FORMS"].split(",")}
app = Flask(__name__)


def table(form):
    return tables.get(form) if form in tables else abort(404)


@app.post("/<form>/records")
def create(form):
    rows = table(form)
    with engine.begin() as conn:
        row = conn.execute(sa.insert(rows).values(data=request.get_json()["data"]).returning(rows)).mappings().one()
    return jsonify(dict(row)), 201


@app.get("/<form>/records/<int:rid>")
def read(form, rid):
    rows = table(form)
    with engine.connect() as conn:
        row = conn.execute(sa.select(rows).where(rows.c.id == rid)).mappings().one()
    return jsonify(dict(row))


@app.get("/<form>/records")
def page(form):
    rows = table(form)
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(rows)).scalar_one()
        items = [dict(r) for r in conn.execute(sa.select(rows).order_by(rows.c.id.desc()).limit(20)).mappings()]
    return jsonify({"items": items, "total": total})
'''


#: the customers' phone numbers, each once: the CRM refuses a second customer with a phone number taken, and random
#: eight digits met a taken one within a few thousand creates (a bench run makes that many)
_PHONES = itertools.count(random.randrange(50_000_000))


def customer(i: int) -> dict:
    return {"data": {"name": f"Bench {i} {uuid.uuid4().hex[:8]} Ltd", "industry": "it", "source": "web_form", "level": "main",
                     "need": "clear", "phone": f"139{next(_PHONES):08d}", "email": f"b{i}@{uuid.uuid4().hex[:10]}.example",
                     "region": "east", "address": "1 Road"}}


def _field(fid: str, ftype: str, en: str, **extra) -> dict:
    return {"id": fid, "type": ftype, "label": {"en": en, "zh-CN": en}, **extra}


#: a typical plain form: 12 fields of the common types, nothing computed, no rules, automations or dedup
PLAIN_FORM = {"key": "contact", "label": {"en": "Contact", "zh-CN": "联系人"}, "fields": [
    _field("name", "text", "Name", required=True, options={"max_length": 200}, sortable=True, searchable=True),
    _field("notes", "textarea", "Notes"),
    _field("age", "number", "Age", options={"min": 0, "max": 150, "precision": 0}),
    _field("budget", "money", "Budget"),
    _field("born", "date", "Born"),
    _field("met_at", "datetime", "Met at"),
    _field("kind", "select", "Kind", filterable=True, options={"choices": [{"value": v, "label": {"en": v, "zh-CN": v}} for v in ("a", "b", "c")]}),
    _field("tags", "multiselect", "Tags", options={"choices": [{"value": v, "label": {"en": v, "zh-CN": v}} for v in ("x", "y", "z")]}),
    _field("active", "boolean", "Active"),
    _field("email", "email", "Email"),
    _field("phone", "phone", "Phone"),
    _field("site", "url", "Web site"),
]}


def plain(i: int) -> dict:
    return {"data": {"name": f"Person {i} {uuid.uuid4().hex[:8]}", "notes": "met at the fair", "age": 20 + i % 50, "budget": "1250.50",
                     "born": "1990-05-17", "met_at": "2026-11-02T10:30:00Z", "kind": "b", "tags": ["x", "z"], "active": True,
                     "email": f"p{i}@{uuid.uuid4().hex[:10]}.example", "phone": f"139{uuid.uuid4().int % 100_000_000:08d}",
                     "site": "https://example.com/p"}}


def drive(port: int, make_request, seconds: float, concurrency: int) -> tuple[list[float], float]:
    """``make_request(i)`` -> (method, path, body, headers); returns (latencies in seconds, elapsed seconds)."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    counter = iter(range(10**9))

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.monotonic() < stop:
            method, path, body, headers = make_request(next(counter))
            t0 = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - t0)
            if response.status >= 300:
                errors.append(f"{method} {path}: {response.status} {response.read()[:300]!r}")
                break
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    if errors:
        raise SystemExit(errors[0])
    return latencies, elapsed


def interleaved(ports_and_makers: list[tuple[int, object]], seconds: float, concurrency: int) -> list[tuple[float, float, float]]:
    """Each server driven for ``seconds`` in all, in turns of ``SLICE_SECONDS`` (the machine is shared: a burst of
    someone else's load then falls on both sides alike); (req/s, p50 ms, p99 ms) per server."""
    got = [([], 0.0) for _ in ports_and_makers]
    turns = max(1, round(seconds / SLICE_SECONDS))
    for _ in range(turns):
        for i, (port, maker) in enumerate(ports_and_makers):
            latencies, elapsed = drive(port, maker, seconds / turns, concurrency)
            got[i] = (got[i][0] + latencies, got[i][1] + elapsed)
    out = []
    for latencies, elapsed in got:
        latencies.sort()
        out.append((len(latencies) / elapsed, statistics.median(latencies) * 1000, latencies[int(len(latencies) * 0.99)] * 1000))
    return out


#: one turn of one server in ``interleaved``
SLICE_SECONDS = 1.0


#: the issue's goals: formflow's req/s as a share of the floor's, by (form, operation)
GOALS = {("plain", "create"): 0.50, ("plain", "read one"): 0.70, ("plain", "list"): 0.80, ("CRM", "create"): 0.33}


def post_many(port: int, path: str, body, headers: dict, n: int, concurrency: int = 8) -> None:
    """``n`` creates through the API, ``concurrency`` clients at once."""
    counter, lock = iter(range(n)), threading.Lock()

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            conn.request("POST", path, body=json.dumps(body(2 * 10**8 + i)), headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 201:
                raise SystemExit(f"{path}: {response.status}")

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def row_counts(ff_url: str, floor_url: str, api: str, floor_table: str) -> tuple[int, int]:
    """(formflow's live records of the form ``api`` names, the floor table's rows)."""
    _, _, _, app_key, _, form_key, _ = api.split("/")
    counts = []
    for url, sql in ((ff_url, "SELECT count(*) FROM records r JOIN forms f ON f.id = r.form_id JOIN apps a ON a.id = f.app_id "
                              "WHERE a.key = :a AND f.key = :k AND r.deleted_at IS NULL"),
                     (floor_url, f"SELECT count(*) FROM {floor_table}")):
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            counts.append(conn.execute(sa.text(sql), {"a": app_key, "k": form_key}).scalar_one())
        engine.dispose()
    return counts[0], counts[1]


def bench_form(args, form: str, api: str, body, auth: dict, ff_port: int, floor_port: int, urls: tuple[str, str]) -> None:
    """Both servers, one form: create, read one and a list page of 20 (newest first), at concurrency 1 and 8."""
    plain_headers = {"Content-Type": "application/json"}
    floor_api = f"/{form.lower()}/records"
    ids = {}
    for name, port, path, headers in (("formflow", ff_port, api, auth), ("floor", floor_port, floor_api, plain_headers)):
        conn = http.client.HTTPConnection("127.0.0.1", port)
        for i in range(30):  # rows to read and list
            conn.request("POST", path, body=json.dumps(body(10**8 + i)), headers=headers)
            response = conn.getresponse()
            answer = json.loads(response.read())
            if response.status != 201:
                raise SystemExit(f"{name} {path}: {response.status} {answer}")
            ids[name] = answer["id"]
    ops = {
        "create": {"formflow": lambda i: ("POST", api, json.dumps(body(i)), auth),
                   "floor": lambda i: ("POST", floor_api, json.dumps(body(i)), plain_headers)},
        "read one": {"formflow": lambda i: ("GET", f"{api}/{ids['formflow']}", None, auth),
                     "floor": lambda i: ("GET", f"{floor_api}/{ids['floor']}", None, plain_headers)},
        "list": {"formflow": lambda i: ("GET", f"{api}?sort=-created_at&page_size=20", None, auth),
                 "floor": lambda i: ("GET", floor_api, None, plain_headers)},
    }
    for op, makers in ops.items():
        if op not in args.ops.split(","):
            continue
        if op == "list":  # the same number of rows on both sides
            ours, floor = row_counts(*urls, api, f"floor_{form.lower()}")
            if ours < floor:
                post_many(ff_port, api, body, auth, floor - ours)
            elif floor < ours:
                post_many(floor_port, floor_api, body, plain_headers, ours - floor)
            print(f"{form:<6} list over {row_counts(*urls, api, f'floor_{form.lower()}')} rows (formflow, floor)",
                  flush=True)
        for concurrency in (1, 8):
            ff, fl = interleaved([(ff_port, makers["formflow"]), (floor_port, makers["floor"])], args.seconds, concurrency)
            ratio = ff[0] / fl[0]
            goal = GOALS.get((form, op))
            verdict = "" if goal is None else f" ({goal:.0%} {'met' if ratio >= goal else 'NOT met'})"
            print(f"{form:<6} {op:<9} {concurrency:>2} | {ff[0]:>14.0f} {ff[1]:>6.1f}ms {ff[2]:>6.1f}ms | {fl[0]:>11.0f} {fl[1]:>6.1f}ms "
                  f"{fl[2]:>6.1f}ms | {ratio:>4.0%}{verdict}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("FORMFLOW_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--forms", default="plain,CRM", help="which forms to bench, comma separated (plain, CRM)")
    parser.add_argument("--ops", default="create,read one,list", help="which operations, comma separated (create, read one, list)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # a stopped bench still stops its servers and drops its schemas
    tmp = tempfile.mkdtemp(prefix="bench_http_")
    ff_schema, ff_url = new_schema(args.db)
    floor_schema, floor_url = new_schema(args.db)
    procs = []
    try:
        setup = create_app({"DATABASE_URL": ff_url, "INSTANCE_PATH": f"{tmp}/setup", "INSTALL_TEMPLATES": False, "TESTING": True})
        rt = setup.extensions["formflow"]
        app_templates.install_template(rt, Actor.system(), "crm")
        forms.create_app(rt, Actor.system(), "plain", {"en": "Plain", "zh-CN": "Plain"})
        forms.create_form(rt, Actor.system(), "plain", PLAIN_FORM)
        forms.publish_form(rt, Actor.system(), "plain", "contact")
        admin = users.create_user(rt, Actor.system(), "bench", display_name="Bench", roles=["admin"], check=False)
        token = credentials.create_token(rt, Actor.user(admin["id"]), "bench")["token"]
        rt.db.dispose()
        base_env = {k: v for k, v in os.environ.items() if not k.startswith(("FORMFLOW_", "PROMETHEUS_"))}
        ff_port, floor_port = free_port(), free_port()
        ff_env = {**base_env, "DATABASE_URL": ff_url, "FORMFLOW_INSTANCE": f"{tmp}/instance", "FORMFLOW_INSTALL_TEMPLATES": "0",
                  "SECRET_KEY": "bench-secret-key-bench-secret-key-bench", "PYTHONPATH": str(ROOT),
                  "FORMFLOW_THREADS": str(args.threads), "PROMETHEUS_MULTIPROC_DIR": f"{tmp}/metrics"}
        os.makedirs(f"{tmp}/metrics", exist_ok=True)
        procs.append(start([sys.executable, "-m", "formflow", "serve", "--bind", f"127.0.0.1:{ff_port}", "--workers",
                            str(args.workers)], ff_env, tmp))
        Path(tmp, "floor_app.py").write_text(FLOOR_APP)
        floor_engine = sa.create_engine(floor_url)  # the table first: gunicorn's workers start at once
        with floor_engine.begin() as conn:
            for form in ("plain", "crm"):
                conn.execute(sa.text(f"CREATE TABLE floor_{form} (id SERIAL PRIMARY KEY, data JSON)"))
        floor_engine.dispose()
        procs.append(start([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{floor_port}", "--workers", str(args.workers),
                            "--threads", str(args.threads), "floor_app:app"], {**base_env, "DATABASE_URL": floor_url, "FLOOR_FORMS": "plain,crm"}, tmp))
        wait_up(ff_port, "/healthz", procs[0])
        wait_up(floor_port, "/plain/records", procs[1])
        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        print(f"PostgreSQL, gunicorn {args.workers} workers x {args.threads} threads, {args.seconds:g} s per cell; ratio = formflow req/s "
              f"/ floor req/s")
        print(f"{'form':<6} {'operation':<9} {'c':>2} | {'formflow req/s':>14} {'p50':>8} {'p99':>8} | {'floor req/s':>11} {'p50':>8} "
              f"{'p99':>8} | ratio (goal)")
        for form, api, body in (("plain", "/api/apps/plain/forms/contact/records", plain),
                                ("CRM", "/api/apps/crm/forms/customer/records", customer)):
            if form not in args.forms.split(","):
                continue
            bench_form(args, form, api, body, auth, ff_port, floor_port, (ff_url, floor_url))
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        drop_schema(args.db, ff_schema)
        drop_schema(args.db, floor_schema)


if __name__ == "__main__":
    main()
