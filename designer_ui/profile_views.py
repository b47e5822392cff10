"""The profile page: one's own name, e-mail, time zone and language, password, API tokens and "sign out everywhere".

Each form posts to its own route, which calls the same service as the REST API (``users.update_own_profile``,
``users.set_password``, ``credentials.create_token`` / ``revoke_token`` / ``sign_out_everywhere``) and either
redirects back with a message or shows the page again with the service's refusals at their fields, in the UI
language, keeping what was typed (except passwords). A new token's secret is in that one answer only.
"""
from __future__ import annotations

from datetime import datetime, timezone as dt_timezone
from functools import lru_cache
from zoneinfo import available_timezones

from flask import flash, get_flashed_messages, redirect, render_template, request, url_for

from designer_ui import bp
from designer_ui.i18n import LANG_COOKIE, LANG_COOKIE_MAX_AGE, gettext, request_locale
from designer_ui.request_context import actor, local_time, runtime, user_timezone
from engine.api import auth
from engine.errors import ErrorItem, ValidationFailed
from engine.services import credentials
from engine.services import users as user_service

#: the profile form's fields, in the order of the page (the service decides what is valid)
PROFILE_FIELDS = user_service.OWN_PROFILE_FIELDS
#: token lifetimes offered on the page, in days (the service takes 1..TOKEN_MAX_DAYS)
TOKEN_DAY_CHOICES = (30, credentials.TOKEN_DEFAULT_DAYS, 180, credentials.TOKEN_MAX_DAYS)


@lru_cache(maxsize=1)
def time_zones() -> tuple[str, ...]:
    """The IANA zones of the system's database, sorted (the legacy aliases such as "US/Eastern" included)."""
    return tuple(sorted(available_timezones()))


def _field_message(item: ErrorItem, locale: str) -> str:
    """A service refusal as text for the UI language: password reasons come in both languages from the service; the
    other paths and codes have catalogue entries; anything else shows the service's own words."""
    messages = item.extra.get("messages") if item.extra else None
    if isinstance(messages, dict) and messages.get(locale):
        return messages[locale]
    field = item.path.strip("/").split("/")[0]
    for key in (f"profile.error.{item.code}", f"profile.error.{field}"):
        text = gettext(key, locale, n=credentials.TOKEN_MAX_DAYS)
        if text != key:
            return text
    return item.localized(locale)


def _field_errors(exc: ValidationFailed, locale: str) -> dict[str, str]:
    """{field name on the page: message} (the first refusal of each field); refusals of the whole body go under "_"."""
    if not exc.errors:
        return {"_": exc.localized(locale)}
    out: dict[str, str] = {}
    for item in exc.errors:
        field = item.path.strip("/").split("/")[0] or "_"
        out.setdefault(field, _field_message(item, locale))
    return out


def _tokens(tz: str) -> list[dict]:

    now = runtime().clock.now()
    out = []
    for t in credentials.list_tokens(runtime(), actor()):
        expires = datetime.fromisoformat(t["expires_at"].replace("Z", "+00:00"))
        state = "revoked" if t["revoked_at"] else ("expired" if expires <= now.astimezone(dt_timezone.utc) else "live")
        out.append({**t, "state": state, "created": local_time(t["created_at"], tz), "expires": local_time(t["expires_at"], tz),
                    "last_used": local_time(t["last_used_at"], tz) if t["last_used_at"] else None,
                    "revoke_url": url_for("ui.profile_revoke_token", token_id=t["id"])})
    return out


def _page(status: int = 200, *, values: dict | None = None, errors: dict | None = None, new_token: dict | None = None):
    """The page; ``values`` and ``errors`` are per form ("profile", "password", "token", "sessions")."""
    me = user_service.get_user(runtime(), actor().user_id)
    tz = user_timezone()
    profile_values = {k: me.get(k) for k in PROFILE_FIELDS}
    profile_values.update((values or {}).get("profile", {}))
    html = render_template(
        "profile.html", me=me, profile=profile_values, values=values or {}, errors=errors or {}, tokens=_tokens(tz),
        new_token=new_token, time_zones=time_zones(), browser_zone=user_timezone() if not me.get("timezone") else None,
        token_days=TOKEN_DAY_CHOICES, default_days=credentials.TOKEN_DEFAULT_DAYS,
        min_password=user_service.MIN_PASSWORD_LENGTH, flashes=get_flashed_messages(with_categories=True),
        urls_profile={"save": url_for("ui.profile_save"), "password": url_for("ui.profile_password"),
                      "tokens": url_for("ui.profile_create_token"), "sessions": url_for("ui.profile_sign_out_everywhere")})
    headers = {"Cache-Control": "no-store"}  # a new token's secret must not stay in a cache
    return html, status, headers


@bp.route("/profile")
def profile():
    return _page()


@bp.route("/profile", methods=["POST"])
def profile_save():
    locale = request_locale()
    typed = {k: request.form.get(k, "") for k in PROFILE_FIELDS if k in request.form}
    try:
        saved = user_service.update_own_profile(runtime(), actor(), typed)
    except ValidationFailed as exc:
        return _page(422, values={"profile": typed}, errors={"profile": _field_errors(exc, locale)})
    new_locale = saved.get("locale") or locale
    flash(gettext("profile.saved", new_locale), "success")
    response = redirect(url_for("ui.profile"), code=303)
    if saved.get("locale"):  # the UI follows the saved language (the ?lang= cookie is what picks it)
        response.set_cookie(LANG_COOKIE, saved["locale"], max_age=LANG_COOKIE_MAX_AGE, samesite="Lax")
    return response


@bp.route("/profile/password", methods=["POST"])
def profile_password():
    locale = request_locale()
    new, repeat = request.form.get("password", ""), request.form.get("password_repeat", "")
    user_id = actor().user_id
    try:
        if new != repeat:  # a typing slip, caught before the service counts a try of the current password
            raise ValidationFailed("the two new passwords differ", [ErrorItem.coded("error.password.not_the_same", path="/password_repeat",
                                                                                    code="mismatch")],
                                   message_code="error.password.repeat_differs")
        ended = user_service.set_password(runtime(), actor(), user_id, new, current_password=request.form.get("current_password"),
                                          remote_addr=request.remote_addr)
    except credentials.LoginLocked as locked:
        minutes = max(1, (int(locked.retry_after.total_seconds()) + 59) // 60)
        return _page(429, errors={"password": {"current_password": gettext("profile.error.locked", locale, minutes=minutes)}})
    except ValidationFailed as exc:
        return _page(422, errors={"password": _field_errors(exc, locale)})
    auth.start_session(credentials.renew_session(runtime(), user_id))  # every session ended: this browser gets a new one
    flash(gettext("profile.password_changed", locale, tokens=ended["tokens_revoked"], count=ended["tokens_revoked"]), "success")
    return redirect(url_for("ui.profile"), code=303)


@bp.route("/profile/tokens", methods=["POST"])
def profile_create_token():
    locale = request_locale()
    typed = {"name": request.form.get("name", ""), "expires_in_days": request.form.get("expires_in_days", "")}
    try:
        days = int(typed["expires_in_days"]) if typed["expires_in_days"].strip() else credentials.TOKEN_DEFAULT_DAYS
    except ValueError:
        days = -1  # the service refuses it at /expires_in_days
    try:
        token = credentials.create_token(runtime(), actor(), typed["name"], expires_in_days=days)
    except ValidationFailed as exc:
        return _page(422, values={"token": typed}, errors={"token": _field_errors(exc, locale)})
    return _page(201, new_token=token)


@bp.route("/profile/tokens/<int:token_id>/revoke", methods=["POST"])
def profile_revoke_token(token_id):
    token = credentials.revoke_token(runtime(), actor(), token_id)  # another user's token: the service's 404
    flash(gettext("profile.token_revoked_done", request_locale(), name=token["name"]), "success")
    return redirect(url_for("ui.profile") + "#tokens", code=303)


@bp.route("/profile/sign-out-everywhere", methods=["POST"])
def profile_sign_out_everywhere():
    locale = request_locale()
    revoke = request.form.get("revoke_tokens") in ("1", "on", "true")
    try:
        credentials.sign_out_everywhere(runtime(), actor(), revoke_tokens_too=revoke,
                                        current_password=request.form.get("current_password"), remote_addr=request.remote_addr)
    except credentials.LoginLocked as locked:
        minutes = max(1, (int(locked.retry_after.total_seconds()) + 59) // 60)
        return _page(429, values={"sessions": {"revoke_tokens": revoke}},
                     errors={"sessions": {"current_password": gettext("profile.error.locked", locale, minutes=minutes)}})
    except ValidationFailed as exc:
        return _page(422, values={"sessions": {"revoke_tokens": revoke}}, errors={"sessions": _field_errors(exc, locale)})
    auth.end_session()
    return redirect(url_for("ui.login"), code=303)
