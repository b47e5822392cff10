"""PostgreSQL: a statement sent on psycopg's own cursor, for the few statements of a create that share a round trip with
its COMMIT (psycopg's pipeline mode, which SQLAlchemy does not drive) or that skip SQLAlchemy's work around a statement.

A statement sent here is compiled by SQLAlchemy once per process, announced to the engine's statement listeners before
and after as any other is (the statement caps count it, the credential cache reads it), and a driver error comes back as SQLAlchemy's
error of the same kind (``IntegrityError``, ``OperationalError``...), as ``Connection.execute`` would raise it.
"""
from __future__ import annotations

import psycopg
import sqlalchemy as sa
from psycopg.types.json import Jsonb


def compiled(dialect, statement) -> sa.sql.compiler.Compiled:
    """``statement`` compiled for ``dialect``, once per process (the text never changes; only its parameters do)."""
    done = _COMPILED.get((dialect.name, id(statement)))
    if done is None:
        done = _COMPILED[dialect.name, id(statement)] = statement.compile(dialect=dialect)
    return done


_COMPILED: dict[tuple[str, int], sa.sql.compiler.Compiled] = {}


def send(conn: sa.Connection, cur, statement, params: dict) -> None:
    """``statement`` with ``params`` (by bind name; others ignored) on ``cur``, a cursor of ``conn``'s driver
    connection; a JSON value (dict, list) goes as JSONB."""
    done = compiled(conn.dialect, statement)
    bound = {k: Jsonb(v) if isinstance(v, (dict, list)) else v for k, v in done.construct_params(params).items()}
    conn.dispatch.before_cursor_execute(conn, cur, done.string, bound, None, False)
    try:
        cur.execute(done.string, bound)
    except psycopg.Error as exc:
        raise as_sqlalchemy_error(done.string, bound, exc) from exc
    conn.dispatch.after_cursor_execute(conn, cur, done.string, bound, None, False)


def as_sqlalchemy_error(statement: str | None, params, exc: psycopg.Error) -> sa.exc.DBAPIError:
    """``exc`` as SQLAlchemy wraps a driver error: the ``DBAPIError`` subclass of its kind, the statement named."""
    return sa.exc.DBAPIError.instance(statement, params, exc, psycopg.Error)


def fetched(cur) -> dict:
    """The cursor's one row, by column name."""
    return dict(zip((c.name for c in cur.description), cur.fetchone()))


def one_row(conn: sa.Connection, statement, params: dict) -> dict:
    """The one row ``statement`` returns, sent on the driver's cursor: none of SQLAlchemy's work around a statement
    (its execution context, result processing), for a hot statement whose columns need no type processing."""
    with conn.connection.driver_connection.cursor() as cur:
        send(conn, cur, statement, params)
        return fetched(cur)
