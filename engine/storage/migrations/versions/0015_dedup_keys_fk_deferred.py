"""a duplicate-check key's reference to its record is checked at the commit (DEFERRABLE INITIALLY DEFERRED): a create
whose row is written last in its transaction (engine.services.record_serials) stores its keys under the id it took
before the row exists; PostgreSQL only (SQLite creates never write that way)

Revision ID: 0015_dedup_keys_fk_deferred
Revises: 0014_view_names_bilingual
"""
from alembic import op

revision = "0015_dedup_keys_fk_deferred"
down_revision = "0014_view_names_bilingual"
branch_labels = ("dedup_keys_fk_deferred",)
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE dedup_keys ALTER CONSTRAINT fk_dedup_keys_record_id_records DEFERRABLE INITIALLY DEFERRED")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE dedup_keys ALTER CONSTRAINT fk_dedup_keys_record_id_records NOT DEFERRABLE")
