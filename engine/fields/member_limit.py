"""Who a member field may hold: ``options.limit = {"roles": [role keys], "teams": [team keys]}`` (a customer's owner is a
sales person, as 简道云's member field's "可选范围" and Odoo's domain on a user field narrow it).

A person may be chosen when they hold one of the roles or belong to one of the teams (either list may be absent; both
empty or absent: anyone of the workspace). Keys, not ids, so a definition reads the same in a template or another
workspace. The same set is what the user picker offers (``users.picker_where``), what a kanban's person lanes list, and
what a save accepts (``outside_limit``, in the save's transaction: 422 at ``/data/<field>`` otherwise). A publish refuses
a key that names no role or team of the workspace (``limit_problems``). A value stored before the limit was set is kept
and still named; only a new or changed value is checked.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from engine.fields.base import FIELD_TYPES, Property, en_zh
from engine.storage.access_tables import roles, team_members, teams, user_roles
from engine.storage.tables import apps, form_versions, forms, users

#: the two kinds of group a limit names, in the order the designer lists them
LIMIT_KINDS = ("roles", "teams")
#: most keys one list of a limit may hold
MAX_LIMIT_KEYS = 100

LIMIT = Property("options.limit", "people_limit", en_zh("Who may be chosen", "可选成员范围"),
                 help=en_zh("Only people of the ticked roles or teams; none ticked: anyone in the workspace.",
                            "仅限勾选的角色或部门中的成员；都不勾选：工作区中的任何人。"))


def limit_of(field: dict) -> dict[str, list[str]] | None:
    """``{"roles": [...], "teams": [...]}`` of a limited field; None when anyone may be chosen."""
    opts = field.get("options")
    limit = opts.get("limit") if isinstance(opts, dict) else None
    if not isinstance(limit, dict):
        return None
    out = {kind: [k for k in limit.get(kind) or [] if isinstance(k, str)] for kind in LIMIT_KINDS}
    return out if any(out.values()) else None


def limit_where(field: dict, workspace_id: int) -> list:
    """WHERE clauses on ``users`` keeping the people the field may hold ([] when it is not limited): one ``IN``
    sub-select per kind, inside the statement that lists or checks the people (no statement of its own)."""
    limit = limit_of(field)
    if limit is None:
        return []
    either = []
    if limit["roles"]:
        either.append(users.c.id.in_(sa.select(user_roles.c.user_id).join(roles, roles.c.id == user_roles.c.role_id)
                                     .where(roles.c.workspace_id == workspace_id, roles.c.key.in_(limit["roles"]))))
    if limit["teams"]:
        either.append(users.c.id.in_(sa.select(team_members.c.user_id).join(teams, teams.c.id == team_members.c.team_id)
                                     .where(teams.c.workspace_id == workspace_id, teams.c.key.in_(limit["teams"]))))
    return [sa.or_(*either)]


def outside_limit(conn: sa.Connection, workspace_id: int, field: dict, ids: list) -> list:
    """Of *ids*, the people of the workspace the field may not hold (one statement, and only for a limited field; an id
    that names nobody is the record service's to refuse)."""
    where = limit_where(field, workspace_id)
    if not where or not ids:
        return []
    outside = set(conn.execute(sa.select(users.c.id).where(users.c.id.in_(ids), users.c.workspace_id == workspace_id,
                                                           sa.not_(sa.and_(*where)))).scalars())
    return [i for i in ids if i in outside]


def limit_problems(field: dict, ctx: Any) -> list[tuple]:
    """(path suffix, coded message) for each key of the limit that names no role or team of the workspace; none when the
    context can't tell (``ctx.access_keys()`` None: a template checked outside any workspace)."""
    limit = limit_of(field)
    if limit is None:
        return []
    known = ctx.access_keys()
    if known is None:
        return []
    problems = []
    for kind, code in (("roles", "error.options.unknown_role"), ("teams", "error.options.unknown_team")):
        for i, key in enumerate(limit[kind]):
            if key not in known.get(kind, ()):
                problems.append((f"options/limit/{kind}/{i}", ctx.coded(code, key=repr(key))))
    return problems


def limits_naming(conn: sa.Connection, workspace_id: int, kind: str, key: str) -> list[str]:
    """The published member fields (a sub-table's columns too) whose limit names the role or team ``key`` (``kind``:
    roles, teams), as "app/form.field" (sub-table: "app/form.table.column"): what deleting it would leave limited to
    a group that no longer exists (the form's next publish would refuse the key)."""
    rows = conn.execute(sa.select(apps.c.key, forms.c.key, form_versions.c.definition)
                        .join(forms, forms.c.app_id == apps.c.id)
                        .join(form_versions, sa.and_(form_versions.c.form_id == forms.c.id,
                                                     form_versions.c.version == forms.c.published_version))
                        .where(apps.c.workspace_id == workspace_id).order_by(apps.c.key, forms.c.key))
    out = []
    for app_key, form_key, definition in rows:
        for field, table in member_columns(definition.get("fields") or []):
            limit = limit_of(field)
            if limit is not None and key in limit[kind]:
                out.append(f"{app_key}/{form_key}.{table['id'] + '.' if table else ''}{field.get('id')}")
    return out


def member_columns(fields: list) -> list[tuple[dict, dict | None]]:
    """(field, its sub-table or None) of the live fields of a definition, a sub-table's live columns in its place (read
    through the sub-table type's ``row_fields``): where a limit may sit. The one walk the write path
    (``member_limits``) and ``limits_naming`` share; the types are registered by the time it runs (importing this
    module imports ``engine.fields``)."""
    out: list[tuple[dict, dict | None]] = []
    for f in fields:
        if not isinstance(f, dict) or f.get("deleted") or f.get("type") not in FIELD_TYPES:
            continue
        ftype = FIELD_TYPES.get(f["type"])
        out += [(c, f) for c in ftype.row_fields(f) if isinstance(c, dict)] if ftype.stores_rows else [(f, None)]
    return out
