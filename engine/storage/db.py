"""The Database handle: one SQLAlchemy engine, transactions, and migrations.

SQLite runs in WAL mode with ``BEGIN IMMEDIATE`` transactions, so a writer
never fails half-way on a lock upgrade; PostgreSQL runs as is.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterable, Iterator

import sqlalchemy as sa
from sqlalchemy import event

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
#: how long a SQLite writer waits for the lock before giving up, in seconds
SQLITE_BUSY_TIMEOUT = 30


class Database:
    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 5):
        self.url = url
        kwargs: dict = {"echo": echo, "future": True}
        if url.startswith("sqlite"):
            path = sa.engine.make_url(url).database
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT}
        else:
            kwargs.update(pool_size=pool_size, max_overflow=10, pool_pre_ping=True)
        self.engine = sa.create_engine(url, **kwargs)
        if self.engine.dialect.name == "sqlite":
            _configure_sqlite(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        with self.engine.begin() as conn:
            yield conn

    @contextlib.contextmanager
    def read(self) -> Iterator[sa.Connection]:
        with self.engine.connect() as conn:
            yield conn

    def upgrade(self) -> None:
        """Bring the schema to the newest revision (every branch head)."""
        from alembic import command

        with self.engine.begin() as conn:
            command.upgrade(alembic_config(conn), "heads")

    def dispose(self) -> None:
        self.engine.dispose()


def ids_grouped(rows: Iterable[dict], keys: tuple[str, ...], id_key: str = "b_id") -> dict[tuple, list[int]]:
    """Row ids grouped by their values of ``keys``: a batch of updates becomes one ``WHERE id IN (...)`` per distinct outcome."""
    groups: dict[tuple, list[int]] = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in keys), []).append(row[id_key])
    return groups


def alembic_config(connection=None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


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
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def default_sqlite_url(instance_path: str | os.PathLike) -> str:
    return f"sqlite:///{Path(instance_path) / 'formflow.db'}"
