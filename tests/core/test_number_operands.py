"""Number operands keep the automatic indexes usable (SQLite and PostgreSQL).

On PostgreSQL a number field's index is on ``formflow_num(data ->> 'f')`` (numeric). A Python float is sent as
double precision, and ``numeric = double precision`` casts the indexed side: the index no longer applies and every
roll-up refresh or number filter scans the whole form (650 ms per save at 1M records before this was fixed). The
plans are read with sequential scans discouraged, so the answer doesn't depend on the table's size.
"""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from engine.autofill import refers_to
from engine.runtime import Actor
from engine.services import forms as fs
from engine.services import queries
from engine.services import records as rs
from engine.services.forms import compiled_form
from engine.storage.tables import records

SYSTEM = Actor.system()


def _app(rt) -> None:
    fs.create_app(rt, SYSTEM, "shop", "Shop")
    fs.create_form(rt, SYSTEM, "shop", {"key": "client", "label": "Client", "fields": [{"id": "name", "type": "text", "label": "Name"}]})
    fs.publish_form(rt, SYSTEM, "shop", "client")
    fs.create_form(rt, SYSTEM, "shop", {"key": "order", "label": "Order", "fields": [
        {"id": "client", "type": "reference", "label": "Client", "options": {"form": "client"}},
        {"id": "qty", "type": "number", "label": "Quantity", "filterable": True}]})
    fs.publish_form(rt, SYSTEM, "shop", "order")


def _plan(conn, stmt) -> str:
    """The plan of ``stmt`` as the engine would run it (same SQL, same parameters)."""
    pg = conn.dialect.name == "postgresql"
    if pg:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")

    def explain(c, cursor, statement, params, context, executemany):
        return ("EXPLAIN " if pg else "EXPLAIN QUERY PLAN ") + statement, params

    sa.event.listen(conn, "before_cursor_execute", explain, retval=True)
    try:
        rows = conn.execute(stmt).all()
    finally:
        sa.event.remove(conn, "before_cursor_execute", explain)
    return "\n".join(str(r[0] if pg else r[-1]) for r in rows)


def _searched(conn, plan: str, field: str) -> bool:
    """The field's own index is searched with the operand (not merely walked as a list of the form's rows)."""
    if conn.dialect.name == "postgresql":
        return f"_{field}_" in plan and f"Index Cond: (formflow_num((data ->> '{field}'::text)) =" in plan
    return "SEARCH records USING INDEX" in plan and f"_{field}_" in plan


def test_reference_and_number_operands_use_the_automatic_index(rt):
    _app(rt)
    client = rs.create_record(rt, SYSTEM, "shop", "client", {"name": "Acme"})["id"]
    for qty in (1, 2.5, 7):
        rs.create_record(rt, SYSTEM, "shop", "order", {"client": client, "qty": qty})
    with rt.db.transaction() as conn:
        form = compiled_form(rt, conn, "shop", "order")
        live = [records.c.form_id == sa.bindparam("f", form.form_id, literal_execute=True), records.c.deleted_at.is_(None)]
        by_client = sa.select(records.c.id).where(*live, refers_to(conn, "client", client))
        assert _searched(conn, _plan(conn, by_client), "client")
        assert len(conn.execute(by_client).all()) == 3
        errors: list = []
        flt = queries.filter_clause(form, queries.Filter("qty", "eq", "2.5"), conn.dialect.name, "/filter", errors)
        assert errors == []
        by_qty = sa.select(records.c.id).where(*live, flt)
        assert _searched(conn, _plan(conn, by_qty), "qty")
        assert len(conn.execute(by_qty).all()) == 1


def test_number_operands_are_exact_on_postgresql_and_floats_on_sqlite():
    from engine.fields import FIELD_TYPES

    number = FIELD_TYPES.get("number")
    assert number.sql_value("0.1", "postgresql") == Decimal("0.1")  # not 0.1000000000000000055...
    assert number.sql_value(3, "postgresql") == Decimal(3) and number.sql_value(2.5, "postgresql") == Decimal("2.5")
    assert number.sql_value("0.1", "sqlite") == 0.1
    for bad in ("abc", [1]):
        try:
            number.sql_value(bad, "postgresql")
        except (TypeError, ValueError):
            continue
        raise AssertionError(f"{bad!r} accepted")
