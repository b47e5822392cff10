"""The idempotency keys of record creates: one row per (form, actor, key), naming the record the first create made.

A client (the generated form: one key per form load) sends ``Idempotency-Key``; a repeated create with the same key
answers with that record instead of making another (``engine.services.idempotency``).
"""
from __future__ import annotations

import sqlalchemy as sa

from engine.storage.tables import metadata
from engine.storage.types import UTCDateTime

idempotency_keys = sa.Table(
    "idempotency_keys", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("form_id", sa.Integer, sa.ForeignKey("forms.id", ondelete="CASCADE"), nullable=False),
    sa.Column("actor_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("key", sa.String(128), nullable=False),
    sa.Column("record_id", sa.Integer, sa.ForeignKey("records.id", ondelete="CASCADE"), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("form_id", "actor_id", "key"),
)
