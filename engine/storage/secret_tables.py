"""Tables of write-only definition secrets: chat-robot tokens, signing secrets, webhook URLs with keys.

``definition_secrets`` holds each secret once, encrypted with the instance key (``engine.secrets``),
apart from the definition that uses it: the definition keeps only an opaque handle. A row is never
changed: a new value is a new row (a published version keeps the secret it was published with), and
``owner_kind``/``owner_id`` say which definition may refer to it.
"""
from __future__ import annotations

import sqlalchemy as sa

from engine.storage.tables import metadata
from engine.storage.types import UTCDateTime

definition_secrets = sa.Table(
    "definition_secrets", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("handle", sa.String(64), nullable=False, unique=True),  # what the definition holds: {"$secret": handle}
    sa.Column("owner_kind", sa.String(32), nullable=False),  # "workflow"
    sa.Column("owner_id", sa.Integer, nullable=False),
    sa.Column("ciphertext", sa.Text, nullable=False),  # Fernet token (AES-128-CBC + HMAC-SHA256)
    sa.Column("hint", sa.String(120), nullable=False),  # the mask shown instead of the value, e.g. "••••1a2b"
    sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_definition_secrets_owner", "owner_kind", "owner_id"),
)
