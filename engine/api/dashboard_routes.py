"""REST routes for dashboards: CRUD of definitions and the computed figures of every chart."""
from __future__ import annotations

from flask import jsonify, request

from engine.api import actor, load_body, refusals, route, runtime
from engine.api.routes import etag_response, if_match
from engine.services import dashboards

OBJECT = {"type": "object"}
DASHBOARD_DEFINITION = {"$ref": "#/components/schemas/DashboardDefinition"}  # schemas/dashboard.schema.json
DASHBOARD = {"type": "object", "required": ["key", "revision", "definition"], "properties": {
    "app": {"type": "string"}, "key": {"type": "string"}, "revision": {"type": "integer"}, "definition": OBJECT,
    "created_at": {"type": "string"}, "updated_at": {"type": "string"}}}
DASHBOARD_LIST = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {
    "type": "object", "required": ["key"], "properties": {"key": {"type": "string"}, "label": {}, "charts": {"type": "integer"},
                                                          "revision": {"type": "integer"}, "updated_at": {"type": "string"}}}}}}
DASHBOARD_DATA = {"type": "object", "required": ["key", "charts"], "properties": {
    "app": {"type": "string"}, "key": {"type": "string"}, "label": {}, "timezone": {"type": "string"}, "computed_at": {"type": "string"},
    "ms": {"type": "number"}, "charts": {"type": "array", "items": {"type": "object", "required": ["key", "type"], "properties": {
        "key": {"type": "string"}, "type": {"type": "string"}, "value": {}, "count": {"type": "integer"},
        "groups": {"type": "array", "items": OBJECT}, "target": {}, "error": {}}}}, "filters": {}}}
ETAG = {"ETag": {"schema": {"type": "string"}, "description": "the dashboard revision"}}
IF_MATCH = {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
            "description": "the revision from the ETag; a stale one gets 412"}


def _definition_body() -> dict:
    body = load_body()
    if not isinstance(body, dict):
        raise refusals.not_an_object()
    return body


def _with_etag(body: dict, status: int = 200):
    return etag_response(body, body["revision"], status)


@route("/apps/<app_key>/dashboards", summary="Dashboards of an app", tag="dashboards", response=DASHBOARD_LIST, errors=(404,))
def list_dashboards(app_key):
    return jsonify({"items": dashboards.list_dashboards(runtime(), app_key)})


@route("/apps/<app_key>/dashboards", "POST", summary="Add a dashboard (checked against the app's published forms)", tag="dashboards",
       body=DASHBOARD_DEFINITION, response=DASHBOARD, status=201, response_headers=ETAG, errors=(404, 409, 422))
def create_dashboard(app_key):
    return _with_etag(dashboards.create_dashboard(runtime(), actor(), app_key, _definition_body()), 201)


@route("/apps/<app_key>/dashboards/<dashboard_key>", summary="One dashboard's definition", tag="dashboards", response=DASHBOARD,
       response_headers=ETAG, errors=(404,))
def get_dashboard(app_key, dashboard_key):
    return _with_etag(dashboards.get_dashboard(runtime(), app_key, dashboard_key))


@route("/apps/<app_key>/dashboards/<dashboard_key>", "PUT", summary="Replace a dashboard's definition (If-Match: revision)", tag="dashboards",
       body=DASHBOARD_DEFINITION, response=DASHBOARD, headers=[IF_MATCH], response_headers=ETAG, errors=(404, 412, 422))
def replace_dashboard(app_key, dashboard_key):
    return _with_etag(dashboards.replace_dashboard(runtime(), actor(), app_key, dashboard_key, _definition_body(), if_revision=if_match()))


@route("/apps/<app_key>/dashboards/<dashboard_key>", "DELETE", summary="Delete a dashboard", tag="dashboards", status=204, errors=(404,))
def delete_dashboard(app_key, dashboard_key):
    dashboards.delete_dashboard(runtime(), actor(), app_key, dashboard_key)
    return "", 204


@route("/apps/<app_key>/dashboards/<dashboard_key>/data", summary="Every chart computed in the database over the records you may read",
       tag="dashboards", response=DASHBOARD_DATA, errors=(404, 422))
def dashboard_data(app_key, dashboard_key):
    return jsonify(dashboards.dashboard_data(runtime(), actor(), app_key, dashboard_key, filters=query_filters(request.args)))


def query_filters(args) -> dict | None:
    """The dashboard-level filters from a query string: period (and days with last_days), owner, team."""
    picked = {name: args.get(name) for name in ("owner", "team") if args.get(name)}
    if args.get("period"):
        picked["period"] = {"range": args.get("period"), "days": args.get("days")}
    return picked or None


@route("/apps/<app_key>/dashboards/preview", "POST", summary="Compute an unsaved dashboard (the editor's live preview); nothing is stored",
       tag="dashboards", body={"type": "object", "required": ["definition"], "properties": {"definition": DASHBOARD_DEFINITION, "filters": OBJECT}},
       response=DASHBOARD_DATA, errors=(403, 404, 422))
def preview_dashboard(app_key):
    body = load_body()
    if not isinstance(body, dict) or not isinstance(body.get("definition"), dict):
        raise refusals.refused("error.dashboard.body_shape", "error.dashboard.expected_definition", "/definition")
    return jsonify(dashboards.preview_dashboard(runtime(), actor(), app_key, body["definition"], filters=body.get("filters")))
