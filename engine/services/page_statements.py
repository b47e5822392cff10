"""A list page's statement, built once per form version and query shape and run again with the next page's numbers.

Building a page's SELECT (its columns, the read gate's WHERE clauses, the sort, the folded capped count) and
SQLAlchemy's cache key of it cost about as much Python as running it; a statement object keeps its cache key once
made, so a grid paging or refreshing the same view builds nothing. The statement is remembered on the compiled form
(``CompiledForm.memo``: a new version starts empty) under everything it was built from: the reader's row scope, the
hidden fields, the filters with their values, sort, search, deleted or not, owner scope, the count's cap. A query
whose values are resolved per request (``$me``, ``$my_team``, a period relative to now) or a runtime with row-scope
hooks is built every time. The page's size and offset are parameters (``PAGE_LIMIT``, ``PAGE_OFFSET``). The WHERE
clauses are remembered with it (a count of their own, the planner's estimate): a remembered shape neither builds nor
checks its filters, sort and search again, as they were checked when it was built (a refused query builds nothing).
"""
from __future__ import annotations

import json
from typing import Any, Hashable

import sqlalchemy as sa

from engine.storage.tables import records

#: the parameters a remembered statement takes for its page: rows to read (the page size + 1) and rows to skip (MAX_PAGE x
#: the largest page passes 2^31)
PAGE_LIMIT = sa.bindparam("page_limit", type_=sa.BigInteger)
PAGE_OFFSET = sa.bindparam("page_offset", type_=sa.BigInteger)
#: most query shapes remembered per form version (past it the memo starts again: a bound, not an eviction policy)
MAX_SHAPES = 64
#: filter operators whose operands are resolved against the clock per request
RELATIVE_OPERATORS = frozenset({"last_days", "next_days"})
#: the label of the capped count a page's statement carries (``capped_count``)
LIST_TOTAL = "list_total"
#: ``CompiledForm.memo`` key of the statements
STATEMENTS_MEMO = "list_page_statements"


def shape(rt, view, query, *, checked: bool, folded: Hashable, limit: int) -> Hashable | None:
    """The key a page statement of ``query`` under ``view`` is remembered by, or None when it must be built each time."""
    if rt.pipeline.row_scopes:  # a hook's clauses may depend on anything
        return None
    filters = _filters_key(query.filters)
    if filters is None:
        return None
    access = view.access  # the row scope is permissions.scope_clause's: none for every row, else by the reader's id
    scope = None if access.unrestricted or access.read == "all" else (access.read, view.actor.user_id)
    return (rt.db.dialect, checked, folded, limit, scope, view.hidden, filters, query.match, tuple(query.sort), query.search,
            query.include_deleted, None if query.owner_ids is None else tuple(query.owner_ids))


def remembered(form, key: Hashable | None) -> Any:
    """What ``remember`` kept on ``form`` under ``key`` (a statement and its WHERE clauses), or None."""
    return None if key is None else form.memo.get(STATEMENTS_MEMO, {}).get(key)


def remember(form, key: Hashable | None, made: Any) -> Any:
    """``made``, kept on ``form`` under ``key`` (not when ``key`` is None)."""
    if key is not None:
        kept = form.memo.get(STATEMENTS_MEMO)
        if kept is None or len(kept) >= MAX_SHAPES:
            kept = form.memo[STATEMENTS_MEMO] = {}
        kept[key] = made
    return made


def _filters_key(filters: list) -> tuple | None:
    out: list[Any] = []
    for flt in filters:
        if hasattr(flt, "filters"):  # a group
            inner = _filters_key(flt.filters)
            if inner is None:
                return None
            out.append((flt.match, inner))
        elif flt.op in RELATIVE_OPERATORS or _names_someone(flt.value):
            return None
        else:
            out.append((flt.field, flt.op, repr(flt.value)))
    return tuple(out)


def _names_someone(value: Any) -> bool:
    """A value the query resolves per caller ("$me", "$my_team", any "$" marker), alone or in a list."""
    return any(isinstance(v, str) and v.startswith("$") for v in (value if isinstance(value, list) else [value]))


def capped_count(where: list, limit: int) -> sa.Select:
    """How many records match ``where``, counted up to ``limit`` + 1 (one more says "more than the limit")."""
    capped = sa.select(sa.literal(1)).select_from(records).where(*where).limit(limit + 1).subquery()
    return sa.select(sa.func.count()).select_from(capped)


def planner_rows(conn, select) -> int:
    """PostgreSQL's row estimate for ``select`` (EXPLAIN, not run): what a large list's total says instead of a count."""
    try:
        sql = select.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
    except (sa.exc.CompileError, NotImplementedError):  # a value with no literal form: the capped count stands
        return 0
    plan = conn.execute(sa.text(f"EXPLAIN (FORMAT JSON) {sql}")).scalar_one()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])
