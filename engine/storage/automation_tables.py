"""Tables of the automations area: which record an automation created from which source record.

One row per (automation, source record): editing the source later updates that target instead of
creating a second one (the idempotency of on-submit automations).
"""
from __future__ import annotations

import sqlalchemy as sa

from engine.storage.tables import metadata
from engine.storage.types import UTCDateTime

automation_links = sa.Table(
    "automation_links", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("automation", sa.String(200), nullable=False),  # "<form id>:<automation id>"
    sa.Column("source_record", sa.Integer, sa.ForeignKey("records.id", ondelete="CASCADE"), nullable=False),
    sa.Column("target_record", sa.Integer, sa.ForeignKey("records.id", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("automation", "source_record"),
    sa.Index("ix_automation_links_target", "target_record"),
)
