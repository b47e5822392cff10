"""app templates installed, duplicate-check keys

Revision ID: 0002_app_templates_dedup
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy import Text
import engine.storage.types

revision = '0002_app_templates_dedup'
down_revision = '0001_core'
branch_labels = ("dedup",)
depends_on = None


def upgrade():
    op.create_table('template_installs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('app_id', sa.Integer(), nullable=True),
    sa.Column('template_key', sa.String(length=64), nullable=False),
    sa.Column('template_version', sa.String(length=32), nullable=False),
    sa.Column('base', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('first_run', sa.Boolean(), nullable=True),
    sa.Column('installed_at', engine.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', engine.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['app_id'], ['apps.id'], name=op.f('fk_template_installs_app_id_apps'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_template_installs_workspace_id_workspaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_template_installs')),
    sa.UniqueConstraint('workspace_id', 'template_key', 'first_run', name=op.f('uq_template_installs_workspace_id_template_key_first_run'))
    )
    with op.batch_alter_table('template_installs', schema=None) as batch_op:
        batch_op.create_index('ix_template_installs_app', ['app_id'], unique=False)

    op.create_table('dedup_keys',
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('exclusive', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['form_id'], ['forms.id'], name=op.f('fk_dedup_keys_form_id_forms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_dedup_keys_record_id_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('form_id', 'rule', 'key', 'record_id', name=op.f('pk_dedup_keys')),
    sa.UniqueConstraint('form_id', 'rule', 'key', 'exclusive', name=op.f('uq_dedup_keys_form_id_rule_key_exclusive'))
    )
    with op.batch_alter_table('dedup_keys', schema=None) as batch_op:
        batch_op.create_index('ix_dedup_keys_record', ['record_id'], unique=False)


def downgrade():
    with op.batch_alter_table('dedup_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_dedup_keys_record')
    op.drop_table('dedup_keys')
    with op.batch_alter_table('template_installs', schema=None) as batch_op:
        batch_op.drop_index('ix_template_installs_app')
    op.drop_table('template_installs')
