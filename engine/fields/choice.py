"""Choice field types: boolean switch, single select, multi select."""
from __future__ import annotations

from engine.fields.base import EQUALITY_OPERATORS, FIELD_TYPES, LIST_OPERATORS, FieldType, FieldValueError, Property, en_zh, field_label

#: most choices a select field may define
MAX_CHOICES = 500


def choice_values(field: dict) -> list[str]:
    return [c["value"] for c in (field.get("options") or {}).get("choices", [])]


def _duplicates(values: list[str]) -> list[str]:
    seen, dup = set(), []
    for v in values:
        if v in seen:
            dup.append(v)
        seen.add(v)
    return dup


@FIELD_TYPES.register
class BooleanType(FieldType):
    name = "boolean"
    sample = True
    palette_rank = 70
    label, description = en_zh("Switch", "开关"), en_zh("On / off switch", "开 / 关")
    widget, glyph = "input", "◐"
    form_input, input_value, blank = "switch", "boolean", False
    rule_operators, rule_literal = ("true", "false"), "boolean"
    cell_text = "yes_no"
    value_kind = "boolean"
    rule_kind = template_kind = import_cleaner = rule_expect = "boolean"
    dedup_flag = True
    public_form = True
    in_subtable = True
    default_input = "switch"
    expected = en_zh("true or false", "是或否")

    def dedup_flag_value(self, record_id, message):
        return True

    def form_value(self, raw):
        return raw in ("on", "true", "1")

    def table_filter_value(self, text):
        return 1 if text.strip().lower() in ("1", "true", "yes", "on", "是") else 0

    def group_kind(self, field, resolve_form=None):
        return "boolean"

    def schema(self, field):
        return {"type": "boolean"}

    def is_empty(self, value):
        return value is None

    def display(self, value, field, locale="en", tz="UTC"):
        if value is None:
            return ""
        return {("en", True): "Yes", ("en", False): "No", ("zh-CN", True): "是", ("zh-CN", False): "否"}.get((locale, bool(value)), str(value))

    def sql_expression(self, dialect, field_id):
        if dialect == "postgresql":
            return f"(data ->> '{field_id}')"
        return f"json_extract(data, '$.\"{field_id}\"')"

    def sql_value(self, value, dialect):
        if value is None:
            return None
        truth = value in (True, "true", "1", 1)
        if dialect == "postgresql":
            return "true" if truth else "false"
        return 1 if truth else 0


CHOICES = Property("options.choices", "choices", en_zh("Choices", "选项"))
#: the one choice a new select field starts with
FIRST_CHOICES = {"choices": [{"value": "option_1", "label": en_zh("Option 1", "选项1")}]}


class _Select(FieldType):
    default_options = FIRST_CHOICES
    has_choices = True

    def sample_value(self, field: dict, now, user_id):
        first = choice_values(field)[:1]
        return (first or [None])[0] if self.name == "select" else first
    public_form = True
    in_subtable = True
    def check_options(self, field, ctx):
        values = choice_values(field)
        problems = []
        if not values:
            problems.append(("options/choices", ctx.coded("error.options.no_choices")))
        if len(values) > MAX_CHOICES:
            problems.append(("options/choices", ctx.coded("error.options.too_many_choices", max=MAX_CHOICES)))
        for dup in _duplicates(values):
            problems.append(("options/choices", ctx.coded("error.options.duplicate_choice", choice=repr(dup))))
        return problems

    def filter_operand(self, value, field):
        """A choice's label in any language (case and spaces aside) means its value: "VIP" finds the rows stored as "vip"."""
        if not isinstance(value, str) or value in choice_values(field):
            return value
        needle = value.strip().casefold()
        for c in (field.get("options") or {}).get("choices", []):
            label = c.get("label")
            texts = label.values() if isinstance(label, dict) else [label]
            if any(isinstance(t, str) and t.strip().casefold() == needle for t in texts) or c["value"].casefold() == needle:
                return c["value"]
        return value

    def choice_label(self, field, value, locale):
        for c in (field.get("options") or {}).get("choices", []):
            if c["value"] == value:
                return field_label({"label": c.get("label") or c["value"]}, locale)
        return str(value)


@FIELD_TYPES.register
class SelectType(_Select):
    name = "select"
    palette_rank = 80
    label, description = en_zh("Single choice", "单选"), en_zh("Pick one from a list", "从列表中选一个")
    widget, glyph = "choice", "◉"
    form_input, cell_text = "select", "choice"
    properties = (CHOICES,)
    filter_operators = EQUALITY_OPERATORS
    import_cleaner = "select"
    takes_tag = True
    rule_expect = "text"
    dedup_matchable = True
    kanban_lanes = True

    def group_kind(self, field, resolve_form=None):
        return "choice"
    converts_from = frozenset({"text", "multiselect"})

    def schema(self, field):
        return {"type": "string", "enum": choice_values(field)}

    def normalizer(self, field):
        return None  # the schema accepts one choice as a string: kept as it is (a list comes only from a conversion)

    def normalize(self, value, field):
        if isinstance(value, list):  # converted from a multiselect
            if len(value) > 1:
                raise FieldValueError("error.value.one_choice")
            return value[0] if value else None
        return value

    def can_hold(self, stored, field):
        if isinstance(stored, list):
            return len(stored) <= 1 and all(v in choice_values(field) for v in stored)
        return stored in choice_values(field)

    def display(self, value, field, locale="en", tz="UTC"):
        return "" if value is None else self.choice_label(field, value, locale)


@FIELD_TYPES.register
class MultiSelectType(_Select):
    name = "multiselect"
    palette_rank = 90
    label, description = en_zh("Multiple choice", "多选"), en_zh("Pick several from a list", "从列表中选多个")
    widget, glyph = "choice", "☑"
    form_input, blank, cell_text = "multi", [], "choices"
    rule_operators = ("eq", "ne", "contains", "empty", "not_empty")
    properties = (CHOICES, Property("options.max_items", "int", en_zh("Maximum selections", "最多选择"), attrs={"min": 1}))
    value_kind = "array"
    filter_operators = LIST_OPERATORS
    table_filter_op = "contains"
    contains_list = True
    rule_kind, template_kind, import_cleaner = "multiselect", "choices", "multiselect"
    groupable = indexable = False
    expected = en_zh("a list of choices", "选项列表")

    def multiple(self, field):
        return True
    converts_from = frozenset({"select"})

    def schema(self, field):
        frag = {"type": "array", "items": {"enum": choice_values(field)}, "uniqueItems": True}
        max_items = (field.get("options") or {}).get("max_items")
        if max_items:
            frag["maxItems"] = int(max_items)
        return frag

    def normalize(self, value, field):
        return [value] if isinstance(value, str) else value

    def normalizer(self, field):
        return None  # the schema accepts a list only: kept as it is (a single string comes only from a conversion)

    def can_hold(self, stored, field):
        items = [stored] if isinstance(stored, str) else stored
        return isinstance(items, list) and all(v in choice_values(field) for v in items)

    def display(self, value, field, locale="en", tz="UTC"):
        return ", ".join(self.choice_label(field, v, locale) for v in value or [])

    def sql_expression(self, dialect, field_id):
        if dialect == "postgresql":
            return f"(data -> '{field_id}')"
        return f"json_extract(data, '$.\"{field_id}\"')"
