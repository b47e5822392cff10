"""What a link in a notification may be: an ``http(s)://`` address or a path on this site.

A notify step's ``link`` is refused at save and publish unless ``link_problem`` finds nothing, and
the inbox shows a stored link only through ``safe_link`` (messages queued before the check, or by
another route, never become a ``javascript:`` href). Browsers drop tabs and newlines inside a URL
and read ``\\`` as ``/``, so either anywhere is refused rather than cleaned.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

#: Schemes a notification link may use (besides a same-origin path starting with one "/").
LINK_SCHEMES = frozenset({"http", "https"})
#: Longest link kept (the inbox column holds 2,000 characters).
MAX_LINK_LENGTH = 2_000


def link_problem(link: Any) -> str | None:
    """Why ``link`` may not be used in a notification, as the message code of "link <why>" (its param ``max``: the
    longest link); None when it may."""
    if not isinstance(link, str) or not link:
        return "error.link.not_address"
    if len(link) > MAX_LINK_LENGTH:
        return "error.link.too_long"
    if any(ord(ch) < 33 or ord(ch) == 127 or ch == "\\" for ch in link):
        return "error.link.bad_characters"
    if link.startswith("/"):
        if link.startswith("//"):
            return "error.link.double_slash"
        return None
    try:
        parts = urlsplit(link)
    except ValueError:
        return "error.link.unreadable"
    if parts.scheme.lower() not in LINK_SCHEMES or not parts.netloc:
        return "error.link.scheme"
    return None


def safe_link(link: Any) -> str | None:
    """``link`` when a notification may show it as a link, else None."""
    return link if link_problem(link) is None else None
