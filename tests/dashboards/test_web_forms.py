"""The public web form (lead capture): admin-published tokenized links, no sign-in, honeypot, rate limit per address,
size limits, the source channel recorded; CSRF-free but bound to the link's token. Over SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine.runtime import Actor
from engine.services import web_forms

LEAD = {"name": "Acme Robotics Ltd", "phone": "13800138000", "email": "buyer@acme-robotics.cn", "industry": "manufacturing"}


@pytest.fixture
def crm_app(app):
    from engine.services import app_templates

    app_templates.install_template(app.extensions["formflow"], Actor.system(), "crm")
    yield app  # the rate limit's counts live in this test's database


@pytest.fixture
def link(crm_app, client):
    r = client.post("/api/apps/crm/web-forms", json={"form": "customer", "label": "Website leads",
                                                     "settings": {"fields": ["name", "phone", "email", "industry", "remarks"]}})
    assert r.status_code == 201, r.json
    return r.json


@pytest.fixture
def public(crm_app):
    """A browser with no sign-in (and no CSRF token)."""
    return crm_app.test_client()


def customers(client) -> list[dict]:
    return client.get("/api/apps/crm/forms/customer/records").json["items"]


def test_lead_captured_without_sign_in_with_source_recorded(link, public, client):
    page = public.get(link["url"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="email"' in html and 'name="owner"' not in html and 'name="source"' not in html
    assert f'name="{web_forms.HONEYPOT_FIELD}"' in html and 'aria-hidden="true"' in html
    r = public.post(link["url"], data={**LEAD, web_forms.HONEYPOT_FIELD: ""})
    assert r.status_code == 201 and 'data-testid="public-thanks"' in r.get_data(as_text=True)
    [record] = customers(client)
    assert record["data"]["source"] == "web_form" and record["data"]["name"] == LEAD["name"]
    assert record["data"]["serial"].startswith("KH-")  # the ordinary record path: serials, computed values...
    listed = client.get("/api/apps/crm/web-forms").json["items"][0]
    assert listed["submissions"] == 1 and "token" not in listed
    r = public.post(link["url"], json={"name": "Beta Foods Co", "phone": "13900139000"})
    assert r.status_code == 201 and r.json == {"accepted": True}


def test_only_the_token_binds_the_post_and_revoking_closes_it(link, public, client, crm_app):
    # CSRF-free: the anonymous post above carried no token; signed-in pages still demand one
    assert public.post("/logout").status_code == 403
    assert public.post("/f/" + "x" * 32, data=LEAD).status_code == 404
    assert public.get("/f/../../api/apps").status_code == 404
    rt = crm_app.extensions["formflow"]
    with rt.db.read() as conn:
        stored = conn.exec_driver_sql("SELECT token_hash FROM web_forms").scalar()
    assert stored != link["token"] and stored == web_forms.token_hash(link["token"])  # only the hash is kept
    r = client.post(f"/api/apps/crm/web-forms/{link['id']}/revoke")
    assert r.status_code == 200 and r.json["active"] is False
    assert public.get(link["url"]).status_code == 404
    assert public.post(link["url"], data=LEAD).status_code == 404
    assert customers(client) == []


def test_a_withdrawn_link_is_restored_at_the_same_address(link, public, client):
    """The Undo of a withdrawal: POST .../restore opens the same link again (its hash was kept); an unknown link is 404."""
    assert client.post(f"/api/apps/crm/web-forms/{link['id']}/revoke").json["active"] is False
    assert public.get(link["url"]).status_code == 404
    r = client.post(f"/api/apps/crm/web-forms/{link['id']}/restore")
    assert r.status_code == 200 and r.json["active"] is True and r.json["revoked_at"] is None
    assert public.get(link["url"]).status_code == 200
    assert public.post(link["url"], data=LEAD).status_code == 201
    assert client.post(f"/api/apps/crm/web-forms/{link['id']}/restore").json["active"] is True   # twice: still open
    assert client.post("/api/apps/crm/web-forms/999999/restore").status_code == 404


def test_honeypot_answers_like_success_but_saves_nothing(link, public, client):
    r = public.post(link["url"], data={**LEAD, web_forms.HONEYPOT_FIELD: "http://spam.example"})
    assert r.status_code == 201 and 'data-testid="public-thanks"' in r.get_data(as_text=True)
    assert customers(client) == []
    assert client.get("/api/apps/crm/web-forms").json["items"][0]["refused"] == 1


def test_rate_limit_per_address(link, public, client, clock):
    for i in range(web_forms.RATE_LIMIT_SUBMISSIONS):
        r = public.post(link["url"], json={"name": f"Company {chr(65 + i)} Group", "phone": f"1380013800{i}"},
                        environ_base={"REMOTE_ADDR": "203.0.113.7"})
        assert r.status_code == 201, r.json
    r = public.post(link["url"], json={"name": "One Too Many Inc"}, environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0 and r.json["error"]["code"] == "rate_limited"
    # another address is not held back; the first one is free again after the window
    assert public.post(link["url"], json={"name": "Other Office Ltd"}, environ_base={"REMOTE_ADDR": "198.51.100.2"}).status_code == 201
    clock.advance(timedelta(seconds=web_forms.RATE_LIMIT_WINDOW_SECONDS + 1))
    assert public.post(link["url"], json={"name": "Later Again Ltd"}, environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 201
    assert len(customers(client)) == web_forms.RATE_LIMIT_SUBMISSIONS + 2


def test_size_limits_unknown_fields_and_validation(link, public, client):
    big = public.post(link["url"], data={"name": "x" * (web_forms.MAX_PUBLIC_BODY_BYTES + 10)})
    assert big.status_code == 413
    r = public.post(link["url"], json={"name": "Long Notes Ltd", "remarks": "x" * (web_forms.MAX_PUBLIC_FIELD_CHARS + 1)})
    assert r.status_code == 422 and r.json["error"]["errors"][0]["path"] == "/remarks"
    r = public.post(link["url"], json={"name": "Sneaky Ltd", "owner": 1, "level": "key"})
    assert r.status_code == 422 and {e["path"] for e in r.json["error"]["errors"]} == {"/owner", "/level"}
    r = public.post(link["url"], data={"phone": "13800138000"})  # name is required: the form shows it in place
    assert r.status_code == 422 and 'data-testid="public-error-name"' in r.get_data(as_text=True)
    r = public.post(link["url"], json=["not", "an", "object"])
    assert r.status_code == 422
    assert customers(client) == []


def test_duplicate_is_refused_without_revealing_the_existing_record(link, public, client):
    assert public.post(link["url"], json=LEAD).status_code == 201
    r = public.post(link["url"], json={**LEAD, "email": "other@acme-robotics.cn"})
    assert r.status_code == 409
    assert LEAD["name"] not in str(r.json) and "#" not in r.json["error"]["message"]


def test_publishing_is_checked_and_admin_only(crm_app, client):
    r = client.post("/api/apps/crm/web-forms", json={"form": "customer", "settings": {"fields": ["name", "owner", "won_amount", "nope"]}})
    assert r.status_code == 422
    assert {e["path"] for e in r.json["error"]["errors"]} == {"/settings/fields/1", "/settings/fields/2", "/settings/fields/3"}
    r = client.post("/api/apps/crm/web-forms", json={"form": "customer", "settings": {"fields": ["phone"]}})
    assert r.status_code == 422 and r.json["error"]["errors"][0]["field_id"] == "name"  # required, not offered
    r = client.post("/api/apps/crm/web-forms", json={"form": "customer", "settings": {"source_value": "fax"}})
    assert r.status_code == 422 and r.json["error"]["errors"][0]["path"] == "/settings/source_value"
    assert client.post("/api/apps/crm/web-forms", json={"form": "nope"}).status_code == 404
    rt = crm_app.extensions["formflow"]
    from engine.services import credentials, users

    member = users.create_user(rt, Actor.system(), "mia", display_name="Mia", roles=["member"], check=False)
    token = credentials.create_token(rt, Actor.user(member["id"], roles=("member",)), "t")["token"]
    r = crm_app.test_client().post("/api/apps/crm/web-forms", json={"form": "customer"}, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403
