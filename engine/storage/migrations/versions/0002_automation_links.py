"""automation links (automation, source record) -> target record

Revision ID: 0002_automation_links
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa
import engine.storage.types

revision = '0002_automation_links'
down_revision = '0001_core'
branch_labels = ("automations",)
depends_on = None


def upgrade():
    op.create_table('automation_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('automation', sa.String(length=200), nullable=False),
    sa.Column('source_record', sa.Integer(), nullable=False),
    sa.Column('target_record', sa.Integer(), nullable=False),
    sa.Column('created_at', engine.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['source_record'], ['records.id'], name=op.f('fk_automation_links_source_record_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_record'], ['records.id'], name=op.f('fk_automation_links_target_record_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_automation_links')),
    sa.UniqueConstraint('automation', 'source_record', name=op.f('uq_automation_links_automation_source_record'))
    )
    op.create_index('ix_automation_links_target', 'automation_links', ['target_record'], unique=False)


def downgrade():
    op.drop_index('ix_automation_links_target', table_name='automation_links')
    op.drop_table('automation_links')
