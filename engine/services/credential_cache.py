"""Credentials recently looked up (bearer tokens, login sessions), so a request needs no database round trip to learn
who is calling.

An entry maps a credential's SHA-256 to the actor it stands for and the credential's own expiry. It is used for
``CREDENTIAL_CACHE_TTL`` at most, on the runtime's clock, and never past the credential's expiry.

Revocation, in this process: any write to a table an actor is made of (``CREDENTIAL_TABLES``: a token revoked, a
session ended, a user deactivated, a role taken away), by a service or by hand, marks its connection; while a marked
connection is out of the pool the cache is neither read nor filled, and when it goes back (after its commit or
rollback) the cache is emptied. So a revoked token fails on the very next request. In another process (another
gunicorn worker, the CLI) the change is seen within ``CREDENTIAL_CACHE_TTL``.
"""
from __future__ import annotations

import re
import threading
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Hashable

import sqlalchemy as sa
from sqlalchemy import event

from engine.runtime import Actor, Runtime

#: how long a credential looked up once is trusted without asking the database again: the longest another process's
#: revocation (or user or role change) can go unseen here
CREDENTIAL_CACHE_TTL = timedelta(seconds=5)
#: most credentials one process keeps; past that the oldest goes first
MAX_CACHED_CREDENTIALS = 10_000
#: tables whose rows make up an actor: a write to any of them empties the cache
CREDENTIAL_TABLES = ("api_tokens", "login_sessions", "users", "user_roles", "roles", "workspaces")

_WRITES_CREDENTIALS = re.compile(r"\b(?:%s)\b" % "|".join(CREDENTIAL_TABLES), re.IGNORECASE)
#: statement text -> whether it may write a credential table: the texts are the few compiled statements of the app, sent
#: again and again, and searching one (a create's is a few kilobytes) cost more than the rest of this listener
_WRITES_SEEN: dict[str, bool] = {}
#: most statement texts remembered; past that the memo starts again
_MAX_WRITES_SEEN = 4096
#: longest statement text remembered (a batch insert's grows with its rows: those are searched each time)
_MAX_SEEN_LENGTH = 16_384


def _writes_credentials(statement: str) -> bool:
    known = _WRITES_SEEN.get(statement)
    if known is None:
        known = statement.lstrip()[:6].upper() != "SELECT" and _WRITES_CREDENTIALS.search(statement) is not None
        if len(statement) <= _MAX_SEEN_LENGTH:
            if len(_WRITES_SEEN) >= _MAX_WRITES_SEEN:
                _WRITES_SEEN.clear()
            _WRITES_SEEN[statement] = known
    return known


#: where a connection's pool record says it wrote credential tables
_MARK = "formflow_wrote_credentials"


@dataclass(frozen=True)
class _Entry:
    actor: Actor
    expires_at: datetime
    read_at: datetime


class CredentialCache:
    """Actors by credential digest, for one database engine; thread-safe."""

    def __init__(self, engine: sa.Engine):
        self._items: dict[Hashable, _Entry] = {}
        self._lock = threading.Lock()
        self._generation = 0  # moves on every emptying: a look-up begun before one does not fill the cache
        self._writing = 0  # connections out of the pool that wrote a credential table
        event.listen(engine, "after_cursor_execute", self._seen)
        event.listen(engine, "checkin", self._returned)
        event.listen(engine, "close", self._returned)

    def get(self, key: Hashable, now: datetime) -> Actor | None:
        with self._lock:
            entry = None if self._writing else self._items.get(key)
            if entry is None:
                return None
            if entry.expires_at <= now or now - entry.read_at >= CREDENTIAL_CACHE_TTL or now < entry.read_at:
                del self._items[key]
                return None
            return entry.actor

    def generation(self) -> int:
        """Taken before a look-up, handed to ``put``: a change committed meanwhile keeps the answer out."""
        with self._lock:
            return self._generation

    def put(self, key: Hashable, actor: Actor, expires_at: datetime, now: datetime, generation: int) -> None:
        with self._lock:
            if self._writing or generation != self._generation:
                return
            if len(self._items) >= MAX_CACHED_CREDENTIALS:
                del self._items[next(iter(self._items))]
            self._items[key] = _Entry(actor, expires_at, now)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._generation += 1

    def _seen(self, conn, _cursor, statement: str, _parameters, _context, _executemany) -> None:
        if not _writes_credentials(statement):
            return
        info = conn.info
        if not info.get(_MARK):
            info[_MARK] = True
            with self._lock:
                self._writing += 1
                self._items.clear()
                self._generation += 1

    def _returned(self, _dbapi_conn, record) -> None:
        if record.info.pop(_MARK, False):
            with self._lock:
                self._writing -= 1
                self._items.clear()
                self._generation += 1


_CACHES: "weakref.WeakKeyDictionary[sa.Engine, CredentialCache]" = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def credential_cache(rt: Runtime) -> CredentialCache:
    """The runtime's credential cache (one per database engine, made on first use)."""
    engine = rt.db.engine
    found = _CACHES.get(engine)
    if found is None:
        with _CACHES_LOCK:
            found = _CACHES.get(engine)
            if found is None:
                found = _CACHES[engine] = CredentialCache(engine)
    return found
