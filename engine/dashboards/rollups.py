"""Pre-aggregated chart cells on PostgreSQL: a dashboard reads thousands of cells, not millions of records.

A chart whose value is a count, sum or average (the ones that can be taken
apart again when a record changes) has a *rollup*: the records of its form
that pass its filters, counted and summed per (owner, group key, local day of
the period field). The cells live in ``chart_cells``; three statement-level
triggers on ``records`` (insert / update / delete, with transition tables)
append the difference every write makes, whatever code path made it (a save,
an import batch, a workflow step, a bulk update), in the writing transaction.
The SQL of a rollup is the live chart's own SQL (``engine.dashboards.sql``):
the same filter clauses, group key and numeric reading, so both give the same
figures; ``tests/dashboards/test_rollups.py`` checks that after random edits.

Reading a chart is then ``SUM`` over its cells inside the period, for the
owners the actor may read (the row scope is on ``owner_id``, which every cell
carries). Cells are appended, never updated, so writers never wait on each
other; a read that meets many more cell rows than groups merges them
(``compact``).

``sync`` makes the rollups fit the dashboards: it is run when a dashboard is
saved or deleted, and by a read that meets a chart without its rollup (a form
published since changed a field's SQL, or the workspace's time zone changed).
It takes a SHARE lock on ``records`` while it builds new rollups, so no write
is missed between the backfill and the trigger. SQLite has no rollups: its
dashboards run the live GROUP BY (the embedded database is for small data).
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import visitors

from engine.dashboards.definition import CompiledChart
from engine.dashboards.periods import Period, bucket_sql
from engine.dashboards.sql import chart_where, group_sql, numeric_expr, text_expr
from engine.definitions import CompiledForm
from engine.storage.dashboard_tables import chart_cells, chart_rollups
from engine.storage.tables import records

log = logging.getLogger(__name__)

#: aggregates a rollup can keep (a min or max can't be taken back when a record leaves the group)
OPS = frozenset({"count", "sum", "avg"})
#: a read merges a rollup's cells when it meets more rows than this and more than COMPACT_FACTOR x its groups
COMPACT_MIN_ROWS = 2_000
COMPACT_FACTOR = 4
#: serializes sync() between processes (pg_advisory_xact_lock key)
SYNC_LOCK = 0x466F726D  # "Form"
EVENTS = ("insert", "update", "delete")


@dataclass(frozen=True)
class Spec:
    """What a rollup computes: rows (form, filters), group key, period day and value, as SQL over ``records``."""

    form_id: int
    where: str
    k: str
    d: str
    v: str

    @functools.cached_property  # a frozen dataclass still has its __dict__: hashed once, looked at several times per read
    def sig(self) -> str:
        return hashlib.sha256(json.dumps([self.form_id, self.where, self.k, self.d, self.v]).encode()).hexdigest()

    def to_dict(self) -> dict:
        return {"form_id": self.form_id, "where": self.where, "k": self.k, "d": self.d, "v": self.v}

    def rows(self, rollup_id: int, source: str, sign: str) -> str:
        """SELECT rollup, sign, owner, key, day, value FROM ``source`` (``records`` or a transition table) for this
        rollup; typed alike for every rollup, so one form's rollups go in one UNION ALL (``_delta``)."""
        return (f"SELECT {rollup_id} AS rid, {sign} AS sg, owner_id, CAST({self.k} AS text) AS k, CAST({self.d} AS text) AS d, "
                f"CAST({self.v} AS numeric) AS v FROM {source} AS records WHERE {self.where}")


def _sql(clause) -> str:
    return str(clause.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def chart_spec(chart: CompiledChart, form: CompiledForm, tz: str) -> Spec | None:
    """The chart's rollup, or None when it has none (a min or max)."""
    if chart.op not in OPS:
        return None
    try:
        where = _sql(sa.and_(*chart_where(chart, form, "postgresql", tz, None, [])))
    except (sa.exc.CompileError, NotImplementedError):  # a filter value SQL can't spell as a literal: the live query
        return None
    k = f"CAST({group_sql(chart, 'postgresql', tz)} AS text)" if chart.group is not None else "NULL::text"
    d = "NULL::text"
    if chart.period:
        p = chart.period
        if p["kind"] == "date":
            d = text_expr("postgresql", p["field"])  # compared as text, as the live period clause does
        elif p["kind"] == "datetime":
            text = text_expr("postgresql", p["field"])
            day = bucket_sql("postgresql", "datetime", text, "day", tz)
            d = f"(CASE WHEN {text} ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}T' THEN {day} END)"
        else:
            d = bucket_sql("postgresql", "timestamp", p["field"], "day", tz)
    v = numeric_expr("postgresql", chart.value_field, guarded=True) if chart.op != "count" else "NULL::numeric"
    return Spec(form.form_id, where, k, d, v)


# -- reading ---------------------------------------------------------------------------------

def live_count(form_id: int) -> Spec:
    """The rollup counting a form's live records per owner: a big form's list total (``engine.services.list_totals``).
    It is the rollup of a count chart with no filter, group or period on that form, so such a chart shares it."""
    where = _sql(sa.and_(records.c.form_id == sa.bindparam("form_id", form_id, literal_execute=True), records.c.deleted_at.is_(None)))
    return Spec(form_id, where, "NULL::text", "NULL::text", "NULL::numeric")


def _is_live_count(spec: dict) -> bool:
    return spec == live_count(spec["form_id"]).to_dict()


def owner_scopes(scopes: list) -> list | None:
    """The row scope clauses moved from ``records.owner_id`` to ``chart_cells.owner_id``, or None if one reads another column."""
    out = []
    for clause in scopes:
        other = [e for e in visitors.iterate(clause) if isinstance(e, sa.Column) and e.table is records and e.name != "owner_id"]
        if other:
            return None
        out.append(visitors.replacement_traverse(clause, {}, lambda e: chart_cells.c.owner_id if e is records.c.owner_id else None))
    return out


def known(conn, sigs: set[str]) -> dict[str, int]:
    """Rollup id per signature, of those that exist."""
    if not sigs:
        return {}
    return dict(conn.execute(sa.select(chart_rollups.c.sig, chart_rollups.c.id).where(chart_rollups.c.sig.in_(sorted(sigs)))).all())


def read(conn, rollup_id: int, chart: CompiledChart, period: Period | None, scopes: list) -> tuple[list[tuple], int]:
    """The chart's rows as the live statement gives them ((k, v, n) or (v, n)) and the cell rows read."""
    n = sa.func.sum(chart_cells.c.n)
    if chart.op == "count":
        v = n
    elif chart.op == "sum":
        v = sa.func.sum(chart_cells.c.s)
    else:
        v = sa.func.sum(chart_cells.c.s) / sa.func.nullif(sa.func.sum(chart_cells.c.c), 0)
    where = [chart_cells.c.rollup_id == rollup_id, *scopes]
    if period is not None:
        where += [chart_cells.c.d >= period.start.isoformat(), chart_cells.c.d < period.end.isoformat()]
    cells = sa.func.count().label("cells")
    if chart.group is None:
        row = conn.execute(sa.select(v, n, cells).where(*where)).one()
        return [(row[0], row[1] or 0)], row[2]
    rows = conn.execute(sa.select(chart_cells.c.k, v, n, cells).where(*where).group_by(chart_cells.c.k).having(n != 0)).all()
    return [(k, value, count) for k, value, count, _ in rows], sum(r[3] for r in rows)


def worth_compacting(cells_read: int, groups: int) -> bool:
    return cells_read > COMPACT_MIN_ROWS and cells_read > COMPACT_FACTOR * max(groups, 1)


def compact(engine: sa.Engine, rollup_id: int, now) -> None:
    """Merge a rollup's appended cells into one row per (owner, key, day); concurrent writers keep appending."""
    with engine.begin() as conn:
        if not conn.execute(sa.text("SELECT pg_try_advisory_xact_lock(:a, :b)"), {"a": SYNC_LOCK, "b": rollup_id}).scalar():
            return
        conn.execute(sa.text(
            "WITH gone AS (DELETE FROM chart_cells WHERE rollup_id = :r RETURNING owner_id, k, d, n, s, c) "
            "INSERT INTO chart_cells (rollup_id, owner_id, k, d, n, s, c) "
            "SELECT :r, owner_id, k, d, sum(n), sum(s), sum(c) FROM gone GROUP BY owner_id, k, d "
            "HAVING sum(n) <> 0 OR coalesce(sum(s), 0) <> 0 OR sum(c) <> 0"), {"r": rollup_id})
        conn.execute(sa.update(chart_rollups).where(chart_rollups.c.id == rollup_id).values(compacted_at=now))


# -- keeping them -------------------------------------------------------------------------------

def _delta(items: list[tuple[int, Spec]], parts: list[tuple[str, str]]) -> str:
    """One INSERT of the cells' difference made by the rows of ``parts`` [(source, sign)] to each rollup of ``items``
    [(rollup id, spec)], unchanged contributions cancelled; a rollup gone in this transaction gets nothing (a form
    deleted with its records drops its rollups too). One statement for all of a form's rollups: a save of a form with
    several charts pays one INSERT (one scan of the transition table per rollup, one GROUP BY), not one per chart."""
    union = " UNION ALL ".join(spec.rows(rid, source, sign) for rid, spec in items for source, sign in parts)
    ids = ", ".join(str(rid) for rid, _ in items)
    return ("INSERT INTO chart_cells (rollup_id, owner_id, k, d, n, s, c) "
            "SELECT rid, owner_id, k, d, sum(sg), sum(sg * v), sum(CASE WHEN v IS NULL THEN 0 ELSE sg END) "
            f"FROM ({union}) x WHERE rid IN (SELECT id FROM chart_rollups WHERE id IN ({ids})) GROUP BY rid, owner_id, k, d "
            "HAVING sum(sg) <> 0 OR coalesce(sum(sg * v), 0) <> 0 OR sum(CASE WHEN v IS NULL THEN 0 ELSE sg END) <> 0;")


#: transaction-local setting naming "<form id>:<field id>" while a create's serial number is written into its record
#: (``record_serials``): the update trigger clears it and, when no rollup of that form can read that field, skips the
#: statement (the number changes nothing a cell counts)
NUMBERING_SETTING = "formflow.numbering"


def trigger_function(event: str, rollups: list[tuple[int, Spec]]) -> str:
    """The plpgsql body of one trigger: per form touched by the statement, the delta of each of its rollups."""
    parts = {"insert": [("new_rows", "1")], "update": [("old_rows", "-1"), ("new_rows", "1")], "delete": [("old_rows", "-1")]}[event]
    probe = " UNION ".join(f"SELECT DISTINCT form_id FROM {source}" for source, _ in parts)
    by_form: dict[int, list[tuple[int, Spec]]] = {}
    for rid, spec in rollups:
        by_form.setdefault(spec.form_id, []).append((rid, spec))
    lines = [f"CREATE OR REPLACE FUNCTION formflow_cells_{event}() RETURNS trigger LANGUAGE plpgsql AS $fn$",
             "DECLARE touched int[]; numbering text;", "BEGIN"]
    if event == "update":
        lines += _numbering_skip(by_form)
    lines.append(f"  SELECT array_agg(form_id) INTO touched FROM ({probe}) f;")
    for form_id, items in sorted(by_form.items()):
        lines += [f"  IF {form_id} = ANY(touched) THEN", f"    {_delta(items, parts)}", "  END IF;"]
    lines += ["  RETURN NULL;", "END $fn$;"]
    return "\n".join(lines)


def _numbering_skip(by_form: dict[int, list[tuple[int, Spec]]]) -> list[str]:
    """The update trigger's first lines: a statement that only writes a serial number (``NUMBERING_SETTING``) is
    skipped unless a rollup of its form may read that field. "May read": the field id is part of one of the quoted
    texts of the rollup's SQL (a field is read as ``data ->> 'id'``; any other text holding the id only makes it skip less)."""
    unread = " OR ".join(
        f"(split_part(numbering, ':', 1) = '{form_id}' AND strpos({_literal(' '.join(sorted(_quoted(items))))}, "
        "substr(numbering, strpos(numbering, ':') + 1)) = 0)" for form_id, items in sorted(by_form.items()))
    forms_list = ", ".join(f"'{form_id}'" for form_id in sorted(by_form))
    return [f"  numbering := current_setting('{NUMBERING_SETTING}', true);",
            "  IF numbering IS NOT NULL AND numbering <> '' THEN",
            f"    PERFORM set_config('{NUMBERING_SETTING}', '', true);",
            f"    IF split_part(numbering, ':', 1) NOT IN ({forms_list}) OR {unread} THEN RETURN NULL; END IF;",
            "  END IF;"]


#: a quoted text of a rollup's SQL (a field id among them)
_QUOTED = re.compile(r"'((?:[^']|'')*)'")


def _quoted(items: list[tuple[int, Spec]]) -> set[str]:
    return {w.replace("''", "'") for _, spec in items for part in (spec.where, spec.k, spec.d, spec.v) for w in _QUOTED.findall(part)}


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _install_triggers(conn, rollups: list[tuple[int, Spec]]) -> None:
    for event in EVENTS:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS formflow_cells_{event} ON records")
        if not rollups:
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS formflow_cells_{event}()")
            continue
        conn.exec_driver_sql(trigger_function(event, rollups))
        tables = {"insert": "NEW TABLE AS new_rows", "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                  "delete": "OLD TABLE AS old_rows"}[event]
        conn.exec_driver_sql(f"CREATE TRIGGER formflow_cells_{event} AFTER {event.upper()} ON records "
                             f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION formflow_cells_{event}()")


def backfill(conn, rollup_id: int, spec: Spec) -> None:
    conn.exec_driver_sql(_delta([(rollup_id, spec)], [("records", "1")]))


def sync(conn, wanted: dict[str, Spec], now, *, keep: bool = False) -> dict[str, int]:
    """Make the rollups exactly ``wanted`` (by signature) and the forms' live counts (``live_count``: kept once made,
    gone with their form), or with ``keep`` every rollup there is as well: drop the others, build and backfill the new
    ones, rewrite the triggers. Returns the rollup id per signature. Runs in the caller's transaction; no-op when
    nothing changed."""
    if conn.dialect.name != "postgresql":
        return {}
    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:a, 0)"), {"a": SYNC_LOCK})
    rows = conn.execute(sa.select(chart_rollups.c.sig, chart_rollups.c.id, chart_rollups.c.spec)).all()
    have = {sig: rid for sig, rid, _ in rows}
    wanted = {**{sig: Spec(**spec) for sig, _, spec in rows if keep or _is_live_count(spec)}, **wanted}
    if set(have) == set(wanted) and _triggers_installed(conn, bool(wanted)):
        return have
    conn.exec_driver_sql("LOCK TABLE records IN SHARE MODE")  # writers in flight finish; new ones wait for the new triggers
    gone = [rid for sig, rid in have.items() if sig not in wanted]
    if gone:
        conn.execute(sa.delete(chart_rollups).where(chart_rollups.c.id.in_(gone)))
    for sig, spec in wanted.items():
        if sig in have:
            continue
        rid = conn.execute(sa.insert(chart_rollups).values(sig=sig, form_id=spec.form_id, spec=spec.to_dict(), created_at=now)
                           .returning(chart_rollups.c.id)).scalar_one()
        backfill(conn, rid, spec)
        have[sig] = rid
    ids = {sig: have[sig] for sig in wanted}
    _install_triggers(conn, sorted(((rid, wanted[sig]) for sig, rid in ids.items()), key=lambda x: x[0]))
    log.info("chart rollups: %d kept, %d dropped", len(ids), len(gone))
    return ids


def _triggers_installed(conn, wanted: bool) -> bool:
    found = conn.execute(sa.text("SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                                 "WHERE c.relname = 'records' AND c.relnamespace = to_regnamespace(current_schema()) "
                                 "AND t.tgname LIKE 'formflow_cells_%'")).scalar_one()
    return found == (len(EVENTS) if wanted else 0)

