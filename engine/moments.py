"""Dates and moments as a reader reads them: the one server-side formatter (Babel, CLDR), used by the field types'
display text and the designer's pages. The browser's twin is ``formflow.moment`` / ``formflow.day`` in
``designer_ui/static/common.js`` (Intl.DateTimeFormat, same CLDR patterns: medium date, short time), so a value reads
the same whether the server or the page wrote it: en "Dec 6, 2026, 2:05 PM", zh-CN "2026年12月6日 14:05".
Storage stays UTC ISO; the reader's zone and language are applied only here, at the edge."""
from __future__ import annotations

from datetime import date, datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.core import UnknownLocaleError
from babel.dates import format_date, format_time

from engine.errors import ErrorItem

__all__ = ["format_moment", "format_day"]

#: the CLDR widths used for every reader-facing date and time (Intl's dateStyle / timeStyle)
DATE_WIDTH = "medium"
TIME_WIDTH = "short"


@lru_cache(maxsize=32)
def _locale(locale: str | None) -> Locale:
    try:
        return Locale.parse((locale or "en").replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def _aware(value: str | datetime) -> datetime:
    if isinstance(value, datetime):
        moment = value
    else:
        moment = datetime.fromisoformat(value.strip().replace(" ", "T", 1).replace("Z", "+00:00").replace("z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def format_moment(value: str | datetime | None, locale: str | None = "en", tz: str | None = "UTC") -> str:
    """A stored moment (UTC ISO text or an aware datetime) in the reader's zone and language; "" for none."""
    if not value:
        return ""
    loc = _locale(locale)
    try:
        zone = ZoneInfo(tz or "UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    local = _aware(value).astimezone(zone)
    pattern = loc.datetime_formats[DATE_WIDTH]  # how the language joins a date and a time: "{1}, {0}" / "{1} {0}"
    return str(pattern).replace("{1}", format_date(local.date(), DATE_WIDTH, locale=loc)).replace(
        "{0}", format_time(local, TIME_WIDTH, locale=loc))


def format_day(value: str | date | None, locale: str | None = "en") -> str:
    """A calendar day (YYYY-MM-DD, no zone: a day is the same day everywhere) in the reader's language; "" for none."""
    if not value:
        return ""
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return format_date(day, DATE_WIDTH, locale=_locale(locale))


def time_zone_error(tz: object) -> ErrorItem | None:
    """None for an IANA time zone name (what users and the workspace may choose), else the error at ``/timezone``."""
    try:
        if not isinstance(tz, str) or not tz or len(tz) > 64:
            raise ValueError
        ZoneInfo(tz)
    except Exception:  # noqa: BLE001  (ZoneInfo raises several kinds for bad names)
        return ErrorItem.coded("error.moments.time_zone", path="/timezone")
    return None
