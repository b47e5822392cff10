"""The in-app inbox page and the unread count in the navigation.

Messages belong to the notifications area (``engine.services.inbox``);
this page only lists them and marks them read through that service. Until the
area is installed the inbox shows as empty rather than failing.
"""
from __future__ import annotations

import importlib
import logging

from flask import abort, redirect, render_template, url_for

from designer_ui import bp
from designer_ui.request_context import actor, local_time, runtime, user_timezone
from engine.notifications.links import safe_link

log = logging.getLogger(__name__)
#: messages shown on the inbox page, newest first
INBOX_PAGE_SIZE = 50


def _service():
    try:
        return importlib.import_module("engine.services.inbox")
    except ImportError:
        return None


def _call(name: str, *args, default=None, quiet: bool = True, **kwargs):

    service = _service()
    fn = getattr(service, name, None) if service else None
    if fn is None or actor().user_id is None:
        return default
    if not quiet:
        return fn(runtime(), actor(), *args, **kwargs)
    try:
        return fn(runtime(), actor(), *args, **kwargs)
    except Exception:  # the badge must never take a page down
        log.exception("inbox service %s failed", name)
        return default


def unread_count() -> int:
    count = _call("unread_count", default=0)
    return count if isinstance(count, int) else 0


def _message(m: dict, tz: str) -> dict:

    return {"id": m["id"], "subject": m.get("title") or m.get("subject") or "", "body": m.get("body"),
            "created_at": local_time(m.get("created_at"), tz), "read": bool(m.get("read_at") or m.get("read")),
            "url": safe_link(m.get("link") or m.get("url")), "read_url": url_for("ui.inbox_read", message_id=m["id"])}


@bp.route("/inbox")
def inbox():

    found = _call("list_messages", page_size=INBOX_PAGE_SIZE, default=[])
    items = found.get("items", []) if isinstance(found, dict) else list(found or [])
    tz = user_timezone()
    return render_template("inbox.html", messages=[_message(m, tz) for m in items], active_nav="inbox",
                           read_all_url=url_for("ui.inbox_read_all"))


@bp.route("/inbox/<int:message_id>/read", methods=["POST"])
def inbox_read(message_id):
    if _service() is None:
        abort(404)
    _call("mark_read", message_id, quiet=False)  # someone else's message: the service's 404
    return _back_to_inbox()


@bp.route("/inbox/read", methods=["POST"])
def inbox_read_all():
    if _service() is None:
        abort(404)
    _call("mark_all_read", quiet=False)
    return _back_to_inbox()


def _back_to_inbox():
    return redirect(url_for("ui.inbox"), code=303)
