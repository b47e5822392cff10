"""How many records hold each value of one field, in one statement: a kanban's lane counts (GROUP BY the field's SQL
expression). The records counted are those a list page of the same query would show the reader (``queries.matching``:
the read gate's row scope, deleted or not, filters, search), and a field the gate hides can be neither counted by nor
filtered on (the same refusal a list gives). Empty values (none, "", []) count together, as the ``empty`` filter finds them.
A person field's answer also names the people counted (``names``), each named without reading the whole user list (a
board's lanes by a person: ``engine.services.person_lanes``). At most ``MAX_GROUPS`` values are listed, the most held
first; past that the answer says so (``truncated``, the rest summed in ``others``) rather than dropping lanes silently.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from engine.errors import ErrorItem, ValidationFailed
from engine.fields import FIELD_TYPES
from engine.runtime import Actor, Runtime
from engine.services import queries, served_forms, users as user_service
from engine.services.readgate import read_view
from engine.storage.tables import records

#: most distinct values one answer lists (a lane per value; the rest are summed in ``others``)
MAX_GROUPS = 500


def count_by_field(rt: Runtime, actor: Actor, app_key: str, form_key: str, field_id: str, query: queries.Query) -> dict:
    """``{"field", "counts": {value as text: n}, "empty": n, "others": n, "total": n, "truncated": bool, "max_groups": n}``
    for the records ``query`` matches (``truncated``: more than ``max_groups`` values, those past it summed in ``others``).

    A value is keyed by its text (a person's id "12", a choice "won"), the same on SQLite and PostgreSQL. For a person field
    ``"names": {id as text: display name}`` of the people counted is added."""
    with rt.db.quick_read() as conn:
        form = served_forms.current(rt, conn, app_key, form_key)
        view = read_view(rt, conn, actor, form)
        view.check(conn, None)
        errors: list[ErrorItem] = []
        f = form.by_id.get(field_id) or form.by_name.get(field_id)
        if f is None or f["id"] in view.hidden or not FIELD_TYPES.get(f["type"]).groups_kanban(f):
            errors.append(ErrorItem.coded("error.field.unknown", field=repr(field_id), path="/by", field_id=field_id))
        where = queries.matching(rt, conn, actor, form, query, view, errors)
        if errors:
            raise ValidationFailed("the query is not valid", errors, message_code="error.query.invalid")
        value = sa.literal_column(queries.field_text_expr(conn.dialect.name, f["id"]))
        rows = conn.execute(sa.select(value.label("value"), sa.func.count().label("n")).select_from(records).where(*where)
                            .group_by(value).order_by(sa.func.count().desc())).all()
    counts: dict[str, int] = {}
    empty = others = 0
    for raw, n in rows:
        key = _text(raw)
        if key in ("", "[]"):
            empty += n
        elif len(counts) < MAX_GROUPS:
            counts[key] = counts.get(key, 0) + n
        else:
            others += n
    out = {"field": f["id"], "counts": counts, "empty": empty, "others": others, "total": sum(counts.values()) + empty + others,
           "truncated": others > 0, "max_groups": MAX_GROUPS}
    if FIELD_TYPES.get(f["type"]).is_user:
        names = user_service.display_names(rt, [int(k) for k in counts if k.isdigit()])
        out["names"] = {str(k): v for k, v in names.items()}
    return out


def _text(raw: Any) -> str:
    """A grouped value as text, dialect-neutral (SQLite's json_extract answers 12, PostgreSQL's ->> "12")."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, (float, Decimal)) and raw == int(raw):
        return str(int(raw))
    return str(raw)
