"""The shared rate limit (engine.ratelimit): in the database on SQLite and PostgreSQL, in Redis with REDIS_URL.

Two runtimes over one store stand for two processes: what one counts, the other sees. Time moves on the clock.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

import pytest

from engine.ratelimit import RateLimiter, redis_client
from engine.runtime import Runtime

LIMIT, WINDOW = 3, 60


def _two_processes_share_one_limit(first: Runtime, second: Runtime, clock) -> None:
    limiter = RateLimiter("test", LIMIT, WINDOW)
    assert [limiter.attempt(rt, "10.0.0.1") for rt in (first, second, first)] == [None, None, None]
    assert limiter.attempt(second, "10.0.0.1") == WINDOW + 1  # the 4th, from the other "process"
    assert limiter.attempt(first, "10.0.0.2") is None  # another address counts apart
    assert RateLimiter("other", LIMIT, WINDOW).attempt(first, "10.0.0.1") is None  # and another scope
    clock.advance(seconds=WINDOW - 10)
    assert limiter.attempt(first, "10.0.0.1") == 11
    clock.advance(seconds=11)
    assert limiter.attempt(second, "10.0.0.1") is None  # the oldest attempts left the window


def test_database_limit_is_shared(db_url, clock):
    first = Runtime.open(db_url, clock=clock)
    second = Runtime.open(db_url, clock=clock, migrate=False)
    try:
        _two_processes_share_one_limit(first, second, clock)
    finally:
        first.db.dispose()
        second.db.dispose()


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    if server is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is required in CI")
        pytest.skip("redis-server not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        for _ in range(100):  # polling a starting server; nothing is timed
            try:
                redis_client(url).ping()
                break
            except Exception:
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_redis_limit_is_shared(redis_url, tmp_path, clock):
    db = f"sqlite:///{tmp_path / 'unused.db'}"
    first = Runtime.open(db, clock=clock, config={"REDIS_URL": redis_url})
    second = Runtime.open(db, clock=clock, config={"REDIS_URL": redis_url}, migrate=False)
    try:
        _two_processes_share_one_limit(first, second, clock)
        assert redis_client(redis_url).keys("formflow:ratelimit:*")  # counted in Redis ...
        with first.db.read() as conn:  # ... not in the database
            assert conn.exec_driver_sql("SELECT count(*) FROM rate_limit_hits").scalar_one() == 0
    finally:
        first.db.dispose()
        second.db.dispose()
