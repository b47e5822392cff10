"""Shared fixtures: ``db_url`` over SQLite and the real PostgreSQL, ``clock``, ``rt``, ``app``, ``client`` (an admin's token), ``runner``.

PostgreSQL tests get a throwaway schema each (dropped afterwards) in the
database named by ``FORMFLOW_TEST_PG`` (default: 127.0.0.1:5432/test).
"""
from __future__ import annotations

import contextlib
import os
import threading
import uuid
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from engine.clock import FrozenClock
from engine.runtime import Actor, Runtime

PG_URL = os.environ.get("FORMFLOW_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True)
def _english_shell(monkeypatch):
    """The ``formflow`` commands print in the shell's language (formflow.cli_text): a test reads English whatever the
    developer's LANG, unless it sets another."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@contextlib.contextmanager
def served(wsgi_app, **server_options):
    """A WSGI app (a test's webhook receiver) on a free 127.0.0.1 port in a thread; yields the server, stops it after."""
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True, **server_options)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join()


def _pg_available() -> bool:
    try:
        eng = sa.create_engine(PG_URL)
        with eng.connect() as conn:
            conn.execute(sa.text("select 1"))
        eng.dispose()
        return True
    except Exception:
        return False


PG_OK = _pg_available()


def fresh_pg_schema():
    """A fresh PostgreSQL schema; yields a URL whose search_path points at it (the body of the fixtures below)."""
    if not PG_OK:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI but {PG_URL} is not reachable")
        pytest.skip("PostgreSQL not reachable")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def pg_schema_url():
    """A fresh PostgreSQL schema for one test."""
    yield from fresh_pg_schema()


@pytest.fixture(scope="module")
def pg_url():
    """A fresh PostgreSQL schema shared by a module's tests (servers started once per module)."""
    yield from fresh_pg_schema()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'formflow.db'}"
    else:
        yield request.getfixturevalue("pg_schema_url")


@pytest.fixture
def clock():
    return FrozenClock("2026-03-09T00:00:00Z")


@pytest.fixture
def rt(db_url, clock):
    runtime = Runtime.open(db_url, clock=clock, config={"TIMEZONE": "Asia/Shanghai"})
    yield runtime
    runtime.db.dispose()


@pytest.fixture
def system():
    return Actor.system()


@pytest.fixture
def app(db_url, clock, tmp_path):
    from formflow import create_app

    application = create_app({"DATABASE_URL": db_url, "CLOCK": clock, "TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"),
                              "TIMEZONE": "Asia/Shanghai", "INSTALL_TEMPLATES": False})
    yield application
    application.extensions["formflow"].db.dispose()


@pytest.fixture
def admin_token(app):
    """A real API token of a real workspace admin (user "admin"), made through the services."""
    from engine.services import credentials, users

    runtime = app.extensions["formflow"]
    admin = users.create_user(runtime, Actor.system(), "admin", display_name="Admin", roles=["admin"], check=False)
    return credentials.create_token(runtime, Actor.user(admin["id"]), "tests")["token"]


@pytest.fixture
def client(app, admin_token):
    """A test client signed in as that admin: every request carries ``Authorization: Bearer <token>``."""
    test_client = app.test_client()
    test_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {admin_token}"
    return test_client


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
