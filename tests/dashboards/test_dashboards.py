"""Dashboards as data: save-time checks with paths, figures computed in the database (SQLite and PostgreSQL)
matching hand-written SQL, row scopes and hidden fields respected, buckets and periods in the workspace time zone."""
from __future__ import annotations

import copy

import pytest
import sqlalchemy as sa

from engine.errors import DefinitionInvalid, NotFound, PermissionDenied, PreconditionFailed
from engine.runtime import Actor
from engine.services import dashboards as ds
from engine.services import forms as fs
from engine.services import records as rs
from tests.dashboards.expected import engine_figures, expected_sales

SYSTEM = Actor.system()


def chart(**kw) -> dict:
    base = {"key": "c", "type": "bar", "title": "C", "form": "opportunity", "group_by": {"field": "stage"}, "aggregate": {"op": "count"}}
    base.update(kw)
    return {k: v for k, v in base.items() if v is not None}


def board(*charts) -> dict:
    return {"key": "b", "label": {"en": "B", "zh-CN": "乙"}, "charts": list(charts)}


def test_builtin_sales_dashboard_matches_independent_sql(crm):
    data = ds.dashboard_data(crm, SYSTEM, "crm", "sales")
    got = engine_figures(data)
    with crm.db.read() as conn:
        want = expected_sales(conn, crm.clock.now(), crm.timezone)
    assert set(got) == set(want)
    for key in want:
        assert got[key] == want[key], key
    assert sum(want["customers_by_industry"].values()) > 0 and want["funnel"]
    charts = {c["key"]: c for c in data["charts"]}
    # the funnel keeps the stage choices' order; shares are of the first step
    order = ["initial", "needs", "proposal", "negotiation", "won"]
    keys = [g["key"] for g in charts["funnel"]["groups"]]
    assert keys == [k for k in order if k in keys] and charts["funnel"]["groups"][0]["share"] == 1.0
    # target vs done: every month of the year so far, zeros included, each with the target
    months = [g["key"] for g in charts["target_vs_done_month"]["groups"]]
    assert months == ["2026-01", "2026-02", "2026-03"] and all(g["target"] == 500000 for g in charts["target_vs_done_month"]["groups"])
    assert charts["won_this_month"]["ratio"] == pytest.approx((charts["won_this_month"]["value"] or 0) / 500000, abs=1e-4)
    # follow-ups per person are labelled with the sales person's name; choices with their label
    assert all(isinstance(g["label"], str) and not g["label"].startswith("#") for g in charts["follow_ups_per_person"]["groups"])
    assert {"en": "Manufacturing", "zh-CN": "制造业"} in [g["label"] for g in charts["customers_by_industry"]["groups"]] or \
        "manufacturing" not in want["customers_by_industry"]
    assert charts["rfm_segments"]["groups"][0]["label"]["zh-CN"] in ("强活跃", "强意向", "弱意向", "无意向")


def test_aggregates_never_load_records(crm):
    """Over the records (``live``): only grouped rows come back: one GROUP BY per chart on SQLite; on PostgreSQL charts
    over the same rows (same form, filters, period) share one GROUP BY GROUPING SETS; no statement selects records.data."""
    seen = []

    @sa.event.listens_for(crm.db.engine, "before_cursor_execute")
    def _spy(conn, cursor, statement, params, context, executemany):
        seen.append(statement)

    ds.dashboard_data(crm, SYSTEM, "crm", "sales", live=True)
    sa.event.remove(crm.db.engine, "before_cursor_execute", _spy)
    grouped = [s for s in seen if "FROM records" in s]
    assert len(grouped) == (12 if crm.db.dialect == "sqlite" else 7)
    if crm.db.dialect == "postgresql":
        assert sum("GROUPING SETS" in s for s in grouped) == 3  # customers (4 charts), open pipeline (2), won this year (2)
    assert all("count(*)" in s.lower() for s in grouped)
    assert not any("records.data," in s or "SELECT records.id" in s for s in grouped)


def test_postgresql_reads_pre_aggregated_cells_sqlite_the_records(crm):
    """Without ``live``: on PostgreSQL every chart of the sales dashboard (counts and sums) reads its cells, no statement
    reads records; SQLite has no cells and groups the records."""
    seen = []

    @sa.event.listens_for(crm.db.engine, "before_cursor_execute")
    def _spy(conn, cursor, statement, params, context, executemany):
        seen.append(statement)

    data = ds.dashboard_data(crm, SYSTEM, "crm", "sales")
    sa.event.remove(crm.db.engine, "before_cursor_execute", _spy)
    pg = crm.db.dialect == "postgresql"
    assert {c["source"] for c in data["charts"]} == {"cells" if pg else "records"}
    assert sum("FROM records" in s for s in seen) == (0 if pg else 12)
    assert sum("FROM chart_cells" in s for s in seen) == (12 if pg else 0)
    assert engine_figures(data) == engine_figures(ds.dashboard_data(crm, SYSTEM, "crm", "sales", live=True))


@pytest.mark.parametrize("bad, path, code", [
    (chart(form="nope"), "/charts/0/form", "not_found"),
    (chart(group_by={"field": "colour"}), "/charts/0/group_by/field", "unknown_field"),
    (chart(aggregate={"op": "sum", "field": "name"}), "/charts/0/aggregate/field", "not_numeric"),
    (chart(aggregate={"op": "sum"}), "/charts/0/aggregate/field", "required"),
    (chart(aggregate={"op": "count", "field": "amount"}), "/charts/0/aggregate/field", "invalid"),
    (chart(group_by={"field": "stage", "bucket": "month"}), "/charts/0/group_by/bucket", "invalid"),
    (chart(type="gauge", group_by=None, aggregate={"op": "sum", "field": "amount"}), "/charts/0/target", "required"),
    (chart(type="number"), "/charts/0/group_by", "invalid"),
    (chart(type="pie", group_by=None), "/charts/0/group_by", "required"),
    (chart(filters=[{"field": "stage", "op": "like", "value": "x"}]), "/charts/0/filters/0/op", "invalid"),
    (chart(filters=[{"field": "amount", "op": "gt", "value": "lots"}]), "/charts/0/filters/0/value", "invalid"),
    (chart(period={"field": "stage", "range": "this_year"}), "/charts/0/period/field", "invalid"),
    (chart(period={"field": "closed_on", "range": "last_days"}), "/charts/0/period/days", "required"),
    (chart(type="funnel", target={"value": 3}), "/charts/0/target", "invalid"),
    (chart(type="radar"), "/charts/0/type", "schema"),
    (chart(group_by={"field": "notes"}), "/charts/0/group_by/field", "invalid"),
])
def test_save_refuses_with_paths(crm_bare, bad, path, code):
    with pytest.raises(DefinitionInvalid) as err:
        ds.create_dashboard(crm_bare, SYSTEM, "crm", board(bad))
    items = [(e.path, e.code) for e in err.value.errors]
    assert (path, code) in items, items


def test_duplicate_chart_keys_and_sum_over_rollup_and_computed(crm):
    with pytest.raises(DefinitionInvalid) as err:
        ds.create_dashboard(crm, SYSTEM, "crm", board(chart(), chart()))
    assert err.value.errors[0].path == "/charts/1/key"
    ok = board(chart(key="won", type="number", form="customer", group_by=None, aggregate={"op": "sum", "field": "won_amount"}),
               chart(key="score", type="table", form="customer", group_by={"field": "grade"}, aggregate={"op": "avg", "field": "lead_score"}),
               chart(key="last", type="bar", form="customer", group_by={"field": "created_at", "bucket": "month"}),
               chart(key="bad_sum", type="number", form="customer", group_by=None, aggregate={"op": "max", "field": "won_count"}))
    saved = ds.create_dashboard(crm, SYSTEM, "crm", ok)
    assert saved["revision"] == 1
    data = {c["key"]: c for c in ds.dashboard_data(crm, SYSTEM, "crm", "b")["charts"]}
    assert all(c["error"] is None for c in data.values())
    assert sum(g["count"] for g in data["last"]["groups"]) == data["won"]["count"]


def test_crud_revisions_and_not_found(crm_bare):
    crm = crm_bare
    d = ds.create_dashboard(crm, SYSTEM, "crm", board(chart()))
    changed = copy.deepcopy(d["definition"])
    changed["charts"][0]["type"] = "pie"
    assert ds.replace_dashboard(crm, SYSTEM, "crm", "b", changed, if_revision=1)["revision"] == 2
    with pytest.raises(PreconditionFailed):
        ds.replace_dashboard(crm, SYSTEM, "crm", "b", changed, if_revision=1)
    assert [x["key"] for x in ds.list_dashboards(crm, "crm")] == ["sales", "service", "b"]
    ds.delete_dashboard(crm, SYSTEM, "crm", "b")
    with pytest.raises(NotFound):
        ds.get_dashboard(crm, "crm", "b")
    with pytest.raises(NotFound):
        ds.dashboard_data(crm, SYSTEM, "crm", "b")


def test_row_scope_and_hidden_fields(crm_bare, make_user):
    """A member reads only their own rows; a chart on a field their role hides is refused (that chart only)."""
    from engine.services import permissions

    crm = crm_bare
    alice, bob = make_user("alice"), make_user("bob")
    for actor, name, industry in ((alice, "Alpha", "it"), (alice, "Beta", "it"), (bob, "Gamma", "retail")):
        rs.create_record(crm, actor, "crm", "customer", {"name": f"{name} Trading", "industry": industry})
    with pytest.raises(PermissionDenied):
        ds.create_dashboard(crm, alice, "crm", board(chart()))  # members don't design
    charts = {c["key"]: c for c in ds.dashboard_data(crm, alice, "crm", "sales")["charts"]}
    assert {g["key"]: g["value"] for g in charts["customers_by_industry"]["groups"]} == {"it": 2}
    assert charts["funnel"]["groups"] == [] and charts["open_pipeline"]["value"] == 0
    permissions.set_grant(crm, SYSTEM, "crm", "customer", "member",
                          {"create": True, "read": "own", "update": "own", "delete": "own", "fields": {"industry": "hidden"}})
    charts = {c["key"]: c for c in ds.dashboard_data(crm, alice, "crm", "sales")["charts"]}
    refused = charts["customers_by_industry"]["error"]
    assert refused["status"] == 403 and refused["path"] == "/charts/7/group_by/field"
    assert charts["customers_by_region"]["error"] is None and charts["customers_by_level"]["groups"][0]["value"] == 2


def _timed_app(rt):
    fs.create_app(rt, SYSTEM, "ops", "Ops")
    fs.create_form(rt, SYSTEM, "ops", {"key": "visit", "label": "Visit", "fields": [
        {"id": "at", "type": "datetime", "label": "At", "filterable": True},
        {"id": "day", "type": "date", "label": "Day", "filterable": True},
        {"id": "hours", "type": "number", "label": "Hours"}]})
    fs.publish_form(rt, SYSTEM, "ops", "visit")


def test_buckets_and_periods_in_the_workspace_time_zone(rt):
    """Asia/Shanghai (UTC+8): 2026-03-08T16:30Z is Monday 9 March 00:30 there; 15:30Z is still Sunday the 8th."""
    _timed_app(rt)
    for at, day, hours in (("2026-03-08T16:30:00Z", "2026-03-09", 2), ("2026-03-08T15:30:00Z", "2026-03-08", 3),
                           ("2026-02-27T10:00:00Z", "2026-02-27", 5), ("2025-12-31T17:00:00Z", "2026-01-01", 7)):
        rs.create_record(rt, SYSTEM, "ops", "visit", {"at": at, "day": day, "hours": hours})
    charts = [chart(key=f"{b}_{f}", form="visit", group_by={"field": f, "bucket": b}, aggregate={"op": "sum", "field": "hours"})
              for f in ("at", "day") for b in ("day", "week", "month", "year")]
    charts += [chart(key="this_week", type="number", form="visit", group_by=None, period={"field": "at", "range": "this_week"}),
               chart(key="last_10", type="number", form="visit", group_by=None, period={"field": "day", "range": "last_days", "days": 10}),
               chart(key="this_year", type="number", form="visit", group_by=None, aggregate={"op": "avg", "field": "hours"},
                     period={"field": "created_at", "range": "this_year"})]
    ds.create_dashboard(rt, SYSTEM, "ops", board(*charts))
    got = {c["key"]: c for c in ds.dashboard_data(rt, SYSTEM, "ops", "b")["charts"]}

    def found(key):
        return {g["key"]: g["value"] for g in got[key]["groups"] if g["count"]}

    for f in ("at", "day"):  # the local day of a datetime is the date a person would write
        assert found(f"day_{f}") == {"2026-03-09": 2, "2026-03-08": 3, "2026-02-27": 5, "2026-01-01": 7}
        assert found(f"week_{f}") == {"2026-03-09": 2, "2026-03-02": 3, "2026-02-23": 5, "2025-12-29": 7}
        assert found(f"month_{f}") == {"2026-03": 5, "2026-02": 5, "2026-01": 7}
        assert found(f"year_{f}") == {"2026": 17}
    # the clock is 2026-03-09T00:00Z = Monday 08:00 in Shanghai: this week holds only the Monday visit
    assert got["this_week"]["value"] == 1 and got["this_week"]["period"] == {"range": "this_week", "from": "2026-03-09", "to": "2026-03-15"}
    assert got["last_10"]["value"] == 2  # 28 Feb .. 9 Mar: the 8th and the 9th, not 27 Feb
    assert got["this_year"]["value"] == pytest.approx(17 / 4)
    weeks = [g["key"] for g in got["week_day"]["groups"]]
    assert weeks == sorted(weeks) and "2026-01-05" in weeks  # empty weeks between are filled with zero


def test_a_stored_value_that_is_not_a_number_never_fails_the_dashboard(crm_bare):
    """Sums cast the JSON text directly (fast); a value that refuses the cast falls back to the guarded reading, not a 500."""
    rt = crm_bare
    customer = rs.create_record(rt, SYSTEM, "crm", "customer", {"name": "Delta Works"})["id"]
    good = rs.create_record(rt, SYSTEM, "crm", "opportunity", {"name": "Good deal", "customer": customer, "stage": "won", "amount": "1200.50"})
    bad = rs.create_record(rt, SYSTEM, "crm", "opportunity", {"name": "Odd deal", "customer": customer, "stage": "won", "amount": "99.00"})
    with rt.db.transaction() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("""UPDATE records SET data = jsonb_set(data, '{amount}', '"n/a"') WHERE id = :id"""), {"id": bad["id"]})
        else:
            conn.execute(sa.text("UPDATE records SET data = json_set(data, '$.amount', 'n/a') WHERE id = :id"), {"id": bad["id"]})
    ds.create_dashboard(rt, SYSTEM, "crm", board(chart(key="won", type="table", group_by={"field": "stage"},
                                                       aggregate={"op": "sum", "field": "amount"}),
                                                 chart(key="n", type="number", group_by=None, aggregate={"op": "count"})))
    charts = {c["key"]: c for c in ds.dashboard_data(rt, SYSTEM, "crm", "b")["charts"]}
    assert charts["won"]["groups"][0]["value"] == 1200.5 and charts["won"]["groups"][0]["count"] == 2
    assert charts["n"]["value"] == 2 and good["id"] != bad["id"]
