"""Python runtime of compiled rules: value converters (stored JSON -> rule values) and the helpers the
generated code calls. Every helper mirrors a function of the same name in `runtime.js`; the two must
keep the same semantics (see docs/rules.md, "Null semantics")."""
from __future__ import annotations

import datetime as _dt
import decimal
import math
import re
from typing import Any

from .errors import RuleEvaluationError

UTC = _dt.timezone.utc
_DAY = _dt.timedelta(days=1)
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=UTC)
#: Stored money values: a plain decimal string (no exponent, no spaces).
_MONEY_RE = re.compile(r"-?[0-9]+(\.[0-9]+)?\Z")
#: Accepted datetime strings (same grammar as runtime.js `parseDatetime`).
_DT_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
                    r"(Z|[+-][0-9]{2}:?[0-9]{2})?)?\Z")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def bad_value(value: Any, what: str) -> RuleEvaluationError:
    shown = repr(value)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return RuleEvaluationError(f"the record holds {shown} where {what} was expected")


# -- converters: stored value -> rule value (None stays None) -------------------------------------
def cv_text(v: Any) -> Any:
    if v is None or type(v) is str:
        return v
    raise bad_value(v, "a text")


def cv_number(v: Any) -> Any:
    t = type(v)
    if t is float:
        return v
    if t is int:
        return float(v)
    if v is None:
        return None
    if t is decimal.Decimal:
        return float(v)
    raise bad_value(v, "a number")


def cv_money(v: Any) -> Any:
    if type(v) is str:
        if _MONEY_RE.match(v):
            return float(v)
        raise bad_value(v, "an amount")
    return cv_number(v)


def cv_boolean(v: Any) -> Any:
    if v is None or v is True or v is False:
        return v
    raise bad_value(v, "true or false")


def cv_datetime(v: Any) -> Any:
    if type(v) is str:
        if len(v) == 20 and v[19] == "Z" and v[10] == "T":  # canonical stored form, fast path
            try:
                return _dt.datetime.fromisoformat(v)
            except ValueError:
                raise bad_value(v, "a date and time") from None
        if not _DT_RE.match(v):
            raise bad_value(v, "a date and time")
        try:
            d = _dt.datetime.fromisoformat(v)
        except ValueError:
            raise bad_value(v, "a date and time") from None
        return d.replace(tzinfo=UTC) if d.tzinfo is None else d.astimezone(UTC)
    if v is None:
        return None
    if isinstance(v, _dt.datetime):
        return v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)
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
    if v is None:
        return None
    if type(v) is int:
        return float(v)
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
    if type(rid) is not int:
        raise bad_value(rid, "a record id")
    loader = ctx.load_reference
    if loader is None:
        raise RuleEvaluationError("this rule needs referenced records but none can be loaded here")
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
            raise RuleEvaluationError(f"referenced record {rid!r} was not found")
        out.append(data)
    return out


# -- helpers called by generated code --------------------------------------------------------------
def get_field(obj: Any, fid: str, safe: bool) -> Any:
    """`obj.field` on a referenced record or subtable row (obj is a dict keyed by field id)."""
    if obj is None:
        if safe:
            return None
        raise RuleEvaluationError("a field of an empty reference or row was used (use &. to allow empty)")
    return obj.get(fid)


def safe_call(fn: Any, value: Any, *args: Any) -> Any:
    return None if value is None else fn(value, *args)


def _ordered(a: Any, b: Any) -> None:
    if type(a) is not type(b):
        raise RuleEvaluationError("cannot compare an empty value" if a is None or b is None
                                  else "cannot compare values of different kinds")


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


def fmod(a: float, b: float) -> float:
    if b == 0:
        raise ZeroDivisionError
    return math.fmod(a, b)


def fdiv(a: float, b: float) -> float:
    if b == 0:
        raise ZeroDivisionError
    return float(math.trunc(a / b))


def power(a: float, b: float) -> float:
    return math.pow(a, b)


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
        raise RuleEvaluationError("an item of an empty value was used")
    if index is None or index != math.floor(index):
        raise RuleEvaluationError("an item index must be a whole number")
    try:
        return container[int(index)]
    except IndexError:
        if safe:
            return None
        raise RuleEvaluationError("item index out of range") from None


def slice_(container: Any, start: Any, stop: Any, safe: bool) -> Any:
    if container is None:
        if safe:
            return None
        raise RuleEvaluationError("a slice of an empty value was used")
    for bound in (start, stop):
        if bound is not None and bound != math.floor(bound):
            raise RuleEvaluationError("slice bounds must be whole numbers")
    return container[None if start is None else int(start):None if stop is None else int(stop)]


def iterate(value: Any) -> Any:
    if type(value) is not list:
        raise RuleEvaluationError("a list was expected")
    return value


# attributes (`value.name`)
def a_length(v: Any) -> float:
    return float(len(v))


def a_is_empty(v: Any) -> bool:
    return len(v) == 0


def a_as_lower(v: str) -> str:
    return v.lower()


def a_as_upper(v: str) -> str:
    return v.upper()


def a_ceiling(v: float) -> float:
    return v if math.isinf(v) or math.isnan(v) else float(math.ceil(v))


def a_floor(v: float) -> float:
    return v if math.isinf(v) or math.isnan(v) else float(math.floor(v))


def a_year(v: _dt.datetime) -> float:
    return float(v.year)


def a_month(v: _dt.datetime) -> float:
    return float(v.month)


def a_day(v: _dt.datetime) -> float:
    return float(v.day)


def a_hour(v: _dt.datetime) -> float:
    return float(v.hour)


def a_minute(v: _dt.datetime) -> float:
    return float(v.minute)


def a_second(v: _dt.datetime) -> float:
    return float(v.second)


def a_date(v: _dt.datetime) -> _dt.datetime:
    return v.replace(hour=0, minute=0, second=0, microsecond=0)


def a_to_epoch(v: _dt.datetime) -> float:
    return v.timestamp()


def a_days(v: _dt.timedelta) -> float:
    return float(v.days)


def a_total_seconds(v: _dt.timedelta) -> float:
    return v.total_seconds()


# methods (`value.name(arg)`)
def m_starts_with(v: Any, prefix: Any) -> bool:
    if prefix is None or type(prefix) is not type(v):
        raise RuleEvaluationError("starts_with needs a value of the same kind")
    return v[:len(prefix)] == prefix


def m_ends_with(v: Any, suffix: Any) -> bool:
    if suffix is None or type(suffix) is not type(v):
        raise RuleEvaluationError("ends_with needs a value of the same kind")
    return v[len(v) - len(suffix):] == suffix


# functions (`$name(args)`)
def _need(value: Any, kind: type, fname: str) -> None:
    if type(value) is not kind:
        raise RuleEvaluationError(f"${fname} got an empty or wrong value")


def f_abs(x: Any) -> float:
    _need(x, float, "abs")
    return abs(x)


def f_min(xs: Any) -> float:
    _need(xs, list, "min")
    if not xs:
        raise RuleEvaluationError("$min of an empty list")
    for x in xs:
        _need(x, float, "min")
    return min(xs)


def f_max(xs: Any) -> float:
    _need(xs, list, "max")
    if not xs:
        raise RuleEvaluationError("$max of an empty list")
    for x in xs:
        _need(x, float, "max")
    return max(xs)


def f_sum(xs: Any) -> float:
    _need(xs, list, "sum")
    total = 0.0
    for x in xs:
        _need(x, float, "sum")
        total += x
    return total


def f_any(xs: Any) -> bool:
    _need(xs, list, "any")
    return any(xs)


def f_all(xs: Any) -> bool:
    _need(xs, list, "all")
    return all(xs)


def f_round(x: Any, digits: Any = 0.0) -> float:
    """Round half away from zero to *digits* decimals (same float steps as runtime.js)."""
    _need(x, float, "round")
    _need(digits, float, "round")
    if digits != math.floor(digits) or not 0 <= digits <= 10:
        raise RuleEvaluationError("$round digits must be a whole number from 0 to 10")
    if math.isinf(x) or math.isnan(x):
        return x
    p = 10.0 ** int(digits)
    return math.copysign(math.floor(abs(x) * p + 0.5) / p, x)


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


def f_days_between(a: Any, b: Any) -> float:
    _need(a, _dt.datetime, "days_between")
    _need(b, _dt.datetime, "days_between")
    return float(math.floor((b - a).total_seconds() / 86400))


def f_add_days(d: Any, n: Any) -> _dt.datetime:
    _need(d, _dt.datetime, "add_days")
    _need(n, float, "add_days")
    if n != math.floor(n) or abs(n) > 1_000_000:
        raise RuleEvaluationError("$add_days needs a whole number of days")
    return d + _dt.timedelta(days=int(n))


NAMESPACE: dict[str, Any] = {name: value for name, value in globals().items()
                             if name[:2] in ("cv", "a_", "m_", "f_") or name in (
                                 "load_ref", "load_refs", "get_field", "safe_call", "lt", "le", "gt", "ge",
                                 "fmod", "fdiv", "power", "regex_match", "regex_search", "item", "slice_",
                                 "iterate", "bool")}
