"""attachments: the form, field and record each upload is bound to

An upload names its form and attachment field (or gets them at the first save) and is bound to the record it is
first saved in; a record may then only hold files bound to it, and a download follows that record's read gate
(engine.services.attachments). Files uploaded before this revision stay unbound: their downloads keep looking for
the records holding them.

Revision ID: 0004_attachment_bindings
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa

revision = "0004_attachment_bindings"
down_revision = "0001_core"
branch_labels = ("attachments",)
depends_on = None


def upgrade():
    op.add_column("attachments", sa.Column("form_id", sa.Integer(), nullable=True))
    op.add_column("attachments", sa.Column("field_id", sa.String(length=64), nullable=True))
    op.add_column("attachments", sa.Column("record_id", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("attachments") as batch:
        batch.drop_column("record_id")
        batch.drop_column("field_id")
        batch.drop_column("form_id")
