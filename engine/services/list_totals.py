"""A big form's list total from a live count the records triggers keep (PostgreSQL), not from counting its records.

A list page says how many records match. Counting them reads every matching index entry (and, on pages autovacuum
has not marked all-visible yet, every heap row): at a few thousand records that is most of the page's database
time, and past ``queries.MAX_EXACT_TOTAL`` the total becomes an estimate. Once a list of a form without filters or
search counts ``LIVE_COUNT_SETTING`` records or more, the form gets the chart rollup ``rollups.live_count``: the
statement-level triggers on ``records`` append to it, in the writing transaction, the change every insert, delete or
restore makes to the number of live records per owner. The list's statement then sums a handful of cells instead of
counting (same statement, same snapshot as its rows), and the total is exact at any size.

It answers a list whose rows are the form's live records in a row scope on the owner (every record, the reader's
own): with filters, search, deleted records, an owner filter off the cells or a row-scope hook, the capped count runs as
before. A read that meets many more cells than owners merges them (``rollups.compact``). SQLite keeps counting.
"""
from __future__ import annotations

import sqlalchemy as sa

from engine.runtime import Runtime
from engine.storage.dashboard_tables import chart_cells, chart_rollups

#: a list without filters or search that counts at least this many of a form's records gives the form its live count
#: (configuration; 0 or less: never)
LIVE_COUNT_SETTING = "LIST_LIVE_COUNT_FROM"
LIVE_COUNT_FROM = 2_000
#: ``CompiledForm.memo`` key: the id of the form's live-count rollup, once this process made or found it
MEMO = "list_live_count"
#: the labels a page statement reading the cells carries: the total, the rollup's id (None: it is gone), cells, owners
TOTAL, ROLLUP, CELLS, OWNERS = "live_total", "live_rollup", "live_cells", "live_owners"
#: a read merges the cells when it meets more than this many and more than COMPACT_FACTOR x the owners among them
COMPACT_MIN_CELLS = 200
COMPACT_FACTOR = 4


def cell_scopes(rt: Runtime, dialect: str, query, view) -> list | None:
    """The clauses on ``chart_cells`` that select what ``query`` counts under ``view``, or None when the cells can't
    say it (SQLite, filters, search, deleted records, a row scope on anything but the owner, a row-scope hook)."""
    if dialect != "postgresql" or query.filters or query.search or query.include_deleted or rt.pipeline.row_scopes:
        return None
    scopes = _rollups().owner_scopes(list(view.scope))
    if scopes is None:
        return None
    if query.owner_ids is not None:
        scopes.append(chart_cells.c.owner_id.in_(query.owner_ids))
    return scopes


def columns(rollup_id: int, scopes: list) -> list:
    """The page statement's columns that read the live count instead of counting (``TOTAL``, ``ROLLUP``, ``CELLS``,
    ``OWNERS``)."""
    cells = sa.select(sa.func.coalesce(sa.func.sum(chart_cells.c.n), 0).label("n"), sa.func.count().label("cells"),
                      sa.func.count(sa.distinct(chart_cells.c.owner_id)).label("owners")
                      ).where(chart_cells.c.rollup_id == rollup_id, *scopes).subquery()
    return [sa.select(cells.c.n).scalar_subquery().label(TOTAL),
            sa.select(chart_rollups.c.id).where(chart_rollups.c.id == rollup_id).scalar_subquery().label(ROLLUP),
            sa.select(cells.c.cells).scalar_subquery().label(CELLS), sa.select(cells.c.owners).scalar_subquery().label(OWNERS)]


def read_alone(conn, rollup_id: int, scopes: list) -> dict:
    """``columns`` in a statement of their own (a page past the end has no row to carry them)."""
    return dict(conn.execute(sa.select(*columns(rollup_id, scopes))).mappings().one())


def answer(rt: Runtime, form, found: dict) -> int | None:
    """The total ``found`` (the ``columns``' values) says, merging the cells when they have piled up; None when the
    rollup is gone (the capped count answers, and the next list of the form asks again)."""
    if found[ROLLUP] is None:
        form.memo.pop(MEMO, None)
        return None
    if found[CELLS] > max(COMPACT_MIN_CELLS, COMPACT_FACTOR * found[OWNERS]):
        _rollups().compact(rt.db.engine, found[ROLLUP], rt.clock.now())
    return int(found[TOTAL])


def grown(rt: Runtime, form, counted: int) -> None:
    """A list without filters or search counted ``counted`` of ``form``'s records: from ``LIVE_COUNT_SETTING`` on, the
    form gets its live count (made here, in a transaction of its own, or found when another process made it)."""
    setting = rt.config.get(LIVE_COUNT_SETTING)
    threshold = LIVE_COUNT_FROM if setting is None else int(setting)
    if threshold <= 0 or counted < threshold or MEMO in form.memo:
        return
    with rt.db.transaction() as conn:
        rollups = _rollups()
        spec = rollups.live_count(form.form_id)  # built, or found, with every other rollup kept
        form.memo[MEMO] = rollups.sync(conn, {spec.sig: spec}, rt.clock.now(), keep=True)[spec.sig]


def _rollups():
    from engine.dashboards import rollups  # cycle: rollups -> dashboards.sql / definition -> services.queries -> here

    return rollups
