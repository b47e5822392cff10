"""The public links page: publish a link with its settings (refusals at their controls), its QR code, withdraw it, and
the submissions it made listed with links to their records; the service's latest_submissions and offerable_fields.
Over SQLite and PostgreSQL."""
from __future__ import annotations

import re

import pytest

from engine.errors import NotFound
from engine.runtime import Actor
from engine.services import app_templates, web_forms


@pytest.fixture
def crm(app):
    app_templates.install_template(app.extensions["formflow"], Actor.system(), "crm")
    return app


def _publish(client, **extra):
    data = {"form": "customer", "label": "Website", "fields": ["name", "phone", "email"], "source_field": "source",
            "source_value": "web_form", "thanks_en": "Thank you!", "thanks_zh": "谢谢！", **extra}
    return client.post("/apps/crm/links", data=data)


def test_publish_shows_link_and_qr_once_and_submissions_arrive(crm, client):
    r = _publish(client)
    html = r.get_data(as_text=True)
    assert r.status_code == 201 and "<svg" in html and 'data-copy="link-url"' in html
    [url] = re.findall(r'id="link-url"[^>]*value="([^"]+)"', html)
    token_path = url.split("localhost", 1)[1]
    public = crm.test_client()
    assert public.post(token_path, data={"name": "Acme Robotics", "phone": "13800138000"}).status_code == 201
    page = client.get("/apps/crm/links?form=customer").get_data(as_text=True)
    assert token_path not in page  # the token is never shown again
    assert re.search(r'data-testid="link-submissions">1<', page)
    [record_id] = re.findall(r'/apps/crm/forms/customer/records/(\d+)" data-testid="link-record"', page)
    record = client.get(f"/api/apps/crm/forms/customer/records/{record_id}").json
    assert record["data"]["name"] == "Acme Robotics" and record["data"]["source"] == "web_form"
    link = client.get("/api/apps/crm/web-forms").json["items"][0]
    assert link["settings"]["thanks"] == {"en": "Thank you!", "zh-CN": "谢谢！"}
    assert client.get(f"/api/apps/crm/web-forms/{link['id']}/submissions").json["items"][0]["record_id"] == int(record_id)


def test_refusals_at_their_controls_with_typing_kept(crm, client):
    r = _publish(client, fields=["phone"], source_value="carrier-pigeon", label="Kept label", lang="zh-CN")
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert 'data-testid="link-fields-error"' in html and 'data-testid="link-source_value-error"' in html
    assert 'value="Kept label"' in html and 'value="carrier-pigeon"' in html
    assert client.get("/api/apps/crm/web-forms").json["items"] == []


def test_revoke_closes_the_link(crm, client):
    html = _publish(client).get_data(as_text=True)
    token_path = re.findall(r'id="link-url"[^>]*value="http://localhost([^"]+)"', html)[0]
    link_id = client.get("/api/apps/crm/web-forms").json["items"][0]["id"]
    r = client.post(f"/apps/crm/links/{link_id}/revoke")
    assert r.status_code == 303
    assert crm.test_client().get(token_path).status_code == 404
    assert "Withdrawn" in client.get("/apps/crm/links").get_data(as_text=True)


def test_service_offerable_fields_and_latest_submissions(crm):
    rt = crm.extensions["formflow"]
    offer = web_forms.offerable_fields(rt, Actor.system(), "crm", "customer")
    ids = [f["id"] for f in offer["fields"]]
    assert "name" in ids and "source" not in ids and "owner" not in ids and offer["default_source_field"] == "source"
    assert "web_form" in offer["choices"]["source"]
    made = web_forms.create_web_form(rt, Actor.system(), "crm", "customer", settings={"fields": ["name", "phone"]})
    assert web_forms.latest_submissions(rt, Actor.system(), "crm", made["id"]) == []
    first = web_forms.submit_public(rt, made["token"], {"name": "Lead One", "phone": "13800000001"}, client="1.1.1.1")
    second = web_forms.submit_public(rt, made["token"], {"name": "Lead Two", "phone": "13800000002"}, client="1.1.1.2")
    latest = web_forms.latest_submissions(rt, Actor.system(), "crm", made["id"])
    assert [s["record_id"] for s in latest] == [second["record_id"], first["record_id"]]
    with pytest.raises(NotFound):
        web_forms.latest_submissions(rt, Actor.system(), "crm", made["id"] + 99)
