"""A constant value a definition writes into a field (a form automation's ``{"field", "value"}``, a workflow's
``set_field``), checked when the definition is published: it fits the field's shape, and a person it names is one of
the workspace whom the field's member limit allows. Each caller words the refusal as its own (its code, its path)."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from engine.fields import FIELD_TYPES
from engine.storage.tables import users

#: what is wrong with a constant (``problem``): it does not fit the field, names no person of the workspace, or a
#: person outside the field's limit
DOES_NOT_FIT, NO_USER, OUTSIDE_LIMIT = "value_does_not_fit", "value_no_user", "value_outside_limit"


def fits(f: dict, value: Any) -> bool:
    """``value`` is one the field ``f`` can hold (None, an empty value, always is)."""
    ftype = FIELD_TYPES.get(f["type"]) if f.get("type") in FIELD_TYPES else None
    return value is None or ftype is None or ftype.can_hold(value, f)


def people_problem(rt, conn, f: dict, value: Any) -> tuple[str, list[int]] | None:
    """For a member field: (NO_USER, the ids no person of the workspace has) or (OUTSIDE_LIMIT, those the field's limit
    refuses); None when every person is allowed or ``f`` holds no people. One look-up, none without people."""
    ftype = FIELD_TYPES.get(f["type"]) if f.get("type") in FIELD_TYPES else None
    if ftype is None or not ftype.is_user or value is None:
        return None
    ids = [x for x in ftype.ids(value) if isinstance(x, int) and not isinstance(x, bool)]
    if not ids:
        return None
    found = set(conn.execute(sa.select(users.c.id).where(users.c.id.in_(ids), users.c.workspace_id == rt.workspace_id)).scalars())
    missing = [x for x in ids if x not in found]
    if missing:
        return NO_USER, missing
    outside = ftype.refused_ids(conn, rt.workspace_id, f, ids)
    return (OUTSIDE_LIMIT, list(outside)) if outside else None


def problem(rt, conn, f: dict, value: Any) -> tuple[str, list[int] | None] | None:
    """What keeps ``value`` out of field ``f`` (DOES_NOT_FIT with None, or ``people_problem``'s), None: nothing."""
    if not fits(f, value):
        return DOES_NOT_FIT, None
    return people_problem(rt, conn, f, value)
