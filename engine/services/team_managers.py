"""Who manages whom: a user's own manager (``users.manager_id``) first, else the managers of the teams they belong to.

This is the one answer to "the manager of X" that workflow recipients (``manager_of``), approvals (``owner_manager``)
and the "team" record scope share; a team's managers are set with ``users.update_team`` (``PATCH /api/teams/<key>``).
It is also the one answer to "my team" (``my_team``): the "team" row scope, the list filter ``$my_team`` and the
dashboards' "my team" filter read the same people, and to "the people of team X" (``team_people``): its managers and
its members, what a dashboard's team filter counts.
"""
from __future__ import annotations

import sqlalchemy as sa

from engine.storage.access_tables import team_managers, team_members, teams
from engine.storage.tables import users


def managers_by_user(conn, user_ids) -> dict[int, list[int]]:
    """{user id: [manager ids]} for these users: their own manager, or (with none) their teams' managers, never themselves."""
    ids = sorted({u for u in user_ids if isinstance(u, int) and not isinstance(u, bool)})
    if not ids:
        return {}
    own = dict(conn.execute(sa.select(users.c.id, users.c.manager_id).where(users.c.id.in_(ids))).all())
    found = {u: [own[u]] for u in ids if own.get(u)}
    rest = [u for u in ids if u not in found]
    if rest:
        rows = conn.execute(sa.select(team_members.c.user_id, team_managers.c.user_id.label("manager"))
                            .join(team_managers, team_managers.c.team_id == team_members.c.team_id)
                            .where(team_members.c.user_id.in_(rest)).order_by(team_members.c.user_id, team_managers.c.user_id)).all()
        for user, manager in rows:
            if manager != user and manager not in found.setdefault(user, []):
                found[user].append(manager)
    return {u: m for u, m in found.items() if m}


def managers_of(conn, user_ids) -> list[int]:
    """Every manager of these users (in the users' order, each once)."""
    by_user = managers_by_user(conn, user_ids)
    ordered = [u for u in dict.fromkeys(user_ids) if u in by_user]
    return list(dict.fromkeys(m for u in ordered for m in by_user[u]))


def managed_members(user_id: int):
    """A select of the members of every team this user manages (for the "team" record scope)."""
    managed = sa.select(team_managers.c.team_id).where(team_managers.c.user_id == user_id)
    return sa.select(team_members.c.user_id).where(team_members.c.team_id.in_(managed))


def my_team(user_id: int):
    """A select (one column ``id``) of the people whose records a "team" view shows ``user_id``: themselves, their team
    mates, their direct reports and the members of every team they manage."""
    my_teams = sa.select(team_members.c.team_id).where(team_members.c.user_id == user_id)
    return sa.union(sa.select(sa.literal(user_id).label("id")),
                    sa.select(team_members.c.user_id).where(team_members.c.team_id.in_(my_teams)),
                    sa.select(users.c.id).where(users.c.manager_id == user_id),
                    managed_members(user_id))


def my_team_ids(conn, user_id: int | None) -> list[int]:
    """``my_team`` read: the ids, sorted (nobody for a caller without a user, such as an API token of the system)."""
    if user_id is None:
        return []
    return sorted(conn.execute(sa.select(my_team(user_id).subquery().c.id)).scalars())


def team_people(conn, workspace_id: int, team_key: str) -> list[int]:
    """The managers and members of the team ``team_key`` of the workspace, sorted (none for an unknown key)."""
    team = sa.select(teams.c.id).where(teams.c.key == team_key, teams.c.workspace_id == workspace_id).scalar_subquery()
    people = sa.union(sa.select(team_members.c.user_id.label("id")).where(team_members.c.team_id == team),
                      sa.select(team_managers.c.user_id.label("id")).where(team_managers.c.team_id == team))
    return sorted(conn.execute(sa.select(people.subquery().c.id)).scalars())
