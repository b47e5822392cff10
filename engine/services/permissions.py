"""Roles and record permissions down to the field, enforced in the service layer.

Roles are data: the built-in ones below (``BUILTIN_ROLES``) plus any custom
role a workspace admin adds. Each role holds capabilities (design forms, run
automations, approve templates...) and default record rights; a grant per
role and form overrides them, and a published form may carry defaults in its
``permissions`` slot. Record rights are create plus read / update / delete
with a scope (own / team / all); field rights are hidden / read / write.

This module is a feature (``FEATURE``, listed in ``engine.features``): the
access and effects phases of every record write; what an
actor may read (row scope, hidden fields, derived fields) is answered from
these rights by the one read gate, ``engine.services.readgate``, so the API,
the designer, lists, exports and history all obey the same policy.
"""
from __future__ import annotations

import json
import weakref
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from engine import i18n
from engine.schema_messages import extra_members, kinds
from engine.errors import Conflict, DefinitionInvalid, ErrorItem, NotFound, PermissionDenied
from engine.pipeline import Feature
from engine.runtime import Actor, Runtime
from engine.storage.access_tables import role_grants, roles, user_roles
from engine.storage.tables import form_versions, forms, records, users
import jsonschema
import re
from engine.errors import FormflowError
from engine.fields import FIELD_TYPES
from engine.fields.member_limit import limits_naming
from engine.services import admin_audit
from engine.services.form_lookup import form_row, compiled_form, compiled_version
from engine.services.reference_targets import target_of_field
from engine.services.team_managers import my_team
from engine.services import readgate

#: record scopes, weakest first; "team" is the owner's team mates and direct reports
SCOPES = ("none", "own", "team", "all")
#: field levels, weakest first
LEVELS = ("hidden", "read", "write")
#: capabilities a role may hold; "*" is all of them and every record right
CAPABILITIES = ("manage_users", "design", "automate", "templates", "approve_templates")
#: rights granted by no role at all
NO_RIGHTS = {"create": False, "read": "none", "update": "none", "delete": "none", "fields": {}}
_ALL = {"create": True, "read": "all", "update": "all", "delete": "all", "fields": {}}
_READ_ALL = {"create": False, "read": "all", "update": "none", "delete": "none", "fields": {}}

#: the built-in roles; a workspace gets them on first use and may change their default rights
BUILTIN_ROLES: dict[str, dict[str, Any]] = {
    "admin": {"label": {"en": "Workspace admin", "zh-CN": "工作区管理员"}, "capabilities": ["*"], "default_rights": _ALL},
    "builder": {"label": {"en": "App builder", "zh-CN": "应用设计者"}, "capabilities": ["design"], "default_rights": _ALL},
    "ops": {"label": {"en": "Operations", "zh-CN": "运营"}, "capabilities": ["automate", "templates"], "default_rights": _READ_ALL},
    "approver": {"label": {"en": "Template approver", "zh-CN": "模板审核人"}, "capabilities": ["approve_templates"],
                 "default_rights": _READ_ALL},
    "member": {"label": {"en": "Member", "zh-CN": "成员"}, "capabilities": [],
               "default_rights": {"create": True, "read": "own", "update": "own", "delete": "own", "fields": {}}},
    "viewer": {"label": {"en": "Viewer", "zh-CN": "只读用户"}, "capabilities": [], "default_rights": _READ_ALL},
}

#: JSON Schema of one set of record rights (role defaults, grants, a form's ``permissions`` slot)
RIGHTS_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "create": {"type": "boolean"},
        "read": {"enum": list(SCOPES)}, "update": {"enum": list(SCOPES)}, "delete": {"enum": list(SCOPES)},
        "fields": {"type": "object", "maxProperties": 500, "propertyNames": {"pattern": "^[a-z][a-z0-9_]{0,62}$"},
                   "additionalProperties": {"enum": list(LEVELS)}},
    },
}


@dataclass(frozen=True)
class FormAccess:
    """What one actor may do with the records of one form."""

    create: bool = False
    read: str = "none"
    update: str = "none"
    delete: str = "none"
    fields: dict[str, str] = field(default_factory=dict)  # only fields below "write"
    unrestricted: bool = False
    #: fields some role's rights name explicitly at "read" or "write": the admin's grant, so a derived field named here
    #: does not inherit the visibility of what it is made from (``engine.services.readgate``)
    granted: frozenset[str] = frozenset()

    def level(self, field_id: str) -> str:
        return "write" if self.unrestricted else self.fields.get(field_id, "write")

    @property
    def hidden(self) -> set[str]:
        return {fid for fid, level in self.fields.items() if level == "hidden"}


def privileged(actor: Actor) -> bool:
    """The system, workspace admins and automations (configured by designers) pass every record check."""
    return "admin" in actor.roles or actor.depth > 0 or (actor.user_id is None and actor.label == "system")


def check_rights(rights: Any, path: str = "") -> list[ErrorItem]:

    validator = jsonschema.Draft202012Validator(RIGHTS_SCHEMA)
    return [_rights_item(e, path + "/" + "/".join(map(str, e.absolute_path)) if e.absolute_path else path or "/")
            for e in validator.iter_errors(rights)]


def _rights_item(err: jsonschema.ValidationError, path: str) -> ErrorItem:
    """One refusal of RIGHTS_SCHEMA in the catalogue's words (its keywords: type, enum, extra keys, field ids, size)."""
    shown = repr(err.instance)[:60]
    if err.validator == "enum":
        return ErrorItem.coded("error.schema.enum", path=path, value=shown, allowed=", ".join(json.dumps(v) for v in err.validator_value))
    if err.validator == "type":
        return ErrorItem.coded("error.schema.type", path=path, value=shown, kinds=kinds(err.validator_value))
    if err.validator == "additionalProperties":
        return ErrorItem.coded("error.schema.extra_members", path=path, names=", ".join(map(repr, extra_members(err))),
                               count=len(extra_members(err)))
    if err.validator == "maxProperties":
        return ErrorItem.coded("error.schema.max_properties", path=path, limit=err.validator_value)
    if err.validator == "pattern":
        return ErrorItem.coded("error.rights.field_id", path=path, field=shown)
    return ErrorItem.coded("error.schema.shape", path=path, value=shown)


def _normalized_rights(rights: dict | None) -> dict:
    out = dict(NO_RIGHTS)
    out.update({k: v for k, v in (rights or {}).items() if k in NO_RIGHTS})
    return out


# -- roles ------------------------------------------------------------------

def ensure_builtin_roles(rt: Runtime, conn: sa.Connection) -> None:
    have = set(conn.execute(sa.select(roles.c.key).where(roles.c.workspace_id == rt.workspace_id)).scalars())
    for key, spec in BUILTIN_ROLES.items():
        if key not in have:
            conn.execute(sa.insert(roles).values(workspace_id=rt.workspace_id, key=key, label=spec["label"], builtin=True,
                                                 capabilities=spec["capabilities"], default_rights=spec["default_rights"],
                                                 created_at=rt.clock.now()))


def role_dict(row) -> dict:
    return {"key": row["key"], "label": row["label"], "builtin": row["builtin"], "capabilities": row["capabilities"],
            "default_rights": _normalized_rights(row["default_rights"])}


def list_roles(rt: Runtime) -> list[dict]:
    with rt.db.transaction() as conn:
        ensure_builtin_roles(rt, conn)
        rows = conn.execute(sa.select(roles).where(roles.c.workspace_id == rt.workspace_id).order_by(roles.c.id)).mappings().all()
    return [role_dict(r) for r in rows]


def role_row(rt: Runtime, conn: sa.Connection, key: str):
    ensure_builtin_roles(rt, conn)
    row = conn.execute(sa.select(roles).where(roles.c.workspace_id == rt.workspace_id, roles.c.key == key)).mappings().first()
    if row is None:
        raise NotFound(f"role {key!r} does not exist", path="/role", message_code="error.role.not_found", params={"role": repr(key)})
    return row


def save_role(rt: Runtime, actor: Actor, key: str, *, label: Any = None, capabilities: list[str] | None = None,
              default_rights: dict | None = None) -> dict:
    """Create a custom role or change an existing one (the admin role's capabilities can't change)."""

    require_capability(rt, actor, "manage_users")
    errors = []

    if not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", key or ""):
        errors.append(ErrorItem.coded("error.team.key", path="/key"))
    if label is not None and not (label.strip() if isinstance(label, str) else isinstance(label, dict) and any(
            isinstance(v, str) and v.strip() for v in label.values())):
        errors.append(ErrorItem.coded("error.role.needs_name", path="/label", code="required"))
    if capabilities is not None and any(c not in CAPABILITIES for c in capabilities):
        errors.append(ErrorItem.coded("error.role.capabilities", choices=", ".join(CAPABILITIES), path="/capabilities"))
    if default_rights is not None:
        errors += check_rights(default_rights, "/default_rights")
    if errors:
        raise DefinitionInvalid("the role is not valid", errors, message_code="error.role.invalid")
    with rt.db.transaction() as conn:
        ensure_builtin_roles(rt, conn)
        row = conn.execute(sa.select(roles).where(roles.c.workspace_id == rt.workspace_id, roles.c.key == key)).mappings().first()
        values: dict = {}
        if label is not None:
            values["label"] = label
        if capabilities is not None:
            if key == "admin":
                raise PermissionDenied("the admin role always holds every capability", message_code="error.role.admin_capabilities")
            values["capabilities"] = sorted(set(capabilities))
        if default_rights is not None:
            values["default_rights"] = _normalized_rights(default_rights)
        if row is None:
            conn.execute(sa.insert(roles).values(workspace_id=rt.workspace_id, key=key, label=label or key, builtin=False,
                                                 capabilities=values.get("capabilities", []),
                                                 default_rights=values.get("default_rights", dict(NO_RIGHTS)), created_at=rt.clock.now()))
        elif values:
            conn.execute(sa.update(roles).where(roles.c.id == row["id"]).values(**values))
        admin_audit.record(rt, conn, actor, "role.save", f"role:{key}", **values)
        return role_dict(role_row(rt, conn, key))


def create_role(rt: Runtime, actor: Actor, key: str, *, label: Any, capabilities: list[str] | None = None,
                default_rights: dict | None = None) -> dict:
    """A new custom role; a key in use is refused (409 at /key) instead of changing that role (``save_role`` does)."""
    require_capability(rt, actor, "manage_users")
    with rt.db.transaction() as conn:
        ensure_builtin_roles(rt, conn)
        if conn.execute(sa.select(roles.c.id).where(roles.c.workspace_id == rt.workspace_id, roles.c.key == key)).first():
            raise Conflict(f"role {key!r} exists", [ErrorItem.coded("error.value.taken", path="/key", code="taken")],
                           message_code="error.role.exists", params={"role": repr(key)})
    return save_role(rt, actor, key, label=label if label is not None else {}, capabilities=capabilities or [],
                     default_rights=default_rights)


#: how many holders a refused role deletion names
HOLDERS_NAMED = 5


def delete_role(rt: Runtime, actor: Actor, key: str) -> dict:
    """Delete a custom role: refused (409 at /role) while a built-in, while any user, active or not, still holds it (the
    reason names up to ``HOLDERS_NAMED`` of them and the count in ``extra``) or while a published member field's limit
    names it (``extra.fields``); its grants on forms go with it."""
    require_capability(rt, actor, "manage_users")
    with rt.db.transaction() as conn:
        row = role_row(rt, conn, key)
        if row["builtin"]:
            raise Conflict(f"the built-in role {key!r} can't be deleted", [ErrorItem.coded("error.role.builtin_item", path="/role", code="builtin")],
                           message_code="error.role.builtin", params={"role": repr(key)})
        holders = conn.execute(sa.select(users.c.display_name).join(user_roles, user_roles.c.user_id == users.c.id)
                               .where(user_roles.c.role_id == row["id"]).order_by(users.c.display_name)).scalars().all()
        if holders:
            names = ", ".join(holders[:HOLDERS_NAMED]) + (" …" if len(holders) > HOLDERS_NAMED else "")
            raise Conflict(f"{len(holders)} {'user still holds' if len(holders) == 1 else 'users still hold'} the role {key!r}: {names}", [ErrorItem.coded(
                "error.role.held_item", count=len(holders), names=names, path="/role", code="role_in_use",
                extra={"count": len(holders), "names": names})], message_code="error.role.held",
                params={"count": len(holders), "role": repr(key), "names": names})
        limited = limits_naming(conn, rt.workspace_id, "roles", key)
        if limited:
            fields = ", ".join(limited)
            raise Conflict(f"the role {key!r} limits who may be chosen in {fields}", [ErrorItem.coded(
                "error.role.limits_item", fields=fields, path="/role", code="role_in_use", extra={"fields": limited})],
                message_code="error.role.limits", params={"role": repr(key), "fields": fields})
        conn.execute(sa.delete(role_grants).where(role_grants.c.role_id == row["id"]))
        conn.execute(sa.delete(roles).where(roles.c.id == row["id"]))
        admin_audit.record(rt, conn, actor, "role.delete", f"role:{key}", label=row["label"], capabilities=row["capabilities"])
    return role_dict(row)


def actor_roles(conn: sa.Connection, user_id: int) -> frozenset[str]:
    return frozenset(conn.execute(sa.select(roles.c.key).join(user_roles, user_roles.c.role_id == roles.c.id)
                                  .where(user_roles.c.user_id == user_id)).scalars())


def _capabilities(conn: sa.Connection, rt: Runtime, actor: Actor) -> set[str]:
    if privileged(actor):
        return {"*"}
    caps: set[str] = set()
    for key in actor.roles:
        if key in BUILTIN_ROLES:
            caps |= set(BUILTIN_ROLES[key]["capabilities"])
    custom = [k for k in actor.roles if k not in BUILTIN_ROLES]
    if custom:
        for row in conn.execute(sa.select(roles.c.capabilities).where(roles.c.workspace_id == rt.workspace_id, roles.c.key.in_(custom))).scalars():
            caps |= set(row or [])
    return caps


def has_capability(rt: Runtime, actor: Actor, capability: str, conn: sa.Connection | None = None) -> bool:
    if privileged(actor):
        return True
    if conn is None:
        with rt.db.read() as c:
            return has_capability(rt, actor, capability, c)
    caps = _capabilities(conn, rt, actor)
    return "*" in caps or capability in caps


def require_capability(rt: Runtime, actor: Actor, capability: str, conn: sa.Connection | None = None) -> None:
    """Refuse (403) unless the actor holds ``capability``; services call this before changing definitions."""
    if not has_capability(rt, actor, capability, conn):
        params = {"capability": capability_words(capability)}
        raise PermissionDenied(i18n.render("error.access.needs_capability", "en", params), needed=capability,
                               message_code="error.access.needs_capability", params=params)


def capability_words(*capabilities: str) -> Any:
    """Capabilities ("design", "templates") in the reader's words ("Design apps and forms"), one or a list (joined by
    the language's list separator); an error's ``needed`` keeps the codes for API clients."""
    words = [i18n.words("error.access.capability.", c) for c in capabilities]
    return {loc: i18n.render("error.access.capability_separator", loc).join(str(i18n.localized(w, loc)) for w in words)
            for loc in i18n.LOCALES}


# -- grants per form --------------------------------------------------------

def get_grants(rt: Runtime, actor: Actor, app_key: str, form_key: str) -> list[dict]:
    """Every role's effective rights on one form, and where they come from (grant / form / role)."""

    require_capability(rt, actor, "manage_users")
    with rt.db.transaction() as conn:
        ensure_builtin_roles(rt, conn)
        _, form = form_row(conn, rt, app_key, form_key)
        role_rows = conn.execute(sa.select(roles).where(roles.c.workspace_id == rt.workspace_id).order_by(roles.c.id)).mappings().all()
        stored = {r["role_id"]: r["rights"] for r in conn.execute(sa.select(role_grants).where(role_grants.c.form_id == form["id"])).mappings()}
        defined = _definition_permissions(conn, form)
    out = []
    for role in role_rows:
        if role["id"] in stored:
            rights, source = stored[role["id"]], "grant"
        elif role["key"] in defined:
            rights, source = defined[role["key"]], "form"
        else:
            rights, source = role["default_rights"], "role"
        out.append({"role": role["key"], "source": source, "rights": _normalized_rights(rights)})
    return out


def set_grant(rt: Runtime, actor: Actor, app_key: str, form_key: str, role_key: str, rights: dict | None) -> dict:
    """Store one role's rights on one form (``None`` removes the grant: the form's or role's defaults apply again)."""

    require_capability(rt, actor, "manage_users")
    if rights is not None:
        errors = check_rights(rights, "/rights")
        if errors:
            raise DefinitionInvalid("the rights are not valid", errors, message_code="error.rights.invalid")
    with rt.db.transaction() as conn:
        _, form = form_row(conn, rt, app_key, form_key)
        role = role_row(rt, conn, role_key)
        conn.execute(sa.delete(role_grants).where(role_grants.c.role_id == role["id"], role_grants.c.form_id == form["id"]))
        if rights is not None:
            conn.execute(sa.insert(role_grants).values(role_id=role["id"], form_id=form["id"], rights=_normalized_rights(rights),
                                                       updated_at=rt.clock.now(), updated_by=actor.user_id))
        admin_audit.record(rt, conn, actor, "grant.set" if rights is not None else "grant.remove", f"{app_key}/{form_key}:{role_key}",
                           rights=rights)
    return next(g for g in get_grants(rt, actor, app_key, form_key) if g["role"] == role_key)


def _definition_permissions(conn, form_row) -> dict:

    if not form_row["published_version"]:
        return {}
    definition = conn.execute(sa.select(form_versions.c.definition).where(
        form_versions.c.form_id == form_row["id"], form_versions.c.version == form_row["published_version"])).scalar_one()
    return definition.get("permissions") or {}


# -- the policy --------------------------------------------------------------

_CACHE: "weakref.WeakKeyDictionary[sa.Connection, dict]" = weakref.WeakKeyDictionary()


def form_access(rt: Runtime, conn: sa.Connection, actor: Actor, form) -> FormAccess:
    """The merged rights of every role the actor holds on ``form`` (a CompiledForm); most permissive wins."""
    return forms_access(rt, conn, actor, [form])[form.form_id]


#: rights of every actor on every form, unrestricted
_UNRESTRICTED = FormAccess(True, "all", "all", "all", {}, unrestricted=True)


def forms_access(rt: Runtime, conn: sa.Connection, actor: Actor, compiled: list) -> dict[int, FormAccess]:
    """``form_access`` of several forms at once (form id -> FormAccess), with two statements for all the uncached ones."""
    if privileged(actor):
        return {form.form_id: _UNRESTRICTED for form in compiled}
    cache = _CACHE.setdefault(conn, {})
    out = {form.form_id: cache[(actor, form.form_id, form.version)] for form in compiled
           if (actor, form.form_id, form.version) in cache}
    missing = [form for form in compiled if form.form_id not in out]
    if not missing:
        return out
    role_rows = []
    if actor.roles:
        role_rows = conn.execute(_ROLE_RIGHTS, {"ws": rt.workspace_id, "keys": sorted(actor.roles)}).mappings().all()
    stored: dict[tuple[int, int], dict] = {}
    if role_rows:
        stored = {(r.form_id, r.role_id): r.rights for r in conn.execute(
            _GRANTS, {"forms": [form.form_id for form in missing], "roles": [r["id"] for r in role_rows]})}
    for form in missing:
        access = _merged_access(form, role_rows, {role_id: rights for (form_id, role_id), rights in stored.items()
                                                  if form_id == form.form_id})
        cache[(actor, form.form_id, form.version)] = out[form.form_id] = access
    return out


@dataclass
class AppRights:
    """The published forms of one app, compiled, and the actor's rights on any of them, merged when first asked for."""

    forms: dict[str, Any]  # form key -> CompiledForm
    _actor: Actor
    _role_rows: list
    _stored: dict[int, dict]  # form id -> {role id: rights}
    _cache: dict

    def access(self, form) -> FormAccess:
        if privileged(self._actor):
            return _UNRESTRICTED
        key = (self._actor, form.form_id, form.version)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = _merged_access(form, self._role_rows, self._stored.get(form.form_id, {}))
        return found


def app_forms_access(rt: Runtime, conn: sa.Connection, actor: Actor, form) -> AppRights:
    """Every published form of ``form``'s app (``form`` itself as given), compiled, with the actor's rights on them.

    Two statements in all (the actor's roles; the app's forms with their grants), as many as one ``form_access``.
    """

    role_rows = []
    if actor.roles and not privileged(actor):
        role_rows = conn.execute(_ROLE_RIGHTS, {"ws": rt.workspace_id, "keys": sorted(actor.roles)}).mappings().all()
    rows = conn.execute(_APP_FORMS_GRANTS, {"form_id": form.form_id, "roles": [r["id"] for r in role_rows] or [0]}).all()
    stored: dict[int, dict] = {}
    compiled: dict[str, Any] = {}
    for form_id, key, version, role_id, rights in rows:
        if key not in compiled and version is not None:
            compiled[key] = form if form_id == form.form_id else compiled_version(rt, conn, form_id, version, form.app_key)
        if role_id is not None:
            stored.setdefault(form_id, {})[role_id] = rights
    compiled[form.key] = form
    return AppRights(compiled, actor, role_rows, stored, _CACHE.setdefault(conn, {}))


#: statements of ``forms_access`` and ``app_forms_access``, built once
_ROLE_RIGHTS = sa.select(roles.c.id, roles.c.key, roles.c.default_rights).where(
    roles.c.workspace_id == sa.bindparam("ws"), roles.c.key.in_(sa.bindparam("keys", expanding=True)))
_GRANTS = sa.select(role_grants.c.form_id, role_grants.c.role_id, role_grants.c.rights).where(
    role_grants.c.form_id.in_(sa.bindparam("forms", expanding=True)), role_grants.c.role_id.in_(sa.bindparam("roles", expanding=True)))
#: (form id, key, published version, role id, rights) of every form in the app of form ``form_id``, one row per grant
#: to one of ``roles`` (role id None: no such grant)
_APP_FORMS_GRANTS = sa.select(forms.c.id, forms.c.key, forms.c.published_version, role_grants.c.role_id, role_grants.c.rights).outerjoin(
    role_grants, sa.and_(role_grants.c.form_id == forms.c.id, role_grants.c.role_id.in_(sa.bindparam("roles", expanding=True)))
).where(forms.c.app_id == sa.select(forms.c.app_id).where(forms.c.id == sa.bindparam("form_id")).scalar_subquery())


def _merged_access(form, role_rows, stored: dict) -> FormAccess:
    defined = form.definition.get("permissions") or {}
    merged = dict(NO_RIGHTS)
    levels: dict[str, str] | None = None
    granted: set[str] = set()
    for role in role_rows:
        rights = _normalized_rights(stored.get(role["id"]) or defined.get(role["key"]) or role["default_rights"])
        merged["create"] = merged["create"] or bool(rights["create"])
        for action in ("read", "update", "delete"):
            if SCOPES.index(rights[action]) > SCOPES.index(merged[action]):
                merged[action] = rights[action]
        if rights["create"] or any(rights[a] != "none" for a in ("read", "update", "delete")):
            role_levels = {f["id"]: rights["fields"].get(f["id"], "write") for f in form.fields}
            levels = role_levels if levels is None else {fid: max(levels[fid], lvl, key=LEVELS.index) for fid, lvl in role_levels.items()}
            granted |= {fid for fid, lvl in rights["fields"].items() if lvl != "hidden"}
    fields = {fid: lvl for fid, lvl in (levels or {f["id"]: "hidden" for f in form.fields}).items() if lvl != "write"}
    return FormAccess(merged["create"], merged["read"], merged["update"], merged["delete"], fields, granted=frozenset(granted))


def scope_clause(actor: Actor, scope: str):
    if scope == "all":
        return None
    if scope == "none" or actor.user_id is None:
        return sa.false()
    if scope == "own":
        return records.c.owner_id == actor.user_id
    return records.c.owner_id.in_(sa.select(my_team(actor.user_id).subquery().c.id))


def in_scope(conn: sa.Connection, actor: Actor, scope: str, owner_id: int | None) -> bool:
    if scope == "all":
        return True
    if scope == "none" or actor.user_id is None or owner_id is None:
        return False
    if owner_id == actor.user_id:
        return True
    if scope == "own":
        return False
    return owner_id in set(conn.execute(sa.select(my_team(actor.user_id).subquery().c.id)).scalars())


# -- the hooks plugged into engine.services.records ---------------------------

_ACTION_RIGHT = {"read": "read", "history": "read", "update": "update", "delete": "delete", "restore": "delete"}


def _action_words(action: str) -> dict[str, str] | str:
    """An action on a record in every language (catalogue key ``access.action.<action>``), else as it is."""
    key = f"access.action.{action}"
    return {loc: i18n.render(key, loc) for loc in i18n.LOCALES} if i18n.has_text(key) else action


def check_record_access(rt: Runtime, conn: sa.Connection, actor: Actor, form, action: str, row) -> None:
    access = form_access(rt, conn, actor, form)
    if access.unrestricted:
        return
    what = f"{form.app_key}/{form.key}"
    if action == "create":
        if not access.create:
            raise PermissionDenied(f"your role may not add records to {what}", message_code="error.access.create", params={"form": what})
        owner = (row or {}).get("owner_id")
        if owner is not None and owner != actor.user_id and (access.update not in ("team", "all") or not in_scope(conn, actor, access.update, owner)):
            raise PermissionDenied("your role may not give records to another owner", path="/owner_id", message_code="error.access.give_owner")
        return

    right = _ACTION_RIGHT.get(action, "read")
    readgate.read_view(rt, conn, actor, form).check(conn, row)  # every action on a record starts with reading it
    if right != "read":
        scope = getattr(access, right)
        if scope == "none" or (row is not None and not in_scope(conn, actor, scope, row["owner_id"])):
            raise PermissionDenied(f"your role may not {action} this record of {what}", message_code="error.access.record",
                                   params={"action": _action_words(action), "form": what})


def hidden_fields(rt: Runtime, conn: sa.Connection, actor: Actor, form) -> frozenset[str]:
    """Fields the actor may not see: the read gate's answer (derived fields included)."""

    return readgate.read_view(rt, conn, actor, form).hidden


def read_scope(rt: Runtime, conn: sa.Connection, actor: Actor, form):
    access = form_access(rt, conn, actor, form)
    return None if access.unrestricted else scope_clause(actor, access.read)


def refuse_protected_fields(w) -> None:
    """A write stage: values for fields the actor may only read (changed) or may not see (any value) are refused."""
    access = form_access(w.rt, w.conn, w.actor, w.form)
    if access.unrestricted:
        return
    before = w.before or {}
    for fid, value in list(w.incoming.items()):
        level = access.level(fid)
        if level == "hidden" and (value is not None or before.get(fid) is not None):
            w.errors.append(w.form.coded(fid, "error.field.not_writable_role", code="forbidden_field"))
        elif level == "read" and value != before.get(fid):
            w.errors.append(w.form.coded(fid, "error.field.read_only_role", code="forbidden_field"))
        else:
            continue
        w.values[fid] = before.get(fid)


def refuse_unreadable_references(w) -> None:
    """A write stage: a reference may only point at records the actor may read (else fetched values would leak them).

    An unreadable record answers exactly like a missing one.
    """

    if privileged(w.actor):
        return
    before = w.before or {}
    for f in w.form.input_fields:
        value = w.incoming.get(f["id"])
        ftype = FIELD_TYPES.get(f["type"])
        if not ftype.is_reference or value is None or before.get(f["id"]) == value:
            continue
        try:
            ids = [int(i) for i in ftype.ids(value)]
        except (TypeError, ValueError):
            continue  # the schema check reports the shape
        target_app, target_key = target_of_field(f, w.form.app_key)  # maybe a form of another app: its own rights
        try:
            target = compiled_form(w.rt, w.conn, target_app, target_key)
        except FormflowError:
            continue  # the reference check reports a missing form
        access = form_access(w.rt, w.conn, w.actor, target)
        clause = scope_clause(w.actor, access.read)
        query = sa.select(records.c.id).where(records.c.form_id == target.form_id, records.c.id.in_(ids))
        readable = set(w.conn.execute(query.where(clause) if clause is not None else query).scalars())
        missing = [i for i in ids if i not in readable]
        if missing:
            w.errors.append(w.form.coded(f["id"], "error.record.no_linked_record", code="not_found", form=target_key,
                                         ids=", ".join(map(str, missing))))
            w.incoming.pop(f["id"], None)
            w.values[f["id"]] = before.get(f["id"])


def write_effects(w) -> None:
    """The effects stage: refused protected fields, then references to records the actor may not read."""
    refuse_protected_fields(w)
    refuse_unreadable_references(w)


#: this module's part in writes (listed in ``engine.features``); reads go through the read gate (engine.services.readgate)
FEATURE = Feature("permissions", access=check_record_access, effects=write_effects)
