"""The page a set-password link opens (``/set-password/<secret>``): the user, not signed in, chooses their password.

It calls ``password_links`` (the service the API's ``POST /api/password-links/use`` calls): a refused password shows the
reason at the field and the link stays usable; a wrong, used or expired link says so (404) and asks for a new one. On
success the page says the password is set and links to sign-in.
"""
from __future__ import annotations

from flask import render_template, request

from designer_ui import bp
from designer_ui.admin_messages import field_errors
from designer_ui.i18n import gettext, request_locale
from designer_ui.views import runtime
from engine.errors import FormflowError, NotFound
from engine.services import password_links, users as user_service


def _page(secret: str, status: int = 200, *, errors=None, done=False):
    rt = runtime()
    try:
        person = password_links.check_link(rt, secret) if not done else None
        problem = None
    except NotFound as exc:
        person, problem, status = None, exc.details.get("reason", "link_unknown"), 404
    html = render_template("set_password.html", secret=secret, person=person, problem=problem, done=done, errors=errors or {},
                           min_length=user_service.MIN_PASSWORD_LENGTH)
    return html, status, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@bp.route(password_links.LINK_PATH + "<secret>")
def set_password_link(secret):
    return _page(secret)


@bp.route(password_links.LINK_PATH + "<secret>", methods=["POST"])
def use_password_link(secret):
    password, repeat = request.form.get("password", ""), request.form.get("repeat", "")
    if password != repeat:
        return _page(secret, 422, errors={"repeat": gettext("setpw.mismatch", request_locale())})
    try:
        password_links.use_link(runtime(), secret, password)
    except NotFound:
        return _page(secret)
    except FormflowError as exc:
        if exc.status != 422:
            raise
        return _page(secret, 422, errors=field_errors(exc, request_locale()))
    return _page(secret, done=True)
