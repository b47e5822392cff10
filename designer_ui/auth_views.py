"""Sign-in and sign-out pages, the sign-in wall in front of every designer page, and the first-run admin.

The pages only translate HTTP into ``engine.services.credentials``; the cookie
and CSRF policy live in ``engine.api.auth``. First run: when the workspace
has no user at all, the first request creates the user ``admin`` with a random
password and prints it once on the server console (never a default password);
``formflow create-admin`` does the same ahead of time with a password you pick.
"""
from __future__ import annotations

import secrets
import sys
import unicodedata
from urllib.parse import urlsplit

from flask import current_app, g, redirect, render_template, request, url_for

from designer_ui import bp
from designer_ui.i18n import gettext, request_locale
from engine.api import auth
from engine.errors import Conflict
from engine.runtime import Actor
from engine.services import credentials
from engine.services import users as user_service

#: pages reachable without signing in
PUBLIC_ENDPOINTS = frozenset({"ui.login", "ui.static", "static", "ui.set_password_link", "ui.use_password_link"})
#: longest ``next`` target kept after sign-in (a longer one sends the user to ``/``)
MAX_NEXT_LENGTH = 2000
#: the user the first run creates
FIRST_ADMIN_USERNAME = "admin"


def _runtime():
    return current_app.extensions["formflow"]


def _safe_next(target: str | None) -> str:
    """Only a same-origin path, else ``/``.

    Browsers drop tab, CR and LF from a URL and read ``\\`` as ``/``, so ``/%09/evil.example`` and ``/\\evil.example``
    are ``//evil.example`` to them: any control, format or space character and any backslash refuses the target
    outright (also keeping CR/LF out of the Location header), then it must parse as a path with no scheme and no host.
    """
    if not isinstance(target, str) or not target or len(target) > MAX_NEXT_LENGTH:
        return "/"
    if "\\" in target or any(unicodedata.category(ch)[0] in "CZ" for ch in target):
        return "/"
    if not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return "/"
    return target


@bp.before_request
def _sign_in_wall():
    if request.endpoint in PUBLIC_ENDPOINTS or g.get("actor") is None or g.actor.user_id is not None:
        return None
    return redirect(url_for("ui.login", next=request.full_path.rstrip("?")))


@bp.route("/login", methods=["GET", "POST"])
def login():
    nxt = _safe_next(request.values.get("next"))
    if request.method == "GET":
        if g.actor.user_id is not None:
            return redirect(nxt)
        return render_template("login.html", next=nxt, first_run=current_app.config.get("FIRST_RUN_ADMIN_CREATED", False))
    username = request.form.get("username", "")
    try:
        sid, actor = credentials.login(_runtime(), username, request.form.get("password", ""), remote_addr=request.remote_addr)
    except credentials.LoginLocked as locked:
        minutes = max(1, (int(locked.retry_after.total_seconds()) + 59) // 60)
        page = render_template("login.html", next=nxt, username=username, error=gettext("auth.locked", request_locale(), minutes=minutes))
        return page, 429, {"Retry-After": str(locked.details["retry_after"])}
    except credentials.LoginRefused:
        return render_template("login.html", next=nxt, username=username, error=gettext("auth.failed", request_locale())), 401
    auth.start_session(sid)  # a brand-new session id and CSRF token: nothing planted before login survives
    return redirect(nxt)


@bp.route("/logout", methods=["POST"])
def logout():
    auth.end_session()
    return redirect(url_for("ui.login"))


@bp.route("/logout-everywhere", methods=["POST"])
def logout_everywhere():
    """The user menu's "sign out everywhere": every session of this user ends, this one too (API tokens stay)."""
    credentials.sign_out_everywhere(_runtime(), g.actor)
    auth.end_session()
    return redirect(url_for("ui.login"))


def create_first_admin(app) -> str | None:
    """If nobody can sign in yet, create ``admin`` with a random password and print it once. Returns the password."""
    rt = app.extensions["formflow"]
    if user_service.count_users(rt):
        return None
    password = secrets.token_urlsafe(12)
    try:
        user_service.create_user(rt, Actor.system(), FIRST_ADMIN_USERNAME, password=password, display_name="Admin",
                                 roles=["admin"], check=False)
    except Conflict:
        return None  # another worker got there first and printed its password
    except Exception:  # noqa: BLE001  (e.g. a unique-constraint race on PostgreSQL)
        if user_service.count_users(rt):
            return None
        raise
    app.config["FIRST_RUN_ADMIN_CREATED"] = True
    print(f"\n  formflow first run: sign in as {FIRST_ADMIN_USERNAME!r} with password {password!r}\n"
          f"  (shown once; change it with `formflow set-password {FIRST_ADMIN_USERNAME}`)\n", file=sys.stderr, flush=True)
    return password


def init_app(app) -> None:
    """First-run admin on the first request (not at start-up, so `formflow create-admin` can come first). Off in TESTING."""
    app.config.setdefault("FIRST_RUN_ADMIN", not app.config.get("TESTING"))
    state = {"checked": False}

    @app.before_request
    def _first_run():
        if state["checked"] or not app.config["FIRST_RUN_ADMIN"]:
            return
        state["checked"] = True
        create_first_admin(app)
