"""The evaluation context of a rule: the current time (from the injected clock), the workspace time
zone that defines `$today`, the current user and the loader for referenced records."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Callable
from zoneinfo import ZoneInfo

UTC = _dt.timezone.utc


@dataclass
class RuleContext:
    """What a rule may know besides the record: `$now`, `$today`, `$user_id` and referenced records.

    `now` must be timezone-aware (it is normalized to UTC). `$today` is the calendar date of `now` in
    the workspace time zone `tz`, represented like every date value: midnight UTC of that date.
    `load_reference(form_key, record_id)` returns the referenced record's data keyed by field id, or None.
    """
    now: _dt.datetime
    tz: str = "UTC"
    user_id: int | None = None
    load_reference: Callable[[str, int], dict | None] | None = None
    today: _dt.datetime = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.now.tzinfo is None or self.now.utcoffset() is None:
            raise ValueError("RuleContext.now must be a timezone-aware datetime")
        now = self.now.astimezone(UTC)
        self.now = now.replace(microsecond=now.microsecond - now.microsecond % 1000)  # millisecond resolution
        local = self.now.astimezone(ZoneInfo(self.tz)).date()
        self.today = _dt.datetime(local.year, local.month, local.day, tzinfo=UTC)

    @classmethod
    def from_clock(cls, clock: Any, **kwargs: Any) -> "RuleContext":
        """Build a context from an `engine.clock.Clock` (anything with `.now()` returning aware UTC)."""
        return cls(now=clock.now(), **kwargs)

    def to_js(self) -> dict[str, Any]:
        """The JSON-able part of the context for the browser runtime (`FormflowRules.context(...)`)."""
        return {"now": self.now.isoformat().replace("+00:00", "Z"), "tz": self.tz, "user_id": self.user_id}
