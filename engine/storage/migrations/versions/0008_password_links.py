"""password links: one-time set-password links an admin hands to a new user (or for a reset), stored as a hash

Revision ID: 0008_password_links
Revises: 0007_saved_views
"""
from alembic import op
import sqlalchemy as sa

from engine.storage.types import UTCDateTime

revision = "0008_password_links"
down_revision = "0007_saved_views"
branch_labels = ("password_links",)
depends_on = None


def upgrade():
    op.create_table(
        "password_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.Integer(), sa.ForeignKey("workspaces.id"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_password_links_user", "password_links", ["user_id"])


def downgrade():
    op.drop_table("password_links")
