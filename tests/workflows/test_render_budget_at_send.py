"""A notification whose template runs over its render budget when a workflow fires is a failed firing with the
reason in the run log, not a crash of the scheduler tick; the other firings of the batch go out (SQLite and PostgreSQL)."""
from __future__ import annotations

from engine.scheduler import tick
from engine.services import records as record_service
from engine.services import workflows as wf_service
from engine.templating import MAX_RENDER_SECONDS
from tests.security.bombs import LONG_LOOP_TEMPLATE


def test_a_render_over_budget_at_send_is_a_failed_firing_not_a_crash(rt, system, clock, crm):
    for key, body in (("runaway", LONG_LOOP_TEMPLATE), ("plain", "{{ record.customer }} is waiting")):
        wf_service.create_workflow(rt, system, "crm", {
            "key": key, "form": "reminder", "trigger": {"type": "record_event", "on": ["created"]},
            "steps": [{"id": "tell", "type": "notify", "to": [{"owner": True}], "channels": ["inbox"],
                       "message": {"subject": "Waiting", "body": body}}]})
        wf_service.publish_workflow(rt, system, "crm", key)
    record = record_service.create_record(rt, system, "crm", "reminder", {"customer": "ACME", "status": "pending"},
                                          owner_id=crm["sales"])
    report = tick(rt)  # does not raise
    assert report.done == 1 and report.delivery.sent == 1  # the plain workflow's message went out
    runaway = wf_service.run_log(rt, system, "crm", "runaway", record_id=record["id"])
    assert [(r["status"], r["detail"]) for r in runaway] == [("retrying", f"the template took longer than {MAX_RENDER_SECONDS} s to render (/templates/runaway.tell.body)")]
