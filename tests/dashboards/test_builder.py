"""The dashboard builder's service side: the live preview of an unsaved chart (same checks and read gate as a save), the
dashboard-level filters (period, owner, team) over every chart, and each group's drill filter selecting exactly its
records through the records query (SQLite and PostgreSQL)."""
from __future__ import annotations

from collections import Counter
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from engine.fields.temporal import parse_datetime as parse_iso
from engine.errors import DefinitionInvalid, PermissionDenied, ValidationFailed
from engine.runtime import Actor
from engine.services import dashboards as ds
from engine.services import queries
from engine.services import users

SYSTEM = Actor.system()


def board(*charts) -> dict:
    return {"key": "built", "label": {"en": "Built", "zh-CN": "搭建"}, "charts": list(charts)}


BY_STAGE = {"key": "by_stage", "type": "bar", "title": "By stage", "form": "opportunity", "group_by": {"field": "stage"},
            "aggregate": {"op": "count"}}
AMOUNT_BY_OWNER = {"key": "by_owner", "type": "pie", "title": "Amount by owner", "form": "opportunity",
                   "group_by": {"field": "owner_id"}, "aggregate": {"op": "sum", "field": "amount"}}


def all_records(rt, form="opportunity", filters=()):
    out = queries.list_records(rt, SYSTEM, "crm", form, queries.Query(filters=list(filters), page_size=queries.MAX_PAGE_SIZE))
    assert out["total"] <= queries.MAX_PAGE_SIZE
    return out["items"]


def drilled(rt, drill: dict) -> list[dict]:
    where = drill["where"]
    return all_records(rt, drill["form"], [queries.FilterGroup(where["match"], queries.filters_from_json(where["filters"]))])


def test_preview_computes_an_unsaved_dashboard_like_a_saved_one(crm):
    preview = ds.preview_dashboard(crm, SYSTEM, "crm", board(BY_STAGE, AMOUNT_BY_OWNER))
    ds.create_dashboard(crm, SYSTEM, "crm", board(BY_STAGE, AMOUNT_BY_OWNER))
    saved = ds.dashboard_data(crm, SYSTEM, "crm", "built", live=True)
    strip = lambda c: {k: v for k, v in c.items() if k not in ("ms", "shared_with", "source")}  # noqa: E731
    assert [strip(c) for c in preview["charts"]] == [strip(c) for c in saved["charts"]]
    expected = Counter(r["data"].get("stage") for r in all_records(crm))
    assert {g["key"]: g["count"] for g in preview["charts"][0]["groups"] if g["count"]} == dict(expected)
    assert ds.list_dashboards(crm, "crm")[-1]["key"] == "built"  # the preview stored nothing of its own


def test_preview_refuses_with_the_save_time_paths_and_needs_design(crm, make_user):
    bad = {**BY_STAGE, "group_by": {"field": "nope"}}
    with pytest.raises(DefinitionInvalid) as exc:
        ds.preview_dashboard(crm, SYSTEM, "crm", board(AMOUNT_BY_OWNER, bad))
    assert [e.path for e in exc.value.errors] == ["/charts/1/group_by/field"]
    with pytest.raises(PermissionDenied):
        ds.preview_dashboard(crm, make_user("mia"), "crm", board(BY_STAGE))
    with pytest.raises(ValidationFailed) as exc:
        ds.preview_dashboard(crm, SYSTEM, "crm", board(BY_STAGE), filters={"period": "fortnight", "owner": "x"})
    assert {e.path for e in exc.value.errors} == {"/filters/period/range", "/filters/owner"}


def test_dashboard_filters_apply_to_every_chart_and_each_group_drills_to_exactly_its_records(crm):
    ds.create_dashboard(crm, SYSTEM, "crm", board(BY_STAGE, AMOUNT_BY_OWNER))
    records = all_records(crm)
    owner = Counter(r["owner_id"] for r in records).most_common(1)[0][0]
    tz = ZoneInfo(crm.timezone)
    year = crm.clock.now().astimezone(tz).year
    in_year = [r for r in records if parse_iso(r["created_at"]).astimezone(tz).date() >= date(year, 1, 1)]
    picked = [r for r in in_year if r["owner_id"] == owner]
    assert 0 < len(picked) < len(records)

    data = ds.dashboard_data(crm, SYSTEM, "crm", "built", filters={"period": {"range": "this_year"}, "owner": owner})
    stage, by_owner = data["charts"]
    assert {g["key"]: g["count"] for g in stage["groups"] if g["count"]} == dict(Counter(r["data"].get("stage") for r in picked))
    assert [g["key"] for g in by_owner["groups"]] == [owner] and by_owner["groups"][0]["count"] == len(picked)
    for g in stage["groups"] + by_owner["groups"]:
        ids = sorted(r["id"] for r in drilled(crm, g["drill"]))
        assert len(ids) == g["count"]
        assert ids == sorted(r["id"] for r in picked if (r["data"].get("stage") == g["key"] if g in stage["groups"] else True))


def test_team_filter_counts_the_records_of_the_team_members(crm):
    ds.create_dashboard(crm, SYSTEM, "crm", board(BY_STAGE))
    records = all_records(crm)
    owner = Counter(r["owner_id"] for r in records).most_common(1)[0][0]
    team = users.create_team(crm, SYSTEM, "north", "North", [owner])
    data = ds.dashboard_data(crm, SYSTEM, "crm", "built", filters={"team": "north"})
    assert data["charts"][0]["count"] == sum(1 for r in records if r["owner_id"] == owner)
    users.create_team(crm, SYSTEM, "south", "South")
    assert ds.dashboard_data(crm, SYSTEM, "crm", "built", filters={"team": "south"})["charts"][0]["count"] == 0


def test_date_bucket_groups_drill_to_their_month(crm):
    monthly = {"key": "monthly", "type": "line", "title": "Monthly", "form": "opportunity",
               "group_by": {"field": "created_at", "bucket": "month"}, "period": {"field": "created_at", "range": "this_year"}}
    data = ds.preview_dashboard(crm, SYSTEM, "crm", board(monthly))
    groups = [g for g in data["charts"][0]["groups"] if g["count"]]
    assert groups
    for g in groups:
        assert len(drilled(crm, g["drill"])) == g["count"]


def test_preview_route_and_data_filters_over_http(app, client):
    from engine.services import app_templates

    app_templates.install_template(app.extensions["formflow"], SYSTEM, "crm")
    r = client.post("/api/apps/crm/dashboards/preview", json={"definition": board(BY_STAGE), "filters": {"period": "this_month"}})
    assert r.status_code == 200 and r.json["charts"][0]["key"] == "by_stage" and r.json["filters"]["period"]["range"] == "this_month"
    r = client.post("/api/apps/crm/dashboards/preview", json={"definition": board({**BY_STAGE, "form": "nope"})})
    assert r.status_code == 422 and [e["path"] for e in r.json["error"]["errors"]] == ["/charts/0/form"]
    assert client.post("/api/apps/crm/dashboards/preview", json={"charts": []}).status_code == 422
    r = client.get("/api/apps/crm/dashboards/sales/data?period=last_days&days=0")
    assert r.status_code == 422 and [e["path"] for e in r.json["error"]["errors"]] == ["/filters/period/days"]
    assert client.get("/api/apps/crm/dashboards/sales/data?period=last_days&days=7&team=north").json["filters"]["team"] == "north"
