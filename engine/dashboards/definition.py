"""Checking a dashboard definition against its app's published forms, and compiling its charts.

Shape first (``schemas/dashboard.schema.json``), then meaning: the form of each
chart is published, every field named exists, a sum or average is over a
numeric field, a bucket is on a date, filters are valid query-layer filters,
a gauge has a target. Every problem is an ``ErrorItem`` with its JSON path
(``/charts/3/aggregate/field``), so a designer sees it at save time, never when
the dashboard is shown.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from engine import i18n
from engine.dashboards.charts import CHART_TYPES, ChartType
from engine.definitions import CompiledForm, meta_errors
from engine.errors import ErrorItem
from engine.fields import FIELD_TYPES
from engine.fields.base import type_words
from engine.services import queries

#: largest dashboard definition accepted, in bytes of JSON
MAX_DASHBOARD_BYTES = 200_000
#: groups a chart shows when it sets no limit (the rest are summed as "other")
DEFAULT_GROUP_LIMIT = 30
#: record columns a chart may group by or filter on besides the form's fields, and what they hold
SYSTEM_FIELDS = {"created_at": "timestamp", "updated_at": "timestamp", "owner_id": "person", "created_by": "person"}


@dataclass(frozen=True)
class GroupBy:
    field: str  # a field id or a system column
    kind: str  # text / number / boolean / choice / person / record / date / datetime / timestamp (FieldType.group_kind)
    bucket: str | None = None


@dataclass(frozen=True)
class CompiledChart:
    key: str
    type: ChartType
    title: Any
    form: str
    op: str
    value_field: str | None
    group: GroupBy | None
    filters: tuple[queries.Filter, ...]
    period: dict | None  # {field, kind, range, days}
    target: dict | None
    value_labels: dict
    limit: int
    width: int
    index: int  # position in the definition (error paths)
    fields_used: tuple[tuple[str, str], ...] = field(default=())  # (path, field id) for the hidden-field check

    def to_dict(self) -> dict:
        return {"key": self.key, "type": self.type.name, "title": self.title, "form": self.form, "width": self.width,
                "aggregate": {"op": self.op, "field": self.value_field},
                "group_by": {"field": self.group.field, "bucket": self.group.bucket} if self.group else None}


def field_kind(f: dict, app_forms: dict[str, dict]) -> str:
    """What a field holds, as far as charts care: the type's ``group_kind`` (a roll-up follows the field it aggregates)."""
    def resolve(form_key):
        return (app_forms.get(form_key) or {}).get("fields")
    return FIELD_TYPES.get(f["type"]).group_kind(f, resolve)


def check_dashboard(definition: Any, forms: dict[str, CompiledForm]) -> tuple[list[ErrorItem], list[CompiledChart]]:
    """Every problem with a dashboard (with paths), and its compiled charts when there are none.

    ``forms``: the app's published forms by key (a form never published is absent).
    """
    if not isinstance(definition, dict):
        return [ErrorItem.coded("error.dashboard.not_object", path="/")], []
    if len(json.dumps(definition, ensure_ascii=False, default=str).encode()) > MAX_DASHBOARD_BYTES:
        return [ErrorItem.coded("error.dashboard.too_large", path="/", code="too_large", max=MAX_DASHBOARD_BYTES)], []
    errors = meta_errors(definition, "dashboard")
    if errors:
        return errors, []
    app_forms = {k: f.definition for k, f in forms.items()}
    charts: list[CompiledChart] = []
    seen: dict[str, int] = {}
    for i, chart in enumerate(definition["charts"]):
        path = f"/charts/{i}"
        if chart["key"] in seen:
            errors.append(ErrorItem.coded("error.dashboard.key_twice", path=path + "/key", code="duplicate",
                                          key=repr(chart["key"]), other=seen[chart["key"]]))
        seen[chart["key"]] = i
        compiled = _check_chart(chart, path, i, forms, app_forms, errors)
        if compiled is not None:
            charts.append(compiled)
    return errors, charts if not errors else []


def _lookup(form: CompiledForm, name: str) -> dict | None:
    f = form.by_id.get(name) or form.by_name.get(name)
    return None if f is None or f.get("deleted") else f


def _check_chart(chart: dict, path: str, index: int, forms: dict[str, CompiledForm], app_forms: dict, errors: list) -> CompiledChart | None:
    before = len(errors)
    ctype = CHART_TYPES.get(chart["type"])
    form = forms.get(chart["form"])
    if form is None:
        errors.append(ErrorItem.coded("error.dashboard.form_not_published", path=path + "/form", code="not_found",
                                      form=repr(chart["form"])))
        return None
    used: list[tuple[str, str]] = []

    group = None
    spec = chart.get("group_by")
    if ctype.grouped and spec is None:
        errors.append(ErrorItem.coded("error.dashboard.group_by_required", path=path + "/group_by", code="required", type=_chart_kind(ctype)))
    elif not ctype.grouped and spec is not None:
        errors.append(ErrorItem.coded("error.dashboard.group_by_not_taken", path=path + "/group_by", type=_chart_kind(ctype)))
    elif spec is not None:
        group = _check_group(spec, form, app_forms, path + "/group_by", errors, used)

    agg = chart.get("aggregate") or {"op": "count"}
    op, value_field = agg["op"], None
    if op == "count":
        if agg.get("field") is not None:
            errors.append(ErrorItem.coded("error.dashboard.count_takes_no_field", path=path + "/aggregate/field"))
    elif agg.get("field") is None:
        errors.append(ErrorItem.coded("error.dashboard.needs_numeric_field", path=path + "/aggregate/field", code="required",
                                      op=i18n.words("error.dashboard.op.", op)))
    else:
        f = _lookup(form, agg["field"])
        if f is None:
            errors.append(ErrorItem.coded("error.options.not_field_of_form", path=path + "/aggregate/field",
                                          field_id=agg["field"], code="unknown_field", field=repr(agg["field"]), form=repr(form.key)))
        elif field_kind(f, app_forms) != "number":
            errors.append(ErrorItem.coded("error.dashboard.not_numeric", path=path + "/aggregate/field", field_id=f["id"],
                                          code="not_numeric", op=i18n.words("error.dashboard.op.", op), field=repr(f["id"]),
                                          type=type_words(f["type"])))
        else:
            value_field = f["id"]
            used.append((path + "/aggregate/field", f["id"]))

    filters = []
    for j, flt in enumerate(chart.get("filters") or []):
        item = queries.Filter(flt["field"], flt["op"], flt.get("value"))
        found: list[ErrorItem] = []
        queries.filter_clause(form, item, "sqlite", f"{path}/filters/{j}", found)  # the query layer's own check of op and value
        errors += found
        if not found:
            f = _lookup(form, flt["field"])
            filters.append(queries.Filter(f["id"] if f else flt["field"], flt["op"], flt.get("value")))
            used.append((f"{path}/filters/{j}/field", f["id"] if f else flt["field"]))

    period = None
    if chart.get("period"):
        period = _check_period(chart["period"], form, app_forms, path + "/period", errors, used)

    target = chart.get("target")
    if ctype.needs_target and target is None:
        errors.append(ErrorItem.coded("error.dashboard.target_required", path=path + "/target", code="required", type=_chart_kind(ctype)))
    if target is not None and not ctype.takes_target:
        errors.append(ErrorItem.coded("error.dashboard.no_target", path=path + "/target", type=_chart_kind(ctype)))
    if len(errors) > before:
        return None
    return CompiledChart(key=chart["key"], type=ctype, title=chart["title"], form=form.key, op=op, value_field=value_field,
                         group=group, filters=tuple(filters), period=period, target=target,
                         value_labels=chart.get("value_labels") or {}, limit=chart.get("limit") or DEFAULT_GROUP_LIMIT,
                         width=chart.get("width") or 1, index=index, fields_used=tuple(used))


def _check_group(spec: dict, form: CompiledForm, app_forms: dict, path: str, errors: list, used: list) -> GroupBy | None:
    name, bucket = spec["field"], spec.get("bucket")
    if name in SYSTEM_FIELDS:
        kind, fid = SYSTEM_FIELDS[name], name
    else:
        f = _lookup(form, name)
        if f is None:
            errors.append(ErrorItem.coded("error.options.not_field_of_form", path=path + "/field", field_id=name, code="unknown_field",
                                          field=repr(name), form=repr(form.key)))
            return None
        if not FIELD_TYPES.get(f["type"]).groupable:
            errors.append(ErrorItem.coded("error.dashboard.not_groupable", path=path + "/field", field_id=f["id"], type=type_words(f["type"])))
            return None
        kind, fid = field_kind(f, app_forms), f["id"]
        used.append((path + "/field", fid))
    if bucket and kind not in ("date", "datetime", "timestamp"):
        errors.append(ErrorItem.coded("error.dashboard.bucket_needs_date", path=path + "/bucket",
                                      bucket=i18n.words("error.dashboard.bucket.", bucket), field=repr(name)))
        return None
    if not bucket and kind in ("datetime", "timestamp"):
        errors.append(ErrorItem.coded("error.dashboard.bucket_required", path=path + "/bucket", code="required"))
        return None
    return GroupBy(fid, kind, bucket)


def _check_period(spec: dict, form: CompiledForm, app_forms: dict, path: str, errors: list, used: list) -> dict | None:
    name = spec["field"]
    if name in ("created_at", "updated_at"):
        kind, fid = "timestamp", name
    else:
        f = _lookup(form, name)
        kind = field_kind(f, app_forms) if f else None
        if f is None or kind not in ("date", "datetime"):
            errors.append(ErrorItem.coded("error.dashboard.period_needs_date", path=path + "/field", field_id=name,
                                          form=repr(form.key), field=repr(name)))
            return None
        fid = f["id"]
        used.append((path + "/field", fid))
    if spec["range"] == "last_days" and not spec.get("days"):
        errors.append(ErrorItem.coded("error.dashboard.days_required", path=path + "/days", code="required"))
        return None
    return {"field": fid, "kind": kind, "range": spec["range"], "days": spec.get("days")}


def _chart_kind(ctype: ChartType) -> dict[str, str]:
    """A chart type's name as a message parameter, in every language ("bar" reads 柱状图)."""
    return i18n.texts(f"error.dashboard.chart_kind.{ctype.name}")
