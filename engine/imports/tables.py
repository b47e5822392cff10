"""Tables of the import area: one ``import_jobs`` row per uploaded file, one ``import_rows`` row per data line.

A row keeps the cells as read, the cleaned values keyed by field id, its state
(pending -> valid / invalid / duplicate -> committed / refused) with the reasons,
and the id of the record it became. The commit writes a row's state in the same
transaction as its record, so a re-run after a crash continues where it stopped.
"""
from __future__ import annotations

import sqlalchemy as sa

from engine.storage.tables import metadata
from engine.storage.types import JSONDoc, UTCDateTime

import_jobs = sa.Table(
    "import_jobs", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("form_id", sa.Integer, sa.ForeignKey("forms.id", ondelete="CASCADE"), nullable=False),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("file_sha256", sa.String(64), nullable=False),
    sa.Column("file_format", sa.String(8), nullable=False),  # csv / xlsx
    sa.Column("encoding", sa.String(32)),  # the CSV encoding found
    sa.Column("header", JSONDoc, nullable=False),  # the column titles, in file order
    sa.Column("mapping", JSONDoc, nullable=False),  # {"<column index>": "<field id>"}
    sa.Column("options", JSONDoc, nullable=False),  # {"run_automations": bool}
    sa.Column("status", sa.String(16), nullable=False),  # uploaded / previewed / committing / done
    sa.Column("counts", JSONDoc, nullable=False),  # rows per state
    sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_import_jobs_form_file", "form_id", "file_sha256"),
)

import_rows = sa.Table(
    "import_rows", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("job_id", sa.Integer, sa.ForeignKey("import_jobs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("line", sa.Integer, nullable=False),  # the row number a spreadsheet shows (header is 1)
    sa.Column("cells", JSONDoc, nullable=False),  # the cells as read, as text
    sa.Column("cleaned", JSONDoc),  # cleaned values keyed by field id (after preview)
    sa.Column("state", sa.String(16), nullable=False),  # pending / valid / invalid / duplicate / committed / refused
    sa.Column("errors", JSONDoc),  # [{column, field_id, label, message, code}]
    sa.Column("record_id", sa.Integer, sa.ForeignKey("records.id", ondelete="SET NULL")),
    sa.UniqueConstraint("job_id", "line"),
    sa.Index("ix_import_rows_job_state", "job_id", "state", "id"),
)
