"""The injectable clock: every component asks it for the current time.

Production code uses :class:`SystemClock`; tests use :class:`FrozenClock` and
move time with ``set``/``advance`` instead of sleeping.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:  # aware, UTC
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FrozenClock:
    """A clock that only moves when told to (thread-safe)."""

    def __init__(self, start: datetime | str | None = None):
        self._lock = threading.Lock()
        self._now = _aware(start) if start is not None else datetime.now(timezone.utc)

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, when: datetime | str) -> None:
        with self._lock:
            self._now = _aware(when)

    def advance(self, delta: timedelta | None = None, **kwargs) -> datetime:
        with self._lock:
            self._now = self._now + (delta or timedelta(**kwargs))
            return self._now

    def __getstate__(self) -> dict:
        """Pickled (e.g. for a sender process) as the time it shows now; the copy moves on its own."""
        return {"now": self.now()}

    def __setstate__(self, state: dict) -> None:
        self._lock = threading.Lock()
        self._now = state["now"]


def _aware(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError("clock times must be timezone-aware")
    return value.astimezone(timezone.utc)


def utc_iso(value: datetime) -> str:
    """The one storage format for datetimes: ``YYYY-MM-DDTHH:MM:SSZ`` (whole seconds)."""
    return value.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0).isoformat() + "Z"
