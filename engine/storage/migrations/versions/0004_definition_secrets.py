"""write-only definition secrets (encrypted with the instance key), referred to from definitions by handle

Revision ID: 0004_definition_secrets
Revises: 0003_due_events_record_index
"""
from alembic import op
import sqlalchemy as sa
import engine.storage.types

revision = "0004_definition_secrets"
down_revision = "0003_due_events_record_index"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "definition_secrets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("handle", sa.String(length=64), nullable=False),
        sa.Column("owner_kind", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.Column("hint", sa.String(length=120), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", engine.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name=op.f("fk_definition_secrets_workspace_id_workspaces")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_definition_secrets_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_definition_secrets")),
        sa.UniqueConstraint("handle", name=op.f("uq_definition_secrets_handle")),
    )
    op.create_index("ix_definition_secrets_owner", "definition_secrets", ["owner_kind", "owner_id"], unique=False)


def downgrade():
    op.drop_index("ix_definition_secrets_owner", table_name="definition_secrets")
    op.drop_table("definition_secrets")
