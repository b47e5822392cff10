"""A list's total beyond the exact-count limit (LIST_EXACT_TOTAL_LIMIT, lowered here): an estimate, said as such.

PostgreSQL answers the planner's row estimate for the filtered query (at least the limit + 1); SQLite the limit + 1
(a lower bound). Up to the limit the count is exact.
"""
from __future__ import annotations

import pytest
from sqlalchemy import event

from engine.clock import FrozenClock
from engine.runtime import Actor, Runtime
from engine.services import queries as qs, records as rs
from tests.core.sample import install


@pytest.fixture
def small_limit(db_url):
    runtime = Runtime.open(db_url, clock=FrozenClock("2026-03-09T00:00:00Z"), config={"LIST_EXACT_TOTAL_LIMIT": 5})
    install(runtime, Actor.system())
    yield runtime
    runtime.db.dispose()


def test_total_beyond_the_limit_is_an_estimate_said_as_such(small_limit):
    rt, system = small_limit, Actor.system()
    for i in range(40):
        rs.create_record(rt, system, "crm", "customer", {"name": f"c{i}", "employees": i})
    exact = qs.list_records(rt, system, "crm", "customer", qs.Query(filters=[qs.Filter("employees", "lt", 3)]))
    assert exact["total"] == 3 and exact["total_exact"] is True and exact["total_is_estimate"] is False
    if rt.db.dialect == "postgresql":
        with rt.db.transaction() as conn:
            conn.exec_driver_sql("ANALYZE records")
    many = qs.list_records(rt, system, "crm", "customer", qs.Query(page_size=10))
    assert many["total_is_estimate"] is True and many["total_exact"] is False and len(many["items"]) == 10
    if rt.db.dialect == "postgresql":
        assert 6 <= many["total"] and abs(many["total"] - 40) <= 8, many["total"]  # the planner's estimate after ANALYZE
    else:
        assert many["total"] == 6  # the limit + 1: "more than 5"
    filtered = qs.list_records(rt, system, "crm", "customer", qs.Query(filters=[qs.Filter("employees", "ge", 30)]))
    assert filtered["total_is_estimate"] is True and filtered["total"] >= 6
    uncounted = qs.list_records(rt, system, "crm", "customer", qs.Query(count=False))
    assert uncounted["total"] is None and uncounted["total_is_estimate"] is False


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # the planner's estimate is PostgreSQL's
def test_a_large_form_answers_the_planner_estimate_without_counting(small_limit, monkeypatch):
    """PostgreSQL: once a form's list passed the limit, a planner estimate far past it (here: 2x the limit of 5) is the
    total and no capped count runs; a filter the planner expects under that still gets its exact count."""
    rt, system = small_limit, Actor.system()
    monkeypatch.setattr(qs, "ESTIMATE_ONLY_FACTOR", 2)
    monkeypatch.setattr(qs, "ESTIMATE_ONLY_ABOVE", 0)
    for i in range(40):
        rs.create_record(rt, system, "crm", "customer", {"name": f"c{i}", "employees": i})
    with rt.db.transaction() as conn:
        conn.exec_driver_sql("ANALYZE records")
    first = qs.list_records(rt, system, "crm", "customer", qs.Query(page_size=10))  # counts, finds the form large
    assert first["total_is_estimate"] is True
    statements: list[str] = []
    event.listen(rt.db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    again = qs.list_records(rt, system, "crm", "customer", qs.Query(page_size=10))
    assert again["total_is_estimate"] is True and abs(again["total"] - 40) <= 8, again["total"]
    assert not [s for s in statements if "count(" in s.lower()], statements
    statements.clear()
    few = qs.list_records(rt, system, "crm", "customer", qs.Query(filters=[qs.Filter("employees", "lt", 3)], page_size=2))
    assert few["total"] == 3 and few["total_exact"] is True
    assert [s for s in statements if "count(" in s.lower()]
    statements.clear()  # the whole answer on one page is its own exact total: nothing counted
    short = qs.list_records(rt, system, "crm", "customer", qs.Query(filters=[qs.Filter("employees", "lt", 3)]))
    assert short["total"] == 3 and short["total_exact"] is True and len(short["items"]) == 3
    assert not [s for s in statements if "count(" in s.lower()], statements


def test_the_last_page_is_its_own_total_and_a_page_past_the_end_is_counted(small_limit):
    rt, system = small_limit, Actor.system()
    for i in range(4):
        rs.create_record(rt, system, "crm", "customer", {"name": f"c{i}", "employees": i})
    statements: list[str] = []
    event.listen(rt.db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    last = qs.list_records(rt, system, "crm", "customer", qs.Query(page=2, page_size=3))
    assert (last["total"], last["total_exact"], len(last["items"]), last["has_more"]) == (4, True, 1, False)
    # the page's own statement carries the capped count: no statement of its own
    assert len(pages := [s for s in statements if s.lstrip().upper().startswith("SELECT")]) <= 2 and "count(" in pages[-1].lower(), pages
    statements.clear()  # a page past the end has no row to carry the count: it is counted on its own
    past = qs.list_records(rt, system, "crm", "customer", qs.Query(page=3, page_size=3))
    assert (past["total"], past["total_exact"], past["items"]) == (4, True, [])
    assert [s for s in statements if s.lower().lstrip().startswith("select count(")], statements
    statements.clear()  # exactly one page: the one row read past it is missing, so nothing follows; one statement
    whole = qs.list_records(rt, system, "crm", "customer", qs.Query(page_size=4))
    assert (whole["total"], whole["has_more"]) == (4, False) and len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
