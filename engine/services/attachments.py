"""Who may download an uploaded file.

A file is readable by the person who uploaded it, and by anyone who may read
a live record holding it in an attachment field that their role does not hide.
The record check is the records service's own (row scope and field
permissions), so a file is never a side door to a record.
"""
from __future__ import annotations

import sqlalchemy as sa

from engine.errors import FormflowError, NotFound
from engine.fields import FIELD_TYPES
from engine.runtime import Actor, Runtime
from engine.services import records as record_service
from engine.services.forms import compiled_version
from engine.storage.tables import apps, forms, records

#: records looked at when searching for one that grants access to a file
MAX_HOLDERS_CHECKED = 50


def check_download(rt: Runtime, conn: sa.Connection, actor: Actor, attachment: dict) -> None:
    """Raise NotFound (never 403: no probing) unless ``actor`` may read this file."""
    if attachment["created_by"] is not None and attachment["created_by"] == actor.user_id:
        return
    if actor.user_id is None and actor.label == "system":
        return
    needle = f'%"{attachment["id"]}"%'  # ids are 32 hex characters: a quoted match is exact
    holders = conn.execute(
        sa.select(records.c.id, records.c.form_id, records.c.form_version, records.c.owner_id, records.c.data)
        .join(forms, forms.c.id == records.c.form_id).join(apps, apps.c.id == forms.c.app_id)
        .where(apps.c.workspace_id == rt.workspace_id, records.c.deleted_at.is_(None),
               sa.cast(records.c.data, sa.Text).like(needle))
        .limit(MAX_HOLDERS_CHECKED)).mappings().all()
    for row in holders:
        form = compiled_version(rt, conn, row["form_id"], row["form_version"])
        fields = [f for f in form.live_fields if FIELD_TYPES.get(f["type"]).name == "attachment"
                  and attachment["id"] in _ids(row["data"].get(f["id"]))]
        if not fields:
            continue
        try:
            record_service.check_access(rt, conn, actor, form, "read", row)
        except FormflowError:
            continue
        hidden = record_service.hidden_fields(rt, conn, actor, form)
        if any(f["id"] not in hidden for f in fields):
            return
    raise NotFound(f"no uploaded file {attachment['id']}", path="/attachment")


def _ids(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
