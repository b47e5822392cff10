"""Engine-set field types: serial number, computed (formula), roll-up.

A client never sends these values; the record service fills them.
"""
from __future__ import annotations

from engine.fields.base import FIELD_TYPES, FieldType

#: result types a computed field may declare, and the value kind rules see
COMPUTED_RESULT_KINDS = {"number": "number", "text": "string", "date": "date", "datetime": "datetime", "boolean": "boolean"}
ROLLUP_AGGREGATES = ("count", "sum", "min", "max", "latest")
#: computed result types that filters, sorts and indexes compare through another field type's SQL (text is the default)
COMPUTED_SQL_TYPES = {"number": "number", "date": "date", "datetime": "datetime"}
#: roll-up aggregates whose result is a number whatever they aggregate; the others keep the source field's type
NUMERIC_AGGREGATES = ("count", "sum", "avg")
#: source field types a min / max / latest roll-up compares as (others compare as text)
ROLLUP_SQL_SOURCE_TYPES = ("number", "money", "date", "datetime")


@FIELD_TYPES.register
class SerialType(FieldType):
    name = "serial"
    engine_set = True

    def check_options(self, field, ctx):
        from engine.serials import SerialFormatError, parse_format

        try:
            parse_format((field.get("options") or {}).get("format", ""), [f["id"] for f in ctx.current_fields])
        except SerialFormatError as exc:
            return [("options/format", str(exc))]
        return []

    def schema(self, field):
        return {"type": "string", "maxLength": 200}


@FIELD_TYPES.register
class ComputedType(FieldType):
    name = "computed"
    engine_set = True

    def result_kind(self, field) -> str:
        return COMPUTED_RESULT_KINDS.get((field.get("options") or {}).get("result_type", "text"), "string")

    def sql_type(self, field, source_type=None):
        """Numbers sort and compare as numbers: the SQL follows the declared result type."""
        name = COMPUTED_SQL_TYPES.get((field.get("options") or {}).get("result_type"))
        return FIELD_TYPES.get(name) if name else self

    def schema(self, field):
        return {}


@FIELD_TYPES.register
class RollupType(FieldType):
    name = "rollup"
    engine_set = True
    value_kind = "number"

    def check_options(self, field, ctx):
        opts = field.get("options") or {}
        problems = []
        if opts.get("form") not in ctx.form_keys:
            problems.append(("options/form", f"refers to form {opts.get('form')!r}, which does not exist in this app"))
            return problems
        target_fields = {f["id"]: f for f in ctx.forms_fields.get(opts["form"], [])}
        via = target_fields.get(opts.get("via"))
        if not via or via.get("type") != "reference":
            problems.append(("options/via", f"{opts.get('via')!r} is not a reference field of form {opts['form']!r}"))
        if opts.get("aggregate") != "count" and opts.get("field") not in target_fields:
            problems.append(("options/field", f"{opts.get('field')!r} is not a field of form {opts['form']!r}"))
        return problems

    def sql_type(self, field, source_type=None):
        """count / sum compare as numbers; min / max / latest as the aggregated field (number, money, date, datetime)."""
        if (field.get("options") or {}).get("aggregate") in NUMERIC_AGGREGATES:
            return FIELD_TYPES.get("number")
        return FIELD_TYPES.get(source_type) if source_type in ROLLUP_SQL_SOURCE_TYPES else self

    def schema(self, field):
        return {}
