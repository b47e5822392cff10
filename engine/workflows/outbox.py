"""The outbox: rendered notifications waiting to leave, each sent once.

A notify or webhook step never talks to the network. It writes an outbox row
in the transaction that claims its due row, unique on an idempotency key
``wf<workflow>:r<record>:<occurrence>:<step>:u<user>:<channel>``; a second
claim of the same firing (two schedulers, a re-run tick, a crash and retry)
inserts nothing. ``deliver_outbox`` then sends: it leases a batch (pushes
``next_attempt_at`` forward by ``OUTBOX_LEASE``), sends each message through
the channel registry with one attempt, and marks it sent, or schedules a
retry with exponential backoff, or marks it failed for good.

Delivery guarantee. A crash between "sent" and "marked sent" lets the lease
expire and the message go out again with the same idempotency key. The
in-app inbox stores messages unique on that key, so the inbox is exactly
once. Email, generic webhooks and chat robots are at-least-once in that
window (one message per killed worker at most): the webhook payload carries
``idempotency_key`` so a receiver can drop the repeat.
"""
from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from engine.notifications.channels import OutgoingMessage, Recipient, get_channel
from engine.workflows.tables import outbox

#: How long a worker owns a leased message before another may retry it (longer than a send can take).
OUTBOX_LEASE = timedelta(minutes=2)
#: Delivery attempts before a message is marked failed for good.
MAX_DELIVERY_ATTEMPTS = 6
#: First retry delay; doubles per attempt up to OUTBOX_BACKOFF_MAX.
OUTBOX_BACKOFF_BASE = timedelta(seconds=30)
OUTBOX_BACKOFF_MAX = timedelta(hours=1)
#: Messages sent in parallel by one worker (HTTP sends wait on the network, not the CPU).
DELIVERY_THREADS = 8
#: Server configuration key: the webhook allow-list (CIDRs or host:port) handed to the SSRF guard.
ALLOWLIST_CONFIG = "WEBHOOK_ALLOWLIST"
#: Server configuration key: settings of a channel, e.g. ``NOTIFICATION_EMAIL`` for SMTP.
CHANNEL_CONFIG = {"email": "NOTIFICATION_EMAIL"}


def idempotency_key(workflow_id: int, record_id: int, occurrence: str, step_id: str, user_id: int | None, channel: str) -> str:
    return f"wf{workflow_id}:r{record_id}:{occurrence}:{step_id}:u{user_id or 0}:{channel}"


def _person(p: Recipient) -> dict:
    return {"user_id": p.user_id, "email": p.email, "display_name": p.display_name, "tz": p.tz, "mobile": p.mobile,
            "chat_ids": dict(p.chat_ids)}


def enqueue(conn: sa.Connection, rt, *, key: str, channel: str, recipient: Recipient, cc: list[Recipient], subject: str,
            body: str, html_body: str | None, link: str | None, config: dict, workflow_id: int | None,
            due_event_id: int | None, record_id: int | None) -> int:
    """Add one message; 0 when a message with this key exists already (the firing ran before)."""
    exists = conn.execute(sa.select(outbox.c.id).where(outbox.c.idempotency_key == key)).first()
    if exists:
        return 0
    now = rt.clock.now()
    message = {"recipient": _person(recipient), "cc": [_person(p) for p in cc], "subject": subject, "body": body,
               "html_body": html_body, "link": link, "config": config}
    conn.execute(sa.insert(outbox).values(
        workspace_id=rt.workspace_id, workflow_id=workflow_id, due_event_id=due_event_id, record_id=record_id or None,
        idempotency_key=key, channel=channel, message=message, status="pending", attempts=0, next_attempt_at=now,
        created_at=now))
    return 1


def outgoing(row: Any) -> OutgoingMessage:
    m = row["message"]
    return OutgoingMessage(recipient=Recipient(**m["recipient"]), subject=m["subject"], body=m["body"],
                           idempotency_key=row["idempotency_key"], html_body=m.get("html_body"), link=m.get("link"),
                           cc=tuple(Recipient(**p) for p in m.get("cc", [])), config=m.get("config") or {})


def build_channel(rt, name: str):
    """One attempt per send: the outbox does the retrying, on the injectable clock, without sleeping."""
    config = rt.config.get(CHANNEL_CONFIG.get(name, ""), None) or {}
    deps: dict[str, Any] = {"clock": rt.clock, "max_attempts": 1, "sleep": lambda _s: None,
                            "allow": rt.config.get(ALLOWLIST_CONFIG) or None}
    if name == "inbox":
        deps["runtime"] = rt
    return get_channel(name, config, **deps)


@dataclass
class DeliveryReport:
    leased: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0


def _lease(rt, now: datetime, limit: int) -> list[dict]:
    with rt.db.transaction() as conn:
        query = (sa.select(outbox).where(outbox.c.status == "pending", outbox.c.next_attempt_at <= now)
                 .order_by(outbox.c.next_attempt_at, outbox.c.id).limit(limit))
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = [dict(r) for r in conn.execute(query).mappings()]
        if rows:
            conn.execute(sa.update(outbox).where(outbox.c.id.in_([r["id"] for r in rows]))
                         .values(next_attempt_at=now + OUTBOX_LEASE, attempts=outbox.c.attempts + 1))
    return rows


def _backoff(attempts: int) -> timedelta:
    delay = min(OUTBOX_BACKOFF_MAX, OUTBOX_BACKOFF_BASE * 2 ** max(attempts - 1, 0))
    return delay / 2 + delay / 2 * random.random()


def _send_one(rt, row: dict, channels: dict) -> str:
    attempts = row["attempts"] + 1
    try:
        channel = channels.get(row["channel"]) or build_channel(rt, row["channel"])
        result = channel.send(outgoing(row))
        ok, permanent, detail, external = result.ok, result.permanent, result.detail, result.external_id
    except Exception as exc:  # a broken channel setting must not stop the other messages
        ok, permanent, detail, external = False, True, f"{type(exc).__name__}: {exc}", None
    now = rt.clock.now()
    if ok:
        values = {"status": "sent", "sent_at": now, "external_id": external, "last_error": None}
        outcome = "sent"
    elif permanent or attempts >= MAX_DELIVERY_ATTEMPTS:
        values = {"status": "failed", "last_error": detail[:2000]}
        outcome = "failed"
    else:
        values = {"next_attempt_at": now + _backoff(attempts), "last_error": detail[:2000]}
        outcome = "retried"
    with rt.db.transaction() as conn:
        # only the lease holder marks (attempts unchanged since the lease), so a late worker cannot undo a newer outcome
        conn.execute(sa.update(outbox).where(outbox.c.id == row["id"], outbox.c.attempts == attempts,
                                             outbox.c.status == "pending").values(**values))
    return outcome


def deliver_outbox(rt, now: datetime | None = None, limit: int = 200, threads: int = DELIVERY_THREADS) -> DeliveryReport:
    """Send what is due in the outbox: one leased batch, sent in parallel, each marked as it finishes."""
    now = now or rt.clock.now()
    rows = _lease(rt, now, limit)
    report = DeliveryReport(leased=len(rows))
    if not rows:
        return report
    channels: dict = {}
    for name in {r["channel"] for r in rows}:
        try:
            channels[name] = build_channel(rt, name)
        except Exception:  # reported per message by _send_one
            pass
    if threads <= 1 or len(rows) == 1:
        outcomes = [_send_one(rt, r, channels) for r in rows]
    else:
        with ThreadPoolExecutor(max_workers=min(threads, len(rows))) as pool:
            outcomes = list(pool.map(lambda r: _send_one(rt, r, channels), rows))
    for outcome in outcomes:
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report
