"""Numeric field types: number and money (exact decimal, stored as a string)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation, ROUND_HALF_UP

from engine.fields.base import FIELD_TYPES, ORDERED_OPERATORS, FieldType, FieldValueError, Property, en_zh

#: largest magnitude a number or money field accepts
NUMBER_ABS_MAX = 10 ** 15
MONEY_MAX_PRECISION = 6

NUMBER_PROPERTIES = (Property("options.min", "number", en_zh("Minimum", "最小值")),
                     Property("options.max", "number", en_zh("Maximum", "最大值")),
                     Property("options.precision", "int", en_zh("Decimals", "小数位数"), attrs={"min": 0, "max": 10}))


class _Numeric(FieldType):
    sample = 42
    """Facts shared by number and money."""
    value_kind = "number"
    sql_kind = "number"
    filter_operators = ORDERED_OPERATORS
    measurable = True
    public_form = True
    in_subtable = True
    template_kind = "number"
    rule_expect = "number"
    default_input = "number"
    expected = en_zh("a number", "数字")

    def group_kind(self, field, resolve_form=None):
        return "number"

    def dedup_key(self, value, field, normalize=None):
        """The number's own normal form: 12, 12.0 and "12.00" are the same; 12.5 and 125 are not."""
        if self.is_empty(value):
            return None
        try:
            return format(Decimal(str(value)).normalize(), "f")
        except InvalidOperation:
            return None


@FIELD_TYPES.register
class NumberType(_Numeric):
    name = "number"
    palette_rank = 30

    def form_value(self, raw):
        try:
            return float(raw) if any(c in raw for c in ".eE") else int(raw)
        except ValueError:
            return raw
    label, description = en_zh("Number", "数字"), en_zh("Integer or decimal with limits", "整数或小数，可设上下限")
    widget, glyph = "input", "#"
    html_input, free_step, input_value = "number", "any", "number"
    rule_operators, rule_literal = ("eq", "ne", "gt", "ge", "lt", "le", "empty", "not_empty"), "number"
    numeric_cell, cell_text = True, "number"
    properties = NUMBER_PROPERTIES
    rule_kind = "number"
    import_cleaner = "number"
    dedup_matchable = True
    converts_from = frozenset({"money"})

    def schema(self, field):
        opts = field.get("options") or {}
        frag = {"type": "integer" if opts.get("precision") == 0 else "number",
                "minimum": opts.get("min", -NUMBER_ABS_MAX), "maximum": opts.get("max", NUMBER_ABS_MAX)}
        return frag

    def normalizer(self, field):
        if (field.get("options") or {}).get("precision") is not None:
            return super().normalizer(field)
        return lambda value: float(Decimal(value)) if isinstance(value, str) else value  # no rounding to do

    def normalize(self, value, field):
        precision = (field.get("options") or {}).get("precision")
        if isinstance(value, str):
            value = float(Decimal(value))
        if precision == 0:
            return int(value)
        if precision is not None:
            return round(float(value), int(precision))
        return value

    def display(self, value, field, locale="en", tz="UTC"):
        return "" if value is None else f"{value:,}" if isinstance(value, int) else f"{value:,.{(field.get('options') or {}).get('precision', 2)}f}"


def _decimal(bound) -> Decimal | None:
    try:
        return Decimal(str(bound))
    except InvalidOperation:
        return None


@FIELD_TYPES.register
class MoneyType(_Numeric):
    name = "money"
    palette_rank = 40
    label, description = en_zh("Money", "金额"), en_zh("Amount with currency", "带币种的金额")
    widget, glyph = "input", "¥"
    html_input, input_mode, default_precision = "number", "decimal", 2
    rule_operators, rule_literal = ("eq", "ne", "gt", "ge", "lt", "le", "empty", "not_empty"), "number"
    numeric_cell, cell_text = True, "money"
    properties = NUMBER_PROPERTIES + (Property("options.currency", "text", en_zh("Currency", "币种"), attrs={"maxlength": 3}),)
    rule_kind = "money"
    default_options = {"currency": "CNY", "precision": 2}
    import_cleaner = "money"
    expected = en_zh("an amount", "金额")
    converts_from = frozenset({"number"})

    def schema(self, field):
        return {"type": ["string", "number"], "maxLength": 40}

    def normalize(self, value, field):
        return self.normalizer(field)(value)

    def normalizer(self, field):
        """The precision's quantum and the bounds as decimals, worked out once for the field."""
        opts = field.get("options") or {}
        precision = int(opts.get("precision", 2))
        quantum = Decimal(1).scaleb(-precision)
        has_low, has_high = "min" in opts, "max" in opts
        low, high = _decimal(opts.get("min")), _decimal(opts.get("max"))
        limit = Decimal(NUMBER_ABS_MAX)

        def normalize(value):
            try:
                amount = Decimal(str(value).replace(",", "").strip())
            except InvalidOperation:
                raise FieldValueError("error.value.not_amount") from None
            if not amount.is_finite() or abs(amount) >= limit:
                raise FieldValueError("error.code.out_of_range")
            rounded = amount.quantize(quantum, rounding=ROUND_HALF_UP)
            if rounded != amount:
                raise FieldValueError("error.value.too_many_decimals", precision=precision)
            # a bound that is no number raises here, when a value is checked against it, as it always did
            if has_low and amount < (low if low is not None else Decimal(str(opts["min"]))):
                raise FieldValueError("error.value.at_least", limit=opts["min"])
            if has_high and amount > (high if high is not None else Decimal(str(opts["max"]))):
                raise FieldValueError("error.value.at_most", limit=opts["max"])
            return str(rounded)
        return normalize

    def display(self, value, field, locale="en", tz="UTC"):
        if value is None:
            return ""
        opts = field.get("options") or {}
        currency, precision = opts.get("currency", "CNY"), int(opts.get("precision", 2))
        # a sum of amounts (a roll-up) arrives as a float: shown to the field's decimals, as a stored amount is
        return f"{currency} {Decimal(str(value)).quantize(Decimal(1).scaleb(-precision), rounding=ROUND_HALF_UP):,}"
