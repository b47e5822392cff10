"""The reference scenario, timed workflow part: reminders ahead of time, moved with the record, cancelled, each sent once."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa

from engine.notifications.tables import inbox_messages
from engine.scheduler import run_due, tick
from engine.services import records as record_service
from engine.services import workflows as wf_service
from engine.workflows.tables import due_events, outbox
from tests.workflows.conftest import add_user, reminder_workflow

UTC = timezone.utc


def _pending(rt, record_id):
    with rt.db.read() as conn:
        return [(o, f.strftime("%Y-%m-%dT%H:%M:%SZ")) for o, f in conn.execute(
            sa.select(due_events.c.occurrence, due_events.c.fire_at).where(due_events.c.record_id == record_id,
                                                                            due_events.c.status == "pending")
            .order_by(due_events.c.fire_at))]


def _reasons(rt):
    with rt.db.read() as conn:
        return set(conn.execute(sa.select(due_events.c.reason).where(due_events.c.status == "cancelled")).scalars())


def _inbox(rt):
    with rt.db.read() as conn:
        return [(r.user_id, r.title) for r in conn.execute(sa.select(inbox_messages).order_by(inbox_messages.c.id))]


def test_reminder_fires_each_time_once_moves_and_cancels(rt, system, clock, crm, receiver):
    wf_service.create_workflow(rt, system, "crm", reminder_workflow(receiver.url))
    wf_service.publish_workflow(rt, system, "crm", "follow_up_reminder")
    rec = record_service.create_record(rt, system, "crm", "reminder",
                                       {"customer": "ACME", "remind_at": "2026-03-10T15:00:00+08:00", "status": "pending"},
                                       owner_id=crm["sales"])
    # 1 day before at 09:00 Shanghai = 2026-03-09 01:00Z; 1 hour before 15:00 Shanghai = 06:00Z
    assert [f for _, f in _pending(rt, rec["id"])] == ["2026-03-09T01:00:00Z", "2026-03-10T06:00:00Z"]

    clock.set("2026-03-09T00:59:00Z")
    assert tick(rt).claimed == 0
    clock.set("2026-03-09T01:00:00Z")
    report = tick(rt)
    assert (report.done, report.delivery.sent) == (1, 2)
    assert receiver.keys() == [f"wf1:r{rec['id']}:offset0@2026-03-10T07:00:00Z:notify_owner:u{crm['sales']}:webhook"]
    assert receiver.calls[0]["cc"][0]["user_id"] == crm["boss"]
    assert sorted(u for u, _ in _inbox(rt)) == sorted([crm["sales"], crm["boss"]])  # owner + manager on CC
    assert "ACME at 2026-03-10 15:00" in receiver.calls[0]["text"]  # rendered in the owner's zone
    assert tick(rt).claimed == 0 and len(receiver.calls) == 1  # a second tick sends nothing new

    # moving the time moves the pending one (the sent one stays sent)
    record_service.update_record(rt, system, "crm", "reminder", rec["id"], {"remind_at": "2026-03-10T17:00:00+08:00"})
    assert [f for _, f in _pending(rt, rec["id"])] == ["2026-03-10T08:00:00Z"]
    clock.set("2026-03-10T06:00:00Z")
    assert tick(rt).claimed == 0
    clock.set("2026-03-10T08:00:00Z")
    assert tick(rt).delivery.sent == 2
    assert len(receiver.calls) == 2 and len(_inbox(rt)) == 4

    # marking done cancels what is left; delete cancels; restore plans again
    record_service.update_record(rt, system, "crm", "reminder", rec["id"], {"remind_at": "2026-03-12T15:00:00+08:00"})
    assert len(_pending(rt, rec["id"])) == 2
    record_service.update_record(rt, system, "crm", "reminder", rec["id"], {"status": "done"})
    assert _pending(rt, rec["id"]) == []
    assert _reasons(rt) == {"the trigger condition is no longer true"}
    record_service.update_record(rt, system, "crm", "reminder", rec["id"], {"status": "pending"})
    assert len(_pending(rt, rec["id"])) == 2
    record_service.delete_record(rt, system, "crm", "reminder", rec["id"])
    assert _pending(rt, rec["id"]) == []
    assert _reasons(rt) == {"record deleted"}
    record_service.restore_record(rt, system, "crm", "reminder", rec["id"])
    assert len(_pending(rt, rec["id"])) == 2
    for at in ("2026-03-11T01:00:00Z", "2026-03-12T06:00:00Z"):
        clock.set(at)
        assert tick(rt).done == 1
    with rt.db.read() as conn:
        statuses = conn.execute(sa.select(outbox.c.status, sa.func.count()).group_by(outbox.c.status)).all()
    assert dict(statuses) == {"sent": 8}
    assert len(receiver.calls) == len(set(receiver.keys())) == 4


def test_dst_new_york_fires_at_nine_local_on_both_sides(rt, system, clock, crm, receiver):
    ny = add_user(rt, "nyc", "America/New_York")
    definition = reminder_workflow(receiver.url)
    definition["trigger"]["offsets"] = [{"amount": 1, "unit": "days", "direction": "before", "at_time": "09:00"}]
    wf_service.create_workflow(rt, system, "crm", definition)
    wf_service.publish_workflow(rt, system, "crm", "follow_up_reminder")
    clock.set("2026-03-01T00:00:00Z")
    before = record_service.create_record(rt, system, "crm", "reminder", {"customer": "A", "remind_at": "2026-03-08T12:00:00-05:00",
                                                                          "status": "pending"}, owner_id=ny)
    after = record_service.create_record(rt, system, "crm", "reminder", {"customer": "B", "remind_at": "2026-03-09T12:00:00-04:00",
                                                                         "status": "pending"}, owner_id=ny)
    # 2026-03-07 09:00 EST = 14:00Z; 2026-03-08 is the change day: 09:00 EDT = 13:00Z
    assert _pending(rt, before["id"])[0][1] == "2026-03-07T14:00:00Z"
    assert _pending(rt, after["id"])[0][1] == "2026-03-08T13:00:00Z"
    clock.set("2026-03-07T14:00:00Z")
    assert tick(rt).done == 1
    clock.set("2026-03-08T13:00:00Z")
    assert tick(rt).done == 1
    local = [datetime.fromisoformat(c["sent_at"].replace("Z", "+00:00")) for c in receiver.calls]
    from zoneinfo import ZoneInfo
    assert [t.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M") for t in local] == ["09:00", "09:00"]


def test_late_rows_are_skipped_with_the_reason_and_run_once(rt, system, clock, crm, receiver):
    wf_service.create_workflow(rt, system, "crm", {**reminder_workflow(receiver.url), "catch_up_minutes": 30})
    wf_service.publish_workflow(rt, system, "crm", "follow_up_reminder")
    rec = record_service.create_record(rt, system, "crm", "reminder",
                                       {"customer": "ACME", "remind_at": "2026-03-10T15:00:00+08:00", "status": "pending"},
                                       owner_id=crm["sales"])
    clock.set("2026-03-09T01:20:00Z")  # 20 minutes late: within catch-up, sent
    assert tick(rt).done == 1
    clock.set("2026-03-10T07:00:00Z")  # the scheduler was down for the 06:00Z one: 60 minutes late
    report = tick(rt)
    assert (report.skipped, report.delivery.sent) == (1, 0)
    runs = wf_service.run_log(rt, system, "crm", "follow_up_reminder", record_id=rec["id"])
    assert runs[0]["status"] == "skipped" and "60 minutes late" in runs[0]["detail"]
    assert run_due(rt).claimed == 0
