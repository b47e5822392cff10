"""Each field type shows a stored value as people read it (the record page, list cells and templates use this)."""
from __future__ import annotations

import pytest

from engine.fields import get_type


@pytest.mark.parametrize("tz, locale, shown", [("UTC", "en", "May 6, 2030, 2:30\u202fAM"),
                                               ("Asia/Shanghai", "en", "May 6, 2030, 10:30\u202fAM"),
                                               ("Asia/Shanghai", "zh-CN", "2030年5月6日 10:30"),
                                               ("America/New_York", "zh-CN", "2030年5月5日 22:30")])
def test_a_moment_is_shown_in_the_readers_zone_and_language(tz, locale, shown):
    assert get_type("datetime").display("2030-05-06T02:30:00Z", {"type": "datetime"}, locale=locale, tz=tz) == shown


def test_a_moment_exports_as_wall_time_with_its_zone_for_an_import_to_read_back():
    assert get_type("datetime").export_text("2030-05-06T02:30:00Z", {"type": "datetime"}, tz="Asia/Shanghai") == "2030-05-06 10:30 CST"
    assert get_type("date").export_text("2030-05-06", {"type": "date"}, locale="zh-CN") == "2030-05-06"


def test_an_empty_moment_shows_nothing():
    assert get_type("datetime").display(None, {"type": "datetime"}) == ""


@pytest.mark.parametrize("locale, shown", [("en", "May 6, 2030"), ("zh-CN", "2030年5月6日")])
def test_a_date_is_shown_in_the_readers_language(locale, shown):
    assert get_type("date").display("2030-05-06", {"type": "date"}, locale=locale, tz="Asia/Shanghai") == shown
