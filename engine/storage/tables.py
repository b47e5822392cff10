"""The engine's own tables (SQLAlchemy Core). Migrations live in ``migrations/``.

Other areas (users and permissions, workflows, notifications) add their
tables in their own modules on the same ``metadata``.
"""
from __future__ import annotations

import sqlalchemy as sa

from engine.storage.types import JSONDoc, UTCDateTime

metadata = sa.MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

workspaces = sa.Table(
    "workspaces", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False, server_default="UTC"),
    sa.Column("settings", JSONDoc, nullable=False, default=dict),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("username", sa.String(150), nullable=False, unique=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(320)),
    sa.Column("timezone", sa.String(64)),
    sa.Column("locale", sa.String(16)),
    sa.Column("manager_id", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("is_active", sa.Boolean, nullable=False, default=True),
    sa.Column("password_hash", sa.String(300)),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

apps = sa.Table(
    "apps", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("key", sa.String(64), nullable=False),
    sa.Column("label", JSONDoc, nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("settings", JSONDoc, nullable=False, default=dict),
    sa.Column("template_key", sa.String(64)),
    sa.Column("template_version", sa.String(32)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("workspace_id", "key"),
)

forms = sa.Table(
    "forms", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("app_id", sa.Integer, sa.ForeignKey("apps.id", ondelete="CASCADE"), nullable=False),
    sa.Column("key", sa.String(64), nullable=False),
    sa.Column("draft", JSONDoc, nullable=False),
    sa.Column("draft_revision", sa.Integer, nullable=False, default=1),
    sa.Column("published_version", sa.Integer),
    sa.Column("template_key", sa.String(64)),
    sa.Column("template_version", sa.String(32)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("app_id", "key"),
)

form_versions = sa.Table(
    "form_versions", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("form_id", sa.Integer, sa.ForeignKey("forms.id", ondelete="CASCADE"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("definition", JSONDoc, nullable=False),
    sa.Column("published_at", UTCDateTime, nullable=False),
    sa.Column("published_by", sa.Integer, sa.ForeignKey("users.id")),
    sa.UniqueConstraint("form_id", "version"),
)

records = sa.Table(
    "records", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("form_id", sa.Integer, sa.ForeignKey("forms.id", ondelete="CASCADE"), nullable=False),
    sa.Column("form_version", sa.Integer, nullable=False),
    sa.Column("data", JSONDoc, nullable=False),
    sa.Column("owner_id", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_by", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, default=1),
    sa.Column("deleted_at", UTCDateTime),
    sa.Column("deleted_by", sa.Integer, sa.ForeignKey("users.id")),
    sa.Index("ix_records_form_live", "form_id", "deleted_at", "id"),
    # a page sorted by creation time walks this instead of sorting the form (migration 0012)
    sa.Index("ix_records_form_created", "form_id", "created_at", "id", postgresql_where=sa.text("deleted_at IS NULL"),
             sqlite_where=sa.text("deleted_at IS NULL")),
    # and by change time (migration 0013)
    sa.Index("ix_records_form_updated", "form_id", "updated_at", "id", postgresql_where=sa.text("deleted_at IS NULL"),
             sqlite_where=sa.text("deleted_at IS NULL")),
)

record_audit = sa.Table(
    "record_audit", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("record_id", sa.Integer, sa.ForeignKey("records.id", ondelete="CASCADE"), nullable=False),
    sa.Column("form_id", sa.Integer, sa.ForeignKey("forms.id", ondelete="CASCADE"), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),  # create / update / delete / restore
    sa.Column("actor_id", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("actor", sa.String(200), nullable=False),  # "user:3", "automation:<name>", "system"
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("record_version", sa.Integer, nullable=False),
    sa.Column("changes", JSONDoc, nullable=False),  # {field_id: [old, new]}
    sa.Index("ix_record_audit_record", "record_id", "id"),
)

serial_counters = sa.Table(
    "serial_counters", metadata,
    sa.Column("form_id", sa.Integer, sa.ForeignKey("forms.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("field_id", sa.String(64), primary_key=True),
    sa.Column("period", sa.String(16), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

attachments = sa.Table(
    "attachments", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("content_type", sa.String(200), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # what the file was uploaded for (engine.services.attachments): the form and attachment field named at upload (or at
    # the first save), and the record it was first saved in; its download follows that record's read gate
    sa.Column("form_id", sa.Integer),
    sa.Column("field_id", sa.String(64)),
    sa.Column("record_id", sa.Integer),
)
