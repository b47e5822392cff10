"""REST routes the designer's pages need beyond the core API: a record table
with display text, CSV and XLSX export (``engine.exports``), and attachment upload/download.

The table route takes the UI's query string (``per_page``, ``filter.<field
id>=text``, ``sort``, ``search``) and answers records with a ``display`` map
(text per field, titles for references and users) and a ``title``, made by
``engine.services.display`` (the title rule: ``engine.services.titles``).
Every read goes through ``engine.services.queries``.
"""
from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import sqlalchemy as sa
from flask import Response, current_app, jsonify, request, send_file, stream_with_context

from engine import exports
from engine.api import actor, route, runtime
from engine.errors import ErrorItem, NotFound, ValidationFailed
from engine.fields import FIELD_TYPES
from engine.fields.relation import is_attachment_id
from engine.services import attachments as attachment_service
from engine.services import forms as form_service
from engine.services import queries
from engine.services.display import form_definition, with_display
from engine.storage.tables import attachments

#: rows per page the table may ask for (the service caps at MAX_PAGE_SIZE too)
MAX_TABLE_PAGE = 200
#: rows one export may hold, and the cell prefixes neutralized: owned by ``engine.exports``
MAX_EXPORT_ROWS = exports.MAX_EXPORT_ROWS
CSV_FORMULA_PREFIXES = exports.FORMULA_PREFIXES
#: upload size when the attachment field sets no ``options.max_size`` (bytes)
DEFAULT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


# -- display text ----------------------------------------------------------

def _locale() -> str:
    """The reader's language: ?lang=, the designer's language cookie, then Accept-Language."""
    chosen = request.args.get("lang") or request.cookies.get("formflow_lang") or \
        request.accept_languages.best_match(["en", "zh-CN", "zh"], default="en")
    return "zh-CN" if chosen.lower().replace("_", "-").startswith("zh") else "en"


def _timezone() -> str:
    """The reader's zone: ?tz=, their saved one, the browser's (cookie set by the UI), then the workspace's."""
    from zoneinfo import available_timezones

    saved = None
    if actor().user_id is not None:
        from engine.services import users as user_service

        try:
            saved = user_service.get_user(runtime(), actor().user_id).get("timezone")
        except NotFound:
            saved = None
    for tz in (request.args.get("tz"), saved, request.cookies.get("formflow_tz"), runtime().timezone):
        if tz and tz in _zones(available_timezones):
            return tz
    return "UTC"


def _zones(available, _cache: dict = {}) -> frozenset:  # noqa: B006  (computed once per process)
    if "zones" not in _cache:
        _cache["zones"] = frozenset(available())
    return _cache["zones"]



# -- the record table --------------------------------------------------------

def _table_query(definition: dict, *, paged: bool) -> queries.Query:
    by_id = {f["id"]: f for f in definition.get("fields", []) if not f.get("deleted")}
    filters, errors = [], []
    for name, value in request.args.items():
        if not name.startswith("filter.") or value == "":
            continue
        fid = name[len("filter."):]
        f = by_id.get(fid)
        if f is None:
            errors.append(ErrorItem(f"{fid!r} is not a field of this form", path=f"/filter.{fid}", field_id=fid))
        else:
            ftype = FIELD_TYPES.get(f["type"])
            filters.append(queries.Filter(fid, ftype.table_filter_op, ftype.table_filter_value(value)))
    sort = []
    for part in (request.args.get("sort") or "").split(","):
        part = part.strip()
        if part:
            sort.append((part[1:], "desc") if part.startswith("-") else (part, "asc"))
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page") or request.args.get("page_size") or 20)
    except ValueError:
        raise ValidationFailed("page and per_page must be whole numbers", [ErrorItem("not a number", path="/page")]) from None
    if paged and not 1 <= per_page <= MAX_TABLE_PAGE:
        errors.append(ErrorItem(f"per_page must be between 1 and {MAX_TABLE_PAGE}", path="/per_page"))
    if errors:
        raise ValidationFailed("the query is not valid", errors)
    return queries.Query(filters=filters, sort=sort, search=request.args.get("search") or None,
                         page=page if paged else 1, page_size=per_page if paged else queries.MAX_PAGE_SIZE)


@route("/apps/<app_key>/forms/<form_key>/records/table", summary="Records as the UI table shows them (display text, titles)",
       tag="records", response={"type": "object"}, errors=(404, 422))
def records_table(app_key, form_key):
    rt = runtime()
    definition = form_definition(rt, app_key, form_key)
    result = queries.list_records(rt, actor(), app_key, form_key, _table_query(definition, paged=True))
    with_display(rt, actor(), app_key, definition, result["items"], _locale(), _timezone())
    result["per_page"] = result.pop("page_size")
    return jsonify(result)


def csv_cell(text: str) -> str:
    """Neutralize spreadsheet formulas: a leading = + - @ tab or CR gets a quote prefix."""
    return exports.spreadsheet_text(text)


def _export_rows(app_key: str, form_key: str):
    """The list as the reader sees it (filters, sort, search, field permissions), display text per cell."""
    rt, who = runtime(), actor()
    definition = form_definition(rt, app_key, form_key)
    locale, tz = _locale(), _timezone()
    return exports.export_rows(rt, who, app_key, form_key, _table_query(definition, paged=False),
                               lambda items: with_display(rt, who, app_key, definition, items, locale, tz, export=True), locale=locale)


@route("/apps/<app_key>/forms/<form_key>/records/export.csv", summary="The filtered records as CSV (display text)",
       tag="records", response={"type": "string"}, response_type="text/csv", errors=(404, 422))
def export_records_csv(app_key, form_key):
    chunks = exports.csv_chunks(_export_rows(app_key, form_key))
    first = next(chunks)  # a refused export (bad filter, too many rows) is a 422 before anything is sent
    return Response(stream_with_context(_chained(first, chunks)), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{app_key}-{form_key}.csv"', "X-Content-Type-Options": "nosniff"})


@route("/apps/<app_key>/forms/<form_key>/records/export.xlsx", summary="The filtered records as an Excel workbook (display text)",
       tag="records", response={"type": "string", "format": "binary"}, errors=(404, 422),
       response_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
def export_records_xlsx(app_key, form_key):
    book = exports.xlsx_file(_export_rows(app_key, form_key), sheet_title=form_key)
    return send_file(book, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", as_attachment=True,
                     download_name=f"{app_key}-{form_key}.xlsx")


def _chained(first, rest):
    yield first
    yield from rest


# -- attachments ---------------------------------------------------------------

def _attachment_field() -> tuple[int | None, dict]:
    """(form id, the attachment field) named by ?app=&form=&field= (the upload is bound to it and its options limit the
    upload), or (None, {}) for none (bound at its first save)."""
    app_key, form_key, field_id = (request.args.get(k) for k in ("app", "form", "field"))
    if not (app_key and form_key and field_id):
        return None, {}
    with runtime().db.read() as conn:
        form = form_service.compiled_form(runtime(), conn, app_key, form_key)
    f = next((f for f in form.live_fields if f["id"] == field_id and FIELD_TYPES.get(f["type"]).holds_attachments), None)
    if f is None:
        raise ValidationFailed(f"{field_id!r} is not an attachment field of {form_key!r}", [ErrorItem("not an attachment field", path="/field")])
    return form.form_id, f


def _accepted(accept: list[str] | None, filename: str, mimetype: str) -> bool:
    """``options.accept``: ".pdf" (extension), "image/*" (type family) or "application/pdf" (exact type)."""
    if not accept:
        return True
    name, mimetype = filename.lower(), (mimetype or "").lower()
    return any(name.endswith(a.lower()) if a.startswith(".") else
               mimetype.startswith(a[:-1].lower()) if a.endswith("/*") else mimetype == a.lower() for a in accept)


def _attachment_dir() -> Path:
    path = Path(current_app.config["ATTACHMENT_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


@route("/attachments", "POST", summary="Upload files (multipart 'file'); ?app=&form=&field= binds them to that field and "
                                       "applies its limits (else they are bound at their first save)",
       tag="attachments", response={"type": "object"}, status=201, errors=(413, 422))
def upload_attachment():
    rt = runtime()
    files = request.files.getlist("file")
    if not files:
        raise ValidationFailed("send the file as multipart form data named 'file'", [ErrorItem("no file", path="/file")])
    form_id, f = _attachment_field()
    options = f.get("options") or {}
    limit = options.get("max_size") or DEFAULT_ATTACHMENT_MAX_BYTES
    ftype = FIELD_TYPES.get(f["type"]) if f else None
    saved = []
    for upload in files:
        if ftype and not ftype.accepts_upload(upload.filename or "", upload.mimetype or "", f):
            raise ValidationFailed(f"{upload.filename}: a {ftype.name} field does not take {upload.mimetype or 'this file'}",
                                   [ErrorItem("file type not accepted", path="/file", field_id=f.get("id"), code="not_accepted")])
        if not _accepted(options.get("accept"), upload.filename or "", upload.mimetype):
            raise ValidationFailed(f"{upload.filename}: this field accepts {', '.join(options['accept'])}",
                                   [ErrorItem("file type not accepted", path="/file", field_id=f.get("id"), code="not_accepted")])
        data = upload.read(limit + 1)
        if len(data) > limit:
            size = f"{limit / (1024 * 1024):.1f} MB" if limit >= 1024 * 1024 else f"{max(1, limit // 1024)} KB"
            raise ValidationFailed(f"{upload.filename} is larger than {size}",
                                   [ErrorItem("file too large", path="/file", field_id=f.get("id"), code="too_large")])
        try:  # what the field type keeps beside the file (an image's thumbnail); it refuses what it can't read
            extra = ftype.renditions(data, f) if ftype else {}
        except ValueError as exc:
            raise ValidationFailed(f"{upload.filename} {exc}", [ErrorItem(str(exc), path="/file", field_id=f.get("id"),
                                                                           code="not_accepted")]) from None
        attachment_id = uuid.uuid4().hex
        (_attachment_dir() / attachment_id).write_bytes(data)
        for suffix, content in extra.items():
            (_attachment_dir() / f"{attachment_id}.{suffix}").write_bytes(content)
        name = Path(upload.filename or "file").name[:255] or "file"
        row = attachment_service.new_upload(rt, actor(), attachment_id=attachment_id, filename=name,
                                            content_type=(upload.mimetype or "application/octet-stream")[:200], size=len(data),
                                            sha256=hashlib.sha256(data).hexdigest(), form_id=form_id, field_id=f.get("id"))
        saved.append({"id": attachment_id, "filename": name, "size": len(data), "content_type": row["content_type"]})
    body = dict(saved[0]) if len(saved) == 1 else {"id": saved[0]["id"]}
    body["items"] = saved
    return jsonify(body), 201


def _readable_upload(attachment_id: str, suffix: str = "") -> tuple[dict, Path]:
    """The file's row and path (``<id>.<suffix>``: a rendition such as the thumbnail), if the caller may read it."""
    rt = runtime()
    if not is_attachment_id(attachment_id):
        raise NotFound(f"no uploaded file {attachment_id}", path="/attachment")
    with rt.db.read() as conn:
        row = conn.execute(sa.select(attachments).where(attachments.c.id == attachment_id,
                                                        attachments.c.workspace_id == rt.workspace_id)).mappings().first()
        if row is not None:
            attachment_service.check_download(rt, conn, actor(), dict(row))
    path = _attachment_dir() / (f"{attachment_id}.{suffix}" if suffix else attachment_id)
    if row is None or not path.is_file():
        raise NotFound(f"no uploaded file {attachment_id}" + (f" {suffix}" if suffix else ""), path="/attachment")
    return row, path


@route("/attachments/<attachment_id>/thumbnail", summary="The thumbnail of an uploaded picture (image and signature fields)",
       tag="attachments", response={"type": "string", "format": "binary"}, response_type="image/png", errors=(404,))
def attachment_thumbnail(attachment_id):
    _row, path = _readable_upload(attachment_id, "thumbnail")
    # a PNG this server drew (engine.fields.image): safe to show inline
    return send_file(path, mimetype="image/png", max_age=3600)


@route("/attachments/<attachment_id>", summary="Download an uploaded file", tag="attachments", response={"type": "string", "format": "binary"},
       response_type="*/*", errors=(404,))
def download_attachment(attachment_id):
    row, path = _readable_upload(attachment_id)
    # served as a download: an uploaded HTML or SVG must never run in our origin
    return send_file(path, mimetype=row["content_type"], as_attachment=True, download_name=row["filename"])
