"""A person may ask for the exact total of a list past the exact-count limit (``Query.exact_total``, the grid's "count
exactly", ``…/records/table?exact=1``): every match is counted; without asking, SQLite's figure says it is a lower
bound (``total_is_lower_bound``) and PostgreSQL's is the planner's estimate. SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

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


def test_the_exact_total_is_counted_when_asked_for(small_limit):
    rt, system = small_limit, Actor.system()
    for i in range(40):
        rs.create_record(rt, system, "crm", "customer", {"name": f"c{i}", "employees": i})
    guessed = qs.list_records(rt, system, "crm", "customer", qs.Query(page_size=10))
    assert guessed["total_is_estimate"] is True
    assert guessed["total_is_lower_bound"] is (rt.db.dialect != "postgresql")
    counted = qs.list_records(rt, system, "crm", "customer", qs.Query(page_size=10, page=4, exact_total=True))
    assert counted["total"] == 40 and counted["total_exact"] is True and counted["total_is_estimate"] is False
    assert counted["total_is_lower_bound"] is False and len(counted["items"]) == 10 and counted["has_more"] is False
    filtered = qs.list_records(rt, system, "crm", "customer", qs.Query(filters=[qs.Filter("employees", "ge", 30)], exact_total=True))
    assert filtered["total"] == 10 and filtered["total_exact"] is True
