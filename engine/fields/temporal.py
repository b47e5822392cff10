"""Date and datetime field types. Datetimes must carry an offset; stored UTC."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from engine.clock import utc_iso
from engine.fields.base import FIELD_TYPES, ORDERED_OPERATORS, RELATIVE_OPERATORS, FieldType, FieldValueError, en_zh
from engine.moments import format_day, format_moment

_DATE_RE = r"^\d{4}-\d{2}-\d{2}$"
#: the storage form utc_iso writes: normalizing a value already in it gives the value back
_STORED = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_DATETIME_RE = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|z|[+-]\d{2}:?\d{2})$"


def parse_datetime(value: str) -> datetime:
    text = value.strip().replace(" ", "T", 1).replace("z", "Z").replace("Z", "+00:00")
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise FieldValueError("error.value.needs_offset")
    return parsed.astimezone(timezone.utc).replace(microsecond=0)


class _Temporal(FieldType):
    """Facts shared by date and datetime: ordered, bucketed by dashboards, usable in due-date triggers."""
    #: ``contains`` matches a typed part of the stored text (2026-03: that month), as a table's column filter does
    filter_operators = ORDERED_OPERATORS + RELATIVE_OPERATORS + ("contains",)
    public_form = True
    in_subtable = True
    is_temporal = True
    table_filter_op = "contains"  # a table's column filter matches a typed prefix such as 2026-03

    def group_kind(self, field, resolve_form=None):
        return self.name


@FIELD_TYPES.register
class DateType(_Temporal):
    name = "date"

    def sample_value(self, field, now, user_id):
        return now.date().isoformat()
    palette_rank = 50
    label, description = en_zh("Date", "日期"), en_zh("A calendar day", "某一天")
    widget, glyph = "datetime", "D"
    html_input = "date"
    rule_operators, rule_literal = ("eq", "ne", "gt", "ge", "lt", "le", "empty", "not_empty"), "date"
    rule_kind = template_kind = import_cleaner = rule_expect = "date"
    pattern_message = en_zh("is not a date (YYYY-MM-DD)", "不是有效的日期（YYYY-MM-DD）")
    holds_day = True
    default_input = "date"
    dedup_matchable = True
    value_kind = "date"
    converts_from = frozenset({"datetime"})

    def period_end(self, moment):
        return moment.date().isoformat()

    def schema(self, field):
        return {"type": "string", "pattern": _DATE_RE}

    def normalize(self, value, field):
        if len(value) > 10:  # a datetime being converted to a date keeps its UTC day
            return parse_datetime(value).date().isoformat()
        return date.fromisoformat(value).isoformat()

    def display(self, value, field, locale="en", tz="UTC"):
        """The day in the reader's language (Dec 6, 2026 / 2026年12月6日): the one formatter, engine.moments."""
        try:
            return format_day(value, locale)
        except ValueError:  # a value stored under an older definition still shows
            return str(value or "")

    def export_text(self, value, field, locale="en", tz="UTC"):
        return value or ""  # an export cell is read back by an import: the ISO day


@FIELD_TYPES.register
class DateTimeType(_Temporal):
    name = "datetime"

    def sample_value(self, field, now, user_id):
        return utc_iso(now)
    palette_rank = 60
    label, description = en_zh("Date and time", "日期时间"), en_zh("A moment, in the user's time zone", "某一时刻，按用户时区显示")
    widget, glyph = "datetime", "◷"
    form_input, html_input, input_value = "datetime", "datetime-local", "datetime"
    rule_operators, rule_literal = ("eq", "ne", "gt", "ge", "lt", "le", "empty", "not_empty"), "date"
    cell_text = "moment"
    rule_kind = template_kind = import_cleaner = rule_expect = "datetime"
    public_form = False  # a public visitor's time zone is unknown
    default_input = "datetime-local"
    pattern_message = en_zh("is not a date and time with a time zone, e.g. 2026-03-10T15:00:00+08:00", "不是带时区的日期时间，例如 2026-03-10T15:00:00+08:00")
    value_kind = "datetime"

    def schema(self, field):
        return {"type": "string", "pattern": _DATETIME_RE}

    def normalize(self, value, field):
        return utc_iso(parse_datetime(value))

    def normalizer(self, field):
        return _datetime_value

    def display(self, value, field, locale="en", tz="UTC"):
        """The moment in the reader's zone and language (Dec 6, 2026, 2:05 PM / 2026年12月6日 14:05): engine.moments."""
        if not value:
            return ""
        return format_moment(parse_datetime(value), locale, tz)

    def export_text(self, value, field, locale="en", tz="UTC"):
        """An export cell, read back by an import: the reader's wall time with its zone's abbreviation."""
        if not value:
            return ""
        return parse_datetime(value).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M %Z")


def _datetime_value(value):
    """``DateTimeType.normalize``: a value already in the storage form (UTC, whole seconds, ``Z``) is only checked to be a
    real moment; any other form, or a bad one (for its exact error), goes through ``parse_datetime``."""
    if _STORED.fullmatch(value):
        try:
            datetime.fromisoformat(value)
            return value
        except ValueError:
            pass
    return utc_iso(parse_datetime(value))
