"""Timed workflows (智能工作流) as data: drafts, publish, enable/disable, and what they will do.

A workflow belongs to an app and watches one form. It is edited as a draft
(checked completely on every save, so problems show at save time);
``publish_workflow`` freezes the draft as the next version and, in the same
transaction, plans the due rows of every existing record (backfill).
``set_enabled`` turns it off (pending rows cancelled, with the reason) or on
again (re-planned). ``next_fire_times``, ``run_log`` and ``dry_run`` answer
"when will it fire, what happened, and why will or won't it fire".
"""
from __future__ import annotations

import copy
from typing import Any

import sqlalchemy as sa

from engine.clock import utc_iso
from engine.errors import Conflict, DefinitionInvalid, ErrorItem, NotFound, PreconditionFailed, ValidationFailed
from engine.runtime import Actor, Runtime
from engine.services.forms import _app_row, compiled_form
from engine.storage.tables import forms, records
from engine.workflows.compiled import compile_workflow, compiled_version, shape_errors
from engine.workflows.planner import cancel_pending, replan_workflow
from engine.workflows.steps import RunContext, run_steps
from engine.workflows.tables import due_events, workflow_runs, workflow_versions, workflows

#: Most rows ``next_fire_times`` and ``run_log`` return.
MAX_LISTED = 500


def _require_automate(rt: Runtime, actor: Actor) -> None:
    """Workflows change only for actors holding the ``automate`` capability (ops, admins)."""
    from engine.services.permissions import require_capability

    require_capability(rt, actor, "automate")


def _row(conn, rt: Runtime, app_key: str, key: str):
    app = _app_row(conn, rt, app_key)
    row = conn.execute(sa.select(workflows).where(workflows.c.app_id == app["id"], workflows.c.key == key)).mappings().first()
    if row is None:
        raise NotFound(f"workflow {key!r} does not exist in app {app_key!r}", path="/workflow")
    return app, row


def _form_id(conn, app_id: int, form_key: str) -> int:
    return conn.execute(sa.select(forms.c.id).where(forms.c.app_id == app_id, forms.c.key == form_key)).scalar_one()


def workflow_dict(row) -> dict:
    return {"key": row["key"], "definition": row["draft"], "draft_revision": row["draft_revision"],
            "published_version": row["published_version"], "enabled": row["enabled"],
            "created_at": utc_iso(row["created_at"]), "updated_at": utc_iso(row["updated_at"])}


def _check_object(definition: Any) -> dict:
    if not isinstance(definition, dict):
        raise ValidationFailed("a workflow definition must be a JSON object", [ErrorItem("expected an object", path="/")])
    return copy.deepcopy(definition)


def create_workflow(rt: Runtime, actor: Actor, app_key: str, definition: Any, *, conn=None) -> dict:
    """Save a new workflow as a draft (checked in full)."""
    _require_automate(rt, actor)
    if conn is None:
        with rt.db.transaction() as c:
            return create_workflow(rt, actor, app_key, definition, conn=c)
    definition = _check_object(definition)
    app = _app_row(conn, rt, app_key)
    compile_workflow(rt, conn, app_key, definition)
    if conn.execute(sa.select(workflows.c.id).where(workflows.c.app_id == app["id"], workflows.c.key == definition["key"])).first():
        raise Conflict(f"app {app_key!r} already has a workflow {definition['key']!r}", path="/key")
    now = rt.clock.now()
    conn.execute(sa.insert(workflows).values(
        workspace_id=rt.workspace_id, app_id=app["id"], key=definition["key"], form_id=_form_id(conn, app["id"], definition["form"]),
        draft=definition, draft_revision=1, published_version=None, enabled=True, created_by=actor.user_id, created_at=now,
        updated_at=now))
    return workflow_dict(_row(conn, rt, app_key, definition["key"])[1])


def save_draft(rt: Runtime, actor: Actor, app_key: str, key: str, definition: Any, *, if_revision: int | None = None) -> dict:
    _require_automate(rt, actor)
    definition = _check_object(definition)
    with rt.db.transaction() as conn:
        app, row = _row(conn, rt, app_key, key)
        if if_revision is not None and if_revision != row["draft_revision"]:
            raise PreconditionFailed(f"workflow {key!r} draft was changed by someone else (revision {row['draft_revision']})",
                                     current_revision=row["draft_revision"])
        if isinstance(definition.get("key"), str) and definition["key"] != key:
            raise ValidationFailed("a workflow's key can't change", [ErrorItem(f"must stay {key!r}", path="/key")])
        definition["key"] = key
        compile_workflow(rt, conn, app_key, definition)
        conn.execute(sa.update(workflows).where(workflows.c.id == row["id"]).values(
            draft=definition, draft_revision=row["draft_revision"] + 1, form_id=_form_id(conn, app["id"], definition["form"]),
            updated_at=rt.clock.now()))
        return workflow_dict(_row(conn, rt, app_key, key)[1])


def publish_workflow(rt: Runtime, actor: Actor, app_key: str, key: str) -> dict:
    """Freeze the draft as the next version and plan every existing record, in one transaction."""
    _require_automate(rt, actor)
    with rt.db.transaction() as conn:
        app, row = _row(conn, rt, app_key, key)
        version = (row["published_version"] or 0) + 1
        # the form may have changed since the draft was saved; the result also plans the backfill
        live = compile_workflow(rt, conn, app_key, row["draft"], workflow_id=row["id"], version=version)
        now = rt.clock.now()
        conn.execute(sa.insert(workflow_versions).values(workflow_id=row["id"], version=version, definition=row["draft"],
                                                         published_at=now, published_by=actor.user_id))
        conn.execute(sa.update(workflows).where(workflows.c.id == row["id"]).values(published_version=version, updated_at=now))
        planned = {}
        if row["enabled"]:
            planned = replan_workflow(rt, conn, live)
        return {"key": key, "version": version, "published_at": utc_iso(now), "planned": planned}


def _live(rt, conn, app_key, workflow_id, version, form_key):
    form = compiled_form(rt, conn, app_key, form_key)
    return compiled_version(rt, conn, workflow_id, version, app_key, form.version)


def set_enabled(rt: Runtime, actor: Actor, app_key: str, key: str, enabled: bool) -> dict:
    """Disable: pending rows are cancelled with the reason. Enable: every record is planned again."""
    _require_automate(rt, actor)
    with rt.db.transaction() as conn:
        _, row = _row(conn, rt, app_key, key)
        now = rt.clock.now()
        conn.execute(sa.update(workflows).where(workflows.c.id == row["id"]).values(enabled=enabled, updated_at=now))
        planned: dict = {}
        if not enabled:
            planned = {"cancelled": cancel_pending(conn, row["id"], "workflow disabled", now)}
        elif row["published_version"]:
            definition = conn.execute(sa.select(workflow_versions.c.definition).where(
                workflow_versions.c.workflow_id == row["id"], workflow_versions.c.version == row["published_version"])).scalar_one()
            planned = replan_workflow(rt, conn, _live(rt, conn, app_key, row["id"], row["published_version"], definition["form"]))
        return {**workflow_dict(_row(conn, rt, app_key, key)[1]), "planned": planned}


def list_workflows(rt: Runtime, app_key: str) -> list[dict]:
    with rt.db.read() as conn:
        app = _app_row(conn, rt, app_key)
        rows = conn.execute(sa.select(workflows).where(workflows.c.app_id == app["id"]).order_by(workflows.c.key)).mappings().all()
    return [workflow_dict(r) for r in rows]


def get_workflow(rt: Runtime, app_key: str, key: str) -> dict:
    with rt.db.read() as conn:
        return workflow_dict(_row(conn, rt, app_key, key)[1])


def list_versions(rt: Runtime, app_key: str, key: str) -> list[dict]:
    with rt.db.read() as conn:
        _, row = _row(conn, rt, app_key, key)
        rows = conn.execute(sa.select(workflow_versions).where(workflow_versions.c.workflow_id == row["id"])
                            .order_by(workflow_versions.c.version)).mappings().all()
    return [{"version": r["version"], "definition": r["definition"], "published_at": utc_iso(r["published_at"]),
             "published_by": r["published_by"]} for r in rows]


def validate_definition(rt: Runtime, app_key: str, definition: Any) -> list[dict]:
    """Every problem of a definition, without saving it (the designer's live check)."""
    with rt.db.read() as conn:
        _app_row(conn, rt, app_key)
        errors = shape_errors(definition)
        if not errors:
            try:
                compile_workflow(rt, conn, app_key, definition)
            except DefinitionInvalid as exc:
                errors = exc.errors
    return [e.to_dict() for e in errors]


def _due_dict(r) -> dict:
    return {"id": r["id"], "workflow": r.get("key"), "workflow_version": r["workflow_version"], "record_id": r["record_id"],
            "occurrence": r["occurrence"], "fire_at": utc_iso(r["fire_at"]), "status": r["status"], "attempts": r["attempts"],
            "reason": r["reason"]}


def next_fire_times(rt: Runtime, app_key: str, *, workflow_key: str | None = None, record_id: int | None = None,
                    include_finished: bool = False, limit: int = 100) -> list[dict]:
    """Planned firings (pending due rows, soonest first) of a workflow, a record, or both."""
    limit = max(1, min(limit, MAX_LISTED))
    with rt.db.read() as conn:
        app = _app_row(conn, rt, app_key)
        where = [workflows.c.app_id == app["id"]]
        if workflow_key is not None:
            where.append(workflows.c.id == _row(conn, rt, app_key, workflow_key)[1]["id"])
        if record_id is not None:
            where.append(due_events.c.record_id == record_id)
        if not include_finished:
            status = due_events.c.status
            if record_id is not None:  # not indexable on purpose: SQLite without statistics would walk every pending
                status = status.op("||")("")  # row by (status, fire_at) instead of the record's few by the unique index
            where.append(status == "pending")
        rows = conn.execute(sa.select(due_events, workflows.c.key).join(workflows, workflows.c.id == due_events.c.workflow_id)
                            .where(*where).order_by(due_events.c.fire_at, due_events.c.id).limit(limit)).mappings().all()
    return [_due_dict(r) for r in rows]


def run_log(rt: Runtime, app_key: str, key: str, *, record_id: int | None = None, limit: int = 100) -> list[dict]:
    """What happened at each firing, newest first: status, reason or error, attempts, step outcomes."""
    limit = max(1, min(limit, MAX_LISTED))
    with rt.db.read() as conn:
        _, row = _row(conn, rt, app_key, key)
        where = [workflow_runs.c.workflow_id == row["id"]]
        if record_id is not None:
            where.append(workflow_runs.c.record_id == record_id)
        rows = conn.execute(sa.select(workflow_runs).where(*where).order_by(workflow_runs.c.id.desc()).limit(limit)).mappings().all()
    return [{"id": r["id"], "record_id": r["record_id"], "occurrence": r["occurrence"], "workflow_version": r["workflow_version"],
             "status": r["status"], "detail": r["detail"], "attempts": r["attempts"], "fire_at": utc_iso(r["fire_at"]),
             "ran_at": utc_iso(r["ran_at"]), "steps": r["steps"]} for r in rows]


def dry_run(rt: Runtime, actor: Actor, app_key: str, key: str, record_id: int, *, use_draft: bool = True) -> dict:
    """Explain, for one record, when the workflow fires and what it would do; changes nothing."""
    with rt.db.read() as conn:  # read-only: explain methods never write
        _, row = _row(conn, rt, app_key, key)
        definition = row["draft"] if use_draft or row["published_version"] is None else conn.execute(
            sa.select(workflow_versions.c.definition).where(workflow_versions.c.workflow_id == row["id"],
                                                            workflow_versions.c.version == row["published_version"])).scalar_one()
        wf = compile_workflow(rt, conn, app_key, definition, workflow_id=row["id"], version=row["published_version"] or 0)
        record = conn.execute(sa.select(records).where(records.c.id == record_id, records.c.form_id == wf.form_id)).mappings().first()
        if record is None:
            raise NotFound(f"record {record_id} does not exist in form {wf.form_key!r}", path="/record_id")
        record = dict(record)
        now = rt.clock.now()
        values = dict(record["data"])
        reasons = []
        if not row["enabled"]:
            reasons.append("the workflow is disabled")
        if row["published_version"] is None:
            reasons.append("the workflow has never been published")
        if record["deleted_at"] is not None:
            reasons.append("the record is deleted")
        holds = wf.evaluate(wf.trigger.condition, rt, conn, values)
        if not holds:
            reasons.append(f"the trigger condition {wf.definition['trigger'].get('condition')!r} is false for this record")
        tz = wf.tz_for(rt, conn, values, record["owner_id"])
        occurrences = wf.trigger.explain(wf, values, record["owner_id"], now, lambda: tz)
        planned = {r["occurrence"]: r for r in conn.execute(sa.select(due_events).where(
            due_events.c.workflow_id == row["id"], due_events.c.record_id == record_id)).mappings()}
        for occ in occurrences:
            due = planned.get(occ.get("occurrence"))
            if due is not None:
                occ["due_row"] = {"status": due["status"], "fire_at": utc_iso(due["fire_at"]), "reason": due["reason"]}
            elif occ.get("in_past"):
                occ["explanation"] = "the time has already passed, so it is not planned"
        ctx = RunContext(rt, conn, wf, record, "dry-run", None, actor, dry_run=True)
        run_steps(wf.steps, ctx)
    return {"workflow": key, "record_id": record_id, "now": utc_iso(now), "tz": tz, "will_fire": not reasons,
            "reasons": reasons, "condition_holds": holds, "occurrences": occurrences, "steps": ctx.outcomes}
