"""print templates and comment edits: a template's purpose (notification or print) and when a comment was last edited

Revision ID: 0010_print_comment_edits
Revises: 0009_record_comments
"""
from alembic import op
import sqlalchemy as sa

from engine.storage.types import UTCDateTime

revision = "0010_print_comment_edits"
down_revision = "0009_record_comments"
branch_labels = ("print_templates",)
depends_on = None


def upgrade():
    with op.batch_alter_table("notification_templates") as batch:
        batch.add_column(sa.Column("purpose", sa.String(length=16), nullable=False, server_default="notification"))
    with op.batch_alter_table("record_comments") as batch:
        batch.add_column(sa.Column("edited_at", UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("record_comments") as batch:
        batch.drop_column("edited_at")
    with op.batch_alter_table("notification_templates") as batch:
        batch.drop_column("purpose")
