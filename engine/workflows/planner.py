"""Planning due events: the rows of ``due_events`` follow every record save and every publish.

``plan_after_save`` is an after-save stage of every record write: in the save's
own transaction it asks each live workflow of the form what rows the record
should have and reconciles: new occurrences are inserted, a pending row whose
anchor moved is moved (same row, new occurrence and time), pending rows no
longer wanted are cancelled with the reason, and rows already run stay as
they are. ``replan_workflow`` does the same for every live record when a
workflow is published or enabled (backfill), and keeps one pending sweep row
for schedule triggers. ``FEATURE`` (listed in ``engine.features``) names the stage.
"""
from __future__ import annotations

from datetime import datetime, timezone
from math import floor

import sqlalchemy as sa

from engine.gcpause import cycle_collection_paused
from engine.pipeline import Feature
from engine.storage.db import copy_rows
from engine.storage.tables import records, users
from engine.workflows.compiled import CompiledWorkflow, live_workflows
from engine.workflows.tables import due_events
from engine.workflows.triggers import Plan, SaveEvent

#: Records re-planned per query when a workflow is published (backfill).
BACKFILL_BATCH = 2000
#: Occurrence prefix of a schedule's workflow-level sweep rows.
SWEEP_PREFIX = "sweep@"


def _slot(occurrence: str) -> str:
    return occurrence.split("@", 1)[0]


class Changes:
    """Due-row changes collected in memory, then written with one statement per kind."""

    def __init__(self, wf: CompiledWorkflow, now: datetime):
        self.wf, self.now = wf, now
        self.inserts: list[dict] = []
        self.updates: list[dict] = []  # b_id, b_occ, b_fire, b_status, b_reason
        self.counts = {"inserted": 0, "moved": 0, "cancelled": 0, "kept": 0}

    def diff(self, record_id: int, existing: list, plan: Plan) -> None:
        """Compare a record's rows with ``plan``: insert new occurrences, move pending ones, cancel the unwanted."""
        wanted = plan.desired
        if not existing:  # nothing planned yet (a new record, a first publish): every wanted occurrence is new
            self.inserts += [(record_id, occ, fire_at) for occ, fire_at in wanted.items()]
            self.counts["inserted"] += len(wanted)
            return
        by_occ = {r["occurrence"]: r for r in existing}
        movable = [r for r in existing if r["status"] == "pending" and plan.governs(r["occurrence"]) and r["occurrence"] not in wanted]
        for occ, fire_at in wanted.items():
            row = by_occ.get(occ)
            if row is not None:
                if row["status"] == "pending" and (row["fire_at"] != fire_at or row["workflow_version"] != self.wf.version):
                    self._update(row, occ, fire_at, "pending", row["reason"])
                    self.counts["moved"] += 1
                elif row["status"] == "cancelled":  # wanted again (condition true again, record restored)
                    self._update(row, occ, fire_at, "pending", None)
                    self.counts["inserted"] += 1
                else:
                    self.counts["kept"] += 1
                continue
            mover = next((r for r in movable if _slot(r["occurrence"]) == _slot(occ)), None)
            if mover is not None:
                movable.remove(mover)
                self._update(mover, occ, fire_at, "pending", f"moved from {mover['fire_at'].strftime('%Y-%m-%dT%H:%M:%SZ')}")
                self.counts["moved"] += 1
            else:
                self.inserts.append((record_id, occ, fire_at))
                self.counts["inserted"] += 1
        for row in movable:
            self._update(row, row["occurrence"], row["fire_at"], "cancelled", plan.reason)
            self.counts["cancelled"] += 1

    def _update(self, row, occ, fire_at, status, reason) -> None:
        self.updates.append({"b_id": row["id"], "b_occ": occ, "b_fire": fire_at, "b_status": status, "b_reason": reason,
                             "b_version": self.wf.version, "b_now": self.now})

    def apply(self, conn) -> dict:
        if self.updates:
            conn.execute(_UPDATE, self.updates)
        if self.inserts:
            insert_due_rows(conn, self.wf.id, self.wf.version, self.inserts, self.now)
        return self.counts


#: Columns ``insert_due_rows`` fills, in order; the rest take their defaults (NULL).
_INSERTED = ("workflow_id", "workflow_version", "record_id", "occurrence", "fire_at", "status", "attempts", "created_at", "updated_at")


def _aware(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return dt


def _sqlite_utc(dt: datetime) -> str:
    """What ``UTCDateTime`` stores on SQLite: naive UTC text as SQLAlchemy's DATETIME writes it (2026-03-10 07:00:00.000000)."""
    if _aware(dt).tzinfo is not timezone.utc:
        dt = dt.astimezone(timezone.utc)
    return dt.replace(tzinfo=None).isoformat(" ", "microseconds")


def insert_due_rows(conn, workflow_id: int, version: int, rows: list[tuple[int, str, datetime]], now: datetime) -> None:
    """Insert new pending due rows ``(record_id, occurrence, fire_at)`` straight through the driver.

    A publish plans thousands of rows at once, and SQLAlchemy's per-value type processing cost
    more than the insert itself: SQLite gets one ``executemany`` (it formats the UTC text from each
    epoch second itself), PostgreSQL one binary ``COPY`` of aware datetimes; both store exactly what
    ``sa.insert(due_events)`` would.
    """
    if conn.dialect.name == "postgresql":
        copy_rows(conn, due_events, _INSERTED, ((workflow_id, version, record_id, occurrence, _aware(fire_at), "pending", 0, now, now)
                                                for record_id, occurrence, fire_at in rows))
        return
    stamp, params = _sqlite_utc(now), []
    for record_id, occurrence, fire_at in rows:  # fire_at goes as epoch second + microsecond: SQLite formats the text
        params.append((workflow_id, version, record_id, occurrence, floor(_aware(fire_at).timestamp()), fire_at.microsecond, stamp, stamp))
    conn.exec_driver_sql(_SQLITE_INSERT, params)


#: ``insert_due_rows`` on SQLite: the UTC text is made by SQLite's own strftime (~1.5 µs less per row than isoformat in Python).
_SQLITE_INSERT = (f"INSERT INTO {due_events.name} ({', '.join(_INSERTED)}) VALUES "
                  "(?, ?, ?, ?, strftime('%Y-%m-%d %H:%M:%S', ?, 'unixepoch') || printf('.%06d', ?), 'pending', 0, ?, ?)")


_UPDATE = (sa.update(due_events).where(due_events.c.id == sa.bindparam("b_id"))
           .values(occurrence=sa.bindparam("b_occ"), fire_at=sa.bindparam("b_fire"), status=sa.bindparam("b_status"),
                   reason=sa.bindparam("b_reason"), workflow_version=sa.bindparam("b_version"), attempts=0, locked_until=None,
                   updated_at=sa.bindparam("b_now")))
_COLUMNS = (due_events.c.id, due_events.c.record_id, due_events.c.occurrence, due_events.c.status, due_events.c.fire_at,
            due_events.c.workflow_version, due_events.c.reason)


def reconcile(conn, wf: CompiledWorkflow, record_id: int, plan: Plan, now: datetime, *, fresh: bool = False) -> dict:
    """Make the record's due rows for ``wf`` match ``plan``; returns counts by what was done.

    ``fresh``: the record was just created, so it has no rows yet (saves a query on the hot path).
    """
    existing = [] if fresh else conn.execute(sa.select(*_COLUMNS).where(
        due_events.c.workflow_id == wf.id, due_events.c.record_id == record_id,
        sa.or_(due_events.c.status == "pending", due_events.c.occurrence.in_(list(plan.desired) or [""])))).mappings().all()
    changes = Changes(wf, now)
    changes.diff(record_id, existing, plan)
    return changes.apply(conn)


def plan_record(rt, conn, wf: CompiledWorkflow, event: SaveEvent) -> dict | None:
    now = rt.clock.now()
    tz_for = lambda: wf.tz_for(rt, conn, event.values, event.owner_id)  # noqa: E731 - only looked up when needed
    holds = lambda: wf.evaluate(wf.trigger.condition, rt, conn, event.values)  # noqa: E731
    plan = wf.trigger.plan(wf, event, now, tz_for, holds)
    if plan is None:
        return None
    return reconcile(conn, wf, event.record_id, plan, now, fresh=event.action == "create")


def plan_after_save(w) -> None:
    """AFTER_SAVE stage: due rows follow the record, in the save's transaction."""
    flows = live_workflows(w.rt, w.conn, w.form, known=w.neighbours.live_workflows if w.neighbours is not None else None)
    if flows:
        _plan(w, flows)


def plan_batch(writes) -> None:
    """``plan_after_save`` of a batch: the live workflows are looked up once; nothing per record when there are none."""
    flows = live_workflows(writes[0].rt, writes[0].conn, writes[0].form)
    if flows:
        for w in writes:
            _plan(w, flows)


def _plan(w, flows) -> None:
    row = w.row or {}
    action = "update" if w.action == "restore" else w.action  # a restored record is planned again from its data
    event = SaveEvent(action=action, record_id=w.record_id, version=row.get("version", 1), values=dict(w.values),
                      changed=w.changed if w.action in ("create", "update") else set(), owner_id=row.get("owner_id"),
                      depth=w.actor.depth)
    for wf in flows:
        plan_record(w.rt, w.conn, wf, event)


def cancel_pending(conn, workflow_id: int, reason: str, now: datetime) -> int:
    done = conn.execute(sa.update(due_events).where(due_events.c.workflow_id == workflow_id, due_events.c.status == "pending")
                        .values(status="cancelled", reason=reason, updated_at=now))
    return done.rowcount


def plan_sweep(conn, rt, wf: CompiledWorkflow, after: datetime) -> datetime:
    """Make sure the schedule has exactly one pending sweep row: the next run after ``after``."""
    tz = wf.tz_for(rt, conn, {}, None)
    fire_at = wf.trigger.next_fire(after, tz)
    now = rt.clock.now()
    conn.execute(sa.update(due_events).where(
        due_events.c.workflow_id == wf.id, due_events.c.record_id == 0, due_events.c.status == "pending",
        due_events.c.occurrence != SWEEP_PREFIX + _iso(fire_at)).values(status="cancelled", reason="schedule replanned", updated_at=now))
    exists = conn.execute(sa.select(due_events.c.id, due_events.c.status).where(
        due_events.c.workflow_id == wf.id, due_events.c.record_id == 0, due_events.c.occurrence == SWEEP_PREFIX + _iso(fire_at))).first()
    if exists is None:
        conn.execute(sa.insert(due_events).values(
            workflow_id=wf.id, workflow_version=wf.version, record_id=0, occurrence=SWEEP_PREFIX + _iso(fire_at), fire_at=fire_at,
            status="pending", attempts=0, created_at=now, updated_at=now))
    elif exists.status == "cancelled":
        conn.execute(sa.update(due_events).where(due_events.c.id == exists.id).values(
            status="pending", workflow_version=wf.version, reason=None, updated_at=now))
    return fire_at


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def replan_workflow(rt, conn, wf: CompiledWorkflow) -> dict:
    """Backfill after publish or enable: plan every live record of the form (or the next sweep).

    Set-based: records (with their owner's zone) and the workflow's existing rows are read in
    batches, plans are diffed in memory, and changes are written with one statement per kind.
    The cycle collector is paused meanwhile (see ``engine.gcpause``).
    """
    with cycle_collection_paused():
        return _replan(rt, conn, wf)


def _replan(rt, conn, wf: CompiledWorkflow) -> dict:
    now = rt.clock.now()
    totals = {"records": 0, "inserted": 0, "moved": 0, "cancelled": 0, "kept": 0}
    if not wf.trigger.record_bound():
        plan_sweep(conn, rt, wf, now)
        return totals
    if not wf.trigger.backfills:  # event triggers look forward only; nothing to backfill
        return totals
    last_id = 0
    rules = wf.rule_context(rt, conn) if wf.trigger.condition is not None else None  # one "now" for the whole backfill
    # a first publish has no rows to move or cancel: each record only adds what it wants (no look-up, no diff)
    fresh = conn.execute(sa.select(due_events.c.id).where(due_events.c.workflow_id == wf.id).limit(1)).first() is None
    while True:
        rows = conn.execute(sa.select(records.c.id, records.c.data, records.c.owner_id, records.c.version, users.c.timezone)
                            .outerjoin(users, users.c.id == records.c.owner_id)
                            .where(records.c.form_id == wf.form_id, records.c.deleted_at.is_(None), records.c.id > last_id)
                            .order_by(records.c.id).limit(BACKFILL_BATCH)).all()
        if not rows:
            break
        changes = Changes(wf, now)
        if fresh:
            _add_wanted(rt, conn, wf, rows, now, rules, changes)
        else:
            _diff_existing(rt, conn, wf, rows, now, rules, changes)
        for k, v in changes.apply(conn).items():
            totals[k] += v
        totals["records"] += len(rows)
        last_id = rows[-1][0]
    return totals


def _zone_of(rt, conn, wf: CompiledWorkflow, values: dict, owner_id, owner_tz) -> str:
    return (owner_tz or rt.timezone) if wf.tz_spec == "owner" else wf.tz_for(rt, conn, values, owner_id)


def _add_wanted(rt, conn, wf: CompiledWorkflow, rows, now: datetime, rules, changes: Changes) -> None:
    """Backfill records of a workflow that has no due rows yet: what each wants is new."""
    condition, trigger, inserts = wf.trigger.condition, wf.trigger, changes.inserts
    before = len(inserts)
    for rid, values, owner_id, _version, owner_tz in rows:  # values: the row's own decoded data, not shared
        if condition is not None and not wf.evaluate(condition, rt, conn, values, rules):
            continue
        wanted = trigger.fires_after(values, _zone_of(rt, conn, wf, values, owner_id, owner_tz), now)
        inserts += [(rid, occ, fire_at) for occ, fire_at in wanted.items()]
    changes.counts["inserted"] += len(inserts) - before


def _diff_existing(rt, conn, wf: CompiledWorkflow, rows, now: datetime, rules, changes: Changes) -> None:
    """Backfill records that may have due rows already (a re-publish, an enable): plan each, diff with its rows."""
    existing: dict[int, list] = {}
    ids = [r[0] for r in rows]
    for r in conn.execute(sa.select(*_COLUMNS).where(due_events.c.workflow_id == wf.id, due_events.c.record_id.in_(ids))).mappings():
        existing.setdefault(r["record_id"], []).append(r)
    for rid, data, owner_id, version, owner_tz in rows:
        values = dict(data)
        event = SaveEvent("update", rid, version, values, set(), owner_id, 0)
        tz_for = (lambda v=values, o=owner_id, z=owner_tz: _zone_of(rt, conn, wf, v, o, z))
        plan = wf.trigger.plan(wf, event, now, tz_for, lambda v=values: wf.evaluate(wf.trigger.condition, rt, conn, v, rules))
        if plan is not None:
            changes.diff(rid, existing.get(rid, []), plan)


#: this module's part in writes (listed in ``engine.features``)
FEATURE = Feature("planner", after_save=plan_after_save, after_save_batch=plan_batch)
