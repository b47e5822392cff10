"""Pre-aggregated chart cells on PostgreSQL (engine.dashboards.rollups) give exactly the figures of the live GROUP BY.

Every test here runs on a fresh PostgreSQL schema: rollups are PostgreSQL's (SQLite reads the records, which
tests/dashboards/test_dashboards.py covers on both databases). The cells are kept by triggers on ``records``,
so the writes below go through every path that changes records: single saves, updates, soft deletes and
restores, the import batch path, and plain SQL updates and deletes that no service sees.
"""
from __future__ import annotations

import random
import threading

import pytest
import sqlalchemy as sa

from engine.clock import FrozenClock
from engine.dashboards import rollups
from engine.runtime import Actor, Runtime
from engine.services import app_templates
from engine.services import dashboards as ds
from engine.services import forms as fs
from engine.services import records as rs
from engine.services import users
from tests.dashboards.expected import engine_figures

SYSTEM = Actor.system()
STAGES = ["initial", "needs", "proposal", "negotiation", "won", "lost"]


@pytest.fixture
def pg(pg_schema_url):
    runtime = Runtime.open(pg_schema_url, clock=FrozenClock("2026-03-09T00:00:00Z"), config={"TIMEZONE": "Asia/Shanghai"})
    yield runtime
    runtime.db.dispose()


def _member(rt, name: str) -> Actor:
    u = users.create_user(rt, SYSTEM, name, display_name=name.title(), roles=["member"], check=False)
    return Actor.user(u["id"], roles=("member",))


#: charts beside the built-in sales dashboard: averages, a created_at period, a choice group with an "in" filter
EXTRA = {"key": "extra", "label": {"en": "Extra", "zh-CN": "附加"}, "charts": [
    {"key": "avg_by_stage", "type": "table", "title": "Avg", "form": "opportunity", "group_by": {"field": "stage"},
     "aggregate": {"op": "avg", "field": "amount"}},
    {"key": "new_per_week", "type": "line", "title": "New", "form": "opportunity", "group_by": {"field": "created_at", "bucket": "week"},
     "aggregate": {"op": "count"}, "period": {"field": "created_at", "range": "last_days", "days": 60}},
    {"key": "sum_by_owner", "type": "bar", "title": "By owner", "form": "opportunity", "group_by": {"field": "owner"},
     "aggregate": {"op": "sum", "field": "amount"}, "filters": [{"field": "stage", "op": "in", "value": ["won", "negotiation"]}]},
    {"key": "biggest", "type": "number", "title": "Max", "form": "opportunity", "aggregate": {"op": "max", "field": "amount"}},
]}


def _agree(rt, actor: Actor, key: str) -> dict:
    cells = ds.dashboard_data(rt, actor, "crm", key)
    live = ds.dashboard_data(rt, actor, "crm", key, live=True)
    assert engine_figures(cells) == engine_figures(live), key
    for a, b in zip(cells["charts"], live["charts"]):
        assert (a.get("groups"), a.get("value"), a.get("count")) == (b.get("groups"), b.get("value"), b.get("count")), a["key"]
    return cells


def _opportunity(rng, customer: int, owner: int) -> dict:
    stage = rng.choice(STAGES)
    data = {"name": f"Deal {rng.randrange(10**6)}", "customer": customer, "stage": stage, "owner": owner,
            "amount": f"{rng.randrange(100, 90000)}.{rng.randrange(100):02d}"}
    if stage == "won":
        data["closed_on"] = f"2026-0{rng.randrange(1, 4)}-0{rng.randrange(1, 9)}"
    return data


def test_cells_agree_with_the_records_after_every_kind_of_write(pg, monkeypatch):
    rt = pg
    rng = random.Random(11)
    app_templates.install_template(rt, SYSTEM, "crm")
    ds.create_dashboard(rt, SYSTEM, "crm", EXTRA)
    alice, bob = _member(rt, "alice"), _member(rt, "bob")
    owners = [alice.user_id, bob.user_id]
    customers = {m.user_id: rs.create_record(rt, m, "crm", "customer", {"name": f"Acme {m.user_id} Trading"})["id"] for m in (alice, bob)}
    ids: list[int] = []
    for round_ in range(4):
        for _ in range(15):  # single saves, some by a member (owner = the member)
            actor = rng.choice([SYSTEM, alice, bob])
            owner = actor.user_id or rng.choice(owners)
            ids.append(rs.create_record(rt, actor, "crm", "opportunity", _opportunity(rng, customers[owner], owner), owner_id=owner)["id"])
        for rid in rng.sample(ids, 6):  # updates: stage, amount, closing day
            change = {"stage": rng.choice(STAGES), "amount": f"{rng.randrange(100, 90000)}.00"}
            if change["stage"] == "won":
                change["closed_on"] = f"2026-03-0{rng.randrange(1, 9)}"
            rs.update_record(rt, SYSTEM, "crm", "opportunity", rid, change)
        gone = rng.sample(ids, 3)
        for rid in gone:
            rs.delete_record(rt, SYSTEM, "crm", "opportunity", rid)
        rs.restore_record(rt, SYSTEM, "crm", "opportunity", gone[0])
        with rt.db.transaction() as conn:  # the import batch path
            made = rs.create_records(rt, SYSTEM, "crm", "opportunity", [_opportunity(rng, customers[o], o) for o in rng.choices(owners, k=20)],
                                     conn=conn)
            ids += [r["id"] for r in made if isinstance(r, dict)]
        with rt.db.transaction() as conn:  # plain SQL no service sees: a mass stage change, a hard delete
            conn.execute(sa.text("""UPDATE records SET data = jsonb_set(data, '{stage}', '"lost"')
                                    WHERE id = ANY(:ids)"""), {"ids": rng.sample(ids, 5)})
            victim = ids.pop(rng.randrange(len(ids)))
            conn.execute(sa.text("DELETE FROM records WHERE id = :id"), {"id": victim})
        for actor in (SYSTEM, alice, bob):
            for key in ("sales", "extra"):
                data = _agree(rt, actor, key)
        assert {c["key"]: c["source"] for c in data["charts"]}["biggest"] == "records"  # a max has no cells
        assert {c["source"] for c in data["charts"] if c["key"] != "biggest"} == {"cells"}
        if round_ == 1:  # merge the appended cells: same figures from fewer rows
            with rt.db.read() as conn:
                before = conn.execute(sa.text("SELECT count(*) FROM chart_cells")).scalar_one()
            with rt.db.read() as conn:
                rollup_ids = conn.execute(sa.text("SELECT id FROM chart_rollups")).scalars().all()
            for rid in rollup_ids:
                rollups.compact(rt.db.engine, rid, rt.clock.now())
            with rt.db.read() as conn:
                after = conn.execute(sa.text("SELECT count(*) FROM chart_cells")).scalar_one()
            assert after < before
    # a read meeting many more cell rows than groups merges them itself
    monkeypatch.setattr(rollups, "COMPACT_MIN_ROWS", 10)
    ds.dashboard_data(rt, SYSTEM, "crm", "extra")
    with rt.db.read() as conn:
        compacted = conn.execute(sa.text("SELECT count(*) FROM chart_rollups WHERE compacted_at IS NOT NULL")).scalar_one()
    assert compacted >= 1
    _agree(rt, alice, "extra")


def _bare_app(rt):
    fs.create_app(rt, SYSTEM, "crm", "Bare")
    fs.create_form(rt, SYSTEM, "crm", {"key": "deal", "label": "Deal", "fields": [
        {"id": "stage", "type": "text", "label": "Stage", "filterable": True},
        {"id": "amount", "type": "number", "label": "Amount"}]})
    fs.publish_form(rt, SYSTEM, "crm", "deal")


def _board(*charts) -> dict:
    return {"key": "b", "label": "B", "charts": [
        {"key": k, "type": "bar", "title": k, "form": "deal", "group_by": {"field": "stage"}, "aggregate": agg} for k, agg in charts]}


def _state(rt) -> tuple[int, int]:
    with rt.db.read() as conn:
        n = conn.execute(sa.text("SELECT count(*) FROM chart_rollups")).scalar_one()
        t = conn.execute(sa.text("SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relname = 'records' "
                                 "AND c.relnamespace = to_regnamespace(current_schema()) AND t.tgname LIKE 'formflow_cells_%'")).scalar_one()
    return n, t


def test_rollups_follow_the_dashboards_and_existing_records_are_backfilled(pg):
    rt = pg
    _bare_app(rt)
    for stage, amount in (("a", 1), ("a", 2), ("b", 5)):
        rs.create_record(rt, SYSTEM, "crm", "deal", {"stage": stage, "amount": amount})
    assert _state(rt) == (0, 0)  # no dashboard: no cells, no triggers
    ds.create_dashboard(rt, SYSTEM, "crm", _board(("n", {"op": "count"}), ("s", {"op": "sum", "field": "amount"})))
    assert _state(rt) == (2, 3)
    charts = {c["key"]: c for c in ds.dashboard_data(rt, SYSTEM, "crm", "b")["charts"]}
    assert {g["key"]: g["value"] for g in charts["s"]["groups"]} == {"a": 3, "b": 5}  # records from before the dashboard
    assert charts["s"]["source"] == "cells"
    ds.replace_dashboard(rt, SYSTEM, "crm", "b", _board(("n", {"op": "count"})))
    assert _state(rt) == (1, 3)
    ds.delete_dashboard(rt, SYSTEM, "crm", "b")
    assert _state(rt) == (0, 0)


def test_deleting_a_form_with_its_records_and_rollups_goes_through(pg):
    """The records' cascade fires the delete trigger while the form's rollups are going too: no cell for a missing rollup."""
    rt = pg
    _bare_app(rt)
    ds.create_dashboard(rt, SYSTEM, "crm", _board(("n", {"op": "count"})))
    rs.create_record(rt, SYSTEM, "crm", "deal", {"stage": "a", "amount": 1})
    with rt.db.transaction() as conn:
        conn.execute(sa.text("DELETE FROM dashboards"))
        conn.execute(sa.text("DELETE FROM forms WHERE key = 'deal'"))
    with rt.db.read() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM chart_cells")).scalar_one() == 0
        assert conn.execute(sa.text("SELECT count(*) FROM records")).scalar_one() == 0


def test_a_chart_without_its_rollup_builds_it_when_read(pg):
    """As after an upgrade, or a form published with a field's SQL changed: the first read builds the rollup."""
    rt = pg
    _bare_app(rt)
    ds.create_dashboard(rt, SYSTEM, "crm", _board(("s", {"op": "sum", "field": "amount"})))
    rs.create_record(rt, SYSTEM, "crm", "deal", {"stage": "a", "amount": 4})
    with rt.db.transaction() as conn:
        conn.execute(sa.text("DELETE FROM chart_rollups"))
    chart = ds.dashboard_data(rt, SYSTEM, "crm", "b")["charts"][0]
    assert chart["source"] == "cells" and chart["groups"][0]["value"] == 4
    assert _state(rt) == (1, 3)


def test_writers_never_wait_on_each_other_for_cells(pg):
    """Cells are appended, not updated in place: two open transactions saving into the same cell both go through."""
    rt = pg
    _bare_app(rt)
    ds.create_dashboard(rt, SYSTEM, "crm", _board(("n", {"op": "count"})))
    first = rt.db.engine.connect()
    tx = first.begin()
    rs.create_record(rt, SYSTEM, "crm", "deal", {"stage": "a", "amount": 1}, conn=first)
    done = []

    def second():
        with rt.db.transaction() as conn:
            conn.exec_driver_sql("SET LOCAL lock_timeout = '5s'")
            rs.create_record(rt, SYSTEM, "crm", "deal", {"stage": "a", "amount": 2}, conn=conn)
        done.append(True)

    t = threading.Thread(target=second)
    t.start()
    t.join(30)
    assert done == [True]  # committed while the first transaction still holds its cell rows
    tx.commit()
    first.close()
    assert ds.dashboard_data(rt, SYSTEM, "crm", "b")["charts"][0]["groups"][0]["value"] == 2


def test_a_number_taken_with_the_commit_is_counted_only_where_a_rollup_reads_it(pg):
    """A trusted create takes its serial number by an update sent with its commit (``record_serials``): the cells'
    update trigger skips that statement for a form whose rollups don't read the number, and counts it for one that does."""
    rt = pg
    fs.create_app(rt, SYSTEM, "crm", "Bare")
    for key in ("deal", "ticket"):
        fs.create_form(rt, SYSTEM, "crm", {"key": key, "label": key.title(), "fields": [
            {"id": "stage", "type": "text", "label": "Stage", "filterable": True},
            {"id": "code", "type": "serial", "label": "Code", "options": {"format": "C{0000}"}, "filterable": True}]})
        fs.publish_form(rt, SYSTEM, "crm", key)
    board = {"key": "b", "label": "B", "charts": [
        {"key": "by_stage", "type": "bar", "title": "By stage", "form": "deal", "group_by": {"field": "stage"}, "aggregate": {"op": "count"}},
        {"key": "by_code", "type": "bar", "title": "By code", "form": "ticket", "group_by": {"field": "code"}, "aggregate": {"op": "count"}}]}
    ds.create_dashboard(rt, SYSTEM, "crm", board)
    for i in range(4):
        for key in ("deal", "ticket"):
            rs.create_record(rt, SYSTEM, "crm", key, {"stage": "ab"[i % 2]})
    with rt.db.read() as conn:
        numbered = conn.execute(sa.text("SELECT count(*) FROM record_audit WHERE action = 'create' AND changes ? 'code'")).scalar_one()
    assert numbered == 8
    cells = ds.dashboard_data(rt, SYSTEM, "crm", "b")
    live = ds.dashboard_data(rt, SYSTEM, "crm", "b", live=True)
    for a, b in zip(cells["charts"], live["charts"]):
        assert a["source"] == "cells" and b["source"] != "cells"
        assert a.get("groups") == b.get("groups"), a["key"]
    groups = {c["key"]: {g["key"]: g["value"] for g in c["groups"]} for c in cells["charts"]}
    assert groups == {"by_stage": {"a": 2, "b": 2}, "by_code": {f"C{n:04d}": 1 for n in range(1, 5)}}
    with rt.db.transaction() as conn:  # the setting never outlives the statement that set it
        assert conn.execute(sa.text("SELECT coalesce(current_setting('formflow.numbering', true), '')")).scalar_one() == ""
