"""Dashboard-level filters (period, owner, team) laid over every chart, and the record filter behind one bar or slice.

``dashboard_filters`` checks what a reader picked above a dashboard (a 422 naming
``/filters/<name>`` otherwise); ``narrowed`` gives a compiled chart those
filters (the dashboard's period replaces the chart's own range on the chart's
period field, or on ``created_at`` when the chart has none; owner and team are
filters on ``owner_id``: a team's managers and members, or with "$my_team" the people the "team" row scope shows the
reader, both from ``engine.services.team_managers``). ``drill_where`` is the records list's ``where``
(``{"match": "all", "filters": [...]}``, the query layer's filters) that selects
exactly the records counted in one group: the chart's filters, its period as
two ends, and the group's own value or date bucket.
"""
from __future__ import annotations

import dataclasses
import re
from datetime import date, timedelta
from typing import Any

from engine.clock import utc_iso
from engine.dashboards.definition import CompiledChart
from engine.dashboards.periods import RANGES, Period, local_midnight_utc
from engine.errors import ErrorItem, ValidationFailed
from engine.services import queries

#: the key of the group summing the groups beyond a chart's limit (no single filter selects it)
OTHER_KEY = "__other__"
#: a team's key
TEAM_KEY = r"[a-z0-9][a-z0-9_-]{0,63}"
#: most days a dashboard-level last_days period covers
MAX_DAYS = 3660


@dataclasses.dataclass(frozen=True)
class DashboardFilters:
    period: dict | None = None  # {range, days}
    owner: int | None = None  # a user id
    team: str | None = None  # a team key, or "$my_team": the people the "team" row scope shows the reader

    def __bool__(self) -> bool:
        return bool(self.period or self.owner or self.team)

    def to_dict(self) -> dict:
        return {"period": self.period, "owner": self.owner, "team": self.team}


def _whole(raw: Any, path: str, errors: list) -> int | None:
    if raw in (None, ""):
        return None
    try:
        value = int(str(raw).strip())
    except ValueError:
        errors.append(ErrorItem.coded("error.dashboard.not_an_id", path=path, value=repr(raw)))
        return None
    if not 1 <= value <= 2**31:
        errors.append(ErrorItem.coded("error.dashboard.positive_id", path=path))
        return None
    return value


def dashboard_filters(raw: Any) -> DashboardFilters:
    """``{"period": "this_month" | {"range", "days"}, "owner": user id, "team": team key or "$my_team"}`` checked, or a 422
    with paths."""
    if raw is None:
        return DashboardFilters()
    if not isinstance(raw, dict):
        raise ValidationFailed("filters must be an object", [ErrorItem.coded("error.body.expected_object", path="/filters")],
                               message_code="error.dashboard.filters_not_object")
    errors: list[ErrorItem] = []
    unknown = sorted(set(raw) - {"period", "owner", "team"})
    for name in unknown:
        errors.append(ErrorItem.coded("error.dashboard.unknown_filter", path=f"/filters/{name}", name=repr(name)))
    period = raw.get("period")
    if isinstance(period, str):
        period = {"range": period} if period else None
    if period is not None:
        days = _whole(period.get("days"), "/filters/period/days", []) if isinstance(period, dict) else None
        if not isinstance(period, dict) or period.get("range") not in RANGES:
            errors.append(ErrorItem.coded("error.dashboard.period_one_of", path="/filters/period/range", ranges=", ".join(RANGES)))
        elif period["range"] == "last_days" and not (days and days <= MAX_DAYS):
            errors.append(ErrorItem.coded("error.dashboard.days_between", path="/filters/period/days", code="required",
                                              max=MAX_DAYS))
        else:
            period = {"range": period["range"], "days": days if period["range"] == "last_days" else None}
    owner = _whole(raw.get("owner"), "/filters/owner", errors)
    team = raw.get("team") or None
    if team is not None and team != queries.MY_TEAM and not (isinstance(team, str) and re.fullmatch(TEAM_KEY, team)):
        errors.append(ErrorItem.coded("error.dashboard.not_a_team_key", path="/filters/team", team=repr(team)))
    if errors:
        raise ValidationFailed("the dashboard filters are not valid", errors, message_code="error.dashboard.filters_invalid")
    return DashboardFilters(period=period, owner=owner, team=team)


def narrowed(chart: CompiledChart, flt: DashboardFilters, team_user_ids: list[int] | None) -> CompiledChart:
    """The chart with the dashboard's filters: its period range replaced, owner and team added to its filters."""
    if not flt:
        return chart
    period = chart.period
    if flt.period:
        base = chart.period or {"field": "created_at", "kind": "timestamp"}
        period = {"field": base["field"], "kind": base["kind"], "range": flt.period["range"], "days": flt.period.get("days")}
    extra = []
    if flt.owner:
        extra.append(queries.Filter("owner_id", "eq", flt.owner))
    if flt.team:  # a team with no members owns nothing: no user has id 0
        extra.append(queries.Filter("owner_id", "in", list(team_user_ids or [0])))
    return dataclasses.replace(chart, period=period, filters=tuple(chart.filters) + tuple(extra))


def _ends(kind: str, start: date, end: date, tz: str) -> tuple[str, str]:
    """A local day range [start, end) as the values a filter on a field of ``kind`` compares with."""
    if kind == "date":
        return start.isoformat(), end.isoformat()
    return utc_iso(local_midnight_utc(start, tz)), utc_iso(local_midnight_utc(end, tz))


def _bucket_range(bucket: str, key: str) -> tuple[date, date]:
    if bucket == "year":
        start = date(int(key), 1, 1)
        return start, date(start.year + 1, 1, 1)
    if bucket == "month":
        start = date(int(key[:4]), int(key[5:7]), 1)
        return start, (start + timedelta(days=32)).replace(day=1)
    start = date.fromisoformat(key)
    return start, start + timedelta(days=7 if bucket == "week" else 1)


def drill_where(chart: CompiledChart, key: Any, period: Period | None, tz: str) -> dict | None:
    """The records list filter selecting exactly the records of the group ``key`` (None for the "other" group)."""
    if key == OTHER_KEY or chart.group is None:
        return None
    filters: list[dict] = [{"field": f.field, "op": f.op, "value": f.value} for f in chart.filters]
    if period is not None:
        lo, hi = _ends(chart.period["kind"], period.start, period.end, tz)
        filters += [{"field": chart.period["field"], "op": "ge", "value": lo}, {"field": chart.period["field"], "op": "lt", "value": hi}]
    g = chart.group
    if key is None:
        filters.append({"field": g.field, "op": "empty"})
    elif g.bucket:
        lo, hi = _ends("date" if g.kind == "date" else "datetime", *_bucket_range(g.bucket, str(key)), tz)
        filters += [{"field": g.field, "op": "ge", "value": lo}, {"field": g.field, "op": "lt", "value": hi}]
    elif g.kind == "boolean":
        filters.append({"field": g.field, "op": "eq", "value": key == "true"})
    else:
        filters.append({"field": g.field, "op": "eq", "value": key})
    return {"form": chart.form, "where": {"match": "all", "filters": filters}}
