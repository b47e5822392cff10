"""records by change time: a partial index (form_id, updated_at, id) over live records, so a list sorted by "changed"
(the grid's "recently changed", the API's ``sort=-updated_at``) walks the index for its page instead of sorting the
whole form, as 0012 does for creation time

Revision ID: 0013_records_updated_order
Revises: 0012_records_created_order
"""
from alembic import op
import sqlalchemy as sa

revision = "0013_records_updated_order"
down_revision = "0012_records_created_order"
branch_labels = ("record_change_order",)
depends_on = None


def upgrade():
    op.create_index("ix_records_form_updated", "records", ["form_id", "updated_at", "id"],
                    postgresql_where=sa.text("deleted_at IS NULL"), sqlite_where=sa.text("deleted_at IS NULL"))


def downgrade():
    op.drop_index("ix_records_form_updated", table_name="records")
