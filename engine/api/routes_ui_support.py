"""REST routes the designer's pages need beyond the core API: a record table
with display text, CSV and XLSX export (``engine.exports``), and attachment upload/download (stored and
checked by ``engine.services.attachments``).

The table route takes the UI's query string (``per_page``, ``filter.<field
id>=text``, ``sort``, ``search``) and answers records with a ``display`` map
(text per field, titles for references and users) and a ``title``, made by
``engine.services.display`` (the title rule: ``engine.services.titles``).
Every read goes through ``engine.services.queries``.
"""
from __future__ import annotations

import json

from flask import Response, jsonify, request, send_file, stream_with_context

from engine import exports
from engine.api import actor, refusals, route, runtime
from engine.errors import ErrorItem, NotFound, ValidationFailed
from engine.fields import FIELD_TYPES
from engine.safety import MAX_ID
from engine.services import attachments as attachment_service
from engine.services import lane_counts, person_lanes, queries, users as user_service
from engine.services.display import form_definition, with_display
from zoneinfo import available_timezones

#: rows per page the table may ask for (the service caps at MAX_PAGE_SIZE too)
MAX_TABLE_PAGE = 200
#: rows one export may hold, and the cell prefixes neutralized: owned by ``engine.exports``
MAX_EXPORT_ROWS = exports.MAX_EXPORT_ROWS
CSV_FORMULA_PREFIXES = exports.FORMULA_PREFIXES
#: upload size when the attachment field sets no ``options.max_size`` (bytes): owned by ``engine.services.attachments``
DEFAULT_ATTACHMENT_MAX_BYTES = attachment_service.DEFAULT_ATTACHMENT_MAX_BYTES


# -- display text ----------------------------------------------------------

def reader_locale() -> str:
    """The reader's language: ?lang=, the designer's language cookie, then Accept-Language."""
    chosen = request.args.get("lang") or request.cookies.get("formflow_lang") or \
        request.accept_languages.best_match(["en", "zh-CN", "zh"], default="en")
    return "zh-CN" if chosen.lower().replace("_", "-").startswith("zh") else "en"


def reader_timezone() -> str:
    """The reader's zone: ?tz=, their saved one, the browser's (cookie set by the UI), then the workspace's."""

    saved = None
    if actor().user_id is not None:

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
            errors.append(ErrorItem.coded("error.form.not_a_field", path=f"/filter.{fid}", field_id=fid, field=repr(fid)))
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
        raise refusals.refused("error.table.page_numbers", "error.table.not_a_number", "/page") from None
    if paged and not 1 <= per_page <= MAX_TABLE_PAGE:
        errors.append(ErrorItem.coded("error.table.per_page", path="/per_page", max=MAX_TABLE_PAGE))
    if errors:
        raise refusals.coded(ValidationFailed, "error.table.query_invalid", errors)
    where = request.args.get("where")  # the filter builder: {"match": "all"|"any", "filters": [...]} as JSON
    if where:
        try:
            built = json.loads(where)
        except ValueError:
            raise refusals.refused("error.table.where_not_json", "error.body.expected_object", "/where") from None
        if not isinstance(built, dict) or built.get("match", "all") not in ("all", "any"):
            raise refusals.refused("error.table.where_shape", "error.table.match_all_or_any", "/where/match")
        filters.append(queries.FilterGroup(built.get("match", "all"), queries.filters_from_json(built.get("filters", []), "/where/filters")))
    deleted = request.args.get("deleted") == "1"  # the Deleted view: deleted records only (restorable)
    if deleted:
        filters.append(queries.Filter("deleted_at", "not_empty"))
    return queries.Query(filters=filters, sort=sort, search=request.args.get("search") or None, include_deleted=deleted,
                         page=page if paged else 1, page_size=per_page if paged else queries.MAX_PAGE_SIZE,
                         exact_total=request.args.get("exact") == "1",  # the grid's "count exactly", asked by a person
                         count=request.args.get("count") != "0")  # a kanban lane: its count came with every lane's (…/counts)


@route("/apps/<app_key>/forms/<form_key>/records/table", summary="Records as the UI table shows them (display text, titles)",
       tag="records", response={"type": "object"}, errors=(404, 422))
def records_table(app_key, form_key):
    rt = runtime()
    definition = form_definition(rt, app_key, form_key)
    result = queries.list_records(rt, actor(), app_key, form_key, _table_query(definition, paged=True))
    with_display(rt, actor(), app_key, definition, result["items"], reader_locale(), reader_timezone())
    result["per_page"] = result.pop("page_size")
    return jsonify(result)


def csv_cell(text: str) -> str:
    """Neutralize spreadsheet formulas: a leading = + - @ tab or CR gets a quote prefix."""
    return exports.spreadsheet_text(text)


def _export_rows(app_key: str, form_key: str):
    """The list as the reader sees it (filters, sort, search, field permissions), display text per cell."""
    rt, who = runtime(), actor()
    definition = form_definition(rt, app_key, form_key)
    locale, tz = reader_locale(), reader_timezone()
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


# -- attachments (stored and checked by engine.services.attachments) ---------------------

@route("/attachments", "POST", summary="Upload files (multipart 'file'); ?app=&form=&field= binds them to that field and "
                                       "applies its limits (else they are bound at their first save)",
       tag="attachments", response={"type": "object"}, status=201, errors=(413, 422))
def upload_attachment():
    saved = attachment_service.store_uploads(runtime(), actor(), request.files.getlist("file"), app_key=request.args.get("app"),
                                             form_key=request.args.get("form"), field_id=request.args.get("field"))
    body = dict(saved[0]) if len(saved) == 1 else {"id": saved[0]["id"]}
    body["items"] = saved
    return jsonify(body), 201


@route("/attachments/<attachment_id>/thumbnail", summary="The thumbnail of an uploaded picture (image and signature fields)",
       tag="attachments", response={"type": "string", "format": "binary"}, response_type="image/png", errors=(404,))
def attachment_thumbnail(attachment_id):
    _row, path = attachment_service.readable_file(runtime(), actor(), attachment_id, "thumbnail")
    # a PNG this server drew (engine.fields.image): safe to show inline
    return send_file(path, mimetype="image/png", max_age=3600)


@route("/attachments/<attachment_id>", summary="Download an uploaded file", tag="attachments", response={"type": "string", "format": "binary"},
       response_type="*/*", errors=(404,))
def download_attachment(attachment_id):
    row, path = attachment_service.readable_file(runtime(), actor(), attachment_id)
    # served as a download: an uploaded HTML or SVG must never run in our origin
    return send_file(path, mimetype=row["content_type"], as_attachment=True, download_name=row["filename"])


COUNT_PARAMS = [
    {"name": "by", "in": "query", "required": True, "schema": {"type": "string", "maxLength": 100},
     "description": "the field whose values are counted (one a kanban can lane by: a choice or a person)"},
    {"name": "where", "in": "query", "required": False, "schema": {"type": "string"},
     "description": 'the filter builder\'s conditions as JSON: {"match": "all"|"any", "filters": [{field, op, value}]}'},
    {"name": "search", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 200}},
]
COUNTS = {"type": "object", "required": ["field", "counts", "empty", "others", "total"], "properties": {
    "field": {"type": "string"},
    "counts": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1},
               "description": "matches per value, keyed by the value as text (a person's id, a choice's value)"},
    "empty": {"type": "integer", "minimum": 0, "description": "matches with no value"},
    "others": {"type": "integer", "minimum": 0, "description": "matches past the first 500 values, summed"},
    "truncated": {"type": "boolean", "description": "more values than max_groups: those past it are summed in others, not listed"},
    "max_groups": {"type": "integer", "description": "the most values one answer lists"},
    "names": {"type": "object", "additionalProperties": {"type": "string"},
              "description": "a person field: the display name of each person counted, keyed by id as text"},
    "total": {"type": "integer", "minimum": 0}}}


@route("/apps/<app_key>/forms/<form_key>/records/counts", summary="How many records hold each value of one field (a kanban's "
       "lane counts), through the read gate: row scope, hidden fields, filters and search as the table applies them",
       tag="records", response=COUNTS, query=COUNT_PARAMS, errors=(404, 422))
def record_counts(app_key, form_key):
    rt = runtime()
    by = request.args.get("by") or ""
    if not by:
        raise refusals.refused("error.table.query_invalid", "error.field.required", "/by")
    query = _table_query(form_definition(rt, app_key, form_key), paged=False)
    return jsonify(lane_counts.count_by_field(rt, actor(), app_key, form_key, by, query))


LANE_PARAMS = COUNT_PARAMS + [
    {"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": person_lanes.MAX_PAGE}},
    {"name": "people", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 100},
     "description": "narrow the people by name, user name or e-mail (the user picker's match)"},
]
LANES = {"type": "object", "required": ["field", "lanes", "empty", "total", "truncated", "page", "people", "has_more"], "properties": {
    "field": {"type": "string"},
    "lanes": {"type": "array", "items": {"type": "object", "required": ["value", "label", "count", "me"], "properties": {
        "value": {"type": "integer"}, "label": {"type": "string"}, "count": {"type": ["integer", "null"]},
        "me": {"type": "boolean"}, "active": {"type": "boolean"}}}},
    "empty": {"type": "integer", "minimum": 0, "description": "matches with no person (the board's first lane)"},
    "others": {"type": "integer", "minimum": 0}, "total": {"type": "integer", "minimum": 0},
    "truncated": {"type": "boolean", "description": "the grouped count was cut at its cap (lane counts are recounted per page)"},
    "max_groups": {"type": "integer", "description": "the cap: the most values one grouped count lists"},
    "page": {"type": "integer"}, "per_page": {"type": "integer"},
    "people": {"type": "integer", "description": "lanes in all (the reader, the people holding records, everyone who may be chosen)"},
    "has_more": {"type": "boolean"}}}


@route("/apps/<app_key>/forms/<form_key>/records/lanes", summary="A kanban's lanes by a person field, a page at a time: the "
       "reader, the people holding records, then everyone the field's user picker offers, each with their count through the "
       "read gate", tag="records", response=LANES, query=LANE_PARAMS, errors=(404, 422))
def record_person_lanes(app_key, form_key):
    rt = runtime()
    by = request.args.get("by") or ""
    if not by:
        raise refusals.refused("error.table.query_invalid", "error.field.required", "/by")
    page = request.args.get("page") or "1"
    if not page.isdigit() or not 1 <= int(page) <= person_lanes.MAX_PAGE:
        raise refusals.refused("error.body.page_invalid", "error.body.expected_whole_number", "/page", low=1, high=person_lanes.MAX_PAGE)
    people = request.args.get("people") or None
    if people is not None and len(people) > 100:
        raise refusals.refused("error.body.search_too_long", "error.value.at_most_chars", "/people", max=100)
    query = _table_query(form_definition(rt, app_key, form_key), paged=False)
    return jsonify(person_lanes.person_lanes(rt, actor(), app_key, form_key, by, query, page=int(page), search=people))


#: people one naming request may ask for
MAX_NAMED = 50
NAMES = {"type": "object", "required": ["names"], "properties": {
    "names": {"type": "object", "additionalProperties": {"type": "string"}, "description": "display name by id as text"}}}


@route("/users/names", summary="The display names of these people (a saved filter's or a board's people, named without "
       "reading the user list)", tag="users", response=NAMES, errors=(401, 422),
       query=[{"name": "ids", "in": "query", "required": True, "schema": {"type": "string"}, "description": "ids, comma-separated"}])
def user_names():
    parts = [p.strip() for p in (request.args.get("ids") or "").split(",") if p.strip()]
    if len(parts) > MAX_NAMED or not all(p.isdigit() and 0 < int(p) <= MAX_ID for p in parts):
        raise refusals.refused("error.body.ids_invalid", "error.body.expected_whole_number", "/ids", low=1, high=MAX_ID)
    return jsonify({"names": {str(k): v for k, v in user_service.display_names(runtime(), [int(p) for p in parts]).items()}})
