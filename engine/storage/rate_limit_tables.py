"""The rate limiter's memory: one row per allowed attempt, shared by every process using the database.

``rate_limit_hits`` keeps the attempts of the last window per key (e.g. ``public_form:<client address>``);
``engine.ratelimit`` counts and prunes them. Being in the database, N web workers enforce one limit, not N.
"""
from __future__ import annotations

import sqlalchemy as sa

from engine.storage.tables import metadata
from engine.storage.types import UTCDateTime

rate_limit_hits = sa.Table(
    "rate_limit_hits", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_rate_limit_hits_key_at", "key", "at"),
    sa.Index("ix_rate_limit_hits_at", "at"),
)
