"""The admin audit's query filters (kind, actor, date range, page), read from a query string into ``admin_audit.list_entries``
arguments; a bad value is a 422 naming the parameter. Shared by the REST route and the workspace audit page."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Mapping
from zoneinfo import ZoneInfo

from engine.api import refusals
from engine.errors import ErrorItem, ValidationFailed
from engine.services.admin_audit import MAX_AUDIT_OFFSET, MAX_AUDIT_PAGE

#: the audit's query parameters, as OpenAPI describes them
AUDIT_FILTERS = [
    {"name": "kind", "in": "query", "required": False, "schema": {"type": "string", "pattern": "^[a-z_]{1,32}$"},
     "description": "what the action is about: user, role, team, grant, token, form, workspace..."},
    {"name": "actor_id", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1}},
    {"name": "since", "in": "query", "required": False, "schema": {"type": "string", "format": "date"}, "description": "first day (inclusive)"},
    {"name": "until", "in": "query", "required": False, "schema": {"type": "string", "format": "date"}, "description": "last day (inclusive)"},
    {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": MAX_AUDIT_PAGE}},
    {"name": "offset", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0, "maximum": MAX_AUDIT_OFFSET}},
]


def audit_filters(args: Mapping[str, str], tz: str = "UTC") -> dict:
    """``list_entries`` keyword arguments from query text; days are whole days in ``tz``. Empty values are no filter."""
    out: dict = {}
    errors: list[ErrorItem] = []
    kind = (args.get("kind") or "").strip()
    if kind:
        if not (kind.replace("_", "").isalpha() and kind.islower() and len(kind) <= 32):
            errors.append(ErrorItem.coded("error.audit.kind", path="/kind"))
        out["kind"] = kind
    for name, low, high in (("actor_id", 1, 2**53), ("limit", 1, MAX_AUDIT_PAGE), ("offset", 0, MAX_AUDIT_OFFSET)):
        raw = (args.get(name) or "").strip()
        if raw:
            if not raw.isdigit() or not low <= int(raw) <= high:
                errors.append(ErrorItem.coded("error.body.expected_whole_number", path=f"/{name}", low=low, high=high))
            else:
                out[name] = int(raw)
    zone = ZoneInfo(tz)
    for name, extra in (("since", 0), ("until", 1)):
        raw = (args.get(name) or "").strip()
        if raw:
            try:
                day = date.fromisoformat(raw)
            except ValueError:
                errors.append(ErrorItem.coded("error.audit.date", path=f"/{name}"))
                continue
            out[name] = datetime.combine(day + timedelta(days=extra), time(), zone).astimezone(timezone.utc)
    if errors:
        raise refusals.coded(ValidationFailed, "error.audit.filters_invalid", errors)
    return out
