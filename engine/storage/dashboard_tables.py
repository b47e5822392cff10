"""Tables of dashboards (charts as data) and public web forms (lead capture by a tokenized link).

``dashboards`` holds one definition per (app, key), checked against
``schemas/dashboard.schema.json`` and the app's published forms at save time.
``web_forms`` holds the links an admin publishes: only the SHA-256 of the link
token is stored, so a leaked database does not leak working links.
"""
from __future__ import annotations

import sqlalchemy as sa

from engine.storage.tables import metadata
from engine.storage.types import JSONDoc, UTCDateTime

dashboards = sa.Table(
    "dashboards", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("app_id", sa.Integer, sa.ForeignKey("apps.id", ondelete="CASCADE"), nullable=False),
    sa.Column("key", sa.String(64), nullable=False),
    sa.Column("definition", JSONDoc, nullable=False),
    sa.Column("revision", sa.Integer, nullable=False, default=1),
    sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_by", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("app_id", "key"),
)

web_forms = sa.Table(
    "web_forms", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("app_id", sa.Integer, sa.ForeignKey("apps.id", ondelete="CASCADE"), nullable=False),
    sa.Column("form_key", sa.String(64), nullable=False),
    sa.Column("label", sa.String(200), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("settings", JSONDoc, nullable=False),  # fields offered, source field/value, owner, thank-you text
    sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime),
    sa.Column("revoked_by", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("submissions", sa.Integer, nullable=False, default=0),
    sa.Column("refused", sa.Integer, nullable=False, default=0),  # honeypot hits and rate-limited posts
)

# -- pre-aggregated chart cells (PostgreSQL): see engine/dashboards/rollups.py ----------------

chart_rollups = sa.Table(
    "chart_rollups", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sig", sa.String(64), nullable=False, unique=True),  # SHA-256 of the spec: same rows, same keys, same value
    sa.Column("form_id", sa.Integer, sa.ForeignKey("forms.id", ondelete="CASCADE"), nullable=False),
    sa.Column("spec", JSONDoc, nullable=False),  # the SQL parts the cells are computed with
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("compacted_at", UTCDateTime),
)

chart_cells = sa.Table(
    "chart_cells", metadata,
    sa.Column("rollup_id", sa.Integer, sa.ForeignKey("chart_rollups.id", ondelete="CASCADE"), nullable=False),
    sa.Column("owner_id", sa.Integer),
    sa.Column("k", sa.Text),  # the chart's group key as text (NULL: no group, or an empty value)
    sa.Column("d", sa.Text),  # the period field's local day as YYYY-MM-DD (NULL: no period, or an empty value)
    sa.Column("n", sa.BigInteger, nullable=False),  # records
    sa.Column("s", sa.Numeric),  # sum of the values
    sa.Column("c", sa.BigInteger, nullable=False),  # values that are not empty (the divisor of an average)
    sa.Index("ix_chart_cells_rollup_d", "rollup_id", "d"),
)
