"""A list sorted by creation or change time, newest first, walks a partial (form_id, <time>, id) index of live records
(migrations 0012, 0013) instead of sorting the whole form: PostgreSQL's plan of the very statement a page runs."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from engine.services import queries as qs, records as rs
from tests.core.sample import install


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # the plan asked for is PostgreSQL's
@pytest.mark.parametrize("column, index", [("created_at", "ix_records_form_created"), ("updated_at", "ix_records_form_updated")])
def test_a_page_by_time_walks_its_index(rt, system, column, index):
    install(rt, system)
    for i in range(5):
        rs.create_record(rt, system, "crm", "customer", {"name": f"c{i}"})
    sent: list[tuple] = []
    listen = lambda conn, cursor, statement, params, context, many: sent.append((statement, params))  # noqa: E731
    event.listen(rt.db.engine, "before_cursor_execute", listen)
    page = qs.list_records(rt, system, "crm", "customer", qs.Query(sort=[(column, "desc")], page_size=2))
    event.remove(rt.db.engine, "before_cursor_execute", listen)
    assert len(page["items"]) == 2 and page["total"] == 5
    statement, params = next((s, p) for s, p in sent if "FROM records" in s and "ORDER BY" in s)
    with rt.db.transaction() as conn:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # five rows: make the planner show what it can use
        plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {statement}", params))
    assert index in plan and "Sort" not in plan.replace("Sort Key", ""), plan
