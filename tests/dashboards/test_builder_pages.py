"""The dashboard builder's pages: the editor page offers the app's forms and fields, the dashboard page's filters
(period, owner, team) reach every chart, a bad one is shown at its control, and each group links to the records list
with its drill filter, which the records table answers with exactly that group's records. Over SQLite and PostgreSQL."""
from __future__ import annotations

import html
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from engine import demo
from engine.runtime import Actor
from engine.services import app_templates

BOARD = {"key": "built", "label": "Built", "charts": [
    {"key": "by_stage", "type": "bar", "title": "By stage", "form": "opportunity", "group_by": {"field": "stage"}}]}


@pytest.fixture
def crm(app):
    rt = app.extensions["formflow"]
    app_templates.install_template(rt, Actor.system(), "crm")
    demo.generate(rt, customers=8, seed=3)
    return app


def test_editor_page_offers_forms_fields_and_the_preview(crm, client):
    page = client.get("/apps/crm/dashboards/new")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    config = json.loads(html.unescape(re.search(r'id="ff-dash-builder">(.*?)</script>', text, re.S).group(1)))
    assert config["preview_url"] == "/api/apps/crm/dashboards/preview" and config["definition"] is None
    opportunity = next(f for f in config["forms"] if f["key"] == "opportunity")
    kinds = {f["id"]: f["kind"] for f in opportunity["fields"]}
    assert kinds["amount"] == "number" and kinds["stage"] == "choice" and kinds["closed_on"] == "date"
    assert 'href="/apps/crm/dashboards/new"' in client.get("/apps/crm/dashboards").get_data(as_text=True)


def test_dashboard_page_filters_and_drill_links(crm, client):
    assert client.post("/api/apps/crm/dashboards", json=BOARD).status_code == 201
    bad = client.get("/apps/crm/dashboards/built?period=fortnight").get_data(as_text=True)
    assert 'id="df-period-error"' in bad and 'aria-invalid="true"' in bad
    text = client.get("/apps/crm/dashboards/built?period=last_days&days=400").get_data(as_text=True)
    data = client.get("/api/apps/crm/dashboards/built/data?period=last_days&days=400").json
    groups = [g for g in data["charts"][0]["groups"] if g["count"]]
    links = [html.unescape(u) for u in re.findall(r'<a href="(/apps/crm/forms/opportunity/records\?where=[^"]+)"', text)]
    assert groups and len(links) == len(data["charts"][0]["groups"])
    for g in groups:
        link = next(u for u in links if json.loads(parse_qs(urlsplit(u).query)["where"][0]) == g["drill"]["where"])
        where = parse_qs(urlsplit(link).query)["where"][0]
        rows = client.get("/api/apps/crm/forms/opportunity/records/table", query_string={"where": where, "per_page": 200}).json
        assert "total" in rows, rows
        assert rows["total"] == g["count"] and {r["data"]["stage"] for r in rows["items"]} == {g["key"]}
