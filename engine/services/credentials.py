"""Signing in: password login with lockout, login sessions, and API tokens.

A login session is a random id the browser holds (inside Flask's signed,
HttpOnly cookie); the database keeps only its SHA-256, so a leaked database
can't be replayed, and every login makes a new id (no session fixation).
API tokens work the same way: the secret is shown once, only its hash is
stored, and each has an expiry and can be revoked.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa

from engine.clock import utc_iso
from engine.errors import ErrorItem, NotFound, Unauthorized, ValidationFailed
from engine.runtime import Actor, Runtime
from engine.services import admin_audit
from engine.services.users import actor_for, verify_password
from engine.storage.access_tables import api_tokens, login_attempts, login_sessions
from engine.storage.tables import users

#: failed logins for one user name within LOCKOUT_WINDOW that lock it (even the right password is refused until it passes)
MAX_FAILED_LOGINS = 5
#: failed logins from one address within LOCKOUT_WINDOW that block that address
MAX_FAILED_LOGINS_PER_ADDRESS = 20
LOCKOUT_WINDOW = timedelta(minutes=15)
#: how long a login session lasts, whatever happens in between
SESSION_LIFETIME = timedelta(hours=12)
#: API tokens: the default and the longest lifetime
TOKEN_DEFAULT_DAYS = 90
TOKEN_MAX_DAYS = 366
#: what every token starts with, so secret scanners can spot leaked ones
TOKEN_PREFIX = "ffk_"
#: how stale a token's "last used" may get before a request writes it again
TOKEN_USE_RESOLUTION = timedelta(minutes=5)
#: most live tokens one user may hold
MAX_TOKENS_PER_USER = 50


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# -- password login -------------------------------------------------------------

class LoginRefused(Unauthorized):
    code = "login_refused"


class LoginLocked(LoginRefused):
    status = 429
    code = "login_locked"


def _failures(conn, column, value, since) -> int:
    last_ok = sa.select(sa.func.max(login_attempts.c.at)).where(column == value, login_attempts.c.succeeded.is_(True)).scalar_subquery()
    return conn.execute(sa.select(sa.func.count()).select_from(login_attempts).where(
        column == value, login_attempts.c.succeeded.is_(False), login_attempts.c.at >= since,
        sa.or_(last_ok.is_(None), login_attempts.c.at > last_ok))).scalar_one()


def login(rt: Runtime, username: str, password: str, *, remote_addr: str | None = None) -> tuple[str, Actor]:
    """Check a password and open a session: returns (session id for the cookie, actor). One message for every failure."""
    name = (username or "").strip().lower()[:150]
    now = rt.clock.now()
    since = now - LOCKOUT_WINDOW
    with rt.db.transaction() as conn:
        if _failures(conn, login_attempts.c.username, name, since) >= MAX_FAILED_LOGINS or (
                remote_addr and _failures(conn, login_attempts.c.remote_addr, remote_addr, since) >= MAX_FAILED_LOGINS_PER_ADDRESS):
            conn.execute(sa.insert(login_attempts).values(username=name, remote_addr=remote_addr, at=now, succeeded=False))
            raise LoginLocked(f"too many failed sign-ins; try again in {int(LOCKOUT_WINDOW.total_seconds() // 60)} minutes")
        row = conn.execute(sa.select(users).where(sa.func.lower(users.c.username) == name,
                                                  users.c.workspace_id == rt.workspace_id)).mappings().first()
        ok = verify_password(row, password)
        conn.execute(sa.insert(login_attempts).values(username=name, remote_addr=remote_addr, at=now, succeeded=ok))
    if not ok:
        raise LoginRefused("wrong user name or password")
    with rt.db.transaction() as conn:
        sid = open_session(rt, conn, row["id"])
        actor = actor_for(conn, rt, row["id"])
    return sid, actor


def open_session(rt: Runtime, conn, user_id: int) -> str:
    sid = secrets.token_urlsafe(32)
    now = rt.clock.now()
    conn.execute(sa.insert(login_sessions).values(token_hash=_digest(sid), user_id=user_id, created_at=now, expires_at=now + SESSION_LIFETIME))
    conn.execute(sa.delete(login_sessions).where(login_sessions.c.user_id == user_id, login_sessions.c.expires_at < now))
    return sid


def session_actor(rt: Runtime, sid: str) -> Actor | None:
    if not sid or not isinstance(sid, str):
        return None
    with rt.db.read() as conn:
        row = conn.execute(sa.select(login_sessions.c.user_id, login_sessions.c.expires_at)
                           .where(login_sessions.c.token_hash == _digest(sid))).first()
        if row is None or row.expires_at <= rt.clock.now():
            return None
        return actor_for(conn, rt, row.user_id)


def logout(rt: Runtime, sid: str) -> None:
    if sid:
        with rt.db.transaction() as conn:
            conn.execute(sa.delete(login_sessions).where(login_sessions.c.token_hash == _digest(sid)))


# -- API tokens ---------------------------------------------------------------

def token_dict(row) -> dict:
    return {"id": row["id"], "name": row["name"], "prefix": row["prefix"], "created_at": utc_iso(row["created_at"]),
            "expires_at": utc_iso(row["expires_at"]), "last_used_at": utc_iso(row["last_used_at"]) if row["last_used_at"] else None,
            "revoked_at": utc_iso(row["revoked_at"]) if row["revoked_at"] else None}


def create_token(rt: Runtime, actor: Actor, name: str, *, expires_in_days: int = TOKEN_DEFAULT_DAYS, user_id: int | None = None) -> dict:
    """A new token for the actor (admins may issue one for another user). The secret is in the answer, and nowhere else, ever."""
    from engine.services.permissions import require_capability

    owner = actor.user_id if user_id is None else user_id
    if owner is None:
        raise ValidationFailed("a token belongs to a user", [ErrorItem("name the user", path="/user_id")])
    if owner != actor.user_id:
        require_capability(rt, actor, "manage_users")
    errors = []
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 200:
        errors.append(ErrorItem("1-200 characters", path="/name"))
    if not isinstance(expires_in_days, int) or isinstance(expires_in_days, bool) or not 1 <= expires_in_days <= TOKEN_MAX_DAYS:
        errors.append(ErrorItem(f"between 1 and {TOKEN_MAX_DAYS} days", path="/expires_in_days"))
    if errors:
        raise ValidationFailed("the token request is not valid", errors)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = rt.clock.now()
    with rt.db.transaction() as conn:
        row = conn.execute(sa.select(users.c.id).where(users.c.id == owner, users.c.workspace_id == rt.workspace_id, users.c.is_active.is_(True))).first()
        if row is None:
            raise NotFound(f"user {owner} does not exist", path="/user_id")
        live = conn.execute(sa.select(sa.func.count()).select_from(api_tokens).where(
            api_tokens.c.user_id == owner, api_tokens.c.revoked_at.is_(None), api_tokens.c.expires_at > now)).scalar_one()
        if live >= MAX_TOKENS_PER_USER:
            raise ValidationFailed(f"at most {MAX_TOKENS_PER_USER} live tokens per user; revoke some", [ErrorItem("too many", path="/")])
        tid = conn.execute(sa.insert(api_tokens).values(user_id=owner, name=name.strip(), prefix=secret[:12], token_hash=_digest(secret),
                                                        created_at=now, expires_at=now + timedelta(days=expires_in_days))).inserted_primary_key[0]
        admin_audit.record(rt, conn, actor, "token.create", f"token:{tid}", user_id=owner, name=name.strip())
        out = token_dict(conn.execute(sa.select(api_tokens).where(api_tokens.c.id == tid)).mappings().one())
    out["token"] = secret
    return out


def list_tokens(rt: Runtime, actor: Actor) -> list[dict]:
    with rt.db.read() as conn:
        rows = conn.execute(sa.select(api_tokens).where(api_tokens.c.user_id == actor.user_id).order_by(api_tokens.c.id)).mappings().all()
    return [token_dict(r) for r in rows]


def revoke_token(rt: Runtime, actor: Actor, token_id: int) -> dict:
    """Users revoke their own tokens; admins anybody's. Another user's token id looks missing to a non-admin."""
    from engine.services.permissions import has_capability

    with rt.db.transaction() as conn:
        row = conn.execute(sa.select(api_tokens, users.c.workspace_id).join(users, users.c.id == api_tokens.c.user_id)
                           .where(api_tokens.c.id == token_id)).mappings().first()
        if row is None or row["workspace_id"] != rt.workspace_id or (
                row["user_id"] != actor.user_id and not has_capability(rt, actor, "manage_users", conn)):
            raise NotFound(f"token {token_id} does not exist", path="/token")
        if row["revoked_at"] is None:
            conn.execute(sa.update(api_tokens).where(api_tokens.c.id == token_id).values(revoked_at=rt.clock.now()))
            admin_audit.record(rt, conn, actor, "token.revoke", f"token:{token_id}", user_id=row["user_id"])
        return token_dict(conn.execute(sa.select(api_tokens).where(api_tokens.c.id == token_id)).mappings().one())


def token_actor(rt: Runtime, secret: str) -> Actor | None:
    """The actor behind a bearer token, or None if it is unknown, revoked, expired or its user can't sign in."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    now = rt.clock.now()
    with rt.db.read() as conn:
        row = conn.execute(sa.select(api_tokens).where(api_tokens.c.token_hash == _digest(secret))).mappings().first()
        if row is None or row["revoked_at"] is not None or row["expires_at"] <= now:
            return None
        actor = actor_for(conn, rt, row["user_id"])
    if actor is not None and (row["last_used_at"] is None or now - row["last_used_at"] > TOKEN_USE_RESOLUTION):
        with rt.db.transaction() as conn:  # not on every request: a read stays a read
            conn.execute(sa.update(api_tokens).where(api_tokens.c.id == row["id"]).values(last_used_at=now))
    return actor
