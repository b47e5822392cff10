"""Python runtime of compiled rules: value converters (stored JSON -> rule values) and the helpers the
generated code calls. Every helper mirrors a function of the same name in `runtime.js`; the two must
keep the same semantics (see docs/rules.md, "Null semantics")."""
from __future__ import annotations

import datetime as _dt
import decimal
import html
import re
from decimal import Decimal
from typing import Any

from . import numbers as nums
from .errors import EXPECTED_KINDS, RuleEvaluationError, failed
from .numbers import DAY_MS, DOUBLES as _DOUBLES, MAX_DAYS, ZERO, from_double, from_text, num, time_ms, truncate_ms

UTC = _dt.timezone.utc
_DAY = _dt.timedelta(days=1)
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=UTC)
#: Stored money values: a plain decimal string (no exponent, no spaces).
_MONEY_RE = re.compile(r"-?[0-9]{1,40}(\.[0-9]{1,40})?\Z")
#: Accepted datetime strings (same grammar as runtime.js `parseDatetime`).
_DT_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
                    r"(Z|[+-][0-9]{2}:?[0-9]{2})?)?\Z")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def bad_value(value: Any, what: str) -> RuleEvaluationError:
    shown = repr(value)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return failed(f"expected.{EXPECTED_KINDS[what]}", value=shown)


# -- converters: stored value -> rule value (None stays None) -------------------------------------
def cv_text(v: Any) -> Any:
    if v is None or type(v) is str:
        return v
    raise bad_value(v, "a text")


#: a rich text's block ends (a line break follows each) and its tags (sanitized HTML: no ">" inside a tag's attributes)
_BLOCK_END = re.compile(r"(</(?:p|li|h2|h3|h4|blockquote|pre)>|<br\s*/?>)")
_TAG = re.compile(r"<[^>]*>")


def cv_html_text(v: Any) -> Any:
    """Rich text (sanitized HTML) as rules read it: its words, one line per block (runtime.js: cv.html_text)."""
    if v is None:
        return None
    if type(v) is not str:
        raise bad_value(v, "a text")
    text = html.unescape(_TAG.sub("", _BLOCK_END.sub("\\1\n", v)))
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


def cv_number(v: Any) -> Any:
    """A stored number is read as the browser reads JSON: an IEEE double (integers above 2**53 round)."""
    t = type(v)
    if t is float:
        return _DOUBLES.get(v) or from_double(v)  # one look-up when cached (a zero is falsy: from_double finds it)
    if t is int and -9007199254740992 <= v <= 9007199254740992:
        return Decimal(v)
    if t is int or t is Decimal:
        try:
            return from_double(float(v))
        except OverflowError:
            raise bad_value(v, "a number") from None
    if v is None:
        return None
    raise bad_value(v, "a number")


def cv_money(v: Any) -> Any:
    """A stored amount: a decimal text read exactly (rounded to the precision), or a number."""
    if type(v) is str:
        if _MONEY_RE.match(v):
            return from_text(v)
        raise bad_value(v, "an amount")
    return cv_number(v)


def cv_boolean(v: Any) -> Any:
    if v is None or v is True or v is False:
        return v
    raise bad_value(v, "true or false")


def cv_datetime(v: Any) -> Any:
    if type(v) is str:
        if not _DT_RE.match(v):
            raise bad_value(v, "a date and time")
        try:
            d = _dt.datetime.fromisoformat(v)
            tz = d.tzinfo
            if tz is not UTC:  # "...Z" and "+00:00" are read as UTC itself: nothing to convert
                d = d.replace(tzinfo=UTC) if tz is None else d.astimezone(UTC)
        except (ValueError, OverflowError):
            raise bad_value(v, "a date and time") from None
        return truncate_ms(d) if d.microsecond % 1000 else d
    if v is None:
        return None
    if isinstance(v, _dt.datetime):
        try:
            return truncate_ms(v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC))
        except OverflowError:
            raise bad_value(v, "a date and time") from None
    if isinstance(v, _dt.date):
        return _dt.datetime(v.year, v.month, v.day, tzinfo=UTC)
    raise bad_value(v, "a date and time")


def cv_date(v: Any) -> Any:
    if type(v) is str:
        if not _DATE_RE.match(v):
            raise bad_value(v, "a date")
        try:
            d = _dt.date.fromisoformat(v)
        except ValueError:
            raise bad_value(v, "a date") from None
        return _dt.datetime(d.year, d.month, d.day, tzinfo=UTC)
    if v is None:
        return None
    if isinstance(v, _dt.datetime):
        return _dt.datetime(v.year, v.month, v.day, tzinfo=UTC)
    if isinstance(v, _dt.date):
        return _dt.datetime(v.year, v.month, v.day, tzinfo=UTC)
    raise bad_value(v, "a date")


def cv_id(v: Any) -> Any:
    """An id: a whole number, read as the browser reads JSON (`3` and `3.0` are the same id)."""
    if v is None:
        return None
    t = type(v)
    if t is int or t is float:
        try:
            f = float(v)
        except OverflowError:
            raise bad_value(v, "a record or user id") from None
        if f.is_integer():
            return from_double(f)
    raise bad_value(v, "a record or user id")


def _list_of(v: Any, conv: Any, what: str) -> Any:
    if v is None:
        return None
    if type(v) is not list and type(v) is not tuple:
        raise bad_value(v, what)
    out = [conv(x) for x in v]
    if None in out:
        raise bad_value(v, what)
    return out


def cv_text_list(v: Any) -> Any:
    return _list_of(v, cv_text, "a list of choices")


def cv_id_list(v: Any) -> Any:
    return _list_of(v, cv_id, "a list of ids")


def cv_rows(v: Any) -> Any:
    if v is None:
        return None
    if type(v) is not list and type(v) is not tuple:
        raise bad_value(v, "a list of rows")
    for row in v:
        if type(row) is not dict:
            raise bad_value(row, "a row")
    return list(v)


def load_ref(ctx: Any, form: str, rid: Any) -> Any:
    """The referenced record's data (keyed by field id) or None when unset or not found."""
    if rid is None:
        return None
    if type(rid) is Decimal:
        rid = int(rid)
    elif type(rid) is float and rid.is_integer():
        rid = int(rid)
    if type(rid) is not int:
        raise bad_value(rid, "a record id")
    loader = ctx.load_reference
    if loader is None:
        raise failed("no_references")
    data = loader(form, rid)
    if data is not None and type(data) is not dict:
        raise bad_value(data, "a referenced record")
    return data


def load_refs(ctx: Any, form: str, ids: Any) -> Any:
    if ids is None:
        return None
    if type(ids) is not list and type(ids) is not tuple:
        raise bad_value(ids, "a list of record ids")
    out = []
    for rid in ids:
        data = load_ref(ctx, form, rid)
        if data is None:
            raise failed("reference_missing", id=repr(rid))
        out.append(data)
    return out


# -- helpers called by generated code --------------------------------------------------------------
def get_field(obj: Any, fid: str, safe: bool) -> Any:
    """`obj.field` on a referenced record or subtable row (obj is a dict keyed by field id)."""
    if obj is None:
        if safe:
            return None
        raise failed("empty_reference")
    return obj.get(fid)


def s_add(a: Any, b: Any) -> str:
    if type(a) is not str or type(b) is not str:
        raise failed("empty_in_calculation")
    return a + b


def safe_call(fn: Any, value: Any, *args: Any) -> Any:
    return None if value is None else fn(value, *args)


def _ordered(a: Any, b: Any) -> None:
    if type(a) is not type(b):
        raise failed("compare_empty" if a is None or b is None else "compare_kinds")


def lt(a: Any, b: Any) -> bool:
    if a is None and b is None:
        return False
    _ordered(a, b)
    return a < b


def le(a: Any, b: Any) -> bool:
    if a is None and b is None:
        return True
    _ordered(a, b)
    return a <= b


def gt(a: Any, b: Any) -> bool:
    if a is None and b is None:
        return False
    _ordered(a, b)
    return a > b


def ge(a: Any, b: Any) -> bool:
    if a is None and b is None:
        return True
    _ordered(a, b)
    return a >= b


def regex_match(rx: Any, s: Any) -> bool:
    """`=~`: *rx* is a user pattern on RE2 (engine.patterns.UserPattern), linear-time whatever the user wrote."""
    if s is None:
        return False
    if type(s) is not str:
        raise bad_value(s, "a text")
    return rx.match(s)


def regex_search(rx: Any, s: Any) -> bool:
    """`=~~`: *rx* is a user pattern on RE2 (engine.patterns.UserPattern)."""
    if s is None:
        return False
    if type(s) is not str:
        raise bad_value(s, "a text")
    return rx.search(s)


def item(container: Any, index: Any, safe: bool) -> Any:
    if container is None:
        if safe:
            return None
        raise failed("empty_item")
    if type(index) is not Decimal or index != index.to_integral_value():
        raise failed("index_whole")
    try:
        return container[int(index)]
    except IndexError:
        if safe:
            return None
        raise failed("index_range") from None


def slice_(container: Any, start: Any, stop: Any, safe: bool) -> Any:
    if container is None:
        if safe:
            return None
        raise failed("empty_slice")
    for bound in (start, stop):
        if bound is not None and bound != bound.to_integral_value():
            raise failed("slice_whole")
    return container[None if start is None else int(start):None if stop is None else int(stop)]


def iterate(value: Any) -> Any:
    if type(value) is not list:
        raise failed("list_expected")
    return value


def to_float(v: Any) -> Any:
    """A number result leaving the rule: the nearest double (what the browser's decimal.js `toNumber` gives)."""
    return None if v is None else float(v)


def to_floats(v: Any) -> Any:
    return None if v is None else [None if x is None else float(x) for x in v]


# attributes (`value.name`)
def a_length(v: Any) -> Decimal:
    return Decimal(len(v))


def a_is_empty(v: Any) -> bool:
    return len(v) == 0


def a_as_lower(v: str) -> str:
    return v.lower()


def a_as_upper(v: str) -> str:
    return v.upper()


def a_ceiling(v: Decimal) -> Decimal:
    return num(v.to_integral_value(rounding=decimal.ROUND_CEILING))


def a_floor(v: Decimal) -> Decimal:
    return num(v.to_integral_value(rounding=decimal.ROUND_FLOOR))


def a_year(v: _dt.datetime) -> Decimal:
    return Decimal(v.year)


def a_month(v: _dt.datetime) -> Decimal:
    return Decimal(v.month)


def a_day(v: _dt.datetime) -> Decimal:
    return Decimal(v.day)


def a_hour(v: _dt.datetime) -> Decimal:
    return Decimal(v.hour)


def a_minute(v: _dt.datetime) -> Decimal:
    return Decimal(v.minute)


def a_second(v: _dt.datetime) -> Decimal:
    return Decimal(v.second)


def a_date(v: _dt.datetime) -> _dt.datetime:
    return v.replace(hour=0, minute=0, second=0, microsecond=0)


def a_to_epoch(v: _dt.datetime) -> Decimal:
    return num(Decimal(time_ms(v)).scaleb(-3))


def a_days(v: _dt.timedelta) -> Decimal:
    return Decimal(v.days)


def a_total_seconds(v: _dt.timedelta) -> Decimal:
    return num(Decimal(v // nums.MS).scaleb(-3))


# methods (`value.name(arg)`)
def m_starts_with(v: Any, prefix: Any) -> bool:
    if prefix is None or type(prefix) is not type(v):
        raise failed("same_kind", name="starts_with")
    return v[:len(prefix)] == prefix


def m_ends_with(v: Any, suffix: Any) -> bool:
    if suffix is None or type(suffix) is not type(v):
        raise failed("same_kind", name="ends_with")
    return v[len(v) - len(suffix):] == suffix


# functions (`$name(args)`)
def _need(value: Any, kind: type, fname: str) -> None:
    if type(value) is not kind:
        raise failed("function_value", name=fname)


def f_abs(x: Any) -> Decimal:
    _need(x, Decimal, "abs")
    return abs(x)


def _nonempty_numbers(xs: Any, fname: str) -> list:
    """*xs* checked as $min and $max take it: a list of at least one number."""
    _need(xs, list, fname)
    if not xs:
        raise failed("function_empty_list", name=fname)
    for x in xs:
        _need(x, Decimal, fname)
    return xs


def f_min(xs: Any) -> Decimal:
    return min(_nonempty_numbers(xs, "min"))


def f_max(xs: Any) -> Decimal:
    return max(_nonempty_numbers(xs, "max"))


def f_sum(xs: Any) -> Decimal:
    _need(xs, list, "sum")
    total = ZERO
    for x in xs:
        _need(x, Decimal, "sum")
        total = nums.n_add(total, x)
    return total


def f_any(xs: Any) -> bool:
    _need(xs, list, "any")
    return any(xs)


def f_all(xs: Any) -> bool:
    _need(xs, list, "all")
    return all(xs)


def f_round(x: Any, digits: Any = ZERO) -> Decimal:
    """Round half away from zero to *digits* decimals (decimal.js `toDecimalPlaces(digits, ROUND_HALF_UP)`)."""
    _need(x, Decimal, "round")
    _need(digits, Decimal, "round")
    lo, hi = nums.ROUND_DIGITS
    if digits != digits.to_integral_value() or not lo <= digits <= hi:
        raise failed("round_digits", low=lo, high=hi)
    places = int(digits)
    if x.as_tuple().exponent >= -places:
        return x
    return num(x.quantize(Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_UP, context=nums.CONTEXT))


_TRIM = " \t\n\r\f\v"


def f_trim(s: Any) -> str:
    _need(s, str, "trim")
    return s.strip(_TRIM)


def f_lower(s: Any) -> str:
    _need(s, str, "lower")
    return s.lower()


def f_upper(s: Any) -> str:
    _need(s, str, "upper")
    return s.upper()


def f_is_empty(v: Any) -> bool:
    if v is None:
        return True
    if type(v) is str or type(v) is list:
        return len(v) == 0
    return False


def f_days_between(a: Any, b: Any) -> Decimal:
    _need(a, _dt.datetime, "days_between")
    _need(b, _dt.datetime, "days_between")
    return Decimal((time_ms(b) - time_ms(a)) // DAY_MS)


def f_add_days(d: Any, n: Any) -> _dt.datetime:
    _need(d, _dt.datetime, "add_days")
    _need(n, Decimal, "add_days")
    if n != n.to_integral_value() or abs(n) > MAX_DAYS:
        raise failed("add_days_range", max=f"{MAX_DAYS:,}")
    return nums.t_add(d, _dt.timedelta(days=int(n)))


NAMESPACE: dict[str, Any] = {name: value for name, value in globals().items()
                             if name[:2] in ("cv", "a_", "m_", "f_") or name in (
                                 "load_ref", "load_refs", "get_field", "s_add", "to_float", "to_floats", "safe_call", "lt", "le", "gt", "ge",
                                 "regex_match", "regex_search", "item", "slice_", "iterate", "bool")}
NAMESPACE.update(nums.NAMESPACE)
NAMESPACE["_DOUBLES"] = nums.DOUBLES
