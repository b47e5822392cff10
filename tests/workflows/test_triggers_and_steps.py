"""The other trigger kinds (record event, delay, schedule) and steps (set field, create/update record, branch); publish backfill,
disable/enable, next fire times."""
from __future__ import annotations

import sqlalchemy as sa

from engine.scheduler import tick
from engine.services import records as record_service
from engine.services import workflows as wf_service
from engine.workflows.tables import due_events
from tests.workflows.conftest import add_user, reminder_workflow


def _create(rt, system, owner, **data):
    values = {"customer": "ACME", "status": "pending", **data}
    return record_service.create_record(rt, system, "crm", "reminder", values, owner_id=owner)


def _get(rt, system, rid):
    return record_service.get_record(rt, system, "crm", "reminder", rid)["data"]


def test_record_event_with_branch_set_field_and_create_record(rt, system, clock, crm):
    wf_service.create_workflow(rt, system, "crm", {
        "key": "on_create", "form": "reminder",
        "trigger": {"type": "record_event", "on": ["created", "field_changed"], "fields": ["content"]},
        "steps": [{"id": "branch", "type": "condition", "if": "customer == 'VIP'",
                   "then": [{"id": "mark", "type": "set_field", "field": "touched", "value": "vip"}],
                   "else": [{"id": "note", "type": "create_record", "form": "note",
                             "values": {"text": {"from": "customer"}, "when": {"now": True}}}]}]})
    wf_service.publish_workflow(rt, system, "crm", "on_create")
    vip = _create(rt, system, crm["sales"], customer="VIP")
    plain = _create(rt, system, crm["sales"], customer="Plain")
    report = tick(rt)
    assert report.done == 2
    assert _get(rt, system, vip["id"])["touched"] == "vip"
    notes = record_service.get_record(rt, system, "crm", "note", 1 + plain["id"])  # next record id after the two reminders
    assert notes["data"] == {"text": "Plain", "when": "2026-03-09T00:00:00Z"} and notes["owner_id"] == crm["sales"]
    # the step's own update (field 'touched') is not a watched field: no loop
    assert tick(rt).claimed == 0
    record_service.update_record(rt, system, "crm", "reminder", vip["id"], {"content": "changed"})
    assert tick(rt).done == 1
    runs = wf_service.run_log(rt, system, "crm", "on_create", record_id=vip["id"])
    assert [r["status"] for r in runs] == ["done", "done"]
    assert runs[0]["steps"] == [{"step": "branch", "type": "condition", "result": True}, {"step": "mark", "type": "set_field", "field": "touched"}]


def test_delay_after_event_is_cancelled_by_delete(rt, system, clock, crm):
    wf_service.create_workflow(rt, system, "crm", {
        "key": "later", "form": "reminder", "trigger": {"type": "delay", "on": ["created"], "delay": {"amount": 2, "unit": "hours"}},
        "steps": [{"id": "mark", "type": "set_field", "field": "touched", "value": "later"}]})
    wf_service.publish_workflow(rt, system, "crm", "later")
    a = _create(rt, system, crm["sales"])
    b = _create(rt, system, crm["sales"])
    assert [d["fire_at"] for d in wf_service.next_fire_times(rt, system, "crm", workflow_key="later")] == ["2026-03-09T02:00:00Z"] * 2
    record_service.delete_record(rt, system, "crm", "reminder", b["id"])
    clock.set("2026-03-09T01:59:00Z")
    assert tick(rt).claimed == 0
    clock.set("2026-03-09T02:00:00Z")
    assert tick(rt).done == 1
    assert _get(rt, system, a["id"])["touched"] == "later"


def test_schedule_sweeps_matching_records_and_catches_up_once(rt, system, clock, crm, receiver):
    wf_service.create_workflow(rt, system, "crm", {
        "key": "monday", "form": "reminder", "catch_up_minutes": 24 * 60,
        "trigger": {"type": "schedule", "cron": "0 9 * * 1", "tz": "Asia/Shanghai",
                    "filters": [{"field": "status", "op": "eq", "value": "pending"}], "condition": "customer != 'skip'"},
        "steps": [{"id": "tell", "type": "notify", "to": [{"owner": True}], "channels": ["inbox"],
                   "message": {"subject": "Weekly: {{ record.customer }}", "body": "still pending"}}]})
    pending = _create(rt, system, crm["sales"], customer="A")
    _create(rt, system, crm["sales"], customer="B", status="done")
    _create(rt, system, crm["sales"], customer="skip")
    wf_service.publish_workflow(rt, system, "crm", "monday")
    # 2026-03-09 is a Monday; 09:00 Shanghai = 01:00Z
    assert [d["fire_at"] for d in wf_service.next_fire_times(rt, system, "crm", workflow_key="monday")] == ["2026-03-09T01:00:00Z"]
    clock.set("2026-03-25T00:00:00Z")  # down for two weeks: three Mondays missed
    report = tick(rt)
    # the late sweep is skipped (older than a day), the next run is planned after now, not three catch-up runs
    assert report.skipped == 1 and report.delivery.sent == 0
    assert [d["fire_at"] for d in wf_service.next_fire_times(rt, system, "crm", workflow_key="monday")] == ["2026-03-30T01:00:00Z"]
    clock.set("2026-03-30T01:30:00Z")  # 30 minutes late: within catch-up, runs once
    report = tick(rt)
    assert report.done == 2 and report.delivery.sent == 1  # the sweep, then the one matching record
    runs = wf_service.run_log(rt, system, "crm", "monday", record_id=pending["id"])
    assert runs[0]["occurrence"] == "cron@2026-03-30T01:00:00Z"
    assert tick(rt).claimed == 0


def test_publish_backfills_and_disable_enable(rt, system, clock, crm, receiver):
    early = _create(rt, system, crm["sales"], remind_at="2026-03-09T05:00:00+08:00")  # both offsets already past
    later = _create(rt, system, crm["sales"], remind_at="2026-03-12T15:00:00+08:00")
    empty = _create(rt, system, crm["sales"])
    wf_service.create_workflow(rt, system, "crm", reminder_workflow(receiver.url))
    published = wf_service.publish_workflow(rt, system, "crm", "follow_up_reminder")
    assert published["planned"]["records"] == 3 and published["planned"]["inserted"] == 2
    assert {d["record_id"] for d in wf_service.next_fire_times(rt, system, "crm")} == {later["id"]}
    explained = wf_service.dry_run(rt, system, "crm", "follow_up_reminder", early["id"])
    assert all(o["in_past"] for o in explained["occurrences"])
    assert "already passed" in explained["occurrences"][0]["explanation"]
    assert "is empty" in wf_service.dry_run(rt, system, "crm", "follow_up_reminder", empty["id"])["occurrences"][0]["explanation"]
    off = wf_service.set_enabled(rt, system, "crm", "follow_up_reminder", False)
    assert off["planned"] == {"cancelled": 2} and wf_service.next_fire_times(rt, system, "crm") == []
    _create(rt, system, crm["sales"], remind_at="2026-03-13T15:00:00+08:00")  # disabled: nothing planned
    with rt.db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(due_events).where(due_events.c.status == "pending")).scalar() == 0
    on = wf_service.set_enabled(rt, system, "crm", "follow_up_reminder", True)
    assert on["planned"]["inserted"] == 4 and len(wf_service.next_fire_times(rt, system, "crm")) == 4
    # a new version re-plans: one offset only now; the other slot's pending rows are cancelled
    definition = reminder_workflow(receiver.url)
    definition["trigger"]["offsets"] = definition["trigger"]["offsets"][:1]
    wf_service.save_draft(rt, system, "crm", "follow_up_reminder", definition)
    assert wf_service.publish_workflow(rt, system, "crm", "follow_up_reminder")["version"] == 2
    due = wf_service.next_fire_times(rt, system, "crm")
    assert len(due) == 2 and {d["workflow_version"] for d in due} == {2}


def test_first_publish_backfill_plans_what_saving_each_record_plans(rt, system, clock, crm, receiver):
    """A first publish adds rows without diffing; they must equal the rows the save path plans record by record."""
    ny = add_user(rt, "ny", "America/New_York", manager_id=crm["boss"])
    saved_first = reminder_workflow(receiver.url)
    saved_first["key"] = "planned_on_save"
    wf_service.create_workflow(rt, system, "crm", saved_first)
    wf_service.publish_workflow(rt, system, "crm", "planned_on_save")  # no records yet: each save below plans its rows
    cases = [(crm["sales"], "2026-03-10T15:00:00+08:00", "pending"), (ny, "2026-03-10T10:30:00-04:00", "pending"),
             (ny, "2026-03-09T20:00:00-04:00", "pending"),  # 09:00 New York the day before is past: the hour-before only
             (crm["sales"], "2026-03-12T15:00:00+08:00", "done"),  # condition false: nothing
             (crm["sales"], "2026-03-09T05:00:00+08:00", "pending"),  # both offsets already past
             (ny, None, "pending")]  # no date: nothing
    for owner, when, status in cases:
        _create(rt, system, owner, status=status, **({"remind_at": when} if when else {}))
    wf_service.create_workflow(rt, system, "crm", reminder_workflow(receiver.url))
    published = wf_service.publish_workflow(rt, system, "crm", "follow_up_reminder")  # backfill over the same records
    assert published["planned"]["records"] == len(cases)

    def rows(key):
        return {(d["record_id"], d["occurrence"], d["fire_at"]) for d in wf_service.next_fire_times(rt, system, "crm", workflow_key=key)}

    assert rows("follow_up_reminder") == rows("planned_on_save")
    assert published["planned"]["inserted"] == len(rows("planned_on_save")) == 5


def test_a_records_firings_are_read_by_the_unique_index_not_every_pending_row(rt, system, crm, receiver):
    """``next_fire_times(record_id=…)`` must not walk the (status, fire_at) index of every workflow's pending rows."""
    wf_service.create_workflow(rt, system, "crm", reminder_workflow(receiver.url))
    wf_service.publish_workflow(rt, system, "crm", "follow_up_reminder")
    mine = _create(rt, system, crm["sales"], remind_at="2026-03-12T15:00:00+08:00")
    for day in range(13, 16):
        _create(rt, system, crm["sales"], remind_at=f"2026-03-{day}T15:00:00+08:00")
    ran: list[tuple[str, object]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if "FROM due_events JOIN workflows" in statement:
            ran.append((statement, parameters))

    sa.event.listen(rt.db.engine, "before_cursor_execute", seen)
    try:
        pending = wf_service.next_fire_times(rt, system, "crm", record_id=mine["id"])
        everything = wf_service.next_fire_times(rt, system, "crm", record_id=mine["id"], include_finished=True)
    finally:
        sa.event.remove(rt.db.engine, "before_cursor_execute", seen)
    assert [d["record_id"] for d in pending] == [mine["id"]] * 2 and len(everything) == 2
    assert len(ran) == 2
    explain = "EXPLAIN QUERY PLAN " if rt.db.engine.dialect.name == "sqlite" else "EXPLAIN "
    with rt.db.engine.connect() as conn:
        for statement, parameters in ran:
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(explain + statement, parameters))
            assert "ix_due_events_status_fire_at" not in plan, plan
