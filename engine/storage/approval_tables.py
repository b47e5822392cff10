"""Tables of approval flows on records (审批流): one request per submission, one assignment per resolved approver.

``approval_requests`` keeps every round of a record (pending, approved,
rejected, withdrawn), so the history stays readable after a resubmission.
``approval_assignments`` holds the approvers resolved at submit time and each
one's decision; the pending queue of a user is an indexed lookup on it.
"""
from __future__ import annotations

import sqlalchemy as sa

from engine.storage.tables import metadata
from engine.storage.types import UTCDateTime

approval_requests = sa.Table(
    "approval_requests", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("form_id", sa.Integer, sa.ForeignKey("forms.id", ondelete="CASCADE"), nullable=False),
    sa.Column("record_id", sa.Integer, sa.ForeignKey("records.id", ondelete="CASCADE"), nullable=False),
    sa.Column("round", sa.Integer, nullable=False),  # 1 for the first submission of the record, then 2, 3...
    sa.Column("status", sa.String(16), nullable=False),  # pending / approved / rejected / withdrawn
    sa.Column("mode", sa.String(8), nullable=False),  # any / all
    sa.Column("lock", sa.Boolean, nullable=False),
    sa.Column("record_version", sa.Integer, nullable=False),  # the record version submitted
    sa.Column("submitted_by", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("submitted_at", UTCDateTime, nullable=False),
    sa.Column("comment", sa.Text),
    sa.Column("closed_by", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("closed_at", UTCDateTime),
    sa.UniqueConstraint("record_id", "round"),
    sa.Index("ix_approval_requests_record_status", "record_id", "status"),
)

approval_assignments = sa.Table(
    "approval_assignments", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("request_id", sa.Integer, sa.ForeignKey("approval_requests.id", ondelete="CASCADE"), nullable=False),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("decision", sa.String(16)),  # null until decided: approve / reject
    sa.Column("comment", sa.Text),
    sa.Column("decided_at", UTCDateTime),
    sa.UniqueConstraint("request_id", "user_id"),
    sa.Index("ix_approval_assignments_user_decision", "user_id", "decision"),
)
