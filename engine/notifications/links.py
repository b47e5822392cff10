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
    """Why ``link`` may not be used in a notification, in words; None when it may."""
    if not isinstance(link, str) or not link:
        return "must be an http(s) address or a path starting with /"
    if len(link) > MAX_LINK_LENGTH:
        return f"is longer than {MAX_LINK_LENGTH} characters"
    if any(ord(ch) < 33 or ord(ch) == 127 or ch == "\\" for ch in link):
        return "may not contain spaces, control characters or backslashes"
    if link.startswith("/"):
        if link.startswith("//"):
            return "a path must start with a single / (// would leave this site)"
        return None
    try:
        parts = urlsplit(link)
    except ValueError:
        return "cannot be read as an address"
    if parts.scheme.lower() not in LINK_SCHEMES or not parts.netloc:
        return "only http:// and https:// addresses or a path starting with / can be used as a link"
    return None


def safe_link(link: Any) -> str | None:
    """``link`` when a notification may show it as a link, else None."""
    return link if link_problem(link) is None else None
