"""One GROUP BY statement per chart, over the JSON expressions of ``records.data``.

The WHERE clause is the query layer's: the form id as a literal (so the
partial expression indexes apply), live rows only, the actor's row scope
(own / team / all), the chart's filters through ``queries._filter_clause`` and
its period compared with the field's own indexed expression. Only the grouped
rows come back to Python.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from engine.dashboards.definition import CompiledChart
from engine.dashboards.periods import Period, bucket_sql, period_bounds, period_clause
from engine.definitions import CompiledForm
from engine.errors import ErrorItem, ValidationFailed
from engine.services import queries
from engine.storage.tables import records

#: a JSON text that reads as a number; anything else aggregates as NULL (inline, so PostgreSQL runs no function per row)
NUMERIC_TEXT_RE = r"^\s*-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?\s*$"
#: system columns by name
COLUMNS = {"created_at": records.c.created_at, "updated_at": records.c.updated_at, "owner_id": records.c.owner_id,
           "created_by": records.c.created_by}


def text_expr(dialect: str, fid: str) -> str:
    return queries._text_expr(dialect, fid)


def numeric_expr(dialect: str, fid: str) -> str:
    if dialect == "postgresql":
        text = text_expr(dialect, fid)
        return f"(CASE WHEN {text} ~ '{NUMERIC_TEXT_RE}' THEN {text}::numeric END)"
    return f"CAST({text_expr(dialect, fid)} AS REAL)"


def group_expr(chart: CompiledChart, dialect: str, tz: str):
    g = chart.group
    if g.kind == "timestamp":
        return sa.literal_column(bucket_sql(dialect, "timestamp", g.field, g.bucket, tz))
    if g.field in COLUMNS:
        return COLUMNS[g.field]
    if g.bucket:
        return sa.literal_column(bucket_sql(dialect, g.kind, text_expr(dialect, g.field), g.bucket, tz))
    return sa.literal_column(text_expr(dialect, g.field))


def value_expr(chart: CompiledChart, dialect: str):
    if chart.op == "count":
        return sa.func.count()
    fn = {"sum": sa.func.sum, "avg": sa.func.avg, "min": sa.func.min, "max": sa.func.max}[chart.op]
    return fn(sa.literal_column(numeric_expr(dialect, chart.value_field)))


def chart_period(chart: CompiledChart, now: datetime, tz: str) -> Period | None:
    if not chart.period:
        return None
    return period_bounds(chart.period["range"], now, tz, chart.period.get("days"))


def chart_statement(chart: CompiledChart, form: CompiledForm, dialect: str, tz: str, period: Period | None, scopes: list):
    """SELECT [group key AS k,] aggregate AS v, count(*) AS n ... GROUP BY 1."""
    where = [records.c.form_id == sa.bindparam("form_id", form.form_id, literal_execute=True), records.c.deleted_at.is_(None), *scopes]
    errors: list[ErrorItem] = []
    for j, flt in enumerate(chart.filters):
        clause = queries._filter_clause(form, flt, dialect, f"/charts/{chart.index}/filters/{j}", errors)
        if clause is not None:
            where.append(clause)
    if errors:  # checked at save; a form published since may have changed the field
        raise ValidationFailed(f"chart {chart.key!r} no longer fits form {form.key!r}", errors)
    if period is not None:
        p = chart.period
        expr = COLUMNS[p["field"]] if p["kind"] == "timestamp" else sa.literal_column(text_expr(dialect, p["field"]))
        where.append(period_clause(p["kind"], expr, period, tz))
    value = value_expr(chart, dialect).label("v")
    count = sa.func.count().label("n")
    if chart.group is None:
        return sa.select(value, count).select_from(records).where(*where)
    key = group_expr(chart, dialect, tz).label("k")
    return sa.select(key, value, count).select_from(records).where(*where).group_by(sa.text("1"))
