"""saved views named per language: a view's name is a text or {"en": .., "zh-CN": ..} kept as its JSON text
(engine.bilingual_text), so the column holds up to two names of 100 characters and their quoting

Revision ID: 0014_view_names_bilingual
Revises: 0013_records_updated_order
"""
from alembic import op
import sqlalchemy as sa

revision = "0014_view_names_bilingual"
down_revision = "0013_records_updated_order"
branch_labels = ("view_names_bilingual",)
depends_on = None


def upgrade():
    with op.batch_alter_table("saved_views") as batch:
        batch.alter_column("name", existing_type=sa.String(length=100), type_=sa.String(length=500), existing_nullable=False)


def downgrade():
    with op.batch_alter_table("saved_views") as batch:
        batch.alter_column("name", existing_type=sa.String(length=500), type_=sa.String(length=100), existing_nullable=False)
