"""REST routes of the rules area: dry-run a submit, and the compiled rules as a browser script."""
from __future__ import annotations

from flask import jsonify

from engine.api import actor, caller_locale, load_body, refusals, route, runtime
from engine.api.core import script_response
from engine.dryrun import dry_run
from engine.formrules import FormRules, rules_for, rules_js
from engine.services import forms as form_service

DRY_RUN_BODY = {"type": "object", "properties": {
    "data": {"type": "object", "description": "record data keyed by field id (or name); optional with record_id"},
    "record_id": {"type": "integer", "minimum": 1, "description": "evaluate as an edit of this record"},
    "definition": {"$ref": "#/components/schemas/FormDefinition", "description": "an unsaved form definition (the draft on "
                   "screen): its automations run instead of the published ones; refused with paths if it doesn't compile"},
    "as_submitted": {"type": "boolean", "description": "with record_id: evaluate the record's values as if submitted now "
                     "(create triggers fire) instead of as an edit"}}}
DRY_RUN_RESULT = {"type": "object", "properties": {
    "action": {"type": "string"}, "valid": {"type": "boolean"}, "values": {"type": "object"},
    "fields": {"type": "object", "additionalProperties": {"type": "object"}},
    "rows": {"type": "object", "description": "sub-table field id -> per row: visible/required/readonly/options by row field, rules"},
    "dropped": {"type": "array", "items": {"type": "string"}},
    "errors": {"type": "array", "items": {"type": "object"}},
    "rules": {"type": "array", "items": {"type": "object"}},
    "validations": {"type": "array", "items": {"type": "object"}},
    "automations": {"type": "array", "items": {"type": "object"}}}}


@route("/apps/<app_key>/forms/<form_key>/dry-run", "POST", summary="Evaluate rules, validations and automations on a sample record without saving",
       tag="forms", body=DRY_RUN_BODY, response=DRY_RUN_RESULT, errors=(403, 404, 422))  # a designer's tool: needs "design"
def dry_run_form(app_key, form_key):
    body = load_body()
    if not isinstance(body, dict):
        raise refusals.not_an_object()
    record_id = body.get("record_id")
    if record_id is not None and (not isinstance(record_id, int) or isinstance(record_id, bool) or record_id < 1):
        raise refusals.not_record_id("record_id")
    data = body.get("data", {} if record_id is not None else None)
    if not isinstance(data, dict):
        raise refusals.not_an_object("data")
    definition = body.get("definition")
    if definition is not None and not isinstance(definition, dict):
        raise refusals.not_a_definition()
    as_submitted = body.get("as_submitted", False)
    if not isinstance(as_submitted, bool):
        raise refusals.not_boolean("as_submitted")
    return jsonify(dry_run(runtime(), actor(), app_key, form_key, data, record_id=record_id, draft=definition,
                           as_submitted=as_submitted, locale=caller_locale()))


@route("/apps/<app_key>/forms/<form_key>/rules.js", summary="The published version's rules as a script setting window.formflowRules",
       tag="rules", response={"type": "string"}, response_type="application/javascript", errors=(404,))
def rules_script(app_key, form_key):
    _, fr = rules_for(runtime(), app_key, form_key)
    return script_response(rules_js(fr), immutable=False)


@route("/apps/<app_key>/forms/<form_key>/versions/<int:version>/rules.js", summary="One published version's rules as a script (cacheable)",
       tag="rules", response={"type": "string"}, response_type="application/javascript", errors=(404,))
def version_rules_script(app_key, form_key, version):
    rt = runtime()
    with rt.db.read() as conn:
        compiled = form_service.compiled_published_version(rt, conn, app_key, form_key, version)
    return script_response(rules_js(compiled.rules or FormRules()), immutable=True)
