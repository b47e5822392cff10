"""Each notification goes out once: concurrent ticks, re-run ticks, retries, and a scheduler killed mid-batch."""
from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from engine.clock import FrozenClock
from engine.notifications.tables import inbox_messages
from engine.runtime import Runtime
from engine.scheduler import Scheduler, Senders, run_due, tick
from engine.services import records as record_service
from engine.services import workflows as wf_service
from engine.workflows.outbox import MAX_DELIVERY_ATTEMPTS, deliver_outbox
from engine.workflows.tables import outbox
from tests.workflows.conftest import reminder_workflow

ROOT = Path(__file__).resolve().parents[2]


def _one_hour_before(url: str) -> dict:
    definition = reminder_workflow(url)
    definition["trigger"]["offsets"] = [{"amount": 1, "unit": "hours", "direction": "before"}]
    return definition


def _many(rt, system, owner, n: int) -> None:
    with rt.db.transaction() as conn:  # one transaction: the due rows are planned by the same save path
        for i in range(n):
            record_service.create_record(rt, system, "crm", "reminder", {"customer": f"C{i}", "remind_at": "2026-03-10T15:00:00+08:00",
                                                                         "status": "pending"}, owner_id=owner, conn=conn)


def _inbox_count(rt) -> tuple[int, int]:
    with rt.db.read() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(inbox_messages)).scalar_one()
        keys = conn.execute(sa.select(sa.func.count(sa.distinct(inbox_messages.c.idempotency_key)))).scalar_one()
    return total, keys


def test_two_concurrent_ticks_never_double_send(rt, db_url, system, clock, crm, receiver):
    wf_service.create_workflow(rt, system, "crm", _one_hour_before(receiver.url))
    wf_service.publish_workflow(rt, system, "crm", "follow_up_reminder")
    _many(rt, system, crm["sales"], 60)
    clock.set("2026-03-10T06:00:00Z")
    others = [Runtime.open(db_url, clock=clock, config=dict(rt.config), migrate=False) for _ in range(2)]
    barrier = threading.Barrier(2)
    reports = []

    def run(other):
        barrier.wait()
        reports.append(tick(other, limit=7))

    threads = [threading.Thread(target=run, args=(o,)) for o in others]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.done for r in reports) == 60
    assert len(receiver.calls) == len(set(receiver.keys())) == 60
    assert _inbox_count(rt) == (120, 120)  # owner + manager copy, each once
    again = tick(rt)  # re-running a tick sends nothing new
    assert (again.claimed, again.delivery.leased, len(receiver.calls)) == (0, 0, 60)
    for o in others:
        o.db.dispose()


def test_failed_delivery_is_retried_with_backoff_and_sent_once(rt, system, clock, crm, receiver):
    wf_service.create_workflow(rt, system, "crm", _one_hour_before(receiver.url))
    wf_service.publish_workflow(rt, system, "crm", "follow_up_reminder")
    _many(rt, system, crm["sales"], 1)
    clock.set("2026-03-10T06:00:00Z")
    receiver.fail_next = 1
    report = tick(rt)
    assert (report.delivery.sent, report.delivery.retried) == (1, 1)  # inbox sent, webhook answered 503
    with rt.db.read() as conn:
        row = conn.execute(sa.select(outbox).where(outbox.c.channel == "webhook")).mappings().one()
    assert row["status"] == "pending" and "503" in row["last_error"] and row["next_attempt_at"] > clock.now()
    assert tick(rt).delivery.leased == 0  # not before the backoff is over
    clock.set(row["next_attempt_at"])
    assert tick(rt).delivery.sent == 1
    assert len(receiver.calls) == 1


def test_a_batch_with_sent_retried_and_failed_messages_marks_each(rt, system, clock, crm, receiver):
    """Outcomes are written grouped (one UPDATE per shared outcome); each message still gets its own."""
    wf_service.create_workflow(rt, system, "crm", _one_hour_before(receiver.url))
    wf_service.publish_workflow(rt, system, "crm", "follow_up_reminder")
    _many(rt, system, crm["sales"], 3)
    clock.set("2026-03-10T06:00:00Z")
    assert run_due(rt).done == 3
    with rt.db.transaction() as conn:
        hooks = conn.execute(sa.select(outbox.c.id).where(outbox.c.channel == "webhook").order_by(outbox.c.id)).scalars().all()
        conn.execute(sa.update(outbox).where(outbox.c.id == hooks[0]).values(attempts=MAX_DELIVERY_ATTEMPTS - 1))
    receiver.fail_next = 2  # the first two webhooks get a 503: the first on its last attempt, the second with tries left
    report = deliver_outbox(rt, threads=1)
    assert (report.sent, report.retried, report.failed) == (4, 1, 1)  # 3 inbox rows (owner + manager copy each), 1 webhook
    with rt.db.read() as conn:
        rows = {r["id"]: r for r in conn.execute(sa.select(outbox).where(outbox.c.id.in_(hooks))).mappings()}
    failed, retried, sent = (rows[i] for i in hooks)
    assert (failed["status"], failed["attempts"], failed["sent_at"]) == ("failed", MAX_DELIVERY_ATTEMPTS, None)
    assert "503" in failed["last_error"]
    assert (retried["status"], retried["attempts"]) == ("pending", 1) and retried["next_attempt_at"] > clock.now()
    assert (sent["status"], sent["attempts"], sent["sent_at"], sent["last_error"]) == ("sent", 1, clock.now(), None)
    assert _inbox_count(rt) == (6, 6)
    clock.set(retried["next_attempt_at"])
    assert deliver_outbox(rt).sent == 1 and len(receiver.calls) == 2  # the retried one; the failed one stays failed


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_scheduler_processes_one_killed_mid_batch(rt, db_url, system, clock, crm, receiver):
    """2,000 due notifications, two scheduler processes, one SIGKILLed while it sends: every one delivered.

    The inbox is exactly once (unique idempotency key). The webhook is at-least-once in the crash window:
    the receiver sees each idempotency key, and a repeat only for messages in flight when the process died.
    """
    n = 2000
    wf_service.create_workflow(rt, system, "crm", _one_hour_before(receiver.url))
    wf_service.publish_workflow(rt, system, "crm", "follow_up_reminder")
    _many(rt, system, crm["sales"], n)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "tests.workflows.scheduler_worker", db_url, "2026-03-10T06:00:00Z"]
    victim = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    survivor = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    killed = threading.Event()
    original = receiver.__call__

    def kill_at_500(environ, start_response):
        if len(receiver.calls) >= 500 and not killed.is_set():
            killed.set()
            os.kill(victim.pid, signal.SIGKILL)  # mid-batch: it has claimed rows and is waiting on sends
        return original(environ, start_response)

    receiver.__class__ = type("KillingReceiver", (type(receiver),), {"__call__": lambda self, e, s: kill_at_500(e, s)})
    survivor.communicate(timeout=600)
    victim.wait(timeout=600)
    assert killed.is_set() and victim.returncode == -signal.SIGKILL
    # the victim's leased messages come back once the lease is over: a later scheduler finishes them
    late = subprocess.run(cmd[:-1] + ["2026-03-10T06:10:00Z"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert late.returncode == 0, late.stderr
    keys = receiver.keys()
    assert len(set(keys)) == n  # every webhook delivered
    repeats = len(keys) - len(set(keys))
    assert repeats <= 50  # only what was in flight in the killed process
    assert _inbox_count(rt) == (2 * n, 2 * n)  # inbox: exactly once, owner + manager
    with rt.db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(outbox).where(outbox.c.status != "sent")).scalar_one() == 0
    print(f"\nkilled mid-batch: {n} due, webhook calls {len(keys)} ({repeats} repeats of in-flight sends), inbox {2 * n} exactly once")


def _unsent(rt) -> int:
    with rt.db.read() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(outbox).where(outbox.c.status != "sent")).scalar_one()


def test_sender_processes_send_each_message_once(rt, system, clock, crm, receiver):
    """Two sender processes drain the outbox while the tick keeps running due rows (``tick(senders=...)``)."""
    n = 120
    wf_service.create_workflow(rt, system, "crm", _one_hour_before(receiver.url))
    wf_service.publish_workflow(rt, system, "crm", "follow_up_reminder")
    _many(rt, system, crm["sales"], n)
    clock.set("2026-03-10T06:00:00Z")
    senders = Senders(rt, 2, limit=15).start()  # they get the frozen clock as it shows now
    try:
        assert senders.alive() == 2
        report = tick(rt, limit=20, max_batches=100, senders=senders)
        assert (report.claimed, report.done, report.delivery.leased) == (n, n, 0)  # the tick itself sent nothing
        deadline = time.monotonic() + 120  # waiting for other processes to finish, not for the clock
        while _unsent(rt) and time.monotonic() < deadline:
            senders.wake()
            time.sleep(0.05)
    finally:
        senders.stop()
    assert senders.alive() == 0
    assert _unsent(rt) == 0
    assert len(receiver.keys()) == len(set(receiver.keys())) == n
    assert _inbox_count(rt) == (2 * n, 2 * n)
    assert tick(rt).claimed == 0 and tick(rt).delivery.leased == 0


def test_senders_refuse_to_start_without_a_database(clock):
    broken = SimpleNamespace(db=SimpleNamespace(url="nosuchdialect://nowhere"), config={}, clock=clock)
    with pytest.raises(ValueError, match="at least 1"):
        Senders(broken, 0)
    senders = Senders(broken, 1)
    with pytest.raises(RuntimeError, match="sender process could not start: .*nosuchdialect"):
        senders.start(timeout=120)
    assert senders.alive() == 0


def test_a_frozen_clock_is_copied_as_it_shows():
    clock = FrozenClock("2026-03-10T06:00:00Z")
    copy = pickle.loads(pickle.dumps(clock))
    clock.advance(hours=1)
    assert copy.now() == datetime(2026, 3, 10, 6, tzinfo=timezone.utc)
    copy.advance(minutes=5)
    assert copy.now() == datetime(2026, 3, 10, 6, 5, tzinfo=timezone.utc)


def test_the_scheduler_service_runs_due_rows_and_its_sender_sends(rt, system, clock, crm, receiver):
    """``formflow scheduler --senders 1``: the interval job runs due rows, the sender process sends them."""
    wf_service.create_workflow(rt, system, "crm", _one_hour_before(receiver.url))
    wf_service.publish_workflow(rt, system, "crm", "follow_up_reminder")
    _many(rt, system, crm["sales"], 20)
    clock.set("2026-03-10T06:00:00Z")
    service = Scheduler(rt, interval=0.2, senders=1)
    service.start()
    try:
        deadline = time.monotonic() + 120  # waiting for the service's thread and process, not for the clock
        while (len(receiver.keys()) < 20 or _unsent(rt)) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        service.shutdown()
    assert service.ticks >= 1 and service.senders.alive() == 0
    assert len(receiver.keys()) == len(set(receiver.keys())) == 20
    assert _unsent(rt) == 0 and _inbox_count(rt) == (40, 40)


def test_settings_that_cannot_cross_processes_stay_behind(clock):
    from engine.scheduler import _portable

    assert _portable({"WEBHOOK_ALLOWLIST": ["127.0.0.1/32"], "RESOLVER": lambda host: host, "CLOCK": clock}).keys() == {
        "WEBHOOK_ALLOWLIST", "CLOCK"}


def test_a_killed_sender_is_replaced(rt, system, clock, crm, receiver):
    wf_service.create_workflow(rt, system, "crm", _one_hour_before(receiver.url))
    wf_service.publish_workflow(rt, system, "crm", "follow_up_reminder")
    _many(rt, system, crm["sales"], 5)
    clock.set("2026-03-10T06:00:00Z")
    senders = Senders(rt, 2, limit=15).start()
    try:
        victim = senders.processes[0]
        os.kill(victim.pid, signal.SIGKILL)
        victim.join(60)
        assert senders.alive() == 1
        assert senders.revive() == 1 and senders.alive() == 2 and senders.processes[0] is not victim
        assert tick(rt, senders=senders).done == 5
        deadline = time.monotonic() + 120  # waiting for other processes, not for the clock
        while _unsent(rt) and time.monotonic() < deadline:
            senders.wake()
            time.sleep(0.05)
    finally:
        senders.stop()
    assert senders.revive() == 0  # a stopped pool is not brought back
    assert len(receiver.keys()) == len(set(receiver.keys())) == 5


@pytest.mark.parametrize("budget, parallel", [(0.0, True), (3600.0, False)])
def test_a_batch_goes_parallel_only_when_sends_are_slow(rt, system, clock, crm, receiver, budget, parallel, monkeypatch):
    """Quick sends stay on one thread (threads only add GIL hand-offs); slower than the budget, the rest go to the pool.

    Either way every webhook arrives once and each message is marked with its own outcome.
    """
    from engine.workflows import outbox as outbox_module

    wf_service.create_workflow(rt, system, "crm", _one_hour_before(receiver.url))
    wf_service.publish_workflow(rt, system, "crm", "follow_up_reminder")
    _many(rt, system, crm["sales"], 12)
    clock.set("2026-03-10T06:00:00Z")
    assert run_due(rt).done == 12
    senders: list[int] = []
    real_send = outbox_module._send

    def send(channel_for, row):  # the real send, noting which thread ran it
        senders.append(threading.get_ident())
        return real_send(channel_for, row)

    monkeypatch.setattr(outbox_module, "_send", send)
    receiver.fail_next = 1
    report = deliver_outbox(rt, threads=4, serial_budget=budget)
    assert (report.sent, report.retried) == (12 + 11, 1)  # 12 inbox rows, 11 webhooks (the first got a 503)
    webhook_threads = senders[-12:]
    assert webhook_threads[0] == threading.get_ident()  # the first send always runs here: it is what the average starts from
    assert any(t != threading.get_ident() for t in webhook_threads[1:]) is parallel
    assert len(receiver.keys()) == len(set(receiver.keys())) == 11
    with rt.db.read() as conn:
        states = conn.execute(sa.select(outbox.c.status, sa.func.count()).where(outbox.c.channel == "webhook")
                              .group_by(outbox.c.status)).all()
    assert dict(states) == {"sent": 11, "pending": 1}
