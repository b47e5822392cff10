"""What every designer page knows about the request: the runtime, the acting user, their saved row, time zone and
language, and a stored time shown in their zone. Below the view modules and ``i18n``, which all take these from here."""
from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, g, request

from engine.fields.temporal import parse_datetime
from engine.runtime import Actor, Runtime
from engine.services import users as user_service

#: cookie holding the browser's time zone (set by common.js), used when the user has none saved
TZ_COOKIE = "formflow_tz"


def runtime() -> Runtime:
    return current_app.extensions["formflow"]


def actor() -> Actor:
    return getattr(g, "actor", None) or Actor.system()


def user_row():
    if actor().user_id is None:
        return None
    if "ui_user" not in g:
        try:
            g.ui_user = user_service.get_user(runtime(), actor().user_id)
        except Exception:  # a user removed mid-request reads as signed out
            g.ui_user = None
    return g.ui_user


def user_timezone() -> str:
    """The reader's time zone: their saved one, else the browser's (cookie), else the workspace's."""
    row = user_row()
    for tz in ((row or {}).get("timezone"), request.cookies.get(TZ_COOKIE), runtime().timezone):
        if tz:
            try:
                ZoneInfo(tz)
                return tz
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return "UTC"


def user_locale() -> str | None:
    """The reader's saved language (their profile page), or None: then the browser's choice applies (designer_ui.i18n)."""
    return (user_row() or {}).get("locale") or None


def local_time(iso: str | None, tz: str) -> str:
    """A stored UTC time as the reader's local "YYYY-MM-DD HH:MM" (empty when there is none)."""
    if not iso:
        return ""
    return parse_datetime(iso).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")
