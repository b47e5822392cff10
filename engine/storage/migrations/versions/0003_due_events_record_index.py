"""drop due_events' (record_id, status) index: the unique (workflow_id, record_id, occurrence) one serves every query by record

Each due row wrote four b-trees; a publish planning 10,000 rows spent ~15% of its insert time on
this one, and every status change (pending, running, done) rewrote it too. The queries by record
name the workflow, or join the app's workflows, so they take the unique index instead.

Revision ID: 0003_due_events_record_index
Revises: 0002_workflows
"""
from alembic import op

revision = "0003_due_events_record_index"
down_revision = "0002_workflows"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_due_events_record", table_name="due_events")


def downgrade():
    op.create_index("ix_due_events_record", "due_events", ["record_id", "status"])
