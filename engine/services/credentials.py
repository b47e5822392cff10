"""Signing in: password login with lockout, login sessions, and API tokens.

A login session is a random id the browser holds (inside Flask's signed,
HttpOnly cookie); the database keeps only its SHA-256, so a leaked database
can't be replayed, and every login makes a new id (no session fixation).
API tokens work the same way: the secret is shown once, only its hash is
stored, and each has an expiry and can be revoked.

Password guessing is slowed per (user name, address) pair: after
``MAX_FAILED_LOGINS`` failures in a row the pair waits ``LOCKOUT_BASE_DELAY``,
doubling with each further failure up to ``LOCKOUT_MAX_DELAY``; the same
user signing in from another address is not held up. One address failing
``MAX_FAILED_LOGINS_PER_ADDRESS`` times within ``LOCKOUT_WINDOW``, over any
names, is held until the window has passed. The state is the
``login_attempts`` table, the time the injectable clock.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from engine.clock import utc_iso
from engine.errors import ErrorItem, NotFound, Unauthorized, ValidationFailed
from engine.runtime import Actor, Runtime
from engine.services import admin_audit
from engine.services.credential_cache import credential_cache
from engine.services.permissions import has_capability, require_capability
from engine.services import users as user_service
from engine.storage.access_tables import api_tokens, login_attempts, login_sessions, roles, user_roles
from engine.storage.tables import users

#: failed logins in a row for one (user name, address) pair after which that pair must wait (even the right password is
#: refused while it waits)
MAX_FAILED_LOGINS = 5
#: the first wait; each further failure of the pair doubles it, up to LOCKOUT_MAX_DELAY
LOCKOUT_BASE_DELAY = timedelta(minutes=1)
LOCKOUT_MAX_DELAY = timedelta(hours=1)
#: failures older than this no longer count against a pair (a success of the pair clears them at once)
LOCKOUT_MEMORY = timedelta(hours=24)
#: failed logins from one address, over any user names, within LOCKOUT_WINDOW that block that address until the window passes
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

    def __init__(self, message: str, retry_after: timedelta, **coded: Any):
        super().__init__(message, retry_after=max(1, int(retry_after.total_seconds() + 0.999)), **coded)
        self.retry_after = retry_after


def pair_wait(failures: int) -> timedelta:
    """How long a (user name, address) pair waits after ``failures`` failures in a row (zero below the threshold)."""
    if failures < MAX_FAILED_LOGINS:
        return timedelta(0)
    doublings = min(failures - MAX_FAILED_LOGINS, 32)  # 2**32 minutes is far past the cap already
    return min(LOCKOUT_BASE_DELAY * (2 ** doublings), LOCKOUT_MAX_DELAY)


def _pair_failures(conn, name: str, remote_addr: str | None, now) -> tuple[int, object]:
    """(failures in a row of this pair since its last success, within LOCKOUT_MEMORY; the time of the last one)."""
    pair = [login_attempts.c.username == name,
            login_attempts.c.remote_addr == remote_addr if remote_addr is not None else login_attempts.c.remote_addr.is_(None)]
    last_ok = sa.select(sa.func.max(login_attempts.c.at)).where(*pair, login_attempts.c.succeeded.is_(True)).scalar_subquery()
    row = conn.execute(sa.select(sa.func.count(), sa.func.max(login_attempts.c.at)).where(
        *pair, login_attempts.c.succeeded.is_(False), login_attempts.c.at >= now - LOCKOUT_MEMORY,
        sa.or_(last_ok.is_(None), login_attempts.c.at > last_ok))).first()
    return row[0], row[1]


def _address_failures(conn, remote_addr: str, now) -> tuple[int, object]:
    """(failures from this address within LOCKOUT_WINDOW, over every name; the earliest of them). A success doesn't clear
    them: signing in to one's own account must not reset a guessing run over other names."""
    row = conn.execute(sa.select(sa.func.count(), sa.func.min(login_attempts.c.at)).where(
        login_attempts.c.remote_addr == remote_addr, login_attempts.c.succeeded.is_(False),
        login_attempts.c.at >= now - LOCKOUT_WINDOW)).first()
    return row[0], row[1]


def login_wait(conn, name: str, remote_addr: str | None, now) -> timedelta:
    """How long this pair (or this address) must still wait before a password is checked again; zero when it may try."""
    wait = timedelta(0)
    failures, last = _pair_failures(conn, name, remote_addr, now)
    if failures >= MAX_FAILED_LOGINS and last is not None:
        wait = max(wait, last + pair_wait(failures) - now)
    if remote_addr:
        count, first = _address_failures(conn, remote_addr, now)
        if count >= MAX_FAILED_LOGINS_PER_ADDRESS and first is not None:
            wait = max(wait, first + LOCKOUT_WINDOW - now)
    return max(wait, timedelta(0))


def login(rt: Runtime, username: str, password: str, *, remote_addr: str | None = None) -> tuple[str, Actor]:
    """Check a password and open a session: returns (session id for the cookie, actor). One message for every failure.

    A pair (or address) that must wait gets ``LoginLocked`` without its password being looked at; that refused try is
    not counted, so waiting it out is enough.
    """
    name = (username or "").strip().lower()[:150]
    remote_addr = remote_addr[:64] if remote_addr else None
    now = rt.clock.now()
    with rt.db.transaction() as conn:
        wait = login_wait(conn, name, remote_addr, now)
        if wait > timedelta(0):
            minutes = max(1, (int(wait.total_seconds()) + 59) // 60)
            raise LoginLocked(f"too many failed sign-ins; try again in {minutes} minute{'s' if minutes != 1 else ''}", wait,
                              message_code="error.login.locked_minutes", params={"minutes": minutes, "count": minutes})
        row = conn.execute(sa.select(users).where(sa.func.lower(users.c.username) == name,
                                                  users.c.workspace_id == rt.workspace_id)).mappings().first()
        ok = user_service.verify_password(row, password)
        conn.execute(sa.insert(login_attempts).values(username=name, remote_addr=remote_addr, at=now, succeeded=ok))
    if not ok:
        raise LoginRefused("wrong user name or password", message_code="error.login_refused")
    with rt.db.transaction() as conn:
        sid = open_session(rt, conn, row["id"])
        actor = user_service.actor_for(conn, rt, row["id"])
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
    now, digest = rt.clock.now(), _digest(sid)
    cache = credential_cache(rt)
    found = cache.get(("session", digest), now)
    if found is not None:
        return found
    generation = cache.generation()
    with rt.db.quick_read() as conn:
        rows = conn.execute(_with_user(login_sessions, login_sessions.c.user_id, login_sessions.c.expires_at)
                            .where(login_sessions.c.token_hash == digest)).mappings().all()
    if not rows or rows[0]["expires_at"] <= now:
        return None
    actor = _actor_of(rt, rows)
    if actor is not None:
        cache.put(("session", digest), actor, rows[0]["expires_at"], now, generation)
    return actor


def _with_user(table, *columns):
    """``columns`` of a credential table with its user's state and role keys (one row per role): the credential, the
    user and the roles in one statement, as every request authenticates."""
    return (sa.select(*columns, users.c.is_active, users.c.workspace_id, roles.c.key.label("role_key"))
            .select_from(table.join(users, users.c.id == table.c.user_id)
                         .outerjoin(user_roles, user_roles.c.user_id == users.c.id)
                         .outerjoin(roles, roles.c.id == user_roles.c.role_id)))


def _actor_of(rt: Runtime, rows) -> Actor | None:
    """The Actor of ``_with_user`` rows, or None if the user is inactive or of another workspace (as ``actor_for``)."""
    first = rows[0]
    if not first["is_active"] or first["workspace_id"] != rt.workspace_id:
        return None
    uid = first["user_id"]
    return Actor(uid, f"user:{uid}", frozenset(r["role_key"] for r in rows if r["role_key"] is not None))


def logout(rt: Runtime, sid: str) -> None:
    if sid:
        with rt.db.transaction() as conn:
            conn.execute(sa.delete(login_sessions).where(login_sessions.c.token_hash == _digest(sid)))


def end_sessions(conn, user_id: int) -> int:
    """End every login session of the user; returns how many ended."""
    return conn.execute(sa.delete(login_sessions).where(login_sessions.c.user_id == user_id)).rowcount or 0


def revoke_tokens(rt: Runtime, conn, user_id: int) -> int:
    """Revoke every live API token of the user; returns how many."""
    return conn.execute(sa.update(api_tokens).where(api_tokens.c.user_id == user_id, api_tokens.c.revoked_at.is_(None))
                        .values(revoked_at=rt.clock.now())).rowcount or 0


def sign_out_everywhere(rt: Runtime, actor: Actor, *, revoke_tokens_too: bool = False, current_password: str | None = None,
                        remote_addr: str | None = None) -> dict:
    """End every session of the signed-in user (this one too) and, on request, revoke all their API tokens.

    Revoking every token is account-wide, like a password change: it needs the current password, so a leaked token
    can't cut its owner's integrations off (single tokens are revoked one by one without it).
    """

    if actor.user_id is None:
        raise Unauthorized("sign in first", message_code="error.unauthorized")
    if revoke_tokens_too:
        user_service.check_current_password(rt, actor.user_id, current_password, remote_addr)
    with rt.db.transaction() as conn:
        ended = end_sessions(conn, actor.user_id)
        revoked = revoke_tokens(rt, conn, actor.user_id) if revoke_tokens_too else 0
        admin_audit.record(rt, conn, actor, "user.sign_out_everywhere", f"user:{actor.user_id}",
                           sessions_ended=ended, tokens_revoked=revoked)
    return {"sessions_ended": ended, "tokens_revoked": revoked}


def renew_session(rt: Runtime, user_id: int) -> str:
    """A fresh session for a user who just proved who they are (a password change keeps this browser signed in)."""
    with rt.db.transaction() as conn:
        return open_session(rt, conn, user_id)


# -- API tokens ---------------------------------------------------------------

def token_dict(row) -> dict:
    return {"id": row["id"], "name": row["name"], "prefix": row["prefix"], "created_at": utc_iso(row["created_at"]),
            "expires_at": utc_iso(row["expires_at"]), "last_used_at": utc_iso(row["last_used_at"]) if row["last_used_at"] else None,
            "revoked_at": utc_iso(row["revoked_at"]) if row["revoked_at"] else None}


def create_token(rt: Runtime, actor: Actor, name: str, *, expires_in_days: int = TOKEN_DEFAULT_DAYS, user_id: int | None = None) -> dict:
    """A new token for the actor (admins may issue one for another user). The secret is in the answer, and nowhere else, ever."""

    owner = actor.user_id if user_id is None else user_id
    if owner is None:
        raise ValidationFailed("a token belongs to a user", [ErrorItem.coded("error.token.name_user", path="/user_id")],
                               message_code="error.token.needs_user")
    if owner != actor.user_id:
        require_capability(rt, actor, "manage_users")
    errors = []
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 200:
        errors.append(ErrorItem.coded("error.value.chars_1_200", path="/name"))
    if not isinstance(expires_in_days, int) or isinstance(expires_in_days, bool) or not 1 <= expires_in_days <= TOKEN_MAX_DAYS:
        errors.append(ErrorItem.coded("error.token.days", max=TOKEN_MAX_DAYS, path="/expires_in_days"))
    if errors:
        raise ValidationFailed("the token request is not valid", errors, message_code="error.token.invalid")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = rt.clock.now()
    with rt.db.transaction() as conn:
        row = conn.execute(sa.select(users.c.id).where(users.c.id == owner, users.c.workspace_id == rt.workspace_id, users.c.is_active.is_(True))).first()
        if row is None:
            raise NotFound(f"user {owner} does not exist", path="/user_id", message_code="error.user.not_found", params={"id": owner})
        live = conn.execute(sa.select(sa.func.count()).select_from(api_tokens).where(
            api_tokens.c.user_id == owner, api_tokens.c.revoked_at.is_(None), api_tokens.c.expires_at > now)).scalar_one()
        if live >= MAX_TOKENS_PER_USER:
            raise ValidationFailed(f"at most {MAX_TOKENS_PER_USER} live tokens per user; revoke some",
                                   [ErrorItem.coded("error.token.too_many_item", path="/", code="too_many")],
                                   message_code="error.token.too_many", params={"max": MAX_TOKENS_PER_USER})
        tid = conn.execute(sa.insert(api_tokens).values(user_id=owner, name=name.strip(), prefix=secret[:12], token_hash=_digest(secret),
                                                        created_at=now, expires_at=now + timedelta(days=expires_in_days))).inserted_primary_key[0]
        admin_audit.record(rt, conn, actor, "token.create", f"token:{tid}", user_id=owner, name=name.strip())
        out = token_dict(conn.execute(sa.select(api_tokens).where(api_tokens.c.id == tid)).mappings().one())
    out["token"] = secret
    return out


def list_tokens(rt: Runtime, actor: Actor, user_id: int | None = None) -> list[dict]:
    """The actor's tokens, or (``manage_users``) another user's."""
    owner = actor.user_id if user_id is None else user_id
    if owner != actor.user_id:
        require_capability(rt, actor, "manage_users")
    with rt.db.read() as conn:
        rows = conn.execute(sa.select(api_tokens).join(users, users.c.id == api_tokens.c.user_id).where(
            api_tokens.c.user_id == owner, users.c.workspace_id == rt.workspace_id).order_by(api_tokens.c.id)).mappings().all()
    return [token_dict(r) for r in rows]


def revoke_token(rt: Runtime, actor: Actor, token_id: int) -> dict:
    """Users revoke their own tokens; admins anybody's. Another user's token id looks missing to a non-admin."""

    with rt.db.transaction() as conn:
        row = conn.execute(sa.select(api_tokens, users.c.workspace_id).join(users, users.c.id == api_tokens.c.user_id)
                           .where(api_tokens.c.id == token_id)).mappings().first()
        if row is None or row["workspace_id"] != rt.workspace_id or (
                row["user_id"] != actor.user_id and not has_capability(rt, actor, "manage_users", conn)):
            raise NotFound(f"token {token_id} does not exist", path="/token", message_code="error.token.not_found", params={"id": token_id})
        if row["revoked_at"] is None:
            conn.execute(sa.update(api_tokens).where(api_tokens.c.id == token_id).values(revoked_at=rt.clock.now()))
            admin_audit.record(rt, conn, actor, "token.revoke", f"token:{token_id}", user_id=row["user_id"])
        return token_dict(conn.execute(sa.select(api_tokens).where(api_tokens.c.id == token_id)).mappings().one())


def token_actor(rt: Runtime, secret: str) -> Actor | None:
    """The actor behind a bearer token, or None if it is unknown, revoked, expired or its user can't sign in.

    Answered from the credential cache when this process looked the token up less than ``CREDENTIAL_CACHE_TTL`` ago
    (``engine.services.credential_cache``: a revocation here is seen at once, one in another process within the TTL).
    """
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    now, digest = rt.clock.now(), _digest(secret)
    cache = credential_cache(rt)
    found = cache.get(("token", digest), now)
    if found is not None:
        return found
    generation = cache.generation()
    with rt.db.quick_read() as conn:
        rows = conn.execute(_with_user(api_tokens, api_tokens.c.id, api_tokens.c.user_id, api_tokens.c.revoked_at,
                                       api_tokens.c.expires_at, api_tokens.c.last_used_at)
                            .where(api_tokens.c.token_hash == digest)).mappings().all()
    row = rows[0] if rows else None
    if row is None or row["revoked_at"] is not None or row["expires_at"] <= now:
        return None
    actor = _actor_of(rt, rows)
    if actor is not None and (row["last_used_at"] is None or now - row["last_used_at"] > TOKEN_USE_RESOLUTION):
        with rt.db.transaction() as conn:  # not on every request: a read stays a read
            conn.execute(sa.update(api_tokens).where(api_tokens.c.id == row["id"]).values(last_used_at=now))
    elif actor is not None:  # (after that write the next request reads again: a revocation meanwhile stays seen)
        cache.put(("token", digest), actor, row["expires_at"], now, generation)
    return actor
