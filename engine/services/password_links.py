"""Set-password links: instead of a one-time password, an admin hands a new user (or one whose password is reset) a
link with which they choose their own password.

The link's secret is random (``secrets.token_urlsafe``) and only its SHA-256 is stored, like API tokens. A link works
once and until it expires (``LINK_HOURS``); making a new link for a user voids their earlier unused ones. Using it sets
the password through the same checks as any password (length, zxcvbn), ends the user's sessions and revokes their
tokens, and lands in the admin audit. A wrong, used or expired link answers 404 with the reason's code, never which
user it was for.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa

from engine.errors import ErrorItem, NotFound, ValidationFailed
from engine.runtime import Actor, Runtime
from engine.services import admin_audit, credentials, users as user_service
from engine.services.permissions import require_capability
from engine.storage.access_tables import password_links
from engine.storage.tables import users

#: how long a link works
LINK_HOURS = 72
#: bytes of randomness in a link's secret (about 43 URL-safe characters)
SECRET_BYTES = 32
#: where the page that takes a link lives (the designer UI's /set-password/<secret>)
LINK_PATH = "/set-password/"
#: longest secret looked up (anything longer can't be one of ours)
MAX_SECRET_LENGTH = 128


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_link(rt: Runtime, actor: Actor, user_id: int) -> dict:
    """A new set-password link secret for another user: ``{"token", "expires_at", "user"}``; the secret is in this answer
    only. Earlier unused links of the user stop working. Needs ``manage_users``; not for yourself (use your profile)."""
    require_capability(rt, actor, "manage_users")
    if user_id == actor.user_id:
        raise ValidationFailed("change your own password on your profile page", [ErrorItem.coded(
            "error.user.password_not_for_yourself", path="/user", code="self")], message_code="error.user.own_password_on_profile")
    secret = secrets.token_urlsafe(SECRET_BYTES)
    now = rt.clock.now()
    expires = now + timedelta(hours=LINK_HOURS)
    user = user_service.get_user(rt, user_id)
    with rt.db.transaction() as conn:
        voided = conn.execute(sa.update(password_links).where(password_links.c.user_id == user_id, password_links.c.used_at.is_(None))
                              .values(used_at=now)).rowcount
        conn.execute(sa.insert(password_links).values(workspace_id=rt.workspace_id, user_id=user_id, token_hash=_digest(secret),
                                                      created_by=actor.user_id, created_at=now, expires_at=expires))
        admin_audit.record(rt, conn, actor, "user.password_link", f"user:{user_id}", expires_at=expires.isoformat(),
                           earlier_links_voided=voided)
    return {"token": secret, "expires_at": expires.isoformat(), "user": user}


def _live_link(conn, rt: Runtime, secret) -> dict:
    """The link row and its user for a secret, or 404 whose code says why (unknown, used, expired)."""
    if not isinstance(secret, str) or not 0 < len(secret) <= MAX_SECRET_LENGTH:
        raise NotFound("this set-password link is not known", path="/token", reason="link_unknown", message_code="error.password_link.unknown")
    row = conn.execute(sa.select(password_links, users.c.username, users.c.display_name, users.c.email, users.c.is_active)
                       .join(users, users.c.id == password_links.c.user_id)
                       .where(password_links.c.token_hash == _digest(secret), password_links.c.workspace_id == rt.workspace_id)
                       ).mappings().first()
    if row is None or not row["is_active"]:
        raise NotFound("this set-password link is not known", path="/token", reason="link_unknown", message_code="error.password_link.unknown")
    if row["used_at"] is not None:
        raise NotFound("this set-password link was already used or replaced by a newer one", path="/token", reason="link_used",
                       message_code="error.password_link.used_or_replaced")
    if row["expires_at"] <= rt.clock.now():
        raise NotFound("this set-password link has expired", path="/token", reason="link_expired", message_code="error.password_link.expired")
    return dict(row)


def check_link(rt: Runtime, secret) -> dict:
    """Whom a live link is for (to greet them on its page): ``{"username", "display_name", "expires_at"}``."""
    with rt.db.read() as conn:
        row = _live_link(conn, rt, secret)
    return {"username": row["username"], "display_name": row["display_name"], "expires_at": row["expires_at"].isoformat()}


def use_link(rt: Runtime, secret, password) -> dict:
    """Set the link's user's password and spend the link: ``{"user_id", "username"}``. A refused password leaves the
    link usable (422 at /password with the reason); a spent one is 404."""
    with rt.db.transaction() as conn:
        row = _live_link(conn, rt, secret)
        errors = user_service.password_errors(password, row["username"], user_inputs=(row["display_name"], row["email"]))
        if errors:
            raise ValidationFailed("the password is not accepted", errors, message_code="error.user.password_not_accepted")
        spent = conn.execute(sa.update(password_links).where(password_links.c.id == row["id"], password_links.c.used_at.is_(None))
                             .values(used_at=rt.clock.now())).rowcount
        if spent != 1:  # a second use racing this one got there first
            raise NotFound("this set-password link was already used", path="/token", reason="link_used", message_code="error.password_link.used")
        conn.execute(sa.update(users).where(users.c.id == row["user_id"]).values(password_hash=user_service.hash_password(password)))
        ended = credentials.end_sessions(conn, row["user_id"])
        revoked = credentials.revoke_tokens(rt, conn, row["user_id"])
        me = Actor(row["user_id"], f"user:{row['user_id']}", frozenset())
        admin_audit.record(rt, conn, me, "user.password", f"user:{row['user_id']}", via="link", sessions_ended=ended,
                           tokens_revoked=revoked)
    return {"user_id": row["user_id"], "username": row["username"]}
