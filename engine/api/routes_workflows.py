"""REST routes for timed workflows: drafts, publish, enable/disable, fire times, run log, dry-run.

A thin adapter over ``engine.services.workflows``; every error is the shared
JSON envelope with a 4xx status and the JSON path of the problem.
"""
from __future__ import annotations

from flask import jsonify, request

from engine.api import actor, load_body, refusals, route, runtime
from engine.api.routes import IF_MATCH, if_match
from engine.errors import ErrorItem, ValidationFailed
from engine.safety import MAX_ID
from engine.services import workflows as service

WORKFLOW = {"type": "object", "required": ["key", "definition", "draft_revision", "enabled"], "properties": {
    "key": {"type": "string"}, "definition": {"type": "object"}, "draft_revision": {"type": "integer"},
    "published_version": {"type": ["integer", "null"]}, "enabled": {"type": "boolean"},
    "created_at": {"type": "string"}, "updated_at": {"type": "string"}, "planned": {"type": "object"}}}
DEFINITION = {"$ref": "#/components/schemas/WorkflowDefinition"}  # schemas/workflow.schema.json
ITEMS = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {"type": "object"}}}}
PUBLISHED = {"type": "object", "required": ["key", "version"], "properties": {
    "key": {"type": "string"}, "version": {"type": "integer"}, "published_at": {"type": "string"}, "planned": {"type": "object"}}}
DRY_RUN = {"type": "object", "required": ["will_fire", "reasons", "occurrences", "steps"], "properties": {
    "will_fire": {"type": "boolean"}, "reasons": {"type": "array", "items": {"type": "string"}},
    "occurrences": {"type": "array", "items": {"type": "object"}}, "steps": {"type": "array", "items": {"type": "object"}}}}
RECORD_QUERY = [{"name": "record_id", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1}},
                {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 500}}]




def _int_arg(name: str, default: int | None = None, *, maximum: int = MAX_ID) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise refusals.not_whole_number(name, 1, maximum)
    return int(raw)


def _definition() -> dict:
    body = load_body()
    if not isinstance(body, dict):
        raise refusals.not_an_object()
    return body


@route("/apps/<app_key>/workflows", summary="List the app's timed workflows (secrets masked; for designers and operators)",
       tag="workflows", response=ITEMS, errors=(403, 404))
def list_workflows(app_key):
    return jsonify({"items": service.list_workflows(runtime(), app_key, actor())})


@route("/apps/<app_key>/workflows", "POST", summary="Create a workflow (as a draft, checked in full)", tag="workflows",
       body=DEFINITION, response=WORKFLOW, status=201, errors=(404, 409, 422))
def create_workflow(app_key):
    return jsonify(service.create_workflow(runtime(), actor(), app_key, _definition())), 201


@route("/apps/<app_key>/workflows/validate", "POST", summary="Check a definition without saving it (needs automate)", tag="workflows",
       body=DEFINITION, response=ITEMS, errors=(403, 404, 422))
def validate_workflow(app_key):
    return jsonify({"items": service.validate_definition(runtime(), app_key, _definition(), actor())})


@route("/apps/<app_key>/workflows/<workflow_key>", summary="One workflow (its draft, secrets masked, and state)", tag="workflows",
       response=WORKFLOW, errors=(403, 404))
def get_workflow(app_key, workflow_key):
    return jsonify(service.get_workflow(runtime(), app_key, workflow_key, actor()))


@route("/apps/<app_key>/workflows/<workflow_key>/draft", "PUT", summary="Save the draft (If-Match: draft revision)",
       tag="workflows", body=DEFINITION, response=WORKFLOW, headers=[IF_MATCH], errors=(404, 412, 422))
def save_workflow_draft(app_key, workflow_key):
    return jsonify(service.save_draft(runtime(), actor(), app_key, workflow_key, _definition(), if_revision=if_match()))


@route("/apps/<app_key>/workflows/<workflow_key>/publish", "POST", summary="Publish the draft and plan every record "
       "(403 when its steps write what the publisher may not)", tag="workflows", response=PUBLISHED, status=201, errors=(403, 404, 422))
def publish_workflow(app_key, workflow_key):
    return jsonify(service.publish_workflow(runtime(), actor(), app_key, workflow_key)), 201


@route("/apps/<app_key>/workflows/<workflow_key>/enable", "POST", summary="Turn the workflow on (re-plans records)",
       tag="workflows", response=WORKFLOW, errors=(404,))
def enable_workflow(app_key, workflow_key):
    return jsonify(service.set_enabled(runtime(), actor(), app_key, workflow_key, True))


@route("/apps/<app_key>/workflows/<workflow_key>/disable", "POST", summary="Turn the workflow off (cancels pending firings)",
       tag="workflows", response=WORKFLOW, errors=(404,))
def disable_workflow(app_key, workflow_key):
    return jsonify(service.set_enabled(runtime(), actor(), app_key, workflow_key, False))


@route("/apps/<app_key>/workflows/<workflow_key>/versions", summary="Published versions (secrets masked)", tag="workflows",
       response=ITEMS, errors=(403, 404))
def list_workflow_versions(app_key, workflow_key):
    return jsonify({"items": service.list_versions(runtime(), app_key, workflow_key, actor())})


#: ``?status=`` of the due views: comma-separated due-row states, or "all"
DUE_STATUSES = ("pending", "running", "done", "skipped", "failed", "cancelled")


def _statuses() -> tuple[str, ...] | None:
    raw = request.args.get("status")
    if raw is None:
        return None
    wanted = tuple(DUE_STATUSES) if raw == "all" else tuple(p.strip() for p in raw.split(",") if p.strip())
    bad = [p for p in wanted if p not in DUE_STATUSES]
    if bad or not wanted:
        item = ErrorItem.coded("error.workflow.unknown_status", path="/status", status=repr(bad[0])) if bad else \
            ErrorItem.coded("error.workflow.status_empty", path="/status", code="empty")
        raise refusals.coded(ValidationFailed, "error.workflow.status_filter", [item], choices=", ".join(DUE_STATUSES))
    return wanted


@route("/apps/<app_key>/workflows/<workflow_key>/due", summary="Next fire times of the workflow (optionally one record)",
       tag="workflows", response=ITEMS, query=RECORD_QUERY, errors=(404, 422))
def workflow_fire_times(app_key, workflow_key):
    return jsonify({"items": service.next_fire_times(runtime(), actor(), app_key, workflow_key=workflow_key, record_id=_int_arg("record_id"),
                                                     limit=_int_arg("limit", 100, maximum=500), statuses=_statuses())})


@route("/apps/<app_key>/workflows/<workflow_key>/runs", summary="Run log: each firing's status, reason, attempts",
       tag="workflows", response=ITEMS, query=RECORD_QUERY, errors=(404, 422))
def workflow_runs(app_key, workflow_key):
    return jsonify({"items": service.run_log(runtime(), actor(), app_key, workflow_key, record_id=_int_arg("record_id"),
                                             limit=_int_arg("limit", 100, maximum=500))})


@route("/apps/<app_key>/workflows/<workflow_key>/dry-run", "POST", summary="Explain when and why it will (not) fire for a record",
       tag="workflows", body={"type": "object", "required": ["record_id"], "properties": {
           "record_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "use_draft": {"type": "boolean"}}},
       response=DRY_RUN, errors=(404, 422))
def workflow_dry_run(app_key, workflow_key):
    body = load_body()
    record_id = body.get("record_id") if isinstance(body, dict) else None
    if isinstance(record_id, bool) or not isinstance(record_id, int) or not 1 <= record_id <= MAX_ID:
        raise refusals.not_record_id("record_id")
    use_draft = body.get("use_draft", True)
    if not isinstance(use_draft, bool):
        raise refusals.not_boolean("use_draft")
    return jsonify(service.dry_run(runtime(), actor(), app_key, workflow_key, record_id, use_draft=use_draft))


@route("/apps/<app_key>/records/<int:record_id>/due", summary="Next fire times of every workflow for one record",
       tag="workflows", response=ITEMS, errors=(404,))
def record_fire_times(app_key, record_id):
    if record_id > MAX_ID:
        raise refusals.no_such_record(record_id)
    return jsonify({"items": service.record_fire_times(runtime(), actor(), app_key, record_id, statuses=_statuses())})
