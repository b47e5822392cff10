"""REST routes of the generated form's live values: what picking a record in a reference field fills in, and the
form's computed fields as a script (the engine's compiled JavaScript of each formula, run as the user types)."""
from __future__ import annotations

from flask import jsonify, request

from engine.api import actor, refusals, route, runtime
from engine.api.core import script_response
from engine.api.routes_ui_support import reader_locale, reader_timezone
from engine.autofill import compile_autofill, computed_js
from engine.services.display import record_titles
from engine.formrules import published_resolver
from engine.fields import FIELD_TYPES
from engine.safety import MAX_ID
from engine.services import forms as form_service
from engine.services.live_values import fetched_values

FETCH_QUERY = [
    {"name": "field", "in": "query", "required": True, "schema": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"},
     "description": "the reference field the record was picked in"},
    {"name": "id", "in": "query", "required": True, "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
     "description": "the picked record"},
]
FETCH_RESULT = {"type": "object", "required": ["values"], "properties": {
    "values": {"type": "object", "description": "fetched field id -> the value it takes from the picked record (fields hidden from you left out)"},
    "titles": {"type": "object", "description": "fetched reference or user field id -> [{id, title}] of its value, for the pickers"}}}


@route("/apps/<app_key>/forms/<form_key>/fetch", summary="The values fetched from a record picked in a reference field (read through the read gate)",
       tag="records", query=FETCH_QUERY, response=FETCH_RESULT, errors=(403, 404, 422))
def fetch_values(app_key, form_key):
    field_id = request.args.get("field", "")
    raw = request.args.get("id", "")
    if not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        raise refusals.not_record_id("id")
    rt = runtime()
    values = fetched_values(rt, actor(), app_key, form_key, field_id, int(raw))
    with rt.db.read() as conn:
        fields = [f for f in form_service.compiled_form(rt, conn, app_key, form_key).live_fields
                  if f["id"] in values and (FIELD_TYPES.get(f["type"]).is_reference or FIELD_TYPES.get(f["type"]).is_user)
                  and values[f["id"]] is not None]
    titles = record_titles(rt, actor(), app_key, fields, [{"data": values}], reader_locale(), reader_timezone()) if fields else {}
    return jsonify({"values": values, "titles": {
        f["id"]: [{"id": i, "title": titles.get(FIELD_TYPES.get(f["type"]).linked_store(f), {}).get(i, f"#{i}")}
                  for i in (values[f["id"]] if isinstance(values[f["id"]], list) else [values[f["id"]]])] for f in fields}})


@route("/apps/<app_key>/forms/<form_key>/versions/<int:version>/computed.js",
       summary="One published version's computed fields as a script setting window.formflowComputed (cacheable)",
       tag="rules", response={"type": "string"}, response_type="application/javascript", errors=(404,))
def version_computed_script(app_key, form_key, version):
    rt = runtime()
    with rt.db.read() as conn:
        compiled = form_service.compiled_published_version(rt, conn, app_key, form_key, version)
        autofill = compile_autofill(compiled.definition, published_resolver(conn, compiled.form_id))[0]
    return script_response(computed_js(autofill), immutable=True)
