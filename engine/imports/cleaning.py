"""Cleaning: one spreadsheet cell -> the value a form field accepts.

Every text is trimmed and NFKC-normalized (full-width letters, digits and
punctuation become half-width). Then a cleaner registered by field type reads
what people type in spreadsheets: several date formats (2026-03-09, 2026/3/9,
2026.3.9, 2026年3月9日, 09/03/2026 when the day is unambiguous, Excel serial
numbers), amounts with currency signs and thousands separators, yes/no words
in Chinese and English, choices by value or by label, users by name or email,
references by the target record's title. What the field type itself checks
(phone and email shapes, lengths, ranges) is left to the form's validation.
A cleaner raises ``FieldValueError`` (a ``ValueError`` with a message code and params, engine/translations) saying
what the person fixing the file should change, in their language.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Callable
from zoneinfo import ZoneInfo

from engine import i18n
from engine.fields.base import FIELD_TYPES, FieldValueError, field_label, field_labels
from engine.registry import Registry

#: Excel's day zero (serial 1 is 1900-01-01; the 1900 leap-year bug makes 1899-12-30 the working epoch)
EXCEL_EPOCH = date(1899, 12, 30)
#: serial numbers read as dates: 1 (1900-01-01) .. 2958465 (9999-12-31)
EXCEL_SERIAL_RANGE = (1, 2958465)
#: words read as a switched-on / switched-off boolean (after case folding)
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "on", "是", "对", "开", "开启", "√", "✓", "✔"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "off", "否", "不", "关", "关闭", "×", "✗", "✘"})
#: separators of a multi-choice cell
MULTI_SEPARATORS = re.compile(r"\s*[,;|、，；]\s*")
#: currency signs and words dropped from amounts
CURRENCY = re.compile(r"^(?:cny|rmb|usd|eur|[¥$€£])\s*|\s*(?:元|cny|rmb|usd|eur)$", re.IGNORECASE)

_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_TIME = re.compile(r"^(\d{1,2})\s*[:时点]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2})(?:\.\d+)?)?\s*秒?$")


def text_of(value: Any) -> str | None:
    """A cell as trimmed, NFKC-normalized text; None when empty. Whole floats lose their ``.0``."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return text or None


@dataclass
class CleaningContext:
    """What cleaners may look up: the workspace's zone, users, and references by title."""

    timezone: str = "UTC"
    users: dict[str, int] = field(default_factory=dict)  # folded username / display name / email / id -> user id
    find_reference: Callable[[str, str], int | None] = lambda form_key, title: None
    choices: dict[int, tuple[dict, dict[str, str]]] = field(default_factory=dict)  # id(field) -> (field, choice_table)
    #: (field type, text) -> the id of what a linked type finds by name itself (``FieldType.find_by_name``: teams)
    find_named: Callable[[str, str], Any] = lambda type_name, text: None

    def choice_table(self, f: dict) -> dict[str, str]:
        """``choice_table(f)``, built once per field for the rows of one import."""
        held = self.choices.get(id(f))
        if held is None or held[0] is not f:
            held = self.choices[id(f)] = (f, choice_table(f))
        return held[1]


class Cleaner:
    name = ""  # the field type it cleans

    def clean(self, value: Any, f: dict, ctx: CleaningContext) -> Any:
        return text_of(value)


CLEANERS: "Registry[Cleaner]" = Registry("import cleaner")


def clean_cell(value: Any, f: dict, ctx: CleaningContext) -> Any:
    """The cell made acceptable to field *f*; None for an empty cell. Raises ``ValueError``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    name = FIELD_TYPES.get(f["type"]).import_cleaner if f["type"] in FIELD_TYPES else None
    cleaner = CLEANERS.get(name) if name in CLEANERS else _TEXT
    return cleaner.clean(value, f, ctx)


@CLEANERS.register
class TextCleaner(Cleaner):
    name = "text"


_TEXT = TextCleaner()


@CLEANERS.register
class TextareaCleaner(Cleaner):
    name = "textarea"

    def clean(self, value, f, ctx):
        if isinstance(value, str):  # keep line breaks; only the ends are trimmed
            return unicodedata.normalize("NFKC", value).strip() or None
        return text_of(value)


@CLEANERS.register
class PhoneCleaner(Cleaner):
    name = "phone"


@CLEANERS.register
class EmailCleaner(Cleaner):
    name = "email"

    def clean(self, value, f, ctx):
        text = text_of(value)
        return text.replace("mailto:", "").replace(" ", "") if text else None


@CLEANERS.register
class UrlCleaner(Cleaner):
    name = "url"


@CLEANERS.register
class NumberCleaner(Cleaner):
    name = "number"

    def clean(self, value, f, ctx):
        if isinstance(value, bool):
            raise FieldValueError("error.value.number")
        if isinstance(value, (int, float)):
            return int(value) if isinstance(value, float) and value.is_integer() else value
        text = text_of(value).replace(",", "").replace(" ", "")
        try:
            number = float(text)
        except ValueError:
            raise FieldValueError("error.import.cell.number", value=repr(text)) from None
        return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number


@CLEANERS.register
class MoneyCleaner(Cleaner):
    name = "money"

    def clean(self, value, f, ctx):
        if isinstance(value, bool):
            raise FieldValueError("error.import.cell.amount")
        if isinstance(value, (int, float)):
            return str(value)
        return CURRENCY.sub("", text_of(value)).replace(",", "").replace(" ", "")


def excel_serial(number: float) -> datetime:
    if not EXCEL_SERIAL_RANGE[0] <= number <= EXCEL_SERIAL_RANGE[1]:
        raise FieldValueError("error.import.cell.date_serial", value=str(number))
    return datetime.combine(EXCEL_EPOCH, datetime.min.time()) + timedelta(days=float(number))


def parse_date(text: str) -> date:
    m = _YMD.match(text)
    if m:
        return date(int(m[1]), int(m[2]), int(m[3]))
    m = _DMY.match(text)
    if m:
        a, b, year = int(m[1]), int(m[2]), int(m[3])
        if a > 12 >= b:
            return date(year, b, a)  # day first: 25/03/2026
        if b > 12 >= a:
            return date(year, a, b)  # month first: 03/25/2026
        if a == b:
            return date(year, a, b)
        raise FieldValueError("error.import.cell.date_ambiguous", value=repr(text), suggestion=f"{year}-{b:02d}-{a:02d}")
    raise FieldValueError("error.import.cell.date", value=repr(text))


def _date_and_time(value: Any) -> tuple[date, tuple[int, int, int] | None, str | None]:
    """(date, (h, m, s) or None, offset text or None) from a cell."""
    if isinstance(value, bool):
        raise FieldValueError("error.import.cell.not_date")
    if isinstance(value, (int, float)):
        moment = excel_serial(value)
        hms = (moment.hour, moment.minute, moment.second) if moment.time() != datetime.min.time() else None
        return moment.date(), hms, None
    text = text_of(value)
    if re.fullmatch(r"\d{5}(\.\d+)?", text):  # an Excel serial that went through a CSV
        return _date_and_time(float(text))
    iso = re.fullmatch(r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?", text)
    if iso:
        h, m, *s = (int(x) for x in iso[2].split(":"))
        return date.fromisoformat(iso[1]), (h, m, s[0] if s else 0), iso[3]
    parts = re.split(r"(?<=[\d日])\s+(?=\d)|(?<=日)(?=\d)", text, maxsplit=1)
    day = parse_date(parts[0].strip())
    if len(parts) == 1:
        return day, None, None
    t = _TIME.match(parts[1].strip())
    if not t:
        raise FieldValueError("error.import.cell.time", value=repr(parts[1]))
    return day, (int(t[1]), int(t[2]), int(t[3] or 0)), None


@CLEANERS.register
class DateCleaner(Cleaner):
    name = "date"

    def clean(self, value, f, ctx):
        day, _, _ = _date_and_time(value)
        return day.isoformat()


@CLEANERS.register
class DateTimeCleaner(Cleaner):
    """A time without an offset is in the workspace's time zone (the zone people typed it in)."""

    name = "datetime"

    def clean(self, value, f, ctx):
        day, hms, offset = _date_and_time(value)
        h, m, s = hms or (0, 0, 0)
        moment = datetime(day.year, day.month, day.day, h, m, s)
        if offset:
            return moment.isoformat() + ("+00:00" if offset == "Z" else offset)
        return moment.replace(tzinfo=ZoneInfo(ctx.timezone)).isoformat()


@CLEANERS.register
class BooleanCleaner(Cleaner):
    name = "boolean"

    def clean(self, value, f, ctx):
        if isinstance(value, bool):
            return value
        word = text_of(value).casefold()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise FieldValueError("error.import.cell.boolean", value=repr(word))


@functools.lru_cache(maxsize=4096)  # choice labels and the cells naming them repeat on every row
def _fold(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).casefold())


def choice_table(f: dict) -> dict[str, str]:
    """Folded value or label -> choice value; the first choice naming it wins."""
    table: dict[str, str] = {}
    for c in (f.get("options") or {}).get("choices", []):
        labels = c.get("label") or {}
        for name in [c["value"]] + (list(labels.values()) if isinstance(labels, dict) else [labels]):
            table.setdefault(_fold(str(name)), c["value"])
    return table


def choice_of(text: str, f: dict, table: dict[str, str] | None = None) -> str:
    table = choice_table(f) if table is None else table
    wanted = _fold(text)
    if wanted in table:
        return table[wanted]
    choices = (f.get("options") or {}).get("choices", [])
    known = {loc: i18n.render("error.import.cell.list_separator", loc).join(
        field_label({"label": c.get("label") or c["value"]}, loc) for c in choices) for loc in i18n.LOCALES}
    raise FieldValueError("error.import.cell.choice", value=repr(text), choices=known)


@CLEANERS.register
class SelectCleaner(Cleaner):
    name = "select"

    def clean(self, value, f, ctx):
        return choice_of(text_of(value), f, ctx.choice_table(f))


@CLEANERS.register
class MultiSelectCleaner(Cleaner):
    name = "multiselect"

    def clean(self, value, f, ctx):
        out, table = [], ctx.choice_table(f)
        for part in MULTI_SEPARATORS.split(text_of(value)):
            if part and choice_of(part, f, table) not in out:
                out.append(choice_of(part, f, table))
        return out or None


@CLEANERS.register
class UserCleaner(Cleaner):
    name = "user"

    def clean(self, value, f, ctx):
        text = text_of(value)
        found = ctx.users.get(_fold(text))
        if found is None:
            raise FieldValueError("error.import.cell.user", value=repr(text))
        return [found] if (f.get("options") or {}).get("multiple") else found


@CLEANERS.register
class ReferenceCleaner(Cleaner):
    name = "reference"

    def clean(self, value, f, ctx):
        text = text_of(value)
        target = FIELD_TYPES.get(f["type"]).linked_store(f)  # ``app/form``: another app's form
        found = ctx.find_reference(target, text)
        if found is None and re.fullmatch(r"#?\d+", text):
            found = int(text.lstrip("#"))  # a record id; its existence is checked by the form's validation
        if found is None:
            raise FieldValueError("error.import.cell.reference", value=repr(text), field=field_labels(f))
        return [found] if (f.get("options") or {}).get("multiple") else found


def folded(text: str) -> str:
    """The comparison form of a name: width, case and spaces ignored."""
    return _fold(text)
