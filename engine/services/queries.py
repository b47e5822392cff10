"""Record queries: filter, sort, search, paginate, project.

Filters and sorting use each field type's SQL expression, the same one the
automatic indexes are built on, with the form id inlined as a literal so the
partial indexes apply.
"""
from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from engine import i18n
from engine.safety import MAX_ID, MAX_PAGE
from engine.errors import ErrorItem, FormflowError, ValidationFailed
from engine.fields import FIELD_TYPES
from engine.registry import Registry
from engine.runtime import Actor, Runtime
from engine.services import list_totals, page_statements, served_forms
from engine.services.readgate import read_view
from engine.services.records import record_dict
from engine.services.team_managers import my_team_ids
from engine.storage.tables import records
import json
from sqlalchemy.dialects.postgresql import JSONB

#: largest page a client may ask for; most filters in one query
MAX_PAGE_SIZE = 500
MAX_FILTERS = 50
MAX_SEARCH_LENGTH = 200
#: values the "in" operator may list
MAX_IN_VALUES = 1000
#: totals are counted exactly up to this many matches (the LIST_EXACT_TOTAL_LIMIT setting overrides it); beyond it the
#: total is an estimate, ``total_is_estimate`` true: PostgreSQL's planner row estimate for the filtered query (at least
#: the limit + 1), on SQLite the limit + 1 itself (a lower bound: "more than 10,000")
MAX_EXACT_TOTAL = 10_000
EXACT_TOTAL_SETTING = "LIST_EXACT_TOTAL_LIMIT"
#: matches counted when a person asks for the exact total (``Query.exact_total``, the grid's "count exactly")
MAX_COUNTED_TOTAL = 10_000_000
#: PostgreSQL: when the planner expects more matches than this many times the exact limit, and more than
#: ESTIMATE_ONLY_ABOVE, the total is its estimate without a count (an estimate off by that much is one the
#: statistics of an analysed table do not give); otherwise the capped count runs as below
ESTIMATE_ONLY_FACTOR = 10
ESTIMATE_ONLY_ABOVE = 100_000
#: ``CompiledForm.memo`` key: this process saw a list of the form pass the exact limit (its lists ask the planner first)
LARGE_FORM_MEMO = "list_total_large"

SYSTEM_COLUMNS = {"id": records.c.id, "created_at": records.c.created_at, "updated_at": records.c.updated_at,
                  "owner_id": records.c.owner_id, "created_by": records.c.created_by,
                  "deleted_at": records.c.deleted_at}  # with include_deleted: "deleted_at not_empty" lists the deleted ones
#: the value each system column is compared with (a filter value is converted to it, or refused with a 422)
SYSTEM_COLUMN_KINDS = {"id": "integer", "owner_id": "integer", "created_by": "integer",
                       "created_at": "datetime", "updated_at": "datetime", "deleted_at": "datetime"}
#: longest text accepted as one filter operand (a date, a number, a value to compare)
MAX_FILTER_VALUE_LENGTH = 1000


@dataclass
class Filter:
    field: str
    op: str
    value: Any = None


@dataclass
class FilterGroup:
    """Filters joined by ``match``: "all" (AND) or "any" (OR); a query's filters may hold groups one level deep."""
    match: str = "all"
    filters: list[Filter] = field(default_factory=list)


@dataclass
class Query:
    filters: list = field(default_factory=list)  # Filter or FilterGroup
    match: str = "all"  # how the top-level filters join: all (AND) / any (OR)
    sort: list[tuple[str, str]] = field(default_factory=list)  # (field, "asc"|"desc")
    search: str | None = None
    page: int = 1
    page_size: int = 50
    fields: list[str] | None = None
    include_deleted: bool = False
    owner_ids: list[int] | None = None  # permission scope, set by the permission layer
    count: bool = True  # count matches (capped at MAX_EXACT_TOTAL); False answers total None, has_more only
    exact_total: bool = False  # count every match (up to MAX_COUNTED_TOTAL): a person asked for the exact figure


class Operator:
    name = ""
    takes: str = "one"  # one / many / two / none

    def clause(self, expr, value, dialect: str, ftype, fid: str):
        raise NotImplementedError


OPERATORS: "Registry[Operator]" = Registry("filter operator")


def _simple(op_name: str, fn):
    cls = type(f"Op_{op_name}", (Operator,), {"name": op_name, "clause": lambda self, e, v, d, t, f: fn(e, v)})
    OPERATORS.register(cls)


_simple("eq", lambda e, v: e == v)
_simple("ne", lambda e, v: sa.or_(e != v, e.is_(None)))
_simple("lt", lambda e, v: e < v)
_simple("le", lambda e, v: e <= v)
_simple("gt", lambda e, v: e > v)
_simple("ge", lambda e, v: e >= v)


#: a filter value meaning the caller (user fields, owner_id, created_by), and the caller's team (with ``in``)
ME, MY_TEAM = "$me", "$my_team"
MAX_RELATIVE_DAYS = 3650


@OPERATORS.register
class InOp(Operator):
    name = "in"
    takes = "many"

    def clause(self, expr, value, dialect, ftype, fid):
        return expr.in_(value)


@OPERATORS.register
class BetweenOp(Operator):
    name = "between"
    takes = "two"

    def clause(self, expr, value, dialect, ftype, fid):
        return sa.and_(expr >= value[0], expr <= value[1])


@OPERATORS.register
class LastDaysOp(BetweenOp):
    """Within the last N days up to now (N from 1 to 3650); the query turns it into the range ``between`` takes,
    with the runtime's clock."""
    name = "last_days"


@OPERATORS.register
class NextDaysOp(LastDaysOp):
    """From now to N days ahead."""
    name = "next_days"


@OPERATORS.register
class EmptyOp(Operator):
    name = "empty"
    takes = "none"

    def clause(self, expr, value, dialect, ftype, fid):
        text = sa.literal_column(field_text_expr(dialect, fid))
        return sa.or_(text.is_(None), text == "", text == "[]")


@OPERATORS.register
class NotEmptyOp(EmptyOp):
    name = "not_empty"

    def clause(self, expr, value, dialect, ftype, fid):
        return sa.not_(super().clause(expr, value, dialect, ftype, fid))


@OPERATORS.register
class ContainsOp(Operator):
    """Text contains (case-insensitive); for multi-value fields, the list holds the value."""

    name = "contains"

    def clause(self, expr, value, dialect, ftype, fid):
        if ftype.contains_list:
            if dialect == "postgresql":


                # the operand is already typed (an id for reference/user/team, a text otherwise); a JSON scalar needle
                # matches a list holding it and a single value equal to it (a field without ``multiple``), as SQLite does
                needle = json.dumps(value)
                return sa.literal_column(f"(data -> '{fid}')").op("@>")(sa.cast(sa.bindparam(None, needle, type_=sa.Text), JSONB))
            return sa.exists(sa.select(sa.literal(1)).select_from(sa.func.json_each(records.c.data, f'$."{fid}"').table_valued("value"))
                             .where(sa.literal_column("value") == value))
        return sa.func.lower(sa.literal_column(field_text_expr(dialect, fid))).contains(str(value).lower(), autoescape=True)


def field_text_expr(dialect: str, fid: str) -> str:
    return f"(data ->> '{fid}')" if dialect == "postgresql" else f"json_extract(data, '$.\"{fid}\"')"


def parse_filter_param(text: str) -> Filter:
    """``field:op:value`` as used in query strings (``in``/``between`` take comma-separated values)."""
    parts = text.split(":", 2)
    if len(parts) < 2:
        raise ValidationFailed("filter must look like field:op:value", [ErrorItem.coded("error.query.bad_filter", filter=repr(text), path="/filter")],
                               message_code="error.query.filter_param")
    value: Any = parts[2] if len(parts) == 3 else None
    if parts[1] in ("in", "between") and value is not None:
        value = value.split(",")
    return Filter(parts[0], parts[1], value)


def filters_from_json(items: Any, path: str = "/filters", depth: int = 0) -> list:
    """``[{field, op, value} | {match, filters: [...]}]`` as Filter / FilterGroup objects, or a 422 naming the path."""
    if not isinstance(items, list):
        raise ValidationFailed("filters must be a list", [ErrorItem.coded("error.value.list", path=path)], message_code="error.query.filters_list")
    out: list = []
    for i, item in enumerate(items):
        p = f"{path}/{i}"
        if isinstance(item, dict) and "filters" in item and depth == 0:
            if item.get("match", "all") not in ("all", "any"):
                raise ValidationFailed("match must be all or any", [ErrorItem.coded("error.query.all_or_any", path=p + "/match")],
                                       message_code="error.view.match")
            out.append(FilterGroup(item.get("match", "all"), filters_from_json(item["filters"], p + "/filters", 1)))
        elif isinstance(item, dict) and isinstance(item.get("field"), str) and isinstance(item.get("op"), str):
            out.append(Filter(item["field"], item["op"], item.get("value")))
        else:
            raise ValidationFailed("a filter is {field, op, value} or {match, filters}", [ErrorItem.coded("error.query.expected_filter", path=p)],
                                   message_code="error.query.filter_shape")
    return out


def _flat(filters: list, path: str = "/filters"):
    for i, flt in enumerate(filters):
        if isinstance(flt, FilterGroup):
            yield from _flat(flt.filters, f"{path}/{i}/filters")
        else:
            yield f"{path}/{i}", flt


def _resolved(conn, actor: Actor, form, flt: Filter, now: _dt.datetime) -> Filter:
    """A filter with "$me" / "$my_team" as user ids, a relative period as its two ends, a choice label as its value."""
    value = flt.value
    if value == ME or (isinstance(value, list) and ME in value):
        value = [actor.user_id if v == ME else v for v in value] if isinstance(value, list) else actor.user_id
    if value == MY_TEAM:  # the people the "team" row scope shows the caller (managers see the teams they manage)
        value = my_team_ids(conn, actor.user_id)
    f = _field(form, flt.field) if flt.field not in SYSTEM_COLUMNS else None
    if flt.op in ("last_days", "next_days") and not isinstance(value, bool):
        try:
            days = int(value)
        except (TypeError, ValueError):
            days = 0
        if 1 <= days <= MAX_RELATIVE_DAYS and (f is None or FIELD_TYPES.get(f["type"]).is_temporal):
            ends = sorted([now, now + _dt.timedelta(days=days if flt.op == "next_days" else -days)])
            value = [_sql_type(form, f).period_end(e) if f is not None else e.strftime("%Y-%m-%dT%H:%M:%SZ") for e in ends]
        else:
            value = None  # refused with the path by the operand check below
    elif f is not None and value is not None:
        ftype = FIELD_TYPES.get(f["type"])
        value = [ftype.filter_operand(v, f) for v in value] if isinstance(value, list) else ftype.filter_operand(value, f)
    return Filter(flt.field, flt.op, value)


def _resolved_all(conn, actor: Actor, form, filters: list, now: _dt.datetime) -> list:
    return [FilterGroup(g.match, _resolved_all(conn, actor, form, g.filters, now)) if isinstance(g, FilterGroup)
            else _resolved(conn, actor, form, g, now) for g in filters]


def _clauses(form, filters: list, dialect: str, path: str, errors: list) -> list:
    out = []
    for i, flt in enumerate(filters):
        if isinstance(flt, FilterGroup):
            inner = _clauses(form, flt.filters, dialect, f"{path}/{i}/filters", errors)
            if inner:
                out.append(sa.and_(*inner) if flt.match == "all" else sa.or_(*inner))
            continue
        clause = filter_clause(form, flt, dialect, f"{path}/{i}", errors)
        if clause is not None:
            out.append(clause)
    return out


def list_records(rt: Runtime, actor: Actor, app_key: str, form_key: str, query: Query) -> dict:
    with rt.db.quick_read() as conn:  # READ COMMITTED gives each statement its own snapshot anyway: no BEGIN / ROLLBACK
        served = served_forms.last_served(rt, app_key, form_key)
        if served is not None:  # its first statement says whether the form is still that version (served_forms)
            try:
                page = _page(rt, conn, actor, served, query, checked=True)
            except (FormflowError, sa.exc.DBAPIError):  # refused under a version that may be stale: asked again below
                page = None
            if page is not None:
                return page
        return _page(rt, conn, actor, served_forms.current(rt, conn, app_key, form_key), query, checked=False)


def _page(rt: Runtime, conn, actor: Actor, form, query: Query, *, checked: bool) -> dict | None:
    """One page of ``form``'s records; None when ``checked`` and the form is no longer the published version."""
    dialect = conn.dialect.name
    errors: list[ErrorItem] = []
    view = read_view(rt, conn, actor, form)
    view.check(conn, None)
    hidden = view.hidden  # fields the read gate hides (derived ones too): not filterable, sortable, searched or returned
    named = [(f"/sort/{i}", s[0]) for i, s in enumerate(query.sort)] + [("/fields", n) for n in query.fields or []]
    for path, name in named:
        if (_field(form, name) or {}).get("id") in hidden:
            errors.append(ErrorItem.coded("error.field.unknown", field=repr(name), path=path, field_id=name))
    if not 1 <= query.page_size <= MAX_PAGE_SIZE:
        errors.append(ErrorItem.coded("error.view.page_size", max=MAX_PAGE_SIZE, path="/page_size"))
    if not 1 <= query.page <= MAX_PAGE:
        errors.append(ErrorItem.coded("error.query.page", max=MAX_PAGE, path="/page"))
    limit = MAX_COUNTED_TOTAL if query.exact_total else int(rt.config.get(EXACT_TOTAL_SETTING) or MAX_EXACT_TOTAL)
    # the capped count rides in the page's own statement (one statement to build, send and plan, not two); a form whose
    # lists ask the planner first (LARGE_FORM_MEMO) counts, if at all, after it
    large = dialect == "postgresql" and form.memo.get(LARGE_FORM_MEMO, False)
    # a big form's list without filters or search sums its live count's cells instead (engine.services.list_totals)
    cells = list_totals.cell_scopes(rt, dialect, query, view) if query.count else None
    live = form.memo.get(list_totals.MEMO) if cells is not None else None
    folded = query.count and not large and live is None
    # a statement remembered for this shape was built from the same filters, sort and search, checked then
    key = page_statements.shape(rt, view, query, checked=checked, folded=("live", live) if live is not None else folded, limit=limit)
    made = page_statements.remembered(form, key)
    if made is None:
        where = matching(rt, conn, actor, form, query, view, errors)
        order = []
        for i, (fid, direction) in enumerate(query.sort):
            expr = _sort_expr(form, fid, dialect, f"/sort/{i}", errors)
            if direction not in ("asc", "desc"):
                errors.append(ErrorItem.coded("error.query.sort_direction", path=f"/sort/{i}"))
            elif expr is not None:
                order.append(_ordered(expr, direction, dialect))
        # the tie-break follows the last sort key's direction so one (expression, id) index serves both
        order.append(records.c.id.desc() if not query.sort or query.sort[-1][1] == "desc" else records.c.id.asc())
    if query.fields:
        for fid in query.fields:
            if fid not in form.by_id and fid not in form.by_name:
                errors.append(ErrorItem.coded("error.field.unknown", field=repr(fid), path="/fields", field_id=fid))
    if errors:
        raise ValidationFailed("the query is not valid", errors, message_code="error.query.invalid")
    statement, where = made or page_statements.remember(form, key, (sa.select(
        records, *([served_forms.published_now()] if checked else []),
        *([page_statements.capped_count(where, limit).scalar_subquery().label(page_statements.LIST_TOTAL)] if folded else []),
        *(list_totals.columns(live, cells) if live is not None else []))
        .where(*where).order_by(*order).limit(page_statements.PAGE_LIMIT).offset(page_statements.PAGE_OFFSET), where))
    rows = conn.execute(statement, {**(served_forms.checking(rt, form) if checked else {}), "page_limit": query.page_size + 1,
                                    "page_offset": (query.page - 1) * query.page_size}).mappings().all()
    if checked and not (rows and served_forms.still_published(form, rows[0])):
        return None
    total, exact_live = None, False
    before = (query.page - 1) * query.page_size
    if query.count and len(rows) <= query.page_size and (rows or query.page == 1) and before + len(rows) <= limit:
        total = before + len(rows)  # the last page says the total itself (the matches before it and on it)
    elif query.count and live is not None and (total := list_totals.answer(rt, form, rows[0] if rows else
                                                                        list_totals.read_alone(conn, live, cells))) is not None:
        exact_live = True  # exact at any size
    elif query.count:
        # PostgreSQL: a planner estimate far past the limit answers without counting (at 1M records the capped
        # count read 10,001 index entries: most of the page's time); near or under it, the capped count decides.
        # The planner is asked first only for a form this process saw pass the limit (a small form's list runs no EXPLAIN)
        planned = page_statements.planner_rows(conn, sa.select(records.c.id).where(*where)) if large else 0
        if planned > max(ESTIMATE_ONLY_FACTOR * limit, ESTIMATE_ONLY_ABOVE):
            total = planned
        else:  # the folded count, or (a page past the end, a large form) a statement of its own
            total = rows[0][page_statements.LIST_TOTAL] if folded and rows else conn.execute(page_statements.capped_count(where, limit)).scalar_one()
            if total > limit and dialect == "postgresql":
                form.memo[LARGE_FORM_MEMO] = True
                total = max(total, planned or page_statements.planner_rows(conn, sa.select(records.c.id).where(*where)))
    if cells is not None and live is None and total is not None:
        list_totals.grown(rt, form, total)
    has_more = len(rows) > query.page_size
    rows = rows[:query.page_size]
    items = [record_dict(r, form) for r in rows]
    for item in items if hidden else ():
        item["data"] = {k: v for k, v in item["data"].items() if k not in hidden}
    if query.fields:
        keep = {(form.by_id.get(f) or form.by_name.get(f))["id"] for f in query.fields}
        for item in items:
            item["data"] = {k: v for k, v in item["data"].items() if k in keep}
    estimate = total is not None and total > limit and not exact_live
    # SQLite's estimate is the cap + 1, a lower bound ("more than 10,000"); PostgreSQL's is the planner's figure
    return {"items": items, "total": total, "total_exact": total is not None and not estimate, "total_is_estimate": estimate,
            "total_is_lower_bound": estimate and dialect != "postgresql",
            "has_more": has_more, "page": query.page, "page_size": query.page_size}


def matching(rt: Runtime, conn, actor: Actor, form, query: Query, view, errors: list) -> list:
    """The WHERE clauses of ``query`` on ``form`` as ``view`` (the read gate's) lets ``actor`` read: form, deleted or not,
    row scope, filters, search. Refusals go to ``errors``. Shared by a list page and grouped counts (engine.services.lane_counts)."""
    dialect = conn.dialect.name
    for path, flt in _flat(query.filters):  # a field the gate hides is one the reader has not got
        if (_field(form, flt.field) or {}).get("id") in view.hidden:
            errors.append(ErrorItem.coded("error.field.unknown", field=repr(flt.field), path=f"{path}/field", field_id=flt.field))
    if len(list(_flat(query.filters))) > MAX_FILTERS:
        errors.append(ErrorItem.coded("error.query.too_many_filters", max=MAX_FILTERS, path="/filters"))
    where = [records.c.form_id == sa.bindparam("form_id", form.form_id, literal_execute=True)]
    if not query.include_deleted:
        where.append(records.c.deleted_at.is_(None))
    if query.owner_ids is not None:
        where.append(records.c.owner_id.in_(query.owner_ids))
    where.extend(view.scope)
    clauses = _clauses(form, _resolved_all(conn, actor, form, query.filters, rt.clock.now()), dialect, "/filters", errors)
    if clauses:
        where.append(sa.or_(*clauses) if query.match == "any" else sa.and_(*clauses))
    if query.search:
        if len(query.search) > MAX_SEARCH_LENGTH:
            errors.append(ErrorItem.coded("error.query.search_too_long", max=MAX_SEARCH_LENGTH, path="/search"))
        else:
            where.append(_search_clause(form, query.search, dialect, view.hidden))
    return where


def _ordered(expr, direction: str, dialect: str):
    """Empty values sort as the largest on both databases (PostgreSQL's natural order).

    On PostgreSQL the plain ASC / DESC is used so the B-tree expression index
    serves the ORDER BY ... LIMIT (forwards or backwards); SQLite is told explicitly.
    """
    if dialect == "postgresql":
        return expr.desc() if direction == "desc" else expr.asc()
    return expr.desc().nulls_first() if direction == "desc" else expr.asc().nulls_last()


def _field(form, fid):
    return form.by_id.get(fid) or form.by_name.get(fid)


def filter_clause(form, flt: Filter, dialect: str, path: str, errors: list) -> Any:
    if flt.op not in OPERATORS:
        errors.append(ErrorItem.coded("error.query.unknown_operator", op=repr(flt.op), choices=", ".join(OPERATORS.names()), path=path + "/op"))
        return None
    op = OPERATORS.get(flt.op)
    if isinstance(op, LastDaysOp) and not isinstance(flt.value, list):
        errors.append(ErrorItem.coded("error.query.last_days", op=flt.op, max=MAX_RELATIVE_DAYS, path=path + "/value",
                                      field_id=flt.field))
        return None
    if flt.field in SYSTEM_COLUMNS:
        return _system_filter_clause(op, flt, path, errors)
    f = _field(form, flt.field)
    if f is None:
        errors.append(ErrorItem.coded("error.field.unknown", field=repr(flt.field), path=path + "/field", field_id=flt.field))
        return None
    ftype = _sql_type(form, f)
    allowed = operators_of(form, f)
    if flt.op not in allowed:
        errors.append(ErrorItem.coded("error.query.operator_not_for_field", op=repr(flt.op), field=repr(flt.field), choices=", ".join(allowed),
                                      path=path + "/op", field_id=f["id"], code="bad_operator"))
        return None
    expr = sa.literal_column(ftype.sql_expression(dialect, f["id"]))
    try:
        if op.takes == "none":
            value = None
        elif flt.op == "contains":
            value = _contains_operand(ftype, flt.value)
        else:
            value = _operands(op, flt.value, lambda v: ftype.sql_value(_scalar(v, ftype.sql_kind == "number"), dialect))
    except (TypeError, ValueError) as exc:
        errors.append(ErrorItem.coded("error.query.bad_value", field=repr(flt.field), detail=_detail(exc), path=path + "/value", field_id=f["id"]))
        return None
    if ftype.sql_kind == "number" and value is not None and flt.op != "contains":
        expr = sa.literal_column(ftype.sql_expression(dialect, f["id"]), type_=sa.Numeric() if dialect == "postgresql" else sa.Float())
    return op.clause(expr, value, dialect, ftype, f["id"])


def operators_of(form, f: dict) -> tuple[str, ...]:
    """The filter operators a field takes: its type's (a derived field's also those of its result's type)."""
    own = FIELD_TYPES.get(f["type"]).filter_operators
    result = _sql_type(form, f).filter_operators
    return own + tuple(op for op in result if op not in own)


class BadOperand(ValueError):
    """A filter value refused, in the catalogue's words (``message_code`` and its params)."""

    def __init__(self, message_code: str, **params: Any):
        super().__init__(i18n.render(message_code, "en", params))
        self.message_code, self.params = message_code, params


def _detail(exc: Exception) -> dict[str, str] | str:
    """Why a filter value was refused, in every language where the reason is coded (a field type's own words as they are)."""
    if isinstance(exc, BadOperand):
        return {loc: i18n.render(exc.message_code, loc, exc.params) for loc in i18n.LOCALES}
    return str(exc)


def _operands(op: Operator, raw: Any, convert) -> Any:
    """A filter's value(s) for *op*, each through *convert* (which raises ValueError for a wrongly typed one)."""
    if op.takes == "many":
        values = raw if isinstance(raw, list) else [raw]
        if len(values) > MAX_IN_VALUES:
            raise BadOperand("error.query.operand.at_most", max=MAX_IN_VALUES)
        return [convert(v) for v in values]
    if op.takes == "two":
        if not isinstance(raw, list) or len(raw) != 2:
            raise BadOperand("error.query.operand.two")
        return [convert(v) for v in raw]
    if raw is None:
        raise BadOperand("error.query.operand.needs_value")
    return convert(raw)


def _scalar(value: Any, number: bool) -> Any:
    """One operand as the client sent it: a text, a finite number or true/false; never an object or a list."""
    if isinstance(value, (dict, list)):
        raise BadOperand("error.query.operand.scalar")
    if isinstance(value, str) and len(value) > MAX_FILTER_VALUE_LENGTH:
        raise BadOperand("error.web_form.too_long", max=MAX_FILTER_VALUE_LENGTH)
    if number:
        if isinstance(value, bool):
            raise BadOperand("error.query.operand.not_boolean")
        try:
            finite = math.isfinite(float(value))
        except (TypeError, ValueError):
            raise BadOperand("error.query.operand.not_number", value=repr(value)) from None
        if not finite:
            raise BadOperand("error.query.operand.finite")
    return value


def _contains_operand(ftype, raw: Any) -> Any:
    """`contains` takes one text (a multi-value field: one of its values; a reference or user field: an id)."""
    value = _scalar(raw, False)
    if value is None:
        raise BadOperand("error.query.operand.needs_value")
    if ftype.contains_by_id:
        return _whole_number(value)
    return value if isinstance(value, str) else str(value)


def _whole_number(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise BadOperand("error.query.operand.whole")
    if isinstance(value, float):
        if not value.is_integer():
            raise BadOperand("error.query.operand.whole")
        value = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if not (text.lstrip("+-").isdigit() and text.lstrip("+-").isascii() and len(text) <= 12):
            raise BadOperand("error.query.operand.not_whole", value=repr(value))
        value = int(text)
    if not -MAX_ID <= value <= MAX_ID:
        raise BadOperand("error.query.operand.between", low=-MAX_ID, high=MAX_ID)
    return value


def _timestamp(value: Any) -> _dt.datetime:
    """An ISO 8601 date or date-time; a date is midnight UTC, a time without an offset is UTC."""
    if not isinstance(value, str) or len(value) > 40:
        raise BadOperand("error.query.operand.date_text")
    try:
        moment = _dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadOperand("error.query.operand.not_date", value=repr(value)) from None
    return moment.replace(tzinfo=_dt.timezone.utc) if moment.tzinfo is None else moment


#: converts a filter value for each system-column kind
_SYSTEM_OPERAND = {"integer": _whole_number, "datetime": _timestamp}


def _system_filter_clause(op: Operator, flt: Filter, path: str, errors: list) -> Any:
    """A filter on id, owner_id, created_by, created_at or updated_at: typed operands, the same on both databases."""
    column = SYSTEM_COLUMNS[flt.field]
    if op.takes == "none":
        return column.is_(None) if flt.op == "empty" else column.isnot(None)
    if flt.op == "contains":
        errors.append(ErrorItem.coded("error.query.contains_not_for_column", field=repr(flt.field), path=path + "/op", field_id=flt.field))
        return None
    convert = _SYSTEM_OPERAND[SYSTEM_COLUMN_KINDS[flt.field]]
    try:
        value = _operands(op, flt.value, convert)
    except (TypeError, ValueError) as exc:
        errors.append(ErrorItem.coded("error.query.bad_value", field=repr(flt.field), detail=_detail(exc), path=path + "/value", field_id=flt.field))
        return None
    return op.clause(column, value, None, None, flt.field)


def _sort_expr(form, fid: str, dialect: str, path: str, errors: list):
    if fid in SYSTEM_COLUMNS:
        return SYSTEM_COLUMNS[fid]
    f = _field(form, fid)
    if f is None:
        errors.append(ErrorItem.coded("error.field.unknown", field=repr(fid), path=path, field_id=fid))
        return None
    return sa.literal_column(_sql_type(form, f).sql_expression(dialect, f["id"]))


def _sql_type(form, f: dict):
    """The field type whose SQL applies to *f* (a computed or roll-up field's follows its result, as its index does)."""
    autofill = form.autofill
    source = next((r.of_type for r in autofill.rollups if r.field == f["id"]), None) if autofill else None
    return FIELD_TYPES.get(f["type"]).sql_type(f, source)


def _search_clause(form, text: str, dialect: str, hidden: set[str] = frozenset()):
    needle = text.lower()
    searchable = [f for f in form.live_fields if FIELD_TYPES.get(f["type"]).searchable
                  and f.get("searchable", True) and f["id"] not in hidden]
    if not searchable:
        return sa.false()
    return sa.or_(*[sa.func.lower(sa.literal_column(field_text_expr(dialect, f["id"]))).contains(needle, autoescape=True) for f in searchable])
