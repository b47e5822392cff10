"""Engine-set field types: serial number, computed (formula), roll-up.

A client never sends these values; the record service fills them.
"""
from __future__ import annotations

from engine.fields.base import FIELD_TYPES, TEXT_OPERATORS, FieldType, Property, en_zh, field_label
from engine.fields.relation import reference_target
from engine.serials import SerialFormatError, parse_format

#: result types a computed field may declare (field type names), and the value kind rules see
COMPUTED_RESULT_KINDS = {"number": "number", "text": "string", "date": "date", "datetime": "datetime", "boolean": "boolean"}
ROLLUP_AGGREGATES = ("count", "sum", "min", "max", "latest")
#: computed result types that filters, sorts and indexes compare through another field type's SQL (text is the default)
COMPUTED_SQL_TYPES = {"number": "number", "date": "date", "datetime": "datetime"}
#: roll-up aggregates whose result is a number whatever they aggregate; the others keep the source field's type
NUMERIC_AGGREGATES = ("count", "sum", "avg")
#: source field types a min / max / latest roll-up compares as (others compare as text)
ROLLUP_SQL_SOURCE_TYPES = ("number", "money", "date", "datetime")
#: the field type a roll-up's result has when it is a number (count, sum)
NUMBER_TYPE = "number"


def _label(text: str) -> dict:
    return {"en": text, "zh-CN": text}


class _Derived(FieldType):
    """Computed and roll-up: the engine fills the value; most facts follow the type of the result."""
    engine_set = True
    derived = True
    rule_kind = "derived"
    default_input = None

    def group_kind(self, field, resolve_form=None):
        result = self.result_type(field, resolve_form)
        return FIELD_TYPES.get(result).group_kind({"type": result}) if result in FIELD_TYPES and result != self.name else "text"


@FIELD_TYPES.register
class SerialType(FieldType):
    name = "serial"
    sample = "SAMPLE-0001"
    palette_rank = 130
    label, description = en_zh("Serial number", "流水号"), en_zh("Auto number like KH-20240101-0001", "自动编号，如 KH-20240101-0001")
    widget, glyph = "output", "Nº"
    form_input = "auto"
    picker_rank = 1
    properties = (Property("options.format", "code", en_zh("Number format", "编号格式"),
                           help=_label("{YYYY} {MM} {DD} {YYYYMMDD} {field:id} {0000}")),
                  Property("options.reset", "select", en_zh("Restart counter", "计数重置"), options=(
                      ("never", en_zh("Never", "从不")), ("yearly", en_zh("Yearly", "每年")),
                      ("monthly", en_zh("Monthly", "每月")), ("daily", en_zh("Daily", "每天")))))
    engine_set = numbered = titles_record = True
    default_options = {"format": "{YYYYMMDD}-{0000}", "reset": "never"}
    default_input = None
    filter_operators = TEXT_OPERATORS
    table_filter_op = "contains"
    searchable = dedup_matchable = True

    def check_options(self, field, ctx):
        try:
            parse_format((field.get("options") or {}).get("format", ""), [f["id"] for f in ctx.current_fields])
        except SerialFormatError as exc:
            return [("options/format", ctx.coded(exc.message_code, **exc.params))]
        return []

    def schema(self, field):
        return {"type": "string", "maxLength": 200}


@FIELD_TYPES.register
class ComputedType(_Derived):
    name = "computed"
    palette_rank = 180
    label, description = en_zh("Formula", "公式"), en_zh("Value calculated from a formula", "由公式计算得出")
    widget, glyph = "output", "ƒ"
    form_input = "auto"
    rule_operators, rule_literal = ("eq", "ne", "gt", "ge", "lt", "le", "empty", "not_empty"), "number"
    properties = (Property("options.formula", "formula", en_zh("Formula", "公式")),
                  Property("options.result_type", "select", en_zh("Result type", "结果类型"),
                           options=tuple((k, _label(k)) for k in COMPUTED_RESULT_KINDS)),
                  # a text result's values named for readers, with colours (the record page, lists)
                  Property("options.choices", "choices", en_zh("Names of the results", "结果的名称")))
    template_kind = "derived"
    has_formula = True
    default_options = {"formula": "", "result_type": NUMBER_TYPE}

    def result_type(self, field, resolve_form=None):
        declared = (field.get("options") or {}).get("result_type")
        return declared if declared in COMPUTED_RESULT_KINDS else None

    def display(self, value, field, locale="en", tz="UTC"):
        """A text result named in ``options.choices`` ([{value, label, color}]) reads as its label."""
        named = next((c for c in (field.get("options") or {}).get("choices") or [] if isinstance(c, dict) and c.get("value") == value), None)
        return field_label({"label": named.get("label") or value}, locale) if named else super().display(value, field, locale, tz)

    def result_kind(self, field) -> str:
        return COMPUTED_RESULT_KINDS.get((field.get("options") or {}).get("result_type", "text"), "string")

    def sql_type(self, field, source_type=None):
        """Numbers sort and compare as numbers: the SQL follows the declared result type."""
        name = COMPUTED_SQL_TYPES.get((field.get("options") or {}).get("result_type"))
        return FIELD_TYPES.get(name) if name else self

    def schema(self, field):
        return {}


def _points_at(reference: dict, its_app: str | None, app: str | None, form: str) -> bool:
    """Whether a reference field of a form of ``its_app`` points at form ``form`` of ``app``."""
    target = reference_target(reference, its_app)
    return target.form == form and (target.app or its_app) == app


def rollup_source(field: dict, own_app: str | None = None) -> str:
    """The store key of a roll-up's source form seen from its own app: the form key, ``app/form`` for another app's."""
    return reference_target(field, own_app).store_key()


@FIELD_TYPES.register
class RollupType(_Derived):
    name = "rollup"
    palette_rank = 190
    label, description = en_zh("Roll-up", "汇总"), en_zh("Count or sum of related records", "关联记录的计数或求和")
    widget, glyph = "output", "Σ"
    form_input = "auto"
    rule_operators, rule_literal = ("eq", "ne", "gt", "ge", "lt", "le", "empty", "not_empty"), "number"
    # one roll-up editor (designer_formula.js): the link picked by label sets form + via, the aggregate follows the field's type
    properties = (Property("options.form", "rollup", en_zh("Target form", "关联表单")),
                  Property("options.via", "rollup", _label("via")),
                  Property("options.aggregate", "rollup", _label("aggregate"), options=tuple((a, _label(a)) for a in ROLLUP_AGGREGATES)),
                  Property("options.field", "rollup", _label("field")))
    value_kind = "number"
    template_kind = "value"
    rolls_up = True
    default_options = {"form": "", "via": "", "aggregate": "count", "field": ""}

    def result_type(self, field, resolve_form=None):
        """count / sum: a number; min / max / latest: the type of the aggregated field (None when it can't be resolved)."""
        opts = field.get("options") or {}
        if opts.get("aggregate") in NUMERIC_AGGREGATES:
            return NUMBER_TYPE
        if resolve_form is None:
            return None
        try:
            target = resolve_form(rollup_source(field)) or []
        except Exception:  # noqa: BLE001 - an unknown form leaves the result unknown
            return None
        return next((f.get("type") for f in target if f.get("id") == opts.get("field")), None)

    def check_options(self, field, ctx):
        """The source form (``options.app`` beside ``options.form``, as a reference names its target: another app's form
        too), a ``via`` that is a live reference of it pointing at this form, and the aggregated field."""
        opts = field.get("options") or {}
        source = reference_target(field, ctx.own_app)
        if source.app is not None and source.app not in ctx.other_apps:
            return [("options/app", ctx.coded("error.definition.reference_app", app=repr(source.app)))]
        if source.app is not None and source.form not in ctx.other_apps[source.app]:
            return [("options/form", ctx.coded("error.definition.reference_app_form", app=repr(source.app), form=repr(source.form)))]
        if source.app is None and opts.get("form") not in ctx.form_keys:
            return [("options/form", ctx.coded("error.options.unknown_form", form=repr(opts.get("form"))))]
        fields = ctx.other_apps[source.app][source.form] if source.app is not None else ctx.forms_fields.get(opts["form"], [])
        target_fields = {f["id"]: f for f in fields if isinstance(f, dict) and "id" in f and not f.get("deleted")}
        shown = repr(source.store_key())
        problems = []
        via = target_fields.get(opts.get("via"))
        if not via or via.get("type") not in FIELD_TYPES or not FIELD_TYPES.get(via["type"]).is_reference:
            problems.append(("options/via", ctx.coded("error.options.not_reference_field", field=repr(opts.get("via")), form=shown)))
        elif ctx.own_form is not None and not _points_at(via, source.app or ctx.own_app, ctx.own_app, ctx.own_form):
            problems.append(("options/via", ctx.coded("error.options.rollup_via_elsewhere", field=repr(opts.get("via")), form=shown)))
        if opts.get("aggregate") != "count" and opts.get("field") not in target_fields:
            problems.append(("options/field", ctx.coded("error.options.not_field_of_form", field=repr(opts.get("field")), form=shown)))
        return problems

    def sql_type(self, field, source_type=None):
        """count / sum compare as numbers; min / max / latest as the aggregated field (number, money, date, datetime)."""
        if (field.get("options") or {}).get("aggregate") in NUMERIC_AGGREGATES:
            return FIELD_TYPES.get(NUMBER_TYPE)
        return FIELD_TYPES.get(source_type) if source_type in ROLLUP_SQL_SOURCE_TYPES else self

    def schema(self, field):
        return {}
