"""The built-in sales dashboard's figures computed independently: hand-written SQL per chart, per dialect.

Nothing here uses the engine's query or dashboard code; the periods are worked
out from the clock with plain date arithmetic. Used by the service tests and by
the browser test (which compares the page against these numbers).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa

OPEN_STAGES = ("initial", "needs", "proposal", "negotiation")


def _j(dialect: str, field: str) -> str:
    return f"(r.data ->> '{field}')" if dialect == "postgresql" else f"json_extract(r.data, '$.{field}')"


def _n(dialect: str, field: str) -> str:
    return f"CAST(r.data ->> '{field}' AS numeric)" if dialect == "postgresql" else f"CAST(json_extract(r.data, '$.{field}') AS REAL)"


def _utc(day: date, tz: str) -> str:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(tz)).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _num(v):
    return None if v is None else round(float(v), 2)


def expected_sales(conn: sa.Connection, now: datetime, tz: str, app_key: str = "crm") -> dict:
    """{chart key: number, or {group key: number}} for the CRM's sales dashboard."""
    d = conn.dialect.name
    today = now.astimezone(ZoneInfo(tz)).date()
    year = (date(today.year, 1, 1).isoformat(), date(today.year + 1, 1, 1).isoformat())
    month_start = today.replace(day=1)
    month = (month_start.isoformat(), (month_start + timedelta(days=32)).replace(day=1).isoformat())
    base = ("FROM records r JOIN forms fm ON fm.id = r.form_id JOIN apps a ON a.id = fm.app_id "
            f"WHERE a.key = '{app_key}' AND fm.key = :form AND r.deleted_at IS NULL")

    def one(sql, form, **params):
        return conn.execute(sa.text(f"SELECT {sql} {base}" + params.pop("extra", "")), {"form": form, **params}).scalar()

    def groups(key_sql, value_sql, form, extra="", **params):
        rows = conn.execute(sa.text(f"SELECT {key_sql}, {value_sql} {base} {extra} GROUP BY {key_sql}"), {"form": form, **params}).all()
        return {_key(k): _num(v) for k, v in rows}

    won = f" AND {_j(d, 'stage')} = 'won'"
    in_open = f" AND {_j(d, 'stage')} IN ({', '.join(repr(s) for s in OPEN_STAGES)})"
    out: dict = {}
    out["won_this_year"] = _num(one(f"SUM({_n(d, 'amount')})", "opportunity", extra=won + f" AND {_j(d, 'closed_on')} >= :a AND {_j(d, 'closed_on')} < :b",
                                    a=year[0], b=year[1])) or 0
    out["won_this_month"] = _num(one(f"SUM({_n(d, 'amount')})", "opportunity", extra=won + f" AND {_j(d, 'closed_on')} >= :a AND {_j(d, 'closed_on')} < :b",
                                     a=month[0], b=month[1])) or 0
    out["open_pipeline"] = one("COUNT(*)", "opportunity", extra=in_open)
    out["funnel"] = groups(_j(d, "stage"), "COUNT(*)", "opportunity", f"AND {_j(d, 'stage')} <> 'lost'")
    month_key = f"substr({_j(d, 'closed_on')}, 1, 7)"
    out["target_vs_done_month"] = groups(month_key, f"SUM({_n(d, 'amount')})", "opportunity",
                                         won + f" AND {_j(d, 'closed_on')} >= :a AND {_j(d, 'closed_on')} < :b", a=year[0], b=year[1])
    # weeks: the rows by SQL, the Monday of each in Python
    week_from, week_to = today - timedelta(days=83), today + timedelta(days=1)
    rows = conn.execute(sa.text(f"SELECT {_j(d, 'closed_on')}, {_n(d, 'amount')} {base}{won} AND {_j(d, 'closed_on')} >= :a AND {_j(d, 'closed_on')} < :b"),
                        {"form": "opportunity", "a": week_from.isoformat(), "b": week_to.isoformat()}).all()
    weeks: dict = {}
    for closed, amount in rows:
        day = date.fromisoformat(closed)
        monday = (day - timedelta(days=day.weekday())).isoformat()
        weeks[monday] = round(weeks.get(monday, 0) + float(amount), 2)
    out["target_vs_done_week"] = weeks
    out["follow_ups_per_person"] = groups(_j(d, "owner"), "COUNT(*)", "follow_up",
                                          f"AND {_j(d, 'followed_at')} >= :a AND {_j(d, 'followed_at')} < :b",
                                          a=_utc(today - timedelta(days=89), tz), b=_utc(today + timedelta(days=1), tz))
    for chart, field in (("customers_by_industry", "industry"), ("customers_by_region", "region"), ("customers_by_level", "level"),
                         ("rfm_segments", "rfm_segment")):
        out[chart] = groups(_j(d, field), "COUNT(*)", "customer")
    out["pipeline_by_owner"] = groups(_j(d, "owner"), f"SUM({_n(d, 'amount')})", "opportunity", in_open)
    return out


def _key(k):
    if k is None:
        return None
    try:
        return int(k)
    except (TypeError, ValueError):
        return str(k)


def engine_figures(data: dict) -> dict:
    """The engine's answer in the same shape (zero-filled buckets dropped, as SQL has no rows for them)."""
    out = {}
    for chart in data["charts"]:
        assert chart["error"] is None, chart
        if "groups" in chart:
            out[chart["key"]] = {_key(g["key"]): _num(g["value"]) for g in chart["groups"] if g["count"]}
        else:
            out[chart["key"]] = _num(chart["value"]) if chart["value"] is not None else None
    return out
