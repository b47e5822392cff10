"""Timed workflows (智能工作流) as data: drafts, publish, enable/disable, and what they will do.

A workflow belongs to an app and watches one form. It is edited as a draft
(checked completely on every save, so problems show at save time);
``publish_workflow`` freezes the draft as the next version and, in the same
transaction, plans the due rows of every existing record (backfill).
``set_enabled`` turns it off (pending rows cancelled, with the reason) or on
again (re-planned). ``next_fire_times``, ``run_log`` and ``dry_run`` answer
"when will it fire, what happened, and why will or won't it fire" — each through
the caller's read gate: a record out of their scope is a missing record (404,
or no rows, filtered in SQL), and what a field hidden from them would reveal
(its value, a fire time computed from it) is left out.
"""
from __future__ import annotations

import copy
from typing import Any

import sqlalchemy as sa

from engine.clock import utc_iso
from engine.errors import Conflict, DefinitionInvalid, ErrorItem, NotFound, PreconditionFailed, ValidationFailed
from engine.runtime import Actor, Runtime
from engine.services.form_lookup import app_row, compiled_form
from engine.storage.tables import apps, forms, records
from engine.services.records import check_access, hidden_fields, row_scopes
from engine.services.definition_access import can_read_definitions, require_definition_reader
from engine.workflows import secrets as workflow_secrets
from engine.authority import require_write_rights
from engine.workflows.compiled import compile_workflow, compiled_version, shape_errors
from engine.workflows.planner import cancel_pending, replan_workflow
from engine.workflows.steps import RunContext, run_steps
from engine.workflows.tables import due_events, workflow_runs, workflow_versions, workflows
from engine.errors import PermissionDenied
from engine.services.permissions import require_capability

#: Most rows ``next_fire_times`` and ``run_log`` return.
MAX_LISTED = 500


def _require_automate(rt: Runtime, actor: Actor) -> None:
    """Workflows change only for actors holding the ``automate`` capability (ops, admins)."""

    require_capability(rt, actor, "automate")


def _row(conn, rt: Runtime, app_key: str, key: str):
    app = app_row(conn, rt, app_key)
    row = conn.execute(sa.select(workflows).where(workflows.c.app_id == app["id"], workflows.c.key == key)).mappings().first()
    if row is None:
        raise NotFound(f"workflow {key!r} does not exist in app {app_key!r}", path="/workflow", message_code="error.workflow.not_found",
                       params={"workflow": repr(key), "app": repr(app_key)})
    return app, row


def _form_id(conn, app_id: int, form_key: str) -> int:
    return conn.execute(sa.select(forms.c.id).where(forms.c.app_id == app_id, forms.c.key == form_key)).scalar_one()


def workflow_dict(row, definition: dict | None = None) -> dict:
    """A workflow as the API shows it; ``definition`` is the draft with its secrets masked (``_shown``)."""
    return {"key": row["key"], "definition": row["draft"] if definition is None else definition,
            "draft_revision": row["draft_revision"], "published_version": row["published_version"], "enabled": row["enabled"],
            "created_at": utc_iso(row["created_at"]), "updated_at": utc_iso(row["updated_at"])}


def _shown(conn, rt: Runtime, rows) -> list[dict]:
    """Workflows as responses show them: every secret (webhook URL, robot key, signing secret) masked, never its text."""
    drafts = workflow_secrets.masked(conn, rt, [r["draft"] for r in rows])
    return [workflow_dict(r, d) for r, d in zip(rows, drafts)]


def _sealed(rt: Runtime, conn, actor: Actor, app_key: str, workflow_id: int, definition: dict, previous: dict | None) -> dict:
    """The definition as stored: checked in full (secret text as given), then each secret moved into its encrypted row."""
    compile_workflow(rt, conn, app_key, workflow_secrets.unchecked(definition))
    sealed, errors = workflow_secrets.seal(conn, rt, actor, workflow_id, definition, previous)
    if errors:
        raise DefinitionInvalid("the workflow definition is not valid", errors, message_code="error.workflow.invalid")
    return sealed


def _check_object(definition: Any) -> dict:
    if not isinstance(definition, dict):
        raise ValidationFailed("a workflow definition must be a JSON object", [ErrorItem.coded("error.value.object", path="/")],
                               message_code="error.workflow.object")
    return copy.deepcopy(definition)


def create_workflow(rt: Runtime, actor: Actor, app_key: str, definition: Any, *, conn=None) -> dict:
    """Save a new workflow as a draft (checked in full)."""
    _require_automate(rt, actor)
    if conn is None:
        with rt.db.transaction() as c:
            return create_workflow(rt, actor, app_key, definition, conn=c)
    definition = _check_object(definition)
    app = app_row(conn, rt, app_key)
    compile_workflow(rt, conn, app_key, workflow_secrets.unchecked(definition))
    if conn.execute(sa.select(workflows.c.id).where(workflows.c.app_id == app["id"], workflows.c.key == definition["key"])).first():
        raise Conflict(f"app {app_key!r} already has a workflow {definition['key']!r}", path="/key", message_code="error.workflow.exists",
                       params={"app": repr(app_key), "workflow": repr(definition["key"])})
    now = rt.clock.now()
    workflow_id = conn.execute(sa.insert(workflows).values(
        workspace_id=rt.workspace_id, app_id=app["id"], key=definition["key"], form_id=_form_id(conn, app["id"], definition["form"]),
        draft={}, draft_revision=1, published_version=None, enabled=True, created_by=actor.user_id, created_at=now,
        updated_at=now)).inserted_primary_key[0]
    sealed, errors = workflow_secrets.seal(conn, rt, actor, workflow_id, definition, None)
    if errors:
        raise DefinitionInvalid("the workflow definition is not valid", errors, message_code="error.workflow.invalid")
    conn.execute(sa.update(workflows).where(workflows.c.id == workflow_id).values(draft=sealed))
    return _shown(conn, rt, [_row(conn, rt, app_key, definition["key"])[1]])[0]


def save_draft(rt: Runtime, actor: Actor, app_key: str, key: str, definition: Any, *, if_revision: int | None = None) -> dict:
    _require_automate(rt, actor)
    definition = _check_object(definition)
    with rt.db.transaction() as conn:
        app, row = _row(conn, rt, app_key, key)
        if if_revision is not None and if_revision != row["draft_revision"]:
            raise PreconditionFailed(f"workflow {key!r} draft was changed by someone else (revision {row['draft_revision']})",
                                     current_revision=row["draft_revision"], message_code="error.workflow.changed_elsewhere",
                                     params={"workflow": repr(key), "revision": row["draft_revision"]})
        if isinstance(definition.get("key"), str) and definition["key"] != key:
            raise ValidationFailed("a workflow's key can't change", [ErrorItem.coded("error.value.must_stay", key=repr(key), path="/key")],
                                   message_code="error.workflow.key_fixed")
        definition["key"] = key
        sealed = _sealed(rt, conn, actor, app_key, row["id"], definition, row["draft"])
        conn.execute(sa.update(workflows).where(workflows.c.id == row["id"]).values(
            draft=sealed, draft_revision=row["draft_revision"] + 1, form_id=_form_id(conn, app["id"], definition["form"]),
            updated_at=rt.clock.now()))
        return _shown(conn, rt, [_row(conn, rt, app_key, key)[1]])[0]


def publish_workflow(rt: Runtime, actor: Actor, app_key: str, key: str) -> dict:
    """Freeze the draft as the next version and plan every existing record, in one transaction."""
    _require_automate(rt, actor)
    with rt.db.transaction() as conn:
        app, row = _row(conn, rt, app_key, key)
        version = (row["published_version"] or 0) + 1
        # the form may have changed since the draft was saved; the result also plans the backfill
        live = compile_workflow(rt, conn, app_key, row["draft"], workflow_id=row["id"], version=version)
        # it will write as the scheduler: only what the publisher may write (engine.workflows.authority)
        require_write_rights(rt, conn, actor, app_key, row["draft"], f"workflow {key!r}")
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
        return {**_shown(conn, rt, [_row(conn, rt, app_key, key)[1]])[0], "planned": planned}


def list_workflows(rt: Runtime, app_key: str, actor: Actor | None = None) -> list[dict]:
    """The app's workflows (secrets masked), for those who design or operate definitions."""
    with rt.db.read() as conn:
        app = app_row(conn, rt, app_key)
        require_definition_reader(rt, actor, conn)
        rows = conn.execute(sa.select(workflows).where(workflows.c.app_id == app["id"]).order_by(workflows.c.key)).mappings().all()
        return _shown(conn, rt, rows)


def get_workflow(rt: Runtime, app_key: str, key: str, actor: Actor | None = None) -> dict:
    with rt.db.read() as conn:
        _, row = _row(conn, rt, app_key, key)
        require_definition_reader(rt, actor, conn)
        return _shown(conn, rt, [row])[0]


def list_versions(rt: Runtime, app_key: str, key: str, actor: Actor | None = None) -> list[dict]:
    with rt.db.read() as conn:
        _, row = _row(conn, rt, app_key, key)
        require_definition_reader(rt, actor, conn)
        rows = conn.execute(sa.select(workflow_versions).where(workflow_versions.c.workflow_id == row["id"])
                            .order_by(workflow_versions.c.version)).mappings().all()
        definitions = workflow_secrets.masked(conn, rt, [r["definition"] for r in rows])
    return [{"version": r["version"], "definition": d, "published_at": utc_iso(r["published_at"]),
             "published_by": r["published_by"]} for r, d in zip(rows, definitions)]


def validate_definition(rt: Runtime, app_key: str, definition: Any, actor: Actor | None = None) -> list[dict]:
    """Every problem of a definition, without saving it (the designer's live check; needs ``automate``)."""
    if actor is not None:
        _require_automate(rt, actor)
    with rt.db.read() as conn:
        app_row(conn, rt, app_key)
        definition = workflow_secrets.unchecked(definition)  # a stored secret is not decrypted to check someone's draft
        errors = shape_errors(definition)
        if not errors:
            try:
                compile_workflow(rt, conn, app_key, definition)
            except DefinitionInvalid as exc:
                errors = exc.errors
    return [e.to_dict() for e in errors]


def _due_dict(r, hide_times: frozenset = frozenset()) -> dict:
    hidden = r["workflow_id"] in hide_times
    return {"id": r["id"], "workflow": r.get("key"), "workflow_version": r["workflow_version"], "record_id": r["record_id"],
            "occurrence": _occurrence(r["occurrence"], hidden), "fire_at": None if hidden else utc_iso(r["fire_at"]),
            "status": r["status"], "attempts": r["attempts"], "reason": r["reason"]}


def _occurrence(occurrence: str, hidden: bool) -> str:
    """An occurrence key names what it is anchored on (a date field's value): only its slot when that field is hidden."""
    return occurrence.split("@")[0] + "@hidden" if hidden and "@" in occurrence else occurrence


def readable_record(rt: Runtime, conn, actor: Actor, form, record_id: int, *, path: str = "/record_id"):
    """The stored row of a record the actor may read (deleted ones too); a record out of their scope, or a form they
    may not read at all, answers exactly like a missing one (404)."""

    row = conn.execute(sa.select(records).where(records.c.id == record_id, records.c.form_id == form.form_id)).mappings().first()
    try:
        if row is None:
            raise NotFound("", message_code="error.not_found")  # answered below, naming the record
        check_access(rt, conn, actor, form, "read", row)
    except (NotFound, PermissionDenied):
        raise NotFound(f"record {record_id} does not exist in form {form.key!r}", path=path, message_code="error.record.not_in_form",
                       params={"id": record_id, "form": repr(form.key)}) from None
    return row


def _watched(rt: Runtime, conn, actor: Actor, app_key: str, wf_rows) -> tuple[Any, frozenset]:
    """(SQL filter on ``records`` keeping the rows of the workflows' records the actor may read, or None for all;
    ids of the workflows whose fire times the actor may not see because their date field is hidden from them)."""
    form_keys = dict(conn.execute(sa.select(forms.c.id, forms.c.key).where(forms.c.id.in_({r["form_id"] for r in wf_rows}))).all())
    per_form, hide_times = {}, set()
    for wf in wf_rows:
        if wf["form_id"] not in per_form:
            try:
                form = compiled_form(rt, conn, app_key, form_keys[wf["form_id"]])
            except NotFound:  # never published: no record can be planned
                per_form[wf["form_id"]] = (None, [sa.false()], set())
                continue
            per_form[wf["form_id"]] = (form, row_scopes(rt, conn, actor, form), hidden_fields(rt, conn, actor, form))
        _, _, hidden = per_form[wf["form_id"]]
        if hidden & _trigger_fields(conn, wf):
            hide_times.add(wf["id"])
    if not any(clauses for _, clauses, _ in per_form.values()):
        return None, frozenset(hide_times)
    return sa.or_(*[sa.and_(records.c.form_id == fid, *clauses) for fid, (_, clauses, _) in per_form.items()]), frozenset(hide_times)


def _trigger_fields(conn, wf_row) -> set[str]:
    """The date fields a workflow's draft and published versions plan from (fire times and occurrence keys show them)."""
    definitions = [wf_row["draft"], *conn.execute(sa.select(workflow_versions.c.definition).where(
        workflow_versions.c.workflow_id == wf_row["id"])).scalars()]
    triggers = [d["trigger"] for d in definitions if isinstance(d, dict) and isinstance(d.get("trigger"), dict)]
    return {t.get("field") for t in triggers} - {None}


def next_fire_times(rt: Runtime, actor: Actor, app_key: str, *, workflow_key: str | None = None, record_id: int | None = None,
                    include_finished: bool = False, limit: int = 100, statuses: tuple[str, ...] | None = None) -> list[dict]:
    """Planned firings (pending due rows, soonest first) of a workflow, a record, or both; only of records the actor may read.
    ``statuses``: the due rows in these states instead (done, cancelled, skipped… with their ``reason``)."""
    limit = max(1, min(limit, MAX_LISTED))
    with rt.db.read() as conn:
        app = app_row(conn, rt, app_key)
        where = [workflows.c.app_id == app["id"]]
        if workflow_key is not None:
            wf_rows = [_row(conn, rt, app_key, workflow_key)[1]]
            where.append(workflows.c.id == wf_rows[0]["id"])
        else:
            wf_rows = conn.execute(sa.select(workflows).where(workflows.c.app_id == app["id"])).mappings().all()
        if record_id is not None:
            where.append(due_events.c.record_id == record_id)
        if statuses:
            where.append(due_events.c.status.in_(statuses))
        elif not include_finished:
            status = due_events.c.status
            if record_id is not None:  # not indexable on purpose: SQLite without statistics would walk every pending
                status = status.op("||")("")  # row by (status, fire_at) instead of the record's few by the unique index
            where.append(status == "pending")
        scope, hide_times = _watched(rt, conn, actor, app_key, wf_rows)
        source = due_events.join(workflows, workflows.c.id == due_events.c.workflow_id)
        if scope is not None:  # the caller's row scope, in SQL: a page is never cut after fetching
            source = source.join(records, records.c.id == due_events.c.record_id)
            where.append(scope)
        rows = conn.execute(sa.select(due_events, workflows.c.key).select_from(source)
                            .where(*where).order_by(due_events.c.fire_at, due_events.c.id).limit(limit)).mappings().all()
    return [_due_dict(r, hide_times) for r in rows]


def record_fire_times(rt: Runtime, actor: Actor, app_key: str, record_id: int, statuses: tuple[str, ...] | None = None) -> list[dict]:
    """Planned firings of every workflow for one record; 404 for a record the actor may not read, as for a missing one."""

    with rt.db.read() as conn:
        app_row(conn, rt, app_key)  # an unknown app is 404 first
        found = conn.execute(sa.select(forms.c.key).join(records, records.c.form_id == forms.c.id)
                             .join(apps, apps.c.id == forms.c.app_id)
                             .where(records.c.id == record_id, apps.c.key == app_key, apps.c.workspace_id == rt.workspace_id)).first()
        try:  # missing, unpublished or out of the actor's scope: one answer, naming no form
            if found is None:
                raise NotFound("", message_code="error.not_found")  # answered below, naming no form
            readable_record(rt, conn, actor, compiled_form(rt, conn, app_key, found[0]), record_id)
        except NotFound:
            raise NotFound(f"record {record_id} does not exist in app {app_key!r}", path="/record_id", message_code="error.record.not_in_app",
                           params={"record": record_id, "app": repr(app_key)}) from None
    return next_fire_times(rt, actor, app_key, record_id=record_id, statuses=statuses)


def run_log(rt: Runtime, actor: Actor, app_key: str, key: str, *, record_id: int | None = None, limit: int = 100) -> list[dict]:
    """What happened at each firing, newest first: status, reason or error, attempts, step outcomes; only for records the
    actor may read."""
    limit = max(1, min(limit, MAX_LISTED))
    with rt.db.read() as conn:
        _, row = _row(conn, rt, app_key, key)
        where = [workflow_runs.c.workflow_id == row["id"]]
        if record_id is not None:
            where.append(workflow_runs.c.record_id == record_id)
        scope, hide_times = _watched(rt, conn, actor, app_key, [row])
        source = workflow_runs
        if scope is not None:
            source = source.join(records, records.c.id == workflow_runs.c.record_id)
            where.append(scope)
        rows = conn.execute(sa.select(workflow_runs).select_from(source).where(*where)
                            .order_by(workflow_runs.c.id.desc()).limit(limit)).mappings().all()
        # an error's text and the steps' outcomes (records created, messages queued) are for those who operate workflows:
        # free text may quote any record the workflow touched
        operator = can_read_definitions(rt, actor, conn)
    hidden = row["id"] in hide_times
    return [{"id": r["id"], "record_id": r["record_id"], "occurrence": _occurrence(r["occurrence"], hidden),
             "workflow_version": r["workflow_version"], "status": r["status"], "detail": r["detail"] if operator else None,
             "attempts": r["attempts"], "fire_at": None if hidden else utc_iso(r["fire_at"]), "ran_at": utc_iso(r["ran_at"]),
             "steps": r["steps"] if operator else None} for r in rows]


def dry_run(rt: Runtime, actor: Actor, app_key: str, key: str, record_id: int, *, use_draft: bool = True) -> dict:
    """Explain, for one record, when the workflow fires and what it would do; changes nothing."""
    with rt.db.read() as conn:  # read-only: explain methods never write
        _, row = _row(conn, rt, app_key, key)
        require_definition_reader(rt, actor, conn)  # it shows what the definition (a draft, by default) does
        definition = row["draft"] if use_draft or row["published_version"] is None else conn.execute(
            sa.select(workflow_versions.c.definition).where(workflow_versions.c.workflow_id == row["id"],
                                                            workflow_versions.c.version == row["published_version"])).scalar_one()
        wf = compile_workflow(rt, conn, app_key, definition, workflow_id=row["id"], version=row["published_version"] or 0)
        form = wf.form(rt, conn)
        record = dict(readable_record(rt, conn, actor, form, record_id))
        # explained as the caller sees the record: what their role hides takes no part (no value, fire time or
        # recipient computed from it can come back); referenced records pass their read gate when rendered
        hidden = hidden_fields(rt, conn, actor, form)
        record["data"] = {k: v for k, v in (record["data"] or {}).items() if k not in hidden}
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
        ctx = RunContext(rt, conn, wf, record, "dry-run", None, actor, dry_run=True, viewers=(actor,))
        run_steps(wf.steps, ctx)
    out = {"workflow": key, "record_id": record_id, "now": utc_iso(now), "tz": tz, "will_fire": not reasons,
           "reasons": reasons, "condition_holds": holds, "occurrences": occurrences, "steps": ctx.outcomes}
    if hidden:
        out["left_out"] = f"fields your role may not see are left out of this explanation: {', '.join(sorted(hidden))}"
    return out
