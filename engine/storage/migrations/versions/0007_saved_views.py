"""saved views: a form's grid/kanban/calendar/gallery views with filters, sort, grouping and columns, private or shared with roles

Revision ID: 0007_saved_views
Revises: 0006_merge_branches
"""
from alembic import op
import sqlalchemy as sa

from engine.storage.types import JSONDoc, UTCDateTime

revision = "0007_saved_views"
down_revision = "0006_merge_branches"
branch_labels = ("saved_views",)
depends_on = None


def upgrade():
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("form_id", sa.Integer(), sa.ForeignKey("forms.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("shared_roles", JSONDoc, nullable=False),
        sa.Column("default_roles", JSONDoc, nullable=False),
        sa.Column("definition", JSONDoc, nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_saved_views_form", "saved_views", ["form_id"])


def downgrade():
    op.drop_table("saved_views")
