"""The one reading of a field's static default: a constant, ``$now``, ``$today`` (in the workspace's zone) or ``$user``.

The write path fills the empty fields of a create with it, and the generated form starts from the same values
(``engine.services.live_values.initial_values``), so the browser never sends ``"$now"`` and both agree.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from engine.clock import utc_iso

#: the static defaults the engine resolves when a record is created
DYNAMIC_DEFAULTS = ("$now", "$today", "$user")


def default_value(default: Any, *, now: datetime, timezone: str, user_id: int | None) -> Any:
    """The stored value a static default stands for (a formula default, a dict, is not static: None)."""
    if default == "$now":
        return utc_iso(now)
    if default == "$today":
        return now.astimezone(ZoneInfo(timezone)).date().isoformat()
    if default == "$user":
        return user_id
    if isinstance(default, dict):
        return None
    return default
