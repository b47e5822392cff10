"""The PostgreSQL pool pings a connection only when it sat idle past ``POOL_PING_AFTER_IDLE``; a dead idle one is
replaced without the caller seeing an error, and a recently used one goes out without a round trip."""
from __future__ import annotations

import sqlalchemy as sa

from engine.storage.db import Database


def _backend(db: Database) -> int:
    with db.read() as conn:
        return conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()


def test_an_idle_connection_closed_by_the_server_is_replaced(pg_schema_url):
    db = Database(pg_schema_url, pool_size=1)
    try:
        first = _backend(db)
        with sa.create_engine(pg_schema_url).connect() as other:  # the server (a restart, an idle timeout) ends it
            assert other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar_one()
        db.ping_after_idle = 0  # it has now been idle "long enough"
        assert _backend(db) != first
    finally:
        db.dispose()


def test_a_recently_used_connection_is_not_pinged(pg_schema_url, monkeypatch):
    db = Database(pg_schema_url, pool_size=1)
    pings: list[object] = []
    ping = db.engine.dialect.do_ping
    monkeypatch.setattr(db.engine.dialect, "do_ping", lambda dbapi_conn: pings.append(dbapi_conn) or ping(dbapi_conn))
    try:
        _backend(db)
        _backend(db)
        assert pings == []  # used a moment ago: no round trip before the query
        db.ping_after_idle = 0
        _backend(db)
        assert len(pings) == 1
    finally:
        db.dispose()
