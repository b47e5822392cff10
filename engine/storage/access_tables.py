"""Tables of the access area: roles, role grants per form, teams, login sessions, API tokens, login attempts, admin audit,
set-password links.

Users themselves live in ``tables.users``; everything here hangs off them.
"""
from __future__ import annotations

import sqlalchemy as sa

from engine.storage.tables import metadata
from engine.storage.types import JSONDoc, UTCDateTime

roles = sa.Table(
    "roles", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("key", sa.String(64), nullable=False),
    sa.Column("label", JSONDoc, nullable=False),
    sa.Column("builtin", sa.Boolean, nullable=False, default=False),
    sa.Column("capabilities", JSONDoc, nullable=False, default=list),  # ["design", "automate", ...] or ["*"]
    sa.Column("default_rights", JSONDoc, nullable=False, default=dict),  # record rights on forms without their own grant
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("workspace_id", "key"),
)

user_roles = sa.Table(
    "user_roles", metadata,
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("role_id", sa.Integer, sa.ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
)

role_grants = sa.Table(
    "role_grants", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("role_id", sa.Integer, sa.ForeignKey("roles.id", ondelete="CASCADE"), nullable=False),
    sa.Column("form_id", sa.Integer, sa.ForeignKey("forms.id", ondelete="CASCADE"), nullable=False),
    sa.Column("rights", JSONDoc, nullable=False),  # {"create": bool, "read"/"update"/"delete": scope, "fields": {id: level}}
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("updated_by", sa.Integer, sa.ForeignKey("users.id")),
    sa.UniqueConstraint("role_id", "form_id"),
)

teams = sa.Table(
    "teams", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("key", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("workspace_id", "key"),
)

team_members = sa.Table(
    "team_members", metadata,
    sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

#: a team's managers (not necessarily members): their "team" record scope covers the team's members, and a workflow's
#: "manager of" a member without a manager of their own is the member's team managers
team_managers = sa.Table(
    "team_managers", metadata,
    sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Index("ix_team_managers_user", "user_id"),
)

login_sessions = sa.Table(
    "login_sessions", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),  # sha256 of the cookie's session id
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
)

api_tokens = sa.Table(
    "api_tokens", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("prefix", sa.String(16), nullable=False),  # shown in lists so a user can tell tokens apart
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),  # sha256 of the secret; the secret is never stored
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("last_used_at", UTCDateTime),
    sa.Column("revoked_at", UTCDateTime),
)

login_attempts = sa.Table(
    "login_attempts", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(150), nullable=False),
    sa.Column("remote_addr", sa.String(64)),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("succeeded", sa.Boolean, nullable=False),
    sa.Index("ix_login_attempts_username_at", "username", "at"),
    sa.Index("ix_login_attempts_remote_addr_at", "remote_addr", "at"),
)

admin_audit = sa.Table(
    "admin_audit", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("actor_id", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),  # user.create, role.grant, token.revoke, ...
    sa.Column("target", sa.String(200), nullable=False),
    sa.Column("details", JSONDoc, nullable=False, default=dict),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_admin_audit_workspace_at", "workspace_id", "at"),
)

password_links = sa.Table(
    "password_links", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),  # sha256 of the link's secret; the secret is never stored
    sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("used_at", UTCDateTime),  # set once: the link then stops working
    sa.Index("ix_password_links_user", "user_id"),
)
