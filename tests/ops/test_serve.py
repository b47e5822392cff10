"""``formflow serve`` for real: 2 gunicorn workers on PostgreSQL, started as a subprocess like an operator would.

Checks /healthz and /readyz, that /metrics adds up the requests of both workers, that static assets go out with
hashed names, a year of immutable caching and compression, that the public form's rate limit is one limit over
both workers (not one per process), and that SIGTERM stops the server cleanly.
"""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from engine.runtime import Actor
from engine.services import app_templates, credentials, users, web_forms
from engine.services.web_forms import RATE_LIMIT_SUBMISSIONS
from formflow import create_app

ROOT = Path(__file__).resolve().parents[2]
#: how long the server may take to answer its first request (it migrates a fresh schema first)
START_TIMEOUT_SECONDS = 60
#: the key every process of a test shares (it encrypts workflow secrets, so they must agree)
TEST_SECRET_KEY = "serve-test-secret-key-serve-test-secret-key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, *, method: str = "GET", data: bytes | None = None, headers: dict | None = None):
    """(status, headers, body) of one request on a new connection."""
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def wait_until_up(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:  # polling a starting server; no duration is asserted
        if process.poll() is not None:
            raise AssertionError(f"formflow serve exited with {process.returncode}: {process.stdout.read()}")
        try:
            if fetch(base + "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError("formflow serve did not answer /healthz in time")


def serve_env(db_url: str, tmp: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FORMFLOW_", "PROMETHEUS_", "WEBHOOK_", "SMTP_"))}
    env.update({"DATABASE_URL": db_url, "FORMFLOW_INSTANCE": str(tmp / "instance"), "FORMFLOW_INSTALL_TEMPLATES": "0",
                "SECRET_KEY": TEST_SECRET_KEY, "PYTHONPATH": str(ROOT), **extra})
    return env


@pytest.fixture(scope="module")
def server(pg_url, tmp_path_factory):
    """The CRM with an admin token and a public link, served by `formflow serve` with 2 workers x 2 threads."""
    tmp = tmp_path_factory.mktemp("serve")
    setup = create_app({"DATABASE_URL": pg_url, "INSTANCE_PATH": str(tmp / "setup"), "INSTALL_TEMPLATES": False,
                        "TESTING": True})
    rt = setup.extensions["formflow"]
    app_templates.install_template(rt, Actor.system(), "crm")
    admin = users.create_user(rt, Actor.system(), "admin", display_name="Admin", roles=["admin"], check=False)
    token = credentials.create_token(rt, Actor.user(admin["id"]), "serve test")["token"]
    link = web_forms.create_web_form(rt, Actor.user(admin["id"]), "crm", "customer",
                                     settings={"fields": ["name", "phone"]})
    rt.db.dispose()
    port = free_port()
    metrics_dir = tmp / "metrics"
    env = serve_env(pg_url, tmp, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir), FORMFLOW_THREADS="2")
    process = subprocess.Popen([sys.executable, "-m", "formflow", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
                               cwd=tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process)
        yield {"base": base, "token": token, "link": link, "metrics_dir": metrics_dir, "process": process}
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def scrape(base: str) -> dict[tuple, float]:
    status, _, body = fetch(base + "/metrics")
    assert status == 200
    samples = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_health_and_readiness(server):
    status, headers, body = fetch(server["base"] + "/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok"}
    status, _, body = fetch(server["base"] + "/readyz")
    assert status == 200 and json.loads(body) == {"status": "ready"}


def test_metrics_add_up_every_worker(server):
    base, auth = server["base"], {"Authorization": f"Bearer {server['token']}"}
    with ThreadPoolExecutor(8) as pool:  # concurrent, so both workers take some
        answers = list(pool.map(lambda _: fetch(base + "/api/apps/crm", headers=auth)[0], range(24)))
    assert answers == [200] * 24
    assert fetch(base + "/api/apps/nope", headers=auth)[0] == 404
    workers = {p.name for p in server["metrics_dir"].glob("counter_*.db")}
    assert len(workers) == 2, workers  # both workers answered and wrote their counts
    samples = scrape(base)
    route = "/api/apps/<app_key>"
    ok = (("method", "GET"), ("route", route), ("status", "200"))
    assert samples[("formflow_http_requests_total", ok)] == 24
    assert samples[("formflow_http_requests_total", (("method", "GET"), ("route", route), ("status", "404")))] == 1
    assert samples[("formflow_http_request_duration_seconds_count", (("method", "GET"), ("route", route)))] == 25
    assert samples[("formflow_due_events_backlog", ())] == 0
    assert samples[("formflow_scheduler_lag_seconds", ())] == 0


def test_static_assets_are_hashed_cached_for_a_year_and_compressed(server):
    base = server["base"]
    status, _, page = fetch(base + "/login")
    assert status == 200
    assets = re.findall(r'(?:src|href)="(/ui/static/[^"]+)"', page.decode())
    assert "/ui/static/vendor/htmx.org/htmx.min.js" not in page.decode()
    assert not any("htmx" in a or "alpine" in a for a in assets), assets  # the sign-in page has no components
    assert any(re.fullmatch(r"/ui/static/app\.[0-9a-f]{12}\.css", a) for a in assets), assets
    for asset in assets:
        for encoding in ("br", "gzip"):
            status, headers, body = fetch(base + asset, headers={"Accept-Encoding": encoding})
            assert status == 200
            assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert headers["Content-Encoding"] == encoding and "Accept-Encoding" in headers["Vary"]
    status, headers, _ = fetch(base + "/ui/static/app.css")  # the plain name still works, revalidated each time
    assert status == 200 and "immutable" not in headers.get("Cache-Control", "")


def test_public_form_rate_limit_is_shared_by_the_workers(server):
    url = server["base"] + server["link"]["url"]
    body = json.dumps({"name": "Lead", "phone": "13800138000"}).encode()

    def submit(i):
        payload = body.replace(b"Lead", f"Lead {i}".encode()).replace(b"13800138000", f"1380013{i:04d}".encode())
        return fetch(url, method="POST", data=payload, headers={"Content-Type": "application/json"})

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(submit, range(3 * RATE_LIMIT_SUBMISSIONS)))
    accepted = [a for a in answers if a[0] == 201]
    refused = [a for a in answers if a[0] == 429]
    assert len(accepted) == RATE_LIMIT_SUBMISSIONS, [a[0] for a in answers]
    assert len(refused) == 2 * RATE_LIMIT_SUBMISSIONS
    assert all(int(a[1]["Retry-After"]) > 0 for a in refused)


def test_sigterm_drains_and_exits_cleanly(server):
    process = server["process"]
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
