"""rate limits: attempts kept in the database, so every web worker enforces one shared limit

Revision ID: 0005_rate_limit_hits
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa

from engine.storage.types import UTCDateTime

revision = "0005_rate_limit_hits"
down_revision = "0001_core"
branch_labels = ("rate_limits",)
depends_on = None


def upgrade():
    op.create_table(
        "rate_limit_hits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_rate_limit_hits_key_at", "rate_limit_hits", ["key", "at"])
    op.create_index("ix_rate_limit_hits_at", "rate_limit_hits", ["at"])


def downgrade():
    op.drop_table("rate_limit_hits")
