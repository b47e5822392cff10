"""The OpenAPI 3.1 document, built from the route table (one source of truth).

Every route is declared once with ``@route``: that registers the Flask view
and its operation (parameters, body schema, response schemas, error codes).
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from engine.safety import MAX_ID, MAX_PAGE
from engine.definitions import meta_schema

API_VERSION = "0.1.0"


@dataclass
class Operation:
    path: str  # Flask syntax: /apps/<app_key>
    method: str
    view: Callable
    summary: str
    tag: str
    body: dict | None = None  # JSON Schema (may $ref components)
    body_required: bool = True
    body_content_type: str = "application/json"
    response: dict | None = None
    response_type: str = "application/json"  # media type of the success body (a CSV export: text/csv)
    status: int = 200
    also_ok: tuple[int, ...] = ()  # other success statuses with the same body (a replayed idempotent create: 200)
    query: list[dict] = field(default_factory=list)
    headers: list[dict] = field(default_factory=list)
    errors: tuple[int, ...] = (400, 404, 422)
    response_headers: dict | None = None

    @property
    def openapi_path(self) -> str:
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.path)

    @property
    def path_params(self) -> list[dict]:
        params = []
        for conv, name in re.findall(r"<(?:(\w+):)?(\w+)>", self.path):
            schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID} if conv == "int" else {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"} if name.endswith("_key") else {"type": "string"}
            params.append({"name": name, "in": "path", "required": True, "schema": schema})
        return params


ERROR_SCHEMA = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string"},
        "message": {"type": "string", "description": "English, or the caller's language (Accept-Language, else the user's saved one)"},
        "message_code": {"type": "string", "description": "the catalogue key of the message (engine/translations)"},
        "errors": {"type": "array", "items": {"type": "object", "required": ["message"], "properties": {
            "message": {"type": "string"}, "path": {"type": "string"}, "field_id": {"type": "string"},
            "label": {"type": "string"}, "code": {"type": "string"},
            "message_code": {"type": "string", "description": "the catalogue key of the message (engine/translations)"},
            "params": {"type": "object", "description": "the values of the message's {placeholders}"}}}}}}},
}

LABEL = {"oneOf": [{"type": "string"}, {"type": "object", "additionalProperties": {"type": "string"}}]}
TIMESTAMP = {"type": "string", "format": "date-time"}
NULLABLE_TS = {"type": ["string", "null"]}

SCHEMAS: dict[str, Any] = {
    "Error": ERROR_SCHEMA,
    "FormSummary": {"type": "object", "required": ["key"], "properties": {
        "key": {"type": "string"}, "label": LABEL, "published_version": {"type": ["integer", "null"]},
        "draft_revision": {"type": "integer"}, "fields": {"type": "integer"}}},
    "App": {"type": "object", "required": ["key", "label", "forms"], "properties": {
        "key": {"type": "string"}, "label": LABEL,
        "description": {"oneOf": [{"type": "string"}, {"type": "null"}, {"type": "object", "additionalProperties": {"type": "string"}}],
                        "description": "plain text, or one text per language (a template's description)"},
        "template": {"type": ["object", "null"]}, "created_at": {"type": "string"}, "updated_at": {"type": "string"},
        "forms": {"type": "array", "items": {"$ref": "#/components/schemas/FormSummary"}}}},
    "AppList": {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/App"}}}},
    "AppCreate": {"type": "object", "required": ["label"], "additionalProperties": False, "properties": {
        "key": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"}, "label": LABEL, "description": {"type": "string", "maxLength": 2000}}},
    "AppUpdate": {"type": "object", "additionalProperties": False, "properties": {"label": LABEL, "description": {"type": "string", "maxLength": 2000}}},
    "Draft": {"type": "object", "required": ["key", "definition", "draft_revision"], "properties": {
        "key": {"type": "string"}, "definition": {"type": "object"}, "draft_revision": {"type": "integer"},
        "published_version": {"type": ["integer", "null"]}, "updated_at": {"type": "string"}}},
    "Diff": {"type": "object", "required": ["changes"], "properties": {
        "published_version": {"type": ["integer", "null"]}, "draft_revision": {"type": "integer"},
        "changes": {"type": "array", "items": {"type": "object", "required": ["change"]}}}},
    "Published": {"type": "object", "required": ["key", "version"], "properties": {
        "key": {"type": "string"}, "version": {"type": "integer"}, "published_at": {"type": "string"}}},
    "VersionList": {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {
        "type": "object", "required": ["version"], "properties": {"version": {"type": "integer"}, "published_at": {"type": "string"},
                                                                   "published_by": {"type": ["integer", "null"]}}}}}},
    "Version": {"type": "object", "required": ["version", "definition"], "properties": {
        "version": {"type": "integer"}, "definition": {"type": "object"}, "published_at": {"type": "string"}}},
    "Record": {"type": "object", "required": ["id", "form", "version", "data"], "properties": {
        "id": {"type": "integer"}, "form": {"type": "string"}, "app": {"type": "string"}, "version": {"type": "integer"},
        "form_version": {"type": "integer"}, "data": {"type": "object"}, "owner_id": {"type": ["integer", "null"]},
        "created_by": {"type": ["integer", "null"]}, "created_at": {"type": "string"}, "updated_by": {"type": ["integer", "null"]},
        "updated_at": {"type": "string"}, "deleted_at": NULLABLE_TS,
        "title": {"type": "string", "description": "a submit with ?name=1: the record's title as the reader reads it"},
        "serial": {"type": "string", "description": "a submit with ?name=1: its serial number, when the form numbers records"}}},
    "RecordList": {"type": "object", "required": ["items", "total", "page", "page_size"], "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Record"}}, "total": {"type": ["integer", "null"]}, "has_more": {"type": "boolean"},
        "total_exact": {"type": "boolean", "description": "false when total is an estimate (or not counted)"},
        "total_is_estimate": {"type": "boolean", "description": "true when more records match than LIST_EXACT_TOTAL_LIMIT "
                              "(10,000 by default): total is then PostgreSQL's planner estimate, on SQLite the limit + 1 (a lower bound)"},
        "page": {"type": "integer"}, "page_size": {"type": "integer"}}},
    "RecordWrite": {"type": "object", "required": ["data"], "properties": {
        "data": {"type": "object", "description": "field values keyed by field id (or name)"},
        "owner_id": {"type": ["integer", "null"], "minimum": 1}}},
    "RecordPatch": {"type": "object", "required": ["data"], "properties": {"data": {"type": "object"}}},
    "Query": {"type": "object", "additionalProperties": False, "properties": {
        "filters": {"type": "array", "maxItems": 50, "items": {"oneOf": [
            {"type": "object", "required": ["field", "op"], "additionalProperties": False, "properties": {
                "field": {"type": "string"}, "op": {"type": "string"}, "value": {}}},
            {"type": "object", "required": ["filters"], "additionalProperties": False, "description": "a group: all (AND) or any (OR)",
             "properties": {"match": {"enum": ["all", "any"]}, "filters": {"type": "array", "maxItems": 50, "items": {
                 "type": "object", "required": ["field", "op"], "properties": {"field": {"type": "string"}, "op": {"type": "string"},
                                                                               "value": {}}}}}}]}},
        "match": {"enum": ["all", "any"], "description": "how the top-level filters join (default all)"},
        "sort": {"type": "array", "items": {"type": "object", "required": ["field"], "properties": {
            "field": {"type": "string"}, "direction": {"enum": ["asc", "desc"]}}}},
        "search": {"type": "string", "maxLength": 200}, "page": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
        "page_size": {"type": "integer", "minimum": 1, "maximum": 500}, "fields": {"type": "array", "items": {"type": "string"}},
        "include_deleted": {"type": "boolean"},
        "count": {"type": "boolean", "description": "count matches (default true); false answers total null and has_more"}}},
    "History": {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {
        "type": "object", "required": ["action", "actor", "at", "changes"], "properties": {
            "id": {"type": "integer"}, "actor": {"type": "string"}, "actor_id": {"type": ["integer", "null"]},
            "action": {"type": "string", "description": "create, update, delete, restore, an approval step, comment, comment_edit, "
                       "comment_delete or print (one change, field_id @print, whose to is {template, revision, label})"},
            "actor_name": {"type": ["string", "null"]}, "at": {"type": "string"}, "record_version": {"type": "integer"},
            "changes": {"type": "array", "items": {"type": "object"}}}}}}},
    "Attachment": {"type": "object", "required": ["id", "filename", "size"], "properties": {
        "id": {"type": "string"}, "filename": {"type": "string"}, "content_type": {"type": "string"}, "size": {"type": "integer"},
        "sha256": {"type": "string"}}},
}


#: the definition schemas of schemas/ lifted into components: schema file -> (component name, prefix of its $defs)
DEFINITION_COMPONENTS = {"form": ("FormDefinition", "FormDef_"), "workflow": ("WorkflowDefinition", "WorkflowDef_"),
                         "dashboard": ("DashboardDefinition", "DashboardDef_"), "template": ("NotificationTemplate", "TemplateDef_"),
                         "view": ("SavedViewBody", "ViewDef_")}


def lift_schema(name: str) -> dict[str, Any]:
    """One schema of schemas/ with its $defs lifted into components (prefixed) so plain OpenAPI tools resolve them."""
    component, prefix = DEFINITION_COMPONENTS[name]
    source = copy.deepcopy(meta_schema(name))
    defs = source.pop("$defs", {})
    for key in ("$schema", "$id"):
        source.pop(key, None)
    source["title"] = component  # generators name classes by title

    def rewrite(node):
        if isinstance(node, dict):
            return {k: (f"#/components/schemas/{prefix}{v.rsplit('/', 1)[1]}" if k == "$ref" and v.startswith("#/$defs/") else rewrite(v))
                    for k, v in node.items()}
        if isinstance(node, list):
            return [rewrite(v) for v in node]
        return node

    out = {component: rewrite(source)}
    for def_name, schema in defs.items():
        out[f"{prefix}{def_name}"] = rewrite(schema)
    return out


def definition_schemas() -> dict[str, Any]:
    """Form, workflow, dashboard and notification-template bodies as the JSON Schemas of schemas/ define them;
    an automation is the form schema's automation (automations live in a form definition)."""
    out: dict[str, Any] = {}
    for name in DEFINITION_COMPONENTS:
        out.update(lift_schema(name))
    out["Automation"] = {"$ref": "#/components/schemas/FormDef_automation"}
    return out


def build_spec(operations: list[Operation], extra_schemas: dict | None = None) -> dict:
    paths: dict[str, dict] = {}
    for op in operations:
        item: dict[str, Any] = {"summary": op.summary, "operationId": op.view.__name__, "tags": [op.tag],
                                "parameters": op.path_params + op.query + op.headers}
        if op.body is not None:
            item["requestBody"] = {"required": op.body_required, "content": {op.body_content_type: {"schema": op.body}}}
        ok: dict[str, Any] = {"description": "OK"}
        if op.response is not None:
            ok["content"] = {op.response_type: {"schema": op.response}}
        if op.response_headers:
            ok["headers"] = op.response_headers
        responses = {str(op.status): ok, **{str(code): ok for code in op.also_ok}}
        for code in sorted(set(op.errors) | {400, 401, 403, 413}):
            responses[str(code)] = {"description": _REASONS.get(code, "Error"),
                                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        item["responses"] = responses
        paths.setdefault(op.openapi_path, {})[op.method.lower()] = item
    schemas = {**SCHEMAS, **definition_schemas(), **(extra_schemas or {})}
    return {
        "openapi": "3.1.0",
        "info": {"title": "formflow API", "version": API_VERSION,
                 "description": "Apps, forms, drafts and versions, records, queries and history. All errors share one envelope."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
    }


_REASONS = {400: "Bad request", 401: "Not signed in", 403: "Not allowed", 404: "Not found", 409: "Conflict",
            412: "Stale version (If-Match)", 413: "Too large", 422: "Invalid"}
