"""Auto-fill: values the engine writes into records by itself.

- formula defaults (``"default": {"formula": "..."}``) on create; constant, ``$today``, ``$now`` and
  ``$user`` defaults are the core's;
- fetch-from-reference (``"fetch": {from, field, policy}``): ``on_create`` copies once when the record
  is created, ``on_change`` also refreshes whenever the reference changes, ``live`` refreshes on every
  save and whenever the referenced record changes (so it always reads through);
- computed fields, recomputed on every save from their formula;
- roll-ups (count / sum / min / max / latest over the records of another form that reference this
  one), recomputed when this record is saved and whenever a referencing record is created, changed,
  deleted or restored.

Formulas compile once per published FormVersion (``FEATURE.compile``, into ``CompiledForm.autofill``); bad ones refuse the publish.
Roll-ups and live fetches written into *other* records are derived data: they change the stored data
in the same transaction without a new record version or an audit entry, so they never make a user's
concurrent edit fail with 412.
"""
from __future__ import annotations

import decimal
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from engine.clock import utc_iso
from engine.errors import ErrorItem, NotFound
from engine.fields import FIELD_TYPES
from engine.fields.relation import APP_SEPARATOR, REFERENCE_TYPE, reference_target
from engine.fields.special import rollup_source
from engine.formrules import evaluate, expect_for, publish_resolver, published_resolver, reference_loader, rule_context, rule_error_item
from engine.pipeline import Feature
from engine.rules import CompiledRule, RuleContext, RuleError, RuleScope, compile_rule
from engine.services import forms as form_service, member_limits
from engine.services.form_lookup import compiled_form
from engine.storage.published import form_by_store_key
from engine.storage.tables import forms, records

log = logging.getLogger(__name__)



def _orders_as_text(type_name: str | None) -> bool:
    """Whether a type's stored JSON text orders like its values (canonical dates and UTC datetimes): min/max in SQL."""
    return type_name in FIELD_TYPES and FIELD_TYPES.get(type_name).is_temporal


@dataclass
class Rollup:
    field: str       # the roll-up field id (in this form)
    source: str      # store key of the form whose records are aggregated: its key, ``app/form`` for another app's
    via: str         # reference field id in the source form pointing here
    aggregate: str
    of: str | None   # field id aggregated in the source form
    multiple: bool = False  # the source's reference holds a list of ids
    filter: CompiledRule | None = None  # only source records for which this holds
    of_type: str | None = None  # field type of ``of`` in the source form
    #: (id, published version) of the source form the above were compiled from (``published_resolver``); None: unknown
    source_seen: tuple[int | None, int | None] | None = None


@dataclass
class Autofill:
    defaults: dict[str, CompiledRule] = field(default_factory=dict)
    computed: list[tuple[str, str, CompiledRule]] = field(default_factory=list)  # (field id, result type, rule)
    fetches: list[tuple[str, dict, str]] = field(default_factory=list)          # (field id, fetch spec, reference form)
    rollups: list[Rollup] = field(default_factory=list)


def compile_autofill(definition: dict, resolve_form, own_app: str | None = None) -> tuple[Autofill, list[ErrorItem]]:
    fields = definition.get("fields", [])
    by_id = {f["id"]: f for f in fields}
    scope = RuleScope.from_fields(fields, resolve_form)
    out, errors = Autofill(), []
    for i, f in enumerate(fields):
        if f.get("deleted"):
            continue
        default = f.get("default")
        if isinstance(default, dict) and "formula" in default:
            try:
                out.defaults[f["id"]] = compile_rule(default["formula"], scope, name=f"default of {f['id']}",
                                                     expect=expect_for(f["type"]))
            except RuleError as exc:
                errors.append(rule_error_item(exc, f"/fields/{i}/default/formula"))
        ftype = FIELD_TYPES.get(f["type"])
        if ftype.has_formula:
            opts = f.get("options") or {}
            result = ftype.result_type(f) or "text"
            try:
                out.computed.append((f["id"], result, compile_rule(opts.get("formula", ""), scope, name=f"formula of {f['id']}",
                                                                   expect=expect_for(result))))
            except RuleError as exc:
                errors.append(rule_error_item(exc, f"/fields/{i}/options/formula"))
        if f.get("fetch"):
            ref = by_id.get(f["fetch"]["from"]) or {}
            out.fetches.append((f["id"], f["fetch"], REFERENCE_TYPE.linked_store(ref) if ref else None))  # ``app/form``: another app's
        if ftype.rolls_up:
            o = f.get("options") or {}
            source = rollup_source(f, own_app)
            source_fields = (resolve_form(source) if resolve_form else None) or []
            via = next((x for x in source_fields if x.get("id") == o.get("via")), {})
            of = next((x for x in source_fields if x.get("id") == o.get("field")), {})
            rollup = Rollup(f["id"], source, o.get("via"), o.get("aggregate"), o.get("field"),
                            bool((via.get("options") or {}).get("multiple")), of_type=of.get("type"),
                            source_seen=getattr(resolve_form, "seen", {}).get(source))
            if o.get("filter"):
                try:
                    rollup.filter = compile_rule(o["filter"], RuleScope.from_fields(source_fields, resolve_form, key=f"rollup:{f['id']}"),
                                                 name=f"filter of {f['id']}", expect="boolean")
                except RuleError as exc:
                    errors.append(rule_error_item(exc, f"/fields/{i}/options/filter"))
            out.rollups.append(rollup)
    return out, errors


def computed_js(af: Autofill) -> str:
    """A script setting ``window.formflowComputed`` (each computed field's compiled formula) for formfill.js."""
    items = [f'{{"field": {json.dumps(fid)}, "result": {json.dumps(result)}, "fn": {rule.js}}}' for fid, result, rule in af.computed]
    return ("/* compiled by formflow (engine/autofill.py); needs engine/rules/runtime.js (FormflowRules) */\n"
            "window.formflowComputed = [\n" + ",\n".join(items) + "\n];\n")


def _check(rt, conn, app, definition, all_definitions) -> list[ErrorItem]:
    return compile_autofill(definition, publish_resolver(conn, app, definition, all_definitions), app["key"])[1]


def _compile(rt, conn, compiled) -> Autofill:
    return compile_autofill(compiled.definition, published_resolver(conn, compiled.form_id), compiled.app_key)[0]


# -- stored shapes ----------------------------------------------------------------------------------

def stored(value: Any, kind: str) -> Any:
    """A rule result as the stored JSON value of a field whose values are of *kind*."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat() if kind == "date" else utc_iso(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return int(value) if value.is_integer() and abs(value) < 2 ** 53 else value
    return value


# -- write-path stages ------------------------------------------------------------------------------

def defaults_and_fetch_stage(w) -> None:
    """Before the rules: formula defaults (create) and fetched values, so rules and validation see them."""
    af: Autofill | None = w.form.autofill
    if not af:
        return
    if w.action == "create" and af.defaults:
        ctx = rule_context(w)
        for fid, rule in af.defaults.items():
            if w.values.get(fid) is None:
                result, _ = evaluate(rule, w.values, ctx)
                w.values[fid] = stored(result, w.form.by_id[fid]["type"])
    if af.fetches:
        load = rule_context(w).load_reference
        before = w.before or {}
        for fid, spec, ref_form in af.fetches:
            policy = spec.get("policy") or "on_change"
            ref = w.values.get(spec["from"])
            changed = w.action == "create" or ref != before.get(spec["from"])
            if policy == "on_create" and w.action != "create" or policy == "on_change" and not changed:
                continue
            source = load(ref_form, ref) if isinstance(ref, int) and ref_form else None
            fetched = (source or {}).get(spec["field"])
            if policy != "live" and _chosen(w, fid, fetched):
                continue
            w.values[fid] = fetched


def _chosen(w, fid: str, fetched: Any) -> bool:
    """Whether this write sets fetched field ``fid`` by the user's own choice, which a fetch never overwrites.

    A value sent in this write that differs from the stored one and from the fetched one is a choice (the generated form
    sends what the user picked; a value it fetched itself equals the fetched one). A value left as stored is refilled
    when the reference changes, as the form shows it.
    """
    sent = w.incoming.get(fid)
    return sent is not None and sent != (w.before or {}).get(fid) and sent != fetched


def computed_stage(w) -> None:
    """Before save: computed fields from the validated values, and this record's own roll-ups."""
    af: Autofill | None = w.form.autofill
    if not af:
        return
    ctx = rule_context(w)
    if w.record_id is None:  # a new record has nothing referencing it yet
        w.values.update({r.field: 0 if r.aggregate == "count" else None for r in af.rollups})
    elif af.rollups:
        for attempt in range(_ATTEMPTS):  # compiled from source versions no longer published: compiled again
            try:
                w.values.update({r.field: rollup_value(w.conn, w.form.form_id, r, w.record_id, ctx) for r in af.rollups})
                break
            except StaleRollup:
                if attempt == _ATTEMPTS - 1:
                    raise
                af = fresh_compiled(w.rt, w.conn, w.form, force=attempt > 0).autofill
    recompute(af, w.values, ctx)


def recompute(af: "Autofill", values: dict, ctx) -> None:
    """Computed fields, in field order (a formula may read the ones before it and roll-ups)."""
    for fid, result_type, rule in af.computed:
        value, _ = evaluate(rule, values, ctx)
        values[fid] = stored(value, result_type)


def propagate_stage(w) -> None:
    """After save: roll-ups in other records that aggregate this form, live fetches that read this record."""
    dependents = _dependents(w)
    if dependents:
        _propagate(w, dependents)


def has_dependents(w) -> bool:
    """Whether a save of ``w`` reaches other records (``propagate_stage`` has roll-ups or live fetches to run)."""
    return _dependents(w) is not None


def propagate_batch(writes) -> None:
    """``propagate_stage`` of a batch: the dependents are looked up once; nothing per record when there are none."""
    dependents = _dependents(writes[0])
    if dependents:
        for w in writes:
            if _propagate(w, dependents):  # a form rolling this one up was compiled again: the dependents are
                dependents = _dependents(w)


def _propagate(w, dependents: dict) -> bool:
    """Answers whether a form rolling this one up had to be compiled again (``StaleRollup``)."""
    before, after = w.before or {}, w.values if w.action not in ("delete",) else {}
    ctx = rule_context(w)
    changes: dict[tuple[int, int], dict] = {}
    forms_by_id = {}
    wanted = []
    for form_id, compiled, r in dependents["rollups"]:
        forms_by_id[form_id] = compiled
        ids = set()
        for data in (before, after, w.row["data"] if w.row else {}):
            ids |= _ids(data.get(r.via))
        wanted += [(form_id, r, target) for target in ids]
    _lock_targets(w.conn, {target for _, _, target in wanted})
    current: dict[tuple[int, str], Rollup] = {}  # the roll-ups of the forms compiled again
    for form_id, r, target in wanted:
        r = current.get((form_id, r.field), r)
        for attempt in range(_ATTEMPTS):
            try:
                changes.setdefault((form_id, target), {})[r.field] = rollup_value(w.conn, form_id, r, target, ctx)
                break
            except StaleRollup:
                if attempt == _ATTEMPTS - 1:
                    raise
                forms_by_id[form_id] = fresh = fresh_compiled(w.rt, w.conn, forms_by_id[form_id], force=attempt > 0)
                current.update({(form_id, x.field): x for x in fresh.autofill.rollups})
                r = current[(form_id, r.field)]
                w.form.memo.pop(DEPENDENTS_MEMO, None)  # the next save finds the fresh one
    for (form_id, target), values in changes.items():
        _patch(w.conn, form_id, target, values, forms_by_id[form_id], ctx)
    if w.action == "update":
        for form_id, compiled, fid, spec in dependents["fetches"]:
            query = sa.select(records.c.id, records.c.data[spec["from"]], records.c.data[fid]).where(
                _form_literal(form_id), records.c.deleted_at.is_(None))
            if not (compiled.by_id.get(spec["from"], {}).get("options") or {}).get("multiple"):
                query = query.where(refers_to(w.conn, spec["from"], w.record_id))
            held = {rid: old for rid, ref, old in w.conn.execute(query).all()
                    if ref == w.record_id or isinstance(ref, list) and w.record_id in ref}
            # a person the copy puts into a limited member field there: the whole save is refused (member_limits)
            member_limits.refuse_fetched_outside_limit(w, compiled, fid, w.values.get(spec["field"]), held, spec["field"])
            for rid in held:
                _patch(w.conn, form_id, rid, {fid: w.values.get(spec["field"])}, compiled, ctx)
    return bool(current)


def _lock_targets(conn, ids: set[int]) -> None:
    """Take the rows a save rolls up into before counting: a second save feeding the same record waits here until
    the first commits, and then counts its rows (each statement of READ COMMITTED sees what committed before it), so
    the one that commits last never writes a total missing the other's row. In id order, so two saves feeding two
    records each can't wait on each other. SQLite takes the database for the whole write: nothing to lock there."""
    if ids and conn.dialect.name == "postgresql":
        conn.execute(sa.select(records.c.id).where(records.c.id.in_(sorted(ids))).order_by(records.c.id).with_for_update())


def _ids(value: Any) -> set[int]:
    if isinstance(value, int) and not isinstance(value, bool):
        return {value}
    if isinstance(value, list):
        return {v for v in value if isinstance(v, int) and not isinstance(v, bool)}
    return set()


def _dependents(w) -> dict | None:
    """Published forms of the app with roll-ups over this form or live fetches from it, and the forms of other apps
    this form's references point at with roll-ups over this form through them (``_other_apps_rollups``).

    The app's part depends only on this form's version and its app's published versions (the neighbours, read with
    the form by a single save): it is worked out once per compiled form and set of published versions (``memo``)."""
    rows = tuple(tuple(r) for r in (w.neighbours.published_forms if w.neighbours is not None  # read with the form
                                    else w.conn.execute(_PUBLISHED_SIBLINGS, {"fid": w.form.form_id}).all()))
    known = w.form.memo.setdefault(DEPENDENTS_MEMO, {})
    found = known.get(rows)
    if found is None:
        if len(known) >= MAX_DEPENDENTS_MEMO:  # a bound, not an eviction policy: publishes are rare
            known.clear()
        found = known[rows] = _app_dependents(w, rows)
    other = _other_apps_rollups(w)
    if other:
        found = {"rollups": found["rollups"] + other, "fetches": found["fetches"]}
    return found if found["rollups"] or found["fetches"] else None


#: ``CompiledForm.memo`` key of ``_dependents``' app part, and most sets of published versions kept there
DEPENDENTS_MEMO = "autofill_dependents"
MAX_DEPENDENTS_MEMO = 16


def _app_dependents(w, rows: tuple[tuple[int, int], ...]) -> dict:
    found = {"rollups": [], "fetches": []}
    for form_id, version in rows:
        compiled = form_service.compiled_version(w.rt, w.conn, form_id, version)
        af: Autofill | None = compiled.autofill
        if not af:
            continue
        for r in af.rollups:
            if r.source == w.form.key:
                found["rollups"].append((form_id, compiled, r))
        for fid, spec, ref_form in af.fetches:
            if ref_form == w.form.key and spec.get("policy") == "live":
                found["fetches"].append((form_id, compiled, fid, spec))
    return found


def _other_apps_rollups(w) -> list:
    """(form id, compiled, roll-up) of the roll-ups in other apps' forms over this form: only a form this form's
    references point at can roll up through them, so those are the only ones looked at (none: no statement)."""
    out = []
    here = f"{w.form.app_key}{APP_SEPARATOR}{w.form.key}"
    for fid, target in _other_app_targets(w.form):
        try:
            compiled = compiled_form(w.rt, w.conn, target.app, target.form)
        except NotFound:  # not published (yet): nothing rolls up
            continue
        out += [(compiled.form_id, compiled, r) for r in (compiled.autofill.rollups if compiled.autofill else ())
                if r.source == here and r.via == fid]
    return out


def _other_app_targets(form) -> tuple:
    """(field id, target) of the form's live references to another app's form (once per compiled form)."""
    found = form.memo.get("other_app_targets")
    if found is None:
        targets = ((f["id"], reference_target(f, form.app_key)) for f in form.live_fields
                   if FIELD_TYPES.get(f["type"]).is_reference)
        found = form.memo["other_app_targets"] = tuple((fid, t) for fid, t in targets if t is not None and t.app is not None)
    return found


_OWN_FORM = forms.alias("own_form")
#: published forms of the app of form ``fid`` (built once: this runs on every save)
_PUBLISHED_SIBLINGS = sa.select(forms.c.id, forms.c.published_version).where(
    forms.c.app_id == sa.select(_OWN_FORM.c.app_id).where(_OWN_FORM.c.id == sa.bindparam("fid")).scalar_subquery(),
    forms.c.published_version.isnot(None))


#: form ``fkey`` of the app of form ``fid`` (built once: roll-ups run on every save of their source form)
_SOURCE_FORM = sa.select(forms.c.id, forms.c.published_version).where(
    forms.c.app_id == sa.select(_OWN_FORM.c.app_id).where(_OWN_FORM.c.id == sa.bindparam("fid")).scalar_subquery(),
    forms.c.key == sa.bindparam("fkey"))


def _form_literal(form_id: int | None):
    """``records.form_id = <id>`` with the id written into the SQL: the automatic indexes are partial on the form id,
    and PostgreSQL matches a partial index only against a literal (not a parameter or a subquery)."""
    return records.c.form_id == sa.bindparam("form_id", int(form_id) if form_id is not None else -1, literal_execute=True)


def refers_to(conn, field_id: str, record_id: int):
    """SQL: the single reference ``field_id`` names this record.

    The expression is exactly the reference type's ``sql_expression``, the one
    the automatic index of every reference field is built on, so roll-ups and
    live fetches are index lookups, not scans (and never raise on odd stored values).
    """
    ftype = REFERENCE_TYPE
    dialect = conn.dialect.name
    return sa.literal_column(ftype.sql_expression(dialect, field_id)) == ftype.sql_value(record_id, dialect)  # numeric on PostgreSQL


def _source(conn, form_id: int, r: Rollup) -> tuple[int | None, int | None]:
    """(id, published version) of the form ``r`` rolls up, seen from form ``form_id``'s app (``app/form``: another
    app's of the workspace); (None, None) when there is none."""
    if APP_SEPARATOR in r.source:
        own_app = sa.select(forms.c.app_id).where(forms.c.id == form_id).scalar_subquery()
        row = conn.execute(sa.select(forms.c.id, forms.c.published_version).where(form_by_store_key(r.source, own_app))).first()
    else:
        row = conn.execute(_SOURCE_FORM, {"fid": form_id, "fkey": r.source}).first()
    return (row[0], row[1]) if row is not None else (None, None)


def _source_id(conn, form_id: int, r: Rollup) -> int | None:
    return _source(conn, form_id, r)[0]


def forget_rolling_up(rt, source_id: int) -> int:
    """At the publish of form ``source_id``: the compiled forms this process holds with roll-ups over it are dropped, so
    their next use here compiles them from the version published now (reads included); another process finds out at
    its next save through them (``StaleRollup``)."""
    return rt.forms.forget_compiled(lambda form: any(r.source_seen is not None and r.source_seen[0] == source_id
                                                     for r in (form.autofill.rollups if form.autofill else ())))


#: tries of a roll-up met stale: as compiled, as the form cache holds it by now, compiled anew
_ATTEMPTS = 3


class StaleRollup(Exception):
    """A roll-up compiled from another version of its source form than the one published now (``rollup_value``)."""


def _stale(r: Rollup, found: tuple[int | None, int | None]) -> bool:
    return r.source_seen is not None and r.source_seen != found


def fresh_compiled(rt, conn, compiled, *, force: bool = False):
    """``compiled`` (a form whose roll-up met ``StaleRollup``) compiled again from the versions published now: the one the
    form cache holds when it is another object (compiled again meanwhile) unless ``force``, else the cache drops the
    form's versions and builds this one anew. The stale object stays with whoever holds it."""
    held = rt.forms.held(compiled.form_id, compiled.version)
    if held is not None and held is not compiled and not force:
        return held
    rt.forms.forget(compiled.form_id)
    return form_service.compiled_version(rt, conn, compiled.form_id, compiled.version, compiled.app_key)


def _value_column(r: Rollup):
    """What a roll-up reads of each source record: the whole data for a filter, else its field (as text where the
    stored text orders like the values, for min/max in SQL)."""
    return records.c.data if r.filter is not None else records.c.data[r.of].as_string() \
        if r.of and _orders_as_text(r.of_type) and r.aggregate in ("min", "max") else records.c.data[r.of] if r.of else sa.null()


def _in_sql(r: Rollup) -> bool:
    """Whether SQL aggregates ``r`` by itself (a count or a textual min/max over a single reference, without a filter)."""
    return not r.multiple and r.filter is None and (r.aggregate == "count" or r.aggregate in ("min", "max") and _orders_as_text(r.of_type))


def rollup_value(conn, form_id: int, r: Rollup, target_id: int, ctx=None) -> Any:
    """The roll-up of the live records of ``r.source`` whose ``r.via`` names ``target_id``. ``StaleRollup`` when ``r``
    was compiled from another version of its source than the one published now: its statement that finds the source
    says so, no statement of its own (the caller compiles the form again: ``fresh_compiled``)."""
    found = _source(conn, form_id, r)
    if _stale(r, found):
        raise StaleRollup(f"roll-up {r.field!r} was compiled from {r.source!r} at {r.source_seen}, published now: {found}")
    source_id = found[0]
    value_col = _value_column(r)
    query = (sa.select(records.c.data[r.via], value_col, records.c.created_at, records.c.id)
             .where(_form_literal(source_id), records.c.deleted_at.is_(None)).order_by(records.c.created_at, records.c.id))
    if not r.multiple:
        query = query.where(refers_to(conn, r.via, target_id))
    if _in_sql(r):
        if r.aggregate == "count":
            return conn.execute(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())).scalar_one()
        inner = query.order_by(None).subquery()  # canonical texts order like their values
        return conn.execute(sa.select(getattr(sa.func, r.aggregate)(inner.c[1]))).scalar()
    rows = conn.execute(query).all()
    return _aggregate(r, [(value, at) for via, value, at, _ in rows if target_id in _ids(via)], ctx)


def rollup_values(conn, form_id: int, r: Rollup, ctx=None) -> dict[int, Any]:
    """``rollup_value`` of every record the live records of ``r.source`` name, by record id, in one statement grouped by
    the ``via`` key (a record named by none is absent: 0 for a count, else empty). SQL aggregates what
    ``rollup_value`` aggregates in SQL; the rest is read once, in the same order, and aggregated as ``rollup_value`` does."""
    source_id = _source_id(conn, form_id, r)
    live = (_form_literal(source_id), records.c.deleted_at.is_(None))
    if _in_sql(r):
        via = sa.literal_column(REFERENCE_TYPE.sql_expression(conn.dialect.name, r.via))
        total = sa.func.count() if r.aggregate == "count" else getattr(sa.func, r.aggregate)(_value_column(r))
        rows = conn.execute(sa.select(via, total).where(*live, via.isnot(None)).group_by(via)).all()
        return {int(key): value for key, value in rows if key == int(key)}  # numeric on PostgreSQL, REAL on SQLite
    groups: dict[int, list] = {}
    for via, value, at, _ in conn.execute(sa.select(records.c.data[r.via], _value_column(r), records.c.created_at, records.c.id)
                                          .where(*live).order_by(records.c.created_at, records.c.id)):
        for target in _ids(via):
            groups.setdefault(target, []).append((value, at))
    return {target: _aggregate(r, picked, ctx) for target, picked in groups.items()}


def _aggregate(r: Rollup, picked: list[tuple[Any, Any]], ctx) -> Any:
    """``r``'s aggregate of (value, created at) of the source records naming one record, in creation order (a filter:
    the value is the record's data, and only the records it holds for count)."""
    if r.filter is not None:
        picked = [((data or {}).get(r.of) if r.of else None, at) for data, at in picked if evaluate(r.filter, data or {}, ctx)[0] is True]
    if r.aggregate == "count":
        return len(picked)
    values = [v for v, _ in picked if v is not None]
    if not values:
        return None
    if r.aggregate == "latest":
        return values[-1]
    if r.aggregate == "sum":
        total = sum((decimal.Decimal(str(v)) for v in values if not isinstance(v, bool)), decimal.Decimal(0))
        return int(total) if total == total.to_integral_value() else float(total)
    try:
        return (min if r.aggregate == "min" else max)(values)
    except TypeError:  # mixed kinds after a type change: compare as text
        return (min if r.aggregate == "min" else max)(values, key=str)


def backfill_rollups(rt, conn, form_id: int, app_key: str, definition: dict, old_definition: dict | None) -> int:
    """At publish: the roll-ups that are new or follow other options than the version before are computed into every
    live record of the form (otherwise a record shows them only after its next save or a save of a record it rolls up);
    derived data, as ``_propagate`` writes it. Answers how many records were looked at. Statements do not grow with the
    records: one read of them, one grouped read per roll-up (``rollup_values``), one batched update of the changed ones.

    Compiled here from the definition, not through the version cache: a form published before the forms it rolls up
    (a template installing several) must not leave a version compiled without their fields in the cache."""
    rows = conn.execute(sa.select(records.c.id, records.c.data).where(_form_literal(form_id), records.c.deleted_at.is_(None))
                        .order_by(records.c.id)).all()
    if not rows:
        return 0
    before = {f.get("id"): f.get("options") for f in (old_definition or {}).get("fields", []) if isinstance(f, dict)}
    now = {f.get("id"): f.get("options") for f in definition.get("fields", []) if isinstance(f, dict)}
    af, _ = compile_autofill(definition, published_resolver(conn, form_id), app_key)
    fresh = [r for r in af.rollups if before.get(r.field) != now.get(r.field)]
    if not fresh:
        return 0
    ctx = RuleContext(now=rt.clock.now(), tz=rt.timezone, user_id=None, load_reference=reference_loader(conn, form_id))
    totals = [(r, rollup_values(conn, form_id, r, ctx), 0 if r.aggregate == "count" else None) for r in fresh]
    changed = []
    for rid, data in rows:
        new = {**(data or {}), **{r.field: found.get(rid, empty) for r, found, empty in totals}}
        if af.computed:
            recompute(af, new, ctx)
        new = {k: v for k, v in new.items() if v is not None}
        if new != data:
            changed.append({"rid": rid, "new_data": new})
    for start in range(0, len(changed), _FILL_CHUNK):
        conn.execute(_FILL_UPDATE, changed[start:start + _FILL_CHUNK])
    return len(rows)


#: the publish fill-in's update, sent for many records at once, and how many per call
_FILL_UPDATE = sa.update(records).where(records.c.id == sa.bindparam("rid")).values(data=sa.bindparam("new_data"))
_FILL_CHUNK = 1000


def _patch(conn, form_id: int, record_id: int, changes: dict, compiled=None, ctx=None) -> None:
    """Write derived values into another record (and recompute its computed fields, which may read them)."""
    data = conn.execute(sa.select(records.c.data).where(records.c.id == record_id, records.c.form_id == form_id)).scalar()
    if data is None:
        return
    new = {**data, **changes}
    af: Autofill | None = compiled.autofill if compiled is not None else None
    if af and af.computed:
        recompute(af, new, ctx)
    new = {k: v for k, v in new.items() if v is not None}
    if new != data:
        conn.execute(sa.update(records).where(records.c.id == record_id).values(data=new))


#: this module's part in forms and writes (listed in ``engine.features``)
FEATURE = Feature("autofill", artefact="autofill", compile=_compile, check_publish=_check, defaults=defaults_and_fetch_stage,
                  fill=computed_stage, after_save=propagate_stage, after_save_batch=propagate_batch)
