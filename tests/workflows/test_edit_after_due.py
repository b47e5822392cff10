"""A reminder whose time has come but that no tick has claimed yet survives an edit of another field.

Found by tests/ops/test_kill.py under load: an update between a row's fire time and the scheduler's next tick
re-planned the record with only future occurrences, so the due row was cancelled as "the date changed" and the
reminder never went out. A change of the date itself still re-plans it.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from engine.scheduler import tick
from engine.services import records as record_service
from engine.services import workflows as wf_service
from engine.workflows.tables import due_events
from tests.workflows.conftest import reminder_workflow


def _rows(rt, rid):
    with rt.db.read() as conn:
        return conn.execute(sa.select(due_events.c.occurrence, due_events.c.status, due_events.c.reason)
                            .where(due_events.c.record_id == rid).order_by(due_events.c.id)).all()


def test_an_edit_between_fire_time_and_tick_keeps_the_due_reminder(rt, system, clock, crm, receiver):
    wf_service.create_workflow(rt, system, "crm", reminder_workflow(receiver.url, offsets=[
        {"amount": 1, "unit": "hours", "direction": "before"}]))
    wf_service.publish_workflow(rt, system, "crm", "follow_up_reminder")
    remind_at = clock.now().replace(microsecond=0) + timedelta(hours=2)
    record = record_service.create_record(rt, system, "crm", "reminder", {
        "customer": "ACME", "status": "pending", "remind_at": remind_at.strftime("%Y-%m-%dT%H:%M:%SZ")}, owner_id=crm["sales"])
    clock.advance(hours=1, seconds=5)  # the reminder is due; no tick has run yet
    record_service.update_record(rt, system, "crm", "reminder", record["id"], {"content": "called, no answer"})
    assert [r.status for r in _rows(rt, record["id"])] == ["pending"]
    report = tick(rt)
    assert report.done == 1 and [r.status for r in _rows(rt, record["id"])] == ["done"]
    assert len({k for k in receiver.keys()}) == 1


def test_changing_the_date_after_it_was_due_still_replans(rt, system, clock, crm, receiver):
    wf_service.create_workflow(rt, system, "crm", reminder_workflow(receiver.url, offsets=[
        {"amount": 1, "unit": "hours", "direction": "before"}]))
    wf_service.publish_workflow(rt, system, "crm", "follow_up_reminder")
    start = clock.now().replace(microsecond=0)
    record = record_service.create_record(rt, system, "crm", "reminder", {
        "customer": "ACME", "status": "pending", "remind_at": (start + timedelta(hours=2))
        .strftime("%Y-%m-%dT%H:%M:%SZ")}, owner_id=crm["sales"])
    clock.advance(hours=1, seconds=5)
    later = (start + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    record_service.update_record(rt, system, "crm", "reminder", record["id"], {"remind_at": later})
    rows = _rows(rt, record["id"])
    assert [r.status for r in rows] == ["pending"] and rows[0].occurrence.endswith(later)  # moved to the new date
