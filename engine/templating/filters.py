"""The filters a template may use: Jinja's safe subset plus date filters, each checking the render's budget."""
from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import ChainableUndefined, pass_context, pass_eval_context
from jinja2 import filters as jinja_filters
from markupsafe import Markup

from engine.templating.budget import budgeted, text_size, too_long
from engine.templating.errors import RenderLimit
from engine.templating.limits import MAX_DATE_FORMAT_LENGTH, MAX_TEMPLATE_OUTPUT, TZ_KEY, UTC

def _zone(tz: str | None, default: str | None = None) -> ZoneInfo:
    name = tz or default or "UTC"
    return cached_zone(name)


@lru_cache(maxsize=256)
def cached_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise RenderLimit("error.template.limit.time_zone", zone=repr(name)) from None


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise RenderLimit("error.template.limit.naive_moment")
        return value
    if isinstance(value, str) and value:
        try:
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise RenderLimit("error.template.limit.not_moment", value=repr(value[:40])) from None
        return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    return None


def _check_format(fmt: Any) -> str:
    if not isinstance(fmt, str) or len(fmt) > MAX_DATE_FORMAT_LENGTH:
        raise RenderLimit("error.template.date_format", max=MAX_DATE_FORMAT_LENGTH)
    return fmt


@pass_context
def datetime_filter(context, value: Any, fmt: str = "%Y-%m-%d %H:%M", tz: str | None = None) -> str:
    """``{{ record.due|datetime("%m-%d %H:%M", "Asia/Shanghai") }}``; tz defaults to the recipient's."""
    if value is None or isinstance(value, ChainableUndefined):
        return ""
    dt = _as_datetime(value)
    if dt is None:
        return ""
    return dt.astimezone(_zone(tz, context.get(TZ_KEY))).strftime(_check_format(fmt))


@pass_context
def date_filter(context, value: Any, fmt: str = "%Y-%m-%d", tz: str | None = None) -> str:
    """``{{ record.birthday|date("%d/%m") }}``; datetimes are first moved to tz."""
    if value is None or isinstance(value, ChainableUndefined):
        return ""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.strftime(_check_format(fmt))
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value).strftime(_check_format(fmt))
        except ValueError:
            raise RenderLimit("error.template.limit.not_date", value=repr(value)) from None
    dt = _as_datetime(value)
    if dt is None:
        return ""
    return dt.astimezone(_zone(tz, context.get(TZ_KEY))).date().strftime(_check_format(fmt))


def _replace_filter(eval_ctx_value, old, new, count=None):
    text = str(eval_ctx_value)
    old, new = str(old), str(new)
    hits = text.count(old) if old else len(text) + 1
    if len(text) + hits * max(0, len(new) - len(old)) > MAX_TEMPLATE_OUTPUT:
        raise RenderLimit("error.template.limit.replace")
    return text.replace(old, new, -1 if count is None else count)


@pass_eval_context
def _join_filter(eval_ctx, value, d="", attribute=None):
    """Jinja's ``join``, sized before the text is made."""
    items = list(value)
    if attribute is not None:
        items = list(map(jinja_filters.make_attrgetter(eval_ctx.environment, attribute), items))
    size = text_size(d) * max(len(items) - 1, 0)
    for item in items:
        too_long(size, "join")
        size += text_size(item)
    too_long(size, "join")
    return jinja_filters.sync_do_join(eval_ctx, items, d)


def _string_filter(value):
    too_long(text_size(value), "string")
    return jinja_filters.do_string(value)


@jinja_filters.pass_environment
def _sum_filter(environment, iterable, attribute=None, start=0):
    if isinstance(start, bool) or not isinstance(start, (int, float)):
        raise RenderLimit("error.template.limit.sum_start")
    return jinja_filters.sync_do_sum(environment, iterable, attribute, start)


def _striptags_filter(value):
    """Jinja's ``striptags`` in one pass (MarkupSafe's rebuilds the text for every tag: quadratic on ``<>`` * 50,000)."""
    text = value.__html__() if hasattr(value, "__html__") else str(value)
    out, at = [], 0
    while (start := text.find("<", at)) != -1:
        out.append(text[at:start])
        closing = ("-->", 3) if text.startswith("<!--", start) else (">", 1)
        end = text.find(closing[0], start + 1)
        if end == -1:
            break
        at = end + closing[1]
    else:
        start = -1
    out.append(text[at:] if start == -1 else text[start:])
    return Markup(" ".join("".join(out).split())).unescape()

#: Filters a template may use: the safe subset of Jinja's plus ours (each checks the render's budget).
SAFE_FILTERS: dict[str, Callable] = {name: budgeted(f) for name, f in ({
    name: jinja_filters.FILTERS[name] for name in (
        "abs", "capitalize", "default", "d", "escape", "e", "first", "last", "float", "int",
        "length", "count", "lower", "upper", "title", "trim", "truncate", "round",
        "wordcount", "urlencode", "list", "min", "max", "sort", "unique", "reverse",
    )
} | {"replace": _replace_filter, "datetime": datetime_filter, "date": date_filter, "join": _join_filter,
     "string": _string_filter, "sum": _sum_filter, "striptags": _striptags_filter}).items()}

