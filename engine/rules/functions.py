"""The vocabulary a rule may call: `$` built-in values and functions, attributes (`x.length`) and
methods (`x.starts_with(y)`). Each entry is registered by name with its rule-engine type (used for
compile-time checking), its Python runtime function and its JS runtime function. Names that
rule-engine knows but that are not registered here (`$random`, `$range`, `$map`...) are refused."""
from __future__ import annotations

import datetime as _dt
import decimal
from dataclasses import dataclass
from typing import Any, Callable

from rule_engine import DataType

from . import runtime

F = DataType.FLOAT
S = DataType.STRING
B = DataType.BOOLEAN
T = DataType.DATETIME


@dataclass(frozen=True)
class BuiltinValue:
    """A `$name` value such as `$now`."""
    name: str
    data_type: Any
    py: str
    js: str


@dataclass(frozen=True)
class RuleFunction:
    """A `$name(...)` function. `native` ones come with rule-engine; others are added by formflow."""
    name: str
    data_type: Any
    py: str
    js: str
    native: bool = False
    #: static check of the argument kinds beyond rule-engine's (returns a message code, its param ``name``, or None)
    check: Callable[[list[str]], str | None] | None = None


@dataclass(frozen=True)
class RuleAttribute:
    """`value.name` for values of the given kinds; `method` ones are called: `value.name(arg)`."""
    name: str
    kinds: tuple[str, ...]
    py: str
    js: str
    method: bool = False


BUILTIN_VALUES: dict[str, BuiltinValue] = {}
FUNCTIONS: dict[str, RuleFunction] = {}
ATTRIBUTES: dict[str, RuleAttribute] = {}


def _register(table: dict, entry: Any) -> None:
    table[entry.name] = entry


for _v in (BuiltinValue("now", T, "ctx.now", "ctx.now"),
           BuiltinValue("today", T, "ctx.today", "ctx.today"),
           BuiltinValue("user_id", F, "cv_id(ctx.user_id)", "rt.cv.id(ctx.user_id)")):
    _register(BUILTIN_VALUES, _v)


#: One line of help per `$` value and function, (signature, en, zh-CN): what the formula editor's pickers show.
HELP: dict[str, tuple[str, str, str]] = {
    "now": ("$now", "The current date and time", "当前日期和时间"),
    "today": ("$today", "Today's date (in the workspace time zone)", "今天的日期（按工作区时区）"),
    "user_id": ("$user_id", "The id of the user who saves the record", "保存记录的用户的 ID"),
    "abs": ("$abs(number)", "The number without its sign", "数字的绝对值"),
    "min": ("$min([a, b, ...])", "The smallest of a list of numbers", "一组数字中的最小值"),
    "max": ("$max([a, b, ...])", "The largest of a list of numbers", "一组数字中的最大值"),
    "sum": ("$sum([a, b, ...])", "The total of a list of numbers", "一组数字的总和"),
    "any": ("$any([c1, c2, ...])", "True when at least one condition holds", "至少一个条件成立时为真"),
    "all": ("$all([c1, c2, ...])", "True when every condition holds", "所有条件都成立时为真"),
    "round": ("$round(number, digits)", "The number rounded to that many decimals (0 if omitted)", "按指定小数位四舍五入（省略则取整）"),
    "trim": ("$trim(text)", "The text without spaces at its ends", "去掉文本首尾的空格"),
    "lower": ("$lower(text)", "The text in lower case", "文本转为小写"),
    "upper": ("$upper(text)", "The text in upper case", "文本转为大写"),
    "is_empty": ("$is_empty(value)", "True when the value is empty", "值为空时为真"),
    "days_between": ("$days_between(start, end)", "Days from the first date to the second", "从第一个日期到第二个日期的天数"),
    "add_days": ("$add_days(date, days)", "The date that many days later (negative: earlier)", "若干天之后的日期（负数为之前）"),
}


def _fn(name: str, ret: Any, args: tuple, minimum: int | None = None) -> Any:
    kw = {} if minimum is None else {"minimum_arguments": minimum}
    return DataType.FUNCTION(name, return_type=ret, argument_types=args, **kw)


def _bool_array(kinds: list[str]) -> str | None:
    return None if kinds and kinds[0] in ("array:boolean", "array:null") else "error.rule.compile.needs_bool_list"


for _f in (
        RuleFunction("abs", _fn("abs", F, (F,)), "f_abs", "rt.fn.abs", native=True),
        RuleFunction("min", _fn("min", F, (DataType.ARRAY(F),)), "f_min", "rt.fn.min", native=True),
        RuleFunction("max", _fn("max", F, (DataType.ARRAY(F),)), "f_max", "rt.fn.max", native=True),
        RuleFunction("sum", _fn("sum", F, (DataType.ARRAY(F),)), "f_sum", "rt.fn.sum", native=True),
        RuleFunction("any", _fn("any", B, (DataType.ARRAY,)), "f_any", "rt.fn.any", native=True, check=_bool_array),
        RuleFunction("all", _fn("all", B, (DataType.ARRAY,)), "f_all", "rt.fn.all", native=True, check=_bool_array),
        RuleFunction("round", _fn("round", F, (F, F), 1), "f_round", "rt.fn.round"),
        RuleFunction("trim", _fn("trim", S, (S,)), "f_trim", "rt.fn.trim"),
        RuleFunction("lower", _fn("lower", S, (S,)), "f_lower", "rt.fn.lower"),
        RuleFunction("upper", _fn("upper", S, (S,)), "f_upper", "rt.fn.upper"),
        RuleFunction("is_empty", _fn("is_empty", B, (DataType.UNDEFINED,)), "f_is_empty", "rt.fn.is_empty"),
        RuleFunction("days_between", _fn("days_between", F, (T, T)), "f_days_between", "rt.fn.days_between"),
        RuleFunction("add_days", _fn("add_days", T, (T, F)), "f_add_days", "rt.fn.add_days"),
):
    _register(FUNCTIONS, _f)

_SEQ = ("text", "array")
for _a in (
        RuleAttribute("length", _SEQ, "a_length", "rt.attr.length"),
        RuleAttribute("is_empty", _SEQ, "a_is_empty", "rt.attr.is_empty"),
        RuleAttribute("as_lower", ("text",), "a_as_lower", "rt.attr.as_lower"),
        RuleAttribute("as_upper", ("text",), "a_as_upper", "rt.attr.as_upper"),
        RuleAttribute("ceiling", ("number",), "a_ceiling", "rt.attr.ceiling"),
        RuleAttribute("floor", ("number",), "a_floor", "rt.attr.floor"),
        RuleAttribute("year", ("datetime",), "a_year", "rt.attr.year"),
        RuleAttribute("month", ("datetime",), "a_month", "rt.attr.month"),
        RuleAttribute("day", ("datetime",), "a_day", "rt.attr.day"),
        RuleAttribute("hour", ("datetime",), "a_hour", "rt.attr.hour"),
        RuleAttribute("minute", ("datetime",), "a_minute", "rt.attr.minute"),
        RuleAttribute("second", ("datetime",), "a_second", "rt.attr.second"),
        RuleAttribute("date", ("datetime",), "a_date", "rt.attr.date"),
        RuleAttribute("to_epoch", ("datetime",), "a_to_epoch", "rt.attr.to_epoch"),
        RuleAttribute("days", ("timedelta",), "a_days", "rt.attr.days"),
        RuleAttribute("total_seconds", ("timedelta",), "a_total_seconds", "rt.attr.total_seconds"),
        RuleAttribute("starts_with", _SEQ, "m_starts_with", "rt.method.starts_with", method=True),
        RuleAttribute("ends_with", _SEQ, "m_ends_with", "rt.method.ends_with", method=True),
):
    _register(ATTRIBUTES, _a)


# -- the same functions for rule-engine's own evaluator (agreement tests, reference evaluation) ------
def _to_py(v: Any) -> Any:
    if isinstance(v, tuple):
        return [_to_py(x) for x in v]
    return v


def _to_re(v: Any) -> Any:
    if isinstance(v, list):
        return tuple(_to_re(x) for x in v)
    return v


def rule_engine_impl(fn: RuleFunction) -> Callable[..., Any]:
    """A rule-engine callable for an added function: same Python code, Decimal/tuple adapted."""
    impl = runtime.NAMESPACE[fn.py]

    def call(*args: Any) -> Any:
        return _to_re(impl(*[_to_py(a) for a in args]))
    call.__name__ = fn.name
    return call


def builtin_types() -> dict[str, Any]:
    types = {v.name: v.data_type for v in BUILTIN_VALUES.values()}
    types.update({f.name: f.data_type for f in FUNCTIONS.values() if not f.native})
    return types


def builtin_values(now: _dt.datetime, today: _dt.datetime, user_id: int | None) -> dict[str, Any]:
    values: dict[str, Any] = {"now": now, "today": today,
                              "user_id": None if user_id is None else decimal.Decimal(user_id)}
    values.update({f.name: rule_engine_impl(f) for f in FUNCTIONS.values() if not f.native})
    return values
