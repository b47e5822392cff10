"""A big form's list total from its live count (engine.services.list_totals): exact at any size, one statement, and the
same figure the records give after every kind of write, in every row scope on the owner.

The threshold (LIST_LIVE_COUNT_FROM) and the exact-count limit are lowered so a few records make a form "big" and a
count past the limit; on SQLite (no triggers) the same lists keep counting and give the same totals up to the limit.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from engine.clock import FrozenClock
from engine.runtime import Actor, Runtime
from engine.services import dashboards, list_totals, permissions, queries as qs, records as rs, users
from engine.storage.dashboard_tables import chart_cells, chart_rollups
from engine.storage.tables import records
from tests.core.sample import install

LIMIT = 8


@pytest.fixture
def big(db_url):
    runtime = Runtime.open(db_url, clock=FrozenClock("2026-03-09T00:00:00Z"),
                           config={"LIST_LIVE_COUNT_FROM": 5, "LIST_EXACT_TOTAL_LIMIT": LIMIT})
    install(runtime, Actor.system())
    yield runtime
    runtime.db.dispose()


def live_in_db(rt, owner_id=None) -> int:
    """What the records say: the customer form's live records (of one owner)."""
    with rt.db.read() as conn:
        form_id = conn.execute(sa.select(records.c.form_id).limit(1)).scalar_one()
        where = [records.c.form_id == form_id, records.c.deleted_at.is_(None)]
        if owner_id is not None:
            where.append(records.c.owner_id == owner_id)
        return conn.execute(sa.select(sa.func.count()).select_from(records).where(*where)).scalar_one()


def total(rt, actor, **query) -> dict:
    return qs.list_records(rt, actor, "crm", "customer", qs.Query(page_size=3, **query))


def rollup_count(rt) -> int:
    with rt.db.read() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(chart_rollups)).scalar_one()


def test_a_big_forms_list_total_follows_every_write(big):
    rt, system = big, Actor.system()
    ids = [rs.create_record(rt, system, "crm", "customer", {"name": f"c{i}", "employees": i})["id"] for i in range(12)]
    first = total(rt, system)  # counts (past the limit), and the form gets its live count on PostgreSQL
    postgres = rt.db.dialect == "postgresql"
    assert rollup_count(rt) == (1 if postgres else 0)
    if not postgres:
        assert first["total"] == LIMIT + 1 and first["total_is_lower_bound"] is True
        return
    statements: list[str] = []
    event.listen(rt.db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    page = total(rt, system)
    assert page["total"] == 12 and page["total_exact"] is True and page["total_is_estimate"] is False
    assert len(statements) == 1 and "chart_cells" in statements[0], statements  # no count over the records
    # every kind of write moves it: creates, a soft delete, a restore, an owner change, a page past the end
    ids += [rs.create_record(rt, system, "crm", "customer", {"name": f"d{i}"})["id"] for i in range(3)]
    rs.delete_record(rt, system, "crm", "customer", ids[0])
    rs.delete_record(rt, system, "crm", "customer", ids[1])
    rs.restore_record(rt, system, "crm", "customer", ids[1])
    rs.update_record(rt, system, "crm", "customer", ids[2], {"name": "renamed"})
    assert total(rt, system)["total"] == live_in_db(rt) == 14
    assert total(rt, system, page=50)["total"] == 14  # no row carries the count: read on its own
    with_deleted = total(rt, system, include_deleted=True)  # the deleted ones too: counted from the records, as before
    assert with_deleted["total_is_estimate"] is True and with_deleted["total"] > LIMIT
    # filters and search are counted from the records
    filtered = total(rt, system, filters=[qs.Filter("employees", "lt", 3)])
    assert filtered["total"] == 2 and filtered["total_exact"] is True  # c1 and c2 (c0 is deleted)


def test_row_scopes_on_the_owner_count_their_own_cells(big):
    rt, system = big, Actor.system()
    ann = users.create_user(rt, system, "ann", display_name="Ann", roles=["member"], check=False)["id"]
    bob = users.create_user(rt, system, "bob", display_name="Bob", roles=["member"], check=False)["id"]
    as_ann, as_bob = (Actor(who, f"user:{who}", frozenset({"member"})) for who in (ann, bob))
    for i in range(11):
        rs.create_record(rt, system, "crm", "customer", {"name": f"r{i}"}, owner_id=ann if i < 7 else bob)
    total(rt, system)  # 11 records: the form gets its live count (PostgreSQL)
    permissions.set_grant(rt, system, "crm", "customer", "member", {"create": True, "read": "own", "update": "own", "delete": "own"})
    assert total(rt, as_ann)["total"] == live_in_db(rt, ann) == 7
    assert total(rt, as_bob)["total"] == live_in_db(rt, bob) == 4
    assert total(rt, system, owner_ids=[bob])["total"] == 4
    users.create_team(rt, system, "east", "East", [ann, bob])
    permissions.set_grant(rt, system, "crm", "customer", "member", {"create": True, "read": "team", "update": "own", "delete": "own"})
    assert total(rt, as_bob)["total"] == (11 if rt.db.dialect == "postgresql" else LIMIT + 1)  # SQLite: "more than 8"


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # the live count is PostgreSQL's
def test_cells_are_merged_and_a_dashboard_sync_keeps_the_live_count(big, monkeypatch):
    rt, system = big, Actor.system()
    monkeypatch.setattr(list_totals, "COMPACT_MIN_CELLS", 3)
    for i in range(6):
        rs.create_record(rt, system, "crm", "customer", {"name": f"c{i}"})
    total(rt, system)
    for i in range(10):  # one cell each
        rs.create_record(rt, system, "crm", "customer", {"name": f"n{i}"})
    with rt.db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(chart_cells)).scalar_one() > 3
    assert total(rt, system)["total"] == 16  # read, then merged
    with rt.db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(chart_cells)).scalar_one() == 1
    with rt.db.transaction() as conn:  # the dashboards' rollups made again (there are none): the live count stays
        dashboards.sync_rollups(rt, conn)
    assert rollup_count(rt) == 1
    rs.create_record(rt, system, "crm", "customer", {"name": "after"})
    assert total(rt, system)["total"] == live_in_db(rt) == 17


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_another_process_finds_the_live_count_and_a_lost_one_falls_back(big, db_url):
    rt, system = big, Actor.system()
    for i in range(6):
        rs.create_record(rt, system, "crm", "customer", {"name": f"c{i}"})
    total(rt, system)
    other = Runtime.open(db_url, clock=FrozenClock("2026-03-09T00:00:00Z"), config=dict(rt.config), migrate=False)
    try:
        rs.create_record(rt, system, "crm", "customer", {"name": "x"})
        assert total(other, system)["total"] == 7  # counts, then finds the rollup the first process made
        assert rollup_count(rt) == 1
        with rt.db.transaction() as conn:  # the rollup is gone (as if dropped by hand): the capped count answers
            conn.execute(sa.delete(chart_rollups))
        lost = total(rt, system)
        assert lost["total"] == 7 and lost["total_exact"] is True
        rs.create_record(rt, system, "crm", "customer", {"name": "y"})
        assert total(rt, system)["total"] == 8  # counted; the form being big, it gets its live count again
        assert rollup_count(rt) == 1
        assert total(rt, system)["total"] == live_in_db(rt) == 8
    finally:
        other.db.dispose()
