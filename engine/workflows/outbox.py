"""The outbox: rendered notifications waiting to leave, each sent once.

A notify or webhook step never talks to the network. It writes an outbox row
in the transaction that claims its due row, unique on an idempotency key
``wf<workflow>:r<record>:<occurrence>:<step>:u<user>:<channel>``; a second
claim of the same firing (two schedulers, a re-run tick, a crash and retry)
inserts nothing. ``deliver_outbox`` then sends, one channel attempt per
message, retrying later with exponential backoff on the injectable clock.

Delivery guarantee. Inbox messages live in this database: they are stored
and marked sent in ONE transaction, so the inbox is exactly once. Other
channels (email, webhooks, chat robots) are leased (``next_attempt_at``
pushed forward by ``OUTBOX_LEASE``), sent in parallel outside any
transaction, and marked per batch. A crash between sending and marking lets
the lease expire and the batch go out again with the same idempotency key:
at-least-once in that window (at most one batch per killed worker). The
webhook payload carries ``idempotency_key`` so a receiver can drop repeats.
"""
from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from engine.notifications.channels import CHANNELS, OutgoingMessage, Recipient, get_channel
from engine.storage.db import copy_rows, ids_grouped
from engine.workflows.tables import outbox
from engine import secrets
from engine.notifications.channels import DeliveryResult
from engine.workflows.secrets import unseal_configs

#: How long a worker owns a leased message before another may retry it (longer than a send can take).
OUTBOX_LEASE = timedelta(minutes=2)
#: Delivery attempts before a message is marked failed for good.
MAX_DELIVERY_ATTEMPTS = 6
#: First retry delay; doubles per attempt up to OUTBOX_BACKOFF_MAX.
OUTBOX_BACKOFF_BASE = timedelta(seconds=30)
OUTBOX_BACKOFF_MAX = timedelta(hours=1)
#: Messages sent in parallel by one worker (HTTP sends wait on the network, not the CPU).
DELIVERY_THREADS = 8
#: A batch is sent one by one while sends average at most this many seconds: against a quick receiver, threads
#: only add GIL hand-offs (8 threads cost ~1.7x the CPU of one); once sends wait longer, the rest go in parallel.
SERIAL_SEND_BUDGET = 0.002
#: Server configuration key: the webhook allow-list (CIDRs or host:port) handed to the SSRF guard.
ALLOWLIST_CONFIG = "WEBHOOK_ALLOWLIST"
#: Channels that store into this database (``Channel.in_database``): delivered inside the claiming transaction.
IN_DATABASE = tuple(name for name in CHANNELS if CHANNELS.get(name).cls.in_database)
#: Server configuration key: seconds a leased message stays with its sender (FORMFLOW_OUTBOX_LEASE), over OUTBOX_LEASE.
LEASE_CONFIG = "OUTBOX_LEASE_SECONDS"


def idempotency_key(workflow_id: int, record_id: int, occurrence: str, step_id: str, user_id: int | None, channel: str) -> str:
    return f"wf{workflow_id}:r{record_id}:{occurrence}:{step_id}:u{user_id or 0}:{channel}"


def _person(p: Recipient) -> dict:
    return {"user_id": p.user_id, "email": p.email, "display_name": p.display_name, "tz": p.tz, "mobile": p.mobile,
            "chat_ids": dict(p.chat_ids)}


_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


@dataclass
class Batch:
    """Per-tick caches (users, compiled workflows, template data) shared by the firings of one claimed batch."""

    users: dict = field(default_factory=dict)
    managers: dict = field(default_factory=dict)
    forms: dict = field(default_factory=dict)
    workflows: dict = field(default_factory=dict)
    render_data: Any = None


def enqueue(ctx, *, key: str, channel: str, recipient: Recipient, cc: list[Recipient], subject: str, body: str,
            html_body: str | None, link: str | None, config: dict, workflow_id: int | None, due_event_id: int | None,
            record_id: int | None, data: dict | None = None) -> int:
    """Queue one message with the firing (written by ``flush`` when the firing succeeds); ``data``: what a webhook
    sends besides the text (record, workflow, language)."""
    now = ctx.rt.clock.now()
    message = {"recipient": _person(recipient), "cc": [_person(p) for p in cc], "subject": subject, "body": body,
               "html_body": html_body, "link": link, "config": config, **({"data": data} if data else {})}
    ctx.queued.append({"workspace_id": ctx.rt.workspace_id, "workflow_id": workflow_id, "due_event_id": due_event_id,
                       "record_id": record_id or None, "idempotency_key": key, "channel": channel, "message": message,
                       "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now})
    return 1


#: The outbox columns ``enqueue`` fills, in order (for the COPY).
_QUEUED = ("workspace_id", "workflow_id", "due_event_id", "record_id", "idempotency_key", "channel", "message", "status", "attempts",
           "next_attempt_at", "created_at")

#: PostgreSQL's SQLSTATE for a unique key already taken
_UNIQUE_VIOLATION = "23505"


def flush(conn: sa.Connection, rows: list[dict]) -> None:
    """Write queued outbox rows; a key already there (the firing ran before) is left alone.

    PostgreSQL first tries one binary COPY inside a savepoint (a pipelined insert cost ~35 µs a row
    there); a key already taken aborts it, and the rows then go through ``INSERT … ON CONFLICT DO
    NOTHING``, as they always do on SQLite.
    """
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        try:
            with conn.begin_nested():
                copy_rows(conn, outbox, _QUEUED, (tuple(row[c] for c in _QUEUED) for row in rows))
            return
        except Exception as exc:  # psycopg's UniqueViolation; the driver is an optional install, so matched by SQLSTATE
            if getattr(exc, "sqlstate", None) != _UNIQUE_VIOLATION and getattr(getattr(exc, "orig", None), "sqlstate", None) != _UNIQUE_VIOLATION:
                raise
            # a re-run firing: the keys already queued stay as they are
    conn.execute(_INSERTS[conn.dialect.name](outbox).on_conflict_do_nothing(index_elements=["idempotency_key"]), rows)


def outgoing(row: Any) -> OutgoingMessage:
    m = row["message"]
    return OutgoingMessage(recipient=Recipient(**m["recipient"]), subject=m["subject"], body=m["body"],
                           idempotency_key=row["idempotency_key"], html_body=m.get("html_body"), link=m.get("link"),
                           cc=tuple(Recipient(**p) for p in m.get("cc", [])), config=m.get("config") or {},
                           data=m.get("data") or {})


def build_channel(rt, name: str):
    """One attempt per send: the outbox does the retrying, on the injectable clock, without sleeping."""
    kind = CHANNELS.get(name).cls
    config = (rt.config.get(kind.server_config) if kind.server_config else None) or {}
    deps: dict[str, Any] = {"clock": rt.clock, "max_attempts": 1, "sleep": lambda _s: None,
                            "allow": rt.config.get(ALLOWLIST_CONFIG) or None}
    if kind.in_database:
        deps["runtime"] = rt
    return get_channel(name, config, **deps)


def _due(now: datetime, inbox: bool):
    return (outbox.c.status == "pending", outbox.c.next_attempt_at <= now,
            outbox.c.channel.in_(IN_DATABASE) if inbox else outbox.c.channel.not_in(IN_DATABASE))


def _any_due(rt, now: datetime, *, inbox: bool) -> bool:
    """On SQLite, a look without taking its one write lock, so idle workers do not queue for it (PostgreSQL's
    ``SKIP LOCKED`` claim never waits: there the claim itself is the look)."""
    if rt.db.dialect != "sqlite":
        return True
    with rt.db.read() as conn:
        return conn.execute(sa.select(outbox.c.id).where(*_due(now, inbox)).limit(1)).first() is not None


def _claim(conn, now: datetime, limit: int, *, inbox: bool) -> list[dict]:
    query = sa.select(outbox).where(*_due(now, inbox)).order_by(outbox.c.next_attempt_at, outbox.c.id).limit(limit)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [dict(r) for r in conn.execute(query).mappings().all()]


def _backoff(attempts: int) -> timedelta:
    delay = min(OUTBOX_BACKOFF_MAX, OUTBOX_BACKOFF_BASE * 2 ** max(attempts - 1, 0))
    return delay / 2 + delay / 2 * random.random()


def _outcome(row: dict, result, now: datetime) -> tuple[str, dict]:
    attempts = row["attempts"] + 1
    if result.ok:  # a finished message's next_attempt_at is when it finished (the same for a whole batch)
        return "sent", {"status": "sent", "sent_at": now, "external_id": result.external_id, "last_error": None,
                        "next_attempt_at": now}
    if result.permanent or attempts >= MAX_DELIVERY_ATTEMPTS:
        return "failed", {"status": "failed", "sent_at": None, "external_id": None, "last_error": result.detail[:2000],
                          "next_attempt_at": now}
    return "retried", {"status": "pending", "sent_at": None, "external_id": None, "last_error": result.detail[:2000],
                       "next_attempt_at": now + _backoff(attempts)}


#: Mark a batch in one statement; only if ``attempts`` is what this worker saw, so a late worker cannot undo a newer outcome.
_MARK = (sa.update(outbox).where(outbox.c.id == sa.bindparam("b_id"), outbox.c.attempts == sa.bindparam("b_seen"),
                                 outbox.c.status == "pending")
         .values(status=sa.bindparam("b_status"), sent_at=sa.bindparam("b_sent_at"), external_id=sa.bindparam("b_external_id"),
                 last_error=sa.bindparam("b_last_error"), next_attempt_at=sa.bindparam("b_next")))


def _mark(conn, marks: list[dict], *, count_attempt: bool = False) -> None:
    """Write a batch's outcomes: one UPDATE per shared outcome (a burst of sends is one statement), retries row by row
    (each has its own next attempt)."""
    single = [m for m in marks if m["b_status"] == "pending"]
    shared = ids_grouped((m for m in marks if m["b_status"] != "pending"),
                         ("b_seen", "b_status", "b_sent_at", "b_external_id", "b_last_error", "b_next"))
    extra = {"attempts": outbox.c.attempts + 1} if count_attempt else {}
    for (seen, status, sent_at, external_id, last_error, next_at), ids in shared.items():
        conn.execute(sa.update(outbox).where(outbox.c.id.in_(ids), outbox.c.attempts == seen, outbox.c.status == "pending")
                     .values(status=status, sent_at=sent_at, external_id=external_id, last_error=last_error,
                             next_attempt_at=next_at, **extra))
    if single:
        conn.execute(_MARK.values(**extra), single)


def _mark_params(row_id: int, seen: int, values: dict) -> dict:
    return {"b_id": row_id, "b_seen": seen, "b_status": values["status"], "b_sent_at": values["sent_at"],
            "b_external_id": values["external_id"], "b_last_error": values["last_error"], "b_next": values["next_attempt_at"]}


def _unseal(rt, rows: list[dict]) -> None:
    """Decrypt the secrets a batch's messages name (the only place besides the save-time check that does):
    a message whose secret cannot be read fails for good, with the reason and without the secret."""

    sealed = [r for r in rows if any(secrets.is_handle(v) for v in (r["message"].get("config") or {}).values())]
    if not sealed:
        return
    with rt.db.read() as conn:
        configs = unseal_configs(conn, rt, [row["message"]["config"] for row in sealed])  # one read for the batch
    for row, config in zip(sealed, configs):
        if isinstance(config, secrets.SecretUnavailable):
            row["secret_error"] = str(config)
            continue
        row["message"] = {**row["message"], "config": config}


def _send(channel_for, row: dict):

    if row.get("secret_error"):
        return DeliveryResult(False, True, row["secret_error"], 0, row["channel"])
    try:
        return channel_for(row["channel"]).send(outgoing(row))
    except Exception as exc:  # a broken channel setting must not stop the other messages
        return DeliveryResult(False, True, f"{type(exc).__name__}: {exc}", 1, row["channel"])


def _deliver_inbox(rt, now: datetime, limit: int, report: "DeliveryReport") -> int:
    """The inbox lives in this database: store and mark sent in ONE transaction, so it is exactly once."""
    if not _any_due(rt, now, inbox=True):
        return 0
    with rt.db.transaction() as conn:
        rows = _claim(conn, now, limit, inbox=True)
        if not rows:
            return 0
        channels = {name: get_channel(name, {}, runtime=rt, conn=conn, clock=rt.clock, max_attempts=1) for name in IN_DATABASE}
        marks = []
        for row in rows:
            outcome, values = _outcome(row, _send(channels.__getitem__, row), now)
            setattr(report, outcome, getattr(report, outcome) + 1)
            marks.append(_mark_params(row["id"], row["attempts"], values))
        _mark(conn, marks, count_attempt=True)
    return len(rows)


def _send_batch(channel_for, rows: list[dict], threads: int, serial_budget: float) -> list:
    """Results in ``rows`` order: one by one while the sends are quick, then the rest on ``threads`` threads."""
    results: list = []
    started = time.perf_counter()  # how long sends take on the wire, not the workflow clock
    for i, row in enumerate(rows):
        if threads > 1 and i and time.perf_counter() - started > serial_budget * i:  # average so far over the budget
            with ThreadPoolExecutor(max_workers=min(threads, len(rows) - i)) as pool:
                results += pool.map(lambda r: _send(channel_for, r), rows[i:])
            break
        results.append(_send(channel_for, row))
    return results


def outbox_lease(rt) -> timedelta:
    """How long a sender owns the messages it leased (``OUTBOX_LEASE_SECONDS`` in the configuration, else ``OUTBOX_LEASE``)."""
    seconds = rt.config.get(LEASE_CONFIG)
    return timedelta(seconds=seconds) if seconds else OUTBOX_LEASE


def _deliver_external(rt, now: datetime, limit: int, threads: int, report: "DeliveryReport", serial_budget: float) -> int:
    """Lease a batch, send in parallel outside any transaction, then mark the whole batch in one statement."""
    if not _any_due(rt, now, inbox=False):
        return 0
    with rt.db.transaction() as conn:
        rows = _claim(conn, now, limit, inbox=False)
        if rows:
            conn.execute(sa.update(outbox).where(outbox.c.id.in_([r["id"] for r in rows]))
                         .values(next_attempt_at=now + outbox_lease(rt), attempts=outbox.c.attempts + 1))
    if not rows:
        return 0
    channels: dict = {}

    def channel_for(name):
        if name not in channels:
            channels[name] = build_channel(rt, name)
        return channels[name]

    _unseal(rt, rows)
    for name in {r["channel"] for r in rows}:  # build once, before the threads share them
        try:
            channel_for(name)
        except Exception:  # reported per message by _send
            pass
    results = _send_batch(channel_for, rows, threads, serial_budget)
    done_at = rt.clock.now()
    marks = []
    for row, result in zip(rows, results):
        outcome, values = _outcome(row, result, done_at)
        setattr(report, outcome, getattr(report, outcome) + 1)
        marks.append(_mark_params(row["id"], row["attempts"] + 1, values))
    with rt.db.transaction() as conn:
        _mark(conn, marks)
    return len(rows)


@dataclass
class DeliveryReport:
    leased: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0


def deliver_outbox(rt, now: datetime | None = None, limit: int = 200, threads: int = DELIVERY_THREADS,
                   serial_budget: float = SERIAL_SEND_BUDGET) -> DeliveryReport:
    """Send one batch of what is due: inbox messages transactionally, other channels leased and sent outside
    any transaction (in parallel once sends are slower than ``serial_budget`` seconds each on average)."""
    now = now or rt.clock.now()
    report = DeliveryReport()
    report.leased += _deliver_inbox(rt, now, limit, report)
    report.leased += _deliver_external(rt, now, limit, threads, report, serial_budget)
    return report
