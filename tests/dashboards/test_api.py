"""The dashboards REST API: CRUD with revisions (ETag / If-Match), refusals with paths, the data endpoint, who may change them."""
from __future__ import annotations

import pytest

from engine.runtime import Actor

BOARD = {"key": "pipeline", "label": {"en": "Pipeline", "zh-CN": "商机"}, "charts": [
    {"key": "by_stage", "type": "funnel", "title": "By stage", "form": "opportunity", "group_by": {"field": "stage"}},
    {"key": "amount", "type": "number", "title": "Amount", "form": "opportunity", "aggregate": {"op": "sum", "field": "amount"}}]}


@pytest.fixture
def crm_app(app):
    from engine.services import app_templates

    app_templates.install_template(app.extensions["formflow"], Actor.system(), "crm")
    return app


def test_crud_with_revisions(crm_app, client):
    assert [d["key"] for d in client.get("/api/apps/crm/dashboards").json["items"]] == ["sales", "service"]
    r = client.post("/api/apps/crm/dashboards", json=BOARD)
    assert r.status_code == 201 and r.headers["ETag"] == '"1"'
    assert client.post("/api/apps/crm/dashboards", json=BOARD).status_code == 409
    got = client.get("/api/apps/crm/dashboards/pipeline")
    assert got.status_code == 200 and got.json["definition"] == BOARD
    changed = {**BOARD, "label": "Pipeline v2"}
    assert client.put("/api/apps/crm/dashboards/pipeline", json=changed, headers={"If-Match": '"1"'}).headers["ETag"] == '"2"'
    stale = client.put("/api/apps/crm/dashboards/pipeline", json=changed, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    data = client.get("/api/apps/crm/dashboards/pipeline/data")
    assert data.status_code == 200 and [c["key"] for c in data.json["charts"]] == ["by_stage", "amount"]
    assert data.json["charts"][1]["value"] == 0 and data.json["charts"][0]["groups"] == []
    assert client.delete("/api/apps/crm/dashboards/pipeline").status_code == 204
    assert client.get("/api/apps/crm/dashboards/pipeline").status_code == 404
    assert client.get("/api/apps/crm/dashboards/pipeline/data").status_code == 404
    assert client.get("/api/apps/nope/dashboards").status_code == 404


def test_refusals_carry_paths(crm_app, client):
    bad = {**BOARD, "charts": [{**BOARD["charts"][1], "aggregate": {"op": "avg", "field": "stage"}},
                               {**BOARD["charts"][0], "key": "x", "group_by": {"field": "closed_on", "bucket": "fortnight"}}]}
    r = client.post("/api/apps/crm/dashboards", json=bad)
    assert r.status_code == 422
    assert {e["path"] for e in r.json["error"]["errors"]} == {"/charts/1/group_by/bucket"}  # shape first
    bad["charts"][1]["group_by"]["bucket"] = "week"
    r = client.post("/api/apps/crm/dashboards", json=bad)
    assert r.status_code == 422 and [e["path"] for e in r.json["error"]["errors"]] == ["/charts/0/aggregate/field"]
    assert client.post("/api/apps/crm/dashboards", json=["not an object"]).status_code == 422
    r = client.put("/api/apps/crm/dashboards/sales", json={**BOARD, "key": "sales"}, headers={"If-Match": "soon"})
    assert r.status_code == 412


def test_only_designers_change_dashboards_but_members_read_their_figures(crm_app, client):
    from engine.services import credentials, users

    rt = crm_app.extensions["formflow"]
    member = users.create_user(rt, Actor.system(), "mia", display_name="Mia", roles=["member"], check=False)
    token = credentials.create_token(rt, Actor.user(member["id"], roles=("member",)), "t")["token"]
    mia = crm_app.test_client()
    mia.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    assert mia.post("/api/apps/crm/dashboards", json=BOARD).status_code == 403
    assert mia.delete("/api/apps/crm/dashboards/sales").status_code == 403
    r = mia.get("/api/apps/crm/dashboards/sales/data")
    assert r.status_code == 200 and all(c["error"] is None for c in r.json["charts"])
    assert crm_app.test_client().get("/api/apps/crm/dashboards/sales/data").status_code == 401
