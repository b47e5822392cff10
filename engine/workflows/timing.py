"""Timing for timed workflows: when does a reminder fire.

Owns the pure, clock-free time arithmetic the scheduler uses: offsets
relative to a date field (``Offset`` / ``fire_time``), delays after an
event (``Delay``) and 5-field cron schedules (``parse_cron``). Every input
and output datetime is aware; results are UTC. Local time zones appear
only as an argument, and DST is handled explicitly:

* a local wall-clock time that does not exist (spring-forward gap) is
  shifted forward by the length of the gap (02:30 -> 03:30);
* an ambiguous local time (autumn fold) means its first occurrence.

Arithmetic choice: ``minutes`` and ``hours`` move along the absolute
timeline (``1 hour before`` is always 3600 s earlier), ``days`` and
``weeks`` move on the local calendar and keep the wall-clock time
(``1 day before 09:00`` is 09:00 the previous local day even across a DST
change), which is what a business user means by "a day before".
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from engine import i18n
from engine.errors import ErrorItem, ValidationFailed

__all__ = [
    "TimingError", "Offset", "Delay", "fire_time", "resolve_local",
    "parse_cron", "CronSchedule", "UNITS", "DIRECTIONS",
    "MAX_OFFSET_DAYS", "MAX_CRON_RUNS", "MAX_CRON_SEARCH_DAYS",
]

#: Longest offset or delay accepted, in days (a year, leap year included).
MAX_OFFSET_DAYS = 366
#: Most occurrences ``CronSchedule.next_n`` computes in one call.
MAX_CRON_RUNS = 1000
#: How far ahead a cron search looks before declaring "never fires".
MAX_CRON_SEARCH_DAYS = 366 * 8
#: Longest cron text accepted.
MAX_CRON_LENGTH = 200

#: Units and their length in days (for the MAX_OFFSET_DAYS check).
UNITS = {"minutes": 1 / 1440, "hours": 1 / 24, "days": 1, "weeks": 7}
DIRECTIONS = {"before": -1, "after": 1}
_CALENDAR_UNITS = {"days": 1, "weeks": 7}

UTC = timezone.utc


class TimingError(ValidationFailed, ValueError):
    """A timing setting that cannot be used; ``where`` names the setting."""

    code = "timing_invalid"

    def __init__(self, where: str | None = None, *, message_code: str, **params: Any):
        item = ErrorItem.coded(message_code, path=f"/{where}" if where else "", code="timing_invalid", **params)
        super().__init__(item.message, [item], message_code=message_code, params=params)
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@lru_cache(maxsize=512)
def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise TimingError("tz", message_code="error.timing.unknown_zone", tz=repr(tz)) from None


def _require_aware(dt: datetime, where: str) -> None:
    if not isinstance(dt, datetime) or dt.tzinfo is None or dt.utcoffset() is None:
        raise TimingError(where, message_code="error.timing.needs_aware")


def _parse_at_time(value: str | time | None) -> time | None:
    if value is None or isinstance(value, time):
        return value
    try:
        hh, mm = str(value).split(":")
        if len(hh) != 2 or len(mm) != 2:
            raise ValueError
        return time(int(hh), int(mm))
    except ValueError:
        raise TimingError("at_time", message_code="error.timing.time_of_day", value=repr(value)) from None


def resolve_local(wall: datetime, tz: str) -> datetime:
    """Turn a naive local wall-clock time in ``tz`` into an aware UTC instant.

    Nonexistent times (DST gap) shift forward by the gap; ambiguous times
    (DST fold) take the first occurrence.
    """
    # Both rules are what fold=0 means (PEP 495): in a gap it uses the offset before the change,
    # which lands exactly "gap length" later on the wall clock; in a fold it is the first instant.
    return wall.replace(tzinfo=_zone(tz), fold=0).astimezone(UTC)


def _check_amount(amount: int, unit: str) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TimingError("amount", message_code="error.timing.whole_number")
    if amount < 0:
        raise TimingError("amount", message_code="error.timing.not_negative")
    if unit not in UNITS:
        raise TimingError("unit", message_code="error.timing.unit", unit=repr(unit), units=", ".join(UNITS))
    if amount * UNITS[unit] > MAX_OFFSET_DAYS:
        raise TimingError("amount", message_code="error.timing.too_far", max=MAX_OFFSET_DAYS)


@dataclass(frozen=True)
class Offset:
    """'N units before/after a date field', optionally at a local time of day."""

    amount: int
    unit: str
    direction: str = "before"
    at_time: time | None = None
    #: the signed move: absolute for minutes/hours, calendar days for days/weeks (worked out once)
    step: timedelta = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_amount(self.amount, self.unit)
        if self.direction not in DIRECTIONS:
            raise TimingError("direction", message_code="error.timing.direction", direction=repr(self.direction))
        at = _parse_at_time(self.at_time)
        object.__setattr__(self, "at_time", at)
        if at is not None and self.unit not in _CALENDAR_UNITS:
            raise TimingError("at_time", message_code="error.timing.time_needs_days")
        days = _CALENDAR_UNITS.get(self.unit)
        delta = timedelta(days=self.amount * days) if days else timedelta(**{self.unit: self.amount})
        object.__setattr__(self, "step", DIRECTIONS[self.direction] * delta)

    @classmethod
    def from_dict(cls, data: dict) -> "Offset":
        """Build from the definition shape ``{"amount", "unit", "direction", "at_time"}``."""
        unknown = set(data) - {"amount", "unit", "direction", "at_time"}
        if unknown:
            raise TimingError("offset", message_code="error.timing.unknown_settings", names=", ".join(sorted(unknown)),
                              count=len(unknown))
        return cls(data.get("amount", 0), data.get("unit", "days"),
                   data.get("direction", "before"), data.get("at_time"))

    def to_dict(self) -> dict:
        return {"amount": self.amount, "unit": self.unit, "direction": self.direction,
                "at_time": self.at_time.strftime("%H:%M") if self.at_time else None}

    def from_anchor(self, anchor: datetime, tz: str) -> datetime:
        """``fire_time`` for an anchor already known to be aware (a backfill's hot path skips the check)."""
        if self.unit not in _CALENDAR_UNITS:
            return anchor.astimezone(UTC) + self.step
        local = anchor.astimezone(_zone(tz)) + self.step  # an aware datetime plus a timedelta moves its wall clock
        if self.at_time is not None:
            return _at_time_on(local.date(), self.at_time, tz)
        return local.replace(fold=0).astimezone(UTC)  # resolve_local: a gap shifts forward, a fold takes the first


def fire_time(anchor: datetime, offset: Offset, tz: str = "UTC") -> datetime:
    """When an offset relative to ``anchor`` fires, as an aware UTC datetime.

    ``tz`` is the time zone whose calendar and wall clock count (usually the
    recipient's): it matters for days/weeks and for ``at_time``.
    """
    _require_aware(anchor, "anchor")
    return offset.from_anchor(anchor, tz)


@lru_cache(maxsize=4096)
def _at_time_on(day: date, at: time, tz: str) -> datetime:
    """``at`` o'clock on ``day`` in ``tz``, as UTC (every record due that day shares it: a backfill computes it once)."""
    return resolve_local(datetime.combine(day, at), tz)


@dataclass(frozen=True)
class Delay:
    """'Wait N units after an event' (a delay node in a workflow)."""

    amount: int
    unit: str

    def __post_init__(self) -> None:
        _check_amount(self.amount, self.unit)

    def fire_time(self, event_at: datetime, tz: str = "UTC") -> datetime:
        """When the delay started at ``event_at`` ends (aware UTC)."""
        return fire_time(event_at, Offset(self.amount, self.unit, "after"), tz)


# --------------------------------------------------------------------- cron

#: the five fields (name, low, high); a field's words in a message are ``error.timing.cron_unit.<name>``
_CRON_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day_of_month", 1, 31),
                ("month", 1, 12), ("day_of_week", 0, 7))
_CRON_EXTENSIONS = ("L", "W", "#", "?", "@")


#: the names a field also takes (croniter's, as in crontab(5))
_CRON_NAMES = {3: "jan-dec", 4: "sun-sat"}


def _cron_allowed(index: int) -> dict[str, str]:
    """What a field takes, in every language (croniter's own refusal is English only): "0 to 59", "1 to 12 or jan-dec"."""
    name, low, high = _CRON_FIELDS[index]
    if index in _CRON_NAMES:
        return i18n.texts("error.timing.cron_allowed_names", {"low": low, "high": high, "names": _CRON_NAMES[index]})
    return i18n.texts("error.timing.cron_allowed", {"low": low, "high": high})


def _expand_field(part: str, index: int) -> frozenset[int] | None:
    """Expand one cron field; None means '*' (every value)."""
    label = i18n.words("error.timing.cron_unit.", _CRON_FIELDS[index][0])  # "day of month" in English
    if any(mark in part.upper() for mark in _CRON_EXTENSIONS):
        raise TimingError("cron", message_code="error.timing.cron_syntax", unit_name=label, part=repr(part))
    probe = ["*"] * 5
    probe[index] = part
    try:
        expanded = croniter.expand(" ".join(probe))[0][index]
    except Exception:  # croniter raises several error classes
        raise TimingError("cron", message_code="error.timing.cron_field", unit_name=label, part=repr(part),
                          detail=_cron_allowed(index)) from None
    if expanded == ["*"]:
        return None
    values = {int(v) for v in expanded}
    if index == 4:
        values = {0 if v == 7 else v for v in values}
    return frozenset(values)


def parse_cron(text: str) -> "CronSchedule":
    """Parse 5-field crontab text (minute hour day month weekday)."""
    if not isinstance(text, str) or not text.strip():
        raise TimingError("cron", message_code="error.timing.cron_empty")
    if len(text) > MAX_CRON_LENGTH:
        raise TimingError("cron", message_code="error.timing.cron_too_long", max=MAX_CRON_LENGTH)
    parts = text.split()
    if len(parts) != 5:
        raise TimingError("cron", message_code="error.timing.cron_parts", text=repr(text), n=len(parts))
    fields = [_expand_field(part, i) for i, part in enumerate(parts)]
    schedule = CronSchedule(
        text=" ".join(parts), minutes=fields[0], hours=fields[1], days=fields[2],
        months=fields[3], weekdays=fields[4],
        # Vixie cron: day-of-month and weekday are OR-ed only when both are
        # restricted, where "restricted" means the text does not start with '*'.
        day_or_weekday=not parts[2].startswith("*") and not parts[4].startswith("*"),
    )
    if schedule.weekdays is None or not schedule.day_or_weekday:
        if schedule.days is not None:
            months = schedule.months or range(1, 13)
            longest = max(calendar.monthrange(2024, m)[1] for m in months)
            if min(schedule.days) > longest:
                raise TimingError("cron", message_code="error.timing.cron_never", text=repr(text))
    return schedule


@dataclass(frozen=True)
class CronSchedule:
    """A parsed cron schedule, evaluated on the wall clock of a time zone."""

    text: str
    minutes: frozenset[int] | None
    hours: frozenset[int] | None
    days: frozenset[int] | None
    months: frozenset[int] | None
    weekdays: frozenset[int] | None  # 0 = Sunday
    day_or_weekday: bool

    def _day_matches(self, day: date) -> bool:
        if self.months is not None and day.month not in self.months:
            return False
        dom_ok = self.days is None or day.day in self.days
        dow_ok = self.weekdays is None or (day.isoweekday() % 7) in self.weekdays
        if self.day_or_weekday:
            return dom_ok or dow_ok
        return dom_ok and dow_ok

    def _times(self) -> list[time]:
        hours = sorted(self.hours) if self.hours is not None else range(24)
        minutes = sorted(self.minutes) if self.minutes is not None else range(60)
        return [time(h, m) for h in hours for m in minutes]

    @staticmethod
    def _first_in_day(day: date, times: list[time], after: datetime, tz: str,
                      zone: ZoneInfo) -> datetime | None:
        start = datetime.combine(day, time(0), zone)
        end = datetime.combine(day, time(23, 59), zone)
        if start.utcoffset() == end.utcoffset():  # ordinary day: wall order = time order
            for t in times:
                candidate = resolve_local(datetime.combine(day, t), tz)
                if candidate > after:
                    return candidate
            return None
        # DST change day: shifted gap times may land after later wall times.
        later = [c for c in (resolve_local(datetime.combine(day, t), tz) for t in times) if c > after]
        return min(later, default=None)

    def next_after(self, dt: datetime, tz: str = "UTC") -> datetime:
        """First firing strictly after ``dt``, as aware UTC.

        Runs whose local time falls in a DST gap fire at the shifted
        instant; runs in a DST fold fire once (first occurrence).
        """
        _require_aware(dt, "after")
        zone = _zone(tz)
        after = dt.astimezone(UTC)
        day = after.astimezone(zone).date() - timedelta(days=1)  # a fold may reach back
        times = self._times()
        for _ in range(MAX_CRON_SEARCH_DAYS):
            if self._day_matches(day):
                found = self._first_in_day(day, times, after, tz, zone)
                if found is not None:
                    return found
            day += timedelta(days=1)
        raise TimingError("cron", message_code="error.timing.cron_no_fire", text=repr(self.text),
                          years=MAX_CRON_SEARCH_DAYS // 366)

    def next_n(self, dt: datetime, n: int, tz: str = "UTC") -> list[datetime]:
        """The next ``n`` firings after ``dt`` (aware UTC, increasing)."""
        if not 0 <= n <= MAX_CRON_RUNS:
            raise TimingError("n", message_code="error.timing.too_many_runs", max=MAX_CRON_RUNS)
        out: list[datetime] = []
        current = dt
        while len(out) < n:
            current = self.next_after(current, tz)
            out.append(current)
        return out
