"""The scheduler: runs what ``due_events`` says is due, then delivers the outbox.

``run_due`` is one tick. It claims a batch of due rows in one transaction
(PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so two schedulers take disjoint
rows; SQLite: the single ``BEGIN IMMEDIATE`` writer), runs each row's steps
inside a savepoint on that same connection (record changes, outbox rows,
the run log, the row's new status), and commits. A process killed mid-batch
commits nothing: the rows are pending again and the next tick redoes them,
and the outbox's unique idempotency key keeps a firing from queueing twice.

Catch-up policy: a row found later than its workflow's ``catch_up_minutes``
(default 60) is not run but marked ``skipped`` with how late it was; a
schedule that missed several runs during downtime runs once and plans its
next run after now, never N times. ``Scheduler`` wraps APScheduler with ONE
interval job calling ``tick``; it is started by ``formflow scheduler``,
never inside web workers.

Senders. Running a due row costs a fraction of sending its message (HTTP
client work, TLS, waiting for the receiver), and one Python process sends on
one core. With ``senders=N`` the outbox is drained by N sender processes
(``Senders``) while the scheduler process keeps running due rows: each
committed batch wakes them, and they lease and send exactly as the inline
path does (the same outbox, leases and idempotency keys), so a burst of
reminders leaves as fast as the cores allow.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from engine.errors import FormflowError
from engine.runtime import Actor, Runtime
from engine.storage.db import copy_rows, ids_grouped
from engine.storage.tables import records
from engine.workflows.compiled import CompiledWorkflow, workflow_by_id
from engine.workflows.outbox import DELIVERY_THREADS, Batch, DeliveryReport, deliver_outbox, flush
from engine.workflows.planner import SWEEP_PREFIX, plan_sweep
from engine.workflows.steps import RunContext, run_steps
from engine.workflows.tables import due_events, workflow_runs
from apscheduler.schedulers.background import BackgroundScheduler
from engine.services import queries

log = logging.getLogger(__name__)

#: Due rows claimed per transaction.
DUE_BATCH = 200
#: Attempts at running a firing whose steps fail before it is marked failed.
MAX_FIRE_ATTEMPTS = 3
#: Wait before retrying a firing whose steps failed (doubles per attempt).
FIRE_RETRY_DELAY = timedelta(minutes=1)
#: Most records one schedule run fans out to (the rest wait for the next run).
MAX_SWEEP_RECORDS = 50_000
#: Seconds between ticks of the scheduler process when nothing is due sooner (it wakes at the next due instant): how
#: long a row planned by another process (a web worker) for right away may wait to be seen.
TICK_SECONDS = 1
#: Sender processes `formflow scheduler` starts by default: running due rows and sending them go on at once, on both
#: cores (10,000 reminders due within a minute, loaded machine: wall-clock p99 20 s inline, 11 s with 2 senders, 6.9 s with
#: 2 senders and the 1 s interval).
DEFAULT_SENDERS = 2
#: Shortest wait before the next tick when rows are due already (a tick that stopped at MAX_BATCHES_PER_TICK).
MIN_WAKE_SECONDS = 0.2
#: Batches run per tick before yielding (bounds one tick's length when a backlog is large).
MAX_BATCHES_PER_TICK = 50
#: Seconds an idle sender process waits for a wake-up before looking at the outbox anyway (retries come due by time).
SENDER_POLL_SECONDS = 1.0
#: Seconds to wait for sender processes to start (they import the engine and open the database).
SENDER_START_TIMEOUT = 60.0


@dataclass
class TickReport:
    claimed: int = 0
    done: int = 0
    skipped: int = 0
    cancelled: int = 0
    failed: int = 0
    retried: int = 0
    delivery: DeliveryReport = field(default_factory=DeliveryReport)


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _late_minutes(now: datetime, fire_at: datetime) -> float:
    return (now - fire_at).total_seconds() / 60


def _sweep(rt, conn, wf: CompiledWorkflow, row, now: datetime) -> tuple[str, str]:
    """A schedule run: fan out one due row per matching record (run by the next batches), plan the next run."""
    plan_sweep(conn, rt, wf, max(now, row["fire_at"]))
    late = _late_minutes(now, row["fire_at"])
    if late > wf.catch_up_minutes:
        return "skipped", f"schedule run found {late:.0f} minutes late (catch-up limit {wf.catch_up_minutes}); next run planned"

    form = wf.form(rt, conn)
    errors: list = []
    where = [records.c.form_id == wf.form_id, records.c.deleted_at.is_(None)]
    for i, f in enumerate(wf.definition["trigger"].get("filters") or []):
        clause = queries.filter_clause(form, queries.Filter(f["field"], f["op"], f.get("value")), conn.dialect.name, f"/filters/{i}", errors)
        if clause is not None:
            where.append(clause)
    if errors:
        return "failed", "; ".join(e.message for e in errors)
    occurrence = "cron@" + _iso(row["fire_at"])
    matched = conn.execute(sa.select(records.c.id, records.c.data).where(*where).order_by(records.c.id).limit(MAX_SWEEP_RECORDS)).all()
    chosen = [rid for rid, data in matched if wf.evaluate(wf.trigger.condition, rt, conn, dict(data))]
    have = set(conn.execute(sa.select(due_events.c.record_id).where(
        due_events.c.workflow_id == wf.id, due_events.c.occurrence == occurrence)).scalars())
    new = [{"workflow_id": wf.id, "workflow_version": wf.version, "record_id": rid, "occurrence": occurrence, "fire_at": now,
            "status": "pending", "attempts": 0, "created_at": now, "updated_at": now} for rid in chosen if rid not in have]
    if new:
        conn.execute(sa.insert(due_events), new)
    return "done", f"{len(chosen)} record(s) matched"


def _workflow(rt, conn, batch: Batch, workflow_id: int) -> CompiledWorkflow | None:
    if workflow_id not in batch.workflows:
        batch.workflows[workflow_id] = workflow_by_id(rt, conn, workflow_id)
    return batch.workflows[workflow_id]


def _reason(exc: Exception) -> str:
    """A failed firing's reason in words, with the problems a definition error lists (each names its setting or field)."""
    if not isinstance(exc, FormflowError):
        return f"{type(exc).__name__}: {exc}"
    # a problem that only repeats the message adds nothing but its path
    details = "; ".join(e.path if e.message == exc.message else f"{e.path}: {e.message}" for e in exc.errors if e.path or e.message != exc.message)
    return f"{exc.message} ({details})" if details else exc.message


def _fire(rt, conn, row, record, wf: CompiledWorkflow | None, now: datetime, batch: Batch) -> tuple[str, str | None, list, list]:
    """Run one due row: (status, reason, step outcomes, outbox rows to write)."""
    if wf is None:
        return "cancelled", "the workflow is disabled or no longer published", [], []
    if row["record_id"] == 0:
        status, detail = _sweep(rt, conn, wf, row, now)
        return status, detail, [], []
    if record is None or record["deleted_at"] is not None:
        return "cancelled", "record deleted", [], []
    late = _late_minutes(now, row["fire_at"])
    if row["attempts"] == 0 and late > wf.catch_up_minutes:
        return "skipped", f"found {late:.0f} minutes late; the catch-up limit is {wf.catch_up_minutes} minutes", [], []
    if not wf.evaluate(wf.trigger.condition, rt, conn, dict(record["data"])):
        return "skipped", "the trigger condition is false when it fired", [], []
    ctx = RunContext(rt, conn, wf, dict(record), row["occurrence"], row["id"], Actor.system().as_automation(f"workflow:{wf.key}"),
                     batch=batch)
    run_steps(wf.steps, ctx)
    return "done", None, ctx.outcomes, ctx.queued


def _run_row(row, status: str, detail: str | None, attempts: int, now: datetime, outcomes: list) -> dict:
    return {"workflow_id": row["workflow_id"], "workflow_version": row["workflow_version"], "due_event_id": row["id"],
            "record_id": row["record_id"], "occurrence": row["occurrence"], "status": status, "detail": detail,
            "attempts": attempts, "fire_at": row["fire_at"], "ran_at": now, "steps": outcomes}


def _claim(conn, now: datetime, limit: int):
    query = (sa.select(due_events).where(due_events.c.status == "pending", due_events.c.fire_at <= now,
                                         sa.or_(due_events.c.locked_until.is_(None), due_events.c.locked_until <= now))
             .order_by(due_events.c.fire_at, due_events.c.id).limit(limit))
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [dict(r) for r in conn.execute(query).mappings().all()]  # all(): one fetch, not a driver call per row


def _set_statuses(conn, statuses: list[dict]) -> None:
    """One UPDATE per distinct outcome (a burst of firings that all went well is one statement)."""
    groups = ids_grouped(statuses, ("b_status", "b_attempts", "b_reason", "b_locked", "b_now"))
    for (status, attempts, reason, locked, now), ids in groups.items():
        conn.execute(sa.update(due_events).where(due_events.c.id.in_(ids))
                     .values(status=status, attempts=attempts, reason=reason, locked_until=locked, updated_at=now))


def run_due(rt, now: datetime | None = None, limit: int = DUE_BATCH) -> TickReport:
    """Claim and run up to ``limit`` due rows in one transaction; returns what happened.

    Steps that change records run inside a savepoint per row, so one failing firing is retried later
    without undoing the others; outbox rows, status changes and the run log are written per batch.
    """
    now = now or rt.clock.now()
    report = TickReport()
    with rt.db.transaction() as conn:
        rows = _claim(conn, now, limit)
        report.claimed = len(rows)
        if not rows:
            return report
        batch = Batch()
        ids = [r["record_id"] for r in rows if r["record_id"]]
        found = {r["id"]: dict(r) for r in conn.execute(sa.select(records).where(records.c.id.in_(ids))).mappings().all()} if ids else {}
        statuses, runs, queued = [], [], []
        for row in rows:
            attempts = row["attempts"] + 1
            savepoint = None
            try:
                # a published version this process can't compile (e.g. its WEBHOOK_ALLOWLIST refuses a step's address)
                # fails this row with the reason, not the tick
                wf = _workflow(rt, conn, batch, row["workflow_id"])
                savepoint = conn.begin_nested() if wf is not None and (wf.writes_records or row["record_id"] == 0) else None
                status, detail, outcomes, messages = _fire(rt, conn, row, found.get(row["record_id"]), wf, now, batch)
                if savepoint is not None:
                    savepoint.commit()
            except Exception as exc:  # a failing step must not take the rest of the batch down
                if savepoint is not None:
                    savepoint.rollback()
                message = _reason(exc)
                if not isinstance(exc, FormflowError):
                    log.exception("workflow %s firing %s failed", row["workflow_id"], row["occurrence"])
                if savepoint is None and isinstance(exc, sa.exc.DBAPIError):
                    raise  # the transaction is unusable without a savepoint: the whole batch is retried next tick
                outcomes, messages = [], []
                if attempts >= MAX_FIRE_ATTEMPTS:
                    status, detail = "failed", f"gave up after {attempts} attempts: {message}"
                else:
                    statuses.append({"b_id": row["id"], "b_status": "pending", "b_attempts": attempts, "b_reason": message[:2000],
                                     "b_locked": now + FIRE_RETRY_DELAY * 2 ** (attempts - 1), "b_now": now})
                    runs.append(_run_row(row, "retrying", message, attempts, now, []))
                    report.retried += 1
                    continue
            queued += messages
            statuses.append({"b_id": row["id"], "b_status": status, "b_attempts": attempts, "b_reason": detail,
                             "b_locked": None, "b_now": now})
            runs.append(_run_row(row, status, detail, attempts, now, outcomes))
            setattr(report, status, getattr(report, status) + 1)
        flush(conn, queued)
        _set_statuses(conn, statuses)
        _write_runs(conn, runs)
    return report


#: The run log's columns in ``_run_row`` order.
_RUN_COLUMNS = ("workflow_id", "workflow_version", "due_event_id", "record_id", "occurrence", "status", "detail", "attempts",
                "fire_at", "ran_at", "steps")


def _write_runs(conn, runs: list[dict]) -> None:
    """The batch's run log: one binary COPY on PostgreSQL (a pipelined insert cost ~35 µs a row there), else one executemany."""
    if conn.dialect.name == "postgresql":
        copy_rows(conn, workflow_runs, _RUN_COLUMNS, (tuple(run[c] for c in _RUN_COLUMNS) for run in runs))
    elif runs:
        conn.execute(sa.insert(workflow_runs), runs)


def tick(rt, now: datetime | None = None, *, limit: int = DUE_BATCH, max_batches: int = MAX_BATCHES_PER_TICK,
         senders: "Senders | None" = None) -> TickReport:
    """What the interval job does: run a batch of due rows, send what it queued, repeat until nothing is left.

    Interleaving keeps lateness low under a burst: the first messages leave while later rows still run.
    With ``senders`` the sending happens in those processes instead: each committed batch wakes them,
    and this loop goes straight on to the next batch (``report.delivery`` then stays empty).
    """
    total = TickReport()
    for _ in range(max_batches):
        report = run_due(rt, now, limit)
        for name in ("claimed", "done", "skipped", "cancelled", "failed", "retried"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
        if senders is not None:
            if report.claimed:
                senders.wake()
                continue
            break
        sent = deliver_outbox(rt, now, limit)
        for name in ("leased", "sent", "retried", "failed"):
            setattr(total.delivery, name, getattr(total.delivery, name) + getattr(sent, name))
        if report.claimed == 0 and sent.leased == 0:  # a schedule run fans out rows due at once: go on until none is
            break
    return total


def next_pending(conn) -> datetime | None:
    """When the earliest pending row may run: its fire time, or the end of its retry wait if later."""
    ready = sa.case((due_events.c.locked_until > due_events.c.fire_at, due_events.c.locked_until), else_=due_events.c.fire_at)
    return conn.execute(sa.select(sa.func.min(ready)).where(due_events.c.status == "pending")).scalar()


def wake_delay(now: datetime, earliest: datetime | None, interval: float) -> float:
    """Seconds until the next tick: at the earliest pending row's time, but never later than ``interval`` (rows
    planned by other processes meanwhile are found by then) nor sooner than MIN_WAKE_SECONDS."""
    if earliest is None:
        return float(interval)
    return min(float(interval), max(MIN_WAKE_SECONDS, (earliest - now).total_seconds()))


#: What the scheduler writes to a sender's wake-up pipe.
_WAKE, _QUIT = b"w", b"q"


def _sender_main(url: str, config: dict, clock, limit: int, threads: int, poll: float, wake, ready) -> None:
    """A sender process: drain the outbox whenever woken (or every ``poll`` seconds), until told to quit.

    ``wake`` (read end) and ``ready`` (write end) are this sender's own pipes: nothing is shared with the other
    senders, so one killed in any state cannot leave a lock held or a wake-up unanswered for the rest.
    """
    try:
        rt = Runtime.open(url, clock=clock, config=config, migrate=False)
    except Exception as exc:
        ready.send(f"{type(exc).__name__}: {exc}")
        return
    ready.send(None)
    try:
        while True:
            signals = b""
            try:
                while wake.poll(0):  # drained before looking: a wake-up during the batch is not lost
                    signals += wake.recv_bytes()
            except (EOFError, OSError):  # the scheduler is gone
                return
            if _QUIT in signals:
                return
            try:
                leased = deliver_outbox(rt, limit=limit, threads=threads).leased
            except Exception:  # keep sending; the leases of a failed batch expire and it is retried
                log.exception("sender batch failed")
                leased = 0
            if not leased:
                wake.poll(poll)
    finally:
        rt.db.dispose()


def _portable(config: dict) -> dict:
    """The settings a sender process can be given (a value that cannot be pickled, e.g. a function, stays behind)."""
    out = {}
    for key, value in config.items():
        try:
            pickle.dumps(value)
        except Exception:
            log.warning("setting %s is not passed to sender processes (it cannot be copied to another process)", key)
            continue
        out[key] = value
    return out


class _Sender:
    """One sender process and its two pipes (wake-ups in, the start-up answer out)."""

    def __init__(self, ctx, args: tuple, name: str):
        wake_r, self.wake_w = ctx.Pipe(duplex=False)
        self.ready_r, ready_w = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=_sender_main, args=(*args, wake_r, ready_w), name=name, daemon=True)
        self._child_ends = (wake_r, ready_w)

    def start(self) -> None:
        self.process.start()
        for end in self._child_ends:  # the child has its copies now
            end.close()
        os.set_blocking(self.wake_w.fileno(), False)  # a wake-up never waits: one already pending is enough

    def signal(self, what: bytes) -> None:
        try:
            self.wake_w.send_bytes(what)
        except OSError:  # full: already woken; broken: it died (revived by the scheduler)
            pass

    def ready(self, timeout: float) -> str | None:
        """None when it opened the database; what went wrong otherwise."""
        deadline = time.monotonic() + timeout
        while not self.ready_r.poll(0.05):
            if not self.process.is_alive() and not self.ready_r.poll(0):
                return f"it exited with code {self.process.exitcode}"
            if time.monotonic() > deadline:
                return f"not ready after {timeout:g} s"
        try:
            return self.ready_r.recv()
        except EOFError:  # it closed the pipe by dying: reap it, so the exit code is known
            self.process.join(5)
            return f"it exited with code {self.process.exitcode}"

    def close(self) -> None:
        self.wake_w.close()
        self.ready_r.close()


class Senders:
    """N processes that deliver the outbox beside the scheduler process (see the module notes).

    They open their own runtime on the same database, configuration and clock (a ``FrozenClock`` is
    copied as it shows when they start). ``wake`` tells them a batch was committed; they also poll.
    """

    def __init__(self, rt, count: int, *, limit: int = DUE_BATCH, threads: int = DELIVERY_THREADS,
                 poll: float = SENDER_POLL_SECONDS):
        if count < 1:
            raise ValueError("senders: count must be at least 1")
        self._ctx = multiprocessing.get_context("spawn")  # never fork a process holding database connections and threads
        self._args = (rt.db.url, _portable(rt.config), rt.clock, limit, threads, poll)
        self._stopped = False
        self.senders = [self._sender(i) for i in range(count)]

    def _sender(self, i: int) -> _Sender:
        return _Sender(self._ctx, self._args, f"formflow-sender-{i + 1}")

    @property
    def processes(self) -> list:
        return [s.process for s in self.senders]

    def start(self, timeout: float = SENDER_START_TIMEOUT) -> "Senders":
        """Start them and wait until each has opened the database (raises if one cannot)."""
        for s in self.senders:
            s.start()
        self._await_ready(self.senders, timeout)
        return self

    def revive(self, timeout: float = SENDER_START_TIMEOUT) -> int:
        """Replace each sender that died (killed, out of memory) with a new one; returns how many.

        What a dead sender had leased goes out again once its lease is over (same idempotency keys).
        """
        if self._stopped:
            return 0
        fresh = []
        for i, s in enumerate(self.senders):
            if not s.process.is_alive():
                s.process.join(0)
                s.close()
                self.senders[i] = self._sender(i)
                self.senders[i].start()
                fresh.append(self.senders[i])
        self._await_ready(fresh, timeout)
        return len(fresh)

    def _await_ready(self, senders: list[_Sender], timeout: float) -> None:
        for s in senders:
            problem = s.ready(timeout)
            if problem is not None:
                self.stop()
                raise RuntimeError(f"a sender process could not start: {problem}")

    def wake(self) -> None:
        for s in self.senders:
            s.signal(_WAKE)

    def alive(self) -> int:
        return sum(s.process.is_alive() for s in self.senders)

    def stop(self, timeout: float = 30.0) -> None:
        """Let each finish the batch in hand, then end; one that does not is terminated (its leases expire)."""
        self._stopped = True
        for s in self.senders:
            s.signal(_QUIT)
        for s in self.senders:
            s.process.join(timeout)
            if s.process.is_alive():
                s.process.terminate()
                s.process.join()
            s.close()


class Scheduler:
    """APScheduler (3.x) BackgroundScheduler with one interval job: ``tick``. Not one job per record."""

    def __init__(self, rt, *, interval: float = TICK_SECONDS, limit: int = DUE_BATCH, senders: int = 0):

        self.rt = rt
        self.limit = limit
        self.interval = interval
        self.senders = Senders(rt, senders, limit=limit) if senders else None
        self.ticks = 0
        self.last_report: TickReport | None = None
        self._lock = threading.Lock()
        self._stopping = False
        self.aps = BackgroundScheduler(timezone="UTC")
        # coalesce + max_instances=1: a slow tick is never run twice at once, missed intervals collapse into one
        self.aps.add_job(self.tick, "interval", seconds=interval, id="formflow-due-events", max_instances=1, coalesce=True,
                         misfire_grace_time=None, next_run_time=datetime.now(timezone.utc))

    def tick(self) -> TickReport:
        with self._lock:
            try:
                if self.senders is not None and (revived := self.senders.revive()):
                    log.warning("%d sender process(es) had died and were replaced", revived)
                self.last_report = tick(self.rt, limit=self.limit, senders=self.senders)
            except Exception:  # keep the process alive; the next tick retries
                log.exception("scheduler tick failed")
                return TickReport()
            self.ticks += 1
            if not self._stopping:
                self._reschedule()
            return self.last_report

    def next_delay(self) -> float:
        """Seconds from now (the runtime clock) to the next tick: the earliest pending row's time, at most the interval."""
        with self.rt.db.read() as conn:
            earliest = next_pending(conn)
        return wake_delay(self.rt.clock.now(), earliest, self.interval)

    def _reschedule(self) -> None:
        """Wake at the next due instant rather than a whole interval later (the interval job stays the fallback)."""
        try:
            delay = self.next_delay()
            self.aps.modify_job("formflow-due-events", next_run_time=datetime.now(timezone.utc) + timedelta(seconds=delay))
        except Exception:  # a look-up that fails leaves the fixed interval
            log.exception("could not compute the next wake-up")

    def start(self) -> None:
        if self.senders is not None:
            self.senders.start()
        self.aps.start()

    def shutdown(self, wait: bool = True) -> None:
        """Stop ticking; with ``wait`` the tick in progress finishes its batch first. APScheduler's own wait holds its
        job-store lock while the running tick reschedules itself (a deadlock), so the wait is on our tick lock."""
        self._stopping = True
        self.aps.shutdown(wait=False)
        if wait:
            with self._lock:
                pass
        if self.senders is not None:
            self.senders.stop()


__all__ = ["run_due", "tick", "Scheduler", "Senders", "TickReport", "SWEEP_PREFIX"]
