"""Static assets in Chromium: a second page load sends no request for an unchanged asset.

The real app is served on loopback behind a counter of the requests that reach the server; the page names its
CSS and scripts by content hash with a year of immutable caching, so Chromium takes them from its cache.
"""
from __future__ import annotations

import threading

from playwright.sync_api import expect

from tests.browser.conftest import serve_wsgi


class CountingMiddleware:
    """The paths of every request that reaches the server."""

    def __init__(self, app):
        self.app, self.paths, self.lock = app, [], threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            self.paths.append(environ["PATH_INFO"])
        return self.app(environ, start_response)

    def take(self) -> list[str]:
        with self.lock:
            taken, self.paths = self.paths, []
        return taken


def test_second_page_load_requests_no_unchanged_asset(page, live_app):
    counter = CountingMiddleware(live_app)
    thread = serve_wsgi(counter)
    try:
        base = f"http://127.0.0.1:{thread.port}"
        page.goto(base + "/login")
        expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
        first = [p for p in counter.take() if p.startswith("/ui/static/")]
        assert any(p.endswith(".css") for p in first) and any(p.endswith(".js") for p in first), first
        page.goto(base + "/login?lang=zh-CN")  # another page using the same assets
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        page.goto(base + "/login?lang=en")
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        second = counter.take()
        assert "/login" in second  # the page itself was asked for again
        assert [p for p in second if p.startswith("/ui/static/")] == []
        assert page.evaluate("() => document.styleSheets.length") >= 1  # and it is styled, from the cache
        assert not page.js_errors
    finally:
        thread.shutdown()
