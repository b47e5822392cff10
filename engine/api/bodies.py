"""Marshmallow schemas for request bodies and query strings, at the API's edge.

They check shape and types and name the path of each problem; the services
do the rest. The OpenAPI document converts them with apispec.
"""
from __future__ import annotations

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate

from engine.safety import MAX_PAGE

KEY = validate.Regexp(r"^[a-z][a-z0-9_]{0,62}$", error="lower-case letters, digits and _, starting with a letter")


class Label(fields.Field):
    """A plain string or a map of locale -> text (``max_length`` each: a description takes longer texts than a name)."""

    def __init__(self, *args, max_length: int = 500, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_length = max_length

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and 0 < len(value) <= self.max_length:
            return value
        if isinstance(value, dict) and value and all(isinstance(k, str) and isinstance(v, str) and len(v) <= self.max_length
                                                     for k, v in value.items()):
            return value
        raise ValidationError("must be text or a map of locale to text")

    def _jsonschema_type_mapping(self):
        return {"oneOf": [{"type": "string"}, {"type": "object", "additionalProperties": {"type": "string"}}]}


class AppCreateBody(Schema):
    class Meta:
        unknown = RAISE

    key = fields.String(validate=KEY)   # left out: made from the label (English, else pinyin)
    label = Label(required=True)
    description = fields.String(validate=validate.Length(max=2000))


class AppUpdateBody(Schema):
    class Meta:
        unknown = RAISE

    label = Label()
    description = fields.String(validate=validate.Length(max=2000))


class RecordWriteBody(Schema):
    class Meta:
        unknown = RAISE

    data = fields.Dict(required=True, keys=fields.String())
    owner_id = fields.Integer(allow_none=True, validate=validate.Range(min=1))


class RecordPatchBody(Schema):
    class Meta:
        unknown = RAISE

    data = fields.Dict(required=True, keys=fields.String())


class SortBody(Schema):
    field = fields.String(required=True)
    direction = fields.String(load_default="asc", validate=validate.OneOf(["asc", "desc"]))


class QueryBody(Schema):
    class Meta:
        unknown = RAISE

    filters = fields.List(fields.Raw(), load_default=list, validate=validate.Length(max=50))  # checked by queries.filters_from_json
    match = fields.String(load_default="all", validate=validate.OneOf(["all", "any"]))
    sort = fields.List(fields.Nested(SortBody), load_default=list)
    search = fields.String(load_default=None, validate=validate.Length(max=200))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    fields_ = fields.List(fields.String(), data_key="fields", load_default=None)
    include_deleted = fields.Boolean(load_default=False)
    count = fields.Boolean(load_default=True)


class ListArgs(Schema):
    """Query-string form of a record query."""

    class Meta:
        unknown = EXCLUDE

    filter = fields.List(fields.String(), load_default=list)
    sort = fields.String(load_default=None)
    search = fields.String(load_default=None, validate=validate.Length(max=200))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    fields_ = fields.String(data_key="fields", load_default=None)
    include_deleted = fields.Boolean(load_default=False)
    count = fields.Boolean(load_default=True)


def marshmallow_errors(exc: ValidationError, prefix: str = "") -> list[dict]:
    """Flatten marshmallow's nested messages into [{path, message}]."""
    out = []

    def walk(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{path}/{k}")
        elif isinstance(node, list) and node and all(isinstance(m, str) for m in node):
            for m in node:
                out.append({"path": path, "message": m.replace("Unknown field.", "is not a known setting")})
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}/{i}")
        else:
            out.append({"path": path, "message": str(node)})

    walk(exc.messages, prefix)
    return out
