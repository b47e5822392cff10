"""approval flows on records: requests per submission and their approvers' decisions

Revision ID: 0002_approvals
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa

import engine.storage.types

revision = "0002_approvals"
down_revision = "0001_core"
branch_labels = ("approvals",)
depends_on = None

UTC = engine.storage.types.UTCDateTime


def upgrade():
    op.create_table(
        "approval_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("lock", sa.Boolean(), nullable=False),
        sa.Column("record_version", sa.Integer(), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("submitted_at", UTC(timezone=True), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("closed_at", UTC(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name=op.f("fk_approval_requests_workspace_id_workspaces")),
        sa.ForeignKeyConstraint(["form_id"], ["forms.id"], name=op.f("fk_approval_requests_form_id_forms"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], name=op.f("fk_approval_requests_record_id_records"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["submitted_by"], ["users.id"], name=op.f("fk_approval_requests_submitted_by_users")),
        sa.ForeignKeyConstraint(["closed_by"], ["users.id"], name=op.f("fk_approval_requests_closed_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_requests")),
        sa.UniqueConstraint("record_id", "round", name=op.f("uq_approval_requests_record_id_round")),
    )
    op.create_index("ix_approval_requests_record_status", "approval_requests", ["record_id", "status"])
    op.create_table(
        "approval_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("decided_at", UTC(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["request_id"], ["approval_requests.id"], name=op.f("fk_approval_assignments_request_id_approval_requests"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_approval_assignments_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_assignments")),
        sa.UniqueConstraint("request_id", "user_id", name=op.f("uq_approval_assignments_request_id_user_id")),
    )
    op.create_index("ix_approval_assignments_user_decision", "approval_assignments", ["user_id", "decision"])


def downgrade():
    op.drop_table("approval_assignments")
    op.drop_table("approval_requests")
