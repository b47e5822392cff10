"""The scheduler wakes at the next due instant, not a fixed tick later: the computation of the next wake-up."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from engine.scheduler import MIN_WAKE_SECONDS, Scheduler, next_pending, wake_delay
from engine.services import records as record_service
from engine.services import workflows as wf_service
from engine.workflows.tables import due_events
from tests.workflows.conftest import reminder_workflow

NOW = datetime(2026, 3, 9, tzinfo=timezone.utc)


def test_wake_delay_is_the_next_due_instant_within_the_interval():
    assert wake_delay(NOW, None, 5) == 5.0  # nothing pending: the interval
    assert wake_delay(NOW, NOW + timedelta(seconds=1.5), 5) == 1.5
    assert wake_delay(NOW, NOW + timedelta(minutes=3), 5) == 5.0
    assert wake_delay(NOW, NOW - timedelta(seconds=30), 5) == MIN_WAKE_SECONDS  # overdue: at once, not in a busy loop


def test_the_scheduler_sleeps_until_the_earliest_pending_row(rt, system, clock, crm, receiver):
    wf_service.create_workflow(rt, system, "crm", reminder_workflow(receiver.url, offsets=[
        {"amount": 1, "unit": "hours", "direction": "before"}]))
    wf_service.publish_workflow(rt, system, "crm", "follow_up_reminder")
    remind_at = clock.now().replace(microsecond=0) + timedelta(hours=1, seconds=3)
    record_service.create_record(rt, system, "crm", "reminder", {
        "customer": "ACME", "status": "pending", "remind_at": remind_at.strftime("%Y-%m-%dT%H:%M:%SZ")}, owner_id=crm["sales"])
    scheduler = Scheduler(rt, interval=5)
    with rt.db.read() as conn:
        assert next_pending(conn) == remind_at - timedelta(hours=1)
    assert scheduler.next_delay() == 3.0  # due in 3 s: wake then, not 5 s later
    clock.advance(seconds=1)
    assert scheduler.next_delay() == 2.0
    with rt.db.transaction() as conn:  # a failed firing waiting for its retry counts from the end of the wait
        conn.execute(sa.update(due_events).values(locked_until=clock.now() + timedelta(seconds=4)))
    assert scheduler.next_delay() == 4.0
    clock.advance(seconds=4)
    report = scheduler.tick()
    assert report.done == 1 and scheduler.next_delay() == 5.0  # nothing pending: back to the interval
