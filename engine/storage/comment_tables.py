"""Comments on records: plain text by a user, with the users it mentions (and who were told in their inbox)."""
from __future__ import annotations

import sqlalchemy as sa

from engine.storage.tables import metadata
from engine.storage.types import JSONDoc, UTCDateTime

record_comments = sa.Table(
    "record_comments", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("app", sa.String(100), nullable=False),
    sa.Column("form", sa.String(100), nullable=False),
    sa.Column("record_id", sa.Integer, sa.ForeignKey("records.id", ondelete="CASCADE"), nullable=False),
    sa.Column("author_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("mentions", JSONDoc, nullable=False),  # [user id] told in their inbox (each could read the record)
    sa.Column("edited_at", UTCDateTime),  # when its author last changed the text (shown as "edited")
)
sa.Index("ix_record_comments_record", record_comments.c.record_id, record_comments.c.id)
