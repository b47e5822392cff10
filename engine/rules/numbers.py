"""Numbers, dates and durations of the rule language, as docs/rules.md ("The value model") defines them.

Numbers are decimals: 34 significant digits, rounded half to even, in one context (`CONTEXT`) that the browser
runtime (runtime.js, decimal.js) configures identically. Every arithmetic result passes `num()`: zero is +0
(there is no negative zero), and a result of magnitude 1e308 or more, or a non-zero one below 1e-307, is the
"number out of range" error. Infinity and NaN are not numbers of the language. Times have millisecond
resolution within 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999Z; durations are at most the length of that
range. Each function here has a counterpart of the same meaning in runtime.js (`rt.n*`, `rt.t*`).
"""
from __future__ import annotations

import datetime as _dt
import decimal
from decimal import Decimal
from typing import Callable

from .errors import RuleEvaluationError, failed

#: Significant digits of every number (decimal128's precision).
PRECISION = 34
#: Largest decimal exponent of a number's leading digit: numbers are below 1e308 in magnitude ...
MAX_EXPONENT = 307
#: ... and a non-zero number is at least 1e-307 in magnitude.
MIN_EXPONENT = -307
#: Largest whole exponent of `**` (in magnitude).
MAX_POWER_EXPONENT = 1000
#: `$round` digits allowed.
ROUND_DIGITS = (0, 10)
#: The whole date range, in days: the largest duration and the largest `$add_days` step.
MAX_DAYS = 3_652_059

CONTEXT = decimal.Context(prec=PRECISION, rounding=decimal.ROUND_HALF_EVEN, Emax=999_999, Emin=-999_999,
                          traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow])
ZERO = Decimal(0)
ONE = Decimal(1)
#: the context's operations bound once: looking a method up on a Context costs more than a short operation
ADD, SUBTRACT, MULTIPLY, DIVIDE = CONTEXT.add, CONTEXT.subtract, CONTEXT.multiply, CONTEXT.divide
_TEN_POW_PRECISION = Decimal(10) ** PRECISION

UTC = _dt.timezone.utc
EPOCH = _dt.datetime(1970, 1, 1, tzinfo=UTC)
MS = _dt.timedelta(milliseconds=1)
DAY_MS = 86_400_000
MIN_TIME = _dt.datetime(1, 1, 1, tzinfo=UTC)
MAX_TIME = _dt.datetime(9999, 12, 31, 23, 59, 59, 999_000, tzinfo=UTC)
MAX_DURATION = _dt.timedelta(days=MAX_DAYS)


def out_of_range(what: str = "number") -> RuleEvaluationError:
    return failed(f"{what}_range")


def num(d: Decimal) -> Decimal:
    """A result as the language holds it: +0 for zero, the range error outside the number range."""
    if not d:
        return ZERO
    adjusted = d.adjusted()
    if adjusted > MAX_EXPONENT or adjusted < MIN_EXPONENT:
        raise out_of_range()
    return d


_SAFE_INTEGER = 2 ** 53
#: conversions of recently read doubles (records are read again and again); cv_number looks here first
DOUBLES: dict[float, Decimal] = {}
_MAX_CACHED_DOUBLES = 4096


def from_double(v: float) -> Decimal:
    """A stored JSON number (an IEEE double on both sides) as a rule number: its shortest decimal form."""
    hit = DOUBLES.get(v)
    if hit is not None:
        return hit
    if v != v or v in (float("inf"), float("-inf")):
        raise failed("not_finite")
    d = num(Decimal(int(v)) if v.is_integer() and -_SAFE_INTEGER <= v <= _SAFE_INTEGER else Decimal(repr(v)))
    if len(DOUBLES) >= _MAX_CACHED_DOUBLES:
        DOUBLES.clear()
    DOUBLES[v] = d
    return d


def with_literal(op: str, k: Decimal, literal_first: bool) -> Callable[[Decimal], Decimal]:
    """`a op k` (or `k op a` when *literal_first*) for a number literal *k* known at compile time.

    The same result and errors as `num(CONTEXT.op(a, k))`: the literal was rounded once when the rule was compiled
    and the operation is bound."""
    f = {"add": ADD, "sub": SUBTRACT, "mul": MULTIPLY, "div": DIVIDE}[op]

    def right(a: Decimal) -> Decimal:
        return num(f(a, k))  # a null `a` raises TypeError: CompiledRule reports it as the empty-value error

    def left(a: Decimal) -> Decimal:
        return num(f(k, a))

    return left if literal_first else right


def from_text(s: str) -> Decimal:
    """A decimal text (a money amount, a literal) rounded to the precision."""
    return num(CONTEXT.plus(Decimal(s)))


def _need(a: object, b: object) -> None:
    if type(a) is not Decimal or type(b) is not Decimal:
        raise failed("empty_in_calculation")


def n_add(a: Decimal, b: Decimal) -> Decimal:
    _need(a, b)
    return num(CONTEXT.add(a, b))


def n_sub(a: Decimal, b: Decimal) -> Decimal:
    _need(a, b)
    return num(CONTEXT.subtract(a, b))


def n_mul(a: Decimal, b: Decimal) -> Decimal:
    _need(a, b)
    return num(CONTEXT.multiply(a, b))


def n_div(a: Decimal, b: Decimal) -> Decimal:
    _need(a, b)
    if not b:
        raise failed("division_by_zero")
    return num(CONTEXT.divide(a, b))


def _whole_quotient_fits(a: Decimal, b: Decimal) -> None:
    if not b:
        raise failed("division_by_zero")
    if a and abs(CONTEXT.divide(a, b)) >= _TEN_POW_PRECISION:
        raise out_of_range()


def n_fdiv(a: Decimal, b: Decimal) -> Decimal:
    """`//`: the quotient truncated toward zero."""
    _need(a, b)
    _whole_quotient_fits(a, b)
    return num(CONTEXT.divide_int(a, b))


def n_mod(a: Decimal, b: Decimal) -> Decimal:
    """`%`: the remainder of `//`, with the sign of *a*."""
    _need(a, b)
    _whole_quotient_fits(a, b)
    return num(CONTEXT.remainder(a, b))


def n_pow(a: Decimal, b: Decimal) -> Decimal:
    """`**` with a whole exponent of at most MAX_POWER_EXPONENT: square-and-multiply, each step rounded."""
    _need(a, b)
    if b != b.to_integral_value() or abs(b) > MAX_POWER_EXPONENT:
        raise failed("power_exponent", max=MAX_POWER_EXPONENT)
    n = int(b)
    if not a and n <= 0:
        raise failed("power_undefined")
    result, base, k = ONE, a, abs(n)
    while k:
        if k & 1:
            result = CONTEXT.multiply(result, base)
        k >>= 1
        if k:
            base = CONTEXT.multiply(base, base)
    if n < 0:
        result = CONTEXT.divide(ONE, result)
    return num(result)


def n_neg(a: Decimal) -> Decimal:
    if type(a) is not Decimal:
        raise failed("empty_in_calculation")
    return num(CONTEXT.minus(a))


def n_int(i: int) -> Decimal:
    return Decimal(i)


# -- times and durations ---------------------------------------------------------------------------------
def d_check(d: _dt.timedelta) -> _dt.timedelta:
    if abs(d) > MAX_DURATION:
        raise out_of_range("duration")
    return d


def _need_time(a: object, b: object) -> None:
    if a is None or b is None:
        raise failed("empty_in_calculation")


def t_add(t: _dt.datetime, d: _dt.timedelta) -> _dt.datetime:
    _need_time(t, d)
    try:
        return t + d
    except OverflowError:
        raise out_of_range("date") from None


def t_sub(t: _dt.datetime, d: _dt.timedelta) -> _dt.datetime:
    _need_time(t, d)
    try:
        return t - d
    except OverflowError:
        raise out_of_range("date") from None


def t_diff(a: _dt.datetime, b: _dt.datetime) -> _dt.timedelta:
    _need_time(a, b)
    return d_check(a - b)


def d_add(a: _dt.timedelta, b: _dt.timedelta) -> _dt.timedelta:
    _need_time(a, b)
    return d_check(a + b)


def d_sub(a: _dt.timedelta, b: _dt.timedelta) -> _dt.timedelta:
    _need_time(a, b)
    return d_check(a - b)


def d_neg(a: _dt.timedelta) -> _dt.timedelta:
    if a is None:
        raise failed("empty_in_calculation")
    return -a


def time_ms(t: _dt.datetime) -> int:
    return (t - EPOCH) // MS


def truncate_ms(t: _dt.datetime) -> _dt.datetime:
    return t.replace(microsecond=t.microsecond - t.microsecond % 1000)


def duration_literal(d: _dt.timedelta) -> _dt.timedelta:
    """A duration literal at millisecond resolution (toward the earlier), within the duration range."""
    return d_check((d // MS) * MS)


NAMESPACE = {name: value for name, value in globals().items()
             if name[:2] in ("n_", "t_", "d_") or name in ("num", "from_double", "from_text", "ZERO", "ONE")}
#: generated code calls `num(_mul(a, b))` directly for + - * / (a null operand raises TypeError there, which
#: CompiledRule.evaluate reports as the empty-value error; a zero divisor raises decimal's ZeroDivisionError)
NAMESPACE.update(_add=ADD, _sub=SUBTRACT, _mul=MULTIPLY, _div=DIVIDE)
