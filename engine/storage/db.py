"""The Database handle: one SQLAlchemy engine, transactions, and migrations.

SQLite runs in WAL mode with ``BEGIN IMMEDIATE`` transactions, so a writer
never fails half-way on a lock upgrade; ``read()`` begins DEFERRED (a WAL
reader takes no lock, so a slow read, e.g. a template render within its time
budget, never holds every other request back). PostgreSQL runs as is; a pooled connection is pinged before use
only when it sat idle in the pool past ``POOL_PING_AFTER_IDLE`` (a ping on every checkout was a round trip per request).
"""
from __future__ import annotations

import contextlib
import functools
import os
import time
from pathlib import Path
from typing import Iterable, Iterator

import sqlalchemy as sa
from sqlalchemy import event
from alembic import command
from alembic.config import Config
from sqlalchemy.dialects import postgresql

from engine.storage.json_loads import exact_loads

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
#: how long a SQLite writer waits for the lock before giving up, in seconds
SQLITE_BUSY_TIMEOUT = 30
#: seconds a PostgreSQL connection may sit idle in the pool and still be handed out without a ping; past that (a server
#: restart, an idle timeout or a proxy may have closed it) it is pinged first, and a dead one is replaced. A connection
#: that dies sooner fails its one request, and the pool then drops every connection it holds (SQLAlchemy's disconnect
#: handling), so the next requests get fresh ones.
POOL_PING_AFTER_IDLE = 10.0


class Database:
    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 5):
        self.url = url
        # JSON columns (a record's data) decoded by orjson where that is exact (engine.storage.json_loads)
        kwargs: dict = {"echo": echo, "future": True, "json_deserializer": exact_loads}
        if url.startswith("sqlite"):
            path = sa.engine.make_url(url).database
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT}
        else:
            kwargs.update(pool_size=pool_size, max_overflow=10)
        self.engine = sa.create_engine(url, **kwargs)
        #: ``before_each_statement``'s callbacks, by connection (``id``); the engine's first statement listener runs them
        self._before: dict[int, object] = {}
        event.listen(self.engine, "before_cursor_execute", self._run_before)
        #: see POOL_PING_AFTER_IDLE (an attribute, so a test can make every checkout ping)
        self.ping_after_idle = POOL_PING_AFTER_IDLE
        if self.engine.dialect.name == "sqlite":
            _configure_sqlite(self.engine)
        else:
            _ping_idle_connections(self)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        with self.engine.begin() as conn:
            yield conn

    @contextlib.contextmanager
    def before_each_statement(self, conn: sa.Connection, callback) -> Iterator[None]:
        """While inside: ``callback()`` runs before each statement ``conn`` sends, ahead of every other listener (it may
        send one of its own first: a write it held back until something else is sent)."""
        self._before[id(conn)] = callback
        try:
            yield
        finally:
            del self._before[id(conn)]

    def _run_before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self._before:
            callback = self._before.get(id(conn))
            if callback is not None:
                callback()

    @contextlib.contextmanager
    def read(self) -> Iterator[sa.Connection]:
        with self.engine.connect() as conn:
            yield conn.execution_options(formflow_read=True)  # SQLite: a deferred BEGIN (see _on_begin)

    @contextlib.contextmanager
    def quick_read(self) -> Iterator[sa.Connection]:
        """A read whose statements need no transaction around them: on PostgreSQL each runs on its own (autocommit),
        which spares the BEGIN and ROLLBACK round trips of ``read()`` and sees what READ COMMITTED shows statement by
        statement anyway. For the hot one- or two-statement reads (a record, a credential); never for writes, locks or
        savepoints. SQLite: ``read()``."""
        if self.engine.dialect.name == "sqlite":
            with self.read() as conn:
                yield conn
            return
        with self.engine.connect() as conn:
            yield conn.execution_options(isolation_level="AUTOCOMMIT", formflow_read=True)

    def upgrade(self) -> None:
        """Bring the schema to the newest revision: the one head the labelled branches merge into."""

        with self.engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")

    def dispose(self) -> None:
        self.engine.dispose()


def ids_grouped(rows: Iterable[dict], keys: tuple[str, ...], id_key: str = "b_id") -> dict[tuple, list[int]]:
    """Row ids grouped by their values of ``keys``: a batch of updates becomes one ``WHERE id IN (...)`` per distinct outcome."""
    groups: dict[tuple, list[int]] = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in keys), []).append(row[id_key])
    return groups


#: PostgreSQL type names a binary COPY is told, by how SQLAlchemy spells the column type there.
_COPY_TYPES = {"INTEGER": "int4", "BIGINT": "int8", "SMALLINT": "int2", "VARCHAR": "varchar", "TEXT": "text", "BOOLEAN": "bool",
               "TIMESTAMP WITH TIME ZONE": "timestamptz", "JSONB": "jsonb", "FLOAT": "float8", "DOUBLE PRECISION": "float8"}


@functools.lru_cache(maxsize=64)
def _copy_types(table: sa.Table, columns: tuple[str, ...]) -> tuple[str, ...]:

    spelled = [table.c[name].type.compile(dialect=postgresql.dialect()).split("(")[0] for name in columns]
    return tuple(_COPY_TYPES[t] for t in spelled)


def copy_rows(conn: sa.Connection, table: sa.Table, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """PostgreSQL only: write ``rows`` (tuples in ``columns`` order) with one binary ``COPY``.

    For the scheduler's and the planner's bulk writes: a COPY skips SQLAlchemy's per-value type
    processing and the server's per-statement work, and stores what ``sa.insert(table)`` would
    (datetimes must be aware; JSON columns take the Python value). Nothing here checks for
    conflicts: use it for rows that cannot collide with a unique key.
    """
    with conn.connection.driver_connection.cursor() as cur:
        with cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(_copy_types(table, columns))
            for row in rows:
                copy.write_row(row)


def alembic_config(connection=None):

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


#: where a pooled connection's record keeps when it went back to the pool
_IDLE_SINCE = "formflow_idle_since"


def _ping_idle_connections(db: Database) -> None:
    """``pool_pre_ping`` for connections idle past ``db.ping_after_idle`` only (SQLAlchemy's own pings on every checkout)."""
    engine = db.engine

    @event.listens_for(engine, "checkin")
    def _stamp(_dbapi_conn, record):
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_conn, record, _proxy):
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or time.monotonic() - since < db.ping_after_idle:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error:
            alive = False
        if not alive:  # the pool closes this one and checks out another (a fresh connection needs no ping)
            raise sa.exc.DisconnectionError("the pooled connection was closed while idle")


def _configure_sqlite(engine: sa.Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT * 1000}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # reads take no write lock; writes take it up front
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("formflow_read") else "BEGIN IMMEDIATE")


def default_sqlite_url(instance_path: str | os.PathLike) -> str:
    return f"sqlite:///{Path(instance_path) / 'formflow.db'}"
