"""Browser test harness: a real Chromium driven by Playwright's sync API.

Fixtures: `browser` (one Chromium per session), `page` (a fresh context per
test), `live_app` / `live_server` (the real Flask app over an SQLite file in
tmp_path, and its base URL on an ephemeral port), `db_app` (the same over SQLite then PostgreSQL, a fresh schema
each run: (app, base URL)), `axe_check(page)` (runs the vendored axe-core and returns
the serious/critical violations) and `app_at(instant)` (the real app whose clock reads a fixed instant when the test
starts, for tests dated relative to it, with the browser's clock fixed there too: (app, base URL)). Chromium comes
from Debian (/usr/bin/chromium); Playwright never downloads a browser here. Without Chromium the browser tests
are skipped on a developer machine and fail in CI (CI=true).
"""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

#: The Debian Chromium; Playwright's own browser builds are never downloaded.
CHROMIUM_PATH = "/usr/bin/chromium"
#: Flags for a headless Chromium in a container with no network but loopback.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: axe impacts that fail an accessibility check.
AXE_FAILING_IMPACTS = ("serious", "critical")

REPO_ROOT = Path(__file__).resolve().parents[2]
STATIC_DIR = REPO_ROOT / "designer_ui" / "static"
AXE_PATH = STATIC_DIR / "vendor" / "axe-core" / "axe.min.js"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM_PATH).exists():
        message = f"Chromium not found at {CHROMIUM_PATH} (apt-get install chromium)"
        if _in_ci():
            pytest.fail(message + ": browser tests must run in CI", pytrace=False)
        pytest.skip(message)
    if _in_ci():
        from playwright import sync_api  # in CI a missing Playwright is a failure, not a skip
    else:
        sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.js_errors = errors  # tests assert on uncaught page errors
    try:
        yield pg
    finally:
        context.close()


class _ServerThread(threading.Thread):
    def __init__(self, app):
        super().__init__(daemon=True)
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port

    def run(self):
        self.server.serve_forever()

    def shutdown(self):
        self.server.shutdown()
        self.server.server_close()


def serve_wsgi(app):
    """Start a WSGI app on 127.0.0.1:<free port>; returns the running thread."""
    thread = _ServerThread(app)
    thread.start()
    return thread


@pytest.fixture(scope="session")
def wsgi_server():
    """`wsgi_server(app)` -> base URL of `app` served on loopback until the session ends."""
    threads = []

    def start(app):
        thread = serve_wsgi(app)
        threads.append(thread)
        return f"http://127.0.0.1:{thread.port}"

    yield start
    for thread in threads:
        thread.shutdown()


@pytest.fixture
def live_app(tmp_path):
    """The real formflow app over an SQLite file (no built-in templates, so tests start from an empty workspace)."""
    import formflow
    app = formflow.create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'live.db'}", "TESTING": True,
                               "INSTANCE_PATH": str(tmp_path / "instance"), "INSTALL_TEMPLATES": False})
    yield app
    app.extensions["formflow"].db.dispose()


@pytest.fixture
def live_server(live_app):
    """`live_app` served on loopback; yields its base URL."""
    thread = serve_wsgi(live_app)
    try:
        yield f"http://127.0.0.1:{thread.port}"
    finally:
        thread.shutdown()


class RunningClock:
    """A server clock that reads ``start`` when made and runs on in real time from there (engine.clock.Clock)."""

    def __init__(self, start: datetime):
        self._start, self._made = start.astimezone(timezone.utc), time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._made)


@pytest.fixture
def app_at(tmp_path):
    """`app_at(instant)` -> (app, base URL): the real app over an SQLite file, its clock at ``instant`` now (then running
    on), served on loopback: what it dates (demo data, planned reminders) is relative to that instant, any day the test runs."""
    import formflow

    started = []

    def start(instant: datetime):
        app = formflow.create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'at.db'}", "TESTING": True,
                                   "INSTANCE_PATH": str(tmp_path / "instance"), "INSTALL_TEMPLATES": False,
                                   "CLOCK": RunningClock(instant)})
        started.append((app, serve_wsgi(app)))
        return app, f"http://127.0.0.1:{started[-1][1].port}"

    yield start
    for app, thread in started:
        thread.shutdown()
        app.extensions["formflow"].db.dispose()


@pytest.fixture
def db_app(db_url, tmp_path):
    """The real app over SQLite, then PostgreSQL (``db_url``: a fresh schema per test), served on loopback: (app, base URL)."""
    import formflow

    app = formflow.create_app({"DATABASE_URL": db_url, "TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"),
                               "INSTALL_TEMPLATES": False})
    thread = serve_wsgi(app)
    try:
        yield app, f"http://127.0.0.1:{thread.port}"
    finally:
        thread.shutdown()
        app.extensions["formflow"].db.dispose()


def run_axe(page, impacts=AXE_FAILING_IMPACTS):
    """Inject the vendored axe-core and return violations of the given impacts."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        try:
            page.add_script_tag(path=str(AXE_PATH))
        except Exception:  # a page with a strict CSP refuses the inline script tag
            pass
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # devtools evaluation is not subject to the page's CSP
        page.evaluate(AXE_PATH.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate("async () => await window.axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in impacts]


@pytest.fixture
def axe_check():
    """`axe_check(page)` -> list of serious/critical axe violations on the page."""
    return run_axe

