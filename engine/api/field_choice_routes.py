"""REST route of the choices a field type's widget picks from (``engine.services.field_choices``)."""
from __future__ import annotations

from flask import jsonify, request

from engine.api import actor, route, runtime
from engine.services.field_choices import MAX_PARENT_LENGTH, field_choices

CHOICES = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {
    "type": "object", "required": ["value", "label"], "properties": {"value": {}, "label": {}}}}}}
PARENT = [{"name": "parent", "in": "query", "required": False, "schema": {"type": "string", "maxLength": MAX_PARENT_LENGTH},
           "description": "the value of the level above (a cascade such as province -> city -> district)"}]


@route("/field-types/<type_name>/choices", summary="What a field type's widget picks from (regions, teams), one level at a time",
       tag="forms", response=CHOICES, query=PARENT, errors=(401, 404, 422))
def field_type_choices(type_name):
    return jsonify({"items": field_choices(runtime(), actor(), type_name, request.args.get("parent"))})
