"""Workflows through the REST API: the scenario with the clock moved, and bad input refused with a 4xx naming the place."""
from __future__ import annotations

import copy

import pytest

from engine.scheduler import tick
from tests.workflows.conftest import add_user, publish_reminder_app, reminder_workflow


@pytest.fixture
def api(app, client):
    rt = publish_reminder_app(app, client)
    boss = add_user(rt, "boss", "Asia/Shanghai")
    sales = add_user(rt, "sales", "Asia/Shanghai", manager_id=boss)
    return rt, {"boss": boss, "sales": sales}


def test_scenario_through_the_api(api, client, clock, receiver):
    rt, people = api
    r = client.post("/api/apps/crm/workflows", json=reminder_workflow(receiver.url))
    assert r.status_code == 201, r.get_json()
    assert client.post("/api/apps/crm/workflows/follow_up_reminder/publish").status_code == 201
    r = client.post("/api/apps/crm/forms/reminder/records", json={
        "data": {"customer": "ACME", "remind_at": "2026-03-10T15:00:00+08:00", "status": "pending"}, "owner_id": people["sales"]})
    rid = r.get_json()["id"]
    due = client.get(f"/api/apps/crm/records/{rid}/due").get_json()["items"]
    assert [d["fire_at"] for d in due] == ["2026-03-09T01:00:00Z", "2026-03-10T06:00:00Z"]  # 09:00 local the day before; 14:00 local

    explained = client.post("/api/apps/crm/workflows/follow_up_reminder/dry-run", json={"record_id": rid}).get_json()
    assert explained["will_fire"] is True and explained["tz"] == "Asia/Shanghai"
    assert [o["fire_at_local"] for o in explained["occurrences"]] == ["2026-03-09 09:00 CST", "2026-03-10 14:00 CST"]
    message = explained["steps"][0]["messages"][0]
    assert message["cc"][0]["user_id"] == people["boss"] and message["subject"] == "Follow up ACME"

    clock.set("2026-03-09T01:00:00Z")
    assert tick(rt).delivery.sent == 2
    moved = client.patch(f"/api/apps/crm/forms/reminder/records/{rid}", json={"data": {"remind_at": "2026-03-10T16:00:00+08:00"}})
    assert moved.status_code == 200
    assert [d["fire_at"] for d in client.get(f"/api/apps/crm/records/{rid}/due").get_json()["items"]] == ["2026-03-10T07:00:00Z"]
    client.patch(f"/api/apps/crm/forms/reminder/records/{rid}", json={"data": {"status": "done"}})
    assert client.get(f"/api/apps/crm/records/{rid}/due").get_json()["items"] == []
    explained = client.post("/api/apps/crm/workflows/follow_up_reminder/dry-run", json={"record_id": rid}).get_json()
    assert explained["will_fire"] is False and "is false for this record" in explained["reasons"][0]
    runs = client.get("/api/apps/crm/workflows/follow_up_reminder/runs").get_json()["items"]
    assert [r["status"] for r in runs] == ["done"] and runs[0]["steps"][0]["queued"] == 2
    assert len(receiver.calls) == 1


def _bad(client, definition, path_part, status=422):
    r = client.post("/api/apps/crm/workflows", json=definition)
    assert r.status_code == status, r.get_json()
    paths = [e.get("path", "") for e in r.get_json()["error"].get("errors", [])]
    assert any(path_part in p for p in paths), paths
    return r.get_json()["error"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_bad_input_is_refused_with_the_place(api, client, receiver):
    good = reminder_workflow(receiver.url)

    def variant(change):
        d = copy.deepcopy(good)
        change(d)
        return d

    _bad(client, variant(lambda d: d["trigger"]["offsets"][0].update(amount=400)), "/trigger/offsets/0/amount")
    _bad(client, variant(lambda d: d["trigger"]["offsets"][1].update(amount=10_000, unit="hours")), "/trigger/offsets/1/amount")
    _bad(client, variant(lambda d: d["trigger"]["offsets"][1].update(at_time="09:00")), "/trigger/offsets/1/at_time")
    _bad(client, variant(lambda d: d["trigger"].update(tz="Mars/Olympus")), "/trigger/tz")
    _bad(client, variant(lambda d: d["trigger"].update(field="customer")), "/trigger/field")
    _bad(client, variant(lambda d: d["trigger"].update(condition="status ==")), "/trigger/condition")
    _bad(client, {**good, "trigger": {"type": "schedule", "cron": "61 9 * * 1"}}, "/trigger/cron")
    _bad(client, {**good, "trigger": {"type": "schedule", "cron": "every monday"}}, "/trigger/cron")
    for url in ("http://169.254.169.254/latest/meta-data", "http://10.0.0.1/hook"):
        err = _bad(client, variant(lambda d: d["steps"][0]["channel_config"]["webhook"].update(url=url)),
                   "/steps/0/channel_config/webhook/url")
        assert "not allowed" in str(err) or "private" in str(err) or "link-local" in str(err)
        _bad(client, {**good, "steps": [{"id": "hook", "type": "webhook", "url": url}]}, "/steps/0/url")
    _bad(client, variant(lambda d: d["steps"][0]["message"].update(body="{{ record.nope }}")), "/steps/0/message/body")
    _bad(client, variant(lambda d: d["steps"][0]["message"].update(body="{{ ''.__class__ }}")), "/steps/0/message/body")
    _bad(client, variant(lambda d: d["steps"][0]["message"].update(body="{{ record|attr('__class__') }}")), "/steps/0/message/body")
    _bad(client, variant(lambda d: d["steps"][0].update(channels=["pigeon"])), "/steps/0/channels/0")
    _bad(client, variant(lambda d: d["steps"][0].update(template="no_such_template", message=None) or d["steps"][0].pop("message")),
         "/steps/0/template")
    _bad(client, variant(lambda d: d.update(form="nope")), "/form")
    _bad(client, variant(lambda d: d["steps"][0]["to"].append({"field": "customer"})), "/steps/0/to/1/field")
    _bad(client, variant(lambda d: d.pop("steps")), "/steps")
    _bad(client, variant(lambda d: d["trigger"].update(type="sometimes")), "/trigger/type")
    assert client.post("/api/apps/crm/workflows", json=[1]).status_code == 422
    assert client.post("/api/apps/crm/workflows/nope/publish").status_code == 404
    assert client.post("/api/apps/crm/workflows/nope/dry-run", json={"record_id": "x"}).status_code == 422
    assert client.get("/api/apps/crm/workflows/nope/runs?limit=abc").status_code in (404, 422)
    # nothing half-saved
    assert client.get("/api/apps/crm/workflows").get_json()["items"] == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_openapi_lists_the_workflow_routes(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert "/api/apps/{app_key}/workflows/{workflow_key}/dry-run" in paths
    assert "/api/apps/{app_key}/records/{record_id}/due" in paths


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_scheduler_command_runs_one_tick(api, client, clock, runner, receiver):
    rt, people = api
    assert client.post("/api/apps/crm/workflows", json=reminder_workflow(receiver.url)).status_code == 201
    assert client.post("/api/apps/crm/workflows/follow_up_reminder/publish").status_code == 201
    client.post("/api/apps/crm/forms/reminder/records", json={
        "data": {"customer": "ACME", "remind_at": "2026-03-10T15:00:00+08:00", "status": "pending"}, "owner_id": people["sales"]})
    clock.set("2026-03-09T01:00:00Z")
    from formflow.cli import cli

    result = runner.invoke(cli, ["scheduler", "--once"])
    assert result.exit_code == 0, result.output
    assert "claimed 1, done 1" in result.output and "sent 2" in result.output
    refused = runner.invoke(cli, ["scheduler", "--senders", "-1"])
    assert refused.exit_code == 2 and "--senders" in refused.output


def test_scheduler_has_one_interval_job(rt):
    from engine.scheduler import Scheduler

    service = Scheduler(rt, interval=60)
    jobs = service.aps.get_jobs()
    assert [j.id for j in jobs] == ["formflow-due-events"] and type(jobs[0].trigger).__name__ == "IntervalTrigger"
