"""The everyday pages leave the browser's console clean (a new user's walk in Chromium): no request answered 4xx or
5xx and nothing the Content-Security-Policy refused (a choice chip's inline colour was), on the apps page, a new
customer form and a customer's page, in en and zh-CN. (Pages name their icon: a stand-alone Chromium asked for
/favicon.ico on every page and logged its 404.)"""
from __future__ import annotations

import pytest

from engine.runtime import Actor
from engine.services import records as record_service
from signin import crm_admin  # tests/browser/signin.py

ADMIN = {"username": "wangfang", "password": "correct-horse-battery-9", "display_name": "王芳"}


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_everyday_pages_log_no_console_error(live_app, live_server, page, lang):
    crm = crm_admin(live_app, live_server, page, ADMIN)
    customer = record_service.create_record(crm["rt"], Actor.system(), "crm", "customer", {"name": "Quiet Console Ltd", "level": "key"})
    errors, failed = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: failed.append((r.status, r.url)) if r.status >= 400 else None)
    for path in ("/", "/apps/crm/forms/customer/new", f"/apps/crm/forms/customer/records/{customer['id']}"):
        page.goto(f"{crm['url']}{path}?lang={lang}")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)  # the browser asks for the page's icon after the load
    assert failed == []
    assert errors == []
    assert page.js_errors == []
