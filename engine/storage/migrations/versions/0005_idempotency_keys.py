"""idempotency keys of record creates (form, actor, key -> the record the first create made)

Revision ID: 0005_idempotency_keys
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa
import engine.storage.types

revision = "0005_idempotency_keys"
down_revision = "0001_core"
branch_labels = ("idempotency",)
depends_on = None


def upgrade():
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("created_at", engine.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["form_id"], ["forms.id"], name=op.f("fk_idempotency_keys_form_id_forms"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_idempotency_keys_actor_id_users"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], name=op.f("fk_idempotency_keys_record_id_records"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("form_id", "actor_id", "key", name=op.f("uq_idempotency_keys_form_id_actor_id_key")),
    )


def downgrade():
    op.drop_table("idempotency_keys")
