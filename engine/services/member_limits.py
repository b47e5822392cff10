"""A member field's limit on the write path: a create, an update or an import row whose value newly names a person the
field may not hold (``options.limit``: roles, teams; ``engine.fields.member_limit``) is refused, 422 at
``/data/<field>`` with the coded message ``error.record.user_outside_limit`` naming the ids.

Only people a write adds are checked: a value stored before the limit was set (or a person who left the team since) is
kept as long as the write leaves it there. A sub-table's member column is checked row by row (at
``/data/<table>/<row>/<column>``); a person any row held before counts as held. Forms without a limited field send no statement here; a limited field sends
one per write (one per field for a batch of creates: ``refuse_outside_limit_batch``).

This module's ``FEATURE`` (listed in ``engine.features``) is an assertion stage. Beside it: the member field a user
picker is opened for (``picker_field``: ``GET /api/users?app=&form=&field=`` lists only the people it may hold) and the
roles and teams the designer offers for a limit (``limit_choices``).
"""
from __future__ import annotations

import sqlalchemy as sa

from engine.errors import ErrorItem, ValidationFailed
from engine.fields import FIELD_TYPES
from engine.pipeline import Feature
from engine.runtime import Runtime
from engine.services import permissions, served_forms
from engine.storage.access_tables import teams

#: ids one look-up asks about
_CHUNK = 1000


def _added(w, f: dict, table: dict | None) -> list[tuple[str, list]]:
    """(error path, ids) of what the write puts into field ``f`` that it did not hold before; for a column of the
    sub-table ``table``, per row (what any row of the table held before counts as held)."""
    ftype = FIELD_TYPES.get(f["type"])
    if table is None:
        value, before = w.values.get(f["id"]), (w.before or {}).get(f["id"])
        if value is None or value == before:
            return []
        held = set(ftype.ids(before)) if before is not None else set()
        return [(f"/data/{f['id']}", [x for x in ftype.ids(value) if x not in held])]
    rows, before = w.values.get(table["id"]) or [], (w.before or {}).get(table["id"]) or []
    if rows == before:
        return []
    held = {x for row in before if isinstance(row, dict) for x in ftype.ids(row.get(f["id"]))}
    return [(f"/data/{table['id']}/{i}/{f['id']}", [x for x in ftype.ids(row.get(f["id"])) if x not in held])
            for i, row in enumerate(rows) if isinstance(row, dict) and row.get(f["id"]) is not None]


def _limited_fields(w) -> list[tuple[dict, dict | None]]:
    """(field, its sub-table or None) of the member fields with a limit, a sub-table's columns too (once per compiled form)."""
    known = w.form.memo.get("limited_fields")
    if known is not None:
        return known
    out = []
    for f in w.form.input_fields:
        ftype = FIELD_TYPES.get(f["type"])
        for col, table in ([(c, f) for c in ftype.row_fields(f)] if ftype.stores_rows else [(f, None)]):
            if col.get("type") in FIELD_TYPES and FIELD_TYPES.get(col["type"]).choosable_where(col, w.rt.workspace_id):
                out.append((col, table))
    w.form.memo["limited_fields"] = out
    return out


def refuse_outside_limit(w) -> None:
    """An assertion stage: each person newly put in a limited member field must be one it may hold."""
    refuse_outside_limit_batch([w])


def refuse_outside_limit_batch(writes: list) -> None:
    """``refuse_outside_limit`` of many writes of one form: one look-up per limited field."""
    if not writes:
        return
    first = writes[0]
    for f, table in _limited_fields(first):
        wanted = [(w, path, ids) for w in writes for path, ids in _added(w, f, table)]
        asked = sorted({x for _, _, ids in wanted for x in ids if isinstance(x, int)})
        refused: set = set()
        for start in range(0, len(asked), _CHUNK):
            refused |= set(FIELD_TYPES.get(f["type"]).refused_ids(first.conn, first.rt.workspace_id, f, asked[start:start + _CHUNK]))
        for w, path, ids in wanted:
            outside = [x for x in ids if x in refused]
            if outside:
                w.errors.append(w.form.coded((table or f)["id"], "error.record.user_outside_limit", path=path, code="outside_limit",
                                             ids=", ".join(map(str, outside))))


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


FEATURE = Feature("member_limits", assertions=refuse_outside_limit, assertions_batch=refuse_outside_limit_batch)
