"""One GROUP BY statement per chart, over the JSON expressions of ``records.data``.

The WHERE clause is the query layer's: the form id as a literal (so the
partial expression indexes apply), live rows only, the actor's row scope
(own / team / all), the chart's filters through ``queries.filter_clause`` and
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
    return queries.field_text_expr(dialect, fid)


def numeric_expr(dialect: str, fid: str, guarded: bool = False) -> str:
    """The field's value as a number. On PostgreSQL a plain cast: the field types store only numbers there (money a
    decimal string, number / roll-up / numeric computed a JSON number; a type change converts only number <-> money),
    and the regex guard costs four times the cast per row. ``guarded`` is the fallback the service retries with
    if a stored value refuses the cast anyway (anything not a number then counts as empty)."""
    if dialect == "postgresql":
        text = text_expr(dialect, fid)
        return f"(CASE WHEN {text} ~ '{NUMERIC_TEXT_RE}' THEN {text}::numeric END)" if guarded else f"({text})::numeric"
    return f"CAST({text_expr(dialect, fid)} AS REAL)"


def group_sql(chart: CompiledChart, dialect: str, tz: str) -> str:
    """SQL text of the chart's group key (no bound parameters, so it can be repeated in GROUPING SETS and GROUPING())."""
    g = chart.group
    if g.kind == "timestamp":
        return bucket_sql(dialect, "timestamp", g.field, g.bucket, tz)
    if g.field in COLUMNS:
        return g.field
    if g.bucket:
        return bucket_sql(dialect, g.kind, text_expr(dialect, g.field), g.bucket, tz)
    return text_expr(dialect, g.field)


def value_sql(op: str, field: str | None, dialect: str, guarded: bool = False) -> str:
    if op == "count":
        return "count(*)"
    return f"{op}({numeric_expr(dialect, field, guarded)})"


def chart_period(chart: CompiledChart, now: datetime, tz: str) -> Period | None:
    if not chart.period:
        return None
    return period_bounds(chart.period["range"], now, tz, chart.period.get("days"))


def chart_where(chart: CompiledChart, form: CompiledForm, dialect: str, tz: str, period: Period | None, scopes: list) -> list:
    """The WHERE clauses: this form's live rows in the actor's scope, the chart's filters and period."""
    where = [records.c.form_id == sa.bindparam("form_id", form.form_id, literal_execute=True), records.c.deleted_at.is_(None), *scopes]
    errors: list[ErrorItem] = []
    for j, flt in enumerate(chart.filters):
        clause = queries.filter_clause(form, flt, dialect, f"/charts/{chart.index}/filters/{j}", errors)
        if clause is not None:
            where.append(clause)
    if errors:  # checked at save; a form published since may have changed the field
        params = {"chart": repr(chart.key), "form": repr(form.key)}
        raise ValidationFailed(f"chart {params['chart']} no longer fits form {params['form']}", errors,
                               message_code="error.dashboard.chart_no_longer_fits", params=params)
    if period is not None:
        p = chart.period
        expr = COLUMNS[p["field"]] if p["kind"] == "timestamp" else sa.literal_column(text_expr(dialect, p["field"]))
        where.append(period_clause(p["kind"], expr, period, tz))
    return where


def chart_statement(chart: CompiledChart, form: CompiledForm, dialect: str, tz: str, period: Period | None, scopes: list):
    return single_statement(chart, chart_where(chart, form, dialect, tz, period, scopes), dialect, tz)


def single_statement(chart: CompiledChart, where: list, dialect: str, tz: str, guarded: bool = False):
    """SELECT [group key AS k,] aggregate AS v, count(*) AS n ... GROUP BY 1."""
    value = sa.literal_column(value_sql(chart.op, chart.value_field, dialect, guarded)).label("v")
    count = sa.literal_column("count(*)").label("n")
    if chart.group is None:
        return sa.select(value, count).select_from(records).where(*where)
    key = sa.literal_column(group_sql(chart, dialect, tz)).label("k")
    return sa.select(key, value, count).select_from(records).where(*where).group_by(sa.text("1"))


def combined_statement(charts: list[CompiledChart], where: list, dialect: str, tz: str, guarded: bool = False):
    """Several charts over the same rows (same form, filters, period and scope) in one pass: GROUP BY GROUPING SETS.

    Returns the statement and a splitter turning its rows into each chart's [(k, v, n)] (PostgreSQL only).
    """
    keys: list[str] = []
    values: list[str] = []
    for c in charts:
        if c.group is not None and group_sql(c, dialect, tz) not in keys:
            keys.append(group_sql(c, dialect, tz))
        if value_sql(c.op, c.value_field, dialect, guarded) not in values:
            values.append(value_sql(c.op, c.value_field, dialect, guarded))
    cols = ([sa.literal_column(k).label(f"k{i}") for i, k in enumerate(keys)] + [sa.literal_column(v).label(f"v{j}") for j, v in enumerate(values)]
            + [sa.literal_column("count(*)").label("n")] + [sa.literal_column(f"GROUPING({k})").label(f"g{i}") for i, k in enumerate(keys)])
    sets = [f"({k})" for k in keys] + (["()"] if any(c.group is None for c in charts) else [])
    stmt = sa.select(*cols).select_from(records).where(*where)
    if keys:
        stmt = stmt.group_by(sa.text("GROUPING SETS (" + ", ".join(sets) + ")"))

    def split(rows) -> dict[str, list[tuple]]:
        out: dict[str, list[tuple]] = {c.key: [] for c in charts}
        for row in rows:
            m = row._mapping
            in_set = next((i for i in range(len(keys)) if m[f"g{i}"] == 0), None)
            for c in charts:
                want = None if c.group is None else keys.index(group_sql(c, dialect, tz))
                if want == in_set:
                    v = m[f"v{values.index(value_sql(c.op, c.value_field, dialect, guarded))}"]
                    out[c.key].append((v, m["n"]) if want is None else (m[f"k{want}"], v, m["n"]))
        return out

    return stmt, split
