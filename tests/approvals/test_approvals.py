"""Approval flows through the services, on SQLite and PostgreSQL: configuration checks, submit, decide, lock, withdraw, resubmit."""
from __future__ import annotations

import pytest

from engine.errors import Conflict, DefinitionInvalid, NotFound, PermissionDenied, ValidationFailed
from engine.runtime import Actor
from engine.services import approvals, forms as form_service, inbox, records as record_service, users
from tests.approvals.conftest import set_flow

ROLE_ANY = {"approvers": [{"role": "checker"}], "mode": "any"}


def _record(rt, person, **data) -> int:
    return record_service.create_record(rt, person.actor, "crm", "customer", {"name": "ACME", **data})["id"]


def _titles(rt, person) -> list[str]:
    return [m["title"] for m in inbox.list_messages(rt, person.actor)["items"]]


def _paths(exc) -> list[str]:
    return [e.path for e in exc.value.errors]


# -- configuration ------------------------------------------------------------------------

@pytest.mark.parametrize("flow, path", [
    ({"approvers": [{"role": "nobody_has_this"}]}, "/approval/approvers/0/role"),
    ({"approvers": [{"role": "checker"}, {"user": 99999}]}, "/approval/approvers/1/user"),
    ({"approvers": [{"role": "checker"}], "mode": "most"}, "/approval/mode"),
    ({"approvers": []}, "/approval/approvers"),
    ({"approvers": [{"role": "checker"}], "when": "employees >"}, "/approval/when"),
])
def test_an_invalid_flow_is_refused_at_save_with_its_path(crm, people, flow, path):
    definition = form_service.get_draft(crm, "crm", "customer")["definition"]
    with pytest.raises(DefinitionInvalid) as exc:
        form_service.save_draft(crm, Actor.system(), "crm", "customer", {**definition, "approval": flow})
    assert exc.value.status == 422 and path in _paths(exc)


def test_publish_refuses_a_named_approver_deactivated_after_the_draft_was_saved(crm, people):
    definition = form_service.get_draft(crm, "crm", "customer")["definition"]
    form_service.save_draft(crm, Actor.system(), "crm", "customer", {**definition, "approval": {"approvers": [{"user": people["carl"].id}]}})
    users.deactivate_user(crm, Actor.system(), people["carl"].id)
    with pytest.raises(DefinitionInvalid) as exc:
        form_service.publish_form(crm, Actor.system(), "crm", "customer")
    assert _paths(exc) == ["/approval/approvers/0/user"]


# -- the flow -------------------------------------------------------------------------------

def test_submit_notifies_the_approvers_and_the_decision_notifies_the_submitter(crm, people):
    set_flow(crm, ROLE_ANY)
    sam, carl, cleo = people["sam"], people["carl"], people["cleo"]
    rid = _record(crm, sam)
    status = approvals.submit_for_approval(crm, sam.actor, "crm", "customer", rid, comment="please check the discount")
    assert status["status"] == "pending" and status["locked"] and status["current"]["round"] == 1
    assert [a["user_id"] for a in status["current"]["approvers"]] == [carl.id, cleo.id]
    for approver in (carl, cleo):
        assert _titles(crm, approver) == [f"Sam asks you to approve Customer #{rid} ACME"]
        assert [p["record_id"] for p in approvals.my_pending_approvals(crm, approver.actor)] == [rid]
    assert approvals.approval_status(crm, carl.actor, "crm", "customer", rid)["can"] == {"submit": False, "decide": True, "withdraw": False}

    status = approvals.decide(crm, carl.actor, "crm", "customer", rid, "approve", "fine")
    assert status["status"] == "approved" and not status["locked"]
    assert _titles(crm, sam) == [f"Carl approved Customer #{rid} ACME"]
    assert approvals.my_pending_approvals(crm, cleo.actor) == []  # any-one: settled by the first decision
    with pytest.raises(Conflict):  # cleo comes too late
        approvals.decide(crm, cleo.actor, "crm", "customer", rid, "approve")
    decided = {a["user_id"]: (a["decision"], a["comment"]) for a in status["current"]["approvers"]}
    assert decided == {carl.id: ("approve", "fine"), cleo.id: (None, None)}
    history = record_service.record_history(crm, sam.actor, "crm", "customer", rid)
    assert [h["action"] for h in history] == ["create", "submit", "approve"]
    assert {c["field_id"]: c["to"] for c in history[1]["changes"]} == {"@approval": "pending", "@comment": "please check the discount"}
    assert {c["field_id"]: c["to"] for c in history[2]["changes"]} == {"@approval": "approved", "@comment": "fine"}


def test_a_rejection_needs_a_comment_and_the_record_can_be_submitted_again(crm, people):
    set_flow(crm, ROLE_ANY)
    sam, carl = people["sam"], people["carl"]
    rid = _record(crm, sam)
    approvals.submit_for_approval(crm, sam.actor, "crm", "customer", rid)
    for empty in (None, "", "   "):
        with pytest.raises(ValidationFailed) as exc:
            approvals.decide(crm, carl.actor, "crm", "customer", rid, "reject", empty)
        assert exc.value.status == 422 and _paths(exc) == ["/comment"]
    with pytest.raises(ValidationFailed) as exc:
        approvals.decide(crm, carl.actor, "crm", "customer", rid, "maybe", "hmm")
    assert _paths(exc) == ["/decision"]
    status = approvals.decide(crm, carl.actor, "crm", "customer", rid, "reject", "phone number missing")
    assert status["status"] == "rejected" and status["can"]["decide"] is False
    assert _titles(crm, sam) == [f"Carl rejected Customer #{rid} ACME"]
    assert inbox.list_messages(crm, sam.actor)["items"][0]["body"] == "phone number missing"
    # rejected: the record is editable again and can be resubmitted; the first round stays in the history
    record_service.update_record(crm, sam.actor, "crm", "customer", rid, {"phone": "13800138000"})
    status = approvals.submit_for_approval(crm, sam.actor, "crm", "customer", rid)
    assert status["status"] == "pending" and [r["round"] for r in status["history"]] == [2, 1]
    assert [r["status"] for r in status["history"]] == ["pending", "rejected"]
    assert status["history"][1]["approvers"][0]["comment"] == "phone number missing"


def test_only_a_resolved_approver_decides_and_only_once(crm, people):
    set_flow(crm, ROLE_ANY)
    sam = people["sam"]
    rid = _record(crm, sam)
    approvals.submit_for_approval(crm, sam.actor, "crm", "customer", rid)
    with pytest.raises(PermissionDenied):  # an admin reads everything but is not an approver
        approvals.decide(crm, people["root"].actor, "crm", "customer", rid, "approve")
    with pytest.raises(PermissionDenied):  # the submitter is never their own approver
        approvals.decide(crm, sam.actor, "crm", "customer", rid, "approve")
    with pytest.raises(NotFound):  # a member who can't see the record learns nothing about it
        approvals.decide(crm, people["sue"].actor, "crm", "customer", rid, "approve")
    with pytest.raises(NotFound):
        approvals.approval_status(crm, people["sue"].actor, "crm", "customer", rid)
    with pytest.raises(PermissionDenied):  # only the submitter (or an admin) withdraws
        approvals.withdraw(crm, people["carl"].actor, "crm", "customer", rid)


def test_all_mode_needs_every_approver(crm, people):
    set_flow(crm, {"approvers": [{"role": "checker"}], "mode": "all"})
    sam, carl, cleo = people["sam"], people["carl"], people["cleo"]
    rid = _record(crm, sam)
    approvals.submit_for_approval(crm, sam.actor, "crm", "customer", rid)
    status = approvals.decide(crm, carl.actor, "crm", "customer", rid, "approve")
    assert status["status"] == "pending" and status["locked"]
    assert _titles(crm, sam) == []  # nothing settled yet
    with pytest.raises(Conflict) as exc:
        approvals.decide(crm, carl.actor, "crm", "customer", rid, "approve")
    assert exc.value.status == 409 and exc.value.errors[0].code == "already_decided"
    assert approvals.my_pending_approvals(crm, carl.actor) == []
    assert len(approvals.my_pending_approvals(crm, cleo.actor)) == 1
    status = approvals.decide(crm, cleo.actor, "crm", "customer", rid, "approve")
    assert status["status"] == "approved" and [a["decision"] for a in status["current"]["approvers"]] == ["approve", "approve"]
    assert _titles(crm, sam) == [f"Cleo approved Customer #{rid} ACME"]


def test_all_mode_one_rejection_rejects(crm, people):
    set_flow(crm, {"approvers": [{"role": "checker"}], "mode": "all"})
    sam = people["sam"]
    rid = _record(crm, sam)
    approvals.submit_for_approval(crm, sam.actor, "crm", "customer", rid)
    status = approvals.decide(crm, people["cleo"].actor, "crm", "customer", rid, "reject", "no")
    assert status["status"] == "rejected" and approvals.my_pending_approvals(crm, people["carl"].actor) == []


def test_the_record_is_locked_while_pending_and_unlocks_on_withdraw(crm, people):
    set_flow(crm, ROLE_ANY)
    sam = people["sam"]
    rid = _record(crm, sam)
    approvals.submit_for_approval(crm, sam.actor, "crm", "customer", rid)
    for who in (sam, people["root"]):  # nobody edits it, not even an admin
        with pytest.raises(Conflict) as exc:
            record_service.update_record(crm, who.actor, "crm", "customer", rid, {"phone": "13800138000"})
        assert exc.value.status == 409 and "pending" in exc.value.message
        with pytest.raises(Conflict):
            record_service.delete_record(crm, who.actor, "crm", "customer", rid)
    with pytest.raises(Conflict):  # and it can't be submitted twice
        approvals.submit_for_approval(crm, sam.actor, "crm", "customer", rid)
    status = approvals.withdraw(crm, sam.actor, "crm", "customer", rid, "forgot the phone")
    assert status["status"] == "withdrawn" and not status["locked"] and status["can"]["submit"]
    assert _titles(crm, people["carl"]) == [f"Sam withdrew the approval request for Customer #{rid} ACME",
                                            f"Sam asks you to approve Customer #{rid} ACME"]
    assert record_service.update_record(crm, sam.actor, "crm", "customer", rid, {"phone": "13800138000"})["version"] == 2
    assert [h["action"] for h in record_service.record_history(crm, sam.actor, "crm", "customer", rid)] == \
        ["create", "submit", "withdraw", "update"]


def test_without_lock_the_record_stays_editable(crm, people):
    set_flow(crm, {**ROLE_ANY, "lock": False})
    sam = people["sam"]
    rid = _record(crm, sam)
    status = approvals.submit_for_approval(crm, sam.actor, "crm", "customer", rid)
    assert status["status"] == "pending" and not status["locked"]
    record_service.update_record(crm, sam.actor, "crm", "customer", rid, {"phone": "13800138000"})


def test_the_owners_manager_approves(crm, people):
    set_flow(crm, {"approvers": [{"owner_manager": True}]})
    sam, sue, boss = people["sam"], people["sue"], people["boss"]
    rid = _record(crm, sam)
    status = approvals.submit_for_approval(crm, sam.actor, "crm", "customer", rid)
    assert [(a["user_id"], a["name"]) for a in status["current"]["approvers"]] == [(boss.id, "Boss")]
    # the manager decides through the approval even though their role can't read the member's records
    with pytest.raises(NotFound):
        record_service.get_record(crm, boss.actor, "crm", "customer", rid)
    assert approvals.approval_status(crm, boss.actor, "crm", "customer", rid)["can"]["decide"]
    assert approvals.decide(crm, boss.actor, "crm", "customer", rid, "approve")["status"] == "approved"
    # sue has no manager: nobody can approve her record, and submitting says so
    theirs = _record(crm, sue)
    with pytest.raises(Conflict) as exc:
        approvals.submit_for_approval(crm, sue.actor, "crm", "customer", theirs)
    assert exc.value.errors[0].code == "no_approvers"


def test_approved_records_are_submitted_again_only_after_an_edit(crm, people):
    set_flow(crm, {**ROLE_ANY, "lock": True})
    sam = people["sam"]
    rid = _record(crm, sam)
    approvals.submit_for_approval(crm, sam.actor, "crm", "customer", rid)
    approvals.decide(crm, people["carl"].actor, "crm", "customer", rid, "approve")
    with pytest.raises(Conflict) as exc:
        approvals.submit_for_approval(crm, sam.actor, "crm", "customer", rid)
    assert exc.value.errors[0].code == "already_approved"
    record_service.update_record(crm, sam.actor, "crm", "customer", rid, {"phone": "13800138000"})
    assert approvals.approval_status(crm, sam.actor, "crm", "customer", rid)["outdated"]
    assert approvals.submit_for_approval(crm, sam.actor, "crm", "customer", rid)["current"]["round"] == 2


def test_the_condition_decides_which_records_need_approval(crm, people):
    set_flow(crm, {**ROLE_ANY, "when": "employees > 100"})
    sam = people["sam"]
    small, big = _record(crm, sam, employees=5), _record(crm, sam, employees=500)
    assert approvals.approval_status(crm, sam.actor, "crm", "customer", small)["required"] is False
    with pytest.raises(Conflict) as exc:
        approvals.submit_for_approval(crm, sam.actor, "crm", "customer", small)
    assert exc.value.errors[0].path == "/approval/when"
    assert approvals.submit_for_approval(crm, sam.actor, "crm", "customer", big)["status"] == "pending"


def test_a_form_without_a_flow_has_nothing_to_submit(crm, people):
    sam = people["sam"]
    rid = _record(crm, sam)
    status = approvals.approval_status(crm, sam.actor, "crm", "customer", rid)
    assert (status["configured"], status["status"], status["current"]) == (False, "none", None)
    with pytest.raises(Conflict):
        approvals.submit_for_approval(crm, sam.actor, "crm", "customer", rid)
    record_service.update_record(crm, sam.actor, "crm", "customer", rid, {"phone": "13800138000"})
