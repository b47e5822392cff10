"""imports: import jobs and their rows

Revision ID: 0002_imports
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import engine.storage.types

revision = "0002_imports"
down_revision = "0001_core"
branch_labels = ("imports",)
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
UTC = engine.storage.types.UTCDateTime


def upgrade():
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("file_format", sa.String(length=8), nullable=False),
        sa.Column("encoding", sa.String(length=32), nullable=True),
        sa.Column("header", JSON, nullable=False),
        sa.Column("mapping", JSON, nullable=False),
        sa.Column("options", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("counts", JSON, nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name=op.f("fk_import_jobs_workspace_id_workspaces")),
        sa.ForeignKeyConstraint(["form_id"], ["forms.id"], name=op.f("fk_import_jobs_form_id_forms"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_import_jobs_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_jobs")),
    )
    op.create_index("ix_import_jobs_form_file", "import_jobs", ["form_id", "file_sha256"])
    op.create_table(
        "import_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("cells", JSON, nullable=False),
        sa.Column("cleaned", JSON, nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("errors", JSON, nullable=True),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["import_jobs.id"], name=op.f("fk_import_rows_job_id_import_jobs"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], name=op.f("fk_import_rows_record_id_records"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_rows")),
        sa.UniqueConstraint("job_id", "line", name=op.f("uq_import_rows_job_id_line")),
    )
    op.create_index("ix_import_rows_job_state", "import_rows", ["job_id", "state", "id"])


def downgrade():
    op.drop_index("ix_import_rows_job_state", table_name="import_rows")
    op.drop_table("import_rows")
    op.drop_index("ix_import_jobs_form_file", table_name="import_jobs")
    op.drop_table("import_jobs")
