"""REST routes for apps, forms, drafts, versions, records, queries and history."""
from __future__ import annotations

import re

from flask import jsonify, request

from engine.safety import MAX_PAGE
from engine.api import actor, load_args, load_body, openapi_document, refusals, route, runtime
from engine.api import bodies
from engine.errors import PreconditionFailed
from engine.services import forms as form_service
from engine.api.routes_ui_support import reader_locale, reader_timezone
from engine.services import display, idempotency, queries, records as record_service
from engine.services.permissions import require_capability


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


IF_MATCH = {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
            "description": "the version from the ETag; a stale one gets 412 and nothing is overwritten"}
IDEMPOTENCY_KEY = {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string", "pattern": "^[!-~]{1,128}$"},
                   "description": "one key per form load: a create repeated with the same key (same form and user) returns the first record"}
APP_KEY_BODY = {"type": "object", "required": ["label"], "properties": {
    "label": {"oneOf": [{"type": "string"}, {"type": "object", "additionalProperties": {"type": "string"}}],
              "description": "the app's name, a text or per language ({en, zh-CN}): English makes the key when given"}}}
APP_KEY_ANSWER = {"type": "object", "required": ["key"], "properties": {"key": {"type": "string"}}}
ETAG = {"ETag": {"schema": {"type": "string"}, "description": "the record version"}}
#: the record routes' body and query schemas, made once (a marshmallow schema is reusable; making one per request cost
#: more than loading with it)
LIST_ARGS, QUERY_BODY = bodies.ListArgs(), bodies.QueryBody()
RECORD_WRITE, RECORD_PATCH = bodies.RecordWriteBody(), bodies.RecordPatchBody()


def if_match() -> int | None:
    """The revision the request's If-Match names, or None without one."""
    raw = request.headers.get("If-Match")
    if raw is None:
        return None
    m = re.fullmatch(r'\s*(?:W/)?"?(\d{1,12})"?\s*', raw)
    if not m:
        raise refusals.coded(PreconditionFailed, "error.headers.if_match", details={"path": "/headers/If-Match"})
    return int(m.group(1))


def etag_response(body: dict, revision: int, status: int = 200):
    """*body* as JSON with *revision* as the ETag a later If-Match names."""
    response = jsonify(body)
    response.status_code = status
    response.headers["ETag"] = f'"{revision}"'
    return response


def draft_response(draft: dict):
    return etag_response(draft, draft["draft_revision"])


def with_etag(body: dict, status: int = 200):
    return etag_response(body, body["version"], status)


@route("/openapi.json", summary="This OpenAPI document", tag="meta", response={"type": "object"}, errors=())
def get_openapi():
    return jsonify(openapi_document())


# -- apps ---------------------------------------------------------------

@route("/apps", summary="List apps with their forms", tag="apps", response=ref("AppList"), errors=())
def list_apps():
    return jsonify({"items": form_service.list_apps(runtime())})


@route("/apps", "POST", summary="Create an app", tag="apps", body=ref("AppCreate"), response=ref("App"), status=201, errors=(409, 422))
def create_app():
    body = load_body(bodies.AppCreateBody())
    return jsonify(form_service.create_app(runtime(), actor(), body.get("key"), body["label"], body.get("description"))), 201


@route("/app-key", "POST", summary="The key a new app would take from its name", tag="apps", body=APP_KEY_BODY,
       response=APP_KEY_ANSWER, errors=(422,))
def post_app_key():
    body = load_body()
    label = body.get("label") if isinstance(body, dict) else None
    if not (isinstance(label, str) and label.strip()) and not (
            isinstance(label, dict) and all(isinstance(v, str) for v in label.values()) and any(v.strip() for v in label.values())):
        raise refusals.not_text("label")
    require_capability(runtime(), actor(), "design")
    return jsonify({"key": form_service.app_key_for(runtime(), label)})


@route("/apps/<app_key>", summary="One app with its forms", tag="apps", response=ref("App"), errors=(404,))
def get_app(app_key):
    return jsonify(form_service.get_app(runtime(), app_key))


@route("/apps/<app_key>", "PATCH", summary="Change an app's label or description", tag="apps", body=ref("AppUpdate"),
       response=ref("App"), errors=(404, 422))
def update_app(app_key):
    body = load_body(bodies.AppUpdateBody())
    return jsonify(form_service.update_app(runtime(), actor(), app_key, body.get("label"), body.get("description")))


# -- forms ----------------------------------------------------------------

@route("/apps/<app_key>/forms", "POST", summary="Create a form (as a draft)", tag="forms", body=ref("FormDefinition"),
       response=ref("Draft"), status=201, errors=(404, 409, 422))
def create_form(app_key):
    definition = load_body()
    if not isinstance(definition, dict):
        raise refusals.not_an_object()
    return jsonify(form_service.create_form(runtime(), actor(), app_key, definition)), 201


@route("/apps/<app_key>/forms/<form_key>/draft", summary="The form's draft definition", tag="forms", response=ref("Draft"), errors=(404,),
       response_headers={"ETag": {"schema": {"type": "string"}, "description": "the draft revision"}})
def get_draft(app_key, form_key):
    draft = form_service.get_draft(runtime(), app_key, form_key, actor())
    return draft_response(draft)


@route("/apps/<app_key>/forms/<form_key>/draft", "PUT", summary="Save the draft (If-Match: draft revision)", tag="forms",
       body=ref("FormDefinition"), response=ref("Draft"), headers=[IF_MATCH], errors=(404, 412, 422))
def save_draft(app_key, form_key):
    definition = load_body()
    if not isinstance(definition, dict):
        raise refusals.not_an_object()
    draft = form_service.save_draft(runtime(), actor(), app_key, form_key, definition, if_revision=if_match())
    return draft_response(draft)


@route("/apps/<app_key>/forms/<form_key>/diff", summary="What publishing the draft would change", tag="forms", response=ref("Diff"), errors=(404,))
def diff_form(app_key, form_key):
    return jsonify(form_service.diff_form(runtime(), app_key, form_key, actor()))


@route("/apps/<app_key>/forms/<form_key>/publish", "POST", summary="Publish the draft as a new version", tag="forms",
       response=ref("Published"), status=201, errors=(404, 422))
def publish_form(app_key, form_key):
    return jsonify(form_service.publish_form(runtime(), actor(), app_key, form_key)), 201


@route("/apps/<app_key>/forms/<form_key>/versions", summary="Published versions", tag="forms", response=ref("VersionList"), errors=(404,))
def list_versions(app_key, form_key):
    return jsonify({"items": form_service.list_versions(runtime(), app_key, form_key, actor())})


@route("/apps/<app_key>/forms/<form_key>/versions/<int:version>", summary="One published version", tag="forms",
       response=ref("Version"), errors=(404,))
def get_version(app_key, form_key, version):
    return jsonify(form_service.get_version(runtime(), app_key, form_key, version, actor()))


# -- records --------------------------------------------------------------

LIST_PARAMS = [
    {"name": "filter", "in": "query", "required": False, "style": "form", "explode": True,
     "schema": {"type": "array", "items": {"type": "string"}}, "description": "field:op:value, repeatable"},
    {"name": "sort", "in": "query", "required": False, "schema": {"type": "string"}, "description": "field or -field, comma separated"},
    {"name": "search", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 200}},
    {"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}},
    {"name": "page_size", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
    {"name": "fields", "in": "query", "required": False, "schema": {"type": "string"}, "description": "comma-separated field ids"},
    {"name": "include_deleted", "in": "query", "required": False, "schema": {"type": "boolean"}},
    {"name": "count", "in": "query", "required": False, "schema": {"type": "boolean"},
     "description": "count matches (default true, capped at 10,000); false answers total null and has_more only"},
]


@route("/apps/<app_key>/forms/<form_key>/records", summary="List records (filter, sort, search, page)", tag="records",
       response=ref("RecordList"), query=LIST_PARAMS, errors=(404, 422))
def list_records(app_key, form_key):
    args = load_args(LIST_ARGS)
    sort = []
    for part in (args["sort"] or "").split(","):
        part = part.strip()
        if part:
            sort.append((part[1:], "desc") if part.startswith("-") else (part, "asc"))
    query = queries.Query(filters=[queries.parse_filter_param(f) for f in args["filter"]], sort=sort, search=args["search"],
                          page=args["page"], page_size=args["page_size"],
                          fields=[f for f in (args["fields_"] or "").split(",") if f] or None, include_deleted=args["include_deleted"],
                          count=args["count"])
    return jsonify(queries.list_records(runtime(), actor(), app_key, form_key, query))


@route("/apps/<app_key>/forms/<form_key>/records/query", "POST", summary="Query records with a JSON body", tag="records",
       body=ref("Query"), response=ref("RecordList"), errors=(404, 422))
def query_records(app_key, form_key):
    body = load_body(QUERY_BODY)
    query = queries.Query(filters=queries.filters_from_json(body["filters"]), match=body["match"],
                          sort=[(s["field"], s["direction"]) for s in body["sort"]], search=body["search"], page=body["page"],
                          page_size=body["page_size"], fields=body["fields_"], include_deleted=body["include_deleted"],
                          count=body["count"])
    return jsonify(queries.list_records(runtime(), actor(), app_key, form_key, query))


@route("/apps/<app_key>/forms/<form_key>/records", "POST", summary="Submit a record (Idempotency-Key: a repeat returns the first record, 200; ?name=1 adds its title and serial)",
       tag="records", body=ref("RecordWrite"), response=ref("Record"), status=201, also_ok=(200,), headers=[IDEMPOTENCY_KEY], response_headers=ETAG,
       errors=(404, 409, 422))
def create_record(app_key, form_key):
    body = load_body(RECORD_WRITE)
    rt, who = runtime(), actor()
    record, created = idempotency.create_once(rt, who, app_key, form_key, idempotency.parse_key(request.headers.get("Idempotency-Key")),
                                              lambda conn: record_service.create_record(rt, who, app_key, form_key, body["data"],
                                                                                        owner_id=body.get("owner_id"), conn=conn))
    if request.args.get("name") == "1":  # the generated form says what it saved as a person reads it (#id is ours)
        record = {**record, **display.saved_name(rt, who, app_key, record, reader_locale(), reader_timezone())}
    return with_etag(record, 201 if created else 200)


@route("/apps/<app_key>/forms/<form_key>/records/<int:record_id>", summary="One record", tag="records", response=ref("Record"),
       response_headers=ETAG, errors=(404,))
def get_record(app_key, form_key, record_id):
    return with_etag(record_service.get_record(runtime(), actor(), app_key, form_key, record_id))


@route("/apps/<app_key>/forms/<form_key>/records/<int:record_id>", "PATCH", summary="Change some fields (If-Match: version)",
       tag="records", body=ref("RecordPatch"), response=ref("Record"), headers=[IF_MATCH], response_headers=ETAG, errors=(404, 409, 412, 422))
def update_record(app_key, form_key, record_id):
    body = load_body(RECORD_PATCH)
    return with_etag(record_service.update_record(runtime(), actor(), app_key, form_key, record_id, body["data"], if_match=if_match()))


@route("/apps/<app_key>/forms/<form_key>/records/<int:record_id>", "DELETE", summary="Delete a record (restorable)", tag="records",
       headers=[IF_MATCH], status=204, errors=(404, 412))
def delete_record(app_key, form_key, record_id):
    record_service.delete_record(runtime(), actor(), app_key, form_key, record_id, if_match=if_match())
    return "", 204


@route("/apps/<app_key>/forms/<form_key>/records/<int:record_id>/restore", "POST", summary="Restore a deleted record", tag="records",
       response=ref("Record"), response_headers=ETAG, errors=(404,))
def restore_record(app_key, form_key, record_id):
    return with_etag(record_service.restore_record(runtime(), actor(), app_key, form_key, record_id))


@route("/apps/<app_key>/forms/<form_key>/records/<int:record_id>/history", summary="Who changed what, when", tag="records",
       response=ref("History"), errors=(404,))
def record_history(app_key, form_key, record_id):
    return jsonify({"items": record_service.record_history(runtime(), actor(), app_key, form_key, record_id)})
