"""Tests for engine.workflows.timing: offsets, DST, delays, cron."""
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from engine.workflows.timing import (
    MAX_OFFSET_DAYS, Delay, Offset, TimingError, fire_time, parse_cron, resolve_local,
)

UTC = timezone.utc
SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")


def test_one_day_before_at_nine_shanghai():
    anchor = datetime(2026, 3, 10, 15, 0, tzinfo=SH)
    got = fire_time(anchor, Offset(1, "days", "before", "09:00"), "Asia/Shanghai")
    assert got == datetime(2026, 3, 9, 1, 0, tzinfo=UTC)
    assert got.astimezone(SH) == datetime(2026, 3, 9, 9, 0, tzinfo=SH)
    assert got.tzinfo is UTC


def test_one_hour_before_is_absolute():
    anchor = datetime(2026, 3, 10, 15, 0, tzinfo=SH)
    got = fire_time(anchor, Offset(1, "hours", "before"), "Asia/Shanghai")
    assert got.astimezone(SH).time() == time(14, 0)


def test_anchor_given_in_utc_uses_local_calendar():
    # 2026-03-09 17:00Z is already 2026-03-10 01:00 in Shanghai.
    anchor = datetime(2026, 3, 9, 17, 0, tzinfo=UTC)
    got = fire_time(anchor, Offset(1, "days", "before", "09:00"), "Asia/Shanghai")
    assert got.astimezone(SH) == datetime(2026, 3, 9, 9, 0, tzinfo=SH)


@pytest.mark.parametrize("anchor_day,fire_day", [(9, 8), (10, 9), (8, 7), (7, 6)])
def test_new_york_nine_am_across_dst(anchor_day, fire_day):
    # DST starts 2026-03-08 02:00 in New York.
    anchor = datetime(2026, 3, anchor_day, 15, 0, tzinfo=NY)
    got = fire_time(anchor, Offset(1, "days", "before", "09:00"), "America/New_York")
    local = got.astimezone(NY)
    assert (local.day, local.hour, local.minute) == (fire_day, 9, 0)


def test_days_without_at_time_keep_wall_clock_across_dst():
    anchor = datetime(2026, 3, 9, 9, 0, tzinfo=NY)  # EDT
    got = fire_time(anchor, Offset(2, "days", "before"), "America/New_York")
    assert got.astimezone(NY) == datetime(2026, 3, 7, 9, 0, tzinfo=NY)  # EST
    assert anchor - got == timedelta(hours=47)


def test_hours_across_dst_are_absolute():
    anchor = datetime(2026, 3, 8, 4, 0, tzinfo=NY)  # 04:00 EDT = 08:00Z
    got = fire_time(anchor, Offset(3, "hours", "before"), "America/New_York")
    assert got == datetime(2026, 3, 8, 5, 0, tzinfo=UTC)  # 00:00 EST


def test_gap_shifts_forward():
    anchor = datetime(2026, 3, 9, 12, 0, tzinfo=NY)
    got = fire_time(anchor, Offset(1, "days", "before", "02:30"), "America/New_York")
    assert got.astimezone(NY) == datetime(2026, 3, 8, 3, 30, tzinfo=NY)


def test_fold_takes_first_occurrence():
    # 2026-11-01 01:30 happens twice in New York; first is EDT (05:30Z).
    got = resolve_local(datetime(2026, 11, 1, 1, 30), "America/New_York")
    assert got == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    anchor = datetime(2026, 11, 2, 12, 0, tzinfo=NY)
    assert fire_time(anchor, Offset(1, "days", "before", "01:30"), "America/New_York") == got


def test_after_and_weeks():
    anchor = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
    assert fire_time(anchor, Offset(2, "weeks", "after"), "UTC") == datetime(2026, 1, 15, 10, tzinfo=UTC)
    assert fire_time(anchor, Offset(30, "minutes", "after")) == datetime(2026, 1, 1, 10, 30, tzinfo=UTC)
    assert fire_time(anchor, Offset(30, "days", "before", "09:00"), "UTC") == datetime(2025, 12, 2, 9, tzinfo=UTC)


@pytest.mark.parametrize("kwargs,where", [
    (dict(amount=-1, unit="days"), "amount"),
    (dict(amount=1.5, unit="days"), "amount"),
    (dict(amount=True, unit="days"), "amount"),
    (dict(amount=MAX_OFFSET_DAYS + 1, unit="days"), "amount"),
    (dict(amount=60, unit="weeks"), "amount"),
    (dict(amount=1, unit="fortnights"), "unit"),
    (dict(amount=1, unit="days", direction="around"), "direction"),
    (dict(amount=1, unit="days", at_time="9am"), "at_time"),
    (dict(amount=1, unit="days", at_time="25:00"), "at_time"),
    (dict(amount=1, unit="hours", at_time="09:00"), "at_time"),
])
def test_offset_validation(kwargs, where):
    with pytest.raises(TimingError) as info:
        Offset(**kwargs)
    assert info.value.where == where
    assert str(info.value).startswith(where)


def test_offset_dict_roundtrip_and_unknown_keys():
    off = Offset.from_dict({"amount": 1, "unit": "days", "direction": "before", "at_time": "09:00"})
    assert off.at_time == time(9, 0)
    assert Offset.from_dict(off.to_dict()) == off
    with pytest.raises(TimingError):
        Offset.from_dict({"amount": 1, "units": "days"})


def test_naive_anchor_and_bad_zone_refused():
    with pytest.raises(TimingError, match="time zone"):
        fire_time(datetime(2026, 1, 1), Offset(1, "days"))
    with pytest.raises(TimingError, match="unknown time zone"):
        fire_time(datetime(2026, 1, 1, tzinfo=UTC), Offset(1, "days"), "Mars/Olympus")


def test_delay():
    d = Delay(2, "hours")
    assert d.fire_time(datetime(2026, 3, 8, 0, 30, tzinfo=NY)) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert Delay(1, "days").fire_time(datetime(2026, 3, 7, 9, tzinfo=NY), "America/New_York") \
        .astimezone(NY).hour == 9
    with pytest.raises(TimingError):
        Delay(-5, "minutes")


# ---------------------------------------------------------------- cron

def test_cron_next_after_in_zone():
    cron = parse_cron("0 9 * * 1-5")
    start = datetime(2026, 3, 6, 2, 0, tzinfo=UTC)  # Friday 10:00 Shanghai
    runs = cron.next_n(start, 3, "Asia/Shanghai")
    assert [r.astimezone(SH).strftime("%a %d %H:%M") for r in runs] == \
        ["Mon 09 09:00", "Tue 10 09:00", "Wed 11 09:00"]
    assert all(r.tzinfo is UTC for r in runs)


def test_cron_keeps_wall_clock_across_dst():
    runs = parse_cron("0 9 * * *").next_n(datetime(2026, 3, 6, tzinfo=UTC), 4, "America/New_York")
    assert [r.astimezone(NY).hour for r in runs] == [9, 9, 9, 9]
    assert runs[1].hour == 14 and runs[2].hour == 13


def test_cron_gap_and_fold():
    gap = parse_cron("30 2 * * *").next_after(datetime(2026, 3, 8, 5, tzinfo=UTC), "America/New_York")
    assert gap.astimezone(NY) == datetime(2026, 3, 8, 3, 30, tzinfo=NY)
    fold_runs = parse_cron("30 1 * * *").next_n(datetime(2026, 11, 1, 4, tzinfo=UTC), 2, "America/New_York")
    assert fold_runs[0] == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert fold_runs[1].astimezone(NY).day == 2  # not a second run at 01:30 EST


def test_cron_gap_day_ordering_is_monotonic():
    runs = parse_cron("0,30 2,3 * * *").next_n(datetime(2026, 3, 8, 5, tzinfo=UTC), 3, "America/New_York")
    assert runs == sorted(runs) and len(set(runs)) == 3


def test_cron_day_or_weekday_semantics():
    # Vixie cron: both restricted -> OR.
    cron = parse_cron("0 0 13 * 5")
    runs = cron.next_n(datetime(2026, 2, 1, tzinfo=UTC), 4)
    assert [r.day for r in runs] == [6, 13, 20, 27]
    sundays = parse_cron("0 12 * * 7").next_n(datetime(2026, 3, 1, 13, tzinfo=UTC), 2)
    assert [r.isoweekday() for r in sundays] == [7, 7]


def test_cron_named_months_and_leap_day():
    leap = parse_cron("0 0 29 feb *").next_after(datetime(2026, 1, 1, tzinfo=UTC))
    assert leap == datetime(2028, 2, 29, tzinfo=UTC)


@pytest.mark.parametrize("text,part", [
    ("61 * * * *", "minute field '61'"),
    ("* 24 * * *", "hour field '24'"),
    ("* * 0 * *", "day of month field '0'"),
    ("* * * 13 *", "month field '13'"),
    ("* * * * funday", "day of week field 'funday'"),
    ("* * L * *", "day of month field 'L'"),
    ("* * * *", "needs 5 parts"),
    ("@daily", "needs 5 parts"),
    ("", "empty"),
    ("0 0 30 2 *", "never fires"),
])
def test_cron_errors_name_the_part(text, part):
    with pytest.raises(TimingError) as info:
        parse_cron(text)
    assert part in str(info.value)


def test_cron_limits():
    with pytest.raises(TimingError):
        parse_cron("0 0 * * *").next_n(datetime(2026, 1, 1, tzinfo=UTC), 10_000)
    with pytest.raises(TimingError):
        parse_cron("0 0 * * *").next_after(datetime(2026, 1, 1))
