"""Each field type shows a stored value as people read it (the record page, list cells and templates use this)."""
from __future__ import annotations

import pytest

from engine.fields import get_type


@pytest.mark.parametrize("tz, shown", [("UTC", "2030-05-06 02:30 UTC"), ("Asia/Shanghai", "2030-05-06 10:30 CST")])
def test_a_moment_is_shown_in_the_readers_zone(tz, shown):
    assert get_type("datetime").display("2030-05-06T02:30:00Z", {"type": "datetime"}, tz=tz) == shown


def test_an_empty_moment_shows_nothing():
    assert get_type("datetime").display(None, {"type": "datetime"}) == ""


def test_a_date_is_shown_as_stored():
    assert get_type("date").display("2030-05-06", {"type": "date"}) == "2030-05-06"
