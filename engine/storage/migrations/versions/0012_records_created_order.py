"""records by creation time: a partial index (form_id, created_at, id) over live records, so a list sorted by "created"
(newest first, the API's ``sort=-created_at``) walks the index for its page instead of sorting the whole form

Revision ID: 0012_records_created_order
Revises: 0011_team_managers
"""
from alembic import op
import sqlalchemy as sa

revision = "0012_records_created_order"
down_revision = "0011_team_managers"
branch_labels = ("record_order",)
depends_on = None


def upgrade():
    op.create_index("ix_records_form_created", "records", ["form_id", "created_at", "id"],
                    postgresql_where=sa.text("deleted_at IS NULL"), sqlite_where=sa.text("deleted_at IS NULL"))


def downgrade():
    op.drop_index("ix_records_form_created", table_name="records")
