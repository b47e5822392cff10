"""A sliding-window rate limit kept in the database, so every process sharing it enforces one limit.

``RateLimiter.hit`` counts one attempt of a key inside the caller's transaction: it prunes the key's attempts
older than the window, refuses when ``limit`` remain (answering the seconds until the oldest leaves the window),
and otherwise records this one. Concurrent attempts of one key are serialized: on PostgreSQL by a transaction
advisory lock on the key's hash, on SQLite by the write lock every transaction takes up front. Only allowed
attempts are stored, so a key never holds more than ``limit`` rows.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import sqlalchemy as sa

from engine.storage.rate_limit_tables import rate_limit_hits

#: advisory-lock namespace of rate-limit keys (the first half of pg_advisory_xact_lock's two-int form)
ADVISORY_LOCK_SPACE = 0x5241  # "RA"
#: longest key stored; longer keys are hashed to this length
MAX_KEY_LENGTH = 200


def _lock_id(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big", signed=True)


def _stored_key(key: str) -> str:
    return key if len(key) <= MAX_KEY_LENGTH else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class RateLimiter:
    """At most ``limit`` attempts per key within ``window_seconds``, counted in the database."""

    def __init__(self, scope: str, limit: int, window_seconds: int):
        self.scope, self.limit, self.window = scope, limit, timedelta(seconds=window_seconds)

    def hit(self, conn: sa.Connection, key: str, now: datetime) -> int | None:
        """Count one attempt; None when allowed, else the whole seconds until the next one is."""
        key = _stored_key(f"{self.scope}:{key}")
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:space, :id)"), {"space": ADVISORY_LOCK_SPACE, "id": _lock_id(key)})
        self.prune(conn, now)
        count, oldest = conn.execute(sa.select(sa.func.count(), sa.func.min(rate_limit_hits.c.at))
                                     .where(rate_limit_hits.c.key == key)).one()
        if count >= self.limit:
            return max(1, int((oldest + self.window - now).total_seconds()) + 1)
        conn.execute(sa.insert(rate_limit_hits).values(key=key, at=now))
        return None

    def prune(self, conn: sa.Connection, now: datetime) -> int:
        """Forget every attempt of this limiter's scope older than its window (keys nobody tries again)."""
        prefix = f"{self.scope}:"
        return conn.execute(sa.delete(rate_limit_hits).where(rate_limit_hits.c.key.startswith(prefix, autoescape=True),
                                                             rate_limit_hits.c.at <= now - self.window)).rowcount
