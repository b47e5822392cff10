"""The rating field type: a whole number of stars, 1 to the field's ``options.max`` (5 unless set, at most 10).

Stored as an integer; shown as stars (★★★☆☆), exported and imported as the number (a cell of stars is read too),
compared, sorted, averaged and grouped as a number.
"""
from __future__ import annotations

from engine.fields.base import FIELD_TYPES, ORDERED_OPERATORS, FieldType, FieldValueError, Property, en_zh
from engine.imports.cleaning import CLEANERS, Cleaner, text_of

#: stars a rating has when the field sets no ``options.max``, and the most it may set
DEFAULT_STARS = 5
MAX_STARS = 10
_FULL, _EMPTY = "★", "☆"


def stars(field: dict) -> int:
    return int((field.get("options") or {}).get("max") or DEFAULT_STARS)


@FIELD_TYPES.register
class RatingType(FieldType):
    name = "rating"
    label, description = en_zh("Rating", "评分"), en_zh("Stars, from 1 to a maximum", "星级评分，1 到最高星数")
    widget, glyph = "rating", "★"
    form_input = "widget"
    properties = (Property("options.max", "int", en_zh("Stars", "星数"), attrs={"min": 1, "max": MAX_STARS}),)
    value_kind = "integer"
    sql_kind = "number"
    filter_operators = ORDERED_OPERATORS
    rule_kind = "number"
    rule_operators, rule_literal = ("eq", "ne", "gt", "ge", "lt", "le", "empty", "not_empty"), "number"
    template_kind = "number"
    import_cleaner = "rating"
    measurable = True
    in_subtable = True
    dedup_matchable = True
    expected = en_zh("a number of stars", "星级数字")
    converts_from = frozenset({"number"})

    def check_options(self, field, ctx):
        count = (field.get("options") or {}).get("max", DEFAULT_STARS)
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_STARS:
            return [("options/max", ctx.coded("error.options.rating_stars", max=MAX_STARS))]
        return []

    def schema(self, field):
        return {"type": "integer", "minimum": 1, "maximum": stars(field)}

    def normalize(self, value, field):
        if isinstance(value, float):  # converted from a number field
            if not value.is_integer():
                raise FieldValueError("error.value.stars_whole", value=value)
            value = int(value)
        if not 1 <= value <= stars(field):
            raise FieldValueError("error.value.stars_range", max=stars(field))
        return value

    def display(self, value, field, locale="en", tz="UTC"):
        if value is None:
            return ""
        return _FULL * int(value) + _EMPTY * max(0, stars(field) - int(value))

    def export_text(self, value, field, locale="en", tz="UTC"):
        return "" if value is None else str(value)

    def group_kind(self, field, resolve_form=None):
        return "number"

    def dedup_key(self, value, field, normalize=None):
        return None if value is None else str(int(value))


@CLEANERS.register
class RatingCleaner(Cleaner):
    """A cell of a rating column: "4", "4/5", "4 stars", "4星" or "★★★★☆"."""
    name = "rating"

    def clean(self, value, f, ctx):
        text = text_of(value)
        if text.strip(_FULL + _EMPTY) == "":
            return text.count(_FULL) or None
        head = text.split("/")[0].strip().rstrip("星stars ").strip()
        if not head.isdigit():
            raise FieldValueError("error.value.not_stars", value=repr(text))
        return int(head)
