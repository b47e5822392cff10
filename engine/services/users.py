"""Users and teams: create, change, deactivate, set a manager, search; passwords hashed with scrypt.

A password must be long enough and hard to guess (zxcvbn's estimate, which
knows the common passwords, keyboard runs, repeats, dates and the user's own
names); the refusal says why, in English and Chinese. Changing one's own
password needs the current one; any password change ends the user's other
sessions and revokes their API tokens.

A user's manager is what "notify the owner's manager" follows (else their teams' managers:
``team_managers``); teams give the "team" record scope, to members and to the team's managers. Changing who exists or holds which role needs the
``manage_users`` capability, and each change lands in the admin audit.
"""
from __future__ import annotations

import re
import secrets
from typing import Any

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from engine import i18n
from engine.errors import Conflict, ErrorItem, NotFound, Unauthorized, ValidationFailed
from engine.fields import FIELD_TYPES
from engine.moments import time_zone_error
from engine.runtime import Actor, Runtime
from engine.safety import MAX_ID
from engine.services import admin_audit, credentials
from engine.services.permissions import actor_roles, ensure_builtin_roles, has_capability, require_capability, role_row
from engine.storage.access_tables import roles as roles_table, team_managers, team_members, teams, user_roles
from engine.storage.tables import users
from engine.storage.access_tables import login_attempts
from zxcvbn import zxcvbn

#: shortest password accepted; longest (scrypt hashes whatever it gets, but a limit stops abuse)
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
#: least zxcvbn score (0-4) a password needs: 3 is "safely unguessable" (over 10^8 guesses)
MIN_PASSWORD_SCORE = 3
#: characters of a password zxcvbn looks at (its own limit; a strong start makes a strong password)
PASSWORD_STRENGTH_CHECKED = 72
#: why a password is refused: each reason's text is the catalogue's ``error.password.<reason>`` (engine/translations)
PASSWORD_REASONS = ("too_short", "too_long", "user_name", "common", "repeat", "sequence", "keyboard", "date", "guessable")
#: zxcvbn's match kinds -> our reasons (dictionary matches are told apart by their dictionary)
_PATTERN_REASONS = {"spatial": "keyboard", "repeat": "repeat", "sequence": "sequence", "date": "date", "regex": "date"}
#: the password hash: scrypt with werkzeug's parameters (salted, memory-hard)
PASSWORD_METHOD = "scrypt"
#: most users one search returns
MAX_SEARCH_RESULTS = 50
#: longest display name (the column's width)
MAX_DISPLAY_NAME_LENGTH = 200
#: the languages a user may save as theirs (the languages the designer UI speaks)
LOCALES = ("en", "zh-CN")
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,149}$")
#: a hash checked when the user doesn't exist, so a missing user answers as slowly as a wrong password
_DUMMY_HASH = generate_password_hash("formflow-no-such-user", method=PASSWORD_METHOD)


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_METHOD)


def _password_error(reason: str, code: str = "weak_password", **params) -> ErrorItem:
    key = f"error.password.{reason}"
    messages = {lang: i18n.render(key, lang, params) for lang in i18n.LOCALES}
    return ErrorItem.coded(key, path="/password", code=code, extra={"reason": reason, "messages": messages}, **params)


def password_errors(password: Any, username: str | None = None, *, user_inputs: tuple = ()) -> list[ErrorItem]:
    """Why ``password`` is refused (empty when it is accepted): length, then zxcvbn's guess estimate."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        return [_password_error("too_short", n=MIN_PASSWORD_LENGTH)]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [_password_error("too_long", code="too_long", n=MAX_PASSWORD_LENGTH)]
    if username and password.lower() == username.lower():
        return [_password_error("user_name")]

    inputs = [str(v) for v in (username, *user_inputs) if v]
    inputs += [v.split("@")[0] for v in inputs if "@" in v]
    result = zxcvbn(password[:PASSWORD_STRENGTH_CHECKED], user_inputs=inputs)
    if result["score"] >= MIN_PASSWORD_SCORE:
        return []
    return [_password_error(_weakness(result))]


def _weakness(result: dict) -> str:
    """The reason a weak password is weak: what its longest guessable part is."""
    parts = [m for m in result.get("sequence", ()) if m.get("pattern") != "bruteforce"]
    if not parts:
        return "guessable"
    worst = max(parts, key=lambda m: len(m.get("token", "")))
    if worst["pattern"] == "dictionary":
        return {"user_inputs": "user_name", "passwords": "common"}.get(worst.get("dictionary_name"), "guessable")
    return _PATTERN_REASONS.get(worst["pattern"], "guessable")


def verify_password(row, password: str) -> bool:
    """Constant work whether or not the user exists or has a password."""
    stored = row["password_hash"] if row is not None else None
    ok = check_password_hash(stored or _DUMMY_HASH, password or "")
    return bool(ok and stored and row["is_active"])


def user_dict(row, roles: frozenset[str] | None = None) -> dict:
    out = {"id": row["id"], "username": row["username"], "display_name": row["display_name"], "email": row["email"],
           "timezone": row["timezone"], "locale": row["locale"], "manager_id": row["manager_id"], "is_active": row["is_active"]}
    if roles is not None:
        out["roles"] = sorted(roles)
    return out


def _profile_errors(values: dict) -> list[ErrorItem]:
    """Time zone must be an IANA name (reminders run in it); e-mail must look like one; display name not blank."""

    errors = []
    tz = values.get("timezone")
    if tz is not None and (problem := time_zone_error(tz)) is not None:
        errors.append(problem)
    email = values.get("email")
    if email is not None and (not isinstance(email, str) or not re.fullmatch(r"[^@\s]{1,64}@[^@\s]{1,255}", email)):
        errors.append(ErrorItem.coded("error.user.email", path="/email"))
    name = values.get("display_name")
    if "display_name" in values and name is not None and not str(name).strip():
        errors.append(ErrorItem.coded("error.value.blank", path="/display_name"))
    elif isinstance(name, str) and len(name) > MAX_DISPLAY_NAME_LENGTH:
        errors.append(ErrorItem.coded("error.value.at_most_chars", max=MAX_DISPLAY_NAME_LENGTH, path="/display_name", code="too_long"))
    locale = values.get("locale")
    if locale is not None and locale not in LOCALES:
        errors.append(ErrorItem.coded("error.options.one_of", choices=", ".join(LOCALES), path="/locale"))
    return errors


def _user_row(conn, rt: Runtime, user_id: int):
    if not 0 < user_id <= MAX_ID:
        raise NotFound(f"user {user_id} does not exist", path="/user", message_code="error.user.not_found", params={"id": user_id})
    row = conn.execute(sa.select(users).where(users.c.id == user_id, users.c.workspace_id == rt.workspace_id)).mappings().first()
    if row is None:
        raise NotFound(f"user {user_id} does not exist", path="/user", message_code="error.user.not_found", params={"id": user_id})
    return row


def _set_roles(rt: Runtime, conn, user_id: int, role_keys: list[str]) -> None:
    ensure_builtin_roles(rt, conn)
    ids = [role_row(rt, conn, key)["id"] for key in dict.fromkeys(role_keys)]
    conn.execute(sa.delete(user_roles).where(user_roles.c.user_id == user_id))
    for rid in ids:
        conn.execute(sa.insert(user_roles).values(user_id=user_id, role_id=rid))


def _check_manager(conn, rt: Runtime, user_id: int | None, manager_id: int | None) -> None:
    """The manager must exist here, and the chain must not loop back to the user."""
    if manager_id is None:
        return
    seen = {user_id}
    current = manager_id
    while current is not None:
        if current in seen:
            raise ValidationFailed("a user can't end up managing themselves", [ErrorItem.coded("error.user.manager_loop", path="/manager_id")],
                                   message_code="error.user.manager_self")
        seen.add(current)
        row = conn.execute(sa.select(users.c.manager_id).where(users.c.id == current, users.c.workspace_id == rt.workspace_id)).first()
        if row is None:
            raise ValidationFailed("the manager does not exist", [ErrorItem.coded("error.user.no_such_user", id=current, path="/manager_id")],
                                   message_code="error.user.manager_missing")
        current = row[0]


def create_user(rt: Runtime, actor: Actor, username: str, *, password: str | None = None, display_name: str | None = None,
                email: str | None = None, roles: list[str] = ("member",), manager_id: int | None = None,
                timezone: str | None = None, locale: str | None = None, check: bool = True) -> dict:
    """Create a user. ``check=False`` is for the command line (``formflow create-admin``), which runs as the installer."""
    if check:
        require_capability(rt, actor, "manage_users")
    errors = []
    if not isinstance(username, str) or not USERNAME_PATTERN.match(username):
        errors.append(ErrorItem.coded("error.user.username", path="/username"))
    if password is not None:
        errors += password_errors(password, username, user_inputs=(display_name, email))
    errors += _profile_errors({"timezone": timezone, "email": email, "display_name": display_name, "locale": locale})
    if errors:
        raise ValidationFailed("the user is not valid", errors, message_code="error.user.invalid")
    with rt.db.transaction() as conn:
        if conn.execute(sa.select(users.c.id).where(sa.func.lower(users.c.username) == username.lower())).first():
            raise Conflict(f"user name {username!r} is taken", [ErrorItem.coded("error.value.taken", path="/username")],
                           message_code="error.user.username_taken", params={"username": repr(username)})
        _check_manager(conn, rt, None, manager_id)
        uid = conn.execute(sa.insert(users).values(
            workspace_id=rt.workspace_id, username=username, display_name=display_name or username, email=email, timezone=timezone,
            locale=locale, manager_id=manager_id, is_active=True, password_hash=hash_password(password) if password else None,
            created_at=rt.clock.now())).inserted_primary_key[0]
        _set_roles(rt, conn, uid, list(roles))
        admin_audit.record(rt, conn, actor, "user.create", f"user:{uid}", username=username, roles=sorted(roles))
        return user_dict(_user_row(conn, rt, uid), actor_roles(conn, uid))


#: fields ``update_user`` may change (anything else in the body is refused)
UPDATABLE = ("display_name", "email", "timezone", "locale", "manager_id", "is_active")


def update_user(rt: Runtime, actor: Actor, user_id: int, changes: dict, *, roles: list[str] | None = None) -> dict:
    require_capability(rt, actor, "manage_users")
    if changes.get("is_active") is False and user_id == actor.user_id:
        raise ValidationFailed("you can't deactivate yourself", [ErrorItem.coded("error.user.not_yourself", path="/is_active", code="self")],
                               message_code="error.user.cant_deactivate_self")
    unknown = [k for k in changes if k not in UPDATABLE]
    if unknown:
        raise ValidationFailed("these user fields can't be changed here", [ErrorItem.coded("error.user.not_changeable", path=f"/{k}") for k in unknown],
                               message_code="error.user.fields_not_changeable")
    errors = _profile_errors(changes)
    if errors:
        raise ValidationFailed("the user is not valid", errors, message_code="error.user.invalid")
    with rt.db.transaction() as conn:
        _user_row(conn, rt, user_id)
        admins_before = _active_admins(conn, rt) if changes.get("is_active") is False or roles is not None else 0
        if "manager_id" in changes:
            _check_manager(conn, rt, user_id, changes["manager_id"])
        if changes:
            conn.execute(sa.update(users).where(users.c.id == user_id).values(**changes))
        if roles is not None:
            if user_id == actor.user_id and "admin" in actor.roles and "admin" not in roles:
                raise ValidationFailed("you can't take the admin role from yourself", [ErrorItem.coded("error.user.keep_admin", path="/roles")],
                                       message_code="error.user.keep_own_admin")
            _set_roles(rt, conn, user_id, roles)
        if admins_before and not _active_admins(conn, rt):  # the change would lock every admin out: nobody could undo it
            raise ValidationFailed("this would leave no active workspace admin", [ErrorItem.coded(
                "error.user.last_admin", path="/is_active" if changes.get("is_active") is False else "/roles", code="last_admin")],
                                   message_code="error.user.last_admin_left")
        if changes.get("is_active") is False:
            _end_sessions(conn, user_id)
        admin_audit.record(rt, conn, actor, "user.update", f"user:{user_id}", **changes, **({"roles": roles} if roles is not None else {}))
        return user_dict(_user_row(conn, rt, user_id), actor_roles(conn, user_id))


def _active_admins(conn, rt: Runtime) -> int:
    """How many active users of the workspace hold the admin role."""
    return conn.execute(sa.select(sa.func.count()).select_from(users).join(user_roles, user_roles.c.user_id == users.c.id)
                        .join(roles_table, roles_table.c.id == user_roles.c.role_id)
                        .where(users.c.workspace_id == rt.workspace_id, users.c.is_active.is_(True), roles_table.c.key == "admin")).scalar_one()


#: length of a password made by ``issue_password`` (URL-safe characters: about 6 bits each)
ISSUED_PASSWORD_LENGTH = 16


def issue_password(rt: Runtime, actor: Actor, user_id: int) -> dict:
    """A new random password for another user (their first, or a reset), returned once for the admin to hand over;
    the user's sessions end and tokens are revoked as with any password change. ``{"password", "sessions_ended", ...}``"""
    require_capability(rt, actor, "manage_users")
    if user_id == actor.user_id:
        raise ValidationFailed("change your own password on your profile page", [ErrorItem.coded("error.user.password_not_for_yourself", path="/user", code="self")],
                               message_code="error.user.own_password_on_profile")
    while True:
        password = secrets.token_urlsafe(ISSUED_PASSWORD_LENGTH)[:ISSUED_PASSWORD_LENGTH]
        if not password_errors(password):
            break
    return {"password": password, **set_password(rt, actor, user_id, password)}


#: what users may change about themselves (PATCH /api/me, the profile page); the rest is an admin's (``update_user``)
OWN_PROFILE_FIELDS = ("display_name", "email", "timezone", "locale")


def update_own_profile(rt: Runtime, actor: Actor, changes: dict) -> dict:
    """The signed-in user changes their own name, e-mail, time zone or language; no capability needed, audited.

    Text is trimmed; an empty e-mail, time zone or language means none (the time zone then follows the browser, then the
    workspace). Refusals name the field: 422 at ``/email``, ``/timezone``...
    """
    if actor.user_id is None:
        raise Unauthorized("sign in first", message_code="error.unauthorized")
    unknown = [k for k in changes if k not in OWN_PROFILE_FIELDS]
    if unknown:
        raise ValidationFailed("these fields of yours can't be changed here",
                               [ErrorItem.coded("error.user.not_changeable_here", path=f"/{k}") for k in unknown],
                                   message_code="error.user.own_fields_not_changeable")
    clean = {}
    for key, value in changes.items():
        if isinstance(value, str):
            value = value.strip()
        clean[key] = None if value == "" and key != "display_name" else value
    for key in ("display_name", "email", "timezone", "locale"):
        if key in clean and clean[key] is not None and not isinstance(clean[key], str):
            raise ValidationFailed("the profile is not valid", [ErrorItem.coded("error.value.text", path=f"/{key}")],
                                   message_code="error.user.profile_invalid")
    errors = _profile_errors(clean)
    if "display_name" in clean and clean["display_name"] is None:
        errors.append(ErrorItem.coded("error.value.blank", path="/display_name"))
    if errors:
        raise ValidationFailed("the profile is not valid", errors, message_code="error.user.profile_invalid")
    with rt.db.transaction() as conn:
        _user_row(conn, rt, actor.user_id)
        if clean:
            conn.execute(sa.update(users).where(users.c.id == actor.user_id).values(**clean))
        admin_audit.record(rt, conn, actor, "user.profile", f"user:{actor.user_id}", changed=sorted(clean))
        return user_dict(_user_row(conn, rt, actor.user_id), actor_roles(conn, actor.user_id))


def deactivate_user(rt: Runtime, actor: Actor, user_id: int) -> dict:
    """Deactivated users keep their records and history but can't sign in; their sessions end and tokens stop working."""
    if user_id == actor.user_id:
        raise ValidationFailed("you can't deactivate yourself", [ErrorItem.coded("error.user.not_yourself", path="/user")],
                               message_code="error.user.cant_deactivate_self")
    return update_user(rt, actor, user_id, {"is_active": False})


def set_manager(rt: Runtime, actor: Actor, user_id: int, manager_id: int | None) -> dict:
    return update_user(rt, actor, user_id, {"manager_id": manager_id})


def set_password(rt: Runtime, actor: Actor, user_id: int, password: str, *, current_password: str | None = None,
                 check: bool = True, remote_addr: str | None = None) -> dict:
    """Users change their own password (giving the current one); admins set anybody's. Returns what ended:
    ``{"sessions_ended": n, "tokens_revoked": n}``.

    Every session of the user ends (the route gives the browser that made the change a fresh one) and every API token
    of theirs is revoked. Wrong current passwords count as failed sign-ins of that user from ``remote_addr``, so this
    is no way around the sign-in lockout. ``check=False`` is the command line (``formflow set-password``).
    """

    if check and actor.user_id != user_id:
        require_capability(rt, actor, "manage_users")
    own = check and actor.user_id == user_id
    if own:
        check_current_password(rt, user_id, current_password, remote_addr)
    with rt.db.transaction() as conn:
        row = _user_row(conn, rt, user_id)
        errors = password_errors(password, row["username"], user_inputs=(row["display_name"], row["email"]))
        if errors:
            raise ValidationFailed("the password is not accepted", errors, message_code="error.user.password_not_accepted")
        conn.execute(sa.update(users).where(users.c.id == user_id).values(password_hash=hash_password(password)))
        ended = credentials.end_sessions(conn, user_id)
        revoked = credentials.revoke_tokens(rt, conn, user_id)
        admin_audit.record(rt, conn, actor, "user.password", f"user:{user_id}", sessions_ended=ended, tokens_revoked=revoked)
    return {"sessions_ended": ended, "tokens_revoked": revoked}


def check_current_password(rt: Runtime, user_id: int, current_password: Any, remote_addr: str | None) -> None:
    """Refuse (422 at /current_password) unless ``current_password`` is the user's password; a pair that must wait gets 429."""

    now = rt.clock.now()
    with rt.db.read() as conn:
        row = _user_row(conn, rt, user_id)
        name = row["username"].strip().lower()
        wait = credentials.login_wait(conn, name, remote_addr, now)
    if wait.total_seconds() > 0:
        raise credentials.LoginLocked("too many wrong passwords; try again later", wait, message_code="error.user.password_locked")
    if row["password_hash"] is None:
        raise ValidationFailed("you have no password yet; an admin sets the first one",
                               [ErrorItem.coded("error.user.no_password", path="/current_password", code="no_password")],
                                   message_code="error.user.no_password_yet")
    if not isinstance(current_password, str) or not current_password:
        raise ValidationFailed("give your current password to change it",
                               [ErrorItem.coded("error.field.required", path="/current_password", code="required")],
                                   message_code="error.user.current_password_needed")
    if not verify_password(row, current_password[:MAX_PASSWORD_LENGTH]):
        with rt.db.transaction() as conn:
            conn.execute(sa.insert(login_attempts).values(username=name, remote_addr=remote_addr, at=now, succeeded=False))
        raise ValidationFailed("the current password is wrong",
                               [ErrorItem.coded("error.user.wrong_password", path="/current_password", code="wrong_password")],
                                   message_code="error.user.current_password_wrong")


def _end_sessions(conn, user_id: int) -> None:

    credentials.end_sessions(conn, user_id)


def get_user(rt: Runtime, user_id: int) -> dict:
    with rt.db.read() as conn:
        return user_dict(_user_row(conn, rt, user_id), actor_roles(conn, user_id))


def _search_where(rt: Runtime, search: str | None, include_inactive: bool) -> list:
    where = [users.c.workspace_id == rt.workspace_id]
    if not include_inactive:
        where.append(users.c.is_active.is_(True))
    if search:
        needle = search.strip().lower()[:100]
        where.append(sa.or_(*[sa.func.lower(c).contains(needle, autoescape=True) for c in (users.c.username, users.c.display_name, users.c.email)]))
    return where


def picker_where(rt: Runtime, search: str | None = None, *, include_inactive: bool = False, field: dict | None = None) -> list:
    """The user picker's candidates as WHERE clauses on ``users``: the workspace's active users (or every one) matching
    ``search`` (name, user name or e-mail), as ``list_users`` finds them for anyone signed in; for a member ``field``,
    only the people it may hold (``options.limit``: its roles and teams, in sub-selects of the same statement)."""
    limit = FIELD_TYPES.get(field["type"]).choosable_where(field, rt.workspace_id) if field and field.get("type") in FIELD_TYPES else []
    return [*_search_where(rt, search, include_inactive), *limit]


def list_users(rt: Runtime, actor: Actor, *, search: str | None = None, include_inactive: bool = False,
               limit: int = MAX_SEARCH_RESULTS, offset: int = 0, field: dict | None = None) -> list[dict]:
    """Search by name, user name or e-mail (``offset`` skips that many of the matches, sorted by name). Everyone signed
    in may pick users; the full record needs ``manage_users``. ``field``: a member field's picker (``picker_where``)."""

    limit = max(1, min(limit, MAX_SEARCH_RESULTS))
    where = picker_where(rt, search, include_inactive=include_inactive, field=field)
    with rt.db.read() as conn:
        full = has_capability(rt, actor, "manage_users", conn)
        rows = conn.execute(sa.select(users).where(*where).order_by(users.c.display_name, users.c.id)
                            .limit(limit).offset(max(0, offset))).mappings().all()
        if full:
            return [user_dict(r, actor_roles(conn, r["id"])) for r in rows]
    return [{"id": r["id"], "username": r["username"], "display_name": r["display_name"], "name": r["display_name"]} for r in rows]


def users_page(rt: Runtime, actor: Actor, *, search: str | None = None, page: int = 1, per_page: int = MAX_SEARCH_RESULTS,
               field: dict | None = None) -> dict:
    """One page of the users matching ``search``: ``{"items", "total", "page", "pages", "per_page"}``; a page past the end
    shows the last one. With ``manage_users`` every user, active or not (the admin's list); for anyone else signed in the
    active ones, as ``list_users`` shows them (the user pickers of the editors and filters page through them). A member
    ``field``'s picker (its value's editors) lists the active people it may hold, for anyone."""
    per_page = max(1, min(per_page, MAX_SEARCH_RESULTS))
    with rt.db.read() as conn:
        everyone = field is None and has_capability(rt, actor, "manage_users", conn)
        total = conn.execute(sa.select(sa.func.count()).select_from(users)
                             .where(*picker_where(rt, search, include_inactive=everyone, field=field))).scalar_one()
    pages = max(1, -(-total // per_page))
    page = max(1, min(page, pages))
    items = list_users(rt, actor, search=search, include_inactive=everyone, limit=per_page, offset=(page - 1) * per_page, field=field)
    return {"items": items, "total": total, "page": page, "pages": pages, "per_page": per_page}


def display_names(rt: Runtime, user_ids) -> dict[int, str]:
    """{id: display name} of these users of the workspace (for showing managers beside a page of users)."""
    ids = sorted({i for i in user_ids if isinstance(i, int)})
    if not ids:
        return {}
    with rt.db.read() as conn:
        rows = conn.execute(sa.select(users.c.id, users.c.display_name).where(users.c.workspace_id == rt.workspace_id, users.c.id.in_(ids)))
        return {r.id: r.display_name for r in rows}


def count_users(rt: Runtime) -> int:
    with rt.db.read() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(users).where(users.c.workspace_id == rt.workspace_id)).scalar_one()


def actor_for(conn, rt: Runtime, user_id: int) -> Actor | None:
    """The Actor for a signed-in user, or None if the user is gone, inactive or of another workspace."""
    row = conn.execute(sa.select(users.c.is_active, users.c.workspace_id).where(users.c.id == user_id)).first()
    if row is None or not row.is_active or row.workspace_id != rt.workspace_id:
        return None
    return Actor(user_id, f"user:{user_id}", actor_roles(conn, user_id))


# -- teams --------------------------------------------------------------------

def _add_people(conn, rt: Runtime, team_id: int, user_ids, table, path: str) -> None:
    """Put each named user (once) in the team's members or managers; an unknown id is refused with its index at ``path``."""
    for i, uid in enumerate(dict.fromkeys(user_ids)):
        try:
            _user_row(conn, rt, uid)
        except NotFound:
            raise ValidationFailed("the team is not valid", [ErrorItem.coded("error.user.no_such_user", id=uid, path=f"/{path}/{i}",
                                                                       code="unknown_user")], message_code="error.team.invalid") from None
        conn.execute(sa.insert(table).values(team_id=team_id, user_id=uid))


def create_team(rt: Runtime, actor: Actor, key: str, name: str, member_ids: list[int] = (), manager_ids: list[int] = ()) -> dict:
    require_capability(rt, actor, "manage_users")
    errors = []
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", key or ""):
        errors.append(ErrorItem.coded("error.team.key", path="/key", code="key"))
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 200:
        errors.append(ErrorItem.coded("error.value.chars_1_200", path="/name", code="required"))
    if errors:
        raise ValidationFailed("the team is not valid", errors, message_code="error.team.invalid")
    with rt.db.transaction() as conn:
        if conn.execute(sa.select(teams.c.id).where(teams.c.workspace_id == rt.workspace_id, teams.c.key == key)).first():
            raise Conflict(f"team {key!r} exists", [ErrorItem.coded("error.value.taken", path="/key")],
                           message_code="error.team.exists", params={"team": repr(key)})
        tid = conn.execute(sa.insert(teams).values(workspace_id=rt.workspace_id, key=key, name=name,
                                                   created_at=rt.clock.now())).inserted_primary_key[0]
        _add_people(conn, rt, tid, member_ids, team_members, "members")
        _add_people(conn, rt, tid, manager_ids, team_managers, "managers")
        admin_audit.record(rt, conn, actor, "team.create", f"team:{key}", members=list(member_ids), managers=list(manager_ids))
    return {"key": key, "name": name, "members": list(dict.fromkeys(member_ids)), "managers": list(dict.fromkeys(manager_ids))}


def list_teams(rt: Runtime, actor: Actor) -> list[dict]:
    """Every team with its members' and managers' ids (needs ``manage_users``)."""
    require_capability(rt, actor, "manage_users")
    with rt.db.read() as conn:
        rows = conn.execute(sa.select(teams).where(teams.c.workspace_id == rt.workspace_id).order_by(teams.c.name, teams.c.id)).mappings().all()
        ids = [r["id"] for r in rows]
        people = {name: conn.execute(sa.select(table.c.team_id, table.c.user_id).where(table.c.team_id.in_(ids))
                                     .order_by(table.c.user_id)).all() for name, table in (("members", team_members), ("managers", team_managers))}
    return [{"key": r["key"], "name": r["name"], **{name: [u for t, u in pairs if t == r["id"]] for name, pairs in people.items()}}
            for r in rows]


def update_team(rt: Runtime, actor: Actor, key: str, *, name: str | None = None, member_ids: list[int] | None = None,
                manager_ids: list[int] | None = None) -> dict:
    """Rename a team or replace its members or its managers (a manager need not be a member)."""
    require_capability(rt, actor, "manage_users")
    if name is not None and not (isinstance(name, str) and 1 <= len(name.strip()) <= 200):
        raise ValidationFailed("the team is not valid", [ErrorItem.coded("error.value.chars_1_200", path="/name", code="required")],
                               message_code="error.team.invalid")
    with rt.db.transaction() as conn:
        row = conn.execute(sa.select(teams).where(teams.c.workspace_id == rt.workspace_id, teams.c.key == key)).mappings().first()
        if row is None:
            raise NotFound(f"team {key!r} does not exist", path="/team", message_code="error.team.not_found", params={"team": repr(key)})
        if name is not None:
            conn.execute(sa.update(teams).where(teams.c.id == row["id"]).values(name=name.strip()))
        for ids, table, path in ((member_ids, team_members, "members"), (manager_ids, team_managers, "managers")):
            if ids is not None:
                conn.execute(sa.delete(table).where(table.c.team_id == row["id"]))
                _add_people(conn, rt, row["id"], ids, table, path)
        admin_audit.record(rt, conn, actor, "team.update", f"team:{key}", name=name, members=member_ids, managers=manager_ids)
    return next(t for t in list_teams(rt, actor) if t["key"] == key)
