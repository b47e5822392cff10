"""notification templates (revisions with review) and the in-app inbox

Revision ID: 0002_notification_templates
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import engine.storage.types

revision = "0002_notification_templates"
down_revision = "0001_core"
branch_labels = ("notification_templates",)
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
UTC = engine.storage.types.UTCDateTime


def upgrade():
    op.create_table(
        "notification_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("form_key", sa.String(length=64), nullable=False),
        sa.Column("label", JSON, nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("content", JSON, nullable=False),
        sa.Column("review_comment", sa.Text()),
        sa.Column("created_by", sa.Integer()),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer()),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.Column("submitted_by", sa.Integer()),
        sa.Column("submitted_at", UTC(timezone=True)),
        sa.Column("reviewed_by", sa.Integer()),
        sa.Column("reviewed_at", UTC(timezone=True)),
        sa.Column("published_by", sa.Integer()),
        sa.Column("published_at", UTC(timezone=True)),
        sa.Column("superseded_at", UTC(timezone=True)),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name=op.f("fk_notification_templates_workspace_id_workspaces")),
        sa.ForeignKeyConstraint(["app_id"], ["apps.id"], name=op.f("fk_notification_templates_app_id_apps"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_notification_templates_created_by_users")),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], name=op.f("fk_notification_templates_updated_by_users")),
        sa.ForeignKeyConstraint(["submitted_by"], ["users.id"], name=op.f("fk_notification_templates_submitted_by_users")),
        sa.ForeignKeyConstraint(["reviewed_by"], ["users.id"], name=op.f("fk_notification_templates_reviewed_by_users")),
        sa.ForeignKeyConstraint(["published_by"], ["users.id"], name=op.f("fk_notification_templates_published_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_templates")),
        sa.UniqueConstraint("app_id", "key", "revision", name=op.f("uq_notification_templates_app_id_key_revision")),
    )
    op.create_index("ix_notification_templates_app_key_state", "notification_templates", ["app_id", "key", "state"])
    op.create_table(
        "inbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=2000)),
        sa.Column("record_id", sa.Integer()),
        sa.Column("source", sa.String(length=200)),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("read_at", UTC(timezone=True)),
        sa.Column("idempotency_key", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name=op.f("fk_inbox_messages_workspace_id_workspaces")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_inbox_messages_user_id_users"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], name=op.f("fk_inbox_messages_record_id_records"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_messages")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_inbox_messages_idempotency_key")),
    )
    op.create_index("ix_inbox_messages_user_unread", "inbox_messages", ["user_id", "read_at", "id"])


def downgrade():
    op.drop_index("ix_inbox_messages_user_unread", table_name="inbox_messages")
    op.drop_table("inbox_messages")
    op.drop_index("ix_notification_templates_app_key_state", table_name="notification_templates")
    op.drop_table("notification_templates")
