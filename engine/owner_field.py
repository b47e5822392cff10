"""One owner: a form may name the user field that says whose record it is (``settings.owner_field``).

The record's owner (``records.owner_id``) is what the read and write scopes (own / team), the "owner" recipients and
time zone of workflows, and "my records" filters all read. With an owner field, that owner *is* the field's value:
after every save the owner follows it (a record whose owner field is empty keeps its owner). Without one, the owner
is whoever created the record, as before. So a CRM follow-up's visible Owner, chosen by hand or fetched from the
customer, is the person its reminder goes to and the person whose "own" records it is.

This module is a feature: a publish check (the named field is a live, single user field) and a stage that runs first
after the save, before automations and workflow planning read the owner.
"""
from __future__ import annotations

import sqlalchemy as sa

from engine.errors import ErrorItem
from engine.fields import FIELD_TYPES
from engine.pipeline import Feature
from engine.storage.tables import records


def owner_field(form) -> str | None:
    """The id of the form's owner field (a compiled form or a definition), or None."""
    settings = form.settings if hasattr(form, "settings") else (form.get("settings") or {})
    return settings.get("owner_field") or None


def owner_from(form, values: dict) -> int | None:
    """The owner the values name through the form's owner field (None: no owner field, or it is empty)."""
    fid = owner_field(form)
    value = values.get(fid) if fid else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def check_owner_field(rt, conn, app, definition: dict, all_definitions) -> list[ErrorItem]:
    fid = owner_field(definition)
    if fid is None:
        return []
    f = next((x for x in definition.get("fields", []) if x.get("id") == fid and not x.get("deleted")), None)
    if f is None or f.get("type") not in FIELD_TYPES or not FIELD_TYPES.get(f["type"]).is_user or \
            (f.get("options") or {}).get("multiple"):
        return [ErrorItem.coded("error.owner_field.single_user", path="/settings/owner_field", code="invalid_owner_field",
                                field=repr(fid))]
    return []


def follow_owner_field(w) -> None:
    """After save: the record's owner is its owner field's value (one statement, only when it differs).

    A create that names its owner (``owner_id``, an import or an API client acting for someone) and leaves the owner
    field to its default puts that owner in the field instead: the two never disagree.
    """
    fid = owner_field(w.form)
    if fid is None or w.row is None or w.action not in ("create", "update"):
        return
    owner = owner_from(w.form, w.values)
    named = w.row.get("owner_id")
    if w.action == "create" and w.incoming.get(fid) is None and named is not None and named != w.actor.user_id:
        if owner != named:
            w.values[fid] = named
            w.row["data"] = {**(w.row.get("data") or {}), fid: named}
            w.conn.execute(_SET_DATA, {"rid": w.record_id, "data": w.row["data"]})
        return
    if owner is None or owner == named:
        return
    w.conn.execute(_SET_OWNER, {"rid": w.record_id, "owner": owner})
    w.row["owner_id"] = owner


#: built once: runs on saves of forms with an owner field
_SET_OWNER = sa.update(records).where(records.c.id == sa.bindparam("rid")).values(owner_id=sa.bindparam("owner"))
_SET_DATA = sa.update(records).where(records.c.id == sa.bindparam("rid")).values(data=sa.bindparam("data"))

#: this module's part in forms and writes (listed in ``engine.features``, first of the after-save stages)
FEATURE = Feature("owner_field", check_publish=check_owner_field, after_save=follow_owner_field)


def _says_owner(f: dict) -> bool:
    label = f.get("label")
    texts = list(label.values()) if isinstance(label, dict) else [label]
    return f.get("id") == "owner" or any(str(t or "").strip().lower() in ("owner", "负责人") for t in texts)


def likely_owner_field(definition: dict) -> str | None:
    """The user field that most likely says whose record it is: the form's owner field, else among its live single
    user fields one labelled Owner / 负责人, then a required one, then the first (None: the form has no user field)."""
    named = owner_field(definition)
    if named:
        return named
    users = [f for f in definition.get("fields", []) if isinstance(f, dict) and not f.get("deleted")
             and f.get("type") in FIELD_TYPES and FIELD_TYPES.get(f["type"]).is_user
             and not (f.get("options") or {}).get("multiple")]
    if not users:
        return None
    return min(enumerate(users), key=lambda p: (not _says_owner(p[1]), not p[1].get("required"), p[0]))[1]["id"]


def default_recipient(definition: dict) -> dict:
    """Whom a new notify step sends to: the record's owner when the form names its owner field (or has no user
    field: then the owner is who created the record), else the user field that most likely holds the owner."""
    fid = likely_owner_field(definition)
    return {"owner": True} if fid is None or fid == owner_field(definition) else {"field": fid}
