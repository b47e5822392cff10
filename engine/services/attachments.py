"""Uploaded files: what each is bound to, which records may hold it, and who may download it.

An upload is bound to the form and attachment field it was uploaded for (named at upload, else at its first save)
and, at its first save, to that record. From then on only that record's field may hold it: a write naming a file
bound to another record or field, or an unbound file someone else uploaded, is refused (422 at ``/data/<field>``),
so an attachment id seen elsewhere is no key to a file. A download of a bound file follows the read gate of the
record it is bound to (row scope, and the field's visibility); an unbound one is for its uploader only. Files
uploaded before bindings existed (no form, field or record) are readable through a live record holding them, as
they were.

The write side is this module's ``FEATURE`` (listed in ``engine.features``): ``refuse_foreign_attachments`` (an
assertion) and ``bind_attachments`` (after save).
"""
from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa

from engine import i18n
from engine.errors import ErrorItem, FormflowError, NotFound, ValidationFailed
from engine.fields import FIELD_TYPES
from engine.fields.base import FieldValueError
from engine.fields.linked import is_attachment_id
from engine.pipeline import Feature
from engine.runtime import Actor, Runtime
from engine.services import records as record_service
from engine.services.form_lookup import compiled_form, compiled_version
from engine.storage.tables import apps, attachments, forms, records

#: records looked at when searching for one that grants access to a file uploaded before bindings existed
MAX_HOLDERS_CHECKED = 50


def new_upload(rt: Runtime, actor: Actor, *, attachment_id: str, filename: str, content_type: str, size: int, sha256: str,
               form_id: int | None = None, field_id: str | None = None) -> dict:
    """Store the row of a file just written (``field_id`` of ``form_id``: what it is uploaded for, when named)."""
    row = {"id": attachment_id, "workspace_id": rt.workspace_id, "filename": filename, "content_type": content_type,
           "size": size, "sha256": sha256, "created_by": actor.user_id, "created_at": rt.clock.now(),
           "form_id": form_id, "field_id": field_id if form_id is not None else None, "record_id": None}
    with rt.db.transaction() as conn:
        conn.execute(sa.insert(attachments).values(**row))
    return row


# -- storing uploads and reading them back -------------------------------------------

#: upload size when the attachment field sets no ``options.max_size`` (bytes)
DEFAULT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
#: Server configuration key: the folder uploaded files are kept in (``FORMFLOW_ATTACHMENT_DIR``).
DIRECTORY_CONFIG = "ATTACHMENT_DIR"


class Upload(Protocol):
    """One uploaded file as the web layer hands it over (werkzeug's ``FileStorage`` is one)."""

    filename: str | None
    mimetype: str | None

    def read(self, size: int = -1) -> bytes: ...


def attachment_dir(rt: Runtime) -> Path:
    """The folder files are kept in (made when missing)."""
    path = Path(rt.config[DIRECTORY_CONFIG])
    path.mkdir(parents=True, exist_ok=True)
    return path


def upload_target(rt: Runtime, app_key: str | None, form_key: str | None, field_id: str | None) -> tuple[int | None, dict]:
    """(form id, the attachment field) an upload is for, or (None, {}) when none is named (bound at its first save);
    422 when the field is no attachment field of the form."""
    if not (app_key and form_key and field_id):
        return None, {}
    with rt.db.read() as conn:
        form = compiled_form(rt, conn, app_key, form_key)
    f = next((f for f in form.live_fields if f["id"] == field_id and FIELD_TYPES.get(f["type"]).holds_attachments), None)
    if f is None:
        raise ValidationFailed(f"{field_id!r} is not an attachment field of {form_key!r}",
                               [ErrorItem.coded("error.attachment.not_field_item", path="/field")], message_code="error.attachment.not_field",
                               params={"field": repr(field_id), "form": repr(form_key)})
    return form.form_id, f


def accepted(accept: list[str] | None, filename: str, mimetype: str) -> bool:
    """``options.accept``: ".pdf" (extension), "image/*" (type family) or "application/pdf" (exact type)."""
    if not accept:
        return True
    name, mimetype = filename.lower(), (mimetype or "").lower()
    return any(name.endswith(a.lower()) if a.startswith(".") else
               mimetype.startswith(a[:-1].lower()) if a.endswith("/*") else mimetype == a.lower() for a in accept)


def _refused(f: dict, code: str, reason: str, message_code: str, **params: Any) -> ValidationFailed:
    """A refused file: ``message_code`` (its params) says what of which file, ``reason`` (a catalogue key too) why, at /file."""
    return ValidationFailed(i18n.render(message_code, "en", params), [ErrorItem.coded(reason, path="/file", field_id=f.get("id"),
                                                                                      code=code, **params)],
                            message_code=message_code, params=params)


def store_uploads(rt: Runtime, actor: Actor, files: list[Upload], *, app_key: str | None = None,
                  form_key: str | None = None, field_id: str | None = None) -> list[dict]:
    """Check and keep uploaded files for ``field_id`` of ``form_key`` (its type, ``accept`` and ``max_size``; what the
    type keeps beside a file, such as a picture's thumbnail), or unbound when no field is named;
    ``[{id, filename, size, content_type}]``. Any refused file is a 422 naming it."""
    if not files:
        raise ValidationFailed("send the file as multipart form data named 'file'", [ErrorItem.coded("error.attachment.no_file_item", path="/file")],
                               message_code="error.attachment.no_file")
    form_id, f = upload_target(rt, app_key, form_key, field_id)
    options = f.get("options") or {}
    limit = options.get("max_size") or DEFAULT_ATTACHMENT_MAX_BYTES
    ftype = FIELD_TYPES.get(f["type"]) if f else None
    saved = []
    for upload in files:
        filename, mimetype = upload.filename or "", upload.mimetype or ""
        if ftype and not ftype.accepts_upload(filename, mimetype, f):
            raise _refused(f, "not_accepted", "error.attachment.type_item", "error.attachment.type_not_taken" if mimetype
                           else "error.attachment.file_not_taken", filename=filename, type=ftype.label, mimetype=mimetype)
        if not accepted(options.get("accept"), filename, mimetype):
            raise _refused(f, "not_accepted", "error.attachment.type_item", "error.attachment.accepts", filename=filename,
                           accept=", ".join(options["accept"]))
        data = upload.read(limit + 1)
        if len(data) > limit:
            size = f"{limit / (1024 * 1024):.1f} MB" if limit >= 1024 * 1024 else f"{max(1, limit // 1024)} KB"
            raise _refused(f, "too_large", "error.attachment.size_item", "error.attachment.too_large", filename=filename, size=size)
        try:  # what the field type keeps beside the file (an image's thumbnail); it refuses what it can't read
            extra = ftype.renditions(data, f) if ftype else {}
        except ValueError as exc:
            detail = i18n.texts(exc.message_code, exc.params) if isinstance(exc, FieldValueError) else str(exc)
            raise _refused(f, "not_accepted", "error.attachment.unreadable_item", "error.attachment.unreadable", filename=filename,
                           detail=detail) from None
        attachment_id = uuid.uuid4().hex
        folder = attachment_dir(rt)
        (folder / attachment_id).write_bytes(data)
        for suffix, content in extra.items():
            (folder / f"{attachment_id}.{suffix}").write_bytes(content)
        name = Path(filename or "file").name[:255] or "file"
        row = new_upload(rt, actor, attachment_id=attachment_id, filename=name,
                         content_type=(mimetype or "application/octet-stream")[:200], size=len(data),
                         sha256=hashlib.sha256(data).hexdigest(), form_id=form_id, field_id=f.get("id"))
        saved.append({"id": attachment_id, "filename": name, "size": len(data), "content_type": row["content_type"]})
    return saved


def readable_file(rt: Runtime, actor: Actor, attachment_id: str, suffix: str = "") -> tuple[dict, Path]:
    """The file's row and path (``<id>.<suffix>``: a rendition such as the thumbnail), if ``actor`` may read it;
    404 otherwise (never 403: an unknown id and a file the caller may not read look the same)."""
    if not is_attachment_id(attachment_id):
        raise NotFound(f"no uploaded file {attachment_id}", path="/attachment", message_code="error.attachment.not_found",
                       params={"id": attachment_id})
    with rt.db.read() as conn:
        row = conn.execute(sa.select(attachments).where(attachments.c.id == attachment_id,
                                                        attachments.c.workspace_id == rt.workspace_id)).mappings().first()
        if row is not None:
            check_download(rt, conn, actor, dict(row))
    path = attachment_dir(rt) / (f"{attachment_id}.{suffix}" if suffix else attachment_id)
    if row is None or not path.is_file():
        raise NotFound(f"no uploaded file {attachment_id}" + (f" {suffix}" if suffix else ""), path="/attachment",
                       message_code="error.attachment.not_found", params={"id": f"{attachment_id} {suffix}".strip()})
    return dict(row), path


# -- the write side ----------------------------------------------------------------

def _trusted(actor: Actor) -> bool:
    """The system and automations (set up by designers) move files between records; people and public forms don't."""
    return (actor.user_id is None and actor.label == "system") or actor.depth > 0


def _attachment_fields(form) -> list[dict]:
    return [f for f in form.input_fields if FIELD_TYPES.get(f["type"]).holds_attachments]


def _new_ids(w, f: dict) -> list[str]:
    """The file ids this write puts into field ``f`` that were not there before."""
    value = w.values.get(f["id"])
    if value is None:
        return []
    ftype = FIELD_TYPES.get(f["type"])
    try:
        ids = ftype.ids(value)
        before = set(ftype.ids((w.before or {}).get(f["id"]))) if (w.before or {}).get(f["id"]) is not None else set()
    except (TypeError, ValueError):
        return []  # the schema check reports the shape
    return [i for i in ids if isinstance(i, str) and i not in before]


def refuse_foreign_attachments(w) -> None:
    """An assertion stage: each file newly put in an attachment field must be bound to this record and field, or be
    an unbound upload of the writer's own (for this form and field, when it named one at upload)."""
    if _trusted(w.actor):
        return
    for f in _attachment_fields(w.form):
        ids = _new_ids(w, f)
        if not ids:
            continue
        rows = w.conn.execute(sa.select(attachments.c.id, attachments.c.created_by, attachments.c.form_id, attachments.c.field_id,
                                        attachments.c.record_id)
                              .where(attachments.c.id.in_(ids), attachments.c.workspace_id == w.rt.workspace_id)).mappings().all()
        foreign = [r["id"] for r in rows if not _may_hold(w, f, r)]
        if foreign:
            w.errors.append(w.form.coded(f["id"], "error.record.foreign_upload", code="foreign_attachment", ids=", ".join(foreign)))


def _may_hold(w, f: dict, row: Any) -> bool:
    if row["record_id"] is not None:
        return row["record_id"] == w.record_id and row["form_id"] == w.form.form_id and row["field_id"] == f["id"]
    if row["created_by"] is None or row["created_by"] != w.actor.user_id:
        return False
    return row["form_id"] is None or (row["form_id"] == w.form.form_id and row["field_id"] == f["id"])


def bind_attachments(w) -> None:
    """After save: files new to this record that are not bound yet are bound to it and its field."""
    if w.row is None or w.record_id is None:
        return
    for f in _attachment_fields(w.form):
        ids = _new_ids(w, f)
        if not ids:
            continue
        w.conn.execute(sa.update(attachments).where(attachments.c.id.in_(ids), attachments.c.record_id.is_(None),
                                                    attachments.c.workspace_id == w.rt.workspace_id)
                       .values(form_id=w.form.form_id, field_id=f["id"], record_id=w.record_id))
        if _trusted(w.actor):
            continue
        ours = w.conn.execute(sa.select(sa.func.count()).select_from(attachments).where(
            attachments.c.id.in_(ids), attachments.c.record_id == w.record_id, attachments.c.field_id == f["id"])).scalar_one()
        if ours < len(set(ids)):  # another record took the file between the check and this save: this save loses
            raise ValidationFailed(f"the {w.form.key} record is not valid", [w.form.coded(
                f["id"], "error.attachment.foreign", code="foreign_attachment")], message_code="error.attachment.record_invalid",
                params={"form": w.form.key})


# -- the read side ---------------------------------------------------------------

def check_download(rt: Runtime, conn: sa.Connection, actor: Actor, attachment: dict) -> None:
    """Raise NotFound (never 403: no probing) unless ``actor`` may read this file."""
    if actor.user_id is None and actor.label == "system":
        return
    if attachment.get("record_id") is not None:
        if _bound_record_readable(rt, conn, actor, attachment):
            return
    elif attachment["created_by"] is not None and attachment["created_by"] == actor.user_id:
        return
    elif attachment.get("form_id") is None and _legacy_holder_readable(rt, conn, actor, attachment):
        return
    raise NotFound(f"no uploaded file {attachment['id']}", path="/attachment", message_code="error.attachment.not_found",
                   params={"id": attachment["id"]})


def _bound_record_readable(rt: Runtime, conn: sa.Connection, actor: Actor, attachment: dict) -> bool:
    """The record the file is bound to is live and readable by ``actor``, its field visible, and it still holds the file."""
    row = conn.execute(sa.select(records.c.id, records.c.form_id, records.c.form_version, records.c.owner_id, records.c.data,
                                 records.c.created_by, records.c.deleted_at)
                       .join(forms, forms.c.id == records.c.form_id).join(apps, apps.c.id == forms.c.app_id)
                       .where(records.c.id == attachment["record_id"], records.c.form_id == attachment["form_id"],
                              apps.c.workspace_id == rt.workspace_id)).mappings().first()
    if row is None or row["deleted_at"] is not None:
        return False
    if attachment["id"] not in _ids(row["data"].get(attachment["field_id"])):
        return False  # taken out of the record: nobody reaches it through the record any more
    return _readable_through(rt, conn, actor, row, [attachment["field_id"]])


def _legacy_holder_readable(rt: Runtime, conn: sa.Connection, actor: Actor, attachment: dict) -> bool:
    """A file from before bindings: readable through any live record holding it in a field the actor may see."""
    needle = f'%"{attachment["id"]}"%'  # ids are 32 hex characters: a quoted match is exact
    holders = conn.execute(
        sa.select(records.c.id, records.c.form_id, records.c.form_version, records.c.owner_id, records.c.data, records.c.created_by)
        .join(forms, forms.c.id == records.c.form_id).join(apps, apps.c.id == forms.c.app_id)
        .where(apps.c.workspace_id == rt.workspace_id, records.c.deleted_at.is_(None),
               sa.cast(records.c.data, sa.Text).like(needle))
        .limit(MAX_HOLDERS_CHECKED)).mappings().all()
    for row in holders:
        form = compiled_version(rt, conn, row["form_id"], row["form_version"])
        fields = [f["id"] for f in form.live_fields if FIELD_TYPES.get(f["type"]).holds_attachments
                  and attachment["id"] in _ids(row["data"].get(f["id"]))]
        if fields and _readable_through(rt, conn, actor, row, fields, form):
            return True
    return False


def _readable_through(rt: Runtime, conn: sa.Connection, actor: Actor, row, field_ids: list[str], form=None) -> bool:
    form = form or compiled_version(rt, conn, row["form_id"], row["form_version"])
    try:
        record_service.check_access(rt, conn, actor, form, "read", row)
    except FormflowError:
        return False
    hidden = record_service.hidden_fields(rt, conn, actor, form)
    return any(fid not in hidden for fid in field_ids)


def _ids(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


#: this module's part in writes (listed in ``engine.features``)
FEATURE = Feature("attachments", assertions=refuse_foreign_attachments, after_save=bind_attachments)
