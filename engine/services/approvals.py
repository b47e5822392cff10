"""Approval flows on records (审批流): submit, approve or reject with a comment, withdraw, resubmit.

A form opts in with the ``approval`` slot of its definition (``schemas/form.schema.json``):
approvers by role key, the record owner's manager or named user ids; ``mode`` any (the first
decision settles it) or all (every approver must approve, one rejection rejects); an optional
``when`` rule (docs/rules.md) saying which records need approval; ``lock`` (default true) refusing
edits and deletes while a request is pending. The slot is checked at draft save and at publish
(unknown role or user, a rule that doesn't compile: 422 with the JSON path) and compiled once per
published version. Approvers are resolved when a record is submitted and stored with the request
(``approval_requests`` / ``approval_assignments``); the submitter is never their own approver.
Every action is audited in the record's history (actions submit / approve / reject / withdraw, the
status and comment as ``@approval`` / ``@comment`` changes) and notifies through the in-app inbox,
all in the action's transaction. This module is a feature (``FEATURE``, listed in ``engine.features``):
the definition checks, the compiled flow (``CompiledForm.approval``) and the lock as an access check of
every record write, so the API, the designer and automations all obey the same lock.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from engine import i18n
from engine.clock import utc_iso
from engine.errors import Conflict, ErrorItem, FormflowError, NotFound, PermissionDenied, Unauthorized, ValidationFailed
from engine.pipeline import Feature
from engine.rules import CompiledRule, RuleContext, RuleError, RuleScope, compile_rule
from engine.runtime import Actor, Runtime
from engine.services import forms as form_service
from engine.services import inbox
from engine.services import records as record_service
from engine.services.permissions import BUILTIN_ROLES, privileged
from engine.services.team_managers import managers_of
from engine.services.titles import record_title, untitled
from engine.storage.access_tables import roles, user_roles
from engine.storage.approval_tables import approval_assignments, approval_requests
from engine.storage.tables import apps, forms, record_audit, records, users
from engine.formrules import (
    evaluate,
    publish_resolver,
    published_resolver,
    reference_loader,
    rule_error_item,
    text_of,
)
from engine.notifications.variables import record_link

#: Longest comment kept on a submission or a decision, in characters.
MAX_COMMENT_LENGTH = 2000
#: Most approvers one request resolves to (a larger role is refused at submit, not silently cut).
MAX_APPROVERS = 200
#: Most requests one call of ``my_pending_approvals`` lists.
MAX_PENDING_LISTED = 500
STATUSES = ("pending", "approved", "rejected", "withdrawn")
DECISIONS = ("approve", "reject")
#: the ``record_audit`` actions this area writes
AUDIT_ACTIONS = frozenset({"submit", "approve", "reject", "withdraw"})
#: the catalogue key (engine/translations) of each event's inbox text: {who} acted on {form} record {record}
NOTICES = {event: f"notice.approval.{event}" for event in ("submitted", "approved", "rejected", "withdrawn")}


def _word(value: str) -> dict[str, str]:
    """A status or decision in every language (catalogue key ``approval.word.<value>``), as an error's parameter."""
    return {loc: i18n.render(f"approval.word.{value}", loc) for loc in i18n.LOCALES}


@dataclass(frozen=True)
class ApprovalFlow:
    """A form's ``approval`` slot, compiled once per published version."""

    approvers: tuple[dict, ...]
    mode: str = "any"
    lock: bool = True
    when: CompiledRule | None = None


# -- the definition slot: checked at save and publish, compiled per version ----------------

def _compile_when(text: str | None, fields: list[dict], resolve_form) -> tuple[CompiledRule | None, list[ErrorItem]]:

    if not text or not text.strip():
        return None, []
    try:
        return compile_rule(text, RuleScope.from_fields(fields, resolve_form), name="approval", expect="boolean"), []
    except RuleError as exc:
        return None, [rule_error_item(exc, "/approval/when")]


def check_definition(rt: Runtime, conn: sa.Connection, app_row, definition: dict, all_definitions: dict) -> list[ErrorItem]:
    """check_save / check_publish: every role and user the slot names exists, and its rule compiles."""

    spec = definition.get("approval")
    if not spec:
        return []
    errors: list[ErrorItem] = []
    known_roles = set(BUILTIN_ROLES) | set(conn.execute(sa.select(roles.c.key).where(roles.c.workspace_id == rt.workspace_id)).scalars())
    named = [a["user"] for a in spec["approvers"] if "user" in a]
    active = set(conn.execute(sa.select(users.c.id).where(users.c.id.in_(named), users.c.workspace_id == rt.workspace_id,
                                                          users.c.is_active.is_(True))).scalars()) if named else set()
    for i, approver in enumerate(spec["approvers"]):
        if "role" in approver and approver["role"] not in known_roles:
            errors.append(ErrorItem.coded("error.approval.no_role", role=repr(approver["role"]), path=f"/approval/approvers/{i}/role", code="unknown_role"))
        if "user" in approver and approver["user"] not in active:
            errors.append(ErrorItem.coded("error.approval.no_active_user", id=approver["user"], path=f"/approval/approvers/{i}/user", code="unknown_user"))
    errors += _compile_when(spec.get("when"), definition.get("fields", []), publish_resolver(conn, app_row, definition, all_definitions))[1]
    return errors


def _compile_flow(rt: Runtime, conn: sa.Connection, compiled) -> ApprovalFlow | None:

    spec = compiled.definition.get("approval")
    if not spec:
        return None
    when, _ = _compile_when(spec.get("when"), compiled.definition.get("fields", []), published_resolver(conn, compiled.form_id))
    return ApprovalFlow(tuple(spec["approvers"]), spec.get("mode", "any"), spec.get("lock", True), when)


def flow_of(form) -> ApprovalFlow | None:
    return form.approval


# -- the lock, one place for every write path -------------------------------------------

def refuse_locked_writes(rt: Runtime, conn: sa.Connection, actor: Actor, form, action: str, row) -> None:
    """The access check: while a locking request is pending, the record can't be changed or deleted (409)."""
    if action not in ("update", "delete") or row is None or not form.definition.get("approval"):
        return
    pending = conn.execute(sa.select(approval_requests.c.id).where(
        approval_requests.c.record_id == row["id"], approval_requests.c.status == "pending",
        approval_requests.c.lock.is_(True))).first()
    if pending is not None:
        raise Conflict(f"record {row['id']} is locked while its approval is pending: wait for the decision or withdraw the request",
                       [ErrorItem.coded("error.approval.locked_item", path="/record", code="approval_pending")],
                       message_code="error.approval.locked", params={"record": row["id"]})


# -- helpers --------------------------------------------------------------------------------

def _comment(value: Any, *, required: bool) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValidationFailed("the comment must be text", [ErrorItem.coded("error.value.text", path="/comment")],
                               message_code="error.approval.comment_text")
    text = (value or "").strip()
    if len(text) > MAX_COMMENT_LENGTH:
        raise ValidationFailed(f"the comment is longer than {MAX_COMMENT_LENGTH} characters",
                               [ErrorItem.coded("error.value.at_most_chars", max=MAX_COMMENT_LENGTH, path="/comment", code="too_long")],
                               message_code="error.approval.comment_too_long", params={"max": MAX_COMMENT_LENGTH})
    if required and not text:
        raise ValidationFailed("a rejection needs a comment saying why", [ErrorItem.coded(
            "error.approval.comment_required_item", path="/comment", code="required")], message_code="error.approval.comment_required")
    return text or None


def _load(rt: Runtime, conn: sa.Connection, app_key: str, form_key: str, record_id: int, *, lock: bool = False):
    """The published form and the live record row (locked for the transaction when ``lock``)."""
    form = form_service.compiled_form(rt, conn, app_key, form_key)
    query = sa.select(records).where(records.c.id == record_id, records.c.form_id == form.form_id, records.c.deleted_at.is_(None))
    row = conn.execute(query.with_for_update() if lock else query).mappings().first()
    if row is None:
        raise NotFound(f"record {record_id} does not exist in form {form_key!r}", path="/record", message_code="error.record.not_in_form",
                       params={"id": record_id, "form": repr(form_key)})
    return form, row


def _requests(conn: sa.Connection, record_id: int) -> list[dict]:
    return [dict(r) for r in conn.execute(sa.select(approval_requests).where(approval_requests.c.record_id == record_id)
                                          .order_by(approval_requests.c.round.desc())).mappings()]


def _assignments(conn: sa.Connection, request_ids: list[int]) -> list[dict]:
    if not request_ids:
        return []
    return [dict(r) for r in conn.execute(sa.select(approval_assignments).where(approval_assignments.c.request_id.in_(request_ids))
                                          .order_by(approval_assignments.c.id)).mappings()]


def _mine(assignments: list[dict], request: dict | None, actor: Actor) -> dict | None:
    if request is None or actor.user_id is None:
        return None
    return next((a for a in assignments if a["request_id"] == request["id"] and a["user_id"] == actor.user_id), None)


def _condition_holds(rt: Runtime, conn: sa.Connection, actor: Actor, form, flow: ApprovalFlow, row) -> bool:

    if flow.when is None:
        return True
    ctx = RuleContext(now=rt.clock.now(), tz=rt.timezone, user_id=actor.user_id, load_reference=reference_loader(conn, form.form_id))
    return evaluate(flow.when, dict(row["data"]), ctx)[0] is True


def _may(rt: Runtime, conn: sa.Connection, actor: Actor, form, action: str, row) -> bool:
    try:
        record_service.check_access(rt, conn, actor, form, action, row)
    except FormflowError:
        return False
    return True


def _resolve_approvers(rt: Runtime, conn: sa.Connection, flow: ApprovalFlow, row, submitter: int | None) -> list[int]:
    """Active users of the workspace the flow names for this record, in the order named, without the submitter."""
    ids: list[int] = []
    for approver in flow.approvers:
        if "user" in approver:
            ids.append(approver["user"])
        elif "role" in approver:
            ids += conn.execute(sa.select(user_roles.c.user_id).join(roles, roles.c.id == user_roles.c.role_id).where(
                roles.c.workspace_id == rt.workspace_id, roles.c.key == approver["role"]).order_by(user_roles.c.user_id)).scalars()
        elif approver.get("owner_manager") and row["owner_id"] is not None:
            ids += managers_of(conn, [row["owner_id"]])  # their own manager, else their teams' managers
    active = set(conn.execute(sa.select(users.c.id).where(users.c.id.in_(sorted(set(ids))), users.c.workspace_id == rt.workspace_id,
                                                          users.c.is_active.is_(True))).scalars()) if ids else set()
    return list(dict.fromkeys(i for i in ids if i in active and i != submitter))


def _audit(rt: Runtime, conn: sa.Connection, actor: Actor, form, row, action: str, before: str | None, after: str,
           comment: str | None) -> None:
    changes: dict[str, list] = {}
    if before != after:
        changes["@approval"] = [before, after]
    if comment:
        changes["@comment"] = [None, comment]
    conn.execute(sa.insert(record_audit).values(record_id=row["id"], form_id=form.form_id, action=action, actor_id=actor.user_id,
                                                actor=actor.label, at=rt.clock.now(), record_version=row["version"], changes=changes))


def _notify(rt: Runtime, conn: sa.Connection, actor: Actor, form, row, request_id: int, event: str, recipients: list[int],
            comment: str | None) -> None:
    """One inbox message per recipient, in this transaction; the key makes a repeat land once."""

    if not recipients:
        return
    people = {r.id: r for r in conn.execute(sa.select(users.c.id, users.c.display_name, users.c.locale).where(
        users.c.id.in_(sorted(set(recipients) | ({actor.user_id} if actor.user_id else set())))))}
    who = people[actor.user_id].display_name if actor.user_id in people else actor.label
    title = record_title(form, row["id"], row["data"])
    record = f"#{row['id']}" + (f" {title}" if title != untitled(row["id"]) else "")
    for user_id in recipients:
        if user_id not in people:
            continue
        locale = i18n.normalize_locale(people[user_id].locale)
        text = i18n.render(NOTICES[event], locale, {"who": who, "form": text_of(form.definition.get("label"), locale) or form.key,
                                                     "record": record})
        inbox.store_message(conn, rt, user_id=user_id, title=text, body=comment or "", record_id=row["id"], source="approval",
                            link=record_link(rt, form.app_key, form.key, row["id"]),
                            idempotency_key=f"approval:q{request_id}:{event}:u{user_id}")


def _names(conn: sa.Connection, ids: set[int]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(conn.execute(sa.select(users.c.id, users.c.display_name).where(users.c.id.in_(sorted(ids)))).all())


def _request_dict(request: dict, assignments: list[dict], names: dict[int, str]) -> dict:
    return {"id": request["id"], "round": request["round"], "status": request["status"], "mode": request["mode"], "lock": request["lock"],
            "record_version": request["record_version"], "submitted_by": request["submitted_by"],
            "submitted_by_name": names.get(request["submitted_by"]), "submitted_at": utc_iso(request["submitted_at"]),
            "comment": request["comment"], "closed_by": request["closed_by"], "closed_by_name": names.get(request["closed_by"]),
            "closed_at": utc_iso(request["closed_at"]) if request["closed_at"] else None,
            "approvers": [{"user_id": a["user_id"], "name": names.get(a["user_id"]), "decision": a["decision"], "comment": a["comment"],
                           "decided_at": utc_iso(a["decided_at"]) if a["decided_at"] else None}
                          for a in assignments if a["request_id"] == request["id"]]}


# -- the service ----------------------------------------------------------------------------

def approval_status(rt: Runtime, actor: Actor, app_key: str, form_key: str, record_id: int) -> dict:
    """The record's approval state, every round newest first, and what the actor may do now.

    Readers of the record see it; so do the approvers of its latest request (they decide without needing read rights on data).
    """
    with rt.db.read() as conn:
        return _status(rt, conn, actor, app_key, form_key, record_id)


def _status(rt: Runtime, conn: sa.Connection, actor: Actor, app_key: str, form_key: str, record_id: int) -> dict:
    form, row = _load(rt, conn, app_key, form_key, record_id)
    requests = _requests(conn, record_id)
    assignments = _assignments(conn, [r["id"] for r in requests])
    latest = requests[0] if requests else None
    mine = _mine(assignments, latest, actor)
    if mine is None:
        record_service.check_access(rt, conn, actor, form, "read", row)
    flow = flow_of(form)
    required = flow is not None and _condition_holds(rt, conn, actor, form, flow, row)
    status = latest["status"] if latest else "none"
    outdated = latest is not None and status == "approved" and latest["record_version"] != row["version"]
    pending = status == "pending"
    names = _names(conn, {r["submitted_by"] for r in requests} | {r["closed_by"] for r in requests} | {a["user_id"] for a in assignments})
    return {
        "app": app_key, "form": form_key, "record_id": record_id, "configured": flow is not None, "required": required,
        "mode": flow.mode if flow else None, "status": status, "locked": pending and bool(latest["lock"]), "outdated": outdated,
        "current": _request_dict(latest, assignments, names) if latest else None,
        "history": [_request_dict(r, assignments, names) for r in requests],
        "can": {"submit": required and (status in ("none", "rejected", "withdrawn") or outdated) and _may(rt, conn, actor, form, "update", row),
                "decide": pending and mine is not None and mine["decision"] is None,
                "withdraw": pending and actor.user_id is not None and (latest["submitted_by"] == actor.user_id or privileged(actor))},
    }


def submit_for_approval(rt: Runtime, actor: Actor, app_key: str, form_key: str, record_id: int, comment: str | None = None) -> dict:
    """Open a new round for the record: resolve its approvers, notify them, lock the record if the flow says so."""
    comment = _comment(comment, required=False)
    with rt.db.transaction() as conn:
        form, row = _load(rt, conn, app_key, form_key, record_id, lock=True)
        record_service.check_access(rt, conn, actor, form, "read", row)
        flow = flow_of(form)
        if flow is None:
            raise Conflict(f"form {form_key!r} has no approval flow", [ErrorItem.coded(
                "error.approval.no_flow_item", path="/approval", code="no_approval_flow")], message_code="error.approval.no_flow",
                params={"form": repr(form_key)})
        requests = _requests(conn, record_id)
        latest = requests[0] if requests else None
        if latest and latest["status"] == "pending":
            raise Conflict(f"record {record_id} is already waiting for approval",
                           [ErrorItem.coded("error.approval.pending_item", path="/approval", code="approval_pending")],
                           message_code="error.approval.already_pending", params={"record": record_id})
        if latest and latest["status"] == "approved" and latest["record_version"] == row["version"]:
            raise Conflict(f"record {record_id} is already approved; edit it to submit it again",
                           [ErrorItem.coded("error.approval.approved_item", path="/approval", code="already_approved")],
                           message_code="error.approval.already_approved", params={"record": record_id})
        record_service.check_access(rt, conn, actor, form, "update", row)  # submitting asks for the right to change the record
        if not _condition_holds(rt, conn, actor, form, flow, row):
            raise Conflict(f"record {record_id} needs no approval: the form's approval condition does not hold for it",
                           [ErrorItem.coded("error.approval.condition_item", path="/approval/when", code="approval_not_required")],
                           message_code="error.approval.not_required", params={"record": record_id})
        approvers = _resolve_approvers(rt, conn, flow, row, actor.user_id)
        if not approvers:
            raise Conflict("nobody can approve this record: the flow names no active user other than you",
                           [ErrorItem.coded("error.approval.no_approvers_item", path="/approval/approvers", code="no_approvers")],
                           message_code="error.approval.no_approvers")
        if len(approvers) > MAX_APPROVERS:
            raise Conflict(f"the flow names {len(approvers)} approvers; at most {MAX_APPROVERS} may decide one request",
                           [ErrorItem.coded("error.approval.too_many_item", path="/approval/approvers", code="too_many_approvers")],
                           message_code="error.approval.too_many", params={"count": len(approvers), "max": MAX_APPROVERS})
        now = rt.clock.now()
        request_id = conn.execute(sa.insert(approval_requests).values(
            workspace_id=rt.workspace_id, form_id=form.form_id, record_id=record_id, round=(latest["round"] if latest else 0) + 1,
            status="pending", mode=flow.mode, lock=flow.lock, record_version=row["version"], submitted_by=actor.user_id,
            submitted_at=now, comment=comment)).inserted_primary_key[0]
        conn.execute(sa.insert(approval_assignments), [{"request_id": request_id, "user_id": u} for u in approvers])
        _audit(rt, conn, actor, form, row, "submit", latest["status"] if latest else None, "pending", comment)
        _notify(rt, conn, actor, form, row, request_id, "submitted", approvers, comment)
        return _status(rt, conn, actor, app_key, form_key, record_id)


def decide(rt: Runtime, actor: Actor, app_key: str, form_key: str, record_id: int, decision: str = "approve",
           comment: str | None = None) -> dict:
    """An approver approves or rejects (a rejection needs a comment); the submitter hears the outcome once it is settled."""
    if decision not in DECISIONS:
        raise ValidationFailed("the decision is approve or reject", [ErrorItem.coded("error.approval.decision_item", path="/decision")],
                               message_code="error.approval.decision")
    comment = _comment(comment, required=decision == "reject")
    with rt.db.transaction() as conn:
        form, row = _load(rt, conn, app_key, form_key, record_id, lock=True)
        requests = _requests(conn, record_id)
        latest = requests[0] if requests else None
        assignments = _assignments(conn, [latest["id"]] if latest else [])
        mine = _mine(assignments, latest, actor)
        if mine is None:
            record_service.check_access(rt, conn, actor, form, "read", row)  # someone who can't see the record: 404
            if latest is None or latest["status"] != "pending":
                raise Conflict(f"record {record_id} has no pending approval", [ErrorItem.coded("error.approval.not_pending_item", path="/approval",
                                                                                             code="not_pending")],
                               message_code="error.approval.none_pending", params={"record": record_id})
            raise PermissionDenied("you are not an approver of this request", message_code="error.approval.not_approver")
        if mine["decision"] is not None:
            raise Conflict(f"you already decided ({mine['decision']}) on this request",
                           [ErrorItem.coded("error.approval.decided_item", path="/decision", code="already_decided")],
                           message_code="error.approval.already_decided", params={"decision": _word(mine["decision"])})
        if latest["status"] != "pending":
            raise Conflict(f"the request is already {latest['status']}", [ErrorItem.coded("error.approval.not_pending_item", path="/approval",
                                                                                            code="not_pending")],
                           message_code="error.approval.already_closed", params={"status": _word(latest["status"])})
        now = rt.clock.now()
        conn.execute(sa.update(approval_assignments).where(approval_assignments.c.id == mine["id"])
                     .values(decision=decision, comment=comment, decided_at=now))
        others = [a for a in assignments if a["id"] != mine["id"]]
        if decision == "reject":
            status = "rejected"
        elif latest["mode"] == "any" or all(a["decision"] == "approve" for a in others):
            status = "approved"
        else:
            status = "pending"
        if status != "pending":
            conn.execute(sa.update(approval_requests).where(approval_requests.c.id == latest["id"])
                         .values(status=status, closed_by=actor.user_id, closed_at=now))
        _audit(rt, conn, actor, form, row, decision, "pending", status, comment)
        if status != "pending" and latest["submitted_by"] is not None:
            _notify(rt, conn, actor, form, row, latest["id"], status, [latest["submitted_by"]], comment)
        return _status(rt, conn, actor, app_key, form_key, record_id)


def withdraw(rt: Runtime, actor: Actor, app_key: str, form_key: str, record_id: int, comment: str | None = None) -> dict:
    """The submitter (or a workspace admin) takes a pending request back; the record unlocks and can be submitted again."""
    comment = _comment(comment, required=False)
    with rt.db.transaction() as conn:
        form, row = _load(rt, conn, app_key, form_key, record_id, lock=True)
        requests = _requests(conn, record_id)
        latest = requests[0] if requests else None
        mine = _mine(_assignments(conn, [latest["id"]] if latest else []), latest, actor)
        if mine is None:
            record_service.check_access(rt, conn, actor, form, "read", row)
        if latest is None or latest["status"] != "pending":
            raise Conflict(f"record {record_id} has no pending approval", [ErrorItem.coded("error.approval.not_pending_item", path="/approval",
                                                                                             code="not_pending")],
                               message_code="error.approval.none_pending", params={"record": record_id})
        if actor.user_id is None or (latest["submitted_by"] != actor.user_id and not privileged(actor)):
            raise PermissionDenied("only the person who submitted the request may withdraw it", message_code="error.approval.not_submitter")
        conn.execute(sa.update(approval_requests).where(approval_requests.c.id == latest["id"])
                     .values(status="withdrawn", closed_by=actor.user_id, closed_at=rt.clock.now()))
        _audit(rt, conn, actor, form, row, "withdraw", "pending", "withdrawn", comment)
        undecided = [a["user_id"] for a in _assignments(conn, [latest["id"]]) if a["decision"] is None]
        _notify(rt, conn, actor, form, row, latest["id"], "withdrawn", undecided, comment)
        return _status(rt, conn, actor, app_key, form_key, record_id)


def my_pending_approvals(rt: Runtime, actor: Actor) -> list[dict]:
    """The requests waiting for the actor's decision, oldest first."""

    if actor.user_id is None:
        raise Unauthorized("sign in to see your approvals: they belong to a user", path="/user", message_code="error.approval.sign_in")
    submitter = users.alias("submitter")
    query = (sa.select(approval_requests, apps.c.key.label("app_key"), forms.c.key.label("form_key"),
                       submitter.c.display_name.label("submitted_by_name"))
             .join(approval_assignments, approval_assignments.c.request_id == approval_requests.c.id)
             .join(records, records.c.id == approval_requests.c.record_id)
             .join(forms, forms.c.id == approval_requests.c.form_id).join(apps, apps.c.id == forms.c.app_id)
             .outerjoin(submitter, submitter.c.id == approval_requests.c.submitted_by)
             .where(approval_assignments.c.user_id == actor.user_id, approval_assignments.c.decision.is_(None),
                    approval_requests.c.status == "pending", approval_requests.c.workspace_id == rt.workspace_id,
                    records.c.deleted_at.is_(None))
             .order_by(approval_requests.c.submitted_at, approval_requests.c.id).limit(MAX_PENDING_LISTED))
    with rt.db.read() as conn:
        rows = conn.execute(query).mappings().all()
    return [{"request_id": r["id"], "app": r["app_key"], "form": r["form_key"], "record_id": r["record_id"], "round": r["round"],
             "mode": r["mode"], "submitted_by": r["submitted_by"], "submitted_by_name": r["submitted_by_name"],
             "submitted_at": utc_iso(r["submitted_at"]), "comment": r["comment"],
             "link": record_link(rt, r["app_key"], r["form_key"], r["record_id"])} for r in rows]


#: this module's part in forms and writes (listed in ``engine.features``)
FEATURE = Feature("approvals", artefact="approval", compile=_compile_flow, check_publish=check_definition,
                  check_save=check_definition, access=refuse_locked_writes)
