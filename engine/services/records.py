"""Records: the one path every write takes, top to bottom in ``_write``.

submit -> defaults -> visibility (drop hidden values) -> schema validation ->
assertions -> computed / fetched values -> save + audit + events -> due-event
rows, all in one transaction. Other areas plug their stage in through the
hook lists below (rules, automations, workflows); the order is fixed here.
``create_records`` runs the same stages for many creates at once (an import
batch); a stage that queries the database may register a set-based twin in
``BATCH_STAGES`` so a batch costs a few statements, not a few per row.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

import sqlalchemy as sa

from engine.clock import utc_iso
from engine.definitions import CompiledForm
from engine.errors import ErrorItem, FormflowError, NotFound, PreconditionFailed, ValidationFailed
from engine.field_defaults import default_value
from engine.fields import FIELD_TYPES
from engine.runtime import Actor, Runtime
from engine.safety import MAX_ID, MAX_RECORD_BYTES
from engine.serials import next_serial, next_serials
from engine.services.forms import compiled_form, compiled_version
from engine.storage.tables import attachments, forms, record_audit, records, users


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
    notes: dict[str, Any] = field(default_factory=dict)  # stage-specific scratch (e.g. automations run)
    skip: frozenset = frozenset()  # stages this write leaves out (an import that runs no automations)
    failure: Exception | None = None  # in a batch: the error that ended this write (a single write raises it instead)

    @property
    def changed(self) -> set[str]:
        before = self.before or {}
        return {k for k in set(before) | set(self.values) if before.get(k) != self.values.get(k)}


Stage = Callable[[Write], None]
#: stages other areas add (rules: effects; rules: assertions; autofill; automations; workflows)
EFFECT_STAGES: list[Stage] = []      # after defaults: set visible/required/readonly, drop hidden values
ASSERTION_STAGES: list[Stage] = []   # after schema validation: submit validation rules
FILL_STAGES: list[Stage] = []        # computed and fetched values, before save
AFTER_SAVE_STAGES: list[Stage] = []  # automations, roll-ups, due events; same transaction
#: who may do what (permissions area): (rt, conn, actor, form, action, row) -> None, raising PermissionDenied or
#: NotFound; action is create / read / history / update / delete / restore; on create, row is {"owner_id": ...}
ACCESS_CHECKS: list[Callable] = []
#: more fields the actor may not read, beyond the role's field rights: (rt, conn, actor, form) -> set of field ids; the
#: read gate (``engine.services.readgate``) adds them, and the fields derived from them, to what it hides
READ_FILTERS: list[Callable] = []
#: more limits on the rows a query may return, beyond the role's read scope: (rt, conn, actor, form) -> SQL where clause
#: on ``records`` or None (all rows); the read gate adds them to its scope
ROW_SCOPES: list[Callable] = []
#: set-based twins of stages, for ``create_records``: stage -> fn(writes) doing that stage's work for a batch of creates
#: with a few statements in all; it records a write's error in ``w.failure`` (or its ``errors``) instead of raising
BATCH_STAGES: dict[Stage, Callable[[list[Write]], None]] = {}
#: (writes of a batch, checked and not yet saved) -> index of the first one that needs an earlier one saved first
#: (e.g. the same duplicate key: its error names the earlier record), or None
BATCH_DEPENDENCIES: list[Callable[[list[Write]], int | None]] = []


# -- public API ------------------------------------------------------------

def create_record(rt: Runtime, actor: Actor, app_key: str, form_key: str, data: dict, *,
                  owner_id: int | None = None, conn: sa.Connection | None = None, skip_stages: frozenset = frozenset()) -> dict:
    if conn is None:
        with rt.db.transaction() as c:
            return create_record(rt, actor, app_key, form_key, data, owner_id=owner_id, conn=c, skip_stages=skip_stages)
    form = compiled_form(rt, conn, app_key, form_key)
    owner_id = _creating_owner(rt, conn, actor, form, owner_id)
    w = Write(rt, conn, actor, form, "create", _keyed(form, data), None, skip=frozenset(skip_stages))
    _write(w, owner_id=owner_id)
    return readable(rt, conn, actor, form, record_dict(w.row, form))


def create_records(rt: Runtime, actor: Actor, app_key: str, form_key: str, rows: list[dict], *, owner_id: int | None = None,
                   conn: sa.Connection, skip_stages: frozenset = frozenset()) -> list[dict | FormflowError]:
    """Many creates in the caller's transaction, each as ``create_record`` would do it, with statements per batch, not per row.

    Returns one item per row, in order: the record, or the error that row alone would have raised (nothing of it
    is saved; the other rows are). Stages touching the database run set-based through ``BATCH_STAGES``; rows are
    checked against the database as it was before the batch, except that a row needing an earlier row of the batch
    (``BATCH_DEPENDENCIES``) is checked again once those are saved. An error past the checks (a key taken meanwhile,
    an automation failing) is raised, as ``create_record`` raises it: the caller rolls the transaction back.
    """
    form = compiled_form(rt, conn, app_key, form_key)
    owner_id = _creating_owner(rt, conn, actor, form, owner_id)
    hidden = hidden_fields(rt, conn, actor, form)
    out: list[dict | FormflowError] = []
    start = 0
    while start < len(rows):
        writes = []
        for data in rows[start:]:
            w = Write(rt, conn, actor, form, "create", {}, None, skip=frozenset(skip_stages))
            try:
                w.incoming = _keyed(form, data)
            except FormflowError as exc:
                w.failure = exc
            writes.append(w)
        _validate_batch(writes)
        for stage in FILL_STAGES:
            _run_batch_stage(stage, writes)
        ok = [w for w in writes if w.failure is None]
        cut = min((i for i in (dep(ok) for dep in BATCH_DEPENDENCIES) if i), default=None)
        if cut is not None:  # save the rows before it, then check it and the rest again
            writes = writes[:next(i for i, w in enumerate(writes) if w is ok[cut])]
            ok = ok[:cut]
        _save_batch(ok, owner_id=owner_id)
        for stage in AFTER_SAVE_STAGES:
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
    form = compiled_form(rt, conn, app_key, form_key)
    row = _live_row(conn, form, record_id)
    check_access(rt, conn, actor, form, "update", row)
    if if_match is not None and if_match != row["version"]:
        raise PreconditionFailed(f"record {record_id} was changed by someone else (version {row['version']}, you edited {if_match})",
                                 current_version=row["version"])
    w = Write(rt, conn, actor, form, "update", _keyed(form, data), dict(row["data"]), record_id=record_id, row=dict(row))
    _write(w, expected_version=row["version"])
    return readable(rt, conn, actor, form, record_dict(w.row, form))


def delete_record(rt: Runtime, actor: Actor, app_key: str, form_key: str, record_id: int, *,
                  if_match: int | None = None, conn: sa.Connection | None = None) -> None:
    _set_deleted(rt, actor, app_key, form_key, record_id, True, if_match, conn)


def restore_record(rt: Runtime, actor: Actor, app_key: str, form_key: str, record_id: int, *,
                   conn: sa.Connection | None = None) -> dict:
    return _set_deleted(rt, actor, app_key, form_key, record_id, False, None, conn)


def get_record(rt: Runtime, actor: Actor, app_key: str, form_key: str, record_id: int, *, include_deleted: bool = False) -> dict:
    with rt.db.read() as conn:
        form = compiled_form(rt, conn, app_key, form_key)
        row = _row(conn, form, record_id)
        if row is None or (row["deleted_at"] is not None and not include_deleted):
            raise NotFound(f"record {record_id} does not exist in form {form_key!r}", path="/record")
        check_access(rt, conn, actor, form, "read", row)
        return readable(rt, conn, actor, form, record_dict(row, form))


def record_history(rt: Runtime, actor: Actor, app_key: str, form_key: str, record_id: int) -> list[dict]:
    with rt.db.read() as conn:
        form = compiled_form(rt, conn, app_key, form_key)
        row = _row(conn, form, record_id)
        if row is None:
            raise NotFound(f"record {record_id} does not exist in form {form_key!r}", path="/record")
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
    for check in ACCESS_CHECKS:
        check(rt, conn, actor, form, action, row)


def hidden_fields(rt: Runtime, conn, actor: Actor, form: CompiledForm) -> frozenset[str]:
    """Fields the actor may not see, derived ones included: the read gate's answer."""
    from engine.services.readgate import read_view

    return read_view(rt, conn, actor, form).hidden


def row_scopes(rt: Runtime, conn, actor: Actor, form: CompiledForm) -> list:
    """SQL clauses on ``records`` limiting a query to the rows the actor may read: the read gate's answer."""
    from engine.services.readgate import read_view

    return list(read_view(rt, conn, actor, form).scope)


def readable(rt: Runtime, conn, actor: Actor, form: CompiledForm, item: dict) -> dict:
    """The record as the actor may see it: fields the read gate hides are dropped."""
    from engine.services.readgate import read_view

    hidden = read_view(rt, conn, actor, form).hidden
    if hidden:
        item["data"] = {k: v for k, v in item["data"].items() if k not in hidden}
    return item


def record_dict(row, form: CompiledForm) -> dict:
    return {"id": row["id"], "form": form.key, "app": form.app_key, "version": row["version"], "form_version": row["form_version"],
            "data": row["data"], "owner_id": row["owner_id"], "created_by": row["created_by"], "created_at": utc_iso(row["created_at"]),
            "updated_by": row["updated_by"], "updated_at": utc_iso(row["updated_at"]),
            "deleted_at": utc_iso(row["deleted_at"]) if row["deleted_at"] else None}


# -- the write path ----------------------------------------------------------

def validate_record(rt: Runtime, actor: Actor, form: CompiledForm, data: dict, *, conn: sa.Connection,
                    skip_stages: frozenset = frozenset()) -> Write:
    """The front half of a create (defaults, effects, schema, required, references, submit validations), nothing saved.

    Raises ``ValidationFailed`` (or a stage's own error, e.g. a duplicate) exactly as ``create_record`` would.
    """
    w = Write(rt, conn, actor, form, "create", _keyed(form, data), None, skip=frozenset(skip_stages))
    _validate(w)
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
        raise ValidationFailed("no such active user", [ErrorItem(f"no active user has id {user_id}", path=path, code="unknown_user")])


def _write(w: Write, *, owner_id: int | None = None, expected_version: int | None = None) -> None:
    _validate(w)
    for stage in FILL_STAGES:            # computed, fetched, roll-up values
        if stage not in w.skip:
            stage(w)
    if w.action == "create":
        _fill_serials(w)
    _save(w, owner_id=owner_id, expected_version=expected_version)
    for stage in AFTER_SAVE_STAGES:      # automations, roll-ups elsewhere, due events
        if stage not in w.skip:
            stage(w)


def _validate(w: Write) -> None:
    _check_values(w)
    if not w.errors:
        w.errors += _reference_errors(w)
        for stage in ASSERTION_STAGES:   # submit validation rules
            if stage not in w.skip:
                stage(w)
    if w.errors:
        raise ValidationFailed(f"the {w.form.key} record is not valid", w.errors)


def _check_values(w: Write) -> None:
    """The checks that need nothing but the values: unknown fields, defaults, effects, hidden values, schema, required."""
    form = w.form
    _refuse_unknown_and_engine_set(w)
    w.values = {**(w.before or {}), **w.incoming}
    if w.action == "create":
        _apply_defaults(w)
    for stage in EFFECT_STAGES:          # visibility, required, read-only, allowed options (rules)
        if stage not in w.skip:
            stage(w)
    _drop_hidden(w)
    shape = {fid: w.values.get(fid) for fid in form.schema["properties"] if fid in w.values}
    normalized, errors = form.validate(shape)
    w.errors += errors
    bad = {e.field_id for e in w.errors}
    w.values.update({k: v for k, v in normalized.items() if k not in bad})
    w.errors += [e for e in _required_errors(w) if e.field_id not in bad]


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
    for stage in ASSERTION_STAGES:
        _run_batch_stage(stage, plain)
    for w in writes:
        if w.failure is None and w.errors:
            w.failure = ValidationFailed(f"the {w.form.key} record is not valid", w.errors)


def _run_batch_stage(stage: Stage, writes: list[Write], *, raising: bool = False) -> None:
    """One stage over the writes still going: its set-based twin if it has one, else write by write."""
    live = [w for w in writes if w.failure is None and stage not in w.skip]
    if not live:
        return
    if stage in BATCH_STAGES:
        BATCH_STAGES[stage](live)
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


def _keyed(form: CompiledForm, data: Any) -> dict:
    """Client data keyed by field id; field names are accepted too."""
    if not isinstance(data, dict):
        raise ValidationFailed("record data must be an object keyed by field id or name", [ErrorItem("must be an object", path="/data")])
    if not _surely_small(data) and len(json.dumps(data, default=str).encode()) > MAX_RECORD_BYTES:
        raise ValidationFailed(f"record is larger than {MAX_RECORD_BYTES} bytes", [ErrorItem("too large", path="/data", code="too_large")])
    out = {}
    for key, value in data.items():
        f = form.by_id.get(key) or form.by_name.get(key)
        out[f["id"] if f else key] = value
    return out


def _surely_small(data: dict) -> bool:
    """Whether a flat record of texts and numbers is under ``MAX_RECORD_BYTES`` of JSON, known without encoding it.

    A bound, not the size: JSON escapes a character in at most 12 bytes ("\\ud83d\\ude00"), writes a number in at most
    9 bytes more than its repr ("-Infinity"), and adds 8 bytes per member at most (quotes, colon, comma, space).
    """
    size = 2
    for key, value in data.items():
        kind = type(value)
        if type(key) is not str:
            return False
        if kind is str:
            size += 12 * (len(key) + len(value)) + 8
        elif kind is int or kind is float or kind is bool or value is None:
            size += 12 * len(key) + len(repr(value)) + 17
        else:
            return False
    return size <= MAX_RECORD_BYTES


@dataclass(frozen=True)
class _FormChecks:
    """What the value checks need of a form, worked out once per compiled form (kept in its ``extra``)."""

    writable: frozenset[str]  # ids of the live fields a client may send (not deleted, not set by the engine)
    defaults: tuple[tuple[str, Any], ...]  # (field id, default) of the input fields that have one, in form order
    required: tuple[tuple[str, bool, Callable[[Any], bool]], ...]  # (field id, required by the form, empty?) per input field


def _form_checks(form: CompiledForm) -> _FormChecks:
    checks = form.extra.get("record_checks")
    if checks is None:
        checks = form.extra["record_checks"] = _FormChecks(
            writable=frozenset(fid for fid, f in form.by_id.items() if not f.get("deleted") and not FIELD_TYPES.get(f["type"]).engine_set),
            defaults=tuple((f["id"], f["default"]) for f in form.input_fields if f.get("default") is not None),
            required=tuple((f["id"], bool(f.get("required")), FIELD_TYPES.get(f["type"]).is_empty) for f in form.input_fields))
    return checks


def _refuse_unknown_and_engine_set(w: Write) -> None:
    errors = []
    writable = _form_checks(w.form).writable
    for key in w.incoming:
        if key in writable:
            continue
        f = w.form.by_id.get(key)
        if f is None:
            errors.append(ErrorItem(f"{key!r} is not a field of this form", path=f"/data/{key}", field_id=key, code="unknown_field"))
        elif f.get("deleted"):
            errors.append(w.form.error(key, "is a deleted field and can't be written", code="deleted_field"))
        elif FIELD_TYPES.get(f["type"]).engine_set and (w.before or {}).get(key) != w.incoming[key]:
            errors.append(w.form.error(key, "is set by the engine and can't be written", code="read_only"))
    w.errors += errors
    for item in errors:  # keep checking the rest, so the user sees every problem at once
        w.incoming.pop(item.field_id, None)


def _apply_defaults(w: Write) -> None:
    """Static defaults of the empty fields, read as the generated form reads them (``engine.field_defaults``)."""
    now = w.rt.clock.now()
    for fid, default in _form_checks(w.form).defaults:
        if w.values.get(fid) is None and not isinstance(default, dict):
            w.values[fid] = default_value(default, now=now, timezone=w.rt.timezone, user_id=w.actor.user_id)


def _drop_hidden(w: Write) -> None:
    if (w.form.settings.get("hidden_values") or "drop") == "keep":
        return
    for fid, shown in w.visible.items():
        if not shown and w.values.get(fid) is not None:
            w.values[fid] = None


def _required_errors(w: Write) -> list[ErrorItem]:
    errors = []
    for fid, required, is_empty in _form_checks(w.form).required:
        if w.required.get(fid, required) and w.visible.get(fid, True) and is_empty(w.values.get(fid)):
            errors.append(w.form.error(fid, "is required", code="required"))
    return errors


def _reference_errors(w: Write) -> list[ErrorItem]:
    """Referenced records, users and attachments must exist (and not be deleted)."""
    return _reference_errors_batch([w])[0]


def _reference_errors_batch(writes: list[Write]) -> list[list[ErrorItem]]:
    """``_reference_errors`` of many writes: one look-up per field for the whole batch (values a write leaves as they
    were are not checked again)."""
    out: list[list[ErrorItem]] = [[] for _ in writes]
    if not writes:
        return out
    form, conn = writes[0].form, writes[0].conn
    for f in form.input_fields:
        if f["type"] not in ("reference", "user", "attachment") and not FIELD_TYPES.get(f["type"]).holds_attachments:
            _own_id_errors(writes, f, out)
            continue
        ftype = FIELD_TYPES.get(f["type"])
        wanted = [(i, ftype.ids(w.values[f["id"]])) for i, w in enumerate(writes)
                  if w.values.get(f["id"]) is not None and (w.before or {}).get(f["id"]) != w.values[f["id"]]]
        if not wanted:
            continue
        every = sorted({x for _, ids in wanted for x in ids}, key=str)
        found: set = set()
        for start in range(0, len(every), _LOOKUP_CHUNK):
            chunk = every[start:start + _LOOKUP_CHUNK]
            if f["type"] == "reference":
                target = sa.select(forms.c.id).where(forms.c.app_id == sa.select(forms.c.app_id).where(forms.c.id == form.form_id).scalar_subquery(),
                                                     forms.c.key == f["options"]["form"]).scalar_subquery()
                query = sa.select(records.c.id).where(records.c.id.in_(chunk), records.c.form_id == target, records.c.deleted_at.is_(None))
            elif f["type"] == "user":
                query = sa.select(users.c.id).where(users.c.id.in_(chunk))
            else:
                query = sa.select(attachments.c.id).where(attachments.c.id.in_(chunk))
            found |= set(conn.execute(query).scalars())
        for i, ids in wanted:
            missing = [x for x in ids if x not in found]
            if not missing:
                continue
            if f["type"] == "reference":
                message = f"no {f['options']['form']} record with id {', '.join(map(str, missing))}"
            elif f["type"] == "user":
                message = f"no user with id {', '.join(map(str, missing))}"
            else:
                message = f"no uploaded file {', '.join(missing)}"
            out[i].append(form.error(f["id"], message, code="not_found"))
    return out


def _own_id_errors(writes: list[Write], f: dict, out: list[list[ErrorItem]]) -> None:
    """Ids a field type looks up itself (``FieldType.missing_ids``: a team field's team must exist)."""
    ftype = FIELD_TYPES.get(f["type"])
    for i, w in enumerate(writes):
        value = w.values.get(f["id"])
        ids = ftype.ids(value) if value is not None and (w.before or {}).get(f["id"]) != value else []
        missing = ftype.missing_ids(w.conn, w.rt.workspace_id, ids) if ids else None
        if missing:
            out[i].append(w.form.error(f["id"], f"no {ftype.name} with id {', '.join(map(str, missing))}", code="not_found"))


#: ids looked up per statement by the batch checks
_LOOKUP_CHUNK = 1000


def _fill_serials(w: Write) -> None:
    for f in w.form.live_fields:
        if f["type"] == "serial":
            w.values[f["id"]] = next_serial(w.conn, w.form.form_id, f, w.rt.clock.now(), w.rt.timezone, w.values)


def _save(w: Write, *, owner_id: int | None, expected_version: int | None) -> None:
    now = w.rt.clock.now()
    data = {k: v for k, v in w.values.items() if v is not None}
    if w.action == "create":
        saved = w.conn.execute(_INSERT_RECORD, {
            "form_id": w.form.form_id, "form_version": w.form.version, "data": data, "owner_id": owner_id,
            "created_by": w.actor.user_id, "created_at": now, "updated_by": w.actor.user_id, "updated_at": now, "version": 1,
            "deleted_at": None, "deleted_by": None}).mappings().one()
        w.record_id = saved["id"]
        version = 1
    else:
        changes = _changes(w.before or {}, data)
        if not changes and w.form.version == w.row["form_version"]:
            return
        version = expected_version + 1
        saved = w.conn.execute(_UPDATE_RECORD, {
            "rid": w.record_id, "expected": expected_version, "data": data, "form_version": w.form.version,
            "updated_by": w.actor.user_id, "updated_at": now, "version": version}).mappings().first()
        if saved is None:
            raise PreconditionFailed(f"record {w.record_id} was changed by someone else; reload it")
    _audit(w.conn, w.record_id, w.form.form_id, w.action, w.actor, now, version, _changes(w.before or {}, data))
    w.values = data
    w.row = dict(saved)


def _save_batch(writes: list[Write], *, owner_id: int | None) -> None:
    """``_fill_serials`` + ``_save`` of many creates: serials from one counter move each, one insert of records, one of audit."""
    if not writes:
        return
    form, conn, rt, actor = writes[0].form, writes[0].conn, writes[0].rt, writes[0].actor
    now = rt.clock.now()
    for f in form.live_fields:
        if f["type"] == "serial":
            for w, number in zip(writes, next_serials(conn, form.form_id, f, now, rt.timezone, [w.values for w in writes])):
                w.values[f["id"]] = number
    for w in writes:
        w.values = {k: v for k, v in w.values.items() if v is not None}
    params = [{"form_id": form.form_id, "form_version": form.version, "data": w.values, "owner_id": owner_id,
               "created_by": actor.user_id, "created_at": now, "updated_by": actor.user_id, "updated_at": now, "version": 1,
               "deleted_at": None, "deleted_by": None} for w in writes]
    if conn.dialect.name == "sqlite":
        # SQLite can't tie RETURNING rows to parameter sets (SQLAlchemy would send one INSERT per row); the writer holds
        # the database lock (BEGIN IMMEDIATE), so the ids are known: the ones SQLite picks itself, max(rowid) + 1 onwards
        last = conn.execute(_LAST_RECORD_ID).scalar() or 0
        for i, p in enumerate(params, start=1):
            p["id"] = last + i
        # one statement: [id, data as the JSON text SQLAlchemy would store] per record, the rest bound once; the rows
        # are what was sent (no RETURNING to read)
        conn.execute(_INSERT_SQLITE_RECORDS, {"rows": json.dumps([[p["id"], json.dumps(p["data"])] for p in params]),
                                              "form_id": form.form_id, "form_version": form.version, "owner_id": owner_id,
                                              "actor_id": actor.user_id, "now": now})
        saved = [{**p, "data": dict(p["data"])} for p in params]
    else:
        saved = conn.execute(_INSERT_RECORDS, params).mappings().all()
    for w, row in zip(writes, saved, strict=True):
        w.record_id = row["id"]
        w.row = dict(row)
    # one statement: [record id, changes as the JSON text SQLAlchemy would store] per record, the rest bound once
    conn.execute(_INSERT_CREATE_AUDITS[conn.dialect.name],
                 {"rows": json.dumps([[w.record_id, json.dumps(_changes({}, w.values))] for w in writes]),
                  "form_id": form.form_id, "actor_id": actor.user_id, "actor": actor.label, "at": now})


#: statements of the hot path, built once (SQLAlchemy then reuses their compiled form)
_INSERT_RECORD = sa.insert(records).returning(*records.c)
#: many records in one statement ("insertmanyvalues"), rows back in the order of the parameters
_INSERT_RECORDS = sa.insert(records).returning(*records.c, sort_by_parameter_order=True)
_INSERT_SQLITE_RECORDS = sa.text(
    "INSERT INTO records (id, form_id, form_version, data, owner_id, created_by, created_at, updated_by, updated_at, version) "
    "SELECT json_extract(r.value, '$[0]'), :form_id, :form_version, json_extract(r.value, '$[1]'), :owner_id, :actor_id, :now, "
    ":actor_id, :now, 1 FROM json_each(:rows) AS r ORDER BY r.key").bindparams(sa.bindparam("now", type_=records.c.created_at.type))
_LAST_RECORD_ID = sa.select(sa.func.max(records.c.id))
_UPDATE_RECORD = (sa.update(records)
                  .where(records.c.id == sa.bindparam("rid"), records.c.version == sa.bindparam("expected"))
                  .values(data=sa.bindparam("data"), form_version=sa.bindparam("form_version"),
                          updated_by=sa.bindparam("updated_by"), updated_at=sa.bindparam("updated_at"),
                          version=sa.bindparam("version"))
                  .returning(*records.c))
_INSERT_AUDIT = sa.insert(record_audit)
#: the audit rows of a batch of creates, from ``rows``: [[record id, changes as JSON text]] as JSON, in that order
_INSERT_CREATE_AUDITS = {dialect: sa.text(
    "INSERT INTO record_audit (record_id, form_id, action, actor_id, actor, at, record_version, changes) "
    f"SELECT {columns}, CAST(:form_id AS integer), 'create', CAST(:actor_id AS integer), CAST(:actor AS text), :at, 1, {changes} "
    f"FROM {source}").bindparams(sa.bindparam("at", type_=record_audit.c.at.type))
    for dialect, columns, changes, source in [
        ("postgresql", "CAST(a.value ->> 0 AS integer)", "CAST(a.value ->> 1 AS jsonb)",
         "jsonb_array_elements(CAST(:rows AS jsonb)) WITH ORDINALITY AS a(value, n) ORDER BY a.n"),
        ("sqlite", "json_extract(a.value, '$[0]')", "json_extract(a.value, '$[1]')", "json_each(:rows) AS a ORDER BY a.key"),
    ]}


def _changes(before: dict, after: dict) -> dict:
    if not before:  # a create: every value set
        return {k: [None, after[k]] for k in sorted(after) if after[k] is not None}
    return {k: [before.get(k), after.get(k)] for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)}


def _audit(conn, record_id, form_id, action, actor: Actor, at, version, changes) -> None:
    conn.execute(_INSERT_AUDIT, {"record_id": record_id, "form_id": form_id, "action": action, "actor_id": actor.user_id,
                                 "actor": actor.label, "at": at, "record_version": version, "changes": changes})


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
        raise PreconditionFailed(f"record {record_id} was changed by someone else (version {row['version']})", current_version=row["version"])
    now = rt.clock.now()
    version = row["version"] + 1
    conn.execute(sa.update(records).where(records.c.id == record_id).values(
        deleted_at=now if deleted else None, deleted_by=actor.user_id if deleted else None, version=version,
        updated_at=now, updated_by=actor.user_id))
    _audit(conn, record_id, form.form_id, "delete" if deleted else "restore", actor, now, version, {})
    row = _row(conn, form, record_id)
    w = Write(rt, conn, actor, compiled_version(rt, conn, form.form_id, form.version), "delete" if deleted else "restore",
              {}, dict(row["data"]), values=dict(row["data"]), record_id=record_id, row=dict(row))
    for stage in AFTER_SAVE_STAGES:
        stage(w)
    return readable(rt, conn, actor, form, record_dict(row, form))


def _row(conn, form: CompiledForm, record_id: int):
    return conn.execute(sa.select(records).where(records.c.id == record_id, records.c.form_id == form.form_id)).mappings().first()


def _live_row(conn, form: CompiledForm, record_id: int):
    row = _row(conn, form, record_id)
    if row is None or row["deleted_at"] is not None:
        raise NotFound(f"record {record_id} does not exist in form {form.key!r}", path="/record")
    return row
