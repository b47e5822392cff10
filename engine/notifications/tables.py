"""Tables of the notifications area: template revisions and the in-app inbox.

``notification_templates`` holds one row per revision of a template: the
published revision keeps serving while a newer revision is drafted and
reviewed; publishing a newer one marks the older ``superseded_at``.
``inbox_messages`` holds what the in-app inbox channel delivered, one row
per (notification, user), unique on its idempotency key.
"""
from __future__ import annotations

import sqlalchemy as sa

from engine.storage.tables import metadata
from engine.storage.types import JSONDoc, UTCDateTime

notification_templates = sa.Table(
    "notification_templates", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("app_id", sa.Integer, sa.ForeignKey("apps.id", ondelete="CASCADE"), nullable=False),
    sa.Column("key", sa.String(64), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # draft / submitted / approved / rejected / published
    sa.Column("form_key", sa.String(64), nullable=False),  # the form whose records it renders
    sa.Column("purpose", sa.String(16), nullable=False, server_default="notification"),  # notification / print (a PDF)
    sa.Column("label", JSONDoc, nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("content", JSONDoc, nullable=False),  # {kind: {subject, body, html}}
    sa.Column("review_comment", sa.Text),
    sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_by", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("submitted_by", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("submitted_at", UTCDateTime),
    sa.Column("reviewed_by", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("reviewed_at", UTCDateTime),
    sa.Column("published_by", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("published_at", UTCDateTime),
    sa.Column("superseded_at", UTCDateTime),
    sa.UniqueConstraint("app_id", "key", "revision"),
    sa.Index("ix_notification_templates_app_key_state", "app_id", "key", "state"),
)

inbox_messages = sa.Table(
    "inbox_messages", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("link", sa.String(2000)),
    sa.Column("record_id", sa.Integer, sa.ForeignKey("records.id", ondelete="SET NULL")),
    sa.Column("source", sa.String(200)),  # e.g. "template:crm/follow_up_reminder@2"
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("read_at", UTCDateTime),
    sa.Column("idempotency_key", sa.String(300), nullable=False, unique=True),
    sa.Index("ix_inbox_messages_user_unread", "user_id", "read_at", "id"),
)
