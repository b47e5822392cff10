"""record comments: plain-text comments on a record by a user, with the users they mention

Revision ID: 0009_record_comments
Revises: 0008_password_links
"""
from alembic import op
import sqlalchemy as sa

from engine.storage.types import JSONDoc, UTCDateTime

revision = "0009_record_comments"
down_revision = "0008_password_links"
branch_labels = ("record_comments",)
depends_on = None


def upgrade():
    op.create_table(
        "record_comments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("app", sa.String(length=100), nullable=False),
        sa.Column("form", sa.String(length=100), nullable=False),
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("records.id", ondelete="CASCADE"), nullable=False),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("mentions", JSONDoc, nullable=False),
    )
    op.create_index("ix_record_comments_record", "record_comments", ["record_id", "id"])


def downgrade():
    op.drop_table("record_comments")
