"""The record page's approval card: status, history and CSRF-protected buttons, signed in through /login (SQLite and PostgreSQL)."""
from __future__ import annotations

import re

from engine.runtime import Actor
from engine.services import users
from tests.approvals.conftest import set_flow
from tests.core.sample import install

PASSWORD = "correct horse battery staple"
PAGE = "/apps/crm/forms/customer/records/{rid}"


def _signed_in(app, username: str):
    client = app.test_client()
    token = re.search(rb'name="csrf_token" value="([^"]+)"', client.get("/login").data).group(1).decode()
    assert client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token}).status_code == 302
    return client


def _csrf(page) -> str:
    return re.search(rb'name="csrf_token" value="([^"]+)"', page.data).group(1).decode()


def test_submit_and_reject_from_the_record_page(app):
    rt = app.extensions["formflow"]
    install(rt, Actor.system())
    boss = users.create_user(rt, Actor.system(), "boss", password=PASSWORD, display_name="Boss", roles=["viewer"], check=False)
    users.create_user(rt, Actor.system(), "sam", password=PASSWORD, display_name="Sam", roles=["member"], check=False, manager_id=boss["id"])
    set_flow(rt, {"approvers": [{"owner_manager": True}], "mode": "any"})
    sam, manager = _signed_in(app, "sam"), _signed_in(app, "boss")
    rid = sam.post("/api/apps/crm/forms/customer/records", json={"data": {"name": "ACME"}},
                   headers={"X-CSRF-Token": _csrf(sam.get("/"))}).get_json()["id"]
    url = PAGE.format(rid=rid)

    page = sam.get(url)
    html = page.data.decode()
    assert 'data-testid="approval-status">Not submitted' in html and 'data-testid="approval-submit"' in html
    assert sam.post(url + "/approval/submit", data={"comment": "forged"}).status_code == 403  # no CSRF token
    done = sam.post(url + "/approval/submit", data={"comment": "please", "csrf_token": _csrf(page)})
    assert done.status_code == 303 and done.headers["Location"].endswith(url)
    html = sam.get(url).data.decode()
    assert "Submitted for approval." in html and ">Pending<" in html and 'data-testid="approval-locked"' in html
    assert 'data-testid="approval-withdraw"' in html and 'data-testid="approval-approve"' not in html
    assert f'href="{url}/edit"' not in html  # locked: no edit button

    page = manager.get(url)
    assert 'data-testid="approval-approve"' in page.data.decode() and 'data-testid="approval-reject"' in page.data.decode()
    refused = manager.post(url + "/approval/reject", data={"comment": "", "csrf_token": _csrf(page)}, follow_redirects=True)
    assert "a rejection needs a comment" in refused.data.decode()
    manager.post(url + "/approval/reject", data={"comment": "too cheap", "csrf_token": _csrf(page)})
    html = sam.get(url).data.decode()
    assert ">Rejected<" in html and "too cheap" in html and "Boss rejected" in html and "Sam submitted for approval" in html
    assert 'data-testid="approval-submit"' in html and f'href="{url}/edit"' in html  # rejected: editable, may be submitted again
