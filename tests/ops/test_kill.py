"""Two web workers and two schedulers on PostgreSQL under mixed load, one of each SIGKILLed midway.

For ``LOAD_SECONDS`` four clients create, update and list visits through ``formflow serve`` (2 workers) while two
``formflow scheduler`` processes fire a reminder webhook one minute before each visit (so within seconds of its
creation) to a local receiver. Midway one gunicorn worker and one scheduler are killed with SIGKILL. Afterwards:
every 201 is stored exactly once, the serial numbers have no gap, every visit's reminder reached the receiver
exactly once (by its idempotency key), and ``/metrics`` counts what the receiver counted.
"""
from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from engine.runtime import Actor
from engine.services import credentials, users
from engine.services import forms as form_service
from engine.services import workflows as wf_service
from engine.storage.tables import forms, records
from engine.workflows.tables import due_events
from formflow import create_app
from tests.ops.test_serve import TEST_SECRET_KEY, fetch, free_port, scrape, serve_env, wait_until_up

pytestmark = pytest.mark.slow

#: how long the clients drive the server
LOAD_SECONDS = 24
#: when the worker and the scheduler are killed, after the load starts
KILL_AFTER_SECONDS = 10
#: how long the reminders still due after the load may take to arrive
DRAIN_SECONDS = 35
#: seconds the outbox lease lasts in this test (a killed scheduler's messages are taken over after it)
OUTBOX_LEASE_SECONDS = 5

VISIT = {"key": "visit", "label": "Visit", "fields": [
    {"id": "code", "type": "serial", "options": {"format": "V{0000}"}},
    {"id": "customer", "type": "text", "required": True},
    {"id": "visit_at", "type": "datetime"},
    {"id": "note", "type": "text"}]}


class Receiver:
    """Counts webhook calls by idempotency key."""

    def __init__(self):
        self.keys: list[str] = []
        self.lock = threading.Lock()
        self.server = make_server("127.0.0.1", 0, self, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def __call__(self, environ, start_response):
        request = Request(environ)
        key = request.headers.get("Idempotency-Key") or json.loads(request.get_data() or b"{}").get("idempotency_key")
        with self.lock:
            self.keys.append(key)
        return Response("ok")(environ, start_response)


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def test_kill_a_worker_and_a_scheduler_midway(pg_url, tmp_path):
    receiver = Receiver()
    allow = f"127.0.0.1:{receiver.server.server_port}"
    setup = create_app({"DATABASE_URL": pg_url, "INSTANCE_PATH": str(tmp_path / "setup"), "INSTALL_TEMPLATES": False,
                        "TESTING": True, "SECRET_KEY": TEST_SECRET_KEY, "WEBHOOK_ALLOWLIST": [allow]})
    rt, system = setup.extensions["formflow"], Actor.system()
    admin = users.create_user(rt, system, "admin", display_name="Admin", roles=["admin"], check=False)
    token = credentials.create_token(rt, Actor.user(admin["id"]), "kill test")["token"]
    form_service.create_app(rt, system, "crm", {"en": "CRM"})
    form_service.create_form(rt, system, "crm", VISIT)
    form_service.publish_form(rt, system, "crm", "visit")
    wf_service.create_workflow(rt, system, "crm", {
        "key": "visit_reminder", "form": "visit",
        "trigger": {"type": "date_relative", "field": "visit_at", "offsets": [{"amount": 1, "unit": "minutes", "direction": "before"}]},
        "steps": [{"id": "call", "type": "webhook", "url": receiver.url}]})
    wf_service.publish_workflow(rt, system, "crm", "visit_reminder")

    env = serve_env(pg_url, tmp_path, WEBHOOK_ALLOWLIST=allow, FORMFLOW_OUTBOX_LEASE=str(OUTBOX_LEASE_SECONDS),
                    PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"), FORMFLOW_THREADS="2")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = subprocess.Popen([sys.executable, "-m", "formflow", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
                           cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    schedulers: list[subprocess.Popen] = []
    records_url = f"{base}/api/apps/crm/forms/visit/records"
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    created: list[int] = []
    failures = Counter()
    lock = threading.Lock()
    try:
        wait_until_up(base, web)
        # started once the web server answers: each scheduler brings its sender processes, and six engine start-ups
        # beside gunicorn's on two shared cores can outlast the server's start-up wait
        schedulers += [subprocess.Popen([sys.executable, "-m", "formflow", "scheduler", "--interval", "1"], cwd=tmp_path,
                                        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
        stop_at = time.monotonic() + LOAD_SECONDS

        def client(seed: int) -> None:
            rnd = random.Random(seed)
            while time.monotonic() < stop_at:
                op = rnd.choice(("create", "create", "update", "list"))
                try:
                    if op == "create" or not created:
                        visit_at = datetime.now(timezone.utc) + timedelta(seconds=60 + rnd.randint(3, 12))
                        body = {"data": {"customer": f"C{rnd.randint(1, 10**6)}",
                                         "visit_at": visit_at.strftime("%Y-%m-%dT%H:%M:%SZ")}}
                        status, _, answer = fetch(records_url, method="POST", data=json.dumps(body).encode(), headers=auth)
                        if status == 201:
                            with lock:
                                created.append(json.loads(answer)["id"])
                            continue
                    elif op == "update":
                        with lock:
                            rid = rnd.choice(created)
                        status, _, _ = fetch(f"{records_url}/{rid}", method="PATCH", headers=auth,
                                             data=json.dumps({"data": {"note": f"n{rnd.randint(1, 999)}"}}).encode())
                        if status in (200, 412):
                            continue
                    else:
                        status, _, _ = fetch(records_url + "?page_size=20", headers=auth)
                        if status == 200:
                            continue
                    failures[f"{op} {status}"] += 1
                except OSError as exc:  # the killed worker's connections
                    failures[f"{op} {type(exc).__name__}"] += 1

        threads = [threading.Thread(target=client, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        time.sleep(KILL_AFTER_SECONDS)  # the real processes run on the wall clock; the test waits for their midpoint
        workers = children(web.pid)
        assert len(workers) == 2, workers
        os.kill(workers[0], signal.SIGKILL)
        schedulers[0].send_signal(signal.SIGKILL)
        for t in threads:
            t.join()
        with rt.db.read() as conn:
            stored = conn.execute(sa.select(records.c.id).join(forms, forms.c.id == records.c.form_id)
                                  .where(forms.c.key == "visit")).scalars().all()
        deadline = time.monotonic() + DRAIN_SECONDS
        while time.monotonic() < deadline and len(set(receiver.keys)) < len(stored):
            time.sleep(0.5)
        samples = scrape(base)
    finally:
        for process in (web, *schedulers):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (web, *schedulers):
            process.wait(timeout=60)
        receiver.server.shutdown()

    # every 201 stored once, nothing stored that wasn't answered or cut off
    assert len(created) == len(set(created)) > 50, failures
    assert set(created) <= set(stored)
    assert len(stored) - len(created) <= sum(n for k, n in failures.items() if k.startswith("create"))
    with rt.db.read() as conn:
        data = conn.execute(sa.select(records.c.data).join(forms, forms.c.id == records.c.form_id)
                            .where(forms.c.key == "visit")).scalars().all()
    numbers = sorted(int(re.fullmatch(r"V(\d{4})", d["code"]).group(1)) for d in data)
    assert numbers == list(range(1, len(stored) + 1))  # serials gap-free
    # every reminder delivered, each exactly once by its key
    by_record = Counter(int(re.search(r":r(\d+):", k).group(1)) for k in set(receiver.keys))
    missing = sorted(set(stored) - set(by_record))
    with rt.db.read() as conn:
        why = conn.execute(sa.select(due_events.c.record_id, due_events.c.status, due_events.c.fire_at, due_events.c.reason)
                           .where(due_events.c.record_id.in_(missing[:10]))).all()
    assert not missing and set(by_record.values()) == {1}, (len(missing), why)
    duplicates = len(receiver.keys) - len(set(receiver.keys))
    assert duplicates == 0, f"{duplicates} repeated deliveries (same idempotency key)"
    # /metrics counts what the receiver counted, and the creates the workers answered
    assert samples[("formflow_deliveries_total", (("channel", "webhook"), ("outcome", "sent")))] == len(set(receiver.keys))
    answered = samples[("formflow_http_requests_total", (("method", "POST"), ("route", "/api/apps/<app_key>/forms/<form_key>/records"),
                                                         ("status", "201")))]
    assert len(created) <= answered <= len(stored)
    print(f"\n{len(created)} created (201), {len(stored)} stored, {len(receiver.keys)} webhooks, failures {dict(failures)}, "
          f"201s counted by /metrics {answered:g}")
    rt.db.dispose()
