"""A sliding-window rate limit kept in the database (or Redis), so every process sharing it enforces one limit.

``RateLimiter.hit`` counts one attempt of a key inside the caller's transaction: it prunes the key's attempts
older than the window, refuses when ``limit`` remain (answering the seconds until the oldest leaves the window),
and otherwise records this one. Concurrent attempts of one key are serialized: on PostgreSQL by a transaction
advisory lock on the key's hash, on SQLite by the write lock every transaction takes up front. Only allowed
attempts are stored, so a key never holds more than ``limit`` rows.

``RateLimiter.attempt(rt, key)`` picks the store: Redis when the configuration has ``REDIS_URL`` (one sorted set
per key, checked and updated by one Lua script, so atomic across clients), else the database.
"""
from __future__ import annotations

import hashlib
import threading
import uuid
from datetime import datetime, timedelta

import redis
import sqlalchemy as sa

from engine.storage.rate_limit_tables import rate_limit_hits

#: advisory-lock namespace of rate-limit keys (the first half of pg_advisory_xact_lock's two-int form)
ADVISORY_LOCK_SPACE = 0x5241  # "RA"
#: longest key stored; longer keys are hashed to this length
MAX_KEY_LENGTH = 200
#: configuration key naming a Redis server for rate limits (else they are counted in the database)
REDIS_CONFIG = "REDIS_URL"
#: prefix of the Redis keys the limiter writes
REDIS_KEY_PREFIX = "formflow:ratelimit:"

#: prune, count and (when allowed) record one attempt, atomically; -1 when allowed, else seconds to wait
_REDIS_HIT = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
  return math.max(1, math.floor(oldest + window - now) + 1)
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(window))
return -1
"""
_clients: dict[str, "redis.Redis"] = {}
_clients_lock = threading.Lock()


def redis_client(url: str) -> "redis.Redis":
    """One client (and connection pool) per URL per process."""
    with _clients_lock:
        if url not in _clients:
            _clients[url] = redis.Redis.from_url(url)
        return _clients[url]


def _lock_id(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big", signed=True)


def _stored_key(key: str) -> str:
    return key if len(key) <= MAX_KEY_LENGTH else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class RateLimiter:
    """At most ``limit`` attempts per key within ``window_seconds``, counted in the database."""

    def __init__(self, scope: str, limit: int, window_seconds: int):
        self.scope, self.limit, self.window = scope, limit, timedelta(seconds=window_seconds)

    def attempt(self, rt, key: str) -> int | None:
        """Count one attempt in the configured store; None when allowed, else the whole seconds until one is."""
        now = rt.clock.now()
        url = rt.config.get(REDIS_CONFIG)
        if url:
            return self.hit_redis(redis_client(url), key, now)
        with rt.db.transaction() as conn:
            return self.hit(conn, key, now)

    def hit_redis(self, client: "redis.Redis", key: str, now: datetime) -> int | None:
        wait = client.eval(_REDIS_HIT, 1, REDIS_KEY_PREFIX + _stored_key(f"{self.scope}:{key}"), now.timestamp(),
                           self.window.total_seconds(), self.limit, uuid.uuid4().hex)
        return None if int(wait) < 0 else int(wait)

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
