"""Saved views of a form's records: a grid (or kanban, calendar, gallery) with its filters, sort, grouping and columns.

A view is private to its owner or shared with roles; a shared view can be the default view of some of
those roles (one default per role and form).
"""
from __future__ import annotations

import sqlalchemy as sa

from engine.storage.tables import metadata
from engine.storage.types import JSONDoc, UTCDateTime

saved_views = sa.Table(
    "saved_views", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("form_id", sa.Integer, sa.ForeignKey("forms.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(500), nullable=False),  # a text or {"en", "zh-CN"} as JSON text (engine.bilingual_text)
    sa.Column("owner_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("shared_roles", JSONDoc, nullable=False),   # [] = private to the owner
    sa.Column("default_roles", JSONDoc, nullable=False),  # roles that open this view first
    sa.Column("definition", JSONDoc, nullable=False),     # {type, filters, match, sort, group_by, columns, search, page_size}
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)
sa.Index("ix_saved_views_form", saved_views.c.form_id)
