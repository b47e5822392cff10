"""Tables of the workflows area: definitions, versions, due events, the run log and the outbox.

``workflows`` holds the editable draft of a timed workflow and which version
is live; ``workflow_versions`` freezes each publish. ``due_events`` is the
durable schedule: one row per (workflow, record, occurrence) with the instant
it fires, written in the same transaction as the record save that causes it
(never one APScheduler job per record). ``workflow_runs`` is the run log, one
row per firing. ``outbox`` holds every rendered notification waiting to be
sent, unique on its idempotency key, so each one goes out once.
"""
from __future__ import annotations

import sqlalchemy as sa

from engine.storage.tables import metadata
from engine.storage.types import JSONDoc, UTCDateTime

workflows = sa.Table(
    "workflows", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("app_id", sa.Integer, sa.ForeignKey("apps.id", ondelete="CASCADE"), nullable=False),
    sa.Column("key", sa.String(64), nullable=False),
    sa.Column("form_id", sa.Integer, sa.ForeignKey("forms.id", ondelete="CASCADE"), nullable=False),
    sa.Column("draft", JSONDoc, nullable=False),
    sa.Column("draft_revision", sa.Integer, nullable=False, default=1),
    sa.Column("published_version", sa.Integer),
    sa.Column("enabled", sa.Boolean, nullable=False, default=True),
    sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("app_id", "key"),
    sa.Index("ix_workflows_form_live", "form_id", "enabled"),
)

workflow_versions = sa.Table(
    "workflow_versions", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workflow_id", sa.Integer, sa.ForeignKey("workflows.id", ondelete="CASCADE"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("definition", JSONDoc, nullable=False),
    sa.Column("published_at", UTCDateTime, nullable=False),
    sa.Column("published_by", sa.Integer, sa.ForeignKey("users.id")),
    sa.UniqueConstraint("workflow_id", "version"),
)

due_events = sa.Table(
    "due_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workflow_id", sa.Integer, sa.ForeignKey("workflows.id", ondelete="CASCADE"), nullable=False),
    sa.Column("workflow_version", sa.Integer, nullable=False),
    sa.Column("record_id", sa.Integer, nullable=False),  # 0: a workflow-level row (a schedule sweep)
    sa.Column("occurrence", sa.String(200), nullable=False),  # e.g. "offset0@2026-03-10T07:00:00Z", "cron@...", "event:v3"
    sa.Column("fire_at", UTCDateTime, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending / running / done / skipped / failed / cancelled
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", UTCDateTime),  # a failed row waits until then before the next attempt
    sa.Column("reason", sa.Text),  # why cancelled / skipped / failed, in words
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("workflow_id", "record_id", "occurrence"),
    sa.Index("ix_due_events_status_fire_at", "status", "fire_at"),
    # no index on record_id alone: the look-ups by record name the workflow, and the unique index serves them
)

workflow_runs = sa.Table(
    "workflow_runs", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workflow_id", sa.Integer, sa.ForeignKey("workflows.id", ondelete="CASCADE"), nullable=False),
    sa.Column("workflow_version", sa.Integer, nullable=False),
    sa.Column("due_event_id", sa.Integer, sa.ForeignKey("due_events.id", ondelete="SET NULL")),
    sa.Column("record_id", sa.Integer, nullable=False),
    sa.Column("occurrence", sa.String(200), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # done / skipped / failed
    sa.Column("detail", sa.Text),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("fire_at", UTCDateTime, nullable=False),
    sa.Column("ran_at", UTCDateTime, nullable=False),
    sa.Column("steps", JSONDoc, nullable=False),  # [{step, type, outcome}]
    sa.Index("ix_workflow_runs_workflow", "workflow_id", "id"),
    sa.Index("ix_workflow_runs_record", "record_id", "id"),
)

outbox = sa.Table(
    "outbox", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("workflow_id", sa.Integer, sa.ForeignKey("workflows.id", ondelete="SET NULL")),
    sa.Column("due_event_id", sa.Integer, sa.ForeignKey("due_events.id", ondelete="SET NULL")),
    sa.Column("record_id", sa.Integer),
    sa.Column("idempotency_key", sa.String(300), nullable=False, unique=True),
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("message", JSONDoc, nullable=False),  # rendered OutgoingMessage (recipient, cc, subject, body, link, config)
    sa.Column("status", sa.String(16), nullable=False),  # pending / sent / failed
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),  # also the lease: a claimed row is pushed into the future
    sa.Column("last_error", sa.Text),
    sa.Column("external_id", sa.String(300)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime),
    sa.Index("ix_outbox_status_next", "status", "next_attempt_at"),
)
