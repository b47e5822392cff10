"""A member field's limit on the write path: a create, an update or an import row whose value newly names a person the
field may not hold (``options.limit``: roles, teams; ``engine.fields.member_limit``) is refused, 422 at
``/data/<field>`` with the coded message ``error.record.user_outside_limit`` naming the ids.

Only people a write adds are checked: a value stored before the limit was set (or a person who left the team since) is
kept as long as the write leaves it there. A sub-table's member column is checked row by row (at
``/data/<table>/<row>/<column>``); a person any row held before counts as held. Forms without a limited field send no
statement here; a limited field sends one per write (one per field for a batch of creates: ``refuse_outside_limit_batch``).

The limit is an invariant of the stored record, whoever wrote the value: what the stages after the assertions change
(a before-save automation's ``set_field``; an after-save stage such as the owner field taking a named owner) is checked
again on the final values (``refuse_filled_outside_limit``, ``refuse_stored_outside_limit``: no statement unless a
limited value changed). A person an automation put there is refused naming it
(``error.record.user_outside_limit_automation`` at the field's path, 422), not stored: the automation has to change. After-save writes into
records of other forms go through the record service and this same check; a live fetch the save copies into records
of other forms (derived data, written beside the record service) is checked by ``refuse_fetched_outside_limit``: an
outsider refuses the source's save. (Roll-ups write only roll-up and computed fields, which no limit can sit on.)

This module's ``FEATURE`` (listed in ``engine.features``) is an assertion, a fill and an after-save stage. Beside it:
the member field a user picker is opened for (``picker_field``: ``GET /api/users?app=&form=&field=`` lists only the
people it may hold) and the roles and teams the designer offers for a limit (``limit_choices``).
"""
from __future__ import annotations

import copy

import sqlalchemy as sa

from engine import bilingual_text, i18n
from engine.errors import ErrorItem, ValidationFailed
from engine.fields import FIELD_TYPES
from engine.fields.member_limit import member_columns
from engine.pipeline import Feature
from engine.runtime import Runtime
from engine.services import permissions, served_forms
from engine.storage.access_tables import teams

#: ids one look-up asks about
_CHUNK = 1000


def _added(w, f: dict, table: dict | None, *earlier: dict) -> list[tuple[str, list]]:
    """(error path, ids) of what the write puts into field ``f`` that none of the ``earlier`` data (default: what the
    record held before) held; for a column of the sub-table ``table``, per row (what any row of the table held counts
    as held)."""
    ftype = FIELD_TYPES.get(f["type"])
    earlier = earlier or ((w.before or {}),)
    if table is None:
        value = w.values.get(f["id"])
        if value is None or any(value == e.get(f["id"]) for e in earlier):
            return []
        held = {x for e in earlier if e.get(f["id"]) is not None for x in ftype.ids(e[f["id"]])}
        return [(f"/data/{f['id']}", [x for x in ftype.ids(value) if x not in held])]
    rows = w.values.get(table["id"]) or []
    if any(rows == (e.get(table["id"]) or []) for e in earlier):
        return []
    held = {x for e in earlier for row in e.get(table["id"]) or [] if isinstance(row, dict) for x in ftype.ids(row.get(f["id"]))}
    return [(f"/data/{table['id']}/{i}/{f['id']}", [x for x in ftype.ids(row.get(f["id"])) if x not in held])
            for i, row in enumerate(rows) if isinstance(row, dict) and row.get(f["id"]) is not None]


def _limited_fields(w) -> list[tuple[dict, dict | None]]:
    """(field, its sub-table or None) of the member fields with a limit, a sub-table's columns too (once per compiled form)."""
    known = w.form.memo.get("limited_fields")
    if known is not None:
        return known
    out = [(col, table) for col, table in member_columns(w.form.input_fields)
           if col.get("type") in FIELD_TYPES and FIELD_TYPES.get(col["type"]).choosable_where(col, w.rt.workspace_id)]
    w.form.memo["limited_fields"] = out
    return out


def refuse_outside_limit(w) -> None:
    """An assertion stage: each person newly put in a limited member field must be one it may hold."""
    refuse_outside_limit_batch([w])


def refuse_outside_limit_batch(writes: list) -> None:
    """``refuse_outside_limit`` of many writes of one form: one look-up per limited field. Each write keeps the values
    it checked (``Write.limits_checked``): what a later stage changes is checked again (``refuse_filled_outside_limit``)."""
    if not writes:
        return
    first = writes[0]
    limited = _limited_fields(first)
    for f, table in limited:
        for w, error in _outside(first, f, table, [(w, path, ids) for w in writes for path, ids in _added(w, f, table)]):
            w.errors.append(error)
    if limited:
        for w in writes:
            w.limits_checked = _checked_values(w, limited)


def refuse_filled_outside_limit(w) -> None:
    """A fill stage, after the before-save automations: a limited member field's final value holds only people it may
    (the limit is an invariant of the stored record, whoever wrote the value). Only what changed since the assertions
    is looked up (nothing, no statement, for a form without a limited field or a value left as checked); a person
    an automation put there is refused naming it (422 at the field's path, ``error.record.user_outside_limit_automation``)."""
    _refuse_changed(w, blame_automations=True)


def refuse_stored_outside_limit(w) -> None:
    """An after-save stage: the same check of what the first after-save stages changed (a create naming its owner
    puts them in the owner field, ``owner_field.follow_owner_field``); raising rolls the whole write back."""
    _refuse_changed(w, blame_automations=False)


def _refuse_changed(w, *, blame_automations: bool) -> None:
    limited = _limited_fields(w)
    if not limited or w.action not in ("create", "update"):
        return
    earlier = (w.before or {},) if w.limits_checked is None else (w.before or {}, w.limits_checked)
    errors = []
    for f, table in limited:
        errors += [error for _, error in _outside(w, f, table, [(w, path, ids) for path, ids in _added(w, f, table, *earlier)],
                                                  blame_automations)]
    w.limits_checked = _checked_values(w, limited)
    if errors:  # the items' words in the message too, as the record's own check says them in Chinese
        params = {"form": w.form.key, "detail": {loc: "; ".join(e.localized(loc) for e in errors) for loc in i18n.LOCALES}}
        raise ValidationFailed(i18n.render("error.record.invalid_because", "en", params), errors,
                               message_code="error.record.invalid_because", params=params)


def refuse_fetched_outside_limit(w, target, field_id: str, value, held: dict, source_field: str) -> None:
    """Before a save of ``w`` copies ``value`` (its field ``source_field``) into field ``field_id`` of the records
    ``held`` (id -> the value each holds now) of the compiled form ``target`` (a live fetch, ``autofill._propagate``):
    a person the copy newly puts into a limited member field must be one it may hold, or the whole save is refused
    (422 at ``/data/<source_field>``, ``error.record.user_outside_limit_fetched`` naming the target form, records and
    field; extras ``form``, ``field``, ``records``): the target's limit is an invariant of its stored records, and the
    fetch has to read through, so neither a stale value nor an outsider may be left there. A person a record held
    already stays; no statement unless the field is limited and someone is new."""
    f = target.by_id.get(field_id)
    ftype = FIELD_TYPES.get(f["type"]) if f is not None and f.get("type") in FIELD_TYPES else None
    if value is None or ftype is None or not ftype.is_user or not ftype.choosable_where(f, w.rt.workspace_id):
        return
    wanted = [(rid, None, [x for x in ftype.ids(value) if x not in (ftype.ids(old) if old is not None else ())])
              for rid, old in held.items() if old != value]
    refused = _refused(w, f, wanted)
    hit = sorted(rid for rid, _, ids in wanted if any(x in refused for x in ids))
    if not hit:
        return
    outside = sorted({x for rid, _, ids in wanted if rid in hit for x in ids if x in refused})
    shown = ", ".join(map(str, hit[:_NAMED])) + (", ..." if len(hit) > _NAMED else "")
    error = w.form.coded(source_field, "error.record.user_outside_limit_fetched", code="outside_limit",
                         extra={"form": target.key, "field": field_id, "records": hit}, ids=", ".join(map(str, outside)),
                         form=target.key, id=shown, field=target.labels(field_id))
    params = {"form": w.form.key, "detail": {loc: error.localized(loc) for loc in i18n.LOCALES}}
    raise ValidationFailed(i18n.render("error.record.invalid_because", "en", params), [error],
                           message_code="error.record.invalid_because", params=params)


#: most target records a fetched-value refusal names in its message (all of them in its ``records`` extra)
_NAMED = 10


def _outside(first, f: dict, table: dict | None, wanted: list, blame_automations: bool = False) -> list[tuple]:
    """(write, refusal) for each (write, path, ids) of ``wanted`` that puts someone outside field ``f``'s limit."""
    refused = _refused(first, f, wanted)
    return [(w, _outside_error(w, f, table, path, outside, blame_automations)) for w, path, ids in wanted
            if (outside := [x for x in ids if x in refused])]


def _refused(first, f: dict, wanted: list) -> set:
    """Of the ids in ``wanted`` ((write, path, ids)), those field ``f`` may not hold: one statement per chunk, none when empty."""
    asked = sorted({x for _, _, ids in wanted for x in ids if isinstance(x, int)})
    refused: set = set()
    for start in range(0, len(asked), _CHUNK):
        refused |= set(FIELD_TYPES.get(f["type"]).refused_ids(first.conn, first.rt.workspace_id, f, asked[start:start + _CHUNK]))
    return refused


def _outside_error(w, f: dict, table: dict | None, path: str, outside: list, blame_automations: bool = False) -> ErrorItem:
    """The refusal at ``path``; naming the before-save automation that last set the field, when one did."""
    key = (table or f)["id"]
    ids = ", ".join(map(str, outside))
    by = next((a for a in reversed(w.automations_run) if a.get("mode") == "set" and key in (a.get("values") or {})),
              None) if blame_automations else None
    if by is None:
        return w.form.coded(key, "error.record.user_outside_limit", path=path, code="outside_limit", ids=ids)
    return w.form.coded(key, "error.record.user_outside_limit_automation", path=path, code="outside_limit",
                        extra={"automation": by["id"]}, name=bilingual_text.quoted(by["name"]), ids=ids)


def _checked_values(w, limited: list) -> dict:
    """The values of the limited fields (a column's sub-table) as checked: copies, so a later stage changing one in
    place still differs."""
    return {key: copy.deepcopy(w.values.get(key)) for key in {(table or f)["id"] for f, table in limited}}


def picker_field(rt: Runtime, app_key: str, form_key: str, field_id: str) -> dict:
    """The member field ``field_id`` of the published form (a sub-table's column too), whose picker lists people; 422 at
    ``/field`` when the form has no such member field (404 for an unknown app or form)."""
    with rt.db.quick_read() as conn:
        form = served_forms.current(rt, conn, app_key, form_key)
    columns = (c for f in form.input_fields if FIELD_TYPES.get(f["type"]).stores_rows
               for c in FIELD_TYPES.get(f["type"]).row_fields(f))
    f = form.by_id.get(field_id) or next((c for c in columns if c.get("id") == field_id), None)
    if f is None or f.get("deleted") or f.get("type") not in FIELD_TYPES or not FIELD_TYPES.get(f["type"]).is_user:
        raise ValidationFailed("no such member field", [ErrorItem.coded("error.field.unknown", field=repr(field_id), path="/field",
                                                                        field_id=field_id, code="unknown_field")],
                               message_code="error.query.invalid")
    return f


def limit_choices(rt: Runtime) -> dict[str, list[dict]]:
    """``{"roles": [{key, label}], "teams": [{key, label}]}`` of the workspace, by label: what a designer ticks to limit a
    member field (the built-in roles among them)."""
    role_rows = permissions.list_roles(rt)
    with rt.db.read() as conn:
        team_rows = conn.execute(sa.select(teams.c.key, teams.c.name).where(teams.c.workspace_id == rt.workspace_id)
                                 .order_by(teams.c.name, teams.c.id)).all()
    return {"roles": [{"key": r["key"], "label": r["label"]} for r in role_rows], "teams": [{"key": t.key, "label": t.name} for t in team_rows]}


FEATURE = Feature("member_limits", assertions=refuse_outside_limit, assertions_batch=refuse_outside_limit_batch,
                  fill=refuse_filled_outside_limit, after_save=refuse_stored_outside_limit)
