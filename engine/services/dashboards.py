"""Dashboards of an app: saved as data, checked at save time, computed in the database for the actor reading them.

A dashboard is a definition (``schemas/dashboard.schema.json``) stored per app
(``dashboards`` table) with create / read / replace / delete; changing one
needs the ``design`` capability. ``dashboard_data`` computes every chart with
one GROUP BY each (``engine.dashboards.sql``) inside one read snapshot, over
the rows the actor may read (their row scope), and refuses, chart by chart, a
chart on a form they can't read or on a field their role hides.

This module is an area: importing it registers the ``dashboards`` part of app
templates (installed with the app) and the built-in templates' dashboards
shipped in ``builtin_apps/dashboards/<template key>.json``.
"""
from __future__ import annotations

import contextlib
import copy
import json
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any, Iterator
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from engine import i18n
from engine.clock import utc_iso
from engine.dashboards import drill, periods, rollups
from engine.dashboards.definition import CompiledChart, check_dashboard, field_kind
from engine.dashboards.sql import chart_period, chart_where, combined_statement, single_statement
from engine.definitions import CompiledForm
from engine.errors import Conflict, DefinitionInvalid, ErrorItem, FormflowError, NotFound, PermissionDenied, PreconditionFailed
from engine.fields import FIELD_TYPES
from engine.runtime import Actor, Runtime
from engine.services import app_templates, queries
from engine.services.form_lookup import app_row, compiled_version
from engine.services.permissions import require_capability
from engine.services.readgate import read_view
from engine.services.team_managers import my_team_ids, team_people
from engine.storage.dashboard_tables import dashboards
from engine.storage.tables import apps, forms, users

#: the package holding dashboards shipped with the built-in app templates (``<template key>.json``)
SHIPPED_PACKAGE = "builtin_apps.dashboards"
#: most dashboards one app may hold
MAX_DASHBOARDS_PER_APP = 100
#: catalogue key (engine/translations) of the label of a group whose value is empty
EMPTY_LABEL = "dashboard.group.empty"
#: catalogue key of the label of the groups beyond a chart's limit, summed
OTHER_LABEL = "dashboard.group.other"
#: catalogue keys of a yes/no field's groups
BOOLEAN_LABELS = {"true": "dashboard.group.yes", "false": "dashboard.group.no"}


# -- definitions ------------------------------------------------------------------------

def published_forms(rt: Runtime, conn, app_id: int, app_key: str) -> dict[str, CompiledForm]:
    rows = conn.execute(sa.select(forms.c.id, forms.c.key, forms.c.published_version)
                        .where(forms.c.app_id == app_id, forms.c.published_version.isnot(None))).all()
    return {key: compiled_version(rt, conn, fid, version, app_key) for fid, key, version in rows}


def _checked(rt: Runtime, conn, app_id: int, app_key: str, definition: Any) -> list[CompiledChart]:
    return _checked_with(definition, published_forms(rt, conn, app_id, app_key))


def _checked_with(definition: Any, forms_by_key: dict[str, CompiledForm]) -> list[CompiledChart]:
    errors, charts = check_dashboard(definition, forms_by_key)
    if errors:
        raise DefinitionInvalid("the dashboard is not valid", errors, message_code="error.dashboard.invalid")
    return charts


def builder_forms(rt: Runtime, app_key: str) -> list[dict]:
    """What the dashboard editor offers per published form: each live field with its label and what a chart may do with
    it (``kind``: the chart's group kind, "number" for a sum / average; ``groupable``; ``dated``: a period may apply)."""
    with rt.db.read() as conn:
        app = app_row(conn, rt, app_key)
        by_key = published_forms(rt, conn, app["id"], app_key)
    app_forms = {k: f.definition for k, f in by_key.items()}
    out = []
    for key, form in by_key.items():
        fields = []
        for f in form.definition.get("fields", []):
            if f.get("deleted"):
                continue
            kind = field_kind(f, app_forms)
            fields.append({"id": f["id"], "label": f.get("label") or f["id"], "type": f["type"], "kind": kind,
                           "groupable": FIELD_TYPES.get(f["type"]).groupable, "dated": kind in ("date", "datetime"),
                           "filter_operators": list(FIELD_TYPES.get(f["type"]).filter_operators),
                           "choices": [c["value"] for c in (f.get("options") or {}).get("choices", [])]})
        out.append({"key": key, "label": form.definition.get("label") or key, "fields": fields})
    return out


def dashboard_dict(row, app_key: str) -> dict:
    return {"app": app_key, "key": row["key"], "revision": row["revision"], "definition": row["definition"],
            "created_at": utc_iso(row["created_at"]), "updated_at": utc_iso(row["updated_at"])}


def _row(conn, app_id: int, key: str):
    return conn.execute(sa.select(dashboards).where(dashboards.c.app_id == app_id, dashboards.c.key == key)).mappings().first()


def _existing(conn, app_id: int, app_key: str, key: str):
    row = _row(conn, app_id, key)
    if row is None:
        raise NotFound(f"app {app_key!r} has no dashboard {key!r}", path="/dashboard", message_code="error.dashboard.not_found",
                       params={"app": repr(app_key), "dashboard": repr(key)})
    return row


def list_dashboards(rt: Runtime, app_key: str) -> list[dict]:
    with rt.db.read() as conn:
        app = app_row(conn, rt, app_key)
        rows = conn.execute(sa.select(dashboards).where(dashboards.c.app_id == app["id"]).order_by(dashboards.c.id)).mappings().all()
    return [{"key": r["key"], "label": r["definition"].get("label"), "charts": len(r["definition"].get("charts", [])),
             "revision": r["revision"], "updated_at": utc_iso(r["updated_at"])} for r in rows]


def get_dashboard(rt: Runtime, app_key: str, key: str) -> dict:
    with rt.db.read() as conn:
        app = app_row(conn, rt, app_key)
        return dashboard_dict(_existing(conn, app["id"], app_key, key), app_key)


def create_dashboard(rt: Runtime, actor: Actor, app_key: str, definition: Any) -> dict:
    """Add a dashboard (its key is the definition's ``key``); 409 when the key is taken."""
    require_capability(rt, actor, "design")
    with rt.db.transaction() as conn:
        app = app_row(conn, rt, app_key)
        _checked(rt, conn, app["id"], app_key, definition)
        if _row(conn, app["id"], definition["key"]) is not None:
            raise Conflict(f"app {app_key!r} already has a dashboard {definition['key']!r}", [ErrorItem.coded("error.value.taken", path="/key")],
                           message_code="error.dashboard.exists", params={"app": repr(app_key), "dashboard": repr(definition["key"])})
        count = conn.execute(sa.select(sa.func.count()).select_from(dashboards).where(dashboards.c.app_id == app["id"])).scalar_one()
        if count >= MAX_DASHBOARDS_PER_APP:
            raise Conflict(f"an app holds at most {MAX_DASHBOARDS_PER_APP} dashboards", [ErrorItem.coded("error.token.too_many_item", path="/")],
                           message_code="error.dashboard.too_many", params={"max": MAX_DASHBOARDS_PER_APP})
        now = rt.clock.now()
        conn.execute(sa.insert(dashboards).values(app_id=app["id"], key=definition["key"], definition=definition, revision=1,
                                                  created_by=actor.user_id, created_at=now, updated_by=actor.user_id, updated_at=now))
        sync_rollups(rt, conn)
        return dashboard_dict(_row(conn, app["id"], definition["key"]), app_key)


def replace_dashboard(rt: Runtime, actor: Actor, app_key: str, key: str, definition: Any, *, if_revision: int | None = None) -> dict:
    """Replace a dashboard's definition (``if_revision``: the revision the editor started from; a stale one is refused)."""
    require_capability(rt, actor, "design")
    with rt.db.transaction() as conn:
        app = app_row(conn, rt, app_key)
        row = _existing(conn, app["id"], app_key, key)
        if if_revision is not None and if_revision != row["revision"]:
            raise PreconditionFailed(f"dashboard {key!r} was changed by someone else (revision {row['revision']})",
                                     current_revision=row["revision"], message_code="error.dashboard.changed_elsewhere",
                                     params={"dashboard": repr(key), "revision": row["revision"]})
        _checked(rt, conn, app["id"], app_key, definition)
        if definition["key"] != key:
            raise DefinitionInvalid("the key of a dashboard can't change", [ErrorItem.coded("error.dashboard.must_be", key=repr(key), path="/key")],
                                    message_code="error.dashboard.key_fixed")
        conn.execute(sa.update(dashboards).where(dashboards.c.id == row["id"]).values(
            definition=definition, revision=row["revision"] + 1, updated_by=actor.user_id, updated_at=rt.clock.now()))
        sync_rollups(rt, conn)
        return dashboard_dict(_row(conn, app["id"], key), app_key)


def delete_dashboard(rt: Runtime, actor: Actor, app_key: str, key: str) -> None:
    require_capability(rt, actor, "design")
    with rt.db.transaction() as conn:
        app = app_row(conn, rt, app_key)
        row = _existing(conn, app["id"], app_key, key)
        conn.execute(sa.delete(dashboards).where(dashboards.c.id == row["id"]))
        sync_rollups(rt, conn)


# -- the figures ----------------------------------------------------------------------------

@contextlib.contextmanager
def _snapshot(rt: Runtime) -> Iterator[sa.Connection]:
    """One read snapshot for every chart of a dashboard (PostgreSQL: REPEATABLE READ, read only)."""
    with rt.db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        periods.prepare_connection(conn)
        with conn.begin():
            yield conn


#: Kinds of the compiled dashboards and their rollup specs in the runtime's cache (``engine.cache``).
CACHE_KIND, SPECS_CACHE_KIND = "dashboard", "dashboard_specs"


def compiled_dashboard(rt: Runtime, row, forms_by_key: dict[str, CompiledForm]) -> list[CompiledChart]:
    """The dashboard's charts, checked and compiled once per (revision, form versions): parse once, run many."""
    key = (row["id"], row["revision"], json.dumps(row["definition"], sort_keys=True, default=str),
           tuple(sorted((k, f.form_id, f.version) for k, f in forms_by_key.items())))

    def build() -> list[CompiledChart]:
        errors, charts = check_dashboard(row["definition"], forms_by_key)
        if errors:  # a form published since the dashboard was saved may have dropped a field it uses
            raise DefinitionInvalid(f"dashboard {row['key']!r} no longer fits its forms; edit it", errors,
                                message_code="error.dashboard.stale", params={"dashboard": repr(row["key"])})
        return charts

    return rt.cache.get(CACHE_KIND, key, build)


@dataclass
class _Plan:
    chart: CompiledChart
    form: CompiledForm
    period: Any
    where: list
    scopes: list

    @property
    def same_rows(self) -> tuple:
        """Charts with equal keys read the same rows (same form, filters and period; one actor): one scan serves them all."""
        return (self.chart.form, repr(self.chart.filters), repr(sorted((self.chart.period or {}).items())))


#: dashboards read from pre-aggregated cells on PostgreSQL (engine.dashboards.rollups); False: always the live GROUP BY
USE_ROLLUPS = True


def _specs(rt: Runtime, row, charts: list[CompiledChart], forms_by_key: dict[str, CompiledForm], tz: str) -> dict:
    """Rollup specs per compiled dashboard and time zone."""
    key = (row["id"], row["revision"], tz, tuple(sorted((k, f.form_id, f.version) for k, f in forms_by_key.items())))
    return rt.cache.get(SPECS_CACHE_KIND, key, lambda: {c.key: rollups.chart_spec(c, forms_by_key[c.form], tz) for c in charts})


def wanted_rollups(rt: Runtime, conn) -> dict[str, rollups.Spec]:
    """The rollup of every count / sum / average chart of every dashboard that fits its forms, by signature."""
    wanted: dict[str, rollups.Spec] = {}
    rows = conn.execute(sa.select(dashboards, apps.c.key.label("app_key")).join(apps, apps.c.id == dashboards.c.app_id)).mappings().all()
    by_app: dict[int, dict] = {}
    for row in rows:
        if row["app_id"] not in by_app:
            by_app[row["app_id"]] = published_forms(rt, conn, row["app_id"], row["app_key"])
        try:
            charts = compiled_dashboard(rt, row, by_app[row["app_id"]])
        except DefinitionInvalid:
            continue  # no longer fits its forms: its charts report that when shown
        for spec in _specs(rt, row, charts, by_app[row["app_id"]], rt.timezone).values():
            if spec is not None:
                wanted[spec.sig] = spec
    return wanted


def sync_rollups(rt: Runtime, conn) -> None:
    """Rollups for exactly the dashboards there are (PostgreSQL; in the caller's transaction)."""
    if conn.dialect.name == "postgresql" and USE_ROLLUPS:
        rollups.sync(conn, wanted_rollups(rt, conn), rt.clock.now())


def dashboard_data(rt: Runtime, actor: Actor, app_key: str, key: str, *, live: bool = False, filters: Any = None) -> dict:
    """Every chart of the dashboard, computed now in the database over the rows ``actor`` may read.

    On PostgreSQL a count, sum or average chart reads its pre-aggregated cells (``engine.dashboards.rollups``);
    ``live`` (or a min / max chart, or a row scope not on the owner) runs the GROUP BY over the records: charts over
    the same rows share one statement there (GROUP BY GROUPING SETS); on SQLite each chart is one GROUP BY. A chart
    the actor may not see carries its own error; the others are computed.

    ``filters``: the dashboard-level filters (``engine.dashboards.drill.dashboard_filters``: period, owner, team) laid
    over every chart; those figures come from the records. Every group carries ``drill``: the records list's filter
    selecting exactly its records.
    """
    flt = drill.dashboard_filters(filters)
    live = live or bool(flt)
    out, stale, compactable = _dashboard_data(rt, actor, app_key, key, live=live, flt=flt)
    if stale:  # a chart has no rollup yet (a form was published, the zone changed): build them, then read again
        with rt.db.transaction() as conn:
            sync_rollups(rt, conn)
        out, stale, compactable = _dashboard_data(rt, actor, app_key, key, live=False, flt=flt)
        if stale:  # another process changed the dashboards meanwhile: this once, over the records
            out, _, compactable = _dashboard_data(rt, actor, app_key, key, live=True, flt=flt)
    for rollup_id in compactable:
        rollups.compact(rt.db.engine, rollup_id, rt.clock.now())
    return out


def _dashboard_data(rt: Runtime, actor: Actor, app_key: str, key: str | None, *, live: bool, flt: drill.DashboardFilters,
                    definition: dict | None = None) -> tuple[dict | None, bool, list[int]]:
    """``definition``: an unsaved dashboard (the editor's preview), checked here and computed over the records."""
    tz = rt.timezone
    now = rt.clock.now()
    started = time.perf_counter()
    compactable: list[int] = []
    with _snapshot(rt) as conn:
        dialect = conn.dialect.name
        app = app_row(conn, rt, app_key)
        forms_by_key = published_forms(rt, conn, app["id"], app_key)
        if definition is not None:
            row, live = {"definition": definition, "key": definition.get("key"), "revision": None}, True
            charts = _checked_with(definition, forms_by_key)
        else:
            row = _existing(conn, app["id"], app_key, key)
            charts = compiled_dashboard(rt, row, forms_by_key)
        if flt:  # a team is its managers and members; "my team" is what the "team" row scope shows the reader
            members = (my_team_ids(conn, actor.user_id) if flt.team == queries.MY_TEAM
                       else team_people(conn, rt.workspace_id, flt.team) if flt.team else [])
            charts = [drill.narrowed(c, flt, members) for c in charts]
        specs = _specs(rt, row, charts, forms_by_key, tz) if dialect == "postgresql" and USE_ROLLUPS and not live else {}
        ids = rollups.known(conn, {s.sig for s in specs.values() if s is not None})
        if any(s is not None and s.sig not in ids for s in specs.values()):
            return None, True, []
        results: dict[str, dict] = {}
        batches: dict[tuple, list[_Plan]] = {}
        for chart in charts:
            results[chart.key], plan = _prepare(rt, conn, actor, chart, forms_by_key[chart.form], now, tz)
            if plan is None:
                continue
            spec = specs.get(chart.key)
            scopes = rollups.owner_scopes(plan.scopes) if spec is not None else None
            if spec is not None and scopes is not None:
                t0 = time.perf_counter()
                rows, cells = rollups.read(conn, ids[spec.sig], chart, plan.period, scopes)
                _shape(results[chart.key], chart, plan.form, rows, plan.period, now, tz)
                results[chart.key].update(ms=round((time.perf_counter() - t0) * 1000, 2), shared_with=0, source="cells")
                if rollups.worth_compacting(cells, len(rows)):
                    compactable.append(ids[spec.sig])
                continue
            batches.setdefault(plan.same_rows if dialect == "postgresql" else (chart.key,), []).append(plan)
        for batch in batches.values():
            t0 = time.perf_counter()
            try:
                rows = _run(conn, batch, dialect, tz, guarded=False)
            except sa.exc.DataError:  # a stored value refused the numeric cast: again with the guarded reading
                rows = _run(conn, batch, dialect, tz, guarded=True)
            ms = round((time.perf_counter() - t0) * 1000, 2)
            for p in batch:
                _shape(results[p.chart.key], p.chart, p.form, rows[p.chart.key], p.period, now, tz)
                results[p.chart.key].update(ms=ms, shared_with=len(batch) - 1, source="records")
        out = [results[c.key] for c in charts]
        _label_users(conn, out)
        _label_linked(rt, conn, out)
    return ({"app": app_key, "key": row["key"], "filters": flt.to_dict(), "label": row["definition"].get("label"), "description": row["definition"].get("description"),
             "revision": row["revision"], "timezone": tz, "computed_at": utc_iso(now),
             "ms": round((time.perf_counter() - started) * 1000, 1), "charts": out}, False, sorted(set(compactable)))


def preview_dashboard(rt: Runtime, actor: Actor, app_key: str, definition: Any, *, filters: Any = None) -> dict:
    """An unsaved dashboard (the editor's live preview) checked as a save checks it and computed like a saved one, through
    the same read gate, over the records; nothing is stored. Needs the ``design`` capability (the editor's)."""
    require_capability(rt, actor, "design")
    flt = drill.dashboard_filters(filters)
    if not isinstance(definition, dict):
        raise DefinitionInvalid("the dashboard is not valid", [ErrorItem.coded("error.dashboard.object", path="/")],
                                message_code="error.dashboard.invalid")
    out, _, _ = _dashboard_data(rt, actor, app_key, None, live=True, flt=flt, definition=definition)
    return out


def _run(conn, batch: list["_Plan"], dialect: str, tz: str, *, guarded: bool) -> dict[str, list]:
    """The batch's statement (in a savepoint on PostgreSQL when it casts values, so a refused cast leaves the snapshot usable)."""
    casts = any(p.chart.op != "count" for p in batch)
    with conn.begin_nested() if dialect == "postgresql" and casts else contextlib.nullcontext():
        if len(batch) == 1:
            p = batch[0]
            return {p.chart.key: conn.execute(single_statement(p.chart, p.where, dialect, tz, guarded)).all()}
        stmt, split = combined_statement([p.chart for p in batch], batch[0].where, dialect, tz, guarded)
        return split(conn.execute(stmt).all())


def _prepare(rt: Runtime, conn, actor: Actor, chart: CompiledChart, form: CompiledForm, now, tz: str) -> tuple[dict, _Plan | None]:
    """The chart's result skeleton and its plan, or the skeleton with the reason it is refused to this actor."""
    result: dict[str, Any] = {**chart.to_dict(), "target": chart.target, "error": None}
    try:
        view = read_view(rt, conn, actor, form)
        view.check(conn, None)
        for path, fid in chart.fields_used:
            if fid in view.hidden:  # derived fields too: a sum of weighted_amount is a sum of a hidden amount
                raise PermissionDenied(f"chart {chart.key!r} uses field {fid!r}, which your role may not see", path=path, field_id=fid,
                                       message_code="error.dashboard.hidden_field", params={"chart": repr(chart.key), "field": repr(fid)})
        period = chart_period(chart, now, tz)
        scopes = list(view.scope)
        where = chart_where(chart, form, conn.dialect.name, tz, period, scopes)
    except FormflowError as exc:
        result["error"] = {"status": exc.status, **exc.to_dict()}
        return result, None
    result["period"] = period.to_dict() if period else None
    return result, _Plan(chart, form, period, where, scopes)


def _shape(result: dict, chart: CompiledChart, form: CompiledForm, rows, period, now, tz: str) -> None:
    if chart.group is None:
        value, count = rows[0] if rows else (None, 0)
        result["value"] = _number(value, chart.op)
        result["count"] = int(count or 0)
    else:
        result["groups"] = _groups(chart, form, rows, period, now, tz)
        for g in result["groups"]:
            g["drill"] = drill.drill_where(chart, g["key"], period, tz)
        result["count"] = sum(g["count"] for g in result["groups"])
        if chart.op in ("count", "sum"):
            result["total"] = _round(sum(g["value"] or 0 for g in result["groups"]))
        if chart.target:
            for g in result["groups"]:
                g["target"] = chart.target["value"]
                g["ratio"] = round(g["value"] / chart.target["value"], 4) if g["value"] is not None and chart.target["value"] else None
    chart.type.finish(result)


def _label(key: str) -> dict[str, str]:
    """A group label in every language the UI speaks (the reader's is picked in the browser)."""
    return {locale: i18n.render(key, locale) for locale in i18n.LOCALES}


def _round(x: float) -> float:
    return round(x, 6)


def _number(value, op: str):
    if value is None:
        return 0 if op in ("count", "sum") else None
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        value = _round(value)
        return int(value) if op == "count" else value
    return value


def _key(value, kind: str):
    """A group key as JSON: user and reference ids as int, booleans as "true"/"false", the rest as text."""
    if value is None:
        return None
    if kind in ("person", "record", "linked"):
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return str(value)
    if kind == "boolean":
        return "true" if value in (True, 1, "1", "true") else "false"
    if kind == "number":
        return _number(value, "sum")
    return str(value)


def _groups(chart: CompiledChart, form: CompiledForm, rows, period, now, tz: str) -> list[dict]:
    g = chart.group
    groups = [{"key": _key(k, g.kind), "value": _number(v, chart.op), "count": int(n)} for k, v, n in rows]
    merged: dict = {}
    for item in groups:  # SQLite and PostgreSQL may spell one key two ways (1 / "1"): merge after normalizing
        if item["key"] in merged:
            prev = merged[item["key"]]
            prev["count"] += item["count"]
            prev["value"] = (prev["value"] or 0) + (item["value"] or 0) if chart.op in ("count", "sum") else prev["value"]
        else:
            merged[item["key"]] = item
    groups = list(merged.values())
    field = form.by_id.get(g.field) or {}
    if g.bucket:
        groups = _filled(chart, groups, period, now, tz)
    elif g.kind == "choice":
        order = {c["value"]: i for i, c in enumerate((field.get("options") or {}).get("choices", []))}
        groups.sort(key=lambda x: (x["key"] is None, order.get(x["key"], len(order)), -(x["value"] or 0)))
    else:
        groups.sort(key=lambda x: (x["key"] is None, -(x["value"] or 0), str(x["key"])))
        if len(groups) > chart.limit:
            rest = groups[chart.limit - 1:]
            groups = groups[:chart.limit - 1]
            if chart.op in ("count", "sum"):
                groups.append({"key": "__other__", "value": _round(sum(x["value"] or 0 for x in rest)),
                               "count": sum(x["count"] for x in rest), "label": _label(OTHER_LABEL)})
    choices = {c["value"]: c.get("label") or c["value"] for c in (field.get("options") or {}).get("choices", [])}
    for item in groups:
        if "label" in item:
            continue
        k = item["key"]
        if str(k) in chart.value_labels:
            item["label"] = chart.value_labels[str(k)]
        elif k is None:
            item["label"] = _label(EMPTY_LABEL)
        elif g.kind == "choice":
            item["label"] = choices.get(k, k)
        elif g.kind == "boolean":
            item["label"] = _label(BOOLEAN_LABELS[k])
        elif g.kind == "record":
            item["label"] = f"#{k}"
        elif g.kind == "person":
            item["label"] = f"#{k}"
            item["user_id"] = k  # named by _label_users once all charts are in
        elif g.kind == "linked":
            item["label"] = f"#{k}"
            item["linked"] = [field.get("type"), k]  # named by _label_linked (a team's name) once all charts are in
        else:
            item["label"] = str(k)
    return groups


def _filled(chart: CompiledChart, groups: list[dict], period, now, tz: str) -> list[dict]:
    """Date buckets in order, with the empty ones between the period's start and today (or the first and last found) as zero."""
    found = {x["key"]: x for x in groups if x["key"] is not None}
    today = now.astimezone(ZoneInfo(tz)).date()
    if period is not None:
        start, end = period.start, min(period.end, today + timedelta(days=1))
    elif found:
        start, end = _key_date(min(found)), _key_date(max(found)) + timedelta(days=1)
    else:
        start = end = today
    empty = 0 if chart.op in ("count", "sum") else None
    keys = periods.bucket_keys(chart.group.bucket, start, end)
    out = [found.pop(k, None) or {"key": k, "value": empty, "count": 0} for k in keys]
    out += sorted(found.values(), key=lambda x: x["key"])  # outside the filled range (e.g. future dates)
    out.sort(key=lambda x: x["key"])
    out += [x for x in groups if x["key"] is None]
    return out


def _key_date(key: str) -> date:
    parts = [int(p) for p in key.split("-")] + [1, 1]
    return date(parts[0], parts[1], parts[2])


def _label_linked(rt: Runtime, conn, charts: list[dict]) -> None:
    """Groups of a field type that names its ids itself (``FieldType.linked_names``: teams) get those names."""
    wanted: dict[str, set] = {}
    for c in charts:
        for g in c.get("groups") or ():
            if g.get("linked") and isinstance(g["linked"][1], int):
                wanted.setdefault(g["linked"][0], set()).add(g["linked"][1])
    names = {t: FIELD_TYPES.get(t).linked_names(conn, rt.workspace_id, sorted(ids)) or {} for t, ids in wanted.items()}
    for c in charts:
        for g in c.get("groups") or ():
            linked = g.pop("linked", None)
            if linked and linked[1] in names.get(linked[0], {}):
                g["label"] = names[linked[0]][linked[1]]


def _label_users(conn, charts: list[dict]) -> None:
    ids = {g["user_id"] for c in charts for g in c.get("groups") or () if isinstance(g.get("user_id"), int)}
    if not ids:
        return
    names = dict(conn.execute(sa.select(users.c.id, users.c.display_name).where(users.c.id.in_(sorted(ids)))).all())
    for c in charts:
        for g in c.get("groups") or ():
            if g.get("user_id") in names:
                g["label"] = names[g["user_id"]]


# -- the part of app templates ------------------------------------------------------------

class DashboardsPart(app_templates.AppPart):
    """``dashboards``: dashboard definitions, checked against the app's forms with paths under /dashboards/<i>."""

    name = "dashboards"

    def check(self, app_definition):
        named = {f.get("key"): app_templates.with_field_names(f) for f in app_definition.get("forms", []) if isinstance(f, dict)}
        compiled = {}
        for key, form in named.items():
            try:
                compiled[key] = CompiledForm(form_id=0, key=key, app_key=app_definition.get("key", ""), version=0, definition=form)
            except Exception:  # noqa: BLE001  (the form's own check reports what is wrong with it)
                continue
        errors = []
        for i, item in enumerate(app_definition.get("dashboards") or []):
            found, _ = check_dashboard(item, compiled)
            errors += [app_templates.prefixed_error(e, f"/dashboards/{i}") for e in found]
        return errors

    def install(self, rt, actor, app_key, items, trusted):
        author = Actor.system() if trusted else actor
        for i, item in enumerate(items):
            try:
                create_dashboard(rt, author, app_key, copy.deepcopy(item))
            except FormflowError as exc:
                raise DefinitionInvalid(exc.message, [app_templates.prefixed_error(e, f"/dashboards/{i}") for e in exc.errors]) from None
        return []


def shipped_dashboards(template_key: str, definition: dict) -> None:
    """A built-in template's dashboards kept in their own file (builtin_apps/dashboards/<key>.json), unless the app file has some."""
    if definition.get("dashboards"):
        return
    try:
        path = resources.files(SHIPPED_PACKAGE).joinpath(f"{template_key}.json")
        if path.is_file():
            definition["dashboards"] = json.loads(path.read_text("utf-8"))["dashboards"]
    except (ModuleNotFoundError, FileNotFoundError):
        return


app_templates.APP_PARTS[DashboardsPart.name] = DashboardsPart()
app_templates.TEMPLATE_EXTENSIONS.append(shipped_dashboards)
