"""Due events: what planning costs on save, how fast reminders are scheduled and sent.

Plain script; every figure is printed next to a baseline measured in the same run, on SQLite and
on PostgreSQL:

1. save: a record save that plans two reminders (1 day before at 09:00 owner's zone, 1 hour
   before) vs the same save on an identical form without a workflow;
2. bulk scheduling: publishing the workflow over ``--records`` existing records (due rows planned
   per second) vs APScheduler 3 ``add_job`` with one job per record on a SQLAlchemy job store in
   the same kind of database; ``--rounds`` alternating rounds, each on a new database, best of
   each side (goal: 50x);
3. ``--due`` reminders due in the same minute (default 10,000) sent to a local webhook server by
   the scheduler tick, sending inline and with each of ``--senders`` sender process counts: due
   rows run per second, messages delivered, duplicates (counted at the server by idempotency key)
   and lateness p50/p99 from the moment they became due (goal: 10,000 / 0 / p99 <= 5 s). The
   senders, this process, the receiver and PostgreSQL's server all share the machine's cores.

4. ``--wall-clock`` (PostgreSQL only, instead of 1-3): a real ``formflow scheduler`` process started with its
   default options (``--scheduler-args`` to try others), ``--due`` records whose reminders come due spread evenly
   over ``--spread`` seconds (default 60: 10,000 due within one minute), sent to a local webhook receiver the
   bench starts; lateness is measured at the receiver on the wall clock from each reminder's own due instant
   (named in its idempotency key), not from a tick's start: delivered, duplicates, p50/p95/p99 (goal: 10,000 / 0 /
   p99 <= 5 s). ``--runs`` runs, each on a new schema.

Run: ``python bench/bench_due_events.py [--records N] [--rounds N] [--due N] [--senders 1,2]
[--skip-pg]``; ``python bench/bench_due_events.py --wall-clock [--due N] [--spread S] [--runs N]
[--scheduler-args "--senders 2"]``. PostgreSQL comes from ``FORMFLOW_BENCH_PG`` (default postgresql+psycopg://postgres@127.0.0.1:5432/test); a
throwaway schema is created and dropped.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from engine.clock import FrozenClock, SystemClock  # noqa: E402
from engine.runtime import Actor, Runtime  # noqa: E402
from engine.scheduler import Senders, tick  # noqa: E402
from engine.services import forms as form_service  # noqa: E402
from engine.services import records as record_service  # noqa: E402
from engine.services import workflows as wf_service  # noqa: E402
from engine.storage.tables import forms, records, users  # noqa: E402
from engine.workflows.tables import due_events, outbox  # noqa: E402

PG_URL = os.environ.get("FORMFLOW_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
UTC = timezone.utc
FIELDS = [{"id": "customer", "type": "text", "required": True}, {"id": "remind_at", "type": "datetime"},
          {"id": "content", "type": "textarea"},
          {"id": "status", "type": "select", "options": {"choices": [{"value": "pending"}, {"value": "done"}]}}]


RECEIVER = r"""
import asyncio, json, signal, sys, time
arrivals = []

class Hook(asyncio.Protocol):
    # HTTP/1.1 with keep-alive, one JSON POST after another per connection; answers 200 "ok"
    def connection_made(self, transport):
        self.transport, self.buffer = transport, b""

    def data_received(self, data):
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            length = 0
            for line in self.buffer[:end].split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if len(self.buffer) < end + 4 + length:
                return
            body, self.buffer = self.buffer[end + 4:end + 4 + length], self.buffer[end + 4 + length:]
            message = json.loads(body)
            arrivals.append((message.get("idempotency_key"), time.time(), message.get("subject")))
            self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok")

async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Hook, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    server.close()
    json.dump(arrivals, open(sys.argv[1], "w"))

asyncio.run(main())
"""


class Receiver:
    """A webhook server in its own process: arrival time per idempotency key.

    In production the receiver is another machine; here it shares the bench machine's cores, so it is a
    lean asyncio HTTP/1.1 server (a fraction of ``http.server``'s CPU per request) to leave them to the sender.
    """

    def __init__(self):
        self.out = Path(tempfile.mkdtemp()) / "arrivals.json"
        self.proc = subprocess.Popen([sys.executable, "-c", RECEIVER, str(self.out)], stdout=subprocess.PIPE, text=True)
        self.url = f"http://127.0.0.1:{int(self.proc.stdout.readline())}/hook"

    def arrivals(self) -> list[tuple[str, float, str]]:
        """(idempotency key, arrival time on the wall clock, subject) per call received."""
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)
        return [tuple(a) for a in json.loads(self.out.read_text())]


def workflow(url: str, offsets: list[dict], channels=("webhook",)) -> dict:
    step = {"id": "tell", "type": "notify", "to": [{"owner": True}], "cc": [{"manager_of": "owner"}], "channels": list(channels),
            "message": {"subject": "Follow up {{ record.customer }}", "body": "{{ record.customer }} at {{ record.remind_at | datetime }}"}}
    if "webhook" in channels:
        step["channel_config"] = {"webhook": {"url": url}}
    return {"key": "follow_up_reminder", "form": "reminder", "steps": [step],
            "trigger": {"type": "date_relative", "field": "remind_at", "tz": "owner", "condition": "status == 'pending'", "offsets": offsets}}


TWO_OFFSETS = [{"amount": 1, "unit": "days", "direction": "before", "at_time": "09:00"}, {"amount": 1, "unit": "hours", "direction": "before"}]
ONE_HOUR = [{"amount": 1, "unit": "hours", "direction": "before"}]


def open_runtime(url: str, clock=None, **config) -> tuple[Runtime, Actor, int]:
    clock = clock or FrozenClock("2026-03-01T00:00:00Z")
    rt = Runtime.open(url, clock=clock, config={"TIMEZONE": "Asia/Shanghai", "WEBHOOK_ALLOWLIST": ["127.0.0.1/32"], **config})
    system = Actor.system()
    form_service.create_app(rt, system, "crm", "CRM")
    for key in ("reminder", "plain"):
        form_service.create_form(rt, system, "crm", {"key": key, "label": key, "fields": FIELDS})
        form_service.publish_form(rt, system, "crm", key)
    with rt.db.transaction() as conn:
        boss = conn.execute(sa.insert(users).values(workspace_id=rt.workspace_id, username="boss", display_name="Boss",
                                                    timezone="Asia/Shanghai", is_active=True, created_at=clock.now())).inserted_primary_key[0]
        sales = conn.execute(sa.insert(users).values(workspace_id=rt.workspace_id, username="sales", display_name="Sales",
                                                     timezone="Asia/Shanghai", manager_id=boss, is_active=True,
                                                     created_at=clock.now())).inserted_primary_key[0]
    return rt, system, sales


def create_many(rt, system, owner, form: str, n: int, remind_at: str) -> float:
    """Seconds to save ``n`` records one transaction each (what users do)."""
    start = time.perf_counter()
    for i in range(n):
        record_service.create_record(rt, system, "crm", form, {"customer": f"C{i}", "remind_at": remind_at, "status": "pending"},
                                     owner_id=owner)
    return time.perf_counter() - start


def bench_save(url: str, n: int, url_hook: str) -> None:
    rt, system, sales = open_runtime(url)
    wf_service.create_workflow(rt, system, "crm", workflow(url_hook, TWO_OFFSETS))
    wf_service.publish_workflow(rt, system, "crm", "follow_up_reminder")
    create_many(rt, system, sales, "plain", 20, "2026-03-10T15:00:00+08:00")  # warm caches
    create_many(rt, system, sales, "reminder", 20, "2026-03-10T15:00:00+08:00")
    bare = min(create_many(rt, system, sales, "plain", n, "2026-03-10T15:00:00+08:00") for _ in range(2)) / n
    planned = min(create_many(rt, system, sales, "reminder", n, "2026-03-10T15:00:00+08:00") for _ in range(2)) / n
    print(f"  save + plan 2 reminders: {planned * 1e3:7.2f} ms   bare save: {bare * 1e3:7.2f} ms   "
          f"ratio {planned / bare:5.2f}x  (planning adds {(planned - bare) * 1e3:.2f} ms)")
    rt.db.dispose()


def _publish_rate(url: str, n: int, url_hook: str) -> tuple[float, int]:
    """Due rows planned per second when the workflow is first published over ``n`` existing records."""
    rt, system, sales = open_runtime(url)
    first = datetime(2026, 3, 10, 15, 0, tzinfo=timezone(timedelta(hours=8)))
    with rt.db.transaction() as conn:
        for i in range(n):  # a different time each (7 minutes apart): no two records share their fire times
            remind_at = (first + timedelta(minutes=7 * i)).isoformat()
            record_service.create_record(rt, system, "crm", "reminder", {"customer": f"C{i}", "remind_at": remind_at,
                                                                          "status": "pending"}, owner_id=sales, conn=conn)
    wf_service.create_workflow(rt, system, "crm", workflow(url_hook, TWO_OFFSETS))
    start = time.perf_counter()
    planned = wf_service.publish_workflow(rt, system, "crm", "follow_up_reminder")["planned"]
    rate = planned["inserted"] / (time.perf_counter() - start)
    rt.db.dispose()
    return rate, planned["inserted"]


def _add_job_rate(url: str, jobs: int) -> float:
    """APScheduler 3: ``add_job`` per record on a SQLAlchemy job store in the same kind of database."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    rt, _system, _sales = open_runtime(url)
    store = SQLAlchemyJobStore(engine=rt.db.engine, tablename="bench_apscheduler_jobs")
    aps = BackgroundScheduler(jobstores={"default": store}, timezone="UTC")
    aps.start(paused=True)
    when = datetime.now(UTC) + timedelta(days=30)
    start = time.perf_counter()
    for i in range(jobs):
        aps.add_job("builtins:print", "date", run_date=when + timedelta(seconds=i), args=[i], id=f"r{i}")
    rate = jobs / (time.perf_counter() - start)
    aps.shutdown(wait=False)
    rt.db.dispose()
    return rate


def bench_bulk(url, n: int, url_hook: str, rounds: int) -> None:
    """Alternate our publish and APScheduler's add_job ``rounds`` times, each on a new database; compare the best of each.

    Best-of-N on both sides (as ``timeit`` advises): on a shared machine a round's speed can swing by 1.5x.
    """
    ours, theirs, rows = [], [], 0
    for _ in range(rounds):
        rate, rows = _publish_rate(url(), n, url_hook)
        ours.append(rate)
        theirs.append(_add_job_rate(url(), min(n * 2, 2000)))  # enough jobs for a stable rate
    pairs = sorted(o / t for o, t in zip(ours, theirs))
    print(f"  bulk scheduling: {max(ours):9.0f} due rows/s (publish over {n} records, {rows} rows)   "
          f"APScheduler add_job: {max(theirs):7.0f} jobs/s   ratio {max(ours) / max(theirs):6.1f}x best of {rounds} each "
          f"(rounds {pairs[0]:.1f}x-{pairs[-1]:.1f}x; goal 50x)")


def _pending(rt) -> int:
    with rt.db.read() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(outbox).where(outbox.c.status == "pending")).scalar_one()


def bench_tick(url: str, n: int, senders: int) -> None:
    """``senders`` 0: the tick sends inline (run a batch, send it, repeat); N: N sender processes send beside it."""
    receiver = Receiver()
    rt, system, sales = open_runtime(url)
    wf_service.create_workflow(rt, system, "crm", workflow(receiver.url, ONE_HOUR))
    wf_service.publish_workflow(rt, system, "crm", "follow_up_reminder")
    with rt.db.transaction() as conn:
        for i in range(n):  # all due in the same minute
            record_service.create_record(rt, system, "crm", "reminder", {"customer": f"C{i}", "remind_at": "2026-03-10T15:00:00+08:00",
                                                                          "status": "pending"}, owner_id=sales, conn=conn)
    rt.clock.set("2026-03-10T06:00:00Z")  # all n are due now
    pool = Senders(rt, senders).start() if senders else None  # a running service: already up when they come due
    start = time.time()
    report = tick(rt, max_batches=10_000, senders=pool)  # what the scheduler's interval job runs (default batch size)
    if pool is not None:
        deadline = time.time() + 600
        while _pending(rt) and time.time() < deadline:
            time.sleep(0.02)
    total = time.time() - start
    if pool is not None:
        pool.stop()
    assert tick(rt).claimed == 0
    arrivals = receiver.arrivals()
    keys = [k for k, _, _ in arrivals]
    late = sorted(t - start for _, t, _ in arrivals)
    p = (lambda q: late[min(len(late) - 1, int(q * len(late)))] if late else float("nan"))
    how = f"{senders} sender process(es)" if senders else "sent inline by the tick"
    print(f"  {n} due in the same minute, {how}: {report.done / total:5.0f} rows/s run and sent; delivered {len(set(keys))}, "
          f"duplicates {len(keys) - len(set(keys))}, lateness p50 {p(0.5):.2f} s p99 {p(0.99):.2f} s, all done in {total:.1f} s "
          f"(goal {n} / 0 / p99 <= 5 s)")
    rt.db.dispose()


def _quantile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))] if sorted_values else float("nan")


def _scheduler_env(url: str, tmp: Path, secret: str) -> dict:
    """A `formflow scheduler` as an operator starts it: this database, the receiver allowed, every other option default."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FORMFLOW_", "PROMETHEUS_", "WEBHOOK_", "SMTP_"))}
    env.update({"DATABASE_URL": url, "FORMFLOW_INSTANCE": str(tmp / "instance"), "FORMFLOW_INSTALL_TEMPLATES": "0",
                "SECRET_KEY": secret, "WEBHOOK_ALLOWLIST": "127.0.0.1/32",
                "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    return env


def _backlog(rt) -> int:
    """Due rows whose time has come and outbox rows not yet sent (what the scheduler still owes)."""
    with rt.db.read() as conn:
        due = conn.execute(sa.select(sa.func.count()).select_from(due_events).where(
            due_events.c.status == "pending", due_events.c.fire_at <= rt.clock.now())).scalar_one()
    return due + _pending(rt)


def bench_wall_clock(url: str, n: int, spread: float, scheduler_args: list[str], lead: float) -> dict:
    """A real `formflow scheduler` process with its default options: ``n`` reminders due within ``spread`` seconds on
    the wall clock, lateness measured at the receiver from each record's own due instant (not from a tick's start).

    The scheduler is started first and idles, as a running service does. The records are then written in bulk and the
    workflow is published over them (its bulk planning), so the first reminder comes due ``lead`` seconds after the
    records are first written, however loaded the machine is while they are saved one by one.
    """
    receiver = Receiver()
    secret = uuid.uuid4().hex * 2  # the webhook address is sealed with it: the scheduler must have the same
    rt, system, sales = open_runtime(url, SystemClock(), SECRET_KEY=secret)
    wf_service.create_workflow(rt, system, "crm", workflow(receiver.url, ONE_HOUR))
    tmp = Path(tempfile.mkdtemp())
    scheduler = subprocess.Popen([sys.executable, "-m", "formflow", "scheduler", *scheduler_args], cwd=tmp,
                                 env=_scheduler_env(url, tmp, secret), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    banner = scheduler.stdout.readline().strip()
    with rt.db.read() as conn:
        fid = conn.execute(sa.select(forms.c.id).where(forms.c.key == "reminder")).scalar_one()
    first = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=int(lead))
    now = rt.clock.now()
    rows = [{"form_id": fid, "form_version": 1, "owner_id": sales, "created_at": now, "updated_at": now, "version": 1,
             "data": {"customer": f"W{i}", "status": "pending",  # the reminder fires 1 hour before remind_at
                      "remind_at": (first + timedelta(seconds=int(i * spread / n), hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")}}
            for i in range(n)]
    with rt.db.transaction() as conn:
        conn.execute(sa.insert(records), rows)
    planned = wf_service.publish_workflow(rt, system, "crm", "follow_up_reminder")["planned"]["inserted"]
    ready = datetime.now(UTC)
    try:
        if planned != n:
            print(f"  warning: {planned} reminders planned for {n} records")
        if (first - ready).total_seconds() < 1:
            print(f"  warning: the reminders were planned {(ready - first).total_seconds():.1f} s after the first due instant "
                  "(raise --lead)")
        deadline = first.timestamp() + spread + 300
        while time.time() < first.timestamp() + spread or (_backlog(rt) and time.time() < deadline):
            time.sleep(0.5)
        time.sleep(1.0)  # the last answers in flight
    finally:
        scheduler.send_signal(signal.SIGTERM)
        try:
            _out, err = scheduler.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            scheduler.kill()
            _out, err = scheduler.communicate()
    arrivals = receiver.arrivals()
    keys = [k for k, _, _ in arrivals]
    # each key names its firing's anchor (remind_at): the reminder was due 1 hour before it
    anchors = [re.search(r"@(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ):", k) for k, _, _ in arrivals]
    late = sorted(t - (datetime.fromisoformat(a.group(1).replace("Z", "+00:00")) - timedelta(hours=1)).timestamp()
                  for a, (_, t, _) in zip(anchors, arrivals) if a)
    if len(late) < len(arrivals):
        print(f"  {len(arrivals) - len(late)} call(s) whose key names no due instant, e.g. {arrivals[0]!r}")
    figures = {"delivered": len(set(keys)), "duplicates": len(keys) - len(set(keys)), "p50": _quantile(late, 0.5),
               "p95": _quantile(late, 0.95), "p99": _quantile(late, 0.99), "max": late[-1] if late else float("nan")}
    print(f"  wall clock, {banner!r}: {n} due within {spread:g} s from {first:%H:%M:%S}Z: delivered {figures['delivered']}, "
          f"duplicates {figures['duplicates']}, lateness from each due instant p50 {figures['p50']:.2f} s p95 {figures['p95']:.2f} s "
          f"p99 {figures['p99']:.2f} s max {figures['max']:.2f} s (goal {n} / 0 / p99 <= 5 s)")
    if figures["delivered"] < n or "Traceback" in (err or ""):
        with rt.db.read() as conn:
            for table in (due_events, outbox):
                why = table.c.reason if table is due_events else table.c.last_error
                for status, reason, count in conn.execute(sa.select(table.c.status, why, sa.func.count()).group_by(table.c.status, why)):
                    print(f"  {table.name} {status}: {count} ({reason})")
        print("  scheduler stderr:\n" + (err or "")[-3000:])
    rt.db.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=5000, help="records for the bulk-scheduling figure (the save figure uses up to 300)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the bulk-scheduling figure (best of each side)")
    parser.add_argument("--due", type=int, default=10_000, help="reminders due in the same minute")
    parser.add_argument("--senders", default="1,2", help="sender process counts for the burst figure, comma-separated (0: inline only)")
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--wall-clock", action="store_true",
                        help="only the wall-clock figure: a real `formflow scheduler` (default options) on PostgreSQL")
    parser.add_argument("--spread", type=float, default=60.0, help="wall clock: the due instants spread over this many seconds")
    parser.add_argument("--lead", type=float, default=20.0,
                        help="wall clock: seconds from writing the records to the first due instant")
    parser.add_argument("--runs", type=int, default=2, help="wall clock: runs, each on a new schema")
    parser.add_argument("--scheduler-args", default="", help="wall clock: options given to `formflow scheduler` (none: defaults)")
    args = parser.parse_args()
    hook = "http://127.0.0.1:9/never-called"  # save and bulk figures plan only; nothing is sent
    targets = [("SQLite", lambda: f"sqlite:///{tempfile.mkdtemp()}/bench.db")]
    admin = None
    if not args.skip_pg:
        admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        schemas: list[str] = []

        def pg_url():
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            schemas.append(schema)
            sep = "&" if "?" in PG_URL else "?"
            return f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"

        targets.append(("PostgreSQL", pg_url))
    try:
        if args.wall_clock:
            if admin is None:
                raise SystemExit("--wall-clock runs on PostgreSQL (drop --skip-pg)")
            print(f"PostgreSQL, wall clock ({os.cpu_count()} cores shared by the scheduler, its senders, this process, "
                  "the receiver and the database server):")
            for _ in range(args.runs):
                bench_wall_clock(pg_url(), args.due, args.spread, args.scheduler_args.split(), args.lead)
            return
        for name, url in targets:
            print(f"{name}:")
            bench_save(url(), min(args.records, 300), hook)
            bench_bulk(url, args.records, hook, args.rounds)
            bench_tick(url(), args.due, 0)
            for senders in sorted({int(n) for n in args.senders.split(",") if n.strip()} - {0}):
                bench_tick(url(), args.due, senders)
    finally:
        if admin is not None:
            with admin.connect() as conn:
                for schema in schemas:
                    conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
