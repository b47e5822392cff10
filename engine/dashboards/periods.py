"""Periods (this week / month / year, last N days) and date buckets (day / week / month / year) in the workspace time zone.

Dates are stored as ``YYYY-MM-DD`` text and datetimes as UTC ``YYYY-MM-DDTHH:MM:SSZ``
text, so a period is a pair of text bounds compared with the field's own SQL
expression (the one its automatic index is built on). Buckets turn the value
into the local day, the Monday of its week, ``YYYY-MM`` or ``YYYY``. SQLite has no
time zone database: a deterministic SQL function ``formflow_local`` (registered
on the connection before the query) converts a UTC value to local time there.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from engine.clock import utc_iso

#: bucket sizes a date group may use; weeks start on Monday (ISO 8601)
BUCKETS = ("day", "week", "month", "year")
#: the period ranges a chart may use
RANGES = ("this_week", "this_month", "this_year", "last_days")
#: most buckets filled in between a period's start and now (zero-valued buckets are added so a line has no gaps)
MAX_FILLED_BUCKETS = 400
#: the SQLite function converting UTC text to local time text
SQLITE_LOCAL_FUNCTION = "formflow_local"


@dataclass(frozen=True)
class Period:
    range: str
    start: date  # first local day inside
    end: date  # first local day after

    def to_dict(self) -> dict:
        return {"range": self.range, "from": self.start.isoformat(), "to": (self.end - timedelta(days=1)).isoformat()}


def period_bounds(range_: str, now: datetime, tz: str, days: int | None = None) -> Period:
    today = now.astimezone(ZoneInfo(tz)).date()
    if range_ == "this_week":
        start = today - timedelta(days=today.weekday())
        return Period(range_, start, start + timedelta(days=7))
    if range_ == "this_month":
        start = today.replace(day=1)
        return Period(range_, start, (start + timedelta(days=32)).replace(day=1))
    if range_ == "this_year":
        return Period(range_, today.replace(month=1, day=1), today.replace(year=today.year + 1, month=1, day=1))
    if range_ == "last_days":
        return Period(range_, today - timedelta(days=(days or 30) - 1), today + timedelta(days=1))
    raise ValueError(f"unknown period {range_!r}")


def local_midnight_utc(day: date, tz: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


def period_clause(kind: str, expr, period: Period, tz: str):
    """``expr`` (a date or datetime field's text expression, or a timestamp column) inside the period."""
    if kind == "date":
        return sa.and_(expr >= period.start.isoformat(), expr < period.end.isoformat())
    lo, hi = local_midnight_utc(period.start, tz), local_midnight_utc(period.end, tz)
    if kind == "datetime":
        return sa.and_(expr >= utc_iso(lo), expr < utc_iso(hi))
    return sa.and_(expr >= lo, expr < hi)  # a timestamp column (created_at / updated_at)


def _quoted(tz: str) -> str:
    ZoneInfo(tz)  # only real zone names reach SQL, and they hold no quote
    if "'" in tz:
        raise ValueError("bad time zone")
    return f"'{tz}'"


def bucket_sql(dialect: str, kind: str, expr: str, bucket: str, tz: str) -> str:
    """SQL text of the bucket key: day and week as ``YYYY-MM-DD`` (the Monday), month ``YYYY-MM``, year ``YYYY``.

    ``kind`` is date (text), datetime (UTC ISO text) or timestamp (a column).
    """
    if dialect == "postgresql":
        if kind == "date":
            local = f"({expr})::date"
        elif kind == "datetime":
            local = f"(({expr})::timestamptz AT TIME ZONE {_quoted(tz)})"
        else:
            local = f"({expr} AT TIME ZONE {_quoted(tz)})"
        return {"day": f"to_char({local}, 'YYYY-MM-DD')", "week": f"to_char(date_trunc('week', {local}), 'YYYY-MM-DD')",
                "month": f"to_char({local}, 'YYYY-MM')", "year": f"to_char({local}, 'YYYY')"}[bucket]
    local = expr if kind == "date" else f"{SQLITE_LOCAL_FUNCTION}({expr}, {_quoted(tz)})"
    return {"day": f"substr({local}, 1, 10)", "week": f"date(substr({local}, 1, 10), 'weekday 0', '-6 days')",
            "month": f"substr({local}, 1, 7)", "year": f"substr({local}, 1, 4)"}[bucket]


@lru_cache(maxsize=64)
def _zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


def _sqlite_local(value, tz):
    """UTC text (``...Z`` or SQLite's naive ``YYYY-MM-DD HH:MM:SS[.ffffff]``) -> local ``YYYY-MM-DD HH:MM:SS``."""
    if value is None:
        return None
    try:
        text = str(value).strip().replace("Z", "+00:00").replace("z", "+00:00")
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        return parsed.astimezone(_zone(tz)).strftime("%Y-%m-%d %H:%M:%S")
    except (ValueError, TypeError):
        return None


def prepare_connection(conn: sa.Connection) -> None:
    """Register ``formflow_local`` on a SQLite connection (idempotent; PostgreSQL needs nothing)."""
    if conn.dialect.name != "sqlite":
        return
    raw = conn.connection.driver_connection
    raw.create_function(SQLITE_LOCAL_FUNCTION, 2, _sqlite_local, deterministic=True)


def bucket_keys(bucket: str, start: date, end: date) -> list[str]:
    """Every bucket key from ``start`` up to (not including) ``end``, at most MAX_FILLED_BUCKETS."""
    keys: list[str] = []
    day = start
    if bucket == "week":
        day = start - timedelta(days=start.weekday())
    while day < end and len(keys) < MAX_FILLED_BUCKETS:
        if bucket == "day":
            keys.append(day.isoformat())
            day += timedelta(days=1)
        elif bucket == "week":
            keys.append(day.isoformat())
            day += timedelta(days=7)
        elif bucket == "month":
            keys.append(day.strftime("%Y-%m"))
            day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
        else:
            keys.append(str(day.year))
            day = date(day.year + 1, 1, 1)
    return keys
