"""Records: the one path every write takes, top to bottom in ``_write`` (its docstring is the phase table).

access -> defaults / fetches -> effects (visibility, drop hidden, permissions) -> schema validation -> assertions
(rules, attachments, duplicates) -> fill (computed values, before-save automations) -> save + audit -> after save
(owner, roll-ups, automations, attachments bound, duplicate keys, due events), all in one transaction. The features'
stages come from ``rt.pipeline``, built from the one table ``engine.features.FEATURES`` (``engine.pipeline``).
``create_records`` runs the same phases for many creates at once (an import batch); a stage that queries the
database has a set-based twin (``Feature.<phase>_batch``) so a batch costs a few statements, not a few per row.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

import sqlalchemy as sa

from engine.clock import utc_iso
from engine.definitions import CompiledForm
from engine.errors import ErrorItem, FormflowError, NotFound, PreconditionFailed, ValidationFailed
from engine.field_defaults import default_value
from engine.fields import FIELD_TYPES
from engine.runtime import Actor, Runtime
from engine.safety import MAX_ID
from engine.serials import next_serials
from engine.services import reference_targets, served_forms
from engine.services.form_lookup import (Neighbours, StaleForm, compiled_form, compiled_form_to_write, compiled_version, last_saved_with,
                                         remember_saved_with, still_published)
from engine.services.record_input import keyed
from engine.services.record_serials import fill_serials, number_and_commit, numbered_last, row_written_first, save_trusted
from engine.storage import record_rows
from engine.storage.tables import attachments, forms, record_audit, records, users
from engine.services.readgate import read_view
from engine.services.record_dicts import record_dict  # noqa: F401  (re-exported)

if TYPE_CHECKING:  # the features' types; their modules import this one
    from engine.formrules import FieldState
    from engine.rules import RuleContext


@dataclass
class Write:
    """One record write in progress; every stage reads and updates it."""

    rt: Runtime
    conn: sa.Connection
    actor: Actor
    form: CompiledForm
    action: str  # create / update / delete / restore
    incoming: dict  # what the client sent, keyed by field id
    before: dict | None  # stored data before the write (None on create)
    values: dict = field(default_factory=dict)  # the data being built
    record_id: int | None = None
    errors: list[ErrorItem] = field(default_factory=list)
    visible: dict[str, bool] = field(default_factory=dict)  # field id -> shown (rules)
    required: dict[str, bool] = field(default_factory=dict)  # field id -> required (rules)
    readonly: dict[str, bool] = field(default_factory=dict)  # field id -> read-only (rules)
    row: dict | None = None  # the stored row after save
    skip: frozenset = frozenset()  # stages this write leaves out (an import that runs no automations)
    failure: Exception | None = None  # in a batch: the error that ended this write (a single write raises it instead)
    # what the features' stages work out for each other and for the dry run
    rule_context: RuleContext | None = None  # clock, zone, user, reference loader of this write (formrules.rule_context)
    rule_state: FieldState | None = None  # the form rules' outcome (formrules.effects_stage)
    row_states: dict[str, list[FieldState]] = field(default_factory=dict)  # sub-table field id -> each row's rule outcome
    duplicates: list[dict] = field(default_factory=list)  # flag mode: the records this one duplicates, as shown (dedup)
    duplicate_keys: dict[str, str] = field(default_factory=dict)  # rule key -> match key (dedup: once per write; check_batch)
    duplicate_basis: tuple | None = None  # the values ``duplicate_keys`` were worked out from (dedup)
    automations_run: list[dict] = field(default_factory=list)  # what each automation that fired did
    neighbours: Neighbours | None = None  # the app's published forms and this form's live workflows, read with the form
    trusted: bool = False  # a create with the form saved with last, unchecked: its insert checks it (and reads neighbours)
    late_counter: dict | None = None  # PostgreSQL: the serial taken last, with the commit (record_serials.number_and_commit)
    pending_row: dict | None = None  # PostgreSQL: with ``late_counter``, the row (and audit row) not written yet (record_serials)
    keys_unique: int | None = None  # PostgreSQL: how many duplicate-check keys the insert stored, held by no other record
    limits_checked: dict | None = None  # the limited member fields' values as checked (member_limits; later changes: again)

    @property
    def changed(self) -> set[str]:
        before = self.before or {}
        return {k for k in set(before) | set(self.values) if before.get(k) != self.values.get(k)}


Stage = Callable[[Write], None]


# -- public API ------------------------------------------------------------

def create_record(rt: Runtime, actor: Actor, app_key: str, form_key: str, data: dict, *,
                  owner_id: int | None = None, conn: sa.Connection | None = None, skip_stages: frozenset = frozenset()) -> dict:
    """A new record; in its own transaction unless ``conn`` is given. In its own transaction on PostgreSQL it starts from
    the form this process last saved with, unchecked, and its insert checks that form is still the published one
    (``form_lookup.insert_checked``): a steady create spends no statement finding its form. Anything but a clean save
    that way (another version published meanwhile, or a database error) is rolled back and the create runs again from
    a fresh look-up, which then answers; a refusal is the answer when the form is still the published one (one read)."""
    if conn is None:
        trusted = last_saved_with(rt, app_key, form_key) if rt.db.dialect == "postgresql" else None
        if trusted is not None:
            try:
                with rt.db.transaction() as c:
                    return _create(rt, c, actor, trusted, None, data, owner_id, skip_stages)
            except FormflowError:
                if still_published(rt, trusted):
                    raise
            except (StaleForm, sa.exc.DBAPIError):
                pass  # rolled back: the usual way below answers
        with rt.db.transaction() as c:
            return create_record(rt, actor, app_key, form_key, data, owner_id=owner_id, conn=c, skip_stages=skip_stages)
    form, neighbours = compiled_form_to_write(rt, conn, app_key, form_key)
    remember_saved_with(rt, form)
    return _create(rt, conn, actor, form, neighbours, data, owner_id, skip_stages)


def _create(rt: Runtime, conn: sa.Connection, actor: Actor, form: CompiledForm, neighbours: Neighbours | None, data: dict,
            owner_id: int | None, skip_stages: frozenset) -> dict:
    """``create_record`` with ``form``; ``neighbours`` None: the form is trusted, and the insert checks it."""
    owner_id = _creating_owner(rt, conn, actor, form, owner_id)
    w = Write(rt, conn, actor, form, "create", keyed(form, data), None, skip=frozenset(skip_stages), neighbours=neighbours,
              trusted=neighbours is None)
    _write(w, owner_id=owner_id)
    number_and_commit(w)  # when the number was left for last: taken with the commit (record_serials)
    return readable(rt, conn, actor, form, record_dict(w.row, form))


def create_records(rt: Runtime, actor: Actor, app_key: str, form_key: str, rows: list[dict], *, owner_id: int | None = None,
                   conn: sa.Connection, skip_stages: frozenset = frozenset()) -> list[dict | FormflowError]:
    """Many creates in the caller's transaction, each as ``create_record`` would do it, with statements per batch, not per row.

    Returns one item per row, in order: the record, or the error that row alone would have raised (nothing of it
    is saved; the other rows are). Stages touching the database run set-based through their batch twins; rows are
    checked against the database as it was before the batch, except that a row needing an earlier row of the batch
    (``Feature.batch_dependency``) is checked again once those are saved. An error past the checks (a key taken meanwhile,
    an automation failing) is raised, as ``create_record`` raises it: the caller rolls the transaction back.
    """
    form = compiled_form(rt, conn, app_key, form_key)
    owner_id = _creating_owner(rt, conn, actor, form, owner_id)
    hidden = hidden_fields(rt, conn, actor, form)
    pipeline = rt.pipeline
    out: list[dict | FormflowError] = []
    start = 0
    while start < len(rows):
        writes = []
        for data in rows[start:]:
            w = Write(rt, conn, actor, form, "create", {}, None, skip=frozenset(skip_stages))
            try:
                w.incoming = keyed(form, data)
            except FormflowError as exc:
                w.failure = exc
            writes.append(w)
        _validate_batch(writes)
        for stage in pipeline.fill:
            _run_batch_stage(stage, writes)
        ok = [w for w in writes if w.failure is None]
        cut = min((i for i in (dep(ok) for dep in pipeline.batch_dependencies) if i), default=None)
        if cut is not None:  # save the rows before it, then check it and the rest again
            writes = writes[:next(i for i, w in enumerate(writes) if w is ok[cut])]
            ok = ok[:cut]
        _save_batch(ok, owner_id=owner_id)
        for stage in pipeline.after_save:
            _run_batch_stage(stage, ok, raising=True)
        for w in writes:
            out.append(w.failure if w.failure is not None else
                       _without(record_dict(w.row, form), hidden))
        start += len(writes)
    return out


def update_record(rt: Runtime, actor: Actor, app_key: str, form_key: str, record_id: int, data: dict, *,
                  if_match: int | None = None, conn: sa.Connection | None = None) -> dict:
    """Partial update: fields not sent keep their values. ``if_match`` is the record version (ETag)."""
    if conn is None:
        with rt.db.transaction() as c:
            return update_record(rt, actor, app_key, form_key, record_id, data, if_match=if_match, conn=c)
    form, neighbours = compiled_form_to_write(rt, conn, app_key, form_key)
    row = live_row(conn, form, record_id)
    check_access(rt, conn, actor, form, "update", row)
    if if_match is not None and if_match != row["version"]:
        raise PreconditionFailed(f"record {record_id} was changed by someone else (version {row['version']}, you edited {if_match})",
                                 current_version=row["version"], message_code="error.record.changed_since_edit",
                                 params={"id": record_id, "version": row["version"], "edited": if_match})
    w = Write(rt, conn, actor, form, "update", keyed(form, data), dict(row["data"]), record_id=record_id, row=dict(row),
              neighbours=neighbours)
    _write(w, expected_version=row["version"])
    return readable(rt, conn, actor, form, record_dict(w.row, form))


def delete_record(rt: Runtime, actor: Actor, app_key: str, form_key: str, record_id: int, *,
                  if_match: int | None = None, conn: sa.Connection | None = None) -> None:
    _set_deleted(rt, actor, app_key, form_key, record_id, True, if_match, conn)


def restore_record(rt: Runtime, actor: Actor, app_key: str, form_key: str, record_id: int, *,
                   conn: sa.Connection | None = None) -> dict:
    return _set_deleted(rt, actor, app_key, form_key, record_id, False, None, conn)


def get_record(rt: Runtime, actor: Actor, app_key: str, form_key: str, record_id: int, *, include_deleted: bool = False) -> dict:
    with rt.db.quick_read() as conn:  # the row with the form's published version beside it: no transaction needed
        form, row = served_forms.record_row(rt, conn, app_key, form_key, record_id)
        if row is None or (row["deleted_at"] is not None and not include_deleted):
            raise NotFound(f"record {record_id} does not exist in form {form_key!r}", path="/record",
                           message_code="error.record.not_in_form", params={"id": record_id, "form": repr(form_key)})
        check_access(rt, conn, actor, form, "read", row)
        return readable(rt, conn, actor, form, record_dict(row, form))


def record_history(rt: Runtime, actor: Actor, app_key: str, form_key: str, record_id: int) -> list[dict]:
    with rt.db.read() as conn:
        form = compiled_form(rt, conn, app_key, form_key)
        row = _row(conn, form, record_id)
        if row is None:
            raise NotFound(f"record {record_id} does not exist in form {form_key!r}", path="/record",
                           message_code="error.record.not_in_form", params={"id": record_id, "form": repr(form_key)})
        check_access(rt, conn, actor, form, "history", row)
        hidden = hidden_fields(rt, conn, actor, form)
        rows = conn.execute(sa.select(record_audit, users.c.display_name).outerjoin(users, users.c.id == record_audit.c.actor_id)
                            .where(record_audit.c.record_id == record_id).order_by(record_audit.c.id)).mappings().all()
    return [{"id": r["id"], "action": r["action"], "actor": r["actor"], "actor_id": r["actor_id"], "actor_name": r["display_name"],
             "at": utc_iso(r["at"]), "record_version": r["record_version"],
             "changes": [{"field_id": k, "label": form.label(k), "from": v[0], "to": v[1]} for k, v in r["changes"].items()
                         if k not in hidden]}
            for r in rows]


def check_access(rt: Runtime, conn, actor: Actor, form: CompiledForm, action: str, row) -> None:
    """The access phase: each feature's check (rights, approval lock) raises PermissionDenied, NotFound or Conflict.

    ``action`` is create / read / history / update / delete / restore; on create, ``row`` is ``{"owner_id": ...}``.
    """
    for check in rt.pipeline.access:
        check(rt, conn, actor, form, action, row)


def hidden_fields(rt: Runtime, conn, actor: Actor, form: CompiledForm) -> frozenset[str]:
    """Fields the actor may not see, derived ones included: the read gate's answer."""
    return read_view(rt, conn, actor, form).hidden


def row_scopes(rt: Runtime, conn, actor: Actor, form: CompiledForm) -> list:
    """SQL clauses on ``records`` limiting a query to the rows the actor may read: the read gate's answer."""
    return list(read_view(rt, conn, actor, form).scope)


def readable(rt: Runtime, conn, actor: Actor, form: CompiledForm, item: dict) -> dict:
    """The record as the actor may see it: fields the read gate hides are dropped."""
    hidden = read_view(rt, conn, actor, form).hidden
    if hidden:
        item["data"] = {k: v for k, v in item["data"].items() if k not in hidden}
    return item


# -- the write path ----------------------------------------------------------

def validate_record(rt: Runtime, actor: Actor, form: CompiledForm, data: dict, *, conn: sa.Connection,
                    skip_stages: frozenset = frozenset()) -> Write:
    """The front half of a create (defaults, effects, schema, required, references, submit validations), nothing saved.

    Raises ``ValidationFailed`` (or a stage's own error, e.g. a duplicate) exactly as ``create_record`` would.
    """
    w = Write(rt, conn, actor, form, "create", keyed(form, data), None, skip=frozenset(skip_stages))
    _write(w, save=False)
    return w


def _creating_owner(rt: Runtime, conn: sa.Connection, actor: Actor, form: CompiledForm, owner_id: int | None) -> int | None:
    """The owner of new records (the actor unless one is named, who must be an active user), once the actor may create."""
    if owner_id is not None and owner_id != actor.user_id:
        _require_user(rt, conn, owner_id, "/owner_id")
    owner_id = owner_id if owner_id is not None else actor.user_id
    check_access(rt, conn, actor, form, "create", {"owner_id": owner_id})
    return owner_id


def _require_user(rt: Runtime, conn: sa.Connection, user_id: int, path: str) -> None:
    """An owner named in a payload is an active user of this workspace, or the write is refused (422 at ``path``)."""
    found = 0 < user_id <= MAX_ID and conn.execute(sa.select(users.c.id).where(
        users.c.id == user_id, users.c.workspace_id == rt.workspace_id, users.c.is_active.is_(True))).first()
    if not found:
        raise ValidationFailed("no such active user", [ErrorItem.coded("error.approval.no_active_user", path=path, code="unknown_user",
                                                                        id=user_id)], message_code="error.record.no_active_user")


def _write(w: Write, *, owner_id: int | None = None, expected_version: int | None = None, save: bool = True) -> None:
    """One create or update, top to bottom; the access phase ran before (the caller's ``check_access``).

    phase          core step or feature stage (``rt.pipeline``, in ``engine.features`` order)
    -------------  -------------------------------------------------------------------------------------
    access         permissions.check_record_access, approvals.refuse_locked_writes (by the caller)
    --             unknown and engine-set fields refused; static defaults ($today, $now, $user, constants)
    defaults       autofill.defaults_and_fetch_stage (formula defaults, fetched values)
    effects        formrules.effects_stage (visible / required / read-only / options / set value),
                   permissions.write_effects (protected fields, unreadable references)
    --             hidden values dropped; schema validation and normalization; required; references exist
    assertions     formrules.validations_stage, attachments.refuse_foreign_attachments, member_limits, dedup.check_before_save
    fill           autofill.computed_stage, automations.before_save_stage, member_limits (the final values); then
                   serials (on PostgreSQL one is taken by the insert instead: record_serials)
    --             save + audit
    after_save     owner_field.follow_owner_field, autofill.propagate_stage (roll-ups, live fetches elsewhere),
                   automations.after_save_stage, attachments.bind_attachments, member_limits, dedup.store_keys,
                   planner.plan_after_save (due events)

    ``save=False`` stops after the assertions (``validate_record``). Stages in ``w.skip`` are left out.
    """
    pipeline = w.rt.pipeline
    _check_values(w)                     # unknown fields, defaults, effects, hidden values dropped, schema, required
    if not w.errors:
        w.errors += reference_errors(w)
        _run(pipeline.assertions, w)
    if w.errors:
        raise ValidationFailed(f"the {w.form.key} record is not valid", w.errors)
    if not save:
        return
    _run(pipeline.fill, w)
    counter = fill_serials(w) if w.action == "create" else {}  # PostgreSQL: the insert takes the number (record_serials)
    if counter and w.trusted and numbered_last(w):
        w.late_counter, counter = counter, {}
    _save(w, owner_id=owner_id, expected_version=expected_version, counter=counter)
    with row_written_first(w):  # a number roll-ups or fetches elsewhere may read is taken first; a row left for last is
        _run(pipeline.after_save, w)  # written before any statement of the stages (record_serials)


def _run(stages: tuple[Stage, ...], w: Write) -> None:
    for stage in stages:
        if stage not in w.skip:
            stage(w)


def _check_values(w: Write) -> None:
    """The checks that need nothing but the values: unknown fields, defaults, effects, hidden values, schema, required."""
    form = w.form
    refuse_unknown_and_engine_set(w)
    w.values = {**(w.before or {}), **w.incoming}
    if w.action == "create":
        apply_defaults(w)
    _run(w.rt.pipeline.defaults, w)      # formula defaults, fetched values
    _run(w.rt.pipeline.effects, w)       # visibility, required, read-only, allowed options; protected fields
    drop_hidden(w)
    shape = {fid: w.values.get(fid) for fid in form.schema["properties"] if fid in w.values}
    normalized, errors = form.validate(shape)
    w.errors += errors
    bad = {e.field_id for e in w.errors}
    w.values.update({k: v for k, v in normalized.items() if k not in bad})
    w.errors += [e for e in required_errors(w) if e.field_id not in bad]


def _validate_batch(writes: list[Write]) -> None:
    """``_validate`` for many creates: the same checks, the reference look-ups and set-based stages once per batch."""
    for w in writes:
        if w.failure is None:
            try:
                _check_values(w)
            except FormflowError as exc:
                w.failure = exc
    plain = [w for w in writes if w.failure is None and not w.errors]
    for w, errors in zip(plain, _reference_errors_batch(plain)):
        w.errors += errors
    plain = [w for w in plain if not w.errors]
    for stage in writes[0].rt.pipeline.assertions if writes else ():
        _run_batch_stage(stage, plain)
    for w in writes:
        if w.failure is None and w.errors:
            w.failure = ValidationFailed(f"the {w.form.key} record is not valid", w.errors)


def _run_batch_stage(stage: Stage, writes: list[Write], *, raising: bool = False) -> None:
    """One stage over the writes still going: its set-based twin if it has one, else write by write."""
    live = [w for w in writes if w.failure is None and stage not in w.skip]
    if not live:
        return
    twin = live[0].rt.pipeline.batch.get(stage)
    if twin is not None:
        twin(live)
        return
    for w in live:
        try:
            stage(w)
        except FormflowError as exc:
            if raising:
                raise
            w.failure = exc


def _without(item: dict, hidden: set[str]) -> dict:
    if hidden:
        item["data"] = {k: v for k, v in item["data"].items() if k not in hidden}
    return item


@dataclass(frozen=True)
class _FormChecks:
    """What the value checks need of a form, worked out once per compiled form (kept in its ``memo``)."""

    writable: frozenset[str]  # ids of the live fields a client may send (not deleted, not set by the engine)
    defaults: tuple[tuple[str, Any], ...]  # (field id, default) of the input fields that have one, in form order
    required: tuple[tuple[str, bool, Callable[[Any], bool]], ...]  # (field id, required by the form, empty?) per input field


def _form_checks(form: CompiledForm) -> _FormChecks:
    checks = form.memo.get("record_checks")
    if checks is None:
        checks = form.memo["record_checks"] = _FormChecks(
            writable=frozenset(fid for fid, f in form.by_id.items() if not f.get("deleted") and not FIELD_TYPES.get(f["type"]).engine_set),
            defaults=tuple((f["id"], f["default"]) for f in form.input_fields if f.get("default") is not None),
            required=tuple((f["id"], bool(f.get("required")), FIELD_TYPES.get(f["type"]).is_empty) for f in form.input_fields))
    return checks


def refuse_unknown_and_engine_set(w: Write) -> None:
    errors = []
    writable = _form_checks(w.form).writable
    for key in w.incoming:
        if key in writable:
            continue
        f = w.form.by_id.get(key)
        if f is None:
            errors.append(ErrorItem.coded("error.field.unknown", path=f"/data/{key}", field_id=key, code="unknown_field", field=repr(key)))
        elif f.get("deleted"):
            errors.append(w.form.coded(key, "error.field.deleted", code="deleted_field"))
        elif FIELD_TYPES.get(f["type"]).engine_set and (w.before or {}).get(key) != w.incoming[key]:
            errors.append(w.form.coded(key, "error.field.engine_set_here", code="read_only"))
    w.errors += errors
    for item in errors:  # keep checking the rest, so the user sees every problem at once
        w.incoming.pop(item.field_id, None)


def apply_defaults(w: Write) -> None:
    """Static defaults of the empty fields, read as the generated form reads them (``engine.field_defaults``)."""
    now = w.rt.clock.now()
    for fid, default in _form_checks(w.form).defaults:
        if w.values.get(fid) is None and not isinstance(default, dict):
            w.values[fid] = default_value(default, now=now, timezone=w.rt.timezone, user_id=w.actor.user_id)


def drop_hidden(w: Write) -> None:
    if (w.form.settings.get("hidden_values") or "drop") == "keep":
        return
    for fid, shown in w.visible.items():
        if not shown and w.values.get(fid) is not None:
            w.values[fid] = None


def required_errors(w: Write) -> list[ErrorItem]:
    errors = []
    for fid, required, is_empty in _form_checks(w.form).required:
        if w.required.get(fid, required) and w.visible.get(fid, True) and is_empty(w.values.get(fid)):
            errors.append(w.form.coded(fid, "error.field.required", code="required"))
    return errors


def reference_errors(w: Write) -> list[ErrorItem]:
    """Referenced records, users and attachments must exist (and not be deleted)."""
    return _reference_errors_batch([w])[0]


def _reference_errors_batch(writes: list[Write]) -> list[list[ErrorItem]]:
    """``reference_errors`` of many writes: one look-up per field for the whole batch (values a write leaves as they
    were are not checked again)."""
    out: list[list[ErrorItem]] = [[] for _ in writes]
    if not writes:
        return out
    form, conn = writes[0].form, writes[0].conn
    for f in form.input_fields:
        ftype = FIELD_TYPES.get(f["type"])
        if not (ftype.is_reference or ftype.is_user or ftype.holds_attachments):
            _own_id_errors(writes, f, out)
            continue
        wanted = [(i, ftype.ids(w.values[f["id"]])) for i, w in enumerate(writes)
                  if w.values.get(f["id"]) is not None and (w.before or {}).get(f["id"]) != w.values[f["id"]]]
        if not wanted:
            continue
        # the actor is a user who exists (users are deactivated, never deleted): "$user" needs no look-up
        found: set = {w.actor.user_id for w in writes if w.actor.user_id is not None} if ftype.is_user else set()
        every = sorted({x for _, ids in wanted for x in ids} - found, key=str)
        for start in range(0, len(every), _LOOKUP_CHUNK):
            chunk = every[start:start + _LOOKUP_CHUNK]
            if ftype.is_reference:
                target = reference_targets.target_form_id(f, form.app_key, writes[0].rt.workspace_id)  # maybe another app's form
                query = sa.select(records.c.id).where(records.c.id.in_(chunk), records.c.form_id == target, records.c.deleted_at.is_(None))
            elif ftype.is_user:
                query = sa.select(users.c.id).where(users.c.id.in_(chunk), users.c.workspace_id == writes[0].rt.workspace_id)
            else:
                query = sa.select(attachments.c.id).where(attachments.c.id.in_(chunk))
            found |= set(conn.execute(query).scalars())
        for i, ids in wanted:
            missing = [x for x in ids if x not in found]
            if not missing:
                continue
            ids_text = ", ".join(map(str, missing))
            if ftype.is_reference:
                out[i].append(form.coded(f["id"], "error.record.no_linked_record", code="not_found",
                                         form=FIELD_TYPES.get(f["type"]).linked_store(f), ids=ids_text))
            else:
                out[i].append(form.coded(f["id"], "error.record.no_user" if ftype.is_user else "error.record.no_upload",
                                         code="not_found", ids=ids_text))
    return out


def _own_id_errors(writes: list[Write], f: dict, out: list[list[ErrorItem]]) -> None:
    """Ids a field type looks up itself (``FieldType.missing_ids``: a team field's team must exist)."""
    ftype = FIELD_TYPES.get(f["type"])
    for i, w in enumerate(writes):
        value = w.values.get(f["id"])
        ids = ftype.ids(value) if value is not None and (w.before or {}).get(f["id"]) != value else []
        missing = ftype.missing_ids(w.conn, w.rt.workspace_id, ids) if ids else None
        if missing:
            out[i].append(w.form.coded(f["id"], "error.record.no_such_item", code="not_found", kind=ftype.label,
                                       ids=", ".join(map(str, missing))))


#: ids looked up per statement by the batch checks
_LOOKUP_CHUNK = 1000


def _save(w: Write, *, owner_id: int | None, expected_version: int | None, counter: dict) -> None:
    """``counter``: the serial the insert takes (``serials.counter_params``), none when empty."""
    from engine import dedup  # cycle: dedup's stages use this module's access checks
    now = w.rt.clock.now()
    data = {k: v for k, v in w.values.items() if v is not None}
    changes = record_rows.changes(w.before or {}, data)
    if w.action == "create":
        version = 1
        params = {"form_id": w.form.form_id, "form_version": w.form.version, "data": data, "owner_id": owner_id,
                  "created_by": w.actor.user_id, "created_at": now, "updated_by": w.actor.user_id, "updated_at": now, "version": 1,
                  "deleted_at": None, "deleted_by": None, **counter, **dedup.keys_for_insert(w)}
    else:
        if not changes and w.form.version == w.row["form_version"]:
            return
        version = expected_version + 1
        params = {"rid": w.record_id, "expected": expected_version, "data": data, "form_version": w.form.version,
                  "updated_by": w.actor.user_id, "updated_at": now, "version": version}
    if w.trusted:
        saved = save_trusted(w, params, record_rows.audit_params(w.action, w.actor, changes))
    else:
        saved = record_rows.save_audited(w.conn, params, create=w.action == "create", form_id=w.form.form_id, action=w.action,
                                         actor=w.actor, at=now, version=version, changes=changes)
    if saved is None:
        raise PreconditionFailed(f"record {w.record_id} was changed by someone else; reload it",
                                 message_code="error.record.changed_reload", params={"id": w.record_id})
    w.record_id, w.keys_unique = saved["id"], saved.get("keys_unique")
    w.values = {**data, counter["serial_field"]: saved["data"][counter["serial_field"]]} if counter else data
    w.row = dict(saved)


def _save_batch(writes: list[Write], *, owner_id: int | None) -> None:
    """``fill_serials`` + ``_save`` of many creates: serials from one counter move each, one insert of records, one of audit."""
    if not writes:
        return
    form, conn, rt, actor = writes[0].form, writes[0].conn, writes[0].rt, writes[0].actor
    now = rt.clock.now()
    for f in form.live_fields:
        if FIELD_TYPES.get(f["type"]).numbered:
            for w, number in zip(writes, next_serials(conn, form.form_id, f, now, rt.timezone, [w.values for w in writes])):
                w.values[f["id"]] = number
    for w in writes:
        w.values = {k: v for k, v in w.values.items() if v is not None}
    saved = record_rows.insert_created(conn, form_id=form.form_id, form_version=form.version, owner_id=owner_id,
                                       actor_id=actor.user_id, now=now, datas=[w.values for w in writes])
    for w, row in zip(writes, saved, strict=True):
        w.record_id = row["id"]
        w.row = row
    record_rows.audit_created(conn, form_id=form.form_id, actor=actor, now=now, created=[(w.record_id, w.values) for w in writes])


def _set_deleted(rt, actor, app_key, form_key, record_id, deleted: bool, if_match, conn):
    if conn is None:
        with rt.db.transaction() as c:
            return _set_deleted(rt, actor, app_key, form_key, record_id, deleted, if_match, c)
    form = compiled_form(rt, conn, app_key, form_key)
    row = _row(conn, form, record_id)
    if row is not None:
        check_access(rt, conn, actor, form, "delete" if deleted else "restore", row)
    if row is None or (row["deleted_at"] is not None) == deleted:
        state = "deleted" if deleted else "live"
        raise NotFound(f"no {'live' if deleted else 'deleted'} record {record_id} in form {form_key!r}" if row else
                       f"record {record_id} does not exist in form {form_key!r}", path="/record", state=state)
    if if_match is not None and if_match != row["version"]:
        raise PreconditionFailed(f"record {record_id} was changed by someone else (version {row['version']})", current_version=row["version"],
                                 message_code="error.record.changed_elsewhere", params={"id": record_id, "version": row["version"]})
    now = rt.clock.now()
    version = row["version"] + 1
    conn.execute(sa.update(records).where(records.c.id == record_id).values(
        deleted_at=now if deleted else None, deleted_by=actor.user_id if deleted else None, version=version,
        updated_at=now, updated_by=actor.user_id))
    record_rows.audit(conn, record_id, form.form_id, "delete" if deleted else "restore", actor, now, version, {})
    row = _row(conn, form, record_id)
    w = Write(rt, conn, actor, compiled_version(rt, conn, form.form_id, form.version), "delete" if deleted else "restore",
              {}, dict(row["data"]), values=dict(row["data"]), record_id=record_id, row=dict(row))
    _run(rt.pipeline.after_save, w)
    return readable(rt, conn, actor, form, record_dict(row, form))


def _row(conn, form: CompiledForm, record_id: int):
    return conn.execute(sa.select(records).where(records.c.id == record_id, records.c.form_id == form.form_id)).mappings().first()


def live_row(conn, form: CompiledForm, record_id: int):
    row = _row(conn, form, record_id)
    if row is None or row["deleted_at"] is not None:
        raise NotFound(f"record {record_id} does not exist in form {form.key!r}", path="/record",
                       message_code="error.record.not_in_form", params={"id": record_id, "form": repr(form.key)})
    return row
