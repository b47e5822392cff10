"""Tables of the built-in app templates and the duplicate check (查重).

``template_installs`` remembers which template (key, version) an app came
from and the template definition it was built from, so a newer template can be
offered as a three-way merge that keeps the admin's edits. ``dedup_keys``
holds each record's normalized match keys, indexed, so a duplicate lookup is
one index probe and a unique index settles races in "refuse" mode.
"""
from __future__ import annotations

import sqlalchemy as sa

from engine.storage.tables import metadata
from engine.storage.types import JSONDoc, UTCDateTime

template_installs = sa.Table(
    "template_installs", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("app_id", sa.Integer, sa.ForeignKey("apps.id", ondelete="SET NULL")),
    sa.Column("template_key", sa.String(64), nullable=False),
    sa.Column("template_version", sa.String(32), nullable=False),
    sa.Column("base", JSONDoc, nullable=False),  # the template definition the app was last built from
    sa.Column("origin", sa.String(16), nullable=False),  # first_run / manual
    # true only on the first-run install: the unique index lets one process win when several start at once
    sa.Column("first_run", sa.Boolean),
    sa.Column("installed_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("workspace_id", "template_key", "first_run"),
    sa.Index("ix_template_installs_app", "app_id"),
)

dedup_keys = sa.Table(
    "dedup_keys", metadata,
    sa.Column("form_id", sa.Integer, sa.ForeignKey("forms.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("rule", sa.String(64), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    # checked at the commit (migration 0015): a create writing its row last stores its keys first (record_serials)
    sa.Column("record_id", sa.Integer, sa.ForeignKey("records.id", ondelete="CASCADE", deferrable=True, initially="DEFERRED"),
              primary_key=True),
    # true in "refuse" mode (unique per key), NULL in "flag" mode (NULLs never collide in a unique index)
    sa.Column("exclusive", sa.Boolean),
    sa.UniqueConstraint("form_id", "rule", "key", "exclusive"),
    sa.Index("ix_dedup_keys_record", "record_id"),
)
