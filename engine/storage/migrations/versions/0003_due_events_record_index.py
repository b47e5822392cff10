"""drop due_events' (record_id, status) index: the unique (workflow_id, record_id, occurrence) one serves the queries by record

Each due row wrote four b-trees; a publish planning 10,000 rows spent ~15% of its insert time on
this one, and every status change (pending, running, done) rewrote it too. The save path's look-up
names the workflow and takes the unique index (PostgreSQL's planner does the same for a record's
firings across an app's workflows); without statistics SQLite chose the (status, fire_at) index for
that list before this change as well.

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
